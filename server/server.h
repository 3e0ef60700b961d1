/* Wiring: the listening socket, signals, the event loop, the worker pool and
 * the connections. */
#ifndef RC_SERVER_SERVER_H
#define RC_SERVER_SERVER_H

#include "rsa.h"
#include "server_config.h"

/* How long a shutdown waits for requests in flight and unsent responses,
 * and then for the workers: together under 5 seconds. */
#define SERVER_SHUTDOWN_GRACE_MS 3000
#define SERVER_STOP_WORKERS_MS 500
#define SERVER_SHUTDOWN_TICK_MS 100
#define SERVER_LISTEN_BACKLOG 511
/* File descriptors kept free for the listener, PostgreSQL and the rest. */
#define SERVER_RESERVED_FDS 64u

/* Serves until SIGINT or SIGTERM; RC_OK after a clean shutdown. conninfo is
 * the resolved database setting. RC_ERR_TIMEOUT when a worker was still
 * busy at the end (a database that does not answer): its threads still use
 * cfg and key, so the caller must exit at once without freeing them. */
int server_run(const struct server_config *cfg, const struct rsa_private *key, const char *conninfo);

#endif
