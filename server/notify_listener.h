/* The one extra database connection of a server: it LISTENs on
 * STORE_NOTIFY_CHANNEL, so that a message committed through any server on
 * the database wakes the waits parked here. It lives on the event loop
 * (connects without blocking, reads when its socket is readable) and
 * reconnects with a backoff when the database goes away. Loop thread only. */
#ifndef RC_SERVER_NOTIFY_LISTENER_H
#define RC_SERVER_NOTIFY_LISTENER_H

#include <stdint.h>

#include "event_loop.h"

/* A connection attempt that has not finished in this long is given up. */
#define NOTIFY_LISTENER_CONNECT_TIMEOUT_MS 10000

struct notify_listener;

/* What the listener tells its owner. */
struct notify_listener_handlers {
	/* A notification: its login, or NULL ("everyone") for an empty payload. */
	void (*notified)(void *arg, const char *login);
	/* LISTEN (re)started: the database is there, and notifications sent
	 * while the listener was away are lost, so every wait looks again. */
	void (*listening)(void *arg);
	void *arg;
};

/* A listener for conninfo ("": the PG* environment) calling h (copied);
 * the first attempt to connect starts at once. */
int notify_listener_new(struct event_loop *loop, const char *conninfo, const struct notify_listener_handlers *h,
                        struct notify_listener **out);
void notify_listener_free(struct notify_listener *l);
/* Reconnects when the backoff has passed, gives up a stalled attempt. */
void notify_listener_tick(struct notify_listener *l, int64_t now_ms);

#endif
