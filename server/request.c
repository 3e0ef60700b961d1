#include "config.h"

#include "request.h"

#include <malloc.h>
#include <stdlib.h>
#include <string.h>

#include "dispatch.h"
#include "errors.h"
#include "jsonx.h"
#include "log.h"
#include "secure.h"
#include "wire.h"

/* After an answer this large the worker hands its freed memory back to the
 * system, so one long history does not leave the arena tens of MB larger. */
#define REQUEST_TRIM_BYTES (1024u * 1024u)

int request_job_new(void *owner, uint64_t conn_id, const char *login, struct request_job **out)
{
	struct request_job *job;

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

void request_job_free(struct request_job *job)
{
	if (!job)
		return;
	free(job->login);
	secure_wipe(&job->proof, sizeof job->proof);
	blocklist_free(&job->request);
	bytebuf_free(&job->response);
	free(job);
}

void request_process(const struct request_ctx *ctx, struct store *st, struct request_job *job)
{
	struct dispatch_identity id = { job->e_dec, job->n_dec, job->login };
	struct json_object *req = NULL, *resp = NULL;
	const struct rsa_public *to = job->client_key;
	size_t chunk = ctx->response_chunk_wide ? rsa_chunk_wide(to) : rsa_chunk_original(to);
	const char *text_out;
	char *text = NULL;
	size_t len = 0, len_out;
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
	if (dispatch_key_proof(req, &job->proof, job->require_key_proof, job->conn_id, &resp) != RC_OK)
		goto out;
	if (!resp && dispatch_request(st, req, &id, job->conn_id, &resp, &close_after) != RC_OK)
		goto out;
	/* A long answer's blocks are encrypted on every core. */
	text_out = jsonx_to_string(resp, &len_out);
	r = wire_seal_threads(to, chunk, ctx->encrypt_threads, text_out, len_out, &job->response);
	if (r != RC_OK) {
		log_error(job->conn_id, "cannot encrypt the response: %s", rc_strerror(r));
		goto out;
	}
	job->outcome = close_after ? REQUEST_GOODBYE : REQUEST_ANSWERED;
out:
	job->login = id.login;
	json_object_put(req);
	json_object_put(resp);
	if (text) {
		secure_wipe(text, len);
		free(text);
	}
	if (job->response.len > REQUEST_TRIM_BYTES)
		malloc_trim(0);
}
