/* One mutex guards both queues: jobs are few and short compared to the RSA
 * and SQL work done outside the lock. An idle worker whose database is down
 * wakes up at its store's next retry time to reconnect in the background,
 * so the first request after an outage does not pay for it. */
#include "config.h"

#include "worker_pool.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <time.h>

#include "clock.h"
#include "errors.h"
#include "event_loop.h"
#include "log.h"

struct worker {
	struct worker_pool *pool;
	pthread_t thread;
	int started;
	unsigned id;
	struct store *store;
};

struct worker_pool_fifo {
	struct request_job *head;
	struct request_job *tail;
};

struct worker_pool {
	pthread_mutex_t lock;
	pthread_cond_t work_ready;   /* CLOCK_MONOTONIC */
	struct worker_pool_fifo todo;
	struct worker_pool_fifo done;
	int stopping;
	const struct request_ctx *ctx;
	worker_notify_fn notify;
	void *notify_arg;
	unsigned count;
	struct worker *workers;
};

static void worker_pool_fifo_push(struct worker_pool_fifo *q, struct request_job *job)
{
	job->next = NULL;
	if (q->tail)
		q->tail->next = job;
	else
		q->head = job;
	q->tail = job;
}

static struct request_job *worker_pool_fifo_pop(struct worker_pool_fifo *q)
{
	struct request_job *job = q->head;

	if (job) {
		q->head = job->next;
		if (!q->head)
			q->tail = NULL;
		job->next = NULL;
	}
	return job;
}

static void *worker_pool_thread_main(void *arg)
{
	struct worker *w = arg;
	struct worker_pool *pool = w->pool;

	store_ensure(w->store);
	pthread_mutex_lock(&pool->lock);
	for (;;) {
		struct request_job *job = worker_pool_fifo_pop(&pool->todo);

		if (!job) {
			if (pool->stopping)
				break;
			if (store_connected(w->store)) {
				pthread_cond_wait(&pool->work_ready, &pool->lock);
			} else {
				struct timespec ts;
				int r;

				clock_timespec_after(CLOCK_MONOTONIC, store_next_attempt_ms(w->store) - clock_now_ms(), &ts);
				r = pthread_cond_timedwait(&pool->work_ready, &pool->lock, &ts);
				if (r == ETIMEDOUT && !pool->todo.head && !pool->stopping) {
					pthread_mutex_unlock(&pool->lock);
					store_ensure(w->store);
					pthread_mutex_lock(&pool->lock);
				}
			}
			continue;
		}
		pthread_mutex_unlock(&pool->lock);
		request_process(pool->ctx, w->store, job);
		pthread_mutex_lock(&pool->lock);
		/* Jobs already waiting were announced: the loop takes them all
		 * at once, and one wakeup fewer is one poll() fewer. */
		if (!pool->done.head)
			pool->notify(pool->notify_arg);
		worker_pool_fifo_push(&pool->done, job);
	}
	pthread_mutex_unlock(&pool->lock);
	return NULL;
}

int worker_pool_start(unsigned workers, const struct request_ctx *ctx, const char *conninfo,
                      worker_notify_fn notify, void *notify_arg, struct worker_pool **out)
{
	struct worker_pool *pool;
	pthread_condattr_t attr;
	int r = RC_OK;

	*out = NULL;
	pool = calloc(1, sizeof *pool);
	if (!pool)
		return RC_ERR_NOMEM;
	pool->workers = calloc(workers, sizeof *pool->workers);
	if (!pool->workers) {
		free(pool);
		return RC_ERR_NOMEM;
	}
	pool->ctx = ctx;
	pool->notify = notify;
	pool->notify_arg = notify_arg;
	pthread_mutex_init(&pool->lock, NULL);
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&pool->work_ready, &attr);
	pthread_condattr_destroy(&attr);
	for (unsigned i = 0; i < workers; i++) {
		struct worker *w = &pool->workers[i];

		w->pool = pool;
		w->id = i + 1;
		if ((r = store_new(conninfo, w->id, &w->store)) != RC_OK)
			break;
		if (pthread_create(&w->thread, NULL, worker_pool_thread_main, w) != 0) {
			r = RC_ERR_IO;
			break;
		}
		w->started = 1;
		pool->count = i + 1;
	}
	if (r != RC_OK) {
		pool->count = workers;
		worker_pool_stop(pool);
		return r;
	}
	*out = pool;
	return RC_OK;
}

void worker_pool_submit(struct worker_pool *pool, struct request_job *job)
{
	pthread_mutex_lock(&pool->lock);
	worker_pool_fifo_push(&pool->todo, job);
	pthread_cond_signal(&pool->work_ready);
	pthread_mutex_unlock(&pool->lock);
}

struct request_job *worker_pool_take_done(struct worker_pool *pool)
{
	struct request_job *list;

	pthread_mutex_lock(&pool->lock);
	list = pool->done.head;
	pool->done.head = pool->done.tail = NULL;
	pthread_mutex_unlock(&pool->lock);
	return list;
}

void worker_pool_stop(struct worker_pool *pool)
{
	struct request_job *job;

	if (!pool)
		return;
	pthread_mutex_lock(&pool->lock);
	pool->stopping = 1;
	pthread_cond_broadcast(&pool->work_ready);
	pthread_mutex_unlock(&pool->lock);
	for (unsigned i = 0; i < pool->count; i++) {
		if (pool->workers[i].started)
			pthread_join(pool->workers[i].thread, NULL);
		store_free(pool->workers[i].store);
	}
	while ((job = worker_pool_fifo_pop(&pool->done)))
		request_job_free(job);
	while ((job = worker_pool_fifo_pop(&pool->todo)))
		request_job_free(job);
	pthread_cond_destroy(&pool->work_ready);
	pthread_mutex_destroy(&pool->lock);
	free(pool->workers);
	free(pool);
}
