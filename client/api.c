#include "config.h"

#include "api.h"

#include <ctype.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "content.h"
#include "errors.h"
#include "fingerprint.h"
#include "jsonx.h"
#include "protocol.h"
#include "secure.h"
#include "utf8.h"
#include "wtext.h"

/* Copies a server's error text, whole characters only, turning control
 * characters (C1 too) and bytes that are not UTF-8 into '?' so a hostile
 * server cannot drive the terminal. */
static void api_copy_server_text(char *err, size_t errlen, const char *text)
{
	size_t in = 0, out = 0, len = strlen(text), chars = 0;

	if (errlen == 0)
		return;
	while (in < len && chars < API_MAX_ERROR_CHARS) {
		int safe;
		size_t used = wtext_next_safe(text + in, len - in, NULL, &safe);
		size_t add = safe ? used : 1;
		if (out + add + 1 > errlen)
			break;
		if (safe)
			memcpy(err + out, text + in, used);
		else
			err[out] = '?';
		out += add;
		in += used;
		chars++;
	}
	err[out] = '\0';
}

/* Checks the envelope of an answer r (taken) that the session returned
 * with rc. On RC_OK *resp holds the answer (caller puts it) and *data
 * borrows its "data" member; on RC_ERR_SERVER *resp is kept too, for
 * fields next to the error. */
static int api_envelope(int rc, struct json_object *r, struct json_object **resp, struct json_object **data, char *err,
                        size_t errlen)
{
	const char *state, *error;

	*resp = NULL;
	*data = NULL;
	rc_errf(err, errlen, "%s", "");
	if (rc != RC_OK) {
		rc_errf(err, errlen, "%s", rc == RC_ERR_PROTOCOL ? "the server sent an unreadable answer" : rc_strerror(rc));
		return rc;
	}
	state = jsonx_get_string(r, "state");
	if (state != NULL && strcmp(state, "ok") == 0 && json_object_object_get_ex(r, "data", data)) {
		*resp = r;
		return RC_OK;
	}
	if (state != NULL && strcmp(state, "error") == 0 && (error = jsonx_get_string(r, "error")) != NULL) {
		api_copy_server_text(err, errlen, error);
		*resp = r;
		return RC_ERR_SERVER;
	}
	rc_errf(err, errlen, "the server's answer has no state and data or error");
	json_object_put(r);
	return RC_ERR_PROTOCOL;
}

/* Sends req (consumed) and checks the answer's envelope (api_envelope). */
static int api_call(struct session *s, struct json_object *req, struct json_object **resp, struct json_object **data,
                    char *err, size_t errlen)
{
	struct json_object *r = NULL;
	int rc = RC_ERR_NOMEM;

	if (req != NULL) {
		rc = session_request(s, req, &r);
		json_object_put(req);
	}
	return api_envelope(rc, r, resp, data, err, errlen);
}

static struct json_object *api_new_request(const char *cmd)
{
	struct json_object *req = json_object_new_object();

	if (req != NULL && json_object_object_add(req, "cmd", json_object_new_string(cmd)) != 0) {
		json_object_put(req);
		return NULL;
	}
	return req;
}

/* Adds the member key: v (taken, NULL when it could not be made); on
 * failure puts req and returns NULL. */
static struct json_object *api_with_member(struct json_object *req, const char *key, struct json_object *v)
{
	if (req == NULL || v == NULL || json_object_object_add(req, key, v) != 0) {
		json_object_put(v);
		json_object_put(req);
		return NULL;
	}
	return req;
}

static struct json_object *api_with_string(struct json_object *req, const char *key, const char *value)
{
	return req == NULL ? NULL : api_with_member(req, key, json_object_new_string(value));
}

static struct json_object *api_with_int(struct json_object *req, const char *key, int64_t value)
{
	return req == NULL ? NULL : api_with_member(req, key, json_object_new_int64(value));
}

/* A call whose ok data must be the string `expected`. */
static int api_simple(struct session *s, struct json_object *req, const char *expected, char *err, size_t errlen)
{
	struct json_object *resp, *data;
	int rc = api_call(s, req, &resp, &data, err, errlen);

	if (rc == RC_OK && (!json_object_is_type(data, json_type_string) || strcmp(json_object_get_string(data), expected) != 0)) {
		rc_errf(err, errlen, "the server answered something else than \"%s\"", expected);
		rc = RC_ERR_PROTOCOL;
	}
	json_object_put(resp);
	return rc;
}

int api_ping(struct session *s, char *err, size_t errlen)
{
	return api_simple(s, api_new_request(PROTO_CMD_PING), PROTO_DATA_PONG, err, errlen);
}

/* The data of a key_challenge answer: 2 * PROTO_KEY_CHALLENGE_BYTES hex digits. */
static int api_is_challenge(struct json_object *data)
{
	const char *hex = json_object_get_string(data);

	if (!json_object_is_type(data, json_type_string) ||
	    json_object_get_string_len(data) != 2 * PROTO_KEY_CHALLENGE_BYTES)
		return 0;
	for (size_t i = 0; i < 2 * PROTO_KEY_CHALLENGE_BYTES; i++)
		if (!isxdigit((unsigned char)hex[i]))
			return 0;
	return 1;
}

int api_prove_key(struct session *s, int *proven, char *err, size_t errlen)
{
	struct json_object *resp, *data;
	char challenge[2 * PROTO_KEY_CHALLENGE_BYTES + 1];
	int rc;

	*proven = 0;
	rc = api_call(s, api_new_request(PROTO_CMD_KEY_CHALLENGE), &resp, &data, err, errlen);
	if (rc == RC_ERR_SERVER) {
		/* A server without the extension: nothing to prove to it. */
		json_object_put(resp);
		rc_errf(err, errlen, "%s", "");
		return RC_OK;
	}
	if (rc == RC_OK && !api_is_challenge(data)) {
		rc_errf(err, errlen, "the server answered key_challenge with something else than a challenge");
		rc = RC_ERR_PROTOCOL;
	}
	if (rc == RC_OK)
		memcpy(challenge, json_object_get_string(data), sizeof(challenge));
	json_object_put(resp);
	if (rc != RC_OK)
		return rc;
	rc = api_simple(s, api_with_string(api_new_request(PROTO_CMD_KEY_PROOF), "challenge", challenge), PROTO_DATA_PROVEN, err,
	                errlen);
	*proven = rc == RC_OK;
	return rc;
}

void api_goodbye(struct session *s)
{
	char err[64];

	if (s->fd >= 0)
		(void)api_simple(s, api_new_request(PROTO_CMD_GOODBYE), PROTO_DATA_GOODBYE, err, sizeof(err));
	session_close(s);
}

int api_register(struct session *s, const char *login, char **registered, int *already, char *err, size_t errlen)
{
	struct json_object *resp, *data;
	const char *known;
	int rc;

	*registered = NULL;
	*already = 0;
	rc = api_call(s, api_with_string(api_new_request(PROTO_CMD_REGISTER), "login", login), &resp, &data, err, errlen);
	if (rc == RC_OK) {
		if (!json_object_is_type(data, json_type_string) || strcmp(json_object_get_string(data), PROTO_DATA_WELCOME) != 0) {
			rc_errf(err, errlen, "the server answered register with something else than \"welcome\"");
			rc = RC_ERR_PROTOCOL;
		} else if ((*registered = strdup(login)) == NULL) {
			rc = RC_ERR_NOMEM;
		}
	} else if (rc == RC_ERR_SERVER && strcmp(err, PROTO_ERR_ALREADY_REGISTERED) == 0 &&
	           (known = jsonx_get_string(resp, "login")) != NULL) {
		*already = 1;
		rc = (*registered = strdup(known)) == NULL ? RC_ERR_NOMEM : RC_OK;
	}
	json_object_put(resp);
	return rc;
}

/* Ok data that must be a list: *n gets its length and *items a zeroed
 * array of n + 1 elements of item_size bytes (caller frees). */
static int api_list_items(struct json_object *data, const char *what, size_t item_size, size_t *n, void **items,
                          char *err, size_t errlen)
{
	*n = 0;
	*items = NULL;
	if (!json_object_is_type(data, json_type_array)) {
		rc_errf(err, errlen, "%s: the server's data is not a list", what);
		return RC_ERR_PROTOCOL;
	}
	*n = json_object_array_length(data);
	if ((*items = calloc(*n + 1, item_size)) == NULL)
		return RC_ERR_NOMEM;
	return RC_OK;
}

void api_users_free(struct api_users *users)
{
	for (size_t i = 0; i < users->count; i++)
		api_user_free(&users->v[i]);
	free(users->v);
	users->v = NULL;
	users->count = 0;
}

const struct api_user *api_users_find(const struct api_users *users, const char *login)
{
	for (size_t i = 0; i < users->count; i++)
		if (strcmp(users->v[i].login, login) == 0)
			return &users->v[i];
	return NULL;
}

/* Reads {"login", "open_exponent", "module"} into dst (from api_user_init),
 * or in a listing {"login", "fingerprint"} too; a listing's entry always
 * gets its fingerprint. Errors name the command and `what` ("entry 3"). */
static int api_user_from_json(struct json_object *u, struct api_user *dst, const char *cmd, const char *what,
                              int listing, char *err, size_t errlen)
{
	const char *login = jsonx_get_string(u, "login");
	const char *fingerprint = listing ? jsonx_get_string(u, "fingerprint") : NULL;
	char computed[FINGERPRINT_MAX];
	int rc;

	if (login == NULL || login[0] == '\0') {
		rc_errf(err, errlen, "%s: %s has no login", cmd, what);
		return RC_ERR_PROTOCOL;
	}
	if ((dst->login = strdup(login)) == NULL)
		return RC_ERR_NOMEM;
	if (fingerprint != NULL) {
		if (strlen(fingerprint) >= FINGERPRINT_MAX || strncmp(fingerprint, "SHA256:", 7) != 0) {
			rc_errf(err, errlen, "%s: the fingerprint of %s is not SHA256:...", cmd, what);
			return RC_ERR_PROTOCOL;
		}
		return (dst->fingerprint = strdup(fingerprint)) != NULL ? RC_OK : RC_ERR_NOMEM;
	}
	if (jsonx_get_bigint(u, "open_exponent", dst->key.e) != RC_OK || jsonx_get_bigint(u, "module", dst->key.n) != RC_OK) {
		rc_errf(err, errlen, "%s: the key of %s is not a pair of whole numbers", cmd, what);
		return RC_ERR_PROTOCOL;
	}
	if (!listing)
		return RC_OK;
	if ((rc = fingerprint_public(&dst->key, computed)) != RC_OK)
		return rc;
	return (dst->fingerprint = strdup(computed)) != NULL ? RC_OK : RC_ERR_NOMEM;
}

void api_user_init(struct api_user *user)
{
	user->login = NULL;
	user->fingerprint = NULL;
	rsa_public_init(&user->key);
}

void api_user_free(struct api_user *user)
{
	free(user->login);
	user->login = NULL;
	free(user->fingerprint);
	user->fingerprint = NULL;
	rsa_public_clear(&user->key);
}

/* get_users as req asks it; listing: entries may carry fingerprints. */
static int api_get_users_as(struct session *s, struct json_object *req, int listing, struct api_users *out, char *err,
                            size_t errlen)
{
	struct json_object *resp, *data;
	size_t n = 0;
	int rc;

	out->count = 0;
	out->v = NULL;
	rc = api_call(s, req, &resp, &data, err, errlen);
	if (rc == RC_OK)
		rc = api_list_items(data, "get_users", sizeof(*out->v), &n, (void **)&out->v, err, errlen);
	for (size_t i = 0; rc == RC_OK && i < n; i++) {
		char what[32];

		snprintf(what, sizeof(what), "entry %zu", i);
		api_user_init(&out->v[out->count]);
		rc = api_user_from_json(json_object_array_get_idx(data, i), &out->v[out->count++], PROTO_CMD_GET_USERS, what,
		                        listing, err, errlen);
	}
	if (rc != RC_OK)
		api_users_free(out);
	json_object_put(resp);
	return rc;
}

int api_get_users(struct session *s, struct api_users *out, char *err, size_t errlen)
{
	return api_get_users_as(s, api_new_request(PROTO_CMD_GET_USERS), 0, out, err, errlen);
}

int api_get_user_listing(struct session *s, struct api_users *out, char *err, size_t errlen)
{
	struct json_object *req = api_with_member(api_new_request(PROTO_CMD_GET_USERS), "fingerprints",
	                                          json_object_new_boolean(1));

	return api_get_users_as(s, req, 1, out, err, errlen);
}

/* The key of one user from the whole list (servers without get_user). */
static int api_get_user_from_list(struct session *s, const char *login, struct api_user *out, char *err, size_t errlen)
{
	struct api_users users;
	struct api_user *found;
	int rc;

	if ((rc = api_get_users(s, &users, err, errlen)) != RC_OK)
		return rc;
	if ((found = (struct api_user *)api_users_find(&users, login)) == NULL) {
		rc_errf(err, errlen, "%s", PROTO_ERR_NO_SUCH_USER);
		rc = RC_ERR_SERVER;
	} else {
		/* Moved out of the list, which then frees an empty entry. */
		api_user_free(out);
		*out = *found;
		api_user_init(found);
	}
	api_users_free(&users);
	return rc;
}

int api_get_user(struct session *s, const char *login, struct api_user *out, char *err, size_t errlen)
{
	struct json_object *resp, *data;
	int rc = api_call(s, api_with_string(api_new_request(PROTO_CMD_GET_USER), "login", login), &resp, &data, err, errlen);

	if (rc == RC_OK) {
		if ((rc = api_user_from_json(data, out, PROTO_CMD_GET_USER, "the answer", 0, err, errlen)) == RC_OK &&
		    strcmp(out->login, login) != 0) {
			rc_errf(err, errlen, "get_user: the server answered with another user");
			rc = RC_ERR_PROTOCOL;
		}
	} else if (rc == RC_ERR_SERVER && strcmp(err, PROTO_ERR_INCORRECT_CMD) == 0) {
		/* A server without the extension (the original): the whole list. */
		rc = api_get_user_from_list(s, login, out, err, errlen);
	}
	json_object_put(resp);
	return rc;
}

void api_messages_free(struct api_messages *msgs)
{
	for (size_t i = 0; i < msgs->count; i++) {
		free(msgs->v[i].sender);
		free(msgs->v[i].created_at);
		free(msgs->v[i].content);
		free(msgs->v[i].peer);
	}
	free(msgs->v);
	msgs->v = NULL;
	msgs->count = 0;
}

static char *api_dup_member(struct json_object *o, const char *key, size_t *len)
{
	struct json_object *v;
	char *copy;
	size_t n;

	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	n = (size_t)json_object_get_string_len(v);
	if ((copy = malloc(n + 1)) == NULL)
		return NULL;
	memcpy(copy, json_object_get_string(v), n);
	copy[n] = '\0';
	if (len != NULL)
		*len = n;
	return copy;
}

/* The "id" of an answer's element: 0 when absent, 1 when present but not
 * an integer in 1..API_MAX_MESSAGE_ID (reported as *bad). */
static uint64_t api_message_id(struct json_object *m, int *bad)
{
	struct json_object *v;
	int64_t id;

	*bad = 0;
	if (!json_object_object_get_ex(m, "id", &v))
		return 0;
	id = json_object_get_int64(v);
	if (!json_object_is_type(v, json_type_int) || id < 1 || (uint64_t)id > API_MAX_MESSAGE_ID) {
		*bad = 1;
		return 0;
	}
	return (uint64_t)id;
}

/* Reads the n elements of a messages list into out (from api_list_items);
 * with want_peer each must carry a "peer" too. */
static int api_messages_from_json(struct json_object *data, size_t n, const char *cmd, int want_peer,
                                  struct api_messages *out, char *err, size_t errlen)
{
	for (size_t i = 0; i < n; i++) {
		struct json_object *m = json_object_array_get_idx(data, i);
		struct api_message *dst = &out->v[out->count++];
		int bad;

		if (!json_object_is_type(m, json_type_object)) {
			rc_errf(err, errlen, "%s: entry %zu is not an object", cmd, i);
			return RC_ERR_PROTOCOL;
		}
		dst->sender = api_dup_member(m, "user", NULL);
		dst->created_at = api_dup_member(m, "created_at", NULL);
		dst->content = api_dup_member(m, "content", &dst->content_len);
		if (want_peer)
			dst->peer = api_dup_member(m, "peer", NULL);
		if (dst->sender == NULL || dst->created_at == NULL || dst->content == NULL || (want_peer && dst->peer == NULL)) {
			rc_errf(err, errlen, "%s: entry %zu lacks user, created_at or content strings%s", cmd, i,
			        want_peer ? " or peer" : "");
			return RC_ERR_PROTOCOL;
		}
		dst->id = api_message_id(m, &bad);
		if (bad) {
			rc_errf(err, errlen, "%s: entry %zu has an id that is not a whole number from 1 to 2^53", cmd, i);
			return RC_ERR_PROTOCOL;
		}
	}
	return RC_OK;
}

/* Reads an answer that is a list of messages into out: rc, resp (taken)
 * and data as api_envelope gave them. */
static int api_messages_answer(int rc, struct json_object *resp, struct json_object *data, const char *cmd, int want_peer,
                               struct api_messages *out, char *err, size_t errlen)
{
	size_t n;

	out->count = 0;
	out->v = NULL;
	if (rc == RC_OK)
		rc = api_list_items(data, cmd, sizeof(*out->v), &n, (void **)&out->v, err, errlen);
	if (rc == RC_OK)
		rc = api_messages_from_json(data, n, cmd, want_peer, out, err, errlen);
	if (rc != RC_OK)
		api_messages_free(out);
	json_object_put(resp);
	return rc;
}

/* Sends a request answered with a list of messages and reads it into out. */
static int api_fetch_messages(struct session *s, struct json_object *req, const char *cmd, int want_peer,
                              struct api_messages *out, char *err, size_t errlen)
{
	struct json_object *resp, *data;
	int rc = api_call(s, req, &resp, &data, err, errlen);

	return api_messages_answer(rc, resp, data, cmd, want_peer, out, err, errlen);
}

int api_get_messages(struct session *s, const char *user, struct api_messages *out, char *err, size_t errlen)
{
	return api_fetch_messages(s, api_with_string(api_new_request(PROTO_CMD_GET_MESSAGES), "user", user),
	                          PROTO_CMD_GET_MESSAGES, 0, out, err, errlen);
}

/* An extension answer must not be larger than asked, nor out of order or
 * outside the range: a server that breaks that would make the client skip
 * or repeat messages. */
static int api_check_ids(const struct api_messages *msgs, const char *cmd, uint64_t after_id, uint64_t before_id,
                         unsigned limit, char *err, size_t errlen)
{
	uint64_t prev = after_id;

	if (msgs->count > limit) {
		rc_errf(err, errlen, "%s: %zu messages, %u asked", cmd, msgs->count, limit);
		return RC_ERR_PROTOCOL;
	}
	for (size_t i = 0; i < msgs->count; i++) {
		uint64_t id = msgs->v[i].id;
		if (id == 0 || id <= prev || (before_id != 0 && id >= before_id)) {
			rc_errf(err, errlen, "%s: entry %zu has an id missing, out of order or outside the range asked", cmd, i);
			return RC_ERR_PROTOCOL;
		}
		prev = id;
	}
	return RC_OK;
}

static unsigned api_page_limit(unsigned limit)
{
	return limit == 0 || limit > API_PAGE_MAX ? API_PAGE_MAX : limit;
}

int api_get_messages_page(struct session *s, enum api_sync *sync, const char *user, const struct api_page *page,
                          struct api_messages *out, char *err, size_t errlen)
{
	unsigned limit = api_page_limit(page->limit);
	struct json_object *req = api_with_string(api_new_request(PROTO_CMD_GET_MESSAGES), "user", user);
	int rc;

	if (page->before_id != 0)
		req = api_with_int(req, "before_id", (int64_t)page->before_id);
	if (page->after_id != 0)
		req = api_with_int(req, "after_id", (int64_t)page->after_id);
	req = api_with_int(req, "limit", limit);
	if ((rc = api_fetch_messages(s, req, PROTO_CMD_GET_MESSAGES, 0, out, err, errlen)) != RC_OK)
		return rc;
	if (out->count > 0 && out->v[0].id == 0) {
		/* The original ignores the page: this is the whole conversation. */
		for (size_t i = 0; i < out->count; i++)
			if (out->v[i].id != 0) {
				rc_errf(err, errlen, "get_messages: some entries have ids, others not");
				api_messages_free(out);
				return RC_ERR_PROTOCOL;
			}
		*sync = API_SYNC_NO;
		return RC_OK;
	}
	if ((rc = api_check_ids(out, PROTO_CMD_GET_MESSAGES, page->after_id, page->before_id, limit, err, errlen)) != RC_OK) {
		api_messages_free(out);
		return rc;
	}
	/* An empty page proves nothing: the original answers [] too. */
	if (out->count > 0)
		*sync = API_SYNC_YES;
	return RC_OK;
}

/* After an "incorrect cmd" answer to a command of the extension: a v1 server. */
static int api_maybe_v1(int rc, enum api_sync *sync, char *err, size_t errlen)
{
	if (rc != RC_ERR_SERVER || strcmp(err, PROTO_ERR_INCORRECT_CMD) != 0)
		return rc;
	*sync = API_SYNC_NO;
	rc_errf(err, errlen, "%s", "");
	return RC_OK;
}

int api_wait_send(struct session *s, uint64_t after_id, int timeout_ms, unsigned limit, char *err, size_t errlen)
{
	struct json_object *req = api_with_int(api_new_request(API_CMD_WAIT_MESSAGES), "after_id", (int64_t)after_id);
	const char *text;
	size_t len;
	int rc = RC_ERR_NOMEM;

	rc_errf(err, errlen, "%s", "");
	req = api_with_int(api_with_int(req, "timeout_ms", timeout_ms), "limit", api_page_limit(limit));
	if (req != NULL && (text = jsonx_to_string(req, &len)) != NULL)
		rc = session_send_request(s, text, len);
	json_object_put(req);
	if (rc != RC_OK)
		rc_errf(err, errlen, "%s", rc_strerror(rc));
	return rc;
}

int api_wait_read(struct session *s, enum api_sync *sync, uint64_t after_id, unsigned limit, int read_timeout_ms,
                  struct api_messages *out, char *err, size_t errlen)
{
	struct json_object *r = NULL, *resp, *data;
	int rc = session_read_json(s, read_timeout_ms, &r);

	rc = api_envelope(rc, r, &resp, &data, err, errlen);
	rc = api_messages_answer(rc, resp, data, API_CMD_WAIT_MESSAGES, 1, out, err, errlen);
	if (rc == RC_OK &&
	    (rc = api_check_ids(out, API_CMD_WAIT_MESSAGES, after_id, 0, api_page_limit(limit), err, errlen)) != RC_OK)
		api_messages_free(out);
	if (rc == RC_OK)
		*sync = API_SYNC_YES;
	return api_maybe_v1(rc, sync, err, errlen);
}

int api_wait_messages(struct session *s, enum api_sync *sync, uint64_t after_id, int timeout_ms, unsigned limit,
                      struct api_messages *out, char *err, size_t errlen)
{
	int rc = api_wait_send(s, after_id, timeout_ms, limit, err, errlen);

	out->count = 0;
	out->v = NULL;
	if (rc != RC_OK)
		return rc;
	/* The server may hold the answer for timeout_ms before the request's own time starts. */
	return api_wait_read(s, sync, after_id, limit, s->timeout_ms > 0 ? s->timeout_ms + timeout_ms : 0, out, err, errlen);
}

int api_last_message_id(struct session *s, enum api_sync *sync, uint64_t *id, char *err, size_t errlen)
{
	struct json_object *resp, *data;
	int64_t v;
	int rc = api_call(s, api_new_request(API_CMD_LAST_MESSAGE_ID), &resp, &data, err, errlen);

	*id = 0;
	if (rc == RC_OK) {
		v = json_object_get_int64(data);
		if (!json_object_is_type(data, json_type_int) || v < 0 || (uint64_t)v > API_MAX_MESSAGE_ID) {
			rc_errf(err, errlen, "last_message_id: the answer is not a whole number from 0 to 2^53");
			rc = RC_ERR_PROTOCOL;
		} else {
			*id = (uint64_t)v;
			*sync = API_SYNC_YES;
		}
	}
	json_object_put(resp);
	return api_maybe_v1(rc, sync, err, errlen);
}

int api_check_text(const char *text, size_t len, char *err, size_t errlen)
{
	int rc;

	if (len == 0) {
		rc_errf(err, errlen, "empty message");
		return RC_ERR_INVAL;
	}
	if (len > API_MAX_TEXT_BYTES) {
		rc_errf(err, errlen, "message too long: %zu bytes, at most %u", len, API_MAX_TEXT_BYTES);
		return RC_ERR_TOO_LARGE;
	}
	rc = utf8_check_text((const uint8_t *)text, len);
	if (rc == RC_ERR_NUL)
		rc_errf(err, errlen, "the message holds a NUL character, which cannot be sent");
	else if (rc != RC_OK)
		rc_errf(err, errlen, "the message is not valid UTF-8");
	return rc;
}

void api_msg_id_new(char *out, size_t outlen)
{
	static const char digits[] = "0123456789abcdef";
	unsigned char raw[API_MSG_ID_RANDOM_BYTES];
	size_t i;

	secure_random(raw, sizeof raw);
	for (i = 0; i < sizeof raw && 2 * i + 2 < outlen; i++) {
		out[2 * i] = digits[raw[i] >> 4];
		out[2 * i + 1] = digits[raw[i] & 0x0f];
	}
	if (outlen > 0)
		out[2 * i] = '\0';
}

int api_msg_id_check(const char *base, char *err, size_t errlen)
{
	size_t len = strlen(base);

	if (len < 1 || len > API_MSG_ID_BASE_MAX ||
	    strspn(base, PROTO_MSG_ID_CHARS) != len) {
		rc_errf(err, errlen, "bad message id: 1 to %d of the characters A-Z a-z 0-9 _ -", API_MSG_ID_BASE_MAX);
		return RC_ERR_INVAL;
	}
	return RC_OK;
}

void api_sealed_free(struct api_sealed *sealed)
{
	free(sealed->to_recipient);
	free(sealed->to_self);
	sealed->to_recipient = sealed->to_self = NULL;
}

/* A key check that names whose key it is: the recipient's key comes from the
 * server, and an unusable one is worth telling the user about by name. */
static int api_check_recipient_key(const char *user, const struct rsa_public *to, char *err, size_t errlen)
{
	char *shown = NULL;
	int rc = rsa_public_check(to);

	if (rc == RC_OK)
		return RC_OK;
	(void)wtext_login_display(user, &shown);
	rc_errf(err, errlen, "%s's key is unusable (too small or malformed)", shown ? shown : "the recipient");
	free(shown);
	return rc;
}

int api_seal_v1(const char *user, const struct rsa_public *to, const struct rsa_public *me, const char *text,
                size_t len, struct api_sealed *out, char *err, size_t errlen)
{
	int rc;

	out->to_recipient = out->to_self = NULL;
	if ((rc = api_check_text(text, len, err, errlen)) != RC_OK ||
	    (rc = api_check_recipient_key(user, to, err, errlen)) != RC_OK)
		return rc;
	if ((rc = content_encode(to, text, len, rsa_chunk_wide(to), &out->to_recipient)) == RC_OK && me != NULL)
		rc = content_encode(me, text, len, rsa_chunk_wide(me), &out->to_self);
	if (rc != RC_OK) {
		rc_errf(err, errlen, "cannot encrypt the message: %s", rc_strerror(rc));
		api_sealed_free(out);
	}
	return rc;
}

/* One send_message with a sealed content, named msg_id + suffix. */
static int api_send_one(struct session *s, const char *user, const char *content, int self_copy, const char *msg_id,
                        char *err, size_t errlen)
{
	struct json_object *req;
	char name[PROTO_MSG_ID_MAX + 1];

	snprintf(name, sizeof name, "%s%s", msg_id, self_copy ? "-s" : "-r");
	req = api_with_string(api_with_string(api_new_request(PROTO_CMD_SEND_MESSAGE), "user", user), "content", content);
	if (req != NULL && self_copy && json_object_object_add(req, "self_copy", json_object_new_boolean(1)) != 0) {
		json_object_put(req);
		req = NULL;
	}
	return api_simple(s, api_with_string(req, PROTO_FIELD_MSG_ID, name), PROTO_DATA_SENT, err, errlen);
}

int api_send_sealed_resume(struct session *s, const char *user, const struct api_sealed *sealed, const char *msg_id,
                           int *acked, char *err, size_t errlen)
{
	int rc;

	if ((rc = api_msg_id_check(msg_id, err, errlen)) != RC_OK)
		return rc;
	/* The recipient's copy first: a self copy alone would show a message nobody got. */
	if (*acked < 1) {
		if ((rc = api_send_one(s, user, sealed->to_recipient, 0, msg_id, err, errlen)) != RC_OK)
			return rc;
		*acked = 1;
	}
	if (sealed->to_self == NULL || *acked >= 2)
		return RC_OK;
	if ((rc = api_send_one(s, user, sealed->to_self, 1, msg_id, err, errlen)) != RC_OK)
		return rc;
	*acked = 2;
	return RC_OK;
}
