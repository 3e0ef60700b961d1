/* One request, start to finish, on worker threads: decrypt the blocks with
 * the server key, parse, dispatch, serialise, and seal the response frame
 * for the client's key. The event loop only moves the bytes. Two phases, so
 * that requests needing no database (ping, goodbye, the key proof) never
 * wait behind the database: request_open does everything it can without
 * the store, request_answer the rest. */
#ifndef RC_SERVER_REQUEST_H
#define RC_SERVER_REQUEST_H

#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "blocklist.h"
#include "bytebuf.h"
#include "dispatch.h"
#include "rsa.h"
#include "store.h"

struct worker_lane;

/* Responses up to this size are never refused for want of room under
 * max_total: a ping's answer must go out whatever long answers wait. */
#define REQUEST_OUTPUT_SMALL_BYTES (64u * 1024u)

/* Memory for responses, from sealing until the last byte is sent. */
struct request_output {
	size_t max_response;        /* one response (0: no limit) */
	size_t max_total;           /* every unsent response together (0: no limit) */
	atomic_size_t reserved;     /* what responses sealed and not yet sent hold */
};

/* What every request shares (read-only while workers run, but output's count). */
struct request_ctx {
	const struct rsa_private *server_key;
	int response_chunk_wide;    /* len(n)-1 chunks instead of the original's */
	size_t max_request_bytes;   /* longest decrypted request text */
	unsigned encrypt_threads;   /* threads one long response may encrypt on (the CPUs) */
	struct dispatch_policy policy; /* the server's rules for commands */
	int statement_timeout_ms;   /* of each database statement (store.c); 0: none */
	struct request_output *output; /* NULL: no output limits */
};

/* What happened to a request. */
enum request_outcome {
	REQUEST_ANSWERED,   /* response holds a frame to send */
	REQUEST_GOODBYE,    /* response holds a frame; close once it is sent */
	REQUEST_PARKED,     /* a wait_messages found nothing: wait says what to resume */
	REQUEST_VIOLATION,  /* protocol violation (block >= n, too large): close, no answer */
	REQUEST_REFUSED,    /* the response is over the output limits: close, no answer */
	REQUEST_GONE,       /* the connection closed while the request was served */
	REQUEST_FAILED,     /* out of memory or an encryption failure: close */
};

/* A job: one request of one connection, handed to a worker and back. */
struct request_job {
	struct request_job *next;           /* queue link */
	struct worker_lane *lane;   /* the worker pool's: the queue of the client's address */
	int pool_place;             /* worker_pool.h's WORKER_JOB_* (under the pool's lock) */
	atomic_int gone;            /* set by the loop when the connection closed: stop */
	void *owner;                /* the connection; only the loop thread uses it */
	uint64_t conn_id;           /* for logs */
	const struct rsa_public *client_key; /* borrowed: the owner outlives the job */
	const char *e_dec, *n_dec;  /* the client key in decimal, borrowed likewise */
	const char *peer;           /* the client's address, borrowed likewise */
	char *login;                /* in: cached login or NULL; out: the login now known */
	struct dispatch_key_proof proof; /* in: the connection's; out: what it is now */
	struct blocklist request;   /* in: the request's blocks */
	struct json_object *parsed; /* between the phases: the request, NULL if not JSON */
	int needs_store;            /* request_open left it to request_answer */
	int resumed;                /* in: a parked wait taken up: parsed is set, nothing to decrypt */
	int end_parked_wait;        /* in: the response starts with [] for the wait this request ends */
	struct dispatch_wait wait;  /* out: the parked wait (REQUEST_PARKED) */
	struct bytebuf response;    /* out: the response's blocks frame */
	size_t output_reserved;     /* out: its share of ctx->output->reserved */
	enum request_outcome outcome;
};

/* A job owning a copy of login (may be NULL) and nothing else yet. */
int request_job_new(void *owner, uint64_t conn_id, const char *login, struct request_job **out);
void request_job_free(struct request_job *job);

/* Decrypts and parses job->request and answers it if that needs no store
 * (filling job->response, job->proof and job->outcome); otherwise sets
 * job->needs_store for request_answer. */
void request_open(const struct request_ctx *ctx, struct request_job *job);
/* Answers a request request_open left: fills job->response, job->login,
 * job->outcome. */
void request_answer(const struct request_ctx *ctx, struct store *st, struct request_job *job);
/* Both phases on this thread. */
void request_process(const struct request_ctx *ctx, struct store *st, struct request_job *job);
/* Gives back a sent (or dropped) response's share of the output memory. */
void request_output_release(struct request_output *output, size_t reserved);

#endif
