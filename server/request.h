/* One request, start to finish, on a worker thread: decrypt the blocks with
 * the server key, parse, dispatch, serialise, and seal the response frame
 * for the client's key. The event loop only moves the bytes. */
#ifndef RC_SERVER_REQUEST_H
#define RC_SERVER_REQUEST_H

#include <stddef.h>
#include <stdint.h>

#include "blocklist.h"
#include "bytebuf.h"
#include "dispatch.h"
#include "rsa.h"
#include "store.h"

/* What every request shares (read-only while workers run). */
struct request_ctx {
	const struct rsa_private *server_key;
	int response_chunk_wide;    /* len(n)-1 chunks instead of the original's */
	size_t max_request_bytes;   /* longest decrypted request text */
	unsigned encrypt_threads;   /* threads one long response may encrypt on (the CPUs) */
};

/* What happened to a request. */
enum request_outcome {
	REQUEST_ANSWERED,   /* response holds a frame to send */
	REQUEST_GOODBYE,    /* response holds a frame; close once it is sent */
	REQUEST_VIOLATION,  /* protocol violation (block >= n, too large): close, no answer */
	REQUEST_FAILED,     /* out of memory or an encryption failure: close */
};

/* A job: one request of one connection, handed to a worker and back. */
struct request_job {
	struct request_job *next;           /* queue link */
	void *owner;                /* the connection; only the loop thread uses it */
	uint64_t conn_id;           /* for logs */
	const struct rsa_public *client_key; /* borrowed: the owner outlives the job */
	const char *e_dec, *n_dec;  /* the client key in decimal, borrowed likewise */
	char *login;                /* in: cached login or NULL; out: the login now known */
	int require_key_proof;      /* the server's setting (--require-key-proof) */
	struct dispatch_key_proof proof; /* in: the connection's; out: what it is now */
	struct blocklist request;   /* in: the request's blocks */
	struct bytebuf response;    /* out: the response's blocks frame */
	enum request_outcome outcome;
};

/* A job owning a copy of login (may be NULL) and nothing else yet. */
int request_job_new(void *owner, uint64_t conn_id, const char *login, struct request_job **out);
void request_job_free(struct request_job *job);

/* Serves job->request and fills job->response, job->login, job->proof and
 * job->outcome. */
void request_process(const struct request_ctx *ctx, struct store *st, struct request_job *job);

#endif
