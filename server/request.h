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
	struct dispatch_policy policy; /* the server's rules for commands */
	int statement_timeout_ms;   /* of each database statement (store.c); 0: none */
};

/* What happened to a request. */
enum request_outcome {
	REQUEST_ANSWERED,   /* response holds a frame to send */
	REQUEST_GOODBYE,    /* response holds a frame; close once it is sent */
	REQUEST_VIOLATION,  /* protocol violation (block >= n, too large): close, no answer */
	REQUEST_FAILED,     /* out of memory or an encryption failure: close */
};

/* A job: one request of one connection, handed to a worker and back. */
struct job {
	struct job *next;           /* queue link */
	void *owner;                /* the connection; only the loop thread uses it */
	uint64_t conn_id;           /* for logs */
	const struct rsa_public *client_key; /* borrowed: the owner outlives the job */
	const char *e_dec, *n_dec;  /* the client key in decimal, borrowed likewise */
	const char *peer;           /* the client's address, borrowed likewise */
	char *login;                /* in: cached login or NULL; out: the login now known */
	struct dispatch_key_proof proof; /* in: the connection's; out: what it is now */
	struct blocklist request;   /* in: the request's blocks */
	struct bytebuf response;    /* out: the response's blocks frame */
	enum request_outcome outcome;
};

/* A job owning a copy of login (may be NULL) and nothing else yet. */
int job_new(void *owner, uint64_t conn_id, const char *login, struct job **out);
void job_free(struct job *job);

/* Serves job->request and fills job->response, job->login, job->proof and
 * job->outcome. */
void request_process(const struct request_ctx *ctx, struct store *st, struct job *job);

#endif
