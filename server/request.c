#include "config.h"

#include "request.h"

#include <malloc.h>
#include <stdlib.h>
#include <string.h>

#include "dispatch.h"
#include "errors.h"
#include "frame.h"
#include "jsonx.h"
#include "log.h"
#include "rsa_parallel.h"
#include "secure.h"
#include "wire.h"

/* After an answer this large the worker hands its freed memory back to the
 * system, so one long history does not leave the arena tens of MB larger. */
#define REQUEST_TRIM_BYTES (1024u * 1024u)

int job_new(void *owner, uint64_t conn_id, const char *login, struct job **out)
{
	struct job *job;

	*out = NULL;
	job = calloc(1, sizeof *job);
	if (!job)
		return RC_ERR_NOMEM;
	job->owner = owner;
	job->conn_id = conn_id;
	blocklist_init(&job->request);
	bytebuf_init(&job->response, BYTEBUF_UNBOUNDED);
	if (login && !(job->login = strdup(login))) {
		free(job);
		return RC_ERR_NOMEM;
	}
	*out = job;
	return RC_OK;
}

void job_free(struct job *job)
{
	if (!job)
		return;
	free(job->login);
	secure_wipe(&job->proof, sizeof job->proof);
	blocklist_free(&job->request);
	bytebuf_free(&job->response);
	free(job);
}

/* Seals the response for the client like wire_seal, with a long answer's
 * blocks encrypted on every core, and frees each stage (the JSON, the
 * blocks) as soon as the next exists: the peak is about twice the answer. */
static int request_seal(const struct request_ctx *ctx, const struct job *job, struct json_object **resp,
                        struct bytebuf *out)
{
	const struct rsa_public *to = job->client_key;
	size_t len, chunk = ctx->response_chunk_wide ? rsa_chunk_wide(to) : rsa_chunk_original(to);
	const char *text = jsonx_to_string(*resp, &len);
	struct blocklist blocks;
	int r;

	blocklist_init(&blocks);
	r = rsa_encrypt_parallel(to, (const uint8_t *)text, len, chunk, ctx->encrypt_threads, &blocks);
	json_object_put(*resp);
	*resp = NULL;
	/* One allocation for the frame: its count, and a length before each block. */
	if (r == RC_OK)
		r = bytebuf_reserve(out, 4 + 4 * blocks.count + blocklist_total(&blocks));
	if (r == RC_OK)
		r = frame_write_blocks(out, &blocks);
	blocklist_free(&blocks);
	return r;
}

void request_process(const struct request_ctx *ctx, struct store *st, struct job *job)
{
	struct dispatch_identity id = { job->e_dec, job->n_dec, job->peer, job->login, job->proof };
	struct json_object *req = NULL, *resp = NULL;
	char *text = NULL;
	size_t len = 0;
	int close_after = 0, r;

	job->login = NULL;
	job->outcome = REQUEST_FAILED;
	r = wire_open(ctx->server_key, &job->request, ctx->max_request_bytes, &text, &len);
	if (r == RC_ERR_RANGE || r == RC_ERR_TOO_LARGE) {
		log_warn(job->conn_id, "protocol violation: %s in a request; closing",
		         r == RC_ERR_RANGE ? "an RSA block >= n" : "decrypted text over the size limit");
		job->outcome = REQUEST_VIOLATION;
		goto out;
	}
	if (r == RC_ERR_NOMEM)
		goto out;
	/* Invalid UTF-8, NUL or invalid JSON leave req NULL: dispatch answers
	 * "no auth" or "incorrect cmd", as for any request without a cmd. */
	if (r == RC_OK && jsonx_parse(text, len, &req) != RC_OK)
		req = NULL;
	if (r != RC_OK)
		log_debug(job->conn_id, "request is not text: %s", rc_strerror(r));
	if (dispatch_request(st, &ctx->policy, req, &id, job->conn_id, &resp, &close_after) != RC_OK)
		goto out;
	r = request_seal(ctx, job, &resp, &job->response);
	if (r != RC_OK) {
		log_error(job->conn_id, "cannot encrypt the response: %s", rc_strerror(r));
		goto out;
	}
	job->outcome = close_after ? REQUEST_GOODBYE : REQUEST_ANSWERED;
out:
	job->login = id.login;
	job->proof = id.proof;
	secure_wipe(&id.proof, sizeof id.proof);
	json_object_put(req);
	json_object_put(resp);
	if (text) {
		secure_wipe(text, len);
		free(text);
	}
	if (job->response.len > REQUEST_TRIM_BYTES)
		malloc_trim(0);
}
