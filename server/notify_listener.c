#include "config.h"

#include "notify_listener.h"

#include <libpq-fe.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "errors.h"
#include "log.h"
#include "store.h"

enum notify_listener_state {
	NOTIFY_DOWN,        /* no connection; the next attempt at next_attempt_ms */
	NOTIFY_CONNECTING,  /* PQconnectPoll until the connection is up */
	NOTIFY_STARTING,    /* LISTEN sent, its result not read yet */
	NOTIFY_LISTENING,
};

struct notify_listener {
	struct event_loop *loop;
	char *conninfo;
	struct notify_listener_handlers h;
	enum notify_listener_state state;
	PGconn *pg;
	int fd;                     /* watched socket, -1 when none */
	int64_t next_attempt_ms;
	int64_t attempt_started_ms;
	int backoff_ms;
	int warned_down;            /* logged that it is away */
};

static void notify_listener_handle_event(struct event_loop *loop, int fd, unsigned events, void *arg);

/* Watches the connection's socket (which may change while connecting). */
static void notify_listener_watch(struct notify_listener *l, unsigned events)
{
	int fd = PQsocket(l->pg);

	if (l->fd >= 0 && l->fd != fd)
		event_loop_unwatch(l->loop, l->fd);
	l->fd = fd;
	if (fd >= 0 && event_loop_watch(l->loop, fd, events, notify_listener_handle_event, l) != RC_OK)
		l->fd = -1;
}

static void notify_listener_close(struct notify_listener *l)
{
	if (l->fd >= 0)
		event_loop_unwatch(l->loop, l->fd);
	l->fd = -1;
	PQfinish(l->pg);
	l->pg = NULL;
	l->state = NOTIFY_DOWN;
}

static void notify_listener_fail(struct notify_listener *l, const char *what)
{
	const char *message = l->pg ? PQerrorMessage(l->pg) : "out of memory";

	if (!l->warned_down)
		log_warn(0, "notification listener: %s, retrying (waits are checked again once it is back): %.*s", what,
		         store_message_len(message), message);
	l->warned_down = 1;
	notify_listener_close(l);
	l->next_attempt_ms = clock_now_ms() + l->backoff_ms;
	l->backoff_ms = clock_backoff_next(l->backoff_ms, STORE_BACKOFF_MAX_MS);
}

static void notify_listener_start(struct notify_listener *l)
{
	/* As the workers' connections (store.c): keepalives notice a host
	 * that vanished without a word, which an idle listener would not. */
	const char *keys[] = { "keepalives_idle", "keepalives_interval", "keepalives_count", "application_name",
	                       "dbname", NULL };
	const char *values[] = { "30", "10", "3", "rsa-chat-server listener", l->conninfo, NULL };

	l->attempt_started_ms = clock_now_ms();
	l->pg = PQconnectStartParams(keys, values, 1);
	if (!l->pg || PQstatus(l->pg) == CONNECTION_BAD) {
		notify_listener_fail(l, "cannot connect");
		return;
	}
	l->state = NOTIFY_CONNECTING;
	notify_listener_watch(l, EVENT_WRITABLE);
}

int notify_listener_new(struct event_loop *loop, const char *conninfo, const struct notify_listener_handlers *h,
                        struct notify_listener **out)
{
	struct notify_listener *l;

	*out = NULL;
	l = calloc(1, sizeof *l);
	if (!l)
		return RC_ERR_NOMEM;
	l->conninfo = strdup(conninfo ? conninfo : "");
	if (!l->conninfo) {
		free(l);
		return RC_ERR_NOMEM;
	}
	l->loop = loop;
	l->h = *h;
	l->fd = -1;
	l->backoff_ms = STORE_BACKOFF_MIN_MS;
	notify_listener_start(l);
	*out = l;
	return RC_OK;
}

void notify_listener_free(struct notify_listener *l)
{
	if (!l)
		return;
	notify_listener_close(l);
	free(l->conninfo);
	free(l);
}

void notify_listener_tick(struct notify_listener *l, int64_t now_ms)
{
	if (l->state == NOTIFY_DOWN && now_ms >= l->next_attempt_ms)
		notify_listener_start(l);
	else if (l->state == NOTIFY_CONNECTING && now_ms - l->attempt_started_ms > NOTIFY_LISTENER_CONNECT_TIMEOUT_MS)
		notify_listener_fail(l, "no answer from the database");
}

/* One step of the connection attempt; once up, LISTEN goes out. */
static void notify_listener_connect_step(struct notify_listener *l)
{
	switch (PQconnectPoll(l->pg)) {
	case PGRES_POLLING_READING:
		notify_listener_watch(l, EVENT_READABLE);
		return;
	case PGRES_POLLING_WRITING:
		notify_listener_watch(l, EVENT_WRITABLE);
		return;
	case PGRES_POLLING_OK:
		if (PQsetnonblocking(l->pg, 1) != 0 || !PQsendQuery(l->pg, "LISTEN " STORE_NOTIFY_CHANNEL)) {
			notify_listener_fail(l, "cannot send LISTEN");
			return;
		}
		l->state = NOTIFY_STARTING;
		/* A short query leaves at once; flushed or not, the answer is read. */
		PQflush(l->pg);
		notify_listener_watch(l, EVENT_READABLE);
		return;
	default:
		notify_listener_fail(l, "cannot connect");
		return;
	}
}

/* LISTEN's result: the listener is up, and every wait looks again. */
static int notify_listener_read_results(struct notify_listener *l)
{
	PGresult *res;
	int ok = 1;

	while (!PQisBusy(l->pg) && (res = PQgetResult(l->pg)) != NULL) {
		ok &= PQresultStatus(res) == PGRES_COMMAND_OK;
		PQclear(res);
		if (l->state == NOTIFY_STARTING && ok) {
			l->state = NOTIFY_LISTENING;
			if (l->warned_down)
				log_info(0, "notification listener: back, checking the parked waits again");
			l->warned_down = 0;
			l->backoff_ms = STORE_BACKOFF_MIN_MS;
			l->h.listening(l->h.arg);
		}
	}
	return ok ? RC_OK : RC_ERR_DB;
}

static void notify_listener_handle_event(struct event_loop *loop, int fd, unsigned events, void *arg)
{
	struct notify_listener *l = arg;
	PGnotify *n;

	(void)loop;
	(void)fd;
	(void)events;
	if (l->state == NOTIFY_CONNECTING) {
		notify_listener_connect_step(l);
		return;
	}
	if (!PQconsumeInput(l->pg) || notify_listener_read_results(l) != RC_OK) {
		notify_listener_fail(l, "lost the database connection");
		return;
	}
	while ((n = PQnotifies(l->pg)) != NULL) {
		l->h.notified(l->h.arg, n->extra[0] ? n->extra : NULL);
		PQfreemem(n);
	}
	if (PQstatus(l->pg) != CONNECTION_OK)
		notify_listener_fail(l, "lost the database connection");
}
