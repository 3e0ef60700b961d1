/* The client session against a tiny in-test server peer (a thread on a
 * loopback socket): handshake, requests, and every way a server can fail. */
#include "config.h"

#include <stdarg.h>
#include <setjmp.h>
#include <stddef.h>
#include <errno.h>
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
};

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

static void peer_answer_requests(struct peer *p, int fd)
{
	static const char answer[] = "{\"state\": \"ok\", \"data\": \"pong\", \"module\": 123456789012345678901234567890}";
	struct blocklist l;
	struct bytebuf out;
	char *text;
	size_t len;

	while (peer_read_frame(fd, FRAME_KIND_BLOCKS, &l) == RC_OK) {
		bytebuf_init(&out, BYTEBUF_UNBOUNDED);
		if (p->mode == PEER_BAD_RESPONSE) {
			uint8_t ff[130];

			memset(ff, 0xff, sizeof(ff));
			bytebuf_put_u32le(&out, 1);
			frame_write_bytes(&out, ff, sizeof(ff));
		} else if (wire_open(&server_key, &l, 65536, &text, &len) == RC_OK) {
			free(text);
			wire_seal(&p->client_key, rsa_chunk_wide(&p->client_key), answer, strlen(answer), &out);
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

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_handshake_and_requests),
		cmocka_unit_test(test_server_key_presented),
		cmocka_unit_test(test_connect_refused),
		cmocka_unit_test(test_timeout),
		cmocka_unit_test(test_server_closes),
		cmocka_unit_test(test_bad_servers),
	};

	if (secure_init() != RC_OK)
		return 1;
	return cmocka_run_group_tests(tests, setup, teardown);
}
