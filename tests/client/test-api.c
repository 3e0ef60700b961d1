/* api and connect against a scripted fake server on a real TCP socket: the
 * shapes of answers (good, wrong, hostile), self copies, local refusals and
 * the known_servers check on connect. */
#include "config.h"

#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <sodium.h>

#include "bigint.h"
#include "client/api.h"
#include "client/connect.h"
#include "client/decrypt_cache.h"
#include "content.h"
#include "errors.h"
#include "fingerprint.h"
#include "frame.h"
#include "jsonx.h"
#include "secure.h"
#include "tests/lib/testnet.h"
#include "wire.h"

#define FAKE_MAX_REQUESTS 8

/* One connection's worth of a server that answers from a script. */
struct fake_server {
	int listen_fd;
	char port[16];
	const struct rsa_private *key;
	const char *replies[FAKE_MAX_REQUESTS]; /* JSON answers in order; NULL ends */
	int delay_ms[FAKE_MAX_REQUESTS];         /* before each answer, like a parked wait */
	const uint8_t *raw;                      /* instead of the first answer, these bytes */
	size_t raw_len;
	char *requests[FAKE_MAX_REQUESTS];       /* what the client asked, decrypted */
	size_t n_requests;
	pthread_t thread;
};

static struct rsa_private server_key, other_server_key, alice_key, bob_key;

static int read_frame(int fd, enum frame_kind kind, struct blocklist *out)
{
	static const struct frame_limits limits = { 1u << 20, 4096, 1u << 22 };

	return testnet_read_frame(fd, kind, &limits, out);
}

/* Sends what it can: a client that gave up early is fine. */
static void send_all(int fd, const uint8_t *p, size_t n)
{
	(void)testnet_send_all(fd, p, n);
}

static void *fake_main(void *arg)
{
	struct fake_server *f = arg;
	struct rsa_public client;
	struct bytebuf out;
	struct blocklist l;
	int fd = accept(f->listen_fd, NULL, NULL);

	rsa_public_init(&client);
	bytebuf_init(&out, BYTEBUF_UNBOUNDED);
	if (fd < 0)
		return NULL;
	if (testnet_frame_number(&out, f->key->pub.e) != RC_OK || testnet_frame_number(&out, f->key->pub.n) != RC_OK)
		goto out;
	send_all(fd, out.data, out.len);
	for (int i = 0; i < 2; i++) {
		if (read_frame(fd, FRAME_KIND_BYTES, &l) != RC_OK)
			goto out;
		bigint_from_bytes(i == 0 ? client.e : client.n, l.v[0].data, l.v[0].len);
		blocklist_free(&l);
	}
	for (size_t i = 0; i < FAKE_MAX_REQUESTS; i++) {
		char *text;
		size_t len;
		if (read_frame(fd, FRAME_KIND_BLOCKS, &l) != RC_OK)
			break;
		if (wire_open(f->key, &l, 1u << 22, &text, &len) == RC_OK)
			f->requests[f->n_requests++] = text;
		blocklist_free(&l);
		if (i == 0 && f->raw != NULL) {
			send_all(fd, f->raw, f->raw_len);
			break;
		}
		if (f->replies[i] == NULL)
			break;
		if (f->delay_ms[i] > 0) {
			struct timespec ts = { f->delay_ms[i] / 1000, f->delay_ms[i] % 1000 * 1000000L };
			nanosleep(&ts, NULL);
		}
		bytebuf_reset(&out);
		wire_seal(&client, rsa_chunk_original(&client), f->replies[i], strlen(f->replies[i]), &out);
		send_all(fd, out.data, out.len);
	}
out:
	close(fd);
	rsa_public_clear(&client);
	bytebuf_free(&out);
	return NULL;
}

static void fake_start(struct fake_server *f, const struct rsa_private *key)
{
	unsigned port;

	f->key = key;
	f->listen_fd = testnet_listen_loopback(1, &port);
	assert_true(f->listen_fd >= 0);
	snprintf(f->port, sizeof(f->port), "%u", port);
	assert_int_equal(pthread_create(&f->thread, NULL, fake_main, f), 0);
}

/* Waits for the connection to end; the requests stay for checking. */
static void fake_finish(struct fake_server *f)
{
	pthread_join(f->thread, NULL);
	close(f->listen_fd);
}

static void fake_free(struct fake_server *f)
{
	for (size_t i = 0; i < f->n_requests; i++)
		free(f->requests[i]);
}

/* Connects as alice to a fake server running the given script. */
static void connect_to(struct fake_server *f, struct session *s)
{
	char err[256];

	fake_start(f, &server_key);
	assert_int_equal(session_connect(s, "127.0.0.1", f->port, &alice_key, 5000, err, sizeof(err)), 0);
}

static char *decimal(const mpz_t v)
{
	char *s = bigint_to_decimal(v);
	assert_non_null(s);
	return s;
}

static void test_users_exact_big_numbers(void **state)
{
	struct fake_server f = { 0 };
	struct session s;
	struct api_users users;
	char reply[2048], err[256];
	char *n = decimal(bob_key.pub.n);

	(void)state;
	snprintf(reply, sizeof(reply),
	         "{\"state\": \"ok\", \"data\": [{\"login\": \"bob\", \"open_exponent\": 65537, \"module\": %s, \"extra\": 1}]}", n);
	f.replies[0] = reply;
	connect_to(&f, &s);
	assert_int_equal(api_get_users(&s, &users, err, sizeof(err)), 0);
	assert_int_equal(users.count, 1);
	assert_string_equal(users.v[0].login, "bob");
	assert_true(rsa_public_equal(&users.v[0].key, &bob_key.pub));
	assert_non_null(api_users_find(&users, "bob"));
	assert_null(api_users_find(&users, "bo"));
	api_users_free(&users);
	session_close(&s);
	fake_finish(&f);
	assert_string_equal(f.requests[0], "{\"cmd\":\"get_users\"}");
	fake_free(&f);
	free(n);
}

/* A listing asks for fingerprints; our server sends them, the original
 * sends keys (it ignores the field), and either way each entry has one. */
static void test_user_listing(void **state)
{
	char with_keys[2048], err[256], fp[FINGERPRINT_MAX];
	char *n = decimal(bob_key.pub.n);
	const char *replies[] = {
		"{\"state\": \"ok\", \"data\": [{\"login\": \"bob\", \"fingerprint\": \"SHA256:abc\"}]}",
		with_keys,
	};

	(void)state;
	snprintf(with_keys, sizeof(with_keys),
	         "{\"state\": \"ok\", \"data\": [{\"login\": \"bob\", \"open_exponent\": 65537, \"module\": %s}]}", n);
	assert_int_equal(fingerprint_public(&bob_key.pub, fp), 0);
	for (size_t i = 0; i < 2; i++) {
		struct fake_server f = { 0 };
		struct session s;
		struct api_users users;

		f.replies[0] = replies[i];
		connect_to(&f, &s);
		assert_int_equal(api_get_user_listing(&s, &users, err, sizeof(err)), 0);
		assert_int_equal(users.count, 1);
		assert_string_equal(users.v[0].login, "bob");
		assert_string_equal(users.v[0].fingerprint, i == 0 ? "SHA256:abc" : fp);
		api_users_free(&users);
		session_close(&s);
		fake_finish(&f);
		assert_string_equal(f.requests[0], "{\"cmd\":\"get_users\",\"fingerprints\":true}");
		fake_free(&f);
	}
	free(n);
}

/* Each answer has the wrong shape: a clear RC_ERR_PROTOCOL with a reason. */
static void test_wrong_shapes(void **state)
{
	static const struct {
		const char *reply;
		const char *reason;
	} cases[] = {
		{ "{\"state\": \"ok\", \"data\": [{\"login\": \"bob\", \"open_exponent\": 3, \"module\": \"12x\"}]}", "key of entry 0" },
		{ "{\"state\": \"ok\", \"data\": [{\"login\": \"bob\", \"open_exponent\": -3, \"module\": 99}]}", "key of entry 0" },
		{ "{\"state\": \"ok\", \"data\": [{\"open_exponent\": 3, \"module\": 99}]}", "no login" },
		{ "{\"state\": \"ok\", \"data\": {\"login\": \"bob\"}}", "not a list" },
		{ "{\"state\": \"ok\"}", "no state and data" },
		{ "[1, 2, 3]", "no state and data" },
		{ "{\"state\": \"error\"}", "no state and data" },
	};
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct fake_server f = { 0 };
		struct session s;
		struct api_users users;
		char err[256];
		f.replies[0] = cases[i].reply;
		connect_to(&f, &s);
		assert_int_equal(api_get_users(&s, &users, err, sizeof(err)), RC_ERR_PROTOCOL);
		assert_non_null(strstr(err, cases[i].reason));
		assert_null(users.v);
		session_close(&s);
		fake_finish(&f);
		fake_free(&f);
	}
}

static void test_messages_shapes(void **state)
{
	struct fake_server f = { 0 };
	struct session s;
	struct api_messages msgs;
	char err[256];

	(void)state;
	f.replies[0] = "{\"state\": \"ok\", \"data\": [{\"user\": \"bob\", \"created_at\": \"2026-11-24T10:00:00.000001\", "
	               "\"content\": \"[\\\"AQ==\\\"]\"}]}";
	f.replies[1] = "{\"state\": \"ok\", \"data\": [{\"user\": \"bob\", \"created_at\": 5, \"content\": \"x\"}]}";
	f.replies[2] = "{\"state\": \"ok\", \"data\": [7]}";
	f.replies[3] = "{\"state\": \"error\", \"error\": \"no such user\"}";
	connect_to(&f, &s);
	assert_int_equal(api_get_messages(&s, "bob", &msgs, err, sizeof(err)), 0);
	assert_int_equal(msgs.count, 1);
	assert_string_equal(msgs.v[0].sender, "bob");
	assert_string_equal(msgs.v[0].content, "[\"AQ==\"]");
	assert_int_equal(msgs.v[0].content_len, 8);
	api_messages_free(&msgs);
	assert_int_equal(api_get_messages(&s, "bob", &msgs, err, sizeof(err)), RC_ERR_PROTOCOL);
	assert_non_null(strstr(err, "lacks"));
	assert_int_equal(api_get_messages(&s, "bob", &msgs, err, sizeof(err)), RC_ERR_PROTOCOL);
	assert_non_null(strstr(err, "not an object"));
	assert_int_equal(api_get_messages(&s, "nobody", &msgs, err, sizeof(err)), RC_ERR_SERVER);
	assert_string_equal(err, "no such user");
	session_close(&s);
	fake_finish(&f);
	assert_string_equal(f.requests[3], "{\"cmd\":\"get_messages\",\"user\":\"nobody\"}");
	fake_free(&f);
}

static void test_server_errors_and_register(void **state)
{
	struct fake_server f = { 0 };
	struct session s;
	char err[256], *login;
	int already;

	(void)state;
	f.replies[0] = "{\"state\": \"error\", \"error\": \"login exists\"}";
	f.replies[1] = "{\"state\": \"error\", \"error\": \"already registered\", \"login\": \"alice\"}";
	f.replies[2] = "{\"state\": \"ok\", \"data\": \"welcome\"}";
	f.replies[3] = "{\"state\": \"error\", \"error\": \"evil\\u001b[2Jtext\"}";
	f.replies[4] = "{\"state\": \"error\", \"error\": \"C1\\u009b2J\\u0085 stays \u00e9\"}";
	f.replies[5] = "{\"state\": \"ok\", \"data\": \"pong\"}";
	connect_to(&f, &s);
	assert_int_equal(api_register(&s, "bob", &login, &already, err, sizeof(err)), RC_ERR_SERVER);
	assert_string_equal(err, "login exists");
	assert_null(login);
	assert_int_equal(api_register(&s, "x", &login, &already, err, sizeof(err)), 0);
	assert_true(already);
	assert_string_equal(login, "alice");
	free(login);
	assert_int_equal(api_register(&s, "alice", &login, &already, err, sizeof(err)), 0);
	assert_false(already);
	assert_string_equal(login, "alice");
	free(login);
	/* A server's error text cannot drive the terminal. */
	assert_int_equal(api_ping(&s, err, sizeof(err)), RC_ERR_SERVER);
	assert_string_equal(err, "evil?[2Jtext");
	assert_int_equal(api_ping(&s, err, sizeof(err)), RC_ERR_SERVER);
	assert_string_equal(err, "C1?2J? stays \u00e9");
	assert_int_equal(api_ping(&s, err, sizeof(err)), 0);
	session_close(&s);
	fake_finish(&f);
	fake_free(&f);
}

static void test_huge_frame(void **state)
{
	static const uint8_t huge[] = { 0xff, 0xff, 0xff, 0xff };
	struct fake_server f = { 0 };
	struct session s;
	struct api_users users;
	char err[256];

	(void)state;
	f.raw = huge;
	f.raw_len = sizeof(huge);
	connect_to(&f, &s);
	assert_int_equal(api_get_users(&s, &users, err, sizeof(err)), RC_ERR_TOO_LARGE);
	assert_true(err[0] != '\0');
	/* The stream is out of step: the session is closed, later calls fail at once. */
	assert_true(s.fd < 0);
	assert_int_equal(api_ping(&s, err, sizeof(err)), RC_ERR_EOF);
	session_close(&s);
	fake_finish(&f);
	fake_free(&f);
}

/* Sends text as the clients do: sealed in v1 (with a self copy when
 * self_copy) under msg_id (NULL: a fresh one), resuming after *acked copies
 * (acked NULL: a first attempt). */
static int send_text(struct session *s, const char *user, const struct rsa_public *to, const char *text, size_t len,
                     int self_copy, const char *msg_id, int *acked, char *err, size_t errlen)
{
	char fresh[2 * API_MSG_ID_RANDOM_BYTES + 1];
	struct api_sealed sealed;
	int first = 0, rc;

	if (msg_id == NULL) {
		api_msg_id_new(fresh, sizeof fresh);
		msg_id = fresh;
	}
	if ((rc = api_seal_v1(user, to, self_copy ? &s->me->pub : NULL, text, len, &sealed, err, errlen)) != RC_OK)
		return rc;
	rc = api_send_sealed_resume(s, user, &sealed, msg_id, acked != NULL ? acked : &first, err, errlen);
	api_sealed_free(&sealed);
	return rc;
}

static void test_send_with_self_copy(void **state)
{
	struct fake_server f = { 0 };
	struct session s;
	struct json_object *req;
	char err[256], *text, *big, base[2 * API_MSG_ID_RANDOM_BYTES + 1] = "";
	const char *content, *msg_id;
	size_t len;

	(void)state;
	f.replies[0] = "{\"state\": \"ok\", \"data\": \"sent\"}";
	f.replies[1] = "{\"state\": \"ok\", \"data\": \"sent\"}";
	f.replies[2] = "{\"state\": \"ok\", \"data\": \"sent\"}";
	connect_to(&f, &s);
	/* Refused locally, nothing sent. */
	assert_int_equal(send_text(&s, "bob", &bob_key.pub, "a\0b", 3, 1, NULL, NULL, err, sizeof(err)), RC_ERR_NUL);
	assert_non_null(strstr(err, "NUL"));
	big = malloc(API_MAX_TEXT_BYTES + 1);
	assert_non_null(big);
	memset(big, 'x', API_MAX_TEXT_BYTES + 1);
	assert_int_equal(send_text(&s, "bob", &bob_key.pub, big, API_MAX_TEXT_BYTES + 1, 1, NULL, NULL, err, sizeof(err)),
	                 RC_ERR_TOO_LARGE);
	assert_int_equal(send_text(&s, "bob", &bob_key.pub, "", 0, 1, NULL, NULL, err, sizeof(err)), RC_ERR_INVAL);
	/* A base id that would not make a valid msg_id with its suffix. */
	assert_int_equal(send_text(&s, "bob", &bob_key.pub, "x", 1, 1, "a b", NULL, err, sizeof(err)), RC_ERR_INVAL);
	assert_int_equal(send_text(&s, "bob", &bob_key.pub, "x", 1, 1, "", NULL, err, sizeof(err)), RC_ERR_INVAL);
	memset(big, 'm', API_MSG_ID_BASE_MAX + 1);
	big[API_MSG_ID_BASE_MAX + 1] = '\0';
	assert_int_equal(send_text(&s, "bob", &bob_key.pub, "x", 1, 1, big, NULL, err, sizeof(err)), RC_ERR_INVAL);
	assert_non_null(strstr(err, "message id"));
	memset(big, 'x', API_MAX_TEXT_BYTES + 1);
	assert_int_equal(send_text(&s, "bob", &bob_key.pub, "Привет 👋", strlen("Привет 👋"), 1, NULL, NULL, err, sizeof(err)), 0);
	/* The longest text goes in one request per copy. */
	assert_int_equal(send_text(&s, "bob", &bob_key.pub, big, API_MAX_TEXT_BYTES, 0, "longest", NULL, err, sizeof(err)), 0);
	session_close(&s);
	fake_finish(&f);
	assert_int_equal(f.n_requests, 3);
	/* First the recipient's copy, then ours with self_copy, named by one
	 * fresh random base id with "-r" and "-s"; the next send by its own. */
	for (size_t i = 0; i < 3; i++) {
		const struct rsa_private *reader = i == 1 ? &alice_key : &bob_key;
		struct json_object *v;
		assert_int_equal(jsonx_parse(f.requests[i], strlen(f.requests[i]), &req), 0);
		assert_string_equal(jsonx_get_string(req, "cmd"), "send_message");
		assert_string_equal(jsonx_get_string(req, "user"), "bob");
		assert_int_equal(json_object_object_get_ex(req, "self_copy", &v), i == 1);
		msg_id = jsonx_get_string(req, "msg_id");
		assert_non_null(msg_id);
		if (i < 2) {
			assert_int_equal(strlen(msg_id), 2 * API_MSG_ID_RANDOM_BYTES + 2);
			assert_string_equal(msg_id + 2 * API_MSG_ID_RANDOM_BYTES, i == 0 ? "-r" : "-s");
			if (i == 0)
				memcpy(base, msg_id, sizeof base - 1);
			else
				assert_memory_equal(msg_id, base, sizeof base - 1);
		} else {
			assert_string_equal(msg_id, "longest-r");
		}
		content = jsonx_get_string(req, "content");
		assert_non_null(content);
		assert_int_equal(content_decode(reader, content, strlen(content), &text, &len), 0);
		if (i < 2)
			assert_string_equal(text, "Привет 👋");
		else
			assert_int_equal(len, API_MAX_TEXT_BYTES);
		free(text);
		json_object_put(req);
	}
	fake_free(&f);
	free(big);
}

/* A send cut off after the recipient's copy was acknowledged: the retry on a
 * new session sends only the self copy, so the recipient gets one message,
 * and sends it under the msg_id of the attempt whose answer was lost. */
static void test_send_resumes_after_lost_connection(void **state)
{
	struct fake_server first = { 0 }, second = { 0 };
	struct session s;
	struct json_object *req, *v;
	char err[256];
	int acked = 0;

	(void)state;
	/* Acknowledges the recipient's copy, then closes without answering ours. */
	first.replies[0] = "{\"state\": \"ok\", \"data\": \"sent\"}";
	connect_to(&first, &s);
	assert_int_equal(send_text(&s, "bob", &bob_key.pub, "once", 4, 1, "job7", &acked, err, sizeof(err)), RC_ERR_EOF);
	assert_int_equal(acked, 1);
	session_close(&s);
	fake_finish(&first);
	assert_int_equal(first.n_requests, 2);
	assert_int_equal(jsonx_parse(first.requests[1], strlen(first.requests[1]), &req), 0);
	assert_string_equal(jsonx_get_string(req, "msg_id"), "job7-s");
	json_object_put(req);
	fake_free(&first);

	second.replies[0] = "{\"state\": \"ok\", \"data\": \"sent\"}";
	second.replies[1] = "{\"state\": \"ok\", \"data\": \"sent\"}";
	connect_to(&second, &s);
	assert_int_equal(send_text(&s, "bob", &bob_key.pub, "once", 4, 1, "job7", &acked, err, sizeof(err)), 0);
	assert_int_equal(acked, 2);
	/* Done: calling again sends nothing. */
	assert_int_equal(send_text(&s, "bob", &bob_key.pub, "once", 4, 1, "job7", &acked, err, sizeof(err)), 0);
	session_close(&s);
	fake_finish(&second);
	assert_int_equal(second.n_requests, 1);
	assert_int_equal(jsonx_parse(second.requests[0], strlen(second.requests[0]), &req), 0);
	assert_string_equal(jsonx_get_string(req, "cmd"), "send_message");
	assert_string_equal(jsonx_get_string(req, "user"), "bob");
	assert_true(json_object_object_get_ex(req, "self_copy", &v));
	assert_true(json_object_get_boolean(v));
	/* The retry of the unacknowledged copy reuses its msg_id. */
	assert_string_equal(jsonx_get_string(req, "msg_id"), "job7-s");
	json_object_put(req);
	fake_free(&second);
}

static void test_connect_tofu(void **state)
{
	char dir[] = "/tmp/rc-api-XXXXXX", path[64], name[64], err[512];
	struct connect_params p;
	struct connect_result res;
	struct session s;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/known_servers", dir);
	memset(&p, 0, sizeof(p));
	p.host = "127.0.0.1";
	p.server_name = name;
	p.known_servers = path;
	p.timeout_ms = 5000;
	for (int round = 0; round < 4; round++) {
		struct fake_server f = { 0 };
		const struct rsa_private *key = round < 2 ? &server_key : &other_server_key;
		int r;
		/* A server without the key proof extension, as the original. */
		f.replies[0] = "{\"state\": \"error\", \"error\": \"no auth\"}";
		f.replies[1] = "{\"state\": \"ok\", \"data\": \"pong\"}";
		fake_start(&f, key);
		/* Every round the same name, as if the server had stayed where it was. */
		p.port = f.port;
		snprintf(name, sizeof(name), "127.0.0.1:9999");
		p.accept_new_server_key = round == 3;
		r = connect_server(&s, &p, &alice_key, &res, err, sizeof(err));
		switch (round) {
		case 0:
			assert_int_equal(r, 0);
			assert_int_equal(res.trust, KNOWN_SERVER_NEW);
			break;
		case 1:
			assert_int_equal(r, 0);
			assert_int_equal(res.trust, KNOWN_SERVER_OK);
			break;
		case 2:
			/* Refused before any request: the fake server gets none. */
			assert_int_equal(r, RC_ERR_KEY);
			assert_int_equal(res.trust, KNOWN_SERVER_CHANGED);
			assert_non_null(strstr(err, "SERVER KEY CHANGED"));
			assert_non_null(strstr(err, res.pinned_fp));
			assert_non_null(strstr(err, res.server_fp));
			assert_int_equal(s.fd, -1);
			break;
		case 3:
			assert_int_equal(r, 0);
			assert_int_equal(res.trust, KNOWN_SERVER_CHANGED);
			break;
		}
		if (r == RC_OK) {
			assert_int_equal(s.chunk, rsa_chunk_wide(&s.server_key));
			assert_int_equal(api_ping(&s, err, sizeof(err)), 0);
		}
		session_close(&s);
		fake_finish(&f);
		assert_int_equal(f.n_requests, r == RC_OK ? 2 : 0);
		fake_free(&f);
	}
	/* The replacement is pinned now. */
	{
		enum known_server_status st;
		assert_int_equal(known_servers_lookup(path, "127.0.0.1:9999", &other_server_key.pub, &st, NULL), 0);
		assert_int_equal(st, KNOWN_SERVER_OK);
	}
	unlink(path);
	rmdir(dir);
}

#define HEX64 "0123456789abcdef0123456789ABCDEF0123456789abcdef0123456789abcdef"
#define CHALLENGE_OK "{\"state\": \"ok\", \"data\": \"" HEX64 "\"}"

/* connect_server against servers with and without the key proof extension,
 * and against ones answering it wrongly. */
static void test_connect_key_proof(void **state)
{
	static const struct {
		const char *replies[3];
		int rc;             /* of connect_server */
		int proven;
		size_t requests;    /* what the fake server got, the ping included */
		const char *err;    /* part of the error, for rc != 0 */
	} cases[] = {
		/* Old servers: an anonymous key, a registered one. */
		{ { "{\"state\": \"error\", \"error\": \"no auth\"}", "{\"state\": \"ok\", \"data\": \"pong\"}" }, 0, 0, 2, NULL },
		{ { "{\"state\": \"error\", \"error\": \"incorrect cmd\"}", "{\"state\": \"ok\", \"data\": \"pong\"}" }, 0, 0, 2, NULL },
		/* A server with the extension. */
		{ { CHALLENGE_OK, "{\"state\": \"ok\", \"data\": \"proven\"}", "{\"state\": \"ok\", \"data\": \"pong\"}" }, 0, 1, 3, NULL },
		/* Our proof refused. */
		{ { CHALLENGE_OK, "{\"state\": \"error\", \"error\": \"wrong challenge\"}" }, RC_ERR_SERVER, 0, 2,
		  "it answered \"wrong challenge\"" },
		/* Nonsense instead of a challenge, or instead of "proven". */
		{ { "{\"state\": \"ok\", \"data\": \"pong\"}" }, RC_ERR_PROTOCOL, 0, 1, "something else than a challenge" },
		{ { "{\"state\": \"ok\", \"data\": \"" HEX64 "0\"}" }, RC_ERR_PROTOCOL, 0, 1, "something else than a challenge" },
		{ { "{\"state\": \"ok\", \"data\": \"" HEX64 "\"}" "x" }, RC_ERR_PROTOCOL, 0, 1, "unreadable" },
		{ { "{\"state\": \"ok\", \"data\": \"0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdeg\"}" },
		  RC_ERR_PROTOCOL, 0, 1, "something else than a challenge" },
		{ { "{\"state\": \"ok\", \"data\": 12345}" }, RC_ERR_PROTOCOL, 0, 1, "something else than a challenge" },
		{ { CHALLENGE_OK, "{\"state\": \"ok\", \"data\": \"sent\"}" }, RC_ERR_PROTOCOL, 0, 2, "\"proven\"" },
	};
	char dir[] = "/tmp/rc-api-XXXXXX", path[64], name[64], err[512];
	struct connect_params p;
	struct connect_result res;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/known_servers", dir);
	snprintf(name, sizeof(name), "127.0.0.1:9999");
	memset(&p, 0, sizeof(p));
	p.host = "127.0.0.1";
	p.server_name = name;
	p.known_servers = path;
	p.timeout_ms = 5000;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct fake_server f = { 0 };
		struct session s;
		struct json_object *req;
		int r;

		memcpy(f.replies, cases[i].replies, sizeof(cases[i].replies));
		fake_start(&f, &server_key);
		p.port = f.port;
		r = connect_server(&s, &p, &alice_key, &res, err, sizeof(err));
		assert_int_equal(r, cases[i].rc);
		assert_int_equal(res.key_proven, cases[i].proven);
		if (r == RC_OK) {
			assert_int_equal(api_ping(&s, err, sizeof(err)), 0);
		} else {
			assert_non_null(strstr(err, "proving to the server that we hold our key"));
			assert_non_null(strstr(err, cases[i].err));
			assert_int_equal(s.fd, -1);
		}
		session_close(&s);
		fake_finish(&f);
		assert_int_equal(f.n_requests, cases[i].requests);
		/* The first request asks for a challenge; a proof sends it back as it came. */
		assert_int_equal(jsonx_parse(f.requests[0], strlen(f.requests[0]), &req), 0);
		assert_string_equal(jsonx_get_string(req, "cmd"), "key_challenge");
		json_object_put(req);
		if (strcmp(cases[i].replies[0], CHALLENGE_OK) == 0) {
			assert_int_equal(jsonx_parse(f.requests[1], strlen(f.requests[1]), &req), 0);
			assert_string_equal(jsonx_get_string(req, "cmd"), "key_proof");
			assert_string_equal(jsonx_get_string(req, "challenge"), HEX64);
			json_object_put(req);
		}
		fake_free(&f);
	}
	unlink(path);
	rmdir(dir);
}

/* alice's cache opening content listed from her contact bob. */
static int cache_text(struct decrypt_cache *cache, const char *content, size_t len,
                      const unsigned char digest[CHAT_DIGEST_BYTES], const char **text, enum chat_unreadable *why)
{
	const struct envelope_opened *o;
	struct envelope_conv conv;
	int r;

	if ((r = envelope_conv_init(&conv, &alice_key, "alice", "bob", &bob_key.pub)) != RC_OK ||
	    (r = decrypt_cache_open(cache, &conv, "bob", content, len, digest, &o)) != RC_OK)
		return r;
	*text = o->text;
	*why = o->why;
	return RC_OK;
}

static void test_decrypt_cache(void **state)
{
	struct decrypt_cache cache;
	unsigned char d1[CHAT_DIGEST_BYTES], d2[CHAT_DIGEST_BYTES];
	char *for_alice, *for_bob;
	const char *text, *again;
	enum chat_unreadable why;

	(void)state;
	decrypt_cache_init(&cache);
	assert_int_equal(content_encode(&alice_key.pub, "тест", strlen("тест"), rsa_chunk_wide(&alice_key.pub), &for_alice), 0);
	assert_int_equal(content_encode(&bob_key.pub, "secret", 6, rsa_chunk_wide(&bob_key.pub), &for_bob), 0);
	decrypt_cache_digest(for_alice, strlen(for_alice), d1);
	decrypt_cache_digest(for_bob, strlen(for_bob), d2);
	assert_memory_not_equal(d1, d2, CHAT_DIGEST_BYTES);
	assert_int_equal(cache_text(&cache, for_alice, strlen(for_alice), d1, &text, &why), 0);
	assert_string_equal(text, "тест");
	assert_int_equal(why, CHAT_READABLE);
	/* The second time comes from the cache: the same stored text. */
	assert_int_equal(cache_text(&cache, for_alice, strlen(for_alice), d1, &again, &why), 0);
	assert_ptr_equal(text, again);
	/* Not for this key: remembered as undecryptable. */
	assert_int_equal(cache_text(&cache, for_bob, strlen(for_bob), d2, &text, &why), 0);
	assert_null(text);
	assert_int_equal(why, CHAT_UNREADABLE_KEY);
	assert_non_null(strstr(decrypt_cache_placeholder(why), "cannot decrypt"));
	assert_int_equal(cache.count, 2);
	/* Many entries: the table grows and finds them all. */
	for (unsigned i = 0; i < 200; i++) {
		unsigned char d[CHAT_DIGEST_BYTES];
		char junk[32];
		snprintf(junk, sizeof(junk), "[\"%u\"]", i);
		decrypt_cache_digest(junk, strlen(junk), d);
		assert_int_equal(cache_text(&cache, junk, strlen(junk), d, &text, &why), 0);
		assert_null(text);
	}
	assert_int_equal(cache_text(&cache, for_alice, strlen(for_alice), d1, &text, &why), 0);
	assert_string_equal(text, "тест");
	assert_int_equal(cache.count, 202);
	decrypt_cache_free(&cache);
	free(for_alice);
	free(for_bob);
}

/* content (a JSON list of base64 strings) of n blocks of block_len bytes
 * 0x01 0x02 ...: numbers below any 1024-bit modulus. */
static char *bomb_content(size_t n, size_t block_len)
{
	struct bytebuf b;
	uint8_t raw[128];
	char b64[200];
	uint8_t *data;
	size_t len;

	assert_true(block_len <= sizeof(raw));
	for (size_t i = 0; i < block_len; i++)
		raw[i] = (uint8_t)(1 + i % 200);
	sodium_bin2base64(b64, sizeof(b64), raw, block_len, sodium_base64_VARIANT_ORIGINAL);
	bytebuf_init(&b, BYTEBUF_UNBOUNDED);
	assert_int_equal(bytebuf_append_str(&b, "["), 0);
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(bytebuf_append_str(&b, i ? ", \"" : "\""), 0);
		assert_int_equal(bytebuf_append_str(&b, b64), 0);
		assert_int_equal(bytebuf_append_str(&b, "\""), 0);
	}
	assert_int_equal(bytebuf_append_str(&b, "]"), 0);
	assert_int_equal(bytebuf_take(&b, &data, &len), 0);
	bytebuf_free(&b);
	return (char *)data;
}

/* Decryption bombs from a peer are refused unread (no private-key operation
 * spent on them), while the longest honest message still reads. */
static void test_decrypt_cache_bombs(void **state)
{
	struct decrypt_cache cache;
	unsigned char d[CHAT_DIGEST_BYTES];
	size_t cap = decrypt_cache_max_blocks(&alice_key.pub);
	enum chat_unreadable why;
	const char *text;
	char *content, *longest = malloc(API_MAX_TEXT_BYTES + 1);
	/* finding 6: 110,000 one-byte blocks (770 kB); a few tiny blocks; full-looking blocks past the cap */
	const struct {
		size_t n, block_len;
	} bombs[] = { { 110000, 1 }, { 20, 1 }, { cap + 1, 64 } };

	(void)state;
	assert_non_null(longest);
	/* 8 KiB in the original's chunks fits the cap with 1024-bit keys: about 130 blocks. */
	assert_in_range(cap, API_MAX_TEXT_BYTES / rsa_chunk_original(&alice_key.pub), 200);
	decrypt_cache_init(&cache);
	for (size_t i = 0; i < sizeof(bombs) / sizeof(bombs[0]); i++) {
		content = bomb_content(bombs[i].n, bombs[i].block_len);
		decrypt_cache_digest(content, strlen(content), d);
		assert_int_equal(cache_text(&cache, content, strlen(content), d, &text, &why), 0);
		assert_null(text);
		assert_int_equal(why, CHAT_UNREADABLE_TOO_MANY_BLOCKS);
		assert_string_equal(decrypt_cache_placeholder(why), "[unreadable: too many blocks]");
		free(content);
	}
	/* The longest message we send, in the original's small chunks, reads. */
	memset(longest, 'a', API_MAX_TEXT_BYTES);
	longest[API_MAX_TEXT_BYTES] = '\0';
	assert_int_equal(content_encode(&alice_key.pub, longest, API_MAX_TEXT_BYTES, rsa_chunk_original(&alice_key.pub),
	                                &content), 0);
	decrypt_cache_digest(content, strlen(content), d);
	assert_int_equal(cache_text(&cache, content, strlen(content), d, &text, &why), 0);
	assert_non_null(text);
	assert_string_equal(text, longest);
	free(content);
	free(longest);
	decrypt_cache_free(&cache);
}

/* api_get_user(login) gives rc: bob's key on success, else an error holding err_part. */
static void expect_get_user(struct session *s, const char *login, int rc, const char *err_part)
{
	struct api_user u;
	char err[256];

	api_user_init(&u);
	assert_int_equal(api_get_user(s, login, &u, err, sizeof(err)), rc);
	if (rc == RC_OK) {
		assert_string_equal(u.login, login);
		assert_true(rsa_public_equal(&u.key, &bob_key.pub));
	} else {
		assert_non_null(strstr(err, err_part));
	}
	api_user_free(&u);
}

/* get_user, our extension: one user's key; the errors; no other user. */
static void test_get_user(void **state)
{
	struct fake_server f = { 0 };
	struct session s;
	char reply[2048], other[2048];
	char *n = decimal(bob_key.pub.n);

	(void)state;
	snprintf(reply, sizeof(reply), "{\"state\": \"ok\", \"data\": {\"login\": \"bob\", \"open_exponent\": 65537, \"module\": %s}}", n);
	snprintf(other, sizeof(other), "{\"state\": \"ok\", \"data\": {\"login\": \"mallory\", \"open_exponent\": 65537, \"module\": %s}}", n);
	f.replies[0] = reply;
	f.replies[1] = "{\"state\": \"error\", \"error\": \"no such user\"}";
	f.replies[2] = other;
	connect_to(&f, &s);
	expect_get_user(&s, "bob", RC_OK, NULL);
	expect_get_user(&s, "nobody", RC_ERR_SERVER, "no such user");
	expect_get_user(&s, "bob", RC_ERR_PROTOCOL, "another user");
	session_close(&s);
	fake_finish(&f);
	assert_int_equal(f.n_requests, 3);
	assert_string_equal(f.requests[0], "{\"cmd\":\"get_user\",\"login\":\"bob\"}");
	fake_free(&f);
	free(n);
}

/* A server without get_user (the original answers "incorrect cmd"): the
 * whole list, then the one user from it, or "no such user". */
static void test_get_user_fallback(void **state)
{
	struct fake_server f = { 0 };
	struct session s;
	char list[2048];
	char *n = decimal(bob_key.pub.n);

	(void)state;
	snprintf(list, sizeof(list), "{\"state\": \"ok\", \"data\": [{\"login\": \"bob\", \"open_exponent\": 65537, \"module\": %s}]}", n);
	f.replies[0] = "{\"state\": \"error\", \"error\": \"incorrect cmd\"}";
	f.replies[1] = list;
	f.replies[2] = "{\"state\": \"error\", \"error\": \"incorrect cmd\"}";
	f.replies[3] = list;
	connect_to(&f, &s);
	expect_get_user(&s, "bob", RC_OK, NULL);
	expect_get_user(&s, "carol", RC_ERR_SERVER, "no such user");
	session_close(&s);
	fake_finish(&f);
	assert_int_equal(f.n_requests, 4);
	assert_string_equal(f.requests[0], "{\"cmd\":\"get_user\",\"login\":\"bob\"}");
	assert_string_equal(f.requests[1], "{\"cmd\":\"get_users\"}");
	fake_free(&f);
	free(n);
}

/* An answer of n blocks of block_len bytes (numbers below alice's modulus). */
static void answer_bomb(struct bytebuf *out, size_t n, size_t block_len)
{
	uint8_t block[64];

	assert_true(block_len <= sizeof(block));
	for (size_t i = 0; i < block_len; i++)
		block[i] = (uint8_t)(1 + i);
	bytebuf_init(out, BYTEBUF_UNBOUNDED);
	assert_int_equal(bytebuf_put_u32le(out, (uint32_t)n), 0);
	for (size_t i = 0; i < n; i++) {
		assert_int_equal(bytebuf_put_u32le(out, (uint32_t)block_len), 0);
		assert_int_equal(bytebuf_append(out, block, block_len), 0);
	}
}

/* A server's answer of many blocks: tiny ones are refused before any
 * decryption; full-looking ones are decrypted only until the request's
 * deadline. Either way the session ends, not the client's patience. */
static void test_answer_bombs(void **state)
{
	static const struct {
		size_t n, block_len;
		int timeout_ms;
		int rc;
	} cases[] = {
		{ 1000000, 1, 5000, RC_ERR_PROTOCOL },
		/* about 30,000 private-key operations: seconds of work, far past 200 ms */
		{ 30000, 64, 200, RC_ERR_TIMEOUT },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct fake_server f = { 0 };
		struct session s;
		struct bytebuf bomb;
		char err[256];

		answer_bomb(&bomb, cases[i].n, cases[i].block_len);
		f.raw = bomb.data;
		f.raw_len = bomb.len;
		connect_to(&f, &s);
		s.timeout_ms = cases[i].timeout_ms;
		assert_int_equal(api_ping(&s, err, sizeof(err)), cases[i].rc);
		assert_true(s.fd < 0);
		session_close(&s);
		fake_finish(&f);
		fake_free(&f);
		bytebuf_free(&bomb);
	}
}

#define PAGE_MSG(id) "{\"user\": \"bob\", \"created_at\": \"2026-11-24T10:00:00.000001\", \"content\": \"x\", \"id\": " id "}"

static void test_pages(void **state)
{
	struct fake_server f = { 0 };
	struct api_page page = { .before_id = 10, .after_id = 2, .limit = 3 }, newest = { .limit = 0 };
	enum api_sync sync = API_SYNC_UNKNOWN;
	struct api_messages msgs;
	struct session s;
	char err[256];

	(void)state;
	f.replies[0] = "{\"state\": \"ok\", \"data\": [" PAGE_MSG("3") ", " PAGE_MSG("9") "]}";
	f.replies[1] = "{\"state\": \"ok\", \"data\": []}";
	f.replies[2] = "{\"state\": \"ok\", \"data\": [" PAGE_MSG("9") ", " PAGE_MSG("3") "]}";
	f.replies[3] = "{\"state\": \"ok\", \"data\": [" PAGE_MSG("3") ", " PAGE_MSG("10") "]}";
	f.replies[4] = "{\"state\": \"ok\", \"data\": [" PAGE_MSG("3") ", " PAGE_MSG("4") ", " PAGE_MSG("5") ", " PAGE_MSG("6") "]}";
	f.replies[5] = "{\"state\": \"ok\", \"data\": [" PAGE_MSG("3") ", {\"user\": \"bob\", \"created_at\": \"t\", \"content\": \"x\"}]}";
	f.replies[6] = "{\"state\": \"ok\", \"data\": [" PAGE_MSG("1.5") "]}";
	f.replies[7] = "{\"state\": \"ok\", \"data\": [{\"user\": \"bob\", \"created_at\": \"t\", \"content\": \"x\"}]}";
	connect_to(&f, &s);
	assert_int_equal(api_get_messages_page(&s, &sync, "bob", &page, &msgs, err, sizeof(err)), 0);
	assert_int_equal(msgs.count, 2);
	assert_int_equal(msgs.v[0].id, 3);
	assert_int_equal(msgs.v[1].id, 9);
	assert_int_equal(sync, API_SYNC_YES);
	api_messages_free(&msgs);
	/* An empty page. */
	assert_int_equal(api_get_messages_page(&s, &sync, "bob", &newest, &msgs, err, sizeof(err)), 0);
	assert_int_equal(msgs.count, 0);
	api_messages_free(&msgs);
	/* Out of order, outside the range, more than asked, ids for some only, an id that is no integer. */
	assert_int_equal(api_get_messages_page(&s, &sync, "bob", &page, &msgs, err, sizeof(err)), RC_ERR_PROTOCOL);
	assert_int_equal(api_get_messages_page(&s, &sync, "bob", &page, &msgs, err, sizeof(err)), RC_ERR_PROTOCOL);
	assert_int_equal(api_get_messages_page(&s, &sync, "bob", &page, &msgs, err, sizeof(err)), RC_ERR_PROTOCOL);
	assert_non_null(strstr(err, "4 messages, 3 asked"));
	assert_int_equal(api_get_messages_page(&s, &sync, "bob", &page, &msgs, err, sizeof(err)), RC_ERR_PROTOCOL);
	assert_int_equal(api_get_messages_page(&s, &sync, "bob", &page, &msgs, err, sizeof(err)), RC_ERR_PROTOCOL);
	assert_non_null(strstr(err, "not a whole number"));
	/* No ids: a v1 server, whose answer is the whole conversation. */
	assert_int_equal(api_get_messages_page(&s, &sync, "bob", &page, &msgs, err, sizeof(err)), 0);
	assert_int_equal(msgs.count, 1);
	assert_int_equal(msgs.v[0].id, 0);
	assert_int_equal(sync, API_SYNC_NO);
	api_messages_free(&msgs);
	session_close(&s);
	fake_finish(&f);
	assert_string_equal(f.requests[0], "{\"cmd\":\"get_messages\",\"user\":\"bob\",\"before_id\":10,\"after_id\":2,\"limit\":3}");
	assert_string_equal(f.requests[1], "{\"cmd\":\"get_messages\",\"user\":\"bob\",\"limit\":500}");
	fake_free(&f);
}

#define WAIT_MSG(id, user) \
	"{\"id\": " id ", \"user\": \"" user "\", \"peer\": \"bob\", \"created_at\": \"2026-11-24T10:00:00.000001\", \"content\": \"x\"}"

static void test_wait_and_last_id(void **state)
{
	struct fake_server f = { 0 };
	enum api_sync sync = API_SYNC_UNKNOWN;
	struct api_messages msgs;
	struct session s;
	uint64_t last;
	char err[256];

	(void)state;
	f.replies[0] = "{\"state\": \"ok\", \"data\": 41}";
	f.replies[1] = "{\"state\": \"ok\", \"data\": [" WAIT_MSG("42", "bob") ", " WAIT_MSG("44", "alice") "]}";
	/* Held longer than a request may take, shorter than the wait plus that. */
	f.replies[2] = "{\"state\": \"ok\", \"data\": []}";
	f.delay_ms[2] = 700;
	f.replies[3] = "{\"state\": \"ok\", \"data\": [" WAIT_MSG("44", "bob") "]}";
	f.replies[4] = "{\"state\": \"ok\", \"data\": [{\"id\": 45, \"user\": \"bob\", \"created_at\": \"t\", \"content\": \"x\"}]}";
	f.replies[5] = "{\"state\": \"error\", \"error\": \"bad page\"}";
	connect_to(&f, &s);
	assert_int_equal(api_last_message_id(&s, &sync, &last, err, sizeof(err)), 0);
	assert_int_equal(last, 41);
	assert_int_equal(sync, API_SYNC_YES);
	assert_int_equal(api_wait_messages(&s, &sync, 41, 0, 10, &msgs, err, sizeof(err)), 0);
	assert_int_equal(msgs.count, 2);
	assert_string_equal(msgs.v[1].sender, "alice");
	assert_string_equal(msgs.v[1].peer, "bob");
	assert_int_equal(msgs.v[1].id, 44);
	api_messages_free(&msgs);
	s.timeout_ms = 200;
	assert_int_equal(api_wait_messages(&s, &sync, 44, 5000, 10, &msgs, err, sizeof(err)), 0);
	assert_int_equal(msgs.count, 0);
	api_messages_free(&msgs);
	assert_int_equal(s.timeout_ms, 200);
	s.timeout_ms = 5000;
	/* Not after the id asked; no peer. */
	assert_int_equal(api_wait_messages(&s, &sync, 44, 0, 10, &msgs, err, sizeof(err)), RC_ERR_PROTOCOL);
	assert_int_equal(api_wait_messages(&s, &sync, 44, 0, 10, &msgs, err, sizeof(err)), RC_ERR_PROTOCOL);
	assert_non_null(strstr(err, "peer"));
	assert_int_equal(api_wait_messages(&s, &sync, 44, 0, 10, &msgs, err, sizeof(err)), RC_ERR_SERVER);
	assert_string_equal(err, "bad page");
	assert_int_equal(sync, API_SYNC_YES);
	session_close(&s);
	fake_finish(&f);
	assert_string_equal(f.requests[0], "{\"cmd\":\"last_message_id\"}");
	assert_string_equal(f.requests[2], "{\"cmd\":\"wait_messages\",\"after_id\":44,\"timeout_ms\":5000,\"limit\":10}");
	fake_free(&f);
}

/* A wait sent on its own, a request on the same session meanwhile (its
 * answer comes after the wait's), then the wait's answer read and checked. */
static void test_wait_halves(void **state)
{
	struct fake_server f = { 0 };
	enum api_sync sync = API_SYNC_UNKNOWN;
	struct api_messages msgs;
	struct session s;
	char err[256];

	(void)state;
	f.replies[0] = "{\"state\": \"ok\", \"data\": [" WAIT_MSG("9", "bob") "]}";
	f.replies[1] = "{\"state\": \"ok\", \"data\": \"pong\"}";
	f.replies[2] = "{\"state\": \"ok\", \"data\": [" WAIT_MSG("9", "bob") "]}";
	f.replies[3] = "{\"state\": \"ok\", \"data\": \"pong\"}";
	connect_to(&f, &s);
	assert_int_equal(api_wait_send(&s, 8, 25000, 10, err, sizeof(err)), 0);
	assert_int_equal(api_ping(&s, err, sizeof(err)), 0);
	assert_int_equal(api_wait_read(&s, &sync, 8, 10, 5000, &msgs, err, sizeof(err)), 0);
	assert_int_equal(sync, API_SYNC_YES);
	assert_int_equal(msgs.count, 1);
	assert_int_equal(msgs.v[0].id, 9);
	api_messages_free(&msgs);
	/* checked against the after_id it was sent with */
	assert_int_equal(api_wait_send(&s, 9, 25000, 10, err, sizeof(err)), 0);
	assert_int_equal(api_ping(&s, err, sizeof(err)), 0);
	assert_int_equal(api_wait_read(&s, &sync, 9, 10, 5000, &msgs, err, sizeof(err)), RC_ERR_PROTOCOL);
	assert_int_equal(msgs.count, 0);
	session_close(&s);
	fake_finish(&f);
	assert_string_equal(f.requests[0], "{\"cmd\":\"wait_messages\",\"after_id\":8,\"timeout_ms\":25000,\"limit\":10}");
	assert_string_equal(f.requests[1], "{\"cmd\":\"ping\"}");
	fake_free(&f);
}

static void test_sync_fallback(void **state)
{
	struct fake_server f = { 0 };
	enum api_sync sync = API_SYNC_UNKNOWN;
	struct api_messages msgs;
	struct session s;
	uint64_t last = 7;
	char err[256];

	(void)state;
	f.replies[0] = "{\"state\": \"error\", \"error\": \"incorrect cmd\"}";
	f.replies[1] = "{\"state\": \"error\", \"error\": \"incorrect cmd\"}";
	f.replies[2] = "{\"state\": \"ok\", \"data\": \"x\"}";
	connect_to(&f, &s);
	assert_int_equal(api_last_message_id(&s, &sync, &last, err, sizeof(err)), 0);
	assert_int_equal(sync, API_SYNC_NO);
	assert_int_equal(last, 0);
	assert_string_equal(err, "");
	sync = API_SYNC_UNKNOWN;
	assert_int_equal(api_wait_messages(&s, &sync, 0, 1000, 10, &msgs, err, sizeof(err)), 0);
	assert_int_equal(sync, API_SYNC_NO);
	assert_int_equal(msgs.count, 0);
	assert_int_equal(api_last_message_id(&s, &sync, &last, err, sizeof(err)), RC_ERR_PROTOCOL);
	session_close(&s);
	fake_finish(&f);
	fake_free(&f);
}

static int setup_keys(void **state)
{
	(void)state;
	if (secure_init() != RC_OK)
		return -1;
	rsa_private_init(&server_key);
	rsa_private_init(&other_server_key);
	rsa_private_init(&alice_key);
	rsa_private_init(&bob_key);
	if (rsa_generate(&server_key, 1024, NULL, NULL) != RC_OK || rsa_generate(&other_server_key, 1024, NULL, NULL) != RC_OK ||
	    rsa_generate(&alice_key, 1024, NULL, NULL) != RC_OK || rsa_generate(&bob_key, 1024, NULL, NULL) != RC_OK)
		return -1;
	return 0;
}

static int teardown_keys(void **state)
{
	(void)state;
	rsa_private_clear(&server_key);
	rsa_private_clear(&other_server_key);
	rsa_private_clear(&alice_key);
	rsa_private_clear(&bob_key);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_users_exact_big_numbers),
		cmocka_unit_test(test_user_listing),
		cmocka_unit_test(test_wrong_shapes),
		cmocka_unit_test(test_messages_shapes),
		cmocka_unit_test(test_server_errors_and_register),
		cmocka_unit_test(test_huge_frame),
		cmocka_unit_test(test_send_with_self_copy),
		cmocka_unit_test(test_send_resumes_after_lost_connection),
		cmocka_unit_test(test_connect_tofu),
		cmocka_unit_test(test_connect_key_proof),
		cmocka_unit_test(test_decrypt_cache),
		cmocka_unit_test(test_decrypt_cache_bombs),
		cmocka_unit_test(test_get_user),
		cmocka_unit_test(test_get_user_fallback),
		cmocka_unit_test(test_answer_bombs),
		cmocka_unit_test(test_pages),
		cmocka_unit_test(test_wait_and_last_id),
		cmocka_unit_test(test_wait_halves),
		cmocka_unit_test(test_sync_fallback),
	};
	return cmocka_run_group_tests(tests, setup_keys, teardown_keys);
}
