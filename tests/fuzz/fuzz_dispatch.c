/* Fuzz target: the server's request handling (server/dispatch.c and
 * server/request.c) against the in-memory store of fake_store.c.
 *
 * The input is a session of up to FUZZ_MAX_REQUESTS requests, each a control
 * byte followed by the request's text up to a newline (or the end):
 *   bits 0-1  which of three client keys sends it (3 counts as 0)
 *   bit 2     the database is down for this request
 *   bit 3     full path: the text is encrypted for the server key and goes
 *             through request_process (decrypt, parse, dispatch, seal);
 *             otherwise jsonx_parse and dispatch_request directly
 *   bit 4     request_process seals with wide chunks
 *   bit 5     the client reconnects first (its cached login and key proof
 *             are forgotten)
 *   bit 6     the server requires key proof (--require-key-proof)
 *   bit 7     the text is replaced by a key_proof answering the last
 *             challenge this client received
 * A wait_messages that parks is taken up again at once with no time left
 * (as the server does when its deadline passes).
 * Every response must be a well-formed protocol response that serialises to
 * valid UTF-8, give the answer the protocol prescribes for who is asking
 * (section 5, and the key proof extension of server/dispatch.c), and change
 * the store only as "welcome" and "sent" say, with exactly the login, key,
 * receiver and content of the request. */
#include "config.h"

#include <gmp.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "bigint.h"
#include "dispatch.h"
#include "errors.h"
#include "fake_store.h"
#include "frame.h"
#include "fuzz_common.h"
#include "jsonx.h"
#include "login.h"
#include "protocol.h"
#include "request.h"
#include "rsa.h"
#include "utf8.h"
#include "wire.h"

#define FUZZ_MAX_REQUESTS 16
#define FUZZ_IDENTITIES 3
/* Requests longer than this are a protocol violation on the full path. */
#define FUZZ_MAX_REQUEST_BYTES 1024u

/* Every client connects from here. */
#define FUZZ_PEER "127.0.0.1:40000"

#define CTL_DB_DOWN 0x04u
#define CTL_FULL_PATH 0x08u
#define CTL_WIDE 0x10u
#define CTL_RECONNECT 0x20u
#define CTL_REQUIRE_PROOF 0x40u
#define CTL_ANSWER_CHALLENGE 0x80u

/* A challenge's hex text. */
#define CHALLENGE_HEX (2 * PROTO_KEY_CHALLENGE_BYTES)

struct identity {
	char *e_dec, *n_dec;  /* the key, as the server sees it */
	char *login;          /* the connection's cached login */
	struct dispatch_key_proof proof;  /* the connection's, as the server keeps it */
	/* What the client knows: the last challenge it got (empty when none is
	 * outstanding) and whether it proved its key on this connection. */
	char challenge[CHALLENGE_HEX + 1];
	int proven;
};

/* What one request is about, taken from the request itself. */
struct request_view {
	struct json_object *req;  /* NULL: not a JSON object */
	const char *cmd;
	size_t user_count, message_count;  /* the store before the request */
	size_t me;                         /* the sender's row before, or NO_USER */
};

#define NO_USER ((size_t)-1)

static int streq(const char *a, const char *b)
{
	return a && b && strcmp(a, b) == 0;
}

/* Identity 0 is the fixed key (responses are sealed for it whoever asks);
 * 1 and 2 are other keys whose strings only the store sees. */
static void identities_init(struct identity ids[FUZZ_IDENTITIES])
{
	const struct rsa_private *k = fuzz_key();
	mpz_t n;

	mpz_init(n);
	ids[0].e_dec = bigint_to_decimal(k->pub.e);
	ids[0].n_dec = bigint_to_decimal(k->pub.n);
	mpz_mul(n, k->pub.n, k->pub.n);
	ids[1].e_dec = strdup("65537");
	ids[1].n_dec = bigint_to_decimal(n);
	mpz_set_ui(n, 1);
	mpz_mul_2exp(n, n, 600);
	mpz_add_ui(n, n, 1);
	ids[2].e_dec = strdup("3");
	ids[2].n_dec = bigint_to_decimal(n);
	mpz_clear(n);
	for (int i = 0; i < FUZZ_IDENTITIES; i++) {
		FUZZ_CHECK(ids[i].e_dec != NULL && ids[i].n_dec != NULL);
		ids[i].login = NULL;
		memset(&ids[i].proof, 0, sizeof(ids[i].proof));
		ids[i].challenge[0] = '\0';
		ids[i].proven = 0;
	}
}

static void identities_free(struct identity ids[FUZZ_IDENTITIES])
{
	for (int i = 0; i < FUZZ_IDENTITIES; i++) {
		free(ids[i].e_dec);
		free(ids[i].n_dec);
		free(ids[i].login);
	}
}

static size_t find_user_by_key(const struct store *st, const struct identity *id)
{
	const struct fake_user *u;
	size_t i;

	for (i = 0; (u = fake_store_user(st, i)) != NULL; i++)
		if (strcmp(u->e_dec, id->e_dec) == 0 && strcmp(u->n_dec, id->n_dec) == 0)
			return i;
	return NO_USER;
}

/* s equals the JSON string member `key` of req, every byte of it. */
static int same_as_member(const char *s, struct json_object *req, const char *key)
{
	struct json_object *v;

	if (!json_object_object_get_ex(req, key, &v) || !json_object_is_type(v, json_type_string))
		return 0;
	return strlen(s) == (size_t)json_object_get_string_len(v) && strcmp(s, json_object_get_string(v)) == 0;
}

static int is_cmd(const struct request_view *v, const char *cmd)
{
	return streq(v->cmd, cmd);
}

static void check_error(struct json_object *resp, const char *error)
{
	FUZZ_CHECK(streq(jsonx_get_string(resp, "state"), "error"));
	FUZZ_CHECK(streq(jsonx_get_string(resp, "error"), error));
}

static void check_ok_string(struct json_object *resp, const char *data)
{
	FUZZ_CHECK(streq(jsonx_get_string(resp, "state"), "ok"));
	FUZZ_CHECK(streq(jsonx_get_string(resp, "data"), data));
}

static struct json_object *ok_array(struct json_object *resp)
{
	struct json_object *data;

	FUZZ_CHECK(streq(jsonx_get_string(resp, "state"), "ok"));
	FUZZ_CHECK(json_object_object_get_ex(resp, "data", &data) && json_object_is_type(data, json_type_array));
	return data;
}

/* An exact big integer member against the decimal the store holds. */
static void check_bigint_member(struct json_object *o, const char *key, const char *dec)
{
	mpz_t got, want;

	mpz_inits(got, want, NULL);
	FUZZ_CHECK(jsonx_get_bigint(o, key, got) == RC_OK);
	FUZZ_CHECK(mpz_set_str(want, dec, 10) == 0);
	FUZZ_CHECK(mpz_cmp(got, want) == 0);
	mpz_clears(got, want, NULL);
}

static void check_get_users(const struct store *st, const struct request_view *v, struct json_object *resp)
{
	struct json_object *data = ok_array(resp), *u;
	const struct fake_user *row;
	size_t i, j = 0;

	for (i = 0; (row = fake_store_user(st, i)) != NULL; i++) {
		if (i == v->me)
			continue;
		FUZZ_CHECK((u = json_object_array_get_idx(data, j++)) != NULL);
		FUZZ_CHECK(streq(jsonx_get_string(u, "login"), row->login));
		check_bigint_member(u, "open_exponent", row->e_dec);
		check_bigint_member(u, "module", row->n_dec);
	}
	FUZZ_CHECK(json_object_array_length(data) == j);
}

/* get_user: the row of that login, exactly, or why not. */
static void check_get_user(const struct store *st, const struct request_view *v, struct json_object *resp)
{
	const char *error = jsonx_get_string(resp, "error");
	const struct fake_user *row;
	struct json_object *data;
	size_t i;

	for (i = 0; (row = fake_store_user(st, i)) != NULL; i++)
		if (same_as_member(row->login, v->req, "login"))
			break;
	if (!row) {
		FUZZ_CHECK(streq(error, PROTO_ERR_NO_LOGIN) || streq(error, PROTO_ERR_NO_SUCH_USER));
		return;
	}
	FUZZ_CHECK(streq(jsonx_get_string(resp, "state"), "ok"));
	FUZZ_CHECK(json_object_object_get_ex(resp, "data", &data) && json_object_is_type(data, json_type_object));
	FUZZ_CHECK(streq(jsonx_get_string(data, "login"), row->login));
	check_bigint_member(data, "open_exponent", row->e_dec);
	check_bigint_member(data, "module", row->n_dec);
}

/* The messages of a page or a wait: ids ascending; a wait's (inbox set)
 * each for me and after the request's after_id, the whole v1 array or
 * none of it with ids. */
static void check_ascending_ids(struct json_object *data, int inbox, const struct store *st, const char *me)
{
	int64_t last = 0, id;
	size_t n = json_object_array_length(data), with_id = 0;
	struct json_object *m, *v;

	for (size_t i = 0; i < n; i++) {
		m = json_object_array_get_idx(data, i);
		if (!json_object_object_get_ex(m, "id", &v))
			continue;
		with_id++;
		FUZZ_CHECK(json_object_is_type(v, json_type_int));
		id = json_object_get_int64(v);
		FUZZ_CHECK(id > last);
		last = id;
		if (inbox) {
			FUZZ_CHECK(id >= 1 && (size_t)id <= fake_store_message_count(st));
			FUZZ_CHECK(fake_store_in_inbox(fake_store_message(st, (size_t)id - 1), me));
			FUZZ_CHECK(jsonx_get_string(m, "peer") != NULL);
		}
	}
	FUZZ_CHECK(with_id == 0 || with_id == n);
	FUZZ_CHECK(!inbox || with_id == n);
}

static void check_last_message_id(const struct store *st, const char *me, struct json_object *resp)
{
	struct json_object *data;
	int64_t want = 0;

	for (size_t i = 0; i < fake_store_message_count(st); i++)
		if (fake_store_in_inbox(fake_store_message(st, i), me))
			want = (int64_t)i + 1;
	FUZZ_CHECK(streq(jsonx_get_string(resp, "state"), "ok"));
	FUZZ_CHECK(json_object_object_get_ex(resp, "data", &data) && json_object_get_int64(data) == want);
}

static void check_registered(const struct store *st, const struct request_view *v, struct json_object *resp)
{
	const char *error = jsonx_get_string(resp, "error");
	const struct fake_user *me = fake_store_user(st, v->me);
	const struct fake_message *m;

	if (!v->cmd) {
		check_error(resp, PROTO_ERR_INCORRECT_CMD);
	} else if (is_cmd(v, PROTO_CMD_REGISTER)) {
		check_error(resp, PROTO_ERR_ALREADY_REGISTERED);
		FUZZ_CHECK(streq(jsonx_get_string(resp, "login"), me->login));
	} else if (is_cmd(v, PROTO_CMD_GET_USERS)) {
		check_get_users(st, v, resp);
	} else if (is_cmd(v, PROTO_CMD_GET_USER)) {
		check_get_user(st, v, resp);
	} else if (is_cmd(v, PROTO_CMD_GET_MESSAGES)) {
		if (error)
			FUZZ_CHECK(streq(error, PROTO_ERR_NO_USER) || streq(error, PROTO_ERR_NO_SUCH_USER) ||
			           streq(error, PROTO_ERR_BAD_PAGE));
		else
			check_ascending_ids(ok_array(resp), 0, NULL, NULL);
	} else if (is_cmd(v, PROTO_CMD_WAIT_MESSAGES)) {
		if (error)
			check_error(resp, PROTO_ERR_BAD_PAGE);
		else
			check_ascending_ids(ok_array(resp), 1, st, me->login);
	} else if (is_cmd(v, PROTO_CMD_LAST_MESSAGE_ID)) {
		check_last_message_id(st, me->login, resp);
	} else if (is_cmd(v, PROTO_CMD_SEND_MESSAGE)) {
		if (error) {
			FUZZ_CHECK(streq(error, PROTO_ERR_NO_USER_OR_CONTENT) || streq(error, PROTO_ERR_NO_SUCH_USER) ||
			           streq(error, PROTO_ERR_BAD_MSG_ID) || streq(error, PROTO_ERR_MSG_ID_REUSED));
			return;
		}
		check_ok_string(resp, PROTO_DATA_SENT);
		/* A named message already stored (a retry) is not stored again. */
		if (fake_store_message_count(st) == v->message_count) {
			FUZZ_CHECK(json_object_object_get_ex(v->req, PROTO_FIELD_MSG_ID, NULL));
			return;
		}
		FUZZ_CHECK(fake_store_message_count(st) == v->message_count + 1);
		m = fake_store_message(st, v->message_count);
		FUZZ_CHECK(m->msg_id == NULL || same_as_member(m->msg_id, v->req, PROTO_FIELD_MSG_ID));
		FUZZ_CHECK(streq(m->sender, me->login));
		FUZZ_CHECK(same_as_member(m->receiver, v->req, "user"));
		FUZZ_CHECK(same_as_member(m->content, v->req, "content"));
	} else {
		check_error(resp, PROTO_ERR_INCORRECT_CMD);
	}
}

/* The request's login follows the rules for new logins (common/login.h). */
static int login_is_new_ok(struct json_object *req)
{
	struct json_object *v;
	enum login_problem problem;

	return json_object_object_get_ex(req, "login", &v) && json_object_is_type(v, json_type_string) &&
	       login_check_new(json_object_get_string(v), (size_t)json_object_get_string_len(v), &problem) == RC_OK;
}

static void check_anonymous(const struct store *st, const struct identity *id, const struct request_view *v,
                            struct json_object *resp)
{
	const char *error = jsonx_get_string(resp, "error");
	const struct fake_user *u;

	if (!is_cmd(v, PROTO_CMD_REGISTER)) {
		check_error(resp, PROTO_ERR_NO_AUTH);
		return;
	}
	if (streq(error, PROTO_ERR_INVALID_LOGIN)) {
		FUZZ_CHECK(!login_is_new_ok(v->req));
		return;
	}
	if (error) {
		FUZZ_CHECK(streq(error, PROTO_ERR_NO_LOGIN) || streq(error, PROTO_ERR_LOGIN_EXISTS) ||
		           streq(error, DISPATCH_ERR_LOGIN_TOO_LONG));
		return;
	}
	check_ok_string(resp, PROTO_DATA_WELCOME);
	FUZZ_CHECK(login_is_new_ok(v->req));
	FUZZ_CHECK(fake_store_user_count(st) == v->user_count + 1);
	u = fake_store_user(st, v->user_count);
	FUZZ_CHECK(same_as_member(u->login, v->req, "login"));
	FUZZ_CHECK(streq(u->e_dec, id->e_dec) && streq(u->n_dec, id->n_dec));
	FUZZ_CHECK(streq(id->login, u->login));
}

/* The key proof extension's answers; 1 when the request was one of its
 * commands or refused by it (nothing else may then have happened). */
static int check_key_proof(struct identity *id, const struct request_view *v, int required, struct json_object *resp)
{
	const char *data = jsonx_get_string(resp, "data");
	size_t i;

	if (is_cmd(v, PROTO_CMD_KEY_CHALLENGE)) {
		FUZZ_CHECK(streq(jsonx_get_string(resp, "state"), "ok") && data && strlen(data) == CHALLENGE_HEX);
		for (i = 0; i < CHALLENGE_HEX; i++)
			FUZZ_CHECK((data[i] >= '0' && data[i] <= '9') || (data[i] >= 'a' && data[i] <= 'f'));
		memcpy(id->challenge, data, CHALLENGE_HEX + 1);
		/* The random filler is at least as long as the modulus in decimal. */
		data = jsonx_get_string(resp, "filler");
		FUZZ_CHECK(data && strlen(data) >= strlen(id->n_dec) && strspn(data, "0123456789abcdef") == strlen(data));
		return 1;
	}
	if (is_cmd(v, PROTO_CMD_KEY_PROOF)) {
		/* Right only with the outstanding challenge; used up either way. */
		if (id->challenge[0] && same_as_member(id->challenge, v->req, "challenge")) {
			check_ok_string(resp, PROTO_DATA_PROVEN);
			id->proven = 1;
		} else {
			check_error(resp, PROTO_ERR_WRONG_CHALLENGE);
		}
		id->challenge[0] = '\0';
		return 1;
	}
	if (required && !id->proven &&
	    (is_cmd(v, PROTO_CMD_REGISTER) || is_cmd(v, PROTO_CMD_GET_USERS) || is_cmd(v, PROTO_CMD_GET_USER) ||
	     is_cmd(v, PROTO_CMD_GET_MESSAGES) || is_cmd(v, PROTO_CMD_SEND_MESSAGE) ||
	     is_cmd(v, PROTO_CMD_WAIT_MESSAGES) || is_cmd(v, PROTO_CMD_LAST_MESSAGE_ID))) {
		check_error(resp, PROTO_ERR_KEY_PROOF_REQUIRED);
		return 1;
	}
	return 0;
}

/* The response against the protocol, given the store before and after. */
static void check_response(const struct store *st, struct identity *id, const struct request_view *v, int down,
                           int required, struct json_object *resp, int close_after)
{
	const char *state = jsonx_get_string(resp, "state"), *error, *text;
	size_t len, row;

	FUZZ_CHECK(json_object_is_type(resp, json_type_object));
	FUZZ_CHECK(streq(state, "ok") || streq(state, "error"));
	text = jsonx_to_string(resp, &len);
	FUZZ_CHECK(utf8_check_text((const uint8_t *)text, len) == RC_OK);
	FUZZ_CHECK(close_after == is_cmd(v, PROTO_CMD_GOODBYE));
	if (check_key_proof(id, v, required, resp)) {
		/* Answered before the database is needed. */
	} else if (is_cmd(v, PROTO_CMD_PING) || is_cmd(v, PROTO_CMD_GOODBYE)) {
		check_ok_string(resp, is_cmd(v, PROTO_CMD_PING) ? PROTO_DATA_PONG : PROTO_DATA_GOODBYE);
	} else if (down) {
		/* Only what needs no database can be answered: a missing argument,
		 * or a cached login's "already registered" and "incorrect cmd". */
		FUZZ_CHECK((error = jsonx_get_string(resp, "error")) != NULL);
		FUZZ_CHECK(streq(error, PROTO_ERR_DB_UNAVAILABLE) || streq(error, PROTO_ERR_INCORRECT_CMD) ||
		           streq(error, PROTO_ERR_ALREADY_REGISTERED) || streq(error, PROTO_ERR_NO_USER) ||
		           streq(error, PROTO_ERR_NO_USER_OR_CONTENT) || streq(error, PROTO_ERR_NO_LOGIN) ||
		           streq(error, DISPATCH_ERR_LOGIN_TOO_LONG) || streq(error, PROTO_ERR_INVALID_LOGIN) ||
		           streq(error, PROTO_ERR_BAD_PAGE));
	} else if (v->me != NO_USER) {
		check_registered(st, v, resp);
	} else {
		check_anonymous(st, id, v, resp);
	}
	/* Only "welcome" adds a user, only "sent" a message. */
	if (!streq(state, "ok") || !is_cmd(v, PROTO_CMD_REGISTER))
		FUZZ_CHECK(fake_store_user_count(st) == v->user_count);
	if (!streq(state, "ok") || !is_cmd(v, PROTO_CMD_SEND_MESSAGE))
		FUZZ_CHECK(fake_store_message_count(st) == v->message_count);
	/* The connection's cached login is its key's login, or still unknown. */
	row = find_user_by_key(st, id);
	if (id->login)
		FUZZ_CHECK(row != NO_USER && streq(fake_store_user(st, row)->login, id->login));
}

/* dispatch_request on the parsed text, as request_process calls it. */
static struct json_object *serve_direct(struct store *st, struct identity *id, struct json_object *req,
                                        int required, int *close_after)
{
	const struct dispatch_policy policy = {.require_key_proof = required};
	struct dispatch_identity did = {id->e_dec, id->n_dec, FUZZ_PEER, id->login, id->proof};
	struct dispatch_answer answer;
	struct json_object *resumed = NULL;

	FUZZ_CHECK(dispatch_request(st, &policy, req, &did, 1, &answer) == RC_OK);
	if (answer.parked) {
		FUZZ_CHECK(answer.wait.timeout_ms > 0 && answer.wait.timeout_ms <= PROTO_WAIT_MAX_MS);
		FUZZ_CHECK(dispatch_wait_request(&answer.wait, 0, &resumed) == RC_OK);
		FUZZ_CHECK(dispatch_request(st, &policy, resumed, &did, 1, &answer) == RC_OK);
		FUZZ_CHECK(!answer.parked);
		json_object_put(resumed);
	}
	*close_after = answer.close_after;
	id->login = did.login;
	id->proof = did.proof;
	return answer.resp;
}

/* request_process on the text encrypted for the server key; NULL when the
 * server rightly closed the connection instead of answering. */
static struct json_object *serve_full(struct store *st, struct identity *id, const uint8_t *text, size_t len,
                                      int wide, int required, int *close_after)
{
	const struct rsa_private *k = fuzz_key();
	/* Two threads: long answers take rsa_encrypt_parallel's threaded path. */
	const struct request_ctx ctx = {.server_key = k, .response_chunk_wide = wide,
	                                .max_request_bytes = FUZZ_MAX_REQUEST_BYTES, .encrypt_threads = 2,
	                                .policy = {.require_key_proof = required}};
	const struct frame_limits lim = {PROTO_CLIENT_MAX_RESPONSE_BYTES, PROTO_CLIENT_MAX_BLOCKS,
	                                 PROTO_CLIENT_MAX_RESPONSE_BYTES};
	struct json_object *resp = NULL;
	struct frame_reader r;
	struct blocklist blocks;
	struct request_job *job;
	char *out = NULL;
	size_t used, out_len;
	int sealed;

	*close_after = 0;
	FUZZ_CHECK(request_job_new(NULL, 1, id->login, &job) == RC_OK);
	job->client_key = &k->pub;
	job->e_dec = id->e_dec;
	job->n_dec = id->n_dec;
	job->peer = FUZZ_PEER;
	job->proof = id->proof;
	/* A chunk starting with NUL cannot be encrypted: send the text whole then. */
	sealed = rsa_encrypt(&k->pub, text, len, rsa_chunk_original(&k->pub), &job->request) == RC_OK;
	if (!sealed)
		FUZZ_CHECK(blocklist_push(&job->request, (const uint8_t *)"\x01", 1) == RC_OK);
	request_process(&ctx, st, job);
	if (job->outcome == REQUEST_PARKED) {
		FUZZ_CHECK(job->wait.timeout_ms > 0);
		job->resumed = 1;
		FUZZ_CHECK(dispatch_wait_request(&job->wait, 0, &job->parsed) == RC_OK);
		request_process(&ctx, st, job);
	}
	free(id->login);
	id->login = job->login;
	job->login = NULL;
	id->proof = job->proof;
	/* Too long is the only violation a sealed request can commit. */
	FUZZ_CHECK((job->outcome == REQUEST_VIOLATION) == (sealed && len > FUZZ_MAX_REQUEST_BYTES));
	if (job->outcome == REQUEST_VIOLATION) {
		request_job_free(job);
		return NULL;
	}
	FUZZ_CHECK(job->outcome == REQUEST_ANSWERED || job->outcome == REQUEST_GOODBYE);
	*close_after = job->outcome == REQUEST_GOODBYE;
	frame_reader_init(&r, FRAME_KIND_BLOCKS, &lim);
	FUZZ_CHECK(frame_reader_feed(&r, job->response.data, job->response.len, &used) == FRAME_DONE);
	FUZZ_CHECK(used == job->response.len);
	FUZZ_CHECK(frame_reader_take(&r, &blocks) == RC_OK);
	FUZZ_CHECK(wire_open(k, &blocks, PROTO_CLIENT_MAX_RESPONSE_BYTES, &out, &out_len) == RC_OK);
	FUZZ_CHECK(jsonx_parse(out, out_len, &resp) == RC_OK);
	free(out);
	blocklist_free(&blocks);
	frame_reader_free(&r);
	request_job_free(job);
	return resp;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_input in = {data, size};
	struct identity ids[FUZZ_IDENTITIES];
	struct request_view v;
	struct json_object *resp;
	struct identity *id;
	struct store *st;
	const uint8_t *text, *nl;
	char proof_req[64 + CHALLENGE_HEX];
	size_t len;
	uint8_t ctl;
	int requests, close_after, required;

	fuzz_setup();
	identities_init(ids);
	FUZZ_CHECK(store_new("", 0, 0, &st) == RC_OK);
	for (requests = 0; requests < FUZZ_MAX_REQUESTS && in.n > 0; requests++) {
		ctl = fuzz_take_u8(&in);
		nl = memchr(in.p, '\n', in.n);
		text = fuzz_take_bytes(&in, nl ? (size_t)(nl - in.p) : in.n, &len);
		if (nl)
			fuzz_take_u8(&in);
		id = &ids[(ctl & 3) % FUZZ_IDENTITIES];
		if (ctl & CTL_RECONNECT) {
			free(id->login);
			id->login = NULL;
			memset(&id->proof, 0, sizeof(id->proof));
			id->challenge[0] = '\0';
			id->proven = 0;
		}
		if (ctl & CTL_ANSWER_CHALLENGE) {
			len = (size_t)snprintf(proof_req, sizeof(proof_req), "{\"cmd\": \"%s\", \"challenge\": \"%s\"}",
			                       PROTO_CMD_KEY_PROOF, id->challenge);
			text = (const uint8_t *)proof_req;
		}
		required = (ctl & CTL_REQUIRE_PROOF) != 0;
		memset(&v, 0, sizeof(v));
		if (jsonx_parse((const char *)text, len, &v.req) == RC_OK && json_object_is_type(v.req, json_type_object))
			v.cmd = jsonx_get_string(v.req, "cmd");
		v.user_count = fake_store_user_count(st);
		v.message_count = fake_store_message_count(st);
		v.me = find_user_by_key(st, id);
		fake_store_set_down(st, (ctl & CTL_DB_DOWN) != 0);
		if (ctl & CTL_FULL_PATH)
			resp = serve_full(st, id, text, len, (ctl & CTL_WIDE) != 0, required, &close_after);
		else
			resp = serve_direct(st, id, v.req, required, &close_after);
		fake_store_set_down(st, 0);
		if (resp)
			check_response(st, id, &v, (ctl & CTL_DB_DOWN) != 0, required, resp, close_after);
		json_object_put(resp);
		json_object_put(v.req);
	}
	store_free(st);
	identities_free(ids);
	return 0;
}
