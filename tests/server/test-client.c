/* A test client for rsa-chat-server, driven by the shell tests:
 *
 *   test-client [--host H] --port P [--key FILE] [--timeout MS] req JSON...
 *       one connection, one request per argument (sent verbatim), each
 *       response printed on its own line; created_at values are checked to
 *       look like 2021-10-28T19:37:38.463670 and printed as "T" (as they
 *       are with --keep-times)
 *       A key_challenge answer's data is printed as "CHALLENGE" and
 *       remembered: "@challenge@" in a later request stands for it; its
 *       filler, when it is random hex at least as long as the key's
 *       modulus in decimal, as "FILLER".
 *   test-client ... --present VICTIM.pub --witness VICTIM impostor JSON...
 *       an impostor holding only --key presents the victim's public key,
 *       asks for a key_challenge, tries to read it with its own key and
 *       answers key_proof with what it got (zeros when nothing), then
 *       sends each JSON; prints whether it could read the challenge, then
 *       every answer as the witness (the victim's key, never used by the
 *       impostor) reads it
 *   test-client ... --present VICTIM.pub --witness VICTIM cuberoot
 *       the same with an attacker holding nothing but the victim's public
 *       key, whose exponent is 3: it takes the integer cube root of each
 *       block of the key_challenge answer (a plaintext m with m^3 < n is
 *       its own cube root); first shows that this reads a challenge answer
 *       without the filler, encrypted here for the victim
 *   test-client ... small-e BITS FILE
 *       writes a key pair with public exponent 3 (FILE, FILE.pub)
 *   test-client ... [--source ADDR] flood COUNT
 *       COUNT connections (from the local address ADDR, e.g. 127.0.0.2), each presenting a new made-up key (an odd 1024-bit
 *       number, e = 65537, no private key) and asking to register a new
 *       login; the answers cannot be read: prints "flood done"
 *   test-client ... abuse SCENARIO
 *       protocol abuse on a raw socket; prints what the server did
 *       ("closed", or the response text)
 *   test-client ... pipe JSON...
 *       one connection, every request sent before any answer is read (a
 *       wait_messages followed by another request); then each response
 *       printed as req prints it
 *   test-client ... waiters COUNT JSON
 *       COUNT connections each send JSON (a wait_messages); prints
 *       "waiting COUNT" once all are sent, then reads every answer and
 *       prints each distinct one (as req prints it) after its count
 *   test-client ... hangup JSON
 *       sends JSON and closes the connection without reading the answer
 *   test-client ... load CLIENTS ROUNDS
 *       CLIENTS concurrent connections (threads, fresh 1024-bit keys) that
 *       register, send ROUNDS messages to their neighbour and check what
 *       they read back; prints "load ok" or the failures
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <netdb.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "bigint.h"
#include "errors.h"
#include "frame.h"
#include "jsonx.h"
#include "keyfile.h"
#include "protocol.h"
#include "rsa.h"
#include "secure.h"
#include "session.h"
#include "tests/lib/testnet.h"
#include "wire.h"

#define TC_LOAD_KEY_BITS 1024u
#define TC_MAX_CLIENTS 1000

static const char *tc_host = "127.0.0.1";
static const char *tc_port;
static const char *tc_source;  /* local address raw connections bind to */
static int tc_timeout_ms = 30000;
static int tc_keep_times;

static void tc_die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

static void tc_die(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	fputs("test-client: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	exit(2);
}

static int tc_is_timestamp(const char *s)
{
	/* YYYY-MM-DDTHH:MM:SS.ffffff */
	static const char shape[] = "dddd-dd-ddTdd:dd:dd.dddddd";

	if (strlen(s) != sizeof shape - 1)
		return 0;
	for (size_t i = 0; shape[i]; i++) {
		if (shape[i] == 'd' ? (s[i] < '0' || s[i] > '9') : s[i] != shape[i])
			return 0;
	}
	return 1;
}

/* A key_challenge answer's data: 64 lowercase hex digits. */
static int tc_is_challenge(const char *s)
{
	size_t i;

	for (i = 0; s[i]; i++)
		if (!((s[i] >= '0' && s[i] <= '9') || (s[i] >= 'a' && s[i] <= 'f')))
			return 0;
	return i == 2 * PROTO_KEY_CHALLENGE_BYTES;
}

/* The filler of a key_challenge answer is hex of at least min_len digits. */
static int tc_is_filler(const char *s, size_t min_len)
{
	return s && strlen(s) >= min_len && strspn(s, "0123456789abcdef") == strlen(s);
}

/* Replaces a challenge with "CHALLENGE" after copying it to challenge, and
 * unless --keep-times every well-formed created_at in a get_messages answer
 * with "T" (a malformed one stays as it is, so the comparison shows it). */
static void tc_redact(struct json_object *resp, const struct rsa_public *key,
                      char challenge[2 * PROTO_KEY_CHALLENGE_BYTES + 1])
{
	struct json_object *data;

	if (!json_object_object_get_ex(resp, "data", &data))
		return;
	if (json_object_is_type(data, json_type_string) && tc_is_challenge(json_object_get_string(data))) {
		memcpy(challenge, json_object_get_string(data), 2 * PROTO_KEY_CHALLENGE_BYTES + 1);
		json_object_object_add(resp, "data", json_object_new_string("CHALLENGE"));
		if (tc_is_filler(jsonx_get_string(resp, "filler"), mpz_sizeinbase(key->n, 10)))
			json_object_object_add(resp, "filler", json_object_new_string("FILLER"));
		return;
	}
	if (tc_keep_times || !json_object_is_type(data, json_type_array))
		return;
	for (size_t i = 0; i < json_object_array_length(data); i++) {
		struct json_object *m = json_object_array_get_idx(data, i);
		const char *t = jsonx_get_string(m, "created_at");

		if (t && tc_is_timestamp(t))
			json_object_object_add(m, "created_at", json_object_new_string("T"));
	}
}

static void tc_load_key(const char *path, struct rsa_private *key)
{
	char err[256];

	if (keyfile_load_private(path, key, err, sizeof err) != RC_OK)
		tc_die("cannot load %s: %s", path, err);
}

static int tc_connect(struct session *s, const struct rsa_private *key)
{
	char err[256];
	int r = session_connect(s, tc_host, tc_port, key, tc_timeout_ms, err, sizeof err);

	if (r != RC_OK)
		fprintf(stderr, "test-client: connect: %s\n", err);
	return r;
}

/* req with every "@challenge@" replaced by challenge (malloc'd). */
static char *tc_expand(const char *req, const char *challenge)
{
	static const char mark[] = "@challenge@";
	size_t len = strlen(req) + 1;
	char *out = malloc(len + strlen(challenge) * (len / (sizeof mark - 1))), *o = out;

	if (!out)
		tc_die("out of memory");
	while (*req) {
		if (strncmp(req, mark, sizeof mark - 1) == 0) {
			o = stpcpy(o, challenge);
			req += sizeof mark - 1;
		} else {
			*o++ = *req++;
		}
	}
	*o = '\0';
	return out;
}

/* Prints a response text for key (redacted, see tc_redact) on one line of to. */
static void tc_print_response(FILE *to, const char *text, size_t len, const struct rsa_public *key,
                              char challenge[2 * PROTO_KEY_CHALLENGE_BYTES + 1])
{
	struct json_object *resp = NULL;

	if (jsonx_parse(text, len, &resp) != RC_OK) {
		fprintf(to, "unparsable: %s\n", text);
		return;
	}
	tc_redact(resp, key, challenge);
	fprintf(to, "%s\n", jsonx_to_string(resp, NULL));
	json_object_put(resp);
}

/* req: prints each response, or "closed" when the server hung up. */
static int tc_cmd_req(const struct rsa_private *key, int argc, char **argv)
{
	char challenge[2 * PROTO_KEY_CHALLENGE_BYTES + 1] = "";
	struct session s;

	if (tc_connect(&s, key) != RC_OK)
		return 1;
	for (int i = 0; i < argc; i++) {
		char *text = NULL, *req = tc_expand(argv[i], challenge);
		size_t len = 0;
		int r = session_request_text(&s, req, strlen(req), &text, &len);

		free(req);
		if (r == RC_ERR_EOF) {
			printf("closed\n");
			break;
		}
		if (r != RC_OK) {
			printf("error: %s\n", rc_strerror(r));
			break;
		}
		tc_print_response(stdout, text, len, &key->pub, challenge);
		free(text);
	}
	fflush(stdout);
	session_close(&s);
	return 0;
}

/* ---- raw sockets for abuse ---- */

/* A connected socket; rcvbuf > 0 shrinks its receive buffer (and so the
 * window the server may fill) before connecting. */
static void tc_bind_source(int fd)
{
	struct addrinfo hints, *res;

	memset(&hints, 0, sizeof hints);
	hints.ai_socktype = SOCK_STREAM;
	if (getaddrinfo(tc_source, NULL, &hints, &res) != 0)
		tc_die("cannot resolve %s", tc_source);
	if (bind(fd, res->ai_addr, res->ai_addrlen) != 0)
		tc_die("bind %s: %s", tc_source, strerror(errno));
	freeaddrinfo(res);
}

static int tc_raw_connect(int rcvbuf)
{
	struct addrinfo hints, *res;
	int fd;

	memset(&hints, 0, sizeof hints);
	hints.ai_socktype = SOCK_STREAM;
	if (getaddrinfo(tc_host, tc_port, &hints, &res) != 0)
		tc_die("cannot resolve %s", tc_host);
	fd = socket(res->ai_family, res->ai_socktype, res->ai_protocol);
	if (fd >= 0 && rcvbuf > 0)
		setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &rcvbuf, sizeof rcvbuf);
	if (fd >= 0 && tc_source)
		tc_bind_source(fd);
	if (fd < 0 || connect(fd, res->ai_addr, res->ai_addrlen) != 0)
		tc_die("connect: %s", strerror(errno));
	freeaddrinfo(res);
	return fd;
}

static void tc_raw_send(int fd, const void *p, size_t n)
{
	/* The server may close while we write: the reader notices. */
	(void)testnet_send_all(fd, p, n);
}

/* Reads one frame of the given kind, or returns non-zero on EOF/timeout. */
static int tc_raw_read_frame(int fd, enum frame_kind kind, struct blocklist *out)
{
	struct frame_limits limits = { PROTO_CLIENT_MAX_RESPONSE_BYTES, PROTO_CLIENT_MAX_BLOCKS,
	                               PROTO_CLIENT_MAX_RESPONSE_BYTES };
	struct frame_reader r;
	int rc = FRAME_NEED_MORE;

	blocklist_init(out);
	frame_reader_init(&r, kind, &limits);
	while (rc == FRAME_NEED_MORE) {
		struct pollfd p = { fd, POLLIN, 0 };
		uint8_t buf[65536];
		ssize_t n;
		size_t used = 0;

		/* Peek, then take only what this frame used: the start of the
		 * next frame stays in the socket. */
		if (poll(&p, 1, tc_timeout_ms) <= 0 || (n = recv(fd, buf, sizeof buf, MSG_PEEK)) <= 0) {
			rc = RC_ERR_EOF;
			break;
		}
		rc = frame_reader_feed(&r, buf, (size_t)n, &used);
		if (used > 0 && recv(fd, buf, used, 0) != (ssize_t)used)
			rc = RC_ERR_IO;
	}
	if (rc == FRAME_DONE)
		rc = frame_reader_take(&r, out);
	frame_reader_free(&r);
	return rc;
}

/* Waits for the server to close: "closed" (with the time it took) or "open". */
static void tc_expect_close(int fd)
{
	struct timespec t0, t1;
	uint8_t buf[4096];

	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		struct pollfd p = { fd, POLLIN, 0 };
		ssize_t n;

		if (poll(&p, 1, tc_timeout_ms) <= 0) {
			printf("open\n");
			return;
		}
		n = recv(fd, buf, sizeof buf, 0);
		if (n <= 0)
			break;
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	printf("closed\n");
	fprintf(stderr, "test-client: closed after %ld ms\n",
	        (long)((t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000));
}

/* Sends a byte every 100 ms until the server closes ("closed") or the
 * timeout passes ("open"). */
static void tc_trickle_until_closed(int fd)
{
	uint8_t buf[256];

	for (int waited_ms = 0; waited_ms < tc_timeout_ms; waited_ms += 100) {
		struct pollfd p = { fd, POLLIN, 0 };

		if (poll(&p, 1, 100) > 0 && recv(fd, buf, sizeof buf, 0) <= 0) {
			printf("closed\n");
			return;
		}
		if (send(fd, "x", 1, MSG_NOSIGNAL) != 1) {
			printf("closed\n");
			return;
		}
	}
	printf("open\n");
}

static void tc_send_number(int fd, const mpz_t v)
{
	struct bytebuf f;

	bytebuf_init(&f, BYTEBUF_UNBOUNDED);
	if (testnet_frame_number(&f, v) != RC_OK)
		tc_die("out of memory");
	tc_raw_send(fd, f.data, f.len);
	bytebuf_free(&f);
}

/* Reads the server's key and presents `present` (ours, or an impostor's pick). */
static int tc_raw_handshake(const struct rsa_public *present, struct rsa_public *server, int rcvbuf)
{
	struct blocklist e, n;
	int fd = tc_raw_connect(rcvbuf);

	if (tc_raw_read_frame(fd, FRAME_KIND_BYTES, &e) != RC_OK ||
	    tc_raw_read_frame(fd, FRAME_KIND_BYTES, &n) != RC_OK)
		tc_die("no handshake from the server");
	bigint_from_bytes(server->e, e.v[0].data, e.v[0].len);
	bigint_from_bytes(server->n, n.v[0].data, n.v[0].len);
	blocklist_free(&e);
	blocklist_free(&n);
	tc_send_number(fd, present->e);
	tc_send_number(fd, present->n);
	return fd;
}

/* Reads one response and prints its text; "closed" (and 1) when the server hung up. */
static int tc_raw_print_response(int fd, const struct rsa_private *key)
{
	struct blocklist in;
	char *resp;
	size_t resp_len;

	if (tc_raw_read_frame(fd, FRAME_KIND_BLOCKS, &in) != RC_OK) {
		printf("closed\n");
		return 1;
	}
	if (wire_open(key, &in, PROTO_CLIENT_MAX_RESPONSE_BYTES, &resp, &resp_len) != RC_OK)
		tc_die("cannot decrypt the response");
	printf("%s\n", resp);
	free(resp);
	blocklist_free(&in);
	return 0;
}

/* For answers too large to decrypt quickly: reads the whole frame, prints
 * its block count and the decrypted last block. */
static void tc_raw_print_tail(int fd, const struct rsa_private *key)
{
	struct blocklist in, last;
	char *text;
	size_t len;

	if (tc_raw_read_frame(fd, FRAME_KIND_BLOCKS, &in) != RC_OK) {
		printf("closed\n");
		return;
	}
	blocklist_init(&last);
	if (in.count == 0 || blocklist_push(&last, in.v[in.count - 1].data, in.v[in.count - 1].len) != RC_OK ||
	    wire_open(key, &last, PROTO_CLIENT_MAX_RESPONSE_BYTES, &text, &len) != RC_OK)
		tc_die("cannot decrypt the last block");
	printf("blocks %zu\ntail %s\n", in.count, text);
	free(text);
	blocklist_free(&last);
	blocklist_free(&in);
}

/* Sends text as a request, encrypted for the server. */
static void tc_raw_send_request(int fd, const struct rsa_public *server, const char *text, size_t len)
{
	struct bytebuf out;

	bytebuf_init(&out, BYTEBUF_UNBOUNDED);
	if (wire_seal(server, rsa_chunk_original(server), text, len, &out) != RC_OK)
		tc_die("cannot encrypt the request");
	tc_raw_send(fd, out.data, out.len);
	bytebuf_free(&out);
}

/* Sends text as a request and prints the response (or "closed"). */
static void tc_raw_request(int fd, const struct rsa_private *key, const struct rsa_public *server,
                           const char *text, size_t len)
{
	tc_raw_send_request(fd, server, text, len);
	tc_raw_print_response(fd, key);
}

/* ---- the sync extension: requests in flight together ---- */

/* Reads one response of s's connection and prints it like req to to;
 * non-zero when it did not come. */
static int tc_read_print(FILE *to, struct session *s, const struct rsa_private *key)
{
	char challenge[2 * PROTO_KEY_CHALLENGE_BYTES + 1] = "";
	struct blocklist in;
	char *text;
	size_t len;

	if (tc_raw_read_frame(s->fd, FRAME_KIND_BLOCKS, &in) != RC_OK) {
		fprintf(to, "closed\n");
		return 1;
	}
	if (wire_open(key, &in, PROTO_CLIENT_MAX_RESPONSE_BYTES, &text, &len) != RC_OK)
		tc_die("cannot decrypt the response");
	tc_print_response(to, text, len, &key->pub, challenge);
	free(text);
	blocklist_free(&in);
	return 0;
}

static int tc_cmd_pipe(const struct rsa_private *key, int argc, char **argv)
{
	struct session s;

	if (tc_connect(&s, key) != RC_OK)
		return 1;
	for (int i = 0; i < argc; i++)
		tc_raw_send_request(s.fd, &s.server_key, argv[i], strlen(argv[i]));
	for (int i = 0; i < argc && tc_read_print(stdout, &s, key) == 0; i++)
		;
	fflush(stdout);
	session_close(&s);
	return 0;
}

static int tc_cmd_hangup(const struct rsa_private *key, const char *req)
{
	struct session s;

	if (tc_connect(&s, key) != RC_OK)
		return 1;
	tc_raw_send_request(s.fd, &s.server_key, req, strlen(req));
	session_close(&s);
	printf("hung up\n");
	return 0;
}

/* Each distinct answer of the waiters once, with how many got it. */
struct tc_answer_count {
	char *text;
	int count;
};

static int tc_cmd_waiters(const struct rsa_private *key, int count, const char *req)
{
	struct session *s = calloc((size_t)(count > 0 ? count : 1), sizeof *s);
	struct tc_answer_count *seen = calloc((size_t)(count > 0 ? count : 1), sizeof *seen);
	int distinct = 0;
	FILE *out;
	char *line;
	size_t line_len;

	if (!s || !seen || count < 1 || count > TC_MAX_CLIENTS)
		tc_die("waiters: want 1..%d connections", TC_MAX_CLIENTS);
	for (int i = 0; i < count; i++) {
		if (tc_connect(&s[i], key) != RC_OK)
			tc_die("waiter %d cannot connect", i);
		tc_raw_send_request(s[i].fd, &s[i].server_key, req, strlen(req));
	}
	printf("waiting %d\n", count);
	fflush(stdout);
	for (int i = 0; i < count; i++) {
		int d;

		/* One printed answer, caught in memory to be counted. */
		if (!(out = open_memstream(&line, &line_len)))
			tc_die("out of memory");
		tc_read_print(out, &s[i], key);
		fclose(out);
		for (d = 0; d < distinct && strcmp(seen[d].text, line) != 0; d++)
			;
		if (d == distinct)
			seen[distinct++].text = line;
		else
			free(line);
		seen[d].count++;
		session_close(&s[i]);
	}
	for (int d = 0; d < distinct; d++) {
		printf("%d %s", seen[d].count, seen[d].text);
		free(seen[d].text);
	}
	free(seen);
	free(s);
	return 0;
}

/* ---- an impostor presenting someone else's public key ---- */

/* How an impostor tries to read an answer meant for the victim: *text
 * (malloc'd) is what it makes of the blocks, NULL when nothing. */
struct tc_reader {
	const char *name;
	void (*read)(const struct rsa_private *impostor, const struct blocklist *in, char **text);
};

/* With its own private key. */
static void tc_read_with_own_key(const struct rsa_private *impostor, const struct blocklist *in, char **text)
{
	size_t len;

	if (wire_open(impostor, in, PROTO_CLIENT_MAX_RESPONSE_BYTES, text, &len) != RC_OK)
		*text = NULL;
}

/* With nothing but e = 3: the exact integer cube root of each block is its
 * plaintext chunk when m^3 < n; blocks without one are skipped. */
static void tc_read_by_cube_root(const struct rsa_private *unused, const struct blocklist *in, char **text)
{
	struct bytebuf out;
	uint8_t *bytes;
	size_t len;
	mpz_t c, m;

	(void)unused;
	mpz_inits(c, m, NULL);
	bytebuf_init(&out, BYTEBUF_UNBOUNDED);
	for (size_t i = 0; i < in->count; i++) {
		bigint_from_bytes(c, in->v[i].data, in->v[i].len);
		if (!mpz_root(m, c, 3))
			continue;
		if (bigint_to_bytes(m, &bytes, &len) != RC_OK || bytebuf_append(&out, bytes, len) != RC_OK)
			tc_die("out of memory");
		free(bytes);
	}
	if (bytebuf_take(&out, (uint8_t **)text, &len) != RC_OK)
		tc_die("out of memory");
	bytebuf_free(&out);
	mpz_clears(c, m, NULL);
}

static const struct tc_reader tc_own_key_reader = { "impostor", tc_read_with_own_key };
static const struct tc_reader tc_cube_root_reader = { "cube root", tc_read_by_cube_root };

/* What the reader makes of the answer to key_challenge: the challenge if
 * the text it gets shows one (it must not), else zeros. */
static void tc_impostor_guess(const struct tc_reader *reader, const struct rsa_private *impostor,
                              const struct blocklist *in, char guess[2 * PROTO_KEY_CHALLENGE_BYTES + 1])
{
	static const char mark[] = "\"data\":\"";
	char *text = NULL;
	const char *data;
	int read = 0;

	memset(guess, '0', 2 * PROTO_KEY_CHALLENGE_BYTES);
	guess[2 * PROTO_KEY_CHALLENGE_BYTES] = '\0';
	reader->read(impostor, in, &text);
	if (text && (data = strstr(text, mark)) != NULL && strlen(data += sizeof mark - 1) > 2 * PROTO_KEY_CHALLENGE_BYTES &&
	    data[2 * PROTO_KEY_CHALLENGE_BYTES] == '"' &&
	    strspn(data, "0123456789abcdef") == 2 * PROTO_KEY_CHALLENGE_BYTES) {
		memcpy(guess, data, 2 * PROTO_KEY_CHALLENGE_BYTES);
		read = 1;
	}
	printf("%s reads the challenge: %s\n", reader->name, read ? "yes" : "no");
	free(text);
}

/* The cube root reader on a challenge answer as the server sent it before
 * the filler, encrypted here for the victim with the original's chunks. */
static void tc_cube_root_self_check(const struct rsa_public *victim)
{
	static const char unpadded[] = "{\"state\":\"ok\",\"data\":\""
	                               "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef\"}";
	struct blocklist blocks;
	char guess[2 * PROTO_KEY_CHALLENGE_BYTES + 1];

	blocklist_init(&blocks);
	if (rsa_encrypt(victim, (const uint8_t *)unpadded, sizeof unpadded - 1, rsa_chunk_original(victim), &blocks) !=
	    RC_OK)
		tc_die("cannot encrypt for the victim");
	printf("without the filler: ");
	tc_impostor_guess(&tc_cube_root_reader, NULL, &blocks, guess);
	blocklist_free(&blocks);
}

static int tc_cmd_impostor(const struct tc_reader *reader, const struct rsa_private *impostor,
                           const struct rsa_public *victim, const struct rsa_private *witness, int argc, char **argv)
{
	char challenge[2 * PROTO_KEY_CHALLENGE_BYTES + 1] = "", guess[2 * PROTO_KEY_CHALLENGE_BYTES + 1];
	char proof[128 + 2 * PROTO_KEY_CHALLENGE_BYTES];
	struct rsa_public server;
	int fd;

	rsa_public_init(&server);
	fd = tc_raw_handshake(victim, &server, 0);
	for (int i = -2; i < argc; i++) {
		const char *req = i == -2 ? "{\"cmd\":\"key_challenge\"}" : i == -1 ? proof : argv[i];
		struct blocklist in;
		char *text;
		size_t len;

		tc_raw_send_request(fd, &server, req, strlen(req));
		if (tc_raw_read_frame(fd, FRAME_KIND_BLOCKS, &in) != RC_OK) {
			printf("closed\n");
			break;
		}
		if (i == -2) {
			tc_impostor_guess(reader, impostor, &in, guess);
			snprintf(proof, sizeof proof, "{\"cmd\":\"key_proof\",\"challenge\":\"%s\"}", guess);
		}
		if (wire_open(witness, &in, PROTO_CLIENT_MAX_RESPONSE_BYTES, &text, &len) != RC_OK)
			tc_die("the witness cannot read the answer");
		tc_print_response(stdout, text, len, &witness->pub, challenge);
		free(text);
		blocklist_free(&in);
	}
	fflush(stdout);
	close(fd);
	rsa_public_clear(&server);
	return 0;
}

/* A prime of bits bits, top two bits set, p = 2 mod 3 (so 3 divides
 * neither p - 1 nor the key's lcm). */
static void tc_prime_for_e3(mpz_t p, unsigned bits)
{
	uint8_t seed[32];
	gmp_randstate_t rs;

	secure_random(seed, sizeof seed);
	gmp_randinit_default(rs);
	mpz_import(p, sizeof seed, 1, 1, 0, 0, seed);
	gmp_randseed(rs, p);
	do {
		mpz_urandomb(p, rs, bits);
		mpz_setbit(p, bits - 1);
		mpz_setbit(p, bits - 2);
		mpz_nextprime(p, p);
	} while (mpz_fdiv_ui(p, 3) != 2 || mpz_sizeinbase(p, 2) != bits);
	gmp_randclear(rs);
}

static int tc_cmd_small_e(unsigned bits, const char *path)
{
	struct rsa_private k;
	mpz_t p, q, n, e, d, lcm;
	char err[256];
	int r;

	if (bits < PROTO_MIN_MODULUS_BITS || bits % 2)
		tc_die("small-e: want an even number of bits, at least %u", PROTO_MIN_MODULUS_BITS);
	mpz_inits(p, q, n, e, d, lcm, NULL);
	tc_prime_for_e3(p, bits / 2);
	do
		tc_prime_for_e3(q, bits / 2);
	while (mpz_cmp(p, q) == 0);
	mpz_mul(n, p, q);
	mpz_set_ui(e, 3);
	mpz_sub_ui(p, p, 1);
	mpz_sub_ui(q, q, 1);
	mpz_lcm(lcm, p, q);
	if (!mpz_invert(d, e, lcm))
		tc_die("small-e: 3 has no inverse");
	rsa_private_init(&k);
	if (rsa_private_from_edn(&k, e, d, n) != RC_OK)
		tc_die("small-e: inconsistent key");
	r = keyfile_save_pair(path, &k, KEYFILE_NATIVE, 1, err, sizeof err);
	if (r != RC_OK)
		tc_die("small-e: %s", err);
	rsa_private_clear(&k);
	mpz_clears(p, q, n, e, d, lcm, NULL);
	return 0;
}

/* Registration flood: one new made-up key per connection. The answers are
 * encrypted for keys nobody holds, so only the database tells the outcome;
 * each answer is still read, so the server has served it. */
static int tc_cmd_flood(int count)
{
	struct rsa_public fake, server;
	uint8_t random[128];
	char req[64];
	struct blocklist in;

	rsa_public_init(&fake);
	rsa_public_init(&server);
	mpz_set_ui(fake.e, 65537);
	for (int i = 0; i < count; i++) {
		int fd;

		secure_random(random, sizeof random);
		random[0] |= 0x80;
		random[sizeof random - 1] |= 1;
		bigint_from_bytes(fake.n, random, sizeof random);
		fd = tc_raw_handshake(&fake, &server, 0);
		/* The login, like the key, is new every time. */
		snprintf(req, sizeof req, "{\"cmd\":\"register\",\"login\":\"flood-%02x%02x%02x%02x\"}", random[1],
		         random[2], random[3], random[4]);
		tc_raw_send_request(fd, &server, req, strlen(req));
		if (tc_raw_read_frame(fd, FRAME_KIND_BLOCKS, &in) != RC_OK)
			tc_die("flood: no answer to registration %d", i);
		blocklist_free(&in);
		close(fd);
	}
	rsa_public_clear(&fake);
	rsa_public_clear(&server);
	printf("flood done\n");
	return 0;
}

static const uint8_t tc_u32_max[4] = { 0xff, 0xff, 0xff, 0xff };

static int tc_cmd_abuse(const struct rsa_private *key, const char *scenario)
{
	struct rsa_public server;
	int fd;

	rsa_public_init(&server);
	if (strcmp(scenario, "handshake-length") == 0) {
		struct blocklist skip;

		/* After the server's key, announce a 4 GiB e. */
		fd = tc_raw_connect(0);
		if (tc_raw_read_frame(fd, FRAME_KIND_BYTES, &skip) != RC_OK)
			tc_die("no handshake");
		blocklist_free(&skip);
		tc_raw_send(fd, tc_u32_max, 4);
		tc_expect_close(fd);
	} else if (strcmp(scenario, "handshake-stall") == 0) {
		fd = tc_raw_connect(0);
		tc_expect_close(fd);
	} else if (strcmp(scenario, "small-key") == 0 || strcmp(scenario, "even-exponent") == 0) {
		struct blocklist skip;
		mpz_t e, n;

		fd = tc_raw_connect(0);
		if (tc_raw_read_frame(fd, FRAME_KIND_BYTES, &skip) != RC_OK)
			tc_die("no handshake");
		blocklist_free(&skip);
		mpz_init_set_ui(e, strcmp(scenario, "small-key") == 0 ? 65537 : 65536);
		mpz_init(n);
		if (strcmp(scenario, "small-key") == 0) {
			mpz_ui_pow_ui(n, 2, 255); /* a 256-bit odd modulus */
			mpz_add_ui(n, n, 297);
		} else {
			mpz_set(n, key->pub.n);
		}
		tc_send_number(fd, e);
		tc_send_number(fd, n);
		mpz_clears(e, n, NULL);
		tc_expect_close(fd);
	} else if (strcmp(scenario, "request-length") == 0) {
		static const uint8_t one_block[4] = { 1, 0, 0, 0 };

		fd = tc_raw_handshake(&key->pub, &server, 0);
		tc_raw_send(fd, one_block, 4);
		tc_raw_send(fd, tc_u32_max, 4);
		tc_expect_close(fd);
	} else if (strcmp(scenario, "block-count") == 0) {
		fd = tc_raw_handshake(&key->pub, &server, 0);
		tc_raw_send(fd, tc_u32_max, 4);
		tc_expect_close(fd);
	} else if (strcmp(scenario, "block-too-big") == 0) {
		struct blocklist blocks;
		struct bytebuf frame, nbytes;

		/* One block holding n itself: not a valid ciphertext. */
		fd = tc_raw_handshake(&key->pub, &server, 0);
		blocklist_init(&blocks);
		bytebuf_init(&frame, BYTEBUF_UNBOUNDED);
		bytebuf_init(&nbytes, BYTEBUF_UNBOUNDED);
		if (bigint_append(&nbytes, server.n) != RC_OK || blocklist_push(&blocks, nbytes.data, nbytes.len) != RC_OK ||
		    frame_write_blocks(&frame, &blocks) != RC_OK)
			tc_die("out of memory");
		tc_raw_send(fd, frame.data, frame.len);
		tc_expect_close(fd);
		blocklist_free(&blocks);
		bytebuf_free(&frame);
		bytebuf_free(&nbytes);
	} else if (strcmp(scenario, "garbage") == 0) {
		static const char http[] = "GET / HTTP/1.1\r\nHost: example\r\n\r\n";

		fd = tc_raw_handshake(&key->pub, &server, 0);
		tc_raw_send(fd, http, sizeof http - 1);
		tc_expect_close(fd);
	} else if (strcmp(scenario, "bad-utf8") == 0) {
		static const char bad[] = "{\"cmd\": \"ping\xc3\x28\"}";

		fd = tc_raw_handshake(&key->pub, &server, 0);
		tc_raw_request(fd, key, &server, bad, sizeof bad - 1);
		tc_raw_request(fd, key, &server, "{\"cmd\":\"ping\"}", 14);
	} else if (strcmp(scenario, "zero-blocks") == 0) {
		static const uint8_t none[4] = { 0, 0, 0, 0 };

		fd = tc_raw_handshake(&key->pub, &server, 0);
		tc_raw_send(fd, none, 4);
		tc_raw_print_response(fd, key);
	} else if (strcmp(scenario, "stall") == 0) {
		static const uint8_t partial[6] = { 1, 0, 0, 0, 16, 0 };

		/* Half a frame header, then silence. */
		fd = tc_raw_handshake(&key->pub, &server, 0);
		tc_raw_send(fd, partial, sizeof partial);
		tc_expect_close(fd);
	} else if (strcmp(scenario, "slow-reader") == 0) {
		static const char req[] = "{\"cmd\":\"get_messages\",\"user\":\"carol\"}";
		struct bytebuf out;

		/* Asks for carol's history and reads nothing for a second, so a
		 * large answer fills the socket buffers on the way; prints the
		 * block count and the end of the answer. */
		fd = tc_raw_handshake(&key->pub, &server, 4096);
		bytebuf_init(&out, BYTEBUF_UNBOUNDED);
		if (wire_seal(&server, rsa_chunk_original(&server), req, sizeof req - 1, &out) != RC_OK)
			tc_die("cannot encrypt the request");
		tc_raw_send(fd, out.data, out.len);
		bytebuf_free(&out);
		sleep(1);
		tc_raw_print_tail(fd, key);
	} else if (strcmp(scenario, "trickle") == 0) {
		static const uint8_t header[8] = { 1, 0, 0, 0, 0xe8, 0x03, 0, 0 };

		/* A 1000-byte block, one byte every 100 ms: alive, never done. */
		fd = tc_raw_handshake(&key->pub, &server, 0);
		tc_raw_send(fd, header, sizeof header);
		tc_trickle_until_closed(fd);
	} else if (strcmp(scenario, "pipeline") == 0) {
		struct bytebuf out;
		const char *reqs[] = { "{\"cmd\":\"ping\"}", "{\"cmd\":\"nope\"}", "{\"cmd\":\"goodbye\"}" };

		/* Three requests in one write, then three answers in order. */
		fd = tc_raw_handshake(&key->pub, &server, 0);
		bytebuf_init(&out, BYTEBUF_UNBOUNDED);
		for (size_t i = 0; i < 3; i++)
			if (wire_seal(&server, rsa_chunk_wide(&server), reqs[i], strlen(reqs[i]), &out) != RC_OK)
				tc_die("cannot encrypt");
		tc_raw_send(fd, out.data, out.len);
		bytebuf_free(&out);
		for (size_t i = 0; i < 3 && tc_raw_print_response(fd, key) == 0; i++)
			;
		tc_expect_close(fd);
	} else {
		tc_die("unknown scenario %s", scenario);
	}
	fflush(stdout);
	close(fd);
	rsa_public_clear(&server);
	return 0;
}

/* ---- load ---- */

struct tc_load {
	int clients;
	int rounds;
	unsigned run;                /* makes logins unique per run */
	pthread_barrier_t sent;      /* everyone has sent before anyone reads */
	pthread_mutex_t lock;
	int failures;
};

struct tc_load_client {
	struct tc_load *load;
	int index;
	pthread_t thread;
};

static void tc_load_fail(struct tc_load *load, int index, const char *what, const char *detail)
{
	pthread_mutex_lock(&load->lock);
	load->failures++;
	fprintf(stderr, "client %d: %s%s%s\n", index, what, detail ? ": " : "", detail ? detail : "");
	pthread_mutex_unlock(&load->lock);
}

/* Sends req and checks that the answer's text is exactly `want`. */
static int tc_load_expect(struct tc_load_client *c, struct session *s, const char *req, const char *want)
{
	char *resp = NULL;
	size_t len;
	int r = session_request_text(s, req, strlen(req), &resp, &len);

	if (r != RC_OK) {
		tc_load_fail(c->load, c->index, req, rc_strerror(r));
		return -1;
	}
	if (want && strcmp(resp, want) != 0) {
		tc_load_fail(c->load, c->index, req, resp);
		free(resp);
		return -1;
	}
	free(resp);
	return 0;
}

/* get_messages with other_login must give `count` messages "PREFIX SENDER
 * round R" for R = first_round, first_round + step, ... */
static int tc_load_check_history(struct tc_load_client *c, struct session *s, const char *other_login, int sender,
                                 const char *prefix, int count, int step)
{
	struct tc_load *load = c->load;
	struct json_object *req = json_object_new_object(), *resp = NULL, *data;
	char want[64];
	int ok = 0;

	json_object_object_add(req, "cmd", json_object_new_string("get_messages"));
	json_object_object_add(req, "user", json_object_new_string(other_login));
	if (session_request(s, req, &resp) != RC_OK || !json_object_object_get_ex(resp, "data", &data) ||
	    !json_object_is_type(data, json_type_array)) {
		tc_load_fail(load, c->index, "get_messages", resp ? jsonx_to_string(resp, NULL) : "no answer");
		goto out;
	}
	if ((int)json_object_array_length(data) != count) {
		tc_load_fail(load, c->index, "get_messages: wrong number of messages", jsonx_to_string(data, NULL));
		goto out;
	}
	for (int i = 0; i < count; i++) {
		struct json_object *m = json_object_array_get_idx(data, (size_t)i);
		const char *content = jsonx_get_string(m, "content");
		const char *created_at = jsonx_get_string(m, "created_at");

		snprintf(want, sizeof want, "%s %d round %d", prefix, sender, step == 1 ? i : 1 + i * step);
		if (!content || strcmp(content, want) != 0 || !created_at || !tc_is_timestamp(created_at)) {
			tc_load_fail(load, c->index, "get_messages: wrong message", jsonx_to_string(m, NULL));
			goto out;
		}
	}
	ok = 1;
out:
	json_object_put(req);
	json_object_put(resp);
	return ok ? 0 : -1;
}

static void *tc_load_main(void *arg)
{
	struct tc_load_client *c = arg;
	struct tc_load *load = c->load;
	int right = (c->index + 1) % load->clients, left = (c->index + load->clients - 1) % load->clients;
	char req[512], login[64], left_login[64], right_login[64];
	struct rsa_private key;
	struct session s;
	int connected = 0, waited = 0;

	rsa_private_init(&key);
	snprintf(login, sizeof login, "load%u_%d", load->run, c->index);
	snprintf(left_login, sizeof left_login, "load%u_%d", load->run, left);
	snprintf(right_login, sizeof right_login, "load%u_%d", load->run, right);
	if (rsa_generate(&key, TC_LOAD_KEY_BITS, NULL, NULL) != RC_OK) {
		tc_load_fail(load, c->index, "key generation failed", NULL);
		goto out;
	}
	if (tc_connect(&s, &key) != RC_OK) {
		tc_load_fail(load, c->index, "connect failed", NULL);
		goto out;
	}
	connected = 1;
	snprintf(req, sizeof req, "{\"cmd\":\"register\",\"login\":\"%s\"}", login);
	if (tc_load_expect(c, &s, "{\"cmd\":\"get_users\"}", "{\"state\":\"error\",\"error\":\"no auth\"}") ||
	    tc_load_expect(c, &s, req, "{\"state\":\"ok\",\"data\":\"welcome\"}") ||
	    tc_load_expect(c, &s, "{\"cmd\":\"ping\"}", "{\"state\":\"ok\",\"data\":\"pong\"}"))
		goto out;
	if (c->index % 50 == 0 && tc_load_expect(c, &s, "{\"cmd\":\"get_users\"}", NULL))
		goto out;
	/* Wait until the neighbour exists. */
	pthread_barrier_wait(&load->sent);
	/* Every round a message for the right neighbour; odd rounds also a
	 * self copy (its content marked "self"). */
	for (int i = 0; i < load->rounds; i++) {
		snprintf(req, sizeof req,
		         "{\"cmd\":\"send_message\",\"user\":\"%s\",\"content\":\"from %d round %d\",\"self_copy\":false}",
		         right_login, c->index, i);
		if (tc_load_expect(c, &s, req, "{\"state\":\"ok\",\"data\":\"sent\"}"))
			break;
		snprintf(req, sizeof req,
		         "{\"cmd\":\"send_message\",\"user\":\"%s\",\"content\":\"self from %d round %d\",\"self_copy\":true}",
		         right_login, c->index, i);
		if (i % 2 && tc_load_expect(c, &s, req, "{\"state\":\"ok\",\"data\":\"sent\"}"))
			break;
	}
	pthread_barrier_wait(&load->sent);
	waited = 1;
	if (tc_load_check_history(c, &s, left_login, left, "from", load->rounds, 1) == 0)
		tc_load_check_history(c, &s, right_login, c->index, "self from", load->rounds / 2, 2);
	tc_load_expect(c, &s, "{\"cmd\":\"goodbye\"}", "{\"state\":\"ok\",\"data\":\"goodbye\"}");
out:
	if (!waited) {
		/* Keep the barrier count right for the others. */
		pthread_barrier_wait(&load->sent);
		pthread_barrier_wait(&load->sent);
	}
	if (connected)
		session_close(&s);
	rsa_private_clear(&key);
	return NULL;
}

static int tc_cmd_load(int clients, int rounds)
{
	struct tc_load load;
	struct tc_load_client *c;

	if (clients < 3 || clients > TC_MAX_CLIENTS || rounds < 1)
		tc_die("load: want 3..%d clients and at least one round", TC_MAX_CLIENTS);
	memset(&load, 0, sizeof load);
	load.clients = clients;
	load.rounds = rounds;
	secure_random(&load.run, sizeof load.run);
	pthread_barrier_init(&load.sent, NULL, (unsigned)clients);
	pthread_mutex_init(&load.lock, NULL);
	c = calloc((size_t)clients, sizeof *c);
	if (!c)
		tc_die("out of memory");
	for (int i = 0; i < clients; i++) {
		c[i].load = &load;
		c[i].index = i;
		if (pthread_create(&c[i].thread, NULL, tc_load_main, &c[i]) != 0)
			tc_die("pthread_create failed");
	}
	for (int i = 0; i < clients; i++)
		pthread_join(c[i].thread, NULL);
	free(c);
	pthread_barrier_destroy(&load.sent);
	pthread_mutex_destroy(&load.lock);
	if (load.failures) {
		printf("load failed: %d failure(s)\n", load.failures);
		return 1;
	}
	printf("load ok\n");
	return 0;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "host", required_argument, NULL, 'H' },
		{ "port", required_argument, NULL, 'p' },
		{ "key", required_argument, NULL, 'k' },
		{ "timeout", required_argument, NULL, 't' },
		{ "keep-times", no_argument, NULL, 'T' },
		{ "present", required_argument, NULL, 'P' },
		{ "witness", required_argument, NULL, 'W' },
		{ "source", required_argument, NULL, 'S' },
		{ NULL, 0, NULL, 0 },
	};
	struct rsa_private key, witness;
	struct rsa_public victim;
	const char *key_path = NULL, *present_path = NULL, *witness_path = NULL;
	char err[256];
	int opt, status;

	while ((opt = getopt_long(argc, argv, "+", opts, NULL)) != -1) {
		switch (opt) {
		case 'H': tc_host = optarg; break;
		case 'p': tc_port = optarg; break;
		case 'k': key_path = optarg; break;
		case 't': tc_timeout_ms = atoi(optarg); break;
		case 'T': tc_keep_times = 1; break;
		case 'P': present_path = optarg; break;
		case 'W': witness_path = optarg; break;
		case 'S': tc_source = optarg; break;
		default: tc_die("bad option");
		}
	}
	if (!tc_port || optind >= argc)
		tc_die("usage: test-client --port P [--key FILE] req JSON... | abuse SCENARIO | load CLIENTS ROUNDS\n"
		       "       test-client --port P --key FILE pipe JSON... | waiters COUNT JSON | hangup JSON\n"
		       "       test-client --port P --key FILE --present VICTIM.pub --witness VICTIM impostor JSON...");
	if (secure_init() != RC_OK)
		tc_die("secure_init failed");
	rsa_private_init(&key);
	rsa_private_init(&witness);
	rsa_public_init(&victim);
	if (strcmp(argv[optind], "load") == 0) {
		if (argc - optind != 3)
			tc_die("load CLIENTS ROUNDS");
		status = tc_cmd_load(atoi(argv[optind + 1]), atoi(argv[optind + 2]));
	} else if (strcmp(argv[optind], "small-e") == 0) {
		if (argc - optind != 3)
			tc_die("small-e BITS FILE");
		status = tc_cmd_small_e((unsigned)atoi(argv[optind + 1]), argv[optind + 2]);
	} else if (strcmp(argv[optind], "flood") == 0) {
		if (argc - optind != 2)
			tc_die("flood COUNT");
		status = tc_cmd_flood(atoi(argv[optind + 1]));
	} else {
		if (!key_path)
			tc_die("--key is required");
		tc_load_key(key_path, &key);
		if (strcmp(argv[optind], "req") == 0)
			status = tc_cmd_req(&key, argc - optind - 1, argv + optind + 1);
		else if (strcmp(argv[optind], "pipe") == 0)
			status = tc_cmd_pipe(&key, argc - optind - 1, argv + optind + 1);
		else if (strcmp(argv[optind], "hangup") == 0 && argc - optind == 2)
			status = tc_cmd_hangup(&key, argv[optind + 1]);
		else if (strcmp(argv[optind], "waiters") == 0 && argc - optind == 3)
			status = tc_cmd_waiters(&key, atoi(argv[optind + 1]), argv[optind + 2]);
		else if (strcmp(argv[optind], "abuse") == 0 && argc - optind == 2)
			status = tc_cmd_abuse(&key, argv[optind + 1]);
		else if ((strcmp(argv[optind], "impostor") == 0 || strcmp(argv[optind], "cuberoot") == 0) && present_path &&
		         witness_path) {
			int cube = strcmp(argv[optind], "cuberoot") == 0;

			if (keyfile_load_public(present_path, &victim, err, sizeof err) != RC_OK)
				tc_die("cannot load %s: %s", present_path, err);
			tc_load_key(witness_path, &witness);
			if (cube)
				tc_cube_root_self_check(&victim);
			status = tc_cmd_impostor(cube ? &tc_cube_root_reader : &tc_own_key_reader, &key, &victim, &witness,
			                         argc - optind - 1, argv + optind + 1);
		} else
			tc_die("unknown command %s", argv[optind]);
	}
	rsa_private_clear(&key);
	rsa_private_clear(&witness);
	rsa_public_clear(&victim);
	return status;
}
