/* The client session against a tiny in-test server peer (a thread on a
 * loopback socket): handshake, requests, and every way a server can fail. */
#include "config.h"

#include <stdarg.h>
#include <setjmp.h>
#include <stddef.h>
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "bigint.h"
#include "errors.h"
#include "frame.h"
#include "jsonx.h"
#include "protocol.h"
#include "secure.h"
#include "session.h"
#include "tests/lib/testnet.h"
#include "wire.h"

#define TEST_TIMEOUT_MS 3000

enum peer_mode {
	PEER_ECHO,          /* handshake byte by byte, then answer every request */
	PEER_SILENT,        /* accept and say nothing */
	PEER_CLOSE,         /* handshake, then close */
	PEER_EVEN_E,        /* presents a key with an even exponent */
	PEER_HUGE_FRAME,    /* announces a 0xFFFFFFFF-byte handshake frame */
	PEER_BAD_RESPONSE,  /* answers with a block >= n */
	PEER_PARK,          /* like the sync extension's server: parks a wait_messages */
};

/* How long PEER_PARK holds a wait that no request interrupts. */
#define PEER_PARK_MS 3000
/* PEER_PARK's answers: to a wait a request interrupted, to one that ran its time. */
#define PEER_WAIT_EARLY "{\"state\": \"ok\", \"data\": []}"
#define PEER_WAIT_LATE "{\"state\": \"ok\", \"data\": [\"late\"]}"
#define PEER_PONG "{\"state\": \"ok\", \"data\": \"pong\"}"


struct peer {
	enum peer_mode mode;
	int listen_fd;
	char port[16];
	pthread_t thread;
	struct rsa_public client_key;  /* what the client presented */
	int requests;                  /* requests answered */
};

static struct rsa_private server_key, client_key;

static int setup(void **state)
{
	(void)state;
	rsa_private_init(&server_key);
	rsa_private_init(&client_key);
	if (rsa_generate(&server_key, 1024, NULL, NULL) != RC_OK || rsa_generate(&client_key, 1024, NULL, NULL) != RC_OK)
		return -1;
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	rsa_private_clear(&server_key);
	rsa_private_clear(&client_key);
	return 0;
}

/* bytewise: one send per byte, so the client sees the frame arrive in pieces. */
static int peer_send(int fd, const uint8_t *p, size_t n, int bytewise)
{
	if (!bytewise)
		return testnet_send_all(fd, p, n);
	for (size_t i = 0; i < n; i++)
		if (testnet_send_all(fd, p + i, 1) != 0)
			return -1;
	return 0;
}

static int peer_read_frame(int fd, enum frame_kind kind, struct blocklist *out)
{
	static const struct frame_limits limits = { PROTO_DEFAULT_MAX_FRAME_BYTES, PROTO_DEFAULT_MAX_BLOCKS,
	                                            PROTO_DEFAULT_MAX_REQUEST_BYTES };

	return testnet_read_frame(fd, kind, &limits, out);
}

static void peer_send_key(int fd, const mpz_t e, const mpz_t n)
{
	struct bytebuf out;

	bytebuf_init(&out, BYTEBUF_UNBOUNDED);
	if (testnet_frame_number(&out, e) == RC_OK && testnet_frame_number(&out, n) == RC_OK)
		peer_send(fd, out.data, out.len, 1);
	bytebuf_free(&out);
}

/* The peer is another thread (no cmocka asserts there): an answer that
 * could not be sealed is missing, which the client's checks see. */
static void peer_seal(struct peer *p, const char *text, struct bytebuf *out)
{
	(void)wire_seal(&p->client_key, rsa_chunk_wide(&p->client_key), text, strlen(text), out);
}

/* PEER_PARK: one answer per request, in order. A wait_messages is held
 * until the next request comes (then answered [] in the same send as that
 * request's answer, so both arrive together) or PEER_PARK_MS pass. */
static void peer_park(struct peer *p, int fd)
{
	struct pollfd pfd = { .fd = fd, .events = POLLIN, .revents = 0 };
	struct blocklist l;
	struct bytebuf out;
	char *text;
	size_t len;
	int parked = 0;

	while (peer_read_frame(fd, FRAME_KIND_BLOCKS, &l) == RC_OK) {
		int opened = wire_open(&server_key, &l, 65536, &text, &len), wait;

		blocklist_free(&l);
		if (opened != RC_OK)
			break;
		wait = strstr(text, "wait_messages") != NULL;
		free(text);
		bytebuf_init(&out, BYTEBUF_UNBOUNDED);
		if (parked)
			peer_seal(p, PEER_WAIT_EARLY, &out);
		if (!wait)
			peer_seal(p, PEER_PONG, &out);
		parked = wait;
		if (out.len > 0 && peer_send(fd, out.data, out.len, 0) != 0)
			parked = 0;
		bytebuf_reset(&out);
		if (parked && poll(&pfd, 1, PEER_PARK_MS) == 0) {
			peer_seal(p, PEER_WAIT_LATE, &out);
			(void)peer_send(fd, out.data, out.len, 0);
			parked = 0;
		}
		bytebuf_free(&out);
		p->requests++;
	}
}

static void peer_answer_requests(struct peer *p, int fd)
{
	static const char answer[] = "{\"state\": \"ok\", \"data\": \"pong\", \"module\": 123456789012345678901234567890}";
	struct blocklist l;
	struct bytebuf out;
	char *text;
	size_t len;

	if (p->mode == PEER_PARK) {
		peer_park(p, fd);
		return;
	}
	while (peer_read_frame(fd, FRAME_KIND_BLOCKS, &l) == RC_OK) {
		bytebuf_init(&out, BYTEBUF_UNBOUNDED);
		if (p->mode == PEER_BAD_RESPONSE) {
			uint8_t ff[130];

			memset(ff, 0xff, sizeof(ff));
			bytebuf_put_u32le(&out, 1);
			frame_write_bytes(&out, ff, sizeof(ff));
		} else if (wire_open(&server_key, &l, 65536, &text, &len) == RC_OK) {
			free(text);
			peer_seal(p, answer, &out);
		}
		blocklist_free(&l);
		if (peer_send(fd, out.data, out.len, 0) != 0) {
			bytebuf_free(&out);
			break;
		}
		bytebuf_free(&out);
		p->requests++;
	}
}

static void *peer_main(void *arg)
{
	struct peer *p = arg;
	struct blocklist e, n;
	int fd = accept(p->listen_fd, NULL, NULL);
	char c;

	if (fd < 0)
		return NULL;
	switch (p->mode) {
	case PEER_SILENT:
		/* wait for the client to give up */
		while (recv(fd, &c, 1, 0) > 0)
			;
		break;
	case PEER_HUGE_FRAME:
		peer_send(fd, (const uint8_t *)"\xff\xff\xff\xff", 4, 0);
		while (recv(fd, &c, 1, 0) > 0)
			;
		break;
	case PEER_EVEN_E: {
		mpz_t even;

		mpz_init_set_ui(even, 65536);
		peer_send_key(fd, even, server_key.pub.n);
		mpz_clear(even);
		while (recv(fd, &c, 1, 0) > 0)
			;
		break;
	}
	default:
		peer_send_key(fd, server_key.pub.e, server_key.pub.n);
		if (peer_read_frame(fd, FRAME_KIND_BYTES, &e) != RC_OK)
			break;
		if (peer_read_frame(fd, FRAME_KIND_BYTES, &n) == RC_OK) {
			bigint_from_bytes(p->client_key.e, e.v[0].data, e.v[0].len);
			bigint_from_bytes(p->client_key.n, n.v[0].data, n.v[0].len);
			blocklist_free(&n);
		}
		blocklist_free(&e);
		if (p->mode != PEER_CLOSE)
			peer_answer_requests(p, fd);
		break;
	}
	close(fd);
	return NULL;
}

static void peer_start(struct peer *p, enum peer_mode mode)
{
	unsigned port;

	memset(p, 0, sizeof(*p));
	p->mode = mode;
	rsa_public_init(&p->client_key);
	p->listen_fd = testnet_listen_loopback(4, &port);
	assert_true(p->listen_fd >= 0);
	snprintf(p->port, sizeof(p->port), "%u", port);
	assert_int_equal(pthread_create(&p->thread, NULL, peer_main, p), 0);
}

/* Waits for the peer; when expected is given, checks the key the client presented. */
static void peer_stop(struct peer *p, const struct rsa_public *expected)
{
	pthread_join(p->thread, NULL);
	close(p->listen_fd);
	if (expected)
		assert_true(rsa_public_equal(&p->client_key, expected));
	rsa_public_clear(&p->client_key);
}

static void test_handshake_and_requests(void **state)
{
	struct peer p;
	struct session s;
	struct json_object *req, *resp;
	char err[256], *text;
	size_t len;
	mpz_t v;
	int i;

	(void)state;
	peer_start(&p, PEER_ECHO);
	assert_int_equal(session_connect(&s, "127.0.0.1", p.port, &client_key, TEST_TIMEOUT_MS, err, sizeof(err)), RC_OK);
	assert_true(rsa_public_equal(&s.server_key, &server_key.pub));
	assert_int_equal(s.chunk, rsa_chunk_original(&server_key.pub));
	for (i = 0; i < 3; i++) {
		assert_int_equal(session_request_text(&s, "{\"cmd\": \"ping\"}", 15, &text, &len), RC_OK);
		assert_non_null(strstr(text, "\"pong\""));
		assert_int_equal(len, strlen(text));
		free(text);
	}
	req = json_object_new_object();
	json_object_object_add(req, "cmd", json_object_new_string("ping"));
	assert_int_equal(session_request(&s, req, &resp), RC_OK);
	assert_string_equal(jsonx_get_string(resp, "data"), "pong");
	mpz_init(v);
	assert_int_equal(jsonx_get_bigint(resp, "module", v), RC_OK);
	text = bigint_to_decimal(v);
	assert_string_equal(text, "123456789012345678901234567890");
	free(text);
	mpz_clear(v);
	json_object_put(resp);
	json_object_put(req);
	/* a request that cannot be encrypted keeps the connection */
	s.chunk = 3;
	assert_int_equal(session_request_text(&s, "abc\0d", 5, &text, &len), RC_ERR_NUL);
	s.chunk = rsa_chunk_original(&server_key.pub);
	assert_int_equal(session_request_text(&s, "{}", 2, &text, &len), RC_OK);
	free(text);
	session_close(&s);
	session_close(&s);
	peer_stop(&p, &client_key.pub);
	assert_int_equal(p.requests, 5);
}

static void test_server_key_presented(void **state)
{
	struct peer p;
	struct session s;
	char err[256];

	(void)state;
	/* by name; the peer receives our public key as the handshake's second half */
	peer_start(&p, PEER_CLOSE);
	assert_int_equal(session_connect(&s, "localhost", p.port, &client_key, TEST_TIMEOUT_MS, err, sizeof(err)), RC_OK);
	session_close(&s);
	peer_stop(&p, &client_key.pub);
}

static void test_connect_refused(void **state)
{
	struct peer p;
	struct session s;
	char err[256], want[128];

	(void)state;
	/* a port that was just free */
	peer_start(&p, PEER_CLOSE);
	{
		struct session tmp;

		assert_int_equal(session_connect(&tmp, "127.0.0.1", p.port, &client_key, TEST_TIMEOUT_MS, err, sizeof(err)), RC_OK);
		session_close(&tmp);
	}
	peer_stop(&p, NULL);
	assert_int_equal(session_connect(&s, "127.0.0.1", p.port, &client_key, TEST_TIMEOUT_MS, err, sizeof(err)), RC_ERR_IO);
	snprintf(want, sizeof(want), "connect to 127.0.0.1:%s: Connection refused", p.port);
	assert_string_equal(err, want);
	session_close(&s);
	/* requests on a closed session */
	{
		char *text;
		size_t len;

		assert_int_equal(session_request_text(&s, "{}", 2, &text, &len), RC_ERR_EOF);
	}
	/* a port that is not a number cannot be resolved */
	assert_int_equal(session_connect(&s, "127.0.0.1", "no-such-port", &client_key, TEST_TIMEOUT_MS, err, sizeof(err)), RC_ERR_IO);
	assert_non_null(strstr(err, "resolve 127.0.0.1:no-such-port"));
	session_close(&s);
}

static void test_timeout(void **state)
{
	struct peer p;
	struct session s;
	char err[256];

	(void)state;
	peer_start(&p, PEER_SILENT);
	assert_int_equal(session_connect(&s, "127.0.0.1", p.port, &client_key, 200, err, sizeof(err)), RC_ERR_TIMEOUT);
	assert_non_null(strstr(err, "handshake"));
	/* A silent port is probably not an rsa-chat server (issue 15, item 10). */
	assert_non_null(strstr(err, "is this the right host and port?"));
	session_close(&s);
	peer_stop(&p, NULL);
}

static void test_server_closes(void **state)
{
	struct peer p;
	struct session s;
	char err[256], *text;
	size_t len;

	(void)state;
	peer_start(&p, PEER_CLOSE);
	assert_int_equal(session_connect(&s, "127.0.0.1", p.port, &client_key, TEST_TIMEOUT_MS, err, sizeof(err)), RC_OK);
	peer_stop(&p, NULL);
	assert_int_equal(session_request_text(&s, "{\"cmd\": \"ping\"}", 15, &text, &len), RC_ERR_EOF);
	assert_null(text);
	assert_int_equal(session_request_text(&s, "{\"cmd\": \"ping\"}", 15, &text, &len), RC_ERR_EOF);
	session_close(&s);
}

static void test_bad_servers(void **state)
{
	struct peer p;
	struct session s;
	char err[256], *text;
	size_t len;

	(void)state;
	peer_start(&p, PEER_EVEN_E);
	assert_int_equal(session_connect(&s, "127.0.0.1", p.port, &client_key, TEST_TIMEOUT_MS, err, sizeof(err)), RC_ERR_PROTOCOL);
	assert_non_null(strstr(err, "unusable key"));
	session_close(&s);
	peer_stop(&p, NULL);

	peer_start(&p, PEER_HUGE_FRAME);
	assert_int_equal(session_connect(&s, "127.0.0.1", p.port, &client_key, TEST_TIMEOUT_MS, err, sizeof(err)), RC_ERR_TOO_LARGE);
	session_close(&s);
	peer_stop(&p, NULL);

	peer_start(&p, PEER_BAD_RESPONSE);
	assert_int_equal(session_connect(&s, "127.0.0.1", p.port, &client_key, TEST_TIMEOUT_MS, err, sizeof(err)), RC_OK);
	assert_int_equal(session_request_text(&s, "{\"cmd\": \"ping\"}", 15, &text, &len), RC_ERR_PROTOCOL);
	/* the stream is out of step: the session is closed */
	assert_int_equal(session_request_text(&s, "{\"cmd\": \"ping\"}", 15, &text, &len), RC_ERR_EOF);
	session_close(&s);
	peer_stop(&p, NULL);
}

/* Reads the next answer with session_read_response and checks its text. */
static void expect_answer(struct session *s, const char *want)
{
	char *text;
	size_t len;

	assert_int_equal(session_read_response(s, TEST_TIMEOUT_MS, &text, &len), RC_OK);
	assert_string_equal(text, want);
	assert_int_equal(len, strlen(want));
	free(text);
}

/* The socket becomes readable within ms. */
static int readable_within(const struct session *s, int ms)
{
	struct pollfd pfd = { .fd = session_fd(s), .events = POLLIN, .revents = 0 };

	return poll(&pfd, 1, ms) == 1;
}

/* The parked-wait tests' state: a PEER_PARK peer and a session connected to it. */
struct park_fixture {
	struct peer p;
	struct session s;
};

static int park_setup(void **state)
{
	struct park_fixture *f = calloc(1, sizeof(*f));
	char err[256];

	if (f == NULL)
		return -1;
	*state = f;
	peer_start(&f->p, PEER_PARK);
	return session_connect(&f->s, "127.0.0.1", f->p.port, &client_key, TEST_TIMEOUT_MS, err, sizeof(err)) == RC_OK ? 0 : -1;
}

static int park_teardown(void **state)
{
	struct park_fixture *f = *state;

	session_close(&f->s);
	peer_stop(&f->p, NULL);
	free(f);
	return 0;
}

static const char wait_req[] = "{\"cmd\": \"wait_messages\", \"after_id\": 0}";
static const char ping_req[] = "{\"cmd\": \"ping\"}";

/* A request sent while a wait is parked: its answer comes back from
 * session_request_text, the wait's (read ahead) from session_read_response. */
static void test_request_while_parked(void **state)
{
	struct park_fixture *f = *state;
	struct session *s = &f->s;
	char *text;
	size_t len;

	assert_true(session_fd(s) >= 0);
	/* nothing waits to be read */
	assert_int_equal(session_read_response(s, TEST_TIMEOUT_MS, &text, &len), RC_ERR_INVAL);
	assert_null(text);
	assert_int_equal(session_send_request(s, wait_req, strlen(wait_req)), RC_OK);
	assert_false(session_answer_ready(s));
	assert_int_equal(session_request_text(s, ping_req, strlen(ping_req), &text, &len), RC_OK);
	assert_string_equal(text, PEER_PONG);
	free(text);
	assert_true(session_answer_ready(s));
	expect_answer(s, PEER_WAIT_EARLY);
	assert_false(session_answer_ready(s));
	assert_int_equal(session_read_response(s, TEST_TIMEOUT_MS, &text, &len), RC_ERR_INVAL);
	/* twice in a row, the JSON way */
	for (int i = 0; i < 2; i++) {
		struct json_object *req = json_object_new_object(), *resp;

		assert_int_equal(session_send_request(s, wait_req, strlen(wait_req)), RC_OK);
		json_object_object_add(req, "cmd", json_object_new_string("ping"));
		assert_int_equal(session_request(s, req, &resp), RC_OK);
		assert_string_equal(jsonx_get_string(resp, "data"), "pong");
		json_object_put(resp);
		json_object_put(req);
		assert_int_equal(session_read_json(s, TEST_TIMEOUT_MS, &resp), RC_OK);
		assert_true(json_object_is_type(json_object_object_get(resp, "data"), json_type_array));
		json_object_put(resp);
	}
}

/* Requests sent one after another are answered in order; a parked wait
 * that nothing interrupts is answered by the server in its own time; one
 * not answered in time ends the session. */
static void test_send_then_read(void **state)
{
	struct park_fixture *f = *state;
	struct session *s = &f->s;
	char *text;
	size_t len;

	assert_int_equal(session_send_request(s, wait_req, strlen(wait_req)), RC_OK);
	assert_int_equal(session_send_request(s, ping_req, strlen(ping_req)), RC_OK);
	expect_answer(s, PEER_WAIT_EARLY);
	/* The pong came in the same send: poll alone might not see it. */
	assert_true(session_answer_ready(s) || readable_within(s, TEST_TIMEOUT_MS));
	expect_answer(s, PEER_PONG);
	assert_int_equal(session_send_request(s, wait_req, strlen(wait_req)), RC_OK);
	assert_true(readable_within(s, 3 * PEER_PARK_MS));
	expect_answer(s, PEER_WAIT_LATE);
	/* a request that cannot be encrypted is not waited for */
	s->chunk = 3;
	assert_int_equal(session_send_request(s, "abc\0d", 5), RC_ERR_NUL);
	assert_int_equal(session_read_response(s, TEST_TIMEOUT_MS, &text, &len), RC_ERR_INVAL);
	/* an answer that does not come in time closes the session */
	assert_int_equal(session_send_request(s, wait_req, strlen(wait_req)), RC_OK);
	assert_int_equal(session_read_response(s, 100, &text, &len), RC_ERR_TIMEOUT);
	assert_null(text);
	assert_int_equal(session_fd(s), -1);
	assert_false(session_answer_ready(s));
	assert_int_equal(session_read_response(s, 100, &text, &len), RC_ERR_EOF);
	assert_int_equal(session_send_request(s, ping_req, strlen(ping_req)), RC_ERR_EOF);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_handshake_and_requests),
		cmocka_unit_test(test_server_key_presented),
		cmocka_unit_test(test_connect_refused),
		cmocka_unit_test(test_timeout),
		cmocka_unit_test(test_server_closes),
		cmocka_unit_test(test_bad_servers),
		cmocka_unit_test_setup_teardown(test_request_while_parked, park_setup, park_teardown),
		cmocka_unit_test_setup_teardown(test_send_then_read, park_setup, park_teardown),
	};

	if (secure_init() != RC_OK)
		return 1;
	return cmocka_run_group_tests(tests, setup, teardown);
}
