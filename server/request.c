#include "config.h"

#include "request.h"

#include <malloc.h>
#include <stdlib.h>
#include <string.h>

#include "dispatch.h"
#include "errors.h"
#include "jsonx.h"
#include "log.h"
#include "protocol.h"
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
	json_object_put(job->parsed);
	bytebuf_free(&job->response);
	free(job);
}

/* Room for a response of `bytes` under the output limits, reserved in
 * *reserved; RC_ERR_TOO_LARGE (logged) when there is none. */
static int request_output_reserve(const struct request_ctx *ctx, const struct request_job *job, size_t bytes,
                                  size_t *reserved)
{
	struct request_output *out = ctx->output;
	size_t before;

	*reserved = 0;
	if (!out)
		return RC_OK;
	if (out->max_response && bytes > out->max_response) {
		log_warn(job->conn_id, "a response of %zu bytes is over --max-output (%zu); closing", bytes,
		         out->max_response);
		return RC_ERR_TOO_LARGE;
	}
	before = atomic_fetch_add(&out->reserved, bytes);
	if (out->max_total && bytes > REQUEST_OUTPUT_SMALL_BYTES && before + bytes > out->max_total) {
		atomic_fetch_sub(&out->reserved, bytes);
		log_warn(job->conn_id, "a response of %zu bytes does not fit: %zu bytes of responses wait to be sent "
		         "(--max-output-total %zu); closing", bytes, before, out->max_total);
		return RC_ERR_TOO_LARGE;
	}
	*reserved = bytes;
	return RC_OK;
}

void request_output_release(struct request_output *output, size_t reserved)
{
	if (output && reserved)
		atomic_fetch_sub(&output->reserved, reserved);
}

/* Seals resp for the client at the end of job->response (a long answer's
 * blocks encrypted on every core) if the output limits have room for its
 * frame, which then counts in job->output_reserved. */
static int request_seal_one(const struct request_ctx *ctx, struct request_job *job, struct json_object *resp)
{
	const struct rsa_public *to = job->client_key;
	size_t chunk = ctx->response_chunk_wide ? rsa_chunk_wide(to) : rsa_chunk_original(to), len, frame, reserved;
	const char *text;
	int r;

	text = jsonx_to_string(resp, &len);
	/* The frame: its count, and per block a length and at most len(n) bytes. */
	frame = 4 + (len / chunk + 1) * (4 + rsa_modulus_bytes(to));
	if ((r = request_output_reserve(ctx, job, frame, &reserved)) != RC_OK)
		return r;
	job->output_reserved += reserved;
	r = wire_seal_threads(to, chunk, ctx->encrypt_threads, text, len, &job->response);
	if (r != RC_OK)
		log_error(job->conn_id, "cannot encrypt the response: %s", rc_strerror(r));
	return r;
}

/* Seals resp (after the [] that ends a parked wait, if this request ends
 * one) and sets job->outcome; a parked wait has no response yet. */
static void request_seal(const struct request_ctx *ctx, struct request_job *job, const struct dispatch_answer *a)
{
	struct json_object *none = NULL;
	int r = RC_OK;

	if (atomic_load(&job->gone)) {
		job->outcome = REQUEST_GONE;
		return;
	}
	if (a->parked) {
		job->wait = a->wait;
		job->outcome = REQUEST_PARKED;
		return;
	}
	if (job->end_parked_wait) {
		none = dispatch_no_messages();
		r = none ? request_seal_one(ctx, job, none) : RC_ERR_NOMEM;
		json_object_put(none);
	}
	if (r == RC_OK)
		r = request_seal_one(ctx, job, a->resp);
	if (r == RC_OK)
		job->outcome = a->close_after ? REQUEST_GOODBYE : REQUEST_ANSWERED;
	else
		job->outcome = r == RC_ERR_TOO_LARGE ? REQUEST_REFUSED : REQUEST_FAILED;
}

void request_open(const struct request_ctx *ctx, struct request_job *job)
{
	const struct rsa_decrypt_limits lim = { .full_chunks = 1, .gone = &job->gone };
	struct dispatch_identity id = { job->e_dec, job->n_dec, job->peer, job->login, job->proof };
	struct dispatch_answer answer = { NULL, 0, 0, { 0, 0, 0 } };
	struct json_object *req = NULL;
	char *text = NULL;
	size_t len = 0;
	int r;

	/* A parked wait taken up again was read and parsed long ago. */
	if (job->resumed) {
		job->needs_store = 1;
		return;
	}
	job->login = NULL;
	job->needs_store = 0;
	job->outcome = REQUEST_FAILED;
	r = wire_open_limited(ctx->server_key, &job->request, &lim, ctx->max_request_bytes, &text, &len);
	if (r == RC_ERR_EOF) {
		job->outcome = REQUEST_GONE;
		goto out;
	}
	if (r == RC_ERR_RANGE || r == RC_ERR_TOO_LARGE || r == RC_ERR_PROTOCOL) {
		log_warn(job->conn_id, "protocol violation: %s in a request; closing",
		         r == RC_ERR_RANGE       ? "an RSA block >= n"
		         : r == RC_ERR_PROTOCOL ? "a chunk shorter than the others before the last"
		                                : "decrypted text over the size limit");
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
	/* ping, goodbye and the key proof are answered here, without waiting
	 * for the database (a worker stuck there must not hold them up). */
	if (!dispatch_needs_store(&ctx->policy, req, &id) &&
	    dispatch_request(NULL, &ctx->policy, req, &id, job->conn_id, &answer) != RC_OK)
		goto out;
	if (answer.resp) {
		request_seal(ctx, job, &answer);
	} else {
		job->needs_store = 1;
		job->parsed = req;
		req = NULL;
	}
out:
	job->login = id.login;
	job->proof = id.proof;
	secure_wipe(&id.proof, sizeof id.proof);
	blocklist_free(&job->request);
	json_object_put(req);
	json_object_put(answer.resp);
	if (text) {
		secure_wipe(text, len);
		free(text);
	}
}

void request_answer(const struct request_ctx *ctx, struct store *st, struct request_job *job)
{
	struct dispatch_identity id = { job->e_dec, job->n_dec, job->peer, job->login, job->proof };
	struct dispatch_answer answer = { NULL, 0, 0, { 0, 0, 0 } };

	job->login = NULL;
	job->needs_store = 0;
	job->outcome = REQUEST_FAILED;
	if (atomic_load(&job->gone))
		job->outcome = REQUEST_GONE;
	else if (dispatch_request(st, &ctx->policy, job->parsed, &id, job->conn_id, &answer) == RC_OK)
		request_seal(ctx, job, &answer);
	job->login = id.login;
	job->proof = id.proof;
	secure_wipe(&id.proof, sizeof id.proof);
	json_object_put(job->parsed);
	job->parsed = NULL;
	json_object_put(answer.resp);
	if (job->response.len > REQUEST_TRIM_BYTES)
		malloc_trim(0);
}

void request_process(const struct request_ctx *ctx, struct store *st, struct request_job *job)
{
	request_open(ctx, job);
	if (job->needs_store)
		request_answer(ctx, st, job);
}
