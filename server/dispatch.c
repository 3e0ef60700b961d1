#include "config.h"

#include "dispatch.h"

#include <gmp.h>
#include <limits.h>
#include <json-c/printbuf.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "allowed_keys.h"
#include "bigint.h"
#include "bytebuf.h"
#include "errors.h"
#include "fingerprint.h"
#include "jsonx.h"
#include "log.h"
#include "login.h"
#include "protocol.h"
#include "secure.h"

/* An IPv6 address in text (INET6_ADDRSTRLEN is 46), with room to spare. */
#define DISPATCH_PEER_HOST_MAX 64u

static struct json_object *dispatch_ok(struct json_object *data)
{
	struct json_object *o = json_object_new_object();

	if (!o || !data) {
		json_object_put(o);
		json_object_put(data);
		return NULL;
	}
	json_object_object_add(o, "state", json_object_new_string("ok"));
	json_object_object_add(o, "data", data);
	return o;
}

static struct json_object *dispatch_ok_string(const char *text)
{
	return dispatch_ok(json_object_new_string(text));
}

static struct json_object *dispatch_error(const char *text)
{
	struct json_object *o = json_object_new_object();

	if (!o)
		return NULL;
	json_object_object_add(o, "state", json_object_new_string("error"));
	json_object_object_add(o, "error", json_object_new_string(text));
	return o;
}

/* One request on its way through the table: what a handler may use, and
 * what it may change (the identity's cached login and key proof). */
struct dispatch_call {
	struct store *st;
	const struct dispatch_policy *policy;
	struct json_object *req;        /* NULL when not a JSON object */
	struct dispatch_identity *id;
	uint64_t conn_id;
	struct dispatch_answer *answer; /* goodbye's close_after, a wait's park */
};

/* A string member that is present, a string, not empty and without NUL;
 * else NULL. A "\u0000" escape would cut the C string short, silently
 * storing "al" for "al\u0000ice" or delivering to "bob" what was sent to
 * "bob\u0000x" (and PostgreSQL text cannot hold NUL anyway). */
static const char *dispatch_nonempty_string(struct json_object *req, const char *key)
{
	struct json_object *v;
	const char *s = jsonx_get_string(req, key);

	if (!s || !*s || !json_object_object_get_ex(req, key, &v))
		return NULL;
	return strlen(s) == (size_t)json_object_get_string_len(v) ? s : NULL;
}

/* Characters (code points) of valid UTF-8 text. */
static size_t dispatch_utf8_chars(const char *s)
{
	size_t n = 0;

	for (; *s; s++)
		if (((unsigned char)*s & 0xC0) != 0x80)
			n++;
	return n;
}

/* self_copy is read like Python's truthiness, as the original passed the
 * JSON value on without a check: missing/null/false/0/""/[]/{} are false,
 * everything else true. */
static int dispatch_truthy(struct json_object *v)
{
	switch (json_object_get_type(v)) {
	case json_type_null:
		return 0;
	case json_type_boolean:
		return json_object_get_boolean(v);
	case json_type_int:
		return json_object_get_int64(v) != 0;
	case json_type_double:
		return json_object_get_double(v) != 0.0;
	case json_type_string:
		return json_object_get_string_len(v) > 0;
	case json_type_array:
		return json_object_array_length(v) > 0;
	case json_type_object:
		return json_object_object_length(v) > 0;
	}
	return 0;
}

/* The answer to a registered key asking to register: its login rides along. */
static struct json_object *dispatch_already_registered(const char *login)
{
	struct json_object *resp = dispatch_error(PROTO_ERR_ALREADY_REGISTERED);

	if (resp)
		json_object_object_add(resp, "login", json_object_new_string(login));
	return resp;
}

/* The host part of a peer address ("1.2.3.4:5", "[::1]:5"); 0 when there
 * is none to record (an unknown address). */
static int dispatch_peer_host(const char *peer, char *out, size_t outlen)
{
	const char *start = peer, *end = peer ? strrchr(peer, ':') : NULL;

	if (!end || end == peer)
		return 0;
	if (*start == '[' && end[-1] == ']') {
		start++;
		end--;
	}
	if ((size_t)(end - start) >= outlen)
		return 0;
	memcpy(out, start, (size_t)(end - start));
	out[end - start] = '\0';
	return 1;
}

/* A login written without a skeleton (before migration 003, or by the
 * original server beside ours) that looks like the new one. */
struct dispatch_lookalike {
	const char *skeleton;
	int found;
};

static int dispatch_match_skeleton(void *arg, const char *login, const char *unused_e, const char *unused_n)
{
	struct dispatch_lookalike *l = arg;
	char *skeleton = NULL;
	int r = login_skeleton(login, strlen(login), &skeleton);

	(void)unused_e;
	(void)unused_n;
	if (r == RC_OK && strcmp(skeleton, l->skeleton) == 0)
		l->found = 1;
	free(skeleton);
	/* A stored login that is not UTF-8 looks like nothing we could register. */
	return r == RC_ERR_UTF8 ? RC_OK : r;
}

/* The server's rules for new users, before a row is written: *refusal
 * stays NULL when the registration may go on, else it is the error text.
 * from is the registering address, NULL when unknown. */
static int dispatch_check_registration(struct dispatch_call *call, const char *skeleton, const char *from,
                                       const char **refusal)
{
	const struct dispatch_policy *policy = call->policy;
	struct dispatch_lookalike lookalike = { skeleton, 0 };
	long recent;
	int r;

	*refusal = NULL;
	if (policy->registrations_per_hour && from) {
		if ((r = store_count_recent_registrations(call->st, from, &recent)) != RC_OK)
			return r;
		if (recent >= (long)policy->registrations_per_hour) {
			log_info(call->conn_id, "registration refused: %ld registrations from %s in the last hour", recent,
			         from);
			*refusal = PROTO_ERR_TOO_MANY_REGISTRATIONS;
			return RC_OK;
		}
	}
	/* New rows carry their skeleton under a unique index; rows without one
	 * (older rows, and those the original server writes if it runs beside
	 * ours) are compared here, one by one. */
	if ((r = store_list_unskeletoned_logins(call->st, dispatch_match_skeleton, &lookalike)) != RC_OK)
		return r;
	if (lookalike.found)
		*refusal = PROTO_ERR_LOGIN_EXISTS;
	return RC_OK;
}

/* A key may register unless the server's registration is closed to it. */
static int dispatch_key_may_register(struct dispatch_call *call, int *allowed)
{
	*allowed = 1;
	if (!call->policy->allowed_keys)
		return RC_OK;
	return allowed_keys_contains(call->policy->allowed_keys, call->id->e_dec, call->id->n_dec, allowed);
}

/* Refused logins are logged by the rule they break, never by their text. */
static struct json_object *dispatch_refuse_login(struct dispatch_call *call, enum login_problem problem)
{
	log_info(call->conn_id, "registration refused: login with %s", login_problem_text(problem));
	return dispatch_error(PROTO_ERR_INVALID_LOGIN);
}

/* register: the server's rules first (closed registration, the login
 * rules of login.h, the limit per address, look-alikes), then one insert. */
static struct json_object *dispatch_register(struct dispatch_call *call)
{
	struct store *st = call->st;
	struct dispatch_identity *id = call->id;
	const char *login = dispatch_nonempty_string(call->req, "login");
	struct store_registration reg = { NULL, NULL };
	enum login_problem problem;
	char host[DISPATCH_PEER_HOST_MAX], *existing = NULL, *skeleton = NULL;
	const char *refusal = NULL;
	int inserted, allowed, r;

	if (dispatch_key_may_register(call, &allowed) != RC_OK)
		return NULL;
	if (!allowed) {
		log_info(call->conn_id, "registration refused: the key is not in the allowed keys");
		return dispatch_error(PROTO_ERR_REGISTRATION_CLOSED);
	}
	if (!login)
		return dispatch_error(PROTO_ERR_NO_LOGIN);
	if (dispatch_utf8_chars(login) > PROTO_MAX_LOGIN_CHARS)
		return dispatch_error(DISPATCH_ERR_LOGIN_TOO_LONG);
	if ((r = login_check_new(login, strlen(login), &problem)) != RC_OK)
		return r == RC_ERR_NOMEM ? NULL : dispatch_refuse_login(call, problem);
	if (login_skeleton(login, strlen(login), &skeleton) != RC_OK)
		return NULL;
	reg.skeleton = skeleton;
	reg.from = dispatch_peer_host(id->peer, host, sizeof host) ? host : NULL;
	r = dispatch_check_registration(call, skeleton, reg.from, &refusal);
	if (r == RC_OK && !refusal)
		r = store_insert_user(st, login, id->e_dec, id->n_dec, &reg, &inserted);
	free(skeleton);
	if (r == RC_ERR_NOMEM)
		return NULL;
	if (r != RC_OK)
		return dispatch_error(PROTO_ERR_DB_UNAVAILABLE);
	if (refusal)
		return dispatch_error(refusal);
	if (inserted) {
		id->login = strdup(login);
		if (!id->login)
			return NULL;
		log_info(call->conn_id, "registered a new user (%zu characters of login)", dispatch_utf8_chars(login));
		return dispatch_ok_string(PROTO_DATA_WELCOME);
	}
	/* A unique index refused the row: either someone registered this key
	 * in the meantime (another connection, another server), or the login
	 * or one that looks like it is taken. */
	if (store_find_login_by_key(st, id->e_dec, id->n_dec, &existing) != RC_OK)
		return dispatch_error(PROTO_ERR_DB_UNAVAILABLE);
	if (!existing)
		return dispatch_error(PROTO_ERR_LOGIN_EXISTS);
	id->login = existing;
	return dispatch_already_registered(existing);
}

/* A stored key (decimal text) as numbers; RC_ERR_FORMAT, logged, when the
 * database holds something else (the row is then left out of answers). */
static int dispatch_stored_key(const char *e_dec, const char *n_dec, struct rsa_public *k)
{
	if (bigint_from_decimal(k->e, e_dec, strlen(e_dec), PROTO_MAX_KEY_DIGITS) != RC_OK ||
	    bigint_from_decimal(k->n, n_dec, strlen(n_dec), PROTO_MAX_KEY_DIGITS) != RC_OK) {
		log_warn(0, "skipping a user whose stored key is not a decimal number");
		return RC_ERR_FORMAT;
	}
	return RC_OK;
}

/* Appends {"login", then the key as get_users gives it} to the list arg:
 * "open_exponent" and "module", or with want_fingerprint "fingerprint". */
static int dispatch_add_user_entry(struct json_object *list, const char *login, const char *e_dec, const char *n_dec,
                                   int want_fingerprint)
{
	struct json_object *user;
	struct rsa_public k;
	char fp[FINGERPRINT_MAX];
	int r = RC_OK;

	rsa_public_init(&k);
	if (dispatch_stored_key(e_dec, n_dec, &k) != RC_OK)
		goto out;
	if (want_fingerprint && (r = fingerprint_public(&k, fp)) != RC_OK)
		goto out;
	user = json_object_new_object();
	if (!user) {
		r = RC_ERR_NOMEM;
		goto out;
	}
	json_object_object_add(user, "login", json_object_new_string(login));
	if (want_fingerprint) {
		json_object_object_add(user, "fingerprint", json_object_new_string(fp));
	} else {
		json_object_object_add(user, "open_exponent", jsonx_new_bigint(k.e));
		json_object_object_add(user, "module", jsonx_new_bigint(k.n));
	}
	if (json_object_array_add(list, user) != 0) {
		json_object_put(user);
		r = RC_ERR_NOMEM;
	}
out:
	rsa_public_clear(&k);
	return r;
}

static int dispatch_add_user(void *arg, const char *login, const char *e_dec, const char *n_dec)
{
	return dispatch_add_user_entry(arg, login, e_dec, n_dec, 0);
}

static int dispatch_add_user_fingerprint(void *arg, const char *login, const char *e_dec, const char *n_dec)
{
	return dispatch_add_user_entry(arg, login, e_dec, n_dec, 1);
}

/* get_users; with "fingerprints": true (ours) each entry carries the key's
 * fingerprint instead of the key: a twelfth of the bytes to encrypt and for
 * the reader to decrypt, for listings of many users. */
static struct json_object *dispatch_get_users(struct dispatch_call *call)
{
	struct json_object *list = json_object_new_array(), *flag;
	int fingerprints = json_object_object_get_ex(call->req, "fingerprints", &flag) &&
	                   json_object_is_type(flag, json_type_boolean) && json_object_get_boolean(flag);
	int r;

	if (!list)
		return NULL;
	r = store_list_other_users(call->st, call->id->login, fingerprints ? dispatch_add_user_fingerprint : dispatch_add_user,
	                           list);
	if (r != RC_OK) {
		json_object_put(list);
		return r == RC_ERR_DB ? dispatch_error(PROTO_ERR_DB_UNAVAILABLE) : NULL;
	}
	return dispatch_ok(list);
}

/* get_user (ours): one user's key, the cheap alternative to get_users. */
static struct json_object *dispatch_get_user(struct dispatch_call *call)
{
	const char *login = dispatch_nonempty_string(call->req, "login");
	struct json_object *found, *user;
	int r;

	if (!login)
		return dispatch_error(PROTO_ERR_NO_LOGIN);
	found = json_object_new_array();
	if (!found)
		return NULL;
	r = store_get_user(call->st, login, dispatch_add_user, found);
	if (r != RC_OK) {
		json_object_put(found);
		return r == RC_ERR_DB ? dispatch_error(PROTO_ERR_DB_UNAVAILABLE) : NULL;
	}
	user = json_object_get(json_object_array_get_idx(found, 0));
	json_object_put(found);
	return user ? dispatch_ok(user) : dispatch_error(PROTO_ERR_NO_SUCH_USER);
}

/* A history can hold tens of thousands of messages: their JSON text is
 * written straight from the rows instead of through a json-c object per
 * message (about 1 KiB each, 10x the text) serialised afterwards. The text
 * is exactly what json-c would write (JSON_C_TO_STRING_PLAIN |
 * NOSLASHESCAPE, as jsonx_to_string), so answers do not change. */

/* Appends s as a JSON string escaped as json-c escapes it: '"', '\\' and
 * control characters; everything else (UTF-8 included) as it is. */
static int dispatch_append_json_string(struct bytebuf *b, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	const char *run = s;
	int r = bytebuf_put_u8(b, '"');

	for (; r == RC_OK && *s; s++) {
		unsigned char c = (unsigned char)*s;
		char esc[6] = { '\\', 'u', '0', '0', hex[c >> 4], hex[c & 0xF] };
		size_t esc_len = 2;

		if (c >= 0x20 && c != '"' && c != '\\')
			continue;
		switch (c) {
		case '"':
		case '\\':
			esc[1] = (char)c;
			break;
		case '\b':
			esc[1] = 'b';
			break;
		case '\f':
			esc[1] = 'f';
			break;
		case '\n':
			esc[1] = 'n';
			break;
		case '\r':
			esc[1] = 'r';
			break;
		case '\t':
			esc[1] = 't';
			break;
		default:
			esc_len = sizeof esc;
			break;
		}
		if ((r = bytebuf_append(b, run, (size_t)(s - run))) == RC_OK)
			r = bytebuf_append(b, esc, esc_len);
		run = s + 1;
	}
	if (r == RC_OK && (r = bytebuf_append(b, run, (size_t)(s - run))) == RC_OK)
		r = bytebuf_put_u8(b, '"');
	return r;
}

/* One member of a JSON object being written: ,"key": and the value, a
 * string or (number) digits as they are. */
static int dispatch_append_member(struct bytebuf *b, const char *key, const char *value, int number)
{
	int r;

	if ((r = bytebuf_append_str(b, b->data[b->len - 1] == '{' ? "\"" : ",\"")) == RC_OK &&
	    (r = bytebuf_append_str(b, key)) == RC_OK && (r = bytebuf_append_str(b, "\":")) == RC_OK)
		r = number ? bytebuf_append_str(b, value) : dispatch_append_json_string(b, value);
	return r;
}

/* Which members a message of an answer has, in their order. */
enum dispatch_message_shape {
	DISPATCH_MESSAGE_V1,     /* user, created_at, content: get_messages as ever */
	DISPATCH_MESSAGE_PAGE,   /* the same and id: a page of get_messages */
	DISPATCH_MESSAGE_WAIT,   /* id, user, peer, created_at, content: wait_messages */
};

/* The array being written: "[..." and the shape of its elements. */
struct dispatch_message_list {
	struct bytebuf *text;
	enum dispatch_message_shape shape;
	size_t count;
};

/* One message of the array being written into arg (a dispatch_message_list). */
static int dispatch_add_message(void *arg, const struct store_message *m)
{
	struct dispatch_message_list *list = arg;
	struct bytebuf *b = list->text;
	int wait = list->shape == DISPATCH_MESSAGE_WAIT, r;

	if ((r = bytebuf_append_str(b, b->len > 1 ? ",{" : "{")) != RC_OK)
		return r;
	if (wait && (r = dispatch_append_member(b, "id", m->id, 1)) != RC_OK)
		return r;
	if ((r = dispatch_append_member(b, "user", m->sender, 0)) != RC_OK)
		return r;
	if (wait && (r = dispatch_append_member(b, "peer", m->peer, 0)) != RC_OK)
		return r;
	if ((r = dispatch_append_member(b, "created_at", m->created_at, 0)) != RC_OK ||
	    (r = dispatch_append_member(b, "content", m->content, 0)) != RC_OK)
		return r;
	if (list->shape == DISPATCH_MESSAGE_PAGE && (r = dispatch_append_member(b, "id", m->id, 1)) != RC_OK)
		return r;
	list->count++;
	return bytebuf_put_u8(b, '}');
}

/* A v1 history row, written like the others. */
static int dispatch_add_history_message(void *arg, const char *sender, const char *created_at, const char *content)
{
	const struct store_message m = { NULL, sender, NULL, created_at, content };

	return dispatch_add_message(arg, &m);
}

/* The array's serialiser: its prepared text (the userdata). */
static int dispatch_write_text(struct json_object *jso, struct printbuf *pb, int level, int flags)
{
	const struct bytebuf *b = json_object_get_userdata(jso);

	(void)level;
	(void)flags;
	return printbuf_memappend(pb, (const char *)b->data, (int)b->len) < 0 ? -1 : 0;
}

static void dispatch_free_text(struct json_object *jso, void *userdata)
{
	(void)jso;
	bytebuf_free(userdata);
	free(userdata);
}

/* What fills a message list: one store query. */
typedef int (*dispatch_fill_fn)(struct dispatch_call *call, const void *query, struct dispatch_message_list *list);

/* The answer holding the messages fill writes (*count of them, count may
 * be NULL), or the error it met. */
static struct json_object *dispatch_message_answer(struct dispatch_call *call, enum dispatch_message_shape shape,
                                                   dispatch_fill_fn fill, const void *query, size_t *count)
{
	struct dispatch_message_list list = { malloc(sizeof *list.text), shape, 0 };
	struct json_object *array;
	int r;

	if (!list.text)
		return NULL;
	/* printbuf_memappend takes an int length. */
	bytebuf_init(list.text, INT_MAX - 1);
	r = bytebuf_put_u8(list.text, '[');
	if (r == RC_OK)
		r = fill(call, query, &list);
	if (r == RC_OK)
		r = bytebuf_put_u8(list.text, ']');
	array = r == RC_OK ? json_object_new_array() : NULL;
	if (!array) {
		dispatch_free_text(NULL, list.text);
		return r == RC_ERR_DB ? dispatch_error(PROTO_ERR_DB_UNAVAILABLE) : NULL;
	}
	if (count)
		*count = list.count;
	/* Still an array to whoever inspects it; serialised, the messages. */
	json_object_set_serializer(array, dispatch_write_text, list.text, dispatch_free_text);
	return dispatch_ok(array);
}

/* A member of the sync extension: absent (*present 0, *value dflt), or a
 * JSON integer in [min, max]; 0 when it is something else ("bad page"). */
static int dispatch_bounded_int(struct json_object *req, const char *key, int64_t min, int64_t max, int64_t dflt,
                                int *present, int64_t *value)
{
	struct json_object *v;

	*present = json_object_object_get_ex(req, key, &v);
	*value = dflt;
	if (!*present)
		return 1;
	if (!json_object_is_type(v, json_type_int))
		return 0;
	*value = json_object_get_int64(v);
	return *value >= min && *value <= max;
}

/* get_messages' page: the conversation and the range. */
struct dispatch_page_query {
	const char *other;
	struct store_page page;
};

static int dispatch_fill_history(struct dispatch_call *call, const void *query, struct dispatch_message_list *list)
{
	return store_list_history(call->st, call->id->login, query, dispatch_add_history_message, list);
}

static int dispatch_fill_page(struct dispatch_call *call, const void *query, struct dispatch_message_list *list)
{
	const struct dispatch_page_query *q = query;

	return store_list_page(call->st, call->id->login, q->other, &q->page, dispatch_add_message, list);
}

/* Reads before_id, after_id and limit: 1 and *paged when any is there,
 * 0 when one is out of bounds. */
static int dispatch_read_page(struct json_object *req, struct store_page *page, int *paged)
{
	int has_after, has_before, has_limit;
	int64_t limit;

	if (!dispatch_bounded_int(req, "after_id", 0, PROTO_PAGE_MAX_ID, 0, &has_after, &page->after_id) ||
	    !dispatch_bounded_int(req, "before_id", 0, PROTO_PAGE_MAX_ID, PROTO_PAGE_MAX_ID + 1, &has_before,
	                          &page->before_id) ||
	    !dispatch_bounded_int(req, "limit", 1, PROTO_PAGE_MAX_LIMIT, PROTO_PAGE_DEFAULT_LIMIT, &has_limit, &limit))
		return 0;
	page->limit = (int)limit;
	page->oldest_first = has_after && !has_before;
	*paged = has_after || has_before || has_limit;
	return 1;
}

/* Without before_id, after_id and limit, exactly v1's answer; with any of
 * them a page (the sync extension), each message with its id. */
static struct json_object *dispatch_get_messages(struct dispatch_call *call)
{
	struct dispatch_page_query q = { dispatch_nonempty_string(call->req, "user"), { 0, 0, 0, 0 } };
	int exists, paged;

	if (!q.other)
		return dispatch_error(PROTO_ERR_NO_USER);
	if (!dispatch_read_page(call->req, &q.page, &paged))
		return dispatch_error(PROTO_ERR_BAD_PAGE);
	if (store_user_exists(call->st, q.other, &exists) != RC_OK)
		return dispatch_error(PROTO_ERR_DB_UNAVAILABLE);
	if (!exists)
		return dispatch_error(PROTO_ERR_NO_SUCH_USER);
	if (paged)
		return dispatch_message_answer(call, DISPATCH_MESSAGE_PAGE, dispatch_fill_page, &q, NULL);
	return dispatch_message_answer(call, DISPATCH_MESSAGE_V1, dispatch_fill_history, q.other, NULL);
}

/* The messages for me after the wait's after_id. */
static int dispatch_fill_inbox(struct dispatch_call *call, const void *query, struct dispatch_message_list *list)
{
	const struct dispatch_wait *w = query;

	return store_list_inbox(call->st, call->id->login, w->after_id, w->limit, dispatch_add_message, list);
}

/* wait_messages (the sync extension): every message for me after
 * after_id, or none yet: parked (dispatch.h), unless the time is up. */
static struct json_object *dispatch_wait_messages(struct dispatch_call *call)
{
	struct dispatch_wait w;
	struct json_object *resp;
	int64_t after, limit, timeout;
	size_t count = 0;
	int has_after, present;

	/* Longer waits are the server's bound, not an error. */
	if (!dispatch_bounded_int(call->req, "after_id", 0, PROTO_PAGE_MAX_ID, 0, &has_after, &after) || !has_after ||
	    !dispatch_bounded_int(call->req, "limit", 1, PROTO_PAGE_MAX_LIMIT, PROTO_PAGE_DEFAULT_LIMIT, &present,
	                          &limit) ||
	    !dispatch_bounded_int(call->req, "timeout_ms", 0, INT64_MAX, PROTO_WAIT_DEFAULT_MS, &present, &timeout))
		return dispatch_error(PROTO_ERR_BAD_PAGE);
	w.after_id = after;
	w.limit = (int)limit;
	w.timeout_ms = timeout > PROTO_WAIT_MAX_MS ? PROTO_WAIT_MAX_MS : (int)timeout;
	resp = dispatch_message_answer(call, DISPATCH_MESSAGE_WAIT, dispatch_fill_inbox, &w, &count);
	if (!resp || count > 0 || w.timeout_ms == 0 || !json_object_object_get_ex(resp, "data", NULL))
		return resp;
	json_object_put(resp);
	call->answer->parked = 1;
	call->answer->wait = w;
	return NULL;
}

/* last_message_id (the sync extension): where "now" is for a new waiter. */
static struct json_object *dispatch_last_message_id(struct dispatch_call *call)
{
	int64_t id;

	if (store_last_message_id(call->st, call->id->login, &id) != RC_OK)
		return dispatch_error(PROTO_ERR_DB_UNAVAILABLE);
	return dispatch_ok(json_object_new_int64(id));
}

int dispatch_wait_request(const struct dispatch_wait *wait, int timeout_ms, struct json_object **req)
{
	struct json_object *o = json_object_new_object();

	*req = NULL;
	if (!o)
		return RC_ERR_NOMEM;
	json_object_object_add(o, "cmd", json_object_new_string(PROTO_CMD_WAIT_MESSAGES));
	json_object_object_add(o, "after_id", json_object_new_int64(wait->after_id));
	json_object_object_add(o, "limit", json_object_new_int(wait->limit));
	json_object_object_add(o, "timeout_ms", json_object_new_int(timeout_ms));
	*req = o;
	return RC_OK;
}

struct json_object *dispatch_no_messages(void)
{
	return dispatch_ok(json_object_new_array());
}

/* A msg_id of 1..PROTO_MSG_ID_MAX of [A-Za-z0-9_-]: safe in any log line,
 * file name or shell word, and short enough for the unique index. */
static int dispatch_msg_id_ok(struct json_object *v)
{
	const char *s;
	size_t len;

	if (!json_object_is_type(v, json_type_string))
		return 0;
	s = json_object_get_string(v);
	len = (size_t)json_object_get_string_len(v);
	if (len < 1 || len > PROTO_MSG_ID_MAX || strlen(s) != len)
		return 0;
	return strspn(s, PROTO_MSG_ID_CHARS) == len;
}

/* A message to oneself is stored like any other (the original does the
 * same: the receiver exists); get_messages with oneself shows it once.
 * A msg_id (the exactly-once extension, common/protocol.h) makes a retry
 * of a stored message answer "sent" without storing it again. */
static struct json_object *dispatch_send_message(struct dispatch_call *call)
{
	struct store_outgoing m = { call->id->login, dispatch_nonempty_string(call->req, "user"),
	                            dispatch_nonempty_string(call->req, "content"), 0, NULL };
	struct json_object *self_copy = NULL, *msg_id = NULL;
	enum store_send_outcome outcome;

	if (!m.receiver || !m.content)
		return dispatch_error(PROTO_ERR_NO_USER_OR_CONTENT);
	if (json_object_object_get_ex(call->req, PROTO_FIELD_MSG_ID, &msg_id)) {
		if (!dispatch_msg_id_ok(msg_id))
			return dispatch_error(PROTO_ERR_BAD_MSG_ID);
		m.msg_id = json_object_get_string(msg_id);
	}
	json_object_object_get_ex(call->req, "self_copy", &self_copy);
	m.self_copy = dispatch_truthy(self_copy);
	if (store_insert_message(call->st, &m, &outcome) != RC_OK)
		return dispatch_error(PROTO_ERR_DB_UNAVAILABLE);
	switch (outcome) {
	case STORE_SEND_NO_RECEIVER:
		return dispatch_error(PROTO_ERR_NO_SUCH_USER);
	case STORE_SEND_REUSED:
		return dispatch_error(PROTO_ERR_MSG_ID_REUSED);
	case STORE_SEND_STORED:
	case STORE_SEND_DUPLICATE:
		break;
	}
	return dispatch_ok_string(PROTO_DATA_SENT);
}

/* The key proof extension (ours, opt-in; wire-protocol.md section 6, "no
 * proof of key possession"). Version 1 takes the presented public key as
 * the identity, and public keys are public (get_users), so anyone may
 * present another user's key and act as that user, blind to the answers.
 *
 *   {"cmd": "key_challenge"}
 *       -> {"state": "ok", "data": "<64 lowercase hex digits>",
 *       "filler": "<random hex digits>"}: 32 random bytes the connection
 *       remembers (one outstanding challenge; a new key_challenge replaces
 *       it). The answer is encrypted for the presented key like every
 *       response: only the holder of the private key can read it.
 *       Textbook RSA leaves a short plaintext m open when m^e < n (with
 *       e = 3 and a modulus over about 2,100 bits, the integer cube root of
 *       the block is the answer): the filler, as many random hex digits as
 *       the modulus has decimal digits (more than it has bytes), makes
 *       every chunk that holds a digit of the challenge a full chunk, and
 *       mostly random, whatever the chunk size.
 *   {"cmd": "key_proof", "challenge": "<hex>"}
 *       -> {"state": "ok", "data": "proven"} when it is the outstanding
 *       challenge (compared in constant time), and the connection is
 *       proven for good; else {"state": "error", "error": "wrong
 *       challenge"}. The challenge is used up either way: one guess each.
 *
 * Both are answered for anyone, before the auth rules (like ping). With
 * --require-key-proof, every command of the table that is not for anyone
 * (the ones acting as the key's user) from a connection that has not
 * proven its key gets "key proof required"; ping, goodbye and the two
 * commands above always work. Without it the two commands work and
 * nothing else changes. A client tells a server without the extension by
 * its answer to key_challenge: "no auth" or "incorrect cmd", the usual
 * errors for an unknown command. */

/* The filler of a key_challenge answer: random hex, at least len digits. */
static struct json_object *dispatch_new_filler(size_t len)
{
	size_t bytes = (len + 1) / 2;
	uint8_t *random = malloc(bytes);
	char *hex = malloc(2 * bytes + 1);
	struct json_object *filler = NULL;

	if (random && hex) {
		secure_random(random, bytes);
		sodium_bin2hex(hex, 2 * bytes + 1, random, bytes);
		filler = json_object_new_string(hex);
	}
	free(random);
	free(hex);
	return filler;
}

static struct json_object *dispatch_key_challenge(struct dispatch_call *call)
{
	struct dispatch_key_proof *proof = &call->id->proof;
	char hex[2 * PROTO_KEY_CHALLENGE_BYTES + 1];
	struct json_object *resp, *filler;

	secure_random(proof->challenge, sizeof proof->challenge);
	proof->challenge_pending = 1;
	sodium_bin2hex(hex, sizeof hex, proof->challenge, sizeof proof->challenge);
	resp = dispatch_ok_string(hex);
	secure_wipe(hex, sizeof hex);
	filler = resp ? dispatch_new_filler(strlen(call->id->n_dec)) : NULL;
	if (!filler) {
		json_object_put(resp);
		return NULL;
	}
	json_object_object_add(resp, "filler", filler);
	return resp;
}

static struct json_object *dispatch_key_proof(struct dispatch_call *call)
{
	struct dispatch_key_proof *proof = &call->id->proof;
	const char *hex = dispatch_nonempty_string(call->req, "challenge");
	uint8_t got[PROTO_KEY_CHALLENGE_BYTES];
	size_t got_len = 0;
	const char *end = NULL;
	int match = 0;

	if (proof->challenge_pending && hex && strlen(hex) == 2 * sizeof got &&
	    sodium_hex2bin(got, sizeof got, hex, strlen(hex), NULL, &got_len, &end) == 0 && got_len == sizeof got &&
	    *end == '\0')
		match = sodium_memcmp(got, proof->challenge, sizeof got) == 0;
	proof->challenge_pending = 0;
	secure_wipe(proof->challenge, sizeof proof->challenge);
	secure_wipe(got, sizeof got);
	if (!match) {
		log_info(call->conn_id, "key proof failed: not the outstanding challenge");
		return dispatch_error(PROTO_ERR_WRONG_CHALLENGE);
	}
	proof->proven = 1;
	log_debug(call->conn_id, "the client proved it holds its key");
	return dispatch_ok_string(PROTO_DATA_PROVEN);
}

static struct json_object *dispatch_ping(struct dispatch_call *call)
{
	(void)call;
	return dispatch_ok_string(PROTO_DATA_PONG);
}

static struct json_object *dispatch_goodbye(struct dispatch_call *call)
{
	call->answer->close_after = 1;
	return dispatch_ok_string(PROTO_DATA_GOODBYE);
}

/* Who may call a command. */
enum dispatch_caller {
	DISPATCH_ANYONE,      /* answered first, without the database */
	DISPATCH_ANONYMOUS,   /* a key without a login; a registered one gets "already registered" */
	DISPATCH_REGISTERED,  /* a key with a login; an anonymous one gets "no auth" */
};

struct dispatch_command {
	const char *name;
	enum dispatch_caller caller;
	struct json_object *(*handler)(struct dispatch_call *call);
};

/* The command table (wire-protocol.md section 5, and our extensions). A
 * request whose cmd is not here is unknown: "no auth" while anonymous,
 * "incorrect cmd" once registered. */
static const struct dispatch_command dispatch_commands[] = {
	{ PROTO_CMD_PING, DISPATCH_ANYONE, dispatch_ping },
	{ PROTO_CMD_GOODBYE, DISPATCH_ANYONE, dispatch_goodbye },
	{ PROTO_CMD_KEY_CHALLENGE, DISPATCH_ANYONE, dispatch_key_challenge },
	{ PROTO_CMD_KEY_PROOF, DISPATCH_ANYONE, dispatch_key_proof },
	{ PROTO_CMD_REGISTER, DISPATCH_ANONYMOUS, dispatch_register },
	{ PROTO_CMD_GET_USERS, DISPATCH_REGISTERED, dispatch_get_users },
	{ PROTO_CMD_GET_USER, DISPATCH_REGISTERED, dispatch_get_user },
	{ PROTO_CMD_GET_MESSAGES, DISPATCH_REGISTERED, dispatch_get_messages },
	{ PROTO_CMD_SEND_MESSAGE, DISPATCH_REGISTERED, dispatch_send_message },
	{ PROTO_CMD_WAIT_MESSAGES, DISPATCH_REGISTERED, dispatch_wait_messages },
	{ PROTO_CMD_LAST_MESSAGE_ID, DISPATCH_REGISTERED, dispatch_last_message_id },
};

/* The table's entry for a request, or NULL when it is not an object with
 * a string cmd of the table. */
static const struct dispatch_command *dispatch_find(struct json_object *req)
{
	const char *cmd = req ? jsonx_get_string(req, "cmd") : NULL;

	for (size_t i = 0; cmd && i < sizeof dispatch_commands / sizeof dispatch_commands[0]; i++)
		if (strcmp(cmd, dispatch_commands[i].name) == 0)
			return &dispatch_commands[i];
	return NULL;
}

/* Finds the login of a connection that has none cached yet (the key may
 * have been registered since, through another connection). */
static int dispatch_resolve_identity(struct store *st, struct dispatch_identity *id)
{
	if (id->login)
		return RC_OK;
	return store_find_login_by_key(st, id->e_dec, id->n_dec, &id->login);
}

/* The answer for a caller the command is not for. */
static struct json_object *dispatch_refuse(const struct dispatch_command *c, const struct dispatch_identity *id)
{
	if (!id->login)
		return dispatch_error(PROTO_ERR_NO_AUTH);
	if (c && c->caller == DISPATCH_ANONYMOUS)
		return dispatch_already_registered(id->login);
	return dispatch_error(PROTO_ERR_INCORRECT_CMD);
}

int dispatch_needs_store(const struct dispatch_policy *policy, struct json_object *req,
                         const struct dispatch_identity *id)
{
	const struct dispatch_command *c = dispatch_find(json_object_is_type(req, json_type_object) ? req : NULL);

	if (c && c->caller == DISPATCH_ANYONE)
		return 0;
	return !(c && policy->require_key_proof && !id->proof.proven);
}

int dispatch_request(struct store *st, const struct dispatch_policy *policy, struct json_object *req,
                     struct dispatch_identity *id, uint64_t conn_id, struct dispatch_answer *out)
{
	struct dispatch_call call = { st, policy, NULL, id, conn_id, out };
	const struct dispatch_command *c;
	struct json_object *resp;

	memset(out, 0, sizeof *out);
	if (json_object_is_type(req, json_type_object))
		call.req = req;
	c = dispatch_find(call.req);
	if (c && c->caller == DISPATCH_ANYONE)
		resp = c->handler(&call);
	else if (c && policy->require_key_proof && !id->proof.proven)
		resp = dispatch_error(PROTO_ERR_KEY_PROOF_REQUIRED);
	else if (dispatch_resolve_identity(st, id) != RC_OK)
		resp = dispatch_error(PROTO_ERR_DB_UNAVAILABLE);
	else if (c && (c->caller == DISPATCH_REGISTERED) == (id->login != NULL))
		resp = c->handler(&call);
	else
		resp = dispatch_refuse(c, id);
	out->resp = resp;
	return resp || out->parked ? RC_OK : RC_ERR_NOMEM;
}
