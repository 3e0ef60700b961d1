/* Worker threads, each with its own database connection. Jobs wait in
 * lanes, one per client address, and the lanes take turns (round robin), so
 * one address with many requests cannot starve the others; one address has
 * at most half the workers at a time (one, with fewer than four). A job is
 * opened first (decrypted and, when it needs no database, answered:
 * request_open); with two workers or more, at most all but one are inside
 * the database at once, so a stalled database never holds up ping. Finished jobs come back through a completion queue, and
 * the pool calls a notify function (the event loop's wakeup) so the loop
 * thread collects them. No worker ever touches a socket. */
#ifndef RC_SERVER_WORKER_POOL_H
#define RC_SERVER_WORKER_POOL_H

#include "request.h"

struct worker_pool;

/* Where a job is in the pool (request_job.pool_place). */
#define WORKER_JOB_TAKEN 0              /* running, done, or not submitted */
#define WORKER_JOB_IN_LANE 1            /* queued in its lane */
#define WORKER_JOB_WAITING_FOR_STORE 2  /* opened, waits for a database slot */

/* Jobs linked by request_job.next, oldest first. */
struct worker_pool_fifo {
	struct request_job *head;
	struct request_job *tail;
};

/* The jobs of one client address. The caller embeds it (zeroed) in an
 * object that outlives the lane's jobs; the pool's lock guards it. */
struct worker_lane {
	struct worker_pool_fifo jobs;     /* queued */
	struct worker_lane *prev, *next;  /* in the pool's ring while jobs are queued */
	int in_ring;
	unsigned running;                 /* taken by a worker and not finished */
};

typedef void (*worker_notify_fn)(void *arg);

/* Starts `workers` threads serving with ctx (borrowed) and a store each on
 * conninfo. notify(arg) runs on a worker thread when a completion finds no
 * other finished job waiting (the loop takes them all at once). */
int worker_pool_start(unsigned workers, const struct request_ctx *ctx, const char *conninfo,
                      worker_notify_fn notify, void *notify_arg, struct worker_pool **out);
/* Queues a job in lane (the pool owns the job until it comes back). */
void worker_pool_submit(struct worker_pool *pool, struct worker_lane *lane, struct request_job *job);
/* Takes a job that no worker has started out of its lane: 1 and the caller
 * owns it again, or 0 when it is running or done (it will come back). */
int worker_pool_unqueue(struct worker_pool *pool, struct request_job *job);
/* The database is back (the notification listener reconnected): workers
 * waiting out their reconnection backoff try at once, so the jobs that
 * follow (the parked waits looking again) do not fail for nothing. */
void worker_pool_database_back(struct worker_pool *pool);
/* Takes every finished job, oldest first (a list linked by job->next). */
struct request_job *worker_pool_take_done(struct worker_pool *pool);
/* Stops the pool: queued jobs are dropped, running ones finish (they stop
 * early once their connections have closed: request_job.gone), and the
 * threads are joined within wait_ms. RC_OK and
 * the pool is freed; RC_ERR_TIMEOUT when a worker is still busy (say, in a
 * database that does not answer): the pool and everything its jobs borrow
 * must then stay as they are, and the process should just exit. */
int worker_pool_stop(struct worker_pool *pool, int wait_ms);

#endif
