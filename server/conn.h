/* One client connection: its state machine, input and output buffers, the
 * client's key, cached login and key proof. Runs on the loop thread only; requests go
 * to the worker pool as jobs and come back through conn_handle_job_done. */
#ifndef RC_SERVER_CONN_H
#define RC_SERVER_CONN_H

#include <stdint.h>

#include "address.h"
#include "bytebuf.h"
#include "event_loop.h"
#include "frame.h"
#include "request.h"
#include "rsa.h"
#include "worker_pool.h"

#define CONN_READ_CHUNK_BYTES 16384u
#define CONN_PEER_MAX 64u

enum conn_state {
	/* Our (e, n) is queued; waits for the socket to take it (nothing is
	 * read meanwhile), then HANDSHAKE_READ_E. */
	CONN_HANDSHAKE_SEND,
	/* Reads the client's e (a bytes frame), then HANDSHAKE_READ_N. */
	CONN_HANDSHAKE_READ_E,
	/* Reads the client's n; an acceptable key leads to REQUEST_READ,
	 * anything else to CLOSING. */
	CONN_HANDSHAKE_READ_N,
	/* Reads one request (a blocks frame); complete: REQUEST_PROCESSING. */
	CONN_REQUEST_READ,
	/* The request is at a worker (or waits for one in its address's
	 * lane); reading is paused so responses stay in order and a client
	 * queues one request at most. The job's return leads to
	 * RESPONSE_WRITE or CLOSING. */
	CONN_REQUEST_PROCESSING,
	/* Writes the response; once flushed: REQUEST_READ (any bytes already
	 * read are served first), or CLOSING after goodbye or at shutdown. */
	CONN_RESPONSE_WRITE,
	/* A wait_messages found nothing and is parked here, holding no
	 * worker: a wake (conn_wake_waiters) or its deadline hands it to a
	 * worker again (REQUEST_PROCESSING); reading goes on, and a new
	 * request ends the wait (its answer starts with the wait's []). */
	CONN_WAITING,
	/* Marked to close: a queued request is dropped, a running one told to
	 * stop; the socket is closed before the next poll(), the memory freed
	 * then too, or when the running job comes back. */
	CONN_CLOSING,
};

/* What all connections share; owned by the server. */
struct conn_env {
	struct event_loop *loop;
	struct worker_pool *pool;
	struct bytebuf hello;            /* our handshake: bytes frames of e and n */
	struct frame_limits handshake_limits;
	struct frame_limits request_limits;
	size_t server_modulus_bytes;     /* for the block count a request may need */
	struct request_output *output;   /* output memory, shared with the workers */
	struct address_table addresses;
	unsigned max_per_address;        /* connections from one address */
	int handshake_timeout_ms;
	int idle_timeout_ms;
	int write_timeout_ms;            /* longest wait for a reader to take bytes */
	int draining;                    /* shutting down: close after the response in flight */
	uint64_t next_id;
	unsigned count;                  /* connections not freed (closing ones with work too) */
	struct conn *all;                /* every connection (doubly linked) */
	struct conn *closing;            /* connections in CLOSING (linked by close_next) */
};

struct conn {
	struct conn_env *env;
	struct conn *prev, *next;
	struct conn *close_next;
	uint64_t id;
	int fd;                          /* -1 once closed */
	struct address *addr;            /* the client's address (connection count, lane) */
	enum conn_state state;
	char peer[CONN_PEER_MAX];
	struct frame_reader reader;
	struct bytebuf in;               /* read but not yet framed */
	struct bytebuf out;              /* to send; out_sent bytes of it are gone */
	size_t out_sent;
	size_t out_reserved;             /* out's share of env->output */
	struct blocklist key_e;          /* the client's e until n arrives */
	struct rsa_public client_key;
	char *e_dec, *n_dec;             /* the client key in decimal (the identity) */
	char *login;                     /* cached once known */
	struct dispatch_key_proof proof; /* travels with each job, like login */
	struct request_job *job;         /* the request at the worker pool, or NULL */
	int close_after_write;
	struct dispatch_wait wait;       /* the parked wait (WAITING) */
	int64_t wait_deadline_ms;
	int woken_while_busy;            /* a wake came while the job was at a worker */
	int64_t accepted_ms;
	int64_t last_activity_ms;        /* last bytes in or out */
	int64_t frame_started_ms;        /* first bytes of the frame being read */
};

/* Takes over an accepted non-blocking socket from host (numeric, no port;
 * peer is host:port for logs) and starts the handshake. RC_ERR_TOO_LARGE
 * when host has env->max_per_address connections already. */
int conn_start(struct conn_env *env, int fd, const char *host, const char *peer);
/* A finished job for its owner (which may be closing). */
void conn_handle_job_done(struct request_job *job);
/* Hands the parked waits of login (NULL: everyone's) back to the workers
 * to look for their messages. */
void conn_wake_waiters(struct conn_env *env, const char *login);
/* Closes connections past their deadlines, and times out parked waits. */
void conn_sweep(struct conn_env *env, int64_t now_ms);
/* Marks c to close at the next safe point; reason goes to the log. */
void conn_close(struct conn *c, const char *reason);
/* At the safe point: closes sockets and frees what can be freed. */
void conn_reap(struct conn_env *env);
/* Shutdown: closes idle connections and those whose request waits, and
 * lets running requests and unsent responses finish. */
void conn_drain_all(struct conn_env *env);
/* Frees every connection (after the worker pool has stopped and freed the jobs). */
void conn_free_all(struct conn_env *env);

#endif
