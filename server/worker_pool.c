/* One mutex guards the lanes and both queues: jobs are few and short
 * compared to the RSA and SQL work done outside the lock. An idle worker
 * whose database is down wakes up at its store's next retry time to
 * reconnect in the background, so the first request after an outage does
 * not pay for it. */
#include "config.h"

#include "worker_pool.h"

#include <errno.h>
#include <pthread.h>
#include <stdlib.h>
#include <time.h>

#include "clock.h"
#include "errors.h"
#include "log.h"

/* A worker pool that failed to start has no job yet: its threads stop at once. */
#define WORKER_POOL_START_FAILED_WAIT_MS 60000

struct worker {
	struct worker_pool *pool;
	pthread_t thread;
	int started;
	int finished;                /* the thread has left its loop */
	unsigned id;
	struct store *store;
	unsigned database_back_seen;  /* the pool's database_back when last looked */
};

struct worker_pool {
	pthread_mutex_t lock;
	pthread_cond_t work_ready;   /* CLOCK_MONOTONIC */
	pthread_cond_t finished;     /* a worker left its loop (CLOCK_MONOTONIC) */
	struct worker_lane *ring;    /* lanes with queued jobs; the next turn first */
	struct worker_pool_fifo store_wait; /* opened jobs waiting for a database slot */
	struct worker_pool_fifo done;
	unsigned in_store;           /* workers inside the database */
	unsigned store_slots;        /* most workers inside the database at once */
	unsigned lane_slots;         /* most workers on one lane's jobs at once */
	unsigned database_back;      /* counts worker_pool_database_back calls */
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

static void worker_pool_ring_remove(struct worker_pool *pool, struct worker_lane *lane)
{
	if (lane->next == lane) {
		pool->ring = NULL;
	} else {
		lane->prev->next = lane->next;
		lane->next->prev = lane->prev;
		if (pool->ring == lane)
			pool->ring = lane->next;
	}
	lane->prev = lane->next = NULL;
	lane->in_ring = 0;
}

/* Appends lane at the end of the ring: it has the last turn. */
static void worker_pool_ring_append(struct worker_pool *pool, struct worker_lane *lane)
{
	if (!pool->ring) {
		lane->prev = lane->next = lane;
		pool->ring = lane;
	} else {
		lane->next = pool->ring;
		lane->prev = pool->ring->prev;
		pool->ring->prev->next = lane;
		pool->ring->prev = lane;
	}
	lane->in_ring = 1;
}

/* The first job of the first lane, in ring order, that has a free slot;
 * that lane goes to the end of the ring. */
static struct request_job *worker_pool_take_turn(struct worker_pool *pool)
{
	struct worker_lane *lane = pool->ring;
	struct request_job *job;

	if (!lane)
		return NULL;
	do {
		if (lane->running < pool->lane_slots)
			break;
		lane = lane->next;
	} while (lane != pool->ring);
	if (lane->running >= pool->lane_slots)
		return NULL;
	job = worker_pool_fifo_pop(&lane->jobs);
	job->pool_place = WORKER_JOB_TAKEN;
	lane->running++;
	worker_pool_ring_remove(pool, lane);
	if (lane->jobs.head)
		worker_pool_ring_append(pool, lane);
	return job;
}

/* A worker whose store is down waits only until its next retry. */
static void worker_pool_wait(struct worker_pool *pool, struct worker *w)
{
	struct timespec ts;

	if (store_connected(w->store)) {
		pthread_cond_wait(&pool->work_ready, &pool->lock);
		return;
	}
	clock_timespec_after(CLOCK_MONOTONIC, store_next_attempt_ms(w->store) - clock_now_ms(), &ts);
	if (pthread_cond_timedwait(&pool->work_ready, &pool->lock, &ts) == ETIMEDOUT && !pool->ring &&
	    !pool->store_wait.head && !pool->stopping) {
		pthread_mutex_unlock(&pool->lock);
		store_ensure(w->store);
		pthread_mutex_lock(&pool->lock);
	}
}

/* Hands a finished job to the loop (called with the lock held). */
static void worker_pool_finish(struct worker_pool *pool, struct request_job *job)
{
	job->lane->running--;
	/* The lane may have waited for this slot. */
	if (job->lane->jobs.head)
		pthread_cond_signal(&pool->work_ready);
	/* Jobs already waiting were announced: the loop takes them all at
	 * once, and one wakeup fewer is one poll() fewer. */
	if (!pool->done.head)
		pool->notify(pool->notify_arg);
	worker_pool_fifo_push(&pool->done, job);
}

static void *worker_pool_thread_main(void *arg)
{
	struct worker *w = arg;
	struct worker_pool *pool = w->pool;

	store_ensure(w->store);
	pthread_mutex_lock(&pool->lock);
	for (;;) {
		struct request_job *job = NULL;

		if (w->database_back_seen != pool->database_back) {
			w->database_back_seen = pool->database_back;
			store_retry_now(w->store);
		}
		/* Opened jobs first: they are further along. */
		if (pool->store_wait.head && pool->in_store < pool->store_slots) {
			job = worker_pool_fifo_pop(&pool->store_wait);
			job->pool_place = WORKER_JOB_TAKEN;
		} else if ((job = worker_pool_take_turn(pool))) {
			pthread_mutex_unlock(&pool->lock);
			request_open(pool->ctx, job);
			pthread_mutex_lock(&pool->lock);
			if (job->needs_store && pool->stopping) {
				job->needs_store = 0;
				job->outcome = REQUEST_GONE;
			} else if (job->needs_store && pool->in_store >= pool->store_slots) {
				job->pool_place = WORKER_JOB_WAITING_FOR_STORE;
				worker_pool_fifo_push(&pool->store_wait, job);
				continue;
			}
		} else if (pool->stopping) {
			break;
		} else {
			worker_pool_wait(pool, w);
			continue;
		}
		if (job->needs_store) {
			pool->in_store++;
			pthread_mutex_unlock(&pool->lock);
			request_answer(pool->ctx, w->store, job);
			pthread_mutex_lock(&pool->lock);
			pool->in_store--;
			if (pool->store_wait.head)
				pthread_cond_signal(&pool->work_ready);
		}
		worker_pool_finish(pool, job);
	}
	w->finished = 1;
	pthread_cond_broadcast(&pool->finished);
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
	pthread_cond_init(&pool->finished, &attr);
	pthread_condattr_destroy(&attr);
	pool->store_slots = workers > 1 ? workers - 1 : 1;
	pool->lane_slots = workers > 1 ? workers / 2 : 1;
	for (unsigned i = 0; i < workers; i++) {
		struct worker *w = &pool->workers[i];

		w->pool = pool;
		w->id = i + 1;
		if ((r = store_new(conninfo, ctx->statement_timeout_ms, w->id, &w->store)) != RC_OK)
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
		worker_pool_stop(pool, WORKER_POOL_START_FAILED_WAIT_MS);
		return r;
	}
	*out = pool;
	return RC_OK;
}

void worker_pool_submit(struct worker_pool *pool, struct worker_lane *lane, struct request_job *job)
{
	pthread_mutex_lock(&pool->lock);
	job->lane = lane;
	job->pool_place = WORKER_JOB_IN_LANE;
	worker_pool_fifo_push(&lane->jobs, job);
	if (!lane->in_ring)
		worker_pool_ring_append(pool, lane);
	pthread_cond_signal(&pool->work_ready);
	pthread_mutex_unlock(&pool->lock);
}

/* Takes job out of q (anywhere in it). */
static void worker_pool_fifo_remove(struct worker_pool_fifo *q, struct request_job *job)
{
	struct request_job *prev = NULL;

	for (struct request_job *j = q->head; j; prev = j, j = j->next) {
		if (j != job)
			continue;
		if (prev)
			prev->next = j->next;
		else
			q->head = j->next;
		if (q->tail == j)
			q->tail = prev;
		j->next = NULL;
		return;
	}
}

int worker_pool_unqueue(struct worker_pool *pool, struct request_job *job)
{
	struct worker_lane *lane = job->lane;
	int taken = 1;

	pthread_mutex_lock(&pool->lock);
	if (job->pool_place == WORKER_JOB_IN_LANE) {
		worker_pool_fifo_remove(&lane->jobs, job);
		if (!lane->jobs.head && lane->in_ring)
			worker_pool_ring_remove(pool, lane);
	} else if (job->pool_place == WORKER_JOB_WAITING_FOR_STORE) {
		worker_pool_fifo_remove(&pool->store_wait, job);
		lane->running--;
	} else {
		taken = 0;
	}
	job->pool_place = WORKER_JOB_TAKEN;
	pthread_mutex_unlock(&pool->lock);
	return taken;
}

void worker_pool_database_back(struct worker_pool *pool)
{
	pthread_mutex_lock(&pool->lock);
	pool->database_back++;
	pthread_cond_broadcast(&pool->work_ready);
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

/* Drops every job no worker runs (stopping). */
static void worker_pool_drop_queued(struct worker_pool *pool)
{
	struct request_job *job;

	while (pool->ring) {
		struct worker_lane *lane = pool->ring;

		while ((job = worker_pool_fifo_pop(&lane->jobs)))
			request_job_free(job);
		worker_pool_ring_remove(pool, lane);
	}
	while ((job = worker_pool_fifo_pop(&pool->store_wait))) {
		job->lane->running--;
		request_job_free(job);
	}
}

int worker_pool_stop(struct worker_pool *pool, int wait_ms)
{
	struct request_job *job;
	struct timespec deadline;
	unsigned busy;

	if (!pool)
		return RC_OK;
	clock_timespec_after(CLOCK_MONOTONIC, wait_ms, &deadline);
	pthread_mutex_lock(&pool->lock);
	pool->stopping = 1;
	worker_pool_drop_queued(pool);
	pthread_cond_broadcast(&pool->work_ready);
	for (;;) {
		busy = 0;
		for (unsigned i = 0; i < pool->count; i++)
			busy += pool->workers[i].started && !pool->workers[i].finished;
		if (!busy || pthread_cond_timedwait(&pool->finished, &pool->lock, &deadline) == ETIMEDOUT)
			break;
	}
	pthread_mutex_unlock(&pool->lock);
	if (busy) {
		log_warn(0, "%u worker(s) still busy (in the database?); not waiting for them", busy);
		return RC_ERR_TIMEOUT;
	}
	for (unsigned i = 0; i < pool->count; i++) {
		if (pool->workers[i].started)
			pthread_join(pool->workers[i].thread, NULL);
		store_free(pool->workers[i].store);
	}
	while ((job = worker_pool_fifo_pop(&pool->done)))
		request_job_free(job);
	pthread_cond_destroy(&pool->work_ready);
	pthread_cond_destroy(&pool->finished);
	pthread_mutex_destroy(&pool->lock);
	free(pool->workers);
	free(pool);
	return RC_OK;
}
