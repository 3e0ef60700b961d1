/* A poll() event loop that knows nothing about clients: watch an fd for
 * readable/writable and get a callback, one periodic tick, a before-poll
 * hook (the safe point to close things), and a wakeup other threads may
 * trigger. Everything but event_loop_wakeup runs on the loop's thread. */
#ifndef RC_SERVER_EVENT_LOOP_H
#define RC_SERVER_EVENT_LOOP_H

#include <stdint.h>

#define EVENT_READABLE 0x1u
#define EVENT_WRITABLE 0x2u
#define EVENT_ERROR 0x4u /* hang-up or socket error; always reported */

struct event_loop;

typedef void (*event_fd_fn)(struct event_loop *loop, int fd, unsigned events, void *arg);
typedef void (*event_hook_fn)(struct event_loop *loop, void *arg);

/* A new loop (*out freed with event_loop_free). */
int event_loop_new(struct event_loop **out);
/* Frees the loop; the watched fds are not closed. */
void event_loop_free(struct event_loop *loop);

/* Watches fd for `events` (EVENT_READABLE | EVENT_WRITABLE, possibly 0 to
 * hear only errors), calling fn(loop, fd, fired, arg). Replaces any watch on fd. */
int event_loop_watch(struct event_loop *loop, int fd, unsigned events, event_fd_fn fn, void *arg);
/* Changes what an existing watch waits for. */
void event_loop_set_events(struct event_loop *loop, int fd, unsigned events);
/* Stops watching fd (safe inside any callback, including fd's own). */
void event_loop_unwatch(struct event_loop *loop, int fd);

/* Calls fn every interval_ms milliseconds (roughly). */
void event_loop_set_tick(struct event_loop *loop, int interval_ms, event_hook_fn fn, void *arg);
/* Calls fn before every poll(), after all callbacks of the last round. */
void event_loop_set_before_poll(struct event_loop *loop, event_hook_fn fn, void *arg);
/* Calls fn on the loop thread after event_loop_wakeup. */
void event_loop_set_wakeup(struct event_loop *loop, event_hook_fn fn, void *arg);
/* Thread-safe and async-signal-safe: makes the loop call its wakeup hook soon. */
void event_loop_wakeup(struct event_loop *loop);

/* Runs until event_loop_stop; RC_ERR_IO if poll() fails. */
int event_loop_run(struct event_loop *loop);
void event_loop_stop(struct event_loop *loop);

#endif
