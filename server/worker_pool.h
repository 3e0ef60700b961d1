/* Worker threads, each with its own database connection. Jobs go in through
 * a FIFO queue; finished jobs come back through a completion queue, and the
 * pool calls a notify function (the event loop's wakeup) so the loop thread
 * collects them. No worker ever touches a socket. */
#ifndef RC_SERVER_WORKER_POOL_H
#define RC_SERVER_WORKER_POOL_H

#include "request.h"

struct worker_pool;

typedef void (*worker_notify_fn)(void *arg);

/* Starts `workers` threads serving with ctx (borrowed) and a store each on
 * conninfo. notify(arg) runs on a worker thread when a completion finds no
 * other finished job waiting (the loop takes them all at once). */
int worker_pool_start(unsigned workers, const struct request_ctx *ctx, const char *conninfo,
                      worker_notify_fn notify, void *notify_arg, struct worker_pool **out);
/* Queues a job (the pool owns it until it comes back). */
void worker_pool_submit(struct worker_pool *pool, struct request_job *job);
/* Takes every finished job, oldest first (a list linked by job->next). */
struct request_job *worker_pool_take_done(struct worker_pool *pool);
/* Lets queued jobs finish, stops and joins the threads, frees the pool.
 * Finished jobs not yet taken are freed. */
void worker_pool_stop(struct worker_pool *pool);

#endif
