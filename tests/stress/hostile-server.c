/* hostile-server: a fake rsa-chat server that answers the real client with
 * what a broken or malicious server might send, for tests/stress/
 * hostile-client.sh.
 *
 *   hostile-server --key FILE --port-file FILE [--handshake KIND]
 *                  [--challenge ACTION] [--inject KINDS] [--swap-key LOGIN:KEYFILE]
 *                  [--fail-pages LOGIN:N]
 *                  ACTION...
 *
 * Listens on 127.0.0.1 (a free port, written to --port-file once ready) and
 * serves connections one after another until killed. The handshake sends
 * our key (KIND "normal"), or instead: "huge" (an e frame announcing 4 GiB),
 * "small-key" (a 256-bit modulus) or "garbage" (an HTTP response). Then the n-th request of a
 * connection gets the n-th ACTION (the last one repeats):
 *   json:TEXT      TEXT encrypted for the client's key (any text, any shape)
 *   huge-count     a blocks frame announcing 2^32-1 blocks
 *   huge-block     one block announcing 2^32-1 bytes
 *   truncated      one block announcing 100 MB, 10 bytes of it, then close
 *   block-too-big  one block holding a number above the client's modulus
 *   not-utf8       blocks below the modulus that decrypt to bytes that are
 *                  not UTF-8 (0xff 0xfe ...)
 *   close          no answer: the connection is closed
 *   block-bomb:N   N one-byte blocks (a decryption bomb: each costs the
 *                  client a private-key operation)
 *   dense-bomb:N   N blocks of half the client's modulus length, each below
 *                  it: plausible in size, too many to decrypt in time
 *   history-bomb   a get_messages answer from "bob": "before", a content of
 *                  110,000 one-byte blocks, one of 200 half-modulus blocks,
 *                  "after" (the two honest ones encrypted for the client)
 *   store:N        (first action, instead of the others) a well-behaved
 *                  server of the sync extension (issue 12) holding a
 *                  conversation of N messages with "bob" (every 7th our own
 *                  self copy): register, get_users (bob, carol), get_messages
 *                  (paged or whole), wait_messages, last_message_id,
 *                  send_message (to bob: our self copies join the
 *                  conversation), goodbye; each request is logged to stderr
 *   store-v1:N     the same conversation served by an original (v1) server:
 *                  "incorrect cmd" to the extension's commands, pages ignored
 * A wait_messages that finds nothing new is parked (logged "parked: ...")
 * until its timeout, or until the client sends anything: then, as the
 * extension's spec says, it is answered [] first (logged "unparked: ...")
 * and the new request after it.
 * With --inject KIND[,KIND...] (store), messages follow the N in bob's
 * conversation, each in turn (format v2: common/msgv2.h; bob's and carol's
 * keys are this server's, so it can sign as either):
 *   v2             a valid v2 message from bob to us ("v2 from bob")
 *   v1             a v1 message from bob without the capability marker
 *                  ("v1 from bob"), as the original client writes
 *   v2-forged      "from bob" in v2, signed by another key ("forged v2")
 *   v2-passed-on   bob's v2 message for carol, decrypted with carol's key
 *                  and encrypted again for us ("bob to carol")
 *   from-carol     a v1 message listed with sender carol in bob's
 *                  conversation ("carol in bob's conversation")
 * With --swap-key LOGIN:KEYFILE, the store hands out the public key of
 * KEYFILE for LOGIN (one of its users) instead of the true one, as a server
 * swapping a contact's key would (issue 13); each SIGUSR1 turns the swap
 * off or on again, so a client can meet both keys on one server address.
 * With --fail-pages LOGIN:N, the store answers the first N get_messages of
 * LOGIN's conversation "database unavailable", as a server whose database
 * is away for a moment does.
 * With --arrive K, K more messages from bob arrive one at a time: under
 * store, each one a moment into a parked wait_messages that nothing
 * interrupts; under store-v1, one at each get_messages of bob after the first.
 * The client's proof of key possession (key_challenge, key_proof) gets
 * --challenge ACTION instead, by default the original server's
 * "incorrect cmd", so the actions meet the commands themselves.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <gmp.h>
#include <poll.h>
#include <signal.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <unistd.h>

#include "bigint.h"
#include "blocklist.h"
#include "content.h"
#include "errors.h"
#include "frame.h"
#include "jsonx.h"
#include "keyfile.h"
#include "msgv2.h"
#include "rsa.h"
#include "secure.h"
#include "stresslib.h"
#include "tests/lib/reseal.h"
#include "tests/lib/testnet.h"
#include "wire.h"

#define HS_READ_LIMIT (1u << 22)
/* Bomb blocks are at most half of a 16384-bit modulus. */
#define HS_MAX_BOMB_BLOCK 1024u
/* The store's limits, as the extension's spec gives them. */
#define HS_PAGE_MAX 500
#define HS_PAGE_DEFAULT 100
#define HS_WAIT_MAX_MS 60000
/* How far into a wait an --arrive message comes. */
#define HS_ARRIVE_AFTER_MS 300

/* Sends what it can: a client that gave up early is fine. */
static void hs_send(int fd, const void *p, size_t n)
{
	(void)testnet_send_all(fd, p, n);
}

static int hs_read_frame(int fd, enum frame_kind kind, struct blocklist *out)
{
	static const struct frame_limits limits = { HS_READ_LIMIT, 4096, HS_READ_LIMIT };

	return testnet_read_frame(fd, kind, &limits, out);
}

static void hs_send_number(int fd, const mpz_t v)
{
	struct bytebuf f;

	bytebuf_init(&f, BYTEBUF_UNBOUNDED);
	if (testnet_frame_number(&f, v) != RC_OK)
		stress_die("out of memory");
	hs_send(fd, f.data, f.len);
	bytebuf_free(&f);
}

/* Our side of the handshake; 0 when the client's key should follow. */
static int hs_handshake(int fd, const char *kind, const struct rsa_private *key)
{
	if (strcmp(kind, "normal") == 0) {
		hs_send_number(fd, key->pub.e);
		hs_send_number(fd, key->pub.n);
		return 0;
	}
	if (strcmp(kind, "huge") == 0) {
		static const uint8_t huge[8] = { 0xff, 0xff, 0xff, 0xff, 1, 2, 3, 4 };

		hs_send(fd, huge, sizeof huge);
	} else if (strcmp(kind, "small-key") == 0) {
		mpz_t e, n;

		mpz_init_set_ui(e, 65537);
		mpz_init(n);
		mpz_ui_pow_ui(n, 2, 255);
		mpz_add_ui(n, n, 297);
		hs_send_number(fd, e);
		hs_send_number(fd, n);
		mpz_clears(e, n, NULL);
		return 0;
	} else if (strcmp(kind, "garbage") == 0) {
		/* A web server, say: "HTTP" read as a length is 1.3 GB. */
		static const char http[] = "HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n";

		hs_send(fd, http, sizeof http - 1);
	} else {
		stress_die("unknown handshake %s", kind);
	}
	return -1;
}

/* One block that is a number: its minimal bytes. */
static void hs_push_number(struct blocklist *blocks, const mpz_t v)
{
	struct bytebuf b;

	bytebuf_init(&b, BYTEBUF_UNBOUNDED);
	if (bigint_append(&b, v) != RC_OK || blocklist_push(blocks, b.data, b.len) != RC_OK)
		stress_die("out of memory");
	bytebuf_free(&b);
}

/* count blocks of block_len bytes 0x01 0x02 ... (below the client's modulus
 * when block_len is at most half its length). */
static void hs_push_bomb(struct blocklist *blocks, size_t count, size_t block_len)
{
	uint8_t block[HS_MAX_BOMB_BLOCK];

	if (block_len > sizeof(block))
		stress_die("bomb blocks of %zu bytes: at most %zu", block_len, sizeof(block));
	for (size_t i = 0; i < block_len; i++)
		block[i] = (uint8_t)(1 + i % 200);
	for (size_t i = 0; i < count; i++)
		if (blocklist_push(blocks, block, block_len) != RC_OK)
			stress_die("out of memory");
}

/* One get_messages entry from bob with the given content. */
static void hs_add_message(struct json_object *list, const char *created_at, const char *content)
{
	struct json_object *m = json_object_new_object();

	if (m == NULL || json_object_object_add(m, "user", json_object_new_string("bob")) != 0 ||
	    json_object_object_add(m, "created_at", json_object_new_string(created_at)) != 0 ||
	    json_object_object_add(m, "content", json_object_new_string(content)) != 0 ||
	    json_object_array_add(list, m) != 0)
		stress_die("out of memory");
}

/* The content string (a JSON list of base64 strings) of blocks. */
static char *hs_bomb_content(const struct blocklist *blocks)
{
	struct json_object *list = json_object_new_array();
	char b64[sodium_base64_ENCODED_LEN(HS_MAX_BOMB_BLOCK, sodium_base64_VARIANT_ORIGINAL)];
	char *content;

	for (size_t i = 0; list != NULL && i < blocks->count; i++) {
		sodium_bin2base64(b64, sizeof(b64), blocks->v[i].data, blocks->v[i].len, sodium_base64_VARIANT_ORIGINAL);
		if (json_object_array_add(list, json_object_new_string(b64)) != 0)
			stress_die("out of memory");
	}
	if (list == NULL || (content = strdup(json_object_to_json_string_ext(list, JSON_C_TO_STRING_PLAIN))) == NULL)
		stress_die("out of memory");
	json_object_put(list);
	return content;
}

/* The JSON text of history-bomb's get_messages answer for client. */
static char *hs_history_bomb(const struct rsa_public *client)
{
	struct json_object *answer = json_object_new_object(), *list = json_object_new_array();
	struct blocklist tiny, dense;
	char *before = NULL, *after = NULL, *tiny_content, *dense_content, *text;

	blocklist_init(&tiny);
	blocklist_init(&dense);
	hs_push_bomb(&tiny, 110000, 1);
	hs_push_bomb(&dense, 200, rsa_modulus_bytes(client) / 2);
	tiny_content = hs_bomb_content(&tiny);
	dense_content = hs_bomb_content(&dense);
	if (answer == NULL || list == NULL ||
	    content_encode(client, "before", 6, rsa_chunk_original(client), &before) != RC_OK ||
	    content_encode(client, "after", 5, rsa_chunk_original(client), &after) != RC_OK)
		stress_die("cannot encrypt");
	hs_add_message(list, "2026-11-24T10:00:00.000001", before);
	hs_add_message(list, "2026-11-24T10:00:01.000001", tiny_content);
	hs_add_message(list, "2026-11-24T10:00:02.000001", dense_content);
	hs_add_message(list, "2026-11-24T10:00:03.000001", after);
	if (json_object_object_add(answer, "state", json_object_new_string("ok")) != 0 ||
	    json_object_object_add(answer, "data", list) != 0 ||
	    (text = strdup(json_object_to_json_string_ext(answer, JSON_C_TO_STRING_PLAIN))) == NULL)
		stress_die("out of memory");
	json_object_put(answer);
	blocklist_free(&tiny);
	blocklist_free(&dense);
	free(before);
	free(after);
	free(tiny_content);
	free(dense_content);
	return text;
}

/* Answers one request; 0 to read the next request, -1 to close. */
static int hs_answer(int fd, const char *action, const struct rsa_public *client)
{
	struct bytebuf out;
	struct blocklist blocks;
	int keep = 0;

	bytebuf_init(&out, BYTEBUF_UNBOUNDED);
	blocklist_init(&blocks);
	if (strncmp(action, "json:", 5) == 0) {
		if (wire_seal(client, rsa_chunk_original(client), action + 5, strlen(action + 5), &out) != RC_OK)
			stress_die("cannot encrypt %s", action);
	} else if (strcmp(action, "huge-count") == 0) {
		if (bytebuf_put_u32le(&out, 0xffffffffu) != RC_OK)
			stress_die("out of memory");
		keep = -1;
	} else if (strcmp(action, "huge-block") == 0) {
		if (bytebuf_put_u32le(&out, 1) != RC_OK || bytebuf_put_u32le(&out, 0xffffffffu) != RC_OK)
			stress_die("out of memory");
		keep = -1;
	} else if (strcmp(action, "truncated") == 0) {
		if (bytebuf_put_u32le(&out, 1) != RC_OK || bytebuf_put_u32le(&out, 100u * 1024u * 1024u) != RC_OK ||
		    bytebuf_append(&out, "0123456789", 10) != RC_OK)
			stress_die("out of memory");
		keep = -1;
	} else if (strcmp(action, "block-too-big") == 0) {
		mpz_t v;

		mpz_init(v);
		mpz_mul_ui(v, client->n, 3);
		hs_push_number(&blocks, v);
		mpz_clear(v);
	} else if (strcmp(action, "not-utf8") == 0) {
		mpz_t m, c;

		/* 0xff 0xfe 0xfd ...: never UTF-8, whatever the chunking. */
		mpz_init(m);
		mpz_init(c);
		for (unsigned i = 0; i < 8; i++) {
			mpz_mul_2exp(m, m, 8);
			mpz_add_ui(m, m, 0xff - i);
		}
		rsa_public_op(c, m, client);
		hs_push_number(&blocks, c);
		hs_push_number(&blocks, c);
		mpz_clears(m, c, NULL);
	} else if (strcmp(action, "close") == 0) {
		keep = -1;
	} else if (strncmp(action, "block-bomb:", 11) == 0) {
		/* Written straight out: millions of blocks, no list of them. */
		unsigned long n = strtoul(action + 11, NULL, 10);

		if (bytebuf_put_u32le(&out, (uint32_t)n) != RC_OK)
			stress_die("out of memory");
		for (unsigned long i = 0; i < n; i++)
			if (bytebuf_put_u32le(&out, 1) != RC_OK || bytebuf_put_u8(&out, 2) != RC_OK)
				stress_die("out of memory");
	} else if (strncmp(action, "dense-bomb:", 11) == 0) {
		hs_push_bomb(&blocks, strtoul(action + 11, NULL, 10), rsa_modulus_bytes(client) / 2);
	} else if (strcmp(action, "history-bomb") == 0) {
		char *text = hs_history_bomb(client);

		if (wire_seal(client, rsa_chunk_original(client), text, strlen(text), &out) != RC_OK)
			stress_die("cannot encrypt the history");
		free(text);
	} else {
		stress_die("unknown action %s", action);
	}
	if (blocks.count && frame_write_blocks(&out, &blocks) != RC_OK)
		stress_die("out of memory");
	hs_send(fd, out.data, out.len);
	blocklist_free(&blocks);
	bytebuf_free(&out);
	return keep;
}

/* The client's proof of key possession (key_challenge, key_proof) is
 * answered apart, so the actions meet the commands themselves. */
static int hs_is_key_proof(const struct blocklist *request, const struct rsa_private *key)
{
	struct json_object *req = NULL;
	const char *cmd;
	char *text = NULL;
	size_t len;
	int yes = 0;

	if (wire_open(key, request, HS_READ_LIMIT, &text, &len) == RC_OK && jsonx_parse(text, len, &req) == RC_OK &&
	    (cmd = jsonx_get_string(req, "cmd")) != NULL)
		yes = strncmp(cmd, "key_", 4) == 0;
	json_object_put(req);
	free(text);
	return yes;
}

/* ---- store: a well-behaved server of the sync extension ---- */

struct hs_message {
	uint64_t id;
	int self_copy; /* ours, to bob; else bob's to us */
	const char *sender; /* as listed: "me" for our self copies */
	char created_at[40];
	char *content;
};

struct hs_store {
	int v1;
	struct hs_message *v;
	size_t count, cap;
	unsigned arrivals_left;
	unsigned bob_asked;
	const struct rsa_public *client;
	const struct rsa_private *key;
};

/* Appends message id (count + 1): content, or when NULL a text of its own
 * encrypted for the client (every 7th our self copy). */
static void hs_store_add(struct hs_store *st, const char *content)
{
	struct hs_message *m;
	uint64_t id = st->count + 1;
	char text[64];

	if (st->count == st->cap) {
		st->cap = st->cap ? 2 * st->cap : 64;
		if ((st->v = realloc(st->v, st->cap * sizeof(*st->v))) == NULL)
			stress_die("out of memory");
	}
	m = &st->v[st->count++];
	m->id = id;
	m->self_copy = content != NULL || id % 7 == 0;
	m->sender = m->self_copy ? "me" : "bob";
	snprintf(m->created_at, sizeof m->created_at, "2026-11-24T%02u:%02u:%02u.%06u", (unsigned)(10 + id / 3600 % 12),
	         (unsigned)(id / 60 % 60), (unsigned)(id % 60), (unsigned)id);
	snprintf(text, sizeof text, "message %llu%s", (unsigned long long)id, m->self_copy ? " (mine)" : "");
	if (content != NULL)
		m->content = strdup(content);
	else if (content_encode(st->client, text, strlen(text), rsa_chunk_original(st->client), &m->content) != RC_OK)
		stress_die("cannot encrypt");
	if (m->content == NULL)
		stress_die("out of memory");
}

static void hs_store_free(struct hs_store *st)
{
	for (size_t i = 0; i < st->count; i++)
		free(st->v[i].content);
	free(st->v);
}

static void hs_add(struct json_object *o, const char *key, struct json_object *v)
{
	if (v == NULL || json_object_object_add(o, key, v) != 0)
		stress_die("out of memory");
}

static struct json_object *hs_store_element(const struct hs_message *m, int with_id, int with_peer)
{
	struct json_object *o = json_object_new_object();

	if (o == NULL)
		stress_die("out of memory");
	if (with_id)
		hs_add(o, "id", json_object_new_int64((int64_t)m->id));
	hs_add(o, "user", json_object_new_string(m->sender));
	if (with_peer)
		hs_add(o, "peer", json_object_new_string("bob"));
	hs_add(o, "created_at", json_object_new_string(m->created_at));
	hs_add(o, "content", json_object_new_string(m->content));
	return o;
}

/* Encrypts answer (taken) for the client and sends it. */
static void hs_store_send(int fd, const struct hs_store *st, struct json_object *answer)
{
	const char *text = json_object_to_json_string_ext(answer, JSON_C_TO_STRING_PLAIN);
	struct bytebuf out;

	bytebuf_init(&out, BYTEBUF_UNBOUNDED);
	if (wire_seal(st->client, rsa_chunk_original(st->client), text, strlen(text), &out) != RC_OK)
		stress_die("cannot encrypt an answer");
	hs_send(fd, out.data, out.len);
	bytebuf_free(&out);
	json_object_put(answer);
}

/* {"state":"ok","data":data} (taken), or the error. */
static void hs_store_reply(int fd, const struct hs_store *st, struct json_object *data, const char *error)
{
	struct json_object *answer = json_object_new_object();

	if (answer == NULL)
		stress_die("out of memory");
	hs_add(answer, "state", json_object_new_string(error ? "error" : "ok"));
	if (error)
		hs_add(answer, "error", json_object_new_string(error));
	else
		hs_add(answer, "data", data);
	hs_store_send(fd, st, answer);
}

/* An optional integer member in lo..hi: 0 ok (absent leaves *v), -1 bad. */
static int hs_int_member(struct json_object *req, const char *key, int64_t lo, int64_t hi, int64_t *v)
{
	struct json_object *m;

	if (!json_object_object_get_ex(req, key, &m))
		return 0;
	if (!json_object_is_type(m, json_type_int) || json_object_get_int64(m) < lo || json_object_get_int64(m) > hi)
		return -1;
	*v = json_object_get_int64(m);
	return 0;
}

/* Holds a parked wait up to ms: 1 when the client sends something first
 * (a request, or it closes), which ends the wait at once. */
static int hs_client_speaks_within(int fd, long ms)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN, .revents = 0 };
	int r;

	while ((r = poll(&pfd, 1, (int)ms)) < 0 && errno == EINTR)
		;
	return r > 0;
}

/* --swap-key: the login whose key the store swaps (NULL: none), the key,
 * and whether the swap is off (flipped by SIGUSR1). */
static const char *hs_swap_login;
static struct rsa_public hs_swap_key;
static volatile sig_atomic_t hs_swap_off;

static void hs_on_usr1(int sig)
{
	(void)sig;
	hs_swap_off = !hs_swap_off;
}

static void hs_store_users(int fd, const struct hs_store *st)
{
	struct json_object *list = json_object_new_array();
	static const char *const logins[] = { "bob", "carol" };

	for (size_t i = 0; list != NULL && i < 2; i++) {
		struct json_object *u = json_object_new_object();
		if (u == NULL || json_object_array_add(list, u) != 0)
			stress_die("out of memory");
		const struct rsa_public *k =
			hs_swap_login != NULL && !hs_swap_off && strcmp(hs_swap_login, logins[i]) == 0 ? &hs_swap_key
			                                                                               : &st->key->pub;

		hs_add(u, "login", json_object_new_string(logins[i]));
		hs_add(u, "open_exponent", jsonx_new_bigint(k->e));
		hs_add(u, "module", jsonx_new_bigint(k->n));
	}
	hs_store_reply(fd, st, list, NULL);
}

/* --fail-pages: the conversation whose first pages fail, and how many more will. */
static char hs_fail_login[256];
static unsigned long hs_fail_left;

/* get_messages: the whole conversation (v1, or no page asked) or a page. */
static void hs_store_messages(int fd, struct hs_store *st, struct json_object *req)
{
	const char *user = jsonx_get_string(req, "user");
	int64_t before = INT64_MAX, after = 0, limit = HS_PAGE_DEFAULT;
	int paged = !st->v1 && (json_object_object_get_ex(req, "before_id", NULL) ||
	                        json_object_object_get_ex(req, "after_id", NULL) || json_object_object_get_ex(req, "limit", NULL));
	struct json_object *list = json_object_new_array();
	size_t from = 0, to = 0;

	if (list == NULL)
		stress_die("out of memory");
	if (user != NULL && hs_fail_left > 0 && strcmp(user, hs_fail_login) == 0) {
		hs_fail_left--;
		json_object_put(list);
		hs_store_reply(fd, st, NULL, "database unavailable");
		return;
	}
	if (paged && (hs_int_member(req, "before_id", 0, INT64_C(1) << 53, &before) != 0 ||
	              hs_int_member(req, "after_id", 0, INT64_C(1) << 53, &after) != 0 ||
	              hs_int_member(req, "limit", 1, HS_PAGE_MAX, &limit) != 0)) {
		json_object_put(list);
		hs_store_reply(fd, st, NULL, "bad page");
		return;
	}
	if (user != NULL && strcmp(user, "bob") == 0) {
		if (st->v1 && st->bob_asked++ > 0 && st->arrivals_left > 0) {
			st->arrivals_left--;
			hs_store_add(st, NULL);
		}
		/* Ids are 1..count: the range [from, to) of indexes. */
		from = (size_t)(after < (int64_t)st->count ? after : (int64_t)st->count);
		to = (size_t)(before < 1 ? 0 : before - 1 < (int64_t)st->count ? before - 1 : (int64_t)st->count);
		if (to < from)
			to = from;
		if (paged && to - from > (size_t)limit) {
			if (json_object_object_get_ex(req, "after_id", NULL) && !json_object_object_get_ex(req, "before_id", NULL))
				to = from + (size_t)limit;
			else
				from = to - (size_t)limit;
		}
	}
	for (size_t i = from; i < to; i++)
		if (json_object_array_add(list, hs_store_element(&st->v[i], paged, 0)) != 0)
			stress_die("out of memory");
	hs_store_reply(fd, st, list, NULL);
}

static void hs_store_wait(int fd, struct hs_store *st, struct json_object *req)
{
	int64_t after = -1, timeout = 25000, limit = HS_PAGE_DEFAULT;
	struct json_object *list;

	if (hs_int_member(req, "after_id", 0, INT64_C(1) << 53, &after) != 0 || after < 0 ||
	    hs_int_member(req, "timeout_ms", 0, HS_WAIT_MAX_MS, &timeout) != 0 ||
	    hs_int_member(req, "limit", 1, HS_PAGE_MAX, &limit) != 0) {
		hs_store_reply(fd, st, NULL, "bad page");
		return;
	}
	if (after >= (int64_t)st->count) {
		int arrives = st->arrivals_left > 0 && timeout >= HS_ARRIVE_AFTER_MS;

		fprintf(stderr, "parked: wait_messages after_id %lld\n", (long long)after);
		/* One answer per request, in order: a request that comes while
		 * the wait is parked gets it answered [] first (its message, if
		 * one was to arrive, comes in a later wait). */
		if (hs_client_speaks_within(fd, arrives ? HS_ARRIVE_AFTER_MS : (long)timeout)) {
			fprintf(stderr, "unparked: [] for the request that came\n");
			hs_store_reply(fd, st, json_object_new_array(), NULL);
			return;
		}
		if (arrives) {
			st->arrivals_left--;
			hs_store_add(st, NULL);
		}
	}
	if ((list = json_object_new_array()) == NULL)
		stress_die("out of memory");
	for (size_t i = (size_t)(after < (int64_t)st->count ? after : (int64_t)st->count);
	     i < st->count && json_object_array_length(list) < (size_t)limit; i++)
		if (json_object_array_add(list, hs_store_element(&st->v[i], 1, 1)) != 0)
			stress_die("out of memory");
	hs_store_reply(fd, st, list, NULL);
}

/* Serves one connection from the store; -1 once the client said goodbye. */
static int hs_store_answer(int fd, struct hs_store *st, const char *text, size_t len)
{
	struct json_object *req = NULL;
	const char *cmd = NULL;
	int keep = 0;

	if (jsonx_parse(text, len, &req) != RC_OK || (cmd = jsonx_get_string(req, "cmd")) == NULL)
		cmd = "";
	fprintf(stderr, "request: %.*s\n", (int)len, text);
	if (strcmp(cmd, "register") == 0) {
		/* The error with the login beside it. */
		struct json_object *answer = json_object_new_object();

		if (answer == NULL)
			stress_die("out of memory");
		hs_add(answer, "state", json_object_new_string("error"));
		hs_add(answer, "error", json_object_new_string("already registered"));
		hs_add(answer, "login", json_object_new_string("me"));
		hs_store_send(fd, st, answer);
	} else if (strcmp(cmd, "get_users") == 0) {
		hs_store_users(fd, st);
	} else if (strcmp(cmd, "get_messages") == 0) {
		hs_store_messages(fd, st, req);
	} else if (strcmp(cmd, "wait_messages") == 0 && !st->v1) {
		hs_store_wait(fd, st, req);
	} else if (strcmp(cmd, "send_message") == 0) {
		struct json_object *self;
		const char *content = jsonx_get_string(req, "content");

		if (content == NULL) {
			hs_store_reply(fd, st, NULL, "no user or content");
		} else {
			if (json_object_object_get_ex(req, "self_copy", &self) && json_object_get_boolean(self))
				hs_store_add(st, content);
			hs_store_reply(fd, st, json_object_new_string("sent"), NULL);
		}
	} else if (strcmp(cmd, "last_message_id") == 0 && !st->v1) {
		hs_store_reply(fd, st, json_object_new_int64((int64_t)st->count), NULL);
	} else if (strcmp(cmd, "ping") == 0) {
		hs_store_reply(fd, st, json_object_new_string("pong"), NULL);
	} else if (strcmp(cmd, "goodbye") == 0) {
		hs_store_reply(fd, st, json_object_new_string("goodbye"), NULL);
		keep = -1;
	} else {
		hs_store_reply(fd, st, NULL, "incorrect cmd");
	}
	json_object_put(req);
	return keep;
}

/* The content of one --inject KIND for the client, and its listed sender. */
static char *hs_injected(const char *kind, const struct hs_store *st, const char **sender)
{
	const struct rsa_private *bob = st->key, *carol = st->key;
	struct rsa_private other;
	char *content = NULL, *for_carol = NULL;
	int rc;

	*sender = "bob";
	if (strcmp(kind, "v2") == 0) {
		rc = msgv2_seal(bob, "bob", st->client, "me", "v2 from bob", 11, &content, NULL);
	} else if (strcmp(kind, "v1") == 0) {
		rc = content_encode(st->client, "v1 from bob", 11, rsa_chunk_original(st->client), &content);
	} else if (strcmp(kind, "v2-forged") == 0) {
		rsa_private_init(&other);
		if ((rc = rsa_generate(&other, 1024, NULL, NULL)) == RC_OK)
			rc = msgv2_seal(&other, "bob", st->client, "me", "forged v2", 9, &content, NULL);
		rsa_private_clear(&other);
	} else if (strcmp(kind, "v2-passed-on") == 0) {
		if ((rc = msgv2_seal(bob, "bob", &carol->pub, "carol", "bob to carol", 12, &for_carol, NULL)) == RC_OK)
			rc = reseal_v2(carol, for_carol, st->client, &content);
		free(for_carol);
	} else if (strcmp(kind, "from-carol") == 0) {
		*sender = "carol";
		rc = content_encode(st->client, "carol in bob's conversation", 27, rsa_chunk_original(st->client), &content);
	} else {
		stress_die("unknown --inject %s", kind);
	}
	if (rc != RC_OK)
		stress_die("cannot make the %s message: %s", kind, rc_strerror(rc));
	return content;
}

/* Appends the --inject list (KIND,KIND...) to the store. */
static void hs_store_inject(struct hs_store *st, const char *list)
{
	char *copy = strdup(list), *save = NULL;

	if (copy == NULL)
		stress_die("out of memory");
	for (char *kind = strtok_r(copy, ",", &save); kind != NULL; kind = strtok_r(NULL, ",", &save)) {
		const char *sender;
		char *content = hs_injected(kind, st, &sender);

		hs_store_add(st, content);
		st->v[st->count - 1].self_copy = 0;
		st->v[st->count - 1].sender = sender;
		free(content);
	}
	free(copy);
}

static void hs_store_serve(int fd, const char *action, unsigned arrive, const char *inject,
                           const struct rsa_private *key, const struct rsa_public *client)
{
	struct hs_store st = { .v1 = strncmp(action, "store-v1:", 9) == 0, .arrivals_left = arrive, .client = client, .key = key };
	unsigned long n = strtoul(strchr(action, ':') + 1, NULL, 10);
	struct blocklist l;

	for (unsigned long i = 0; i < n; i++)
		hs_store_add(&st, NULL);
	if (inject != NULL)
		hs_store_inject(&st, inject);
	while (hs_read_frame(fd, FRAME_KIND_BLOCKS, &l) == RC_OK) {
		char *text = NULL;
		size_t len = 0;
		int keep = wire_open(key, &l, HS_READ_LIMIT, &text, &len) == RC_OK ? hs_store_answer(fd, &st, text, len) : -1;

		blocklist_free(&l);
		free(text);
		if (keep != 0)
			break;
	}
	hs_store_free(&st);
}

static void hs_serve(int fd, const char *handshake, const char *challenge, const struct rsa_private *key,
                     unsigned arrive, const char *inject, char **actions, int n_actions)
{
	struct rsa_public client;
	struct blocklist l;
	int i;

	rsa_public_init(&client);
	if (hs_handshake(fd, handshake, key) != 0) {
		/* Nothing sensible can follow: wait for the client to give up. */
		uint8_t buf[256];

		while (recv(fd, buf, sizeof buf, 0) > 0)
			;
		goto out;
	}
	for (i = 0; i < 2; i++) {
		if (hs_read_frame(fd, FRAME_KIND_BYTES, &l) != RC_OK)
			goto out;
		bigint_from_bytes(i == 0 ? client.e : client.n, l.v[0].data, l.v[0].len);
		blocklist_free(&l);
	}
	if (strncmp(actions[0], "store", 5) == 0) {
		hs_store_serve(fd, actions[0], arrive, inject, key, &client);
		goto out;
	}
	for (i = 0; hs_read_frame(fd, FRAME_KIND_BLOCKS, &l) == RC_OK;) {
		const char *action = hs_is_key_proof(&l, key) ? challenge : actions[i < n_actions ? i++ : n_actions - 1];

		blocklist_free(&l);
		if (hs_answer(fd, action, &client) != 0)
			break;
	}
out:
	rsa_public_clear(&client);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "key", required_argument, NULL, 'k' },
		{ "port-file", required_argument, NULL, 'p' },
		{ "handshake", required_argument, NULL, 'h' },
		{ "challenge", required_argument, NULL, 'c' },
		{ "arrive", required_argument, NULL, 'a' },
		{ "inject", required_argument, NULL, 'i' },
		{ "swap-key", required_argument, NULL, 's' },
		{ "fail-pages", required_argument, NULL, 'f' },
		{ NULL, 0, NULL, 0 },
	};
	const char *key_path = NULL, *port_file = NULL, *handshake = "normal", *inject = NULL, *swap = NULL;
	/* What the original server says to commands it does not know. */
	const char *challenge = "json:{\"state\":\"error\",\"error\":\"incorrect cmd\"}";
	struct rsa_private key;
	unsigned port;
	char err[256], tmp[4096];
	FILE *f;
	unsigned arrive = 0;
	struct sigaction sa;
	int opt, lfd;

	stress_prog = "hostile-server";
	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (opt) {
		case 'k': key_path = optarg; break;
		case 'p': port_file = optarg; break;
		case 'h': handshake = optarg; break;
		case 'c': challenge = optarg; break;
		case 'a': arrive = (unsigned)strtoul(optarg, NULL, 10); break;
		case 'i': inject = optarg; break;
		case 's': swap = optarg; break;
		case 'f': {
			const char *colon = strchr(optarg, ':');
			if (colon == NULL || (size_t)(colon - optarg) >= sizeof hs_fail_login)
				stress_die("--fail-pages wants LOGIN:N");
			memcpy(hs_fail_login, optarg, (size_t)(colon - optarg));
			hs_fail_left = strtoul(colon + 1, NULL, 10);
			break;
		}
		default: stress_die("bad option (see the comment at the top of hostile-server.c)");
		}
	}
	if (!key_path || !port_file || optind >= argc)
		stress_die("usage: hostile-server --key FILE --port-file FILE [--handshake KIND] [--arrive K] "
		           "[--inject KINDS] [--swap-key LOGIN:KEYFILE] [--fail-pages LOGIN:N] ACTION...");
	if (secure_init() != RC_OK)
		stress_die("secure_init failed");
	/* Gone with the test script, however that ends. */
	prctl(PR_SET_PDEATHSIG, SIGKILL);
	if (getppid() == 1)
		return 0;
	signal(SIGPIPE, SIG_IGN);
	rsa_private_init(&key);
	if (keyfile_load_private(key_path, &key, err, sizeof err) != RC_OK)
		stress_die("cannot load %s: %s", key_path, err);

	rsa_public_init(&hs_swap_key);
	if (swap != NULL) {
		const char *colon = strchr(swap, ':');
		static char login[256];
		struct rsa_private other;

		if (colon == NULL || (size_t)(colon - swap) >= sizeof login)
			stress_die("--swap-key wants LOGIN:KEYFILE");
		memcpy(login, swap, (size_t)(colon - swap));
		login[colon - swap] = '\0';
		rsa_private_init(&other);
		if (keyfile_load_private(colon + 1, &other, err, sizeof err) != RC_OK ||
		    rsa_public_copy(&hs_swap_key, &other.pub) != RC_OK)
			stress_die("cannot load %s: %s", colon + 1, err);
		rsa_private_clear(&other);
		hs_swap_login = login;
		memset(&sa, 0, sizeof sa);
		sa.sa_handler = hs_on_usr1;
		sigaction(SIGUSR1, &sa, NULL);
	}
	if ((lfd = testnet_listen_loopback(8, &port)) < 0)
		stress_die("cannot listen: %s", strerror(errno));
	/* Written whole, then renamed: the script never reads half a number. */
	snprintf(tmp, sizeof tmp, "%s.tmp", port_file);
	if (!(f = fopen(tmp, "w")) || fprintf(f, "%u\n", port) < 0 || fclose(f) != 0 ||
	    rename(tmp, port_file) != 0)
		stress_die("cannot write %s", port_file);
	for (;;) {
		int fd = accept(lfd, NULL, NULL);

		if (fd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			stress_die("accept: %s", strerror(errno));
		}
		hs_serve(fd, handshake, challenge, &key, arrive, inject, argv + optind, argc - optind);
		close(fd);
	}
}
