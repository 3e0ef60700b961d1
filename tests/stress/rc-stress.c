/* rc-stress: drives a running rsa-chat-server through faults and load for
 * the shell tests in tests/stress/. Each mode checks what the server must
 * do and exits 0 only when it did; failures are printed on stderr.
 *
 *   rc-stress --port P outage CLIENTS STOPFILE ACKFILE
 *       CLIENTS threads register and send messages with unique contents to
 *       a neighbour, one after another, until STOPFILE exists (the script
 *       stops and restarts PostgreSQL meanwhile). Every request must get a
 *       response: "sent" or "database unavailable", on the same connection.
 *       Then each client sends once more, retrying until "sent". ACKFILE gets
 *       every content acknowledged "sent", one a line, for the script to
 *       look up in the database.
 *   rc-stress --port P connections --server-pid PID --idle N --stall N
 *           --trickle N --handshake-timeout MS --idle-timeout MS
 *       Opens N idle connections (handshake done), N stalled in the middle
 *       of the handshake and N trickling one byte a second into a request
 *       frame, while a normal client pings; every ping must be answered,
 *       within a generous 2 s (served beside them, not a benchmark). Then
 *       every one of those connections must be closed by the server, no
 *       sooner than its timeout. Reports the server's VmRSS before, with
 *       the connections open and after.
 *   rc-stress --port P chaos --server-pid PID [--random N] [--seed S] [--max-growth-kb KB]
 *       Many short connections: the bytes of a valid handshake and request
 *       cut at every offset (closed, half-closed or reset there), random
 *       bytes before and after a handshake, and disconnects in the middle
 *       of a response, while a normal client keeps pinging and sending and
 *       afterwards finds every message it sent in its history; the server's
 *       VmRSS may grow by --max-growth-kb at most (default 64 MB). The
 *       random bytes come from --seed (make check fixes it, so every run
 *       sends the same bytes), or from a fresh seed printed at the start.
 *
 * Options may come before or after the mode. A failed check prints
 * "rc-stress: FAIL: ..." and makes the exit status 1; 2 is a broken setup.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <json-c/json.h>
#include <netdb.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "bigint.h"
#include "clock.h"
#include "errors.h"
#include "frame.h"
#include "jsonx.h"
#include "protocol.h"
#include "rsa.h"
#include "secure.h"
#include "session.h"
#include "stresslib.h"
#include "tests/lib/testnet.h"
#include "tests/bench/procstat.h"
#include "wire.h"

#define ST_KEY_BITS 1024u
#define ST_MAX_CLIENTS 200
#define ST_MAX_RAW 5000
#define ST_PING_BOUND_MS 2000
#define ST_PING_INTERVAL_MS 50
#define ST_PING_PHASE_MS 2500
/* The server sweeps for deadlines at most once a second; under load and
 * the sanitizers a close may come a few seconds after its deadline. */
#define ST_CLOSE_SLACK_MS 8000
#define ST_FINAL_SEND_MS 60000
/* Both sides count whole milliseconds. */
#define ST_CLOCK_ROUNDING_MS 2
#define ST_TEXT_MAX 256

static const char *st_host = "127.0.0.1";
static const char *st_port;
static int st_timeout_ms = 30000;
static unsigned st_run;          /* makes logins and contents unique per run */
static uint64_t st_chaos_seed;   /* --seed; 0: a fresh one */
static pthread_mutex_t st_lock = PTHREAD_MUTEX_INITIALIZER;
static int st_failures;

/* Records a failed check (any thread); the run then exits 1. */
static void st_fail(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

static void st_fail(const char *fmt, ...)
{
	va_list ap;

	pthread_mutex_lock(&st_lock);
	st_failures++;
	va_start(ap, fmt);
	fputs("rc-stress: FAIL: ", stderr);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
	va_end(ap);
	pthread_mutex_unlock(&st_lock);
}

static void st_sleep_ms(int ms)
{
	struct timespec t = { ms / 1000, (long)(ms % 1000) * 1000000L };

	while (nanosleep(&t, &t) != 0 && errno == EINTR)
		;
}

static long st_rss_kb(pid_t pid)
{
	struct procstat_sample s;

	if (procstat_process(pid, &s) != RC_OK)
		stress_die("cannot read /proc/%ld (has the server exited?)", (long)pid);
	return s.rss_kb;
}

static void st_new_key(struct rsa_private *key)
{
	rsa_private_init(key);
	if (rsa_generate(key, ST_KEY_BITS, NULL, NULL) != RC_OK)
		stress_die("key generation failed");
}

static int st_connect(struct session *s, const struct rsa_private *key)
{
	char err[256];
	int r = session_connect(s, st_host, st_port, key, st_timeout_ms, err, sizeof err);

	if (r != RC_OK)
		st_fail("connect: %s", err);
	return r;
}

/* One request. RC_OK: *state is "ok" or "error" and *what the data string
 * or the error text (both borrowed from *resp, which the caller puts). */
static int st_request(struct session *s, const char *req, struct json_object **resp, const char **state,
                      const char **what)
{
	char *text = NULL;
	size_t len = 0;
	int r;

	*resp = NULL;
	*state = *what = NULL;
	r = session_request_text(s, req, strlen(req), &text, &len);
	if (r != RC_OK)
		return r;
	r = jsonx_parse(text, len, resp);
	free(text);
	if (r != RC_OK)
		return RC_ERR_PROTOCOL;
	*state = jsonx_get_string(*resp, "state");
	if (*state && strcmp(*state, "ok") == 0)
		*what = jsonx_get_string(*resp, "data");
	else if (*state && strcmp(*state, "error") == 0)
		*what = jsonx_get_string(*resp, "error");
	if (!*state || (!*what && strcmp(*state, "error") == 0))
		return RC_ERR_PROTOCOL;
	return RC_OK;
}

/* A request whose only good answer is {"state": "ok", "data": want}. */
static int st_expect_ok(struct session *s, const char *who, const char *req, const char *want)
{
	struct json_object *resp;
	const char *state, *what;
	int r = st_request(s, req, &resp, &state, &what);

	if (r == RC_OK && (strcmp(state, "ok") != 0 || !what || strcmp(what, want) != 0))
		r = RC_ERR_SERVER;
	if (r != RC_OK)
		st_fail("%s: %s: %s", who, req, resp ? jsonx_to_string(resp, NULL) : rc_strerror(r));
	json_object_put(resp);
	return r;
}

static int st_register(struct session *s, const char *login)
{
	char req[ST_TEXT_MAX];

	snprintf(req, sizeof req, "{\"cmd\":\"register\",\"login\":\"%s\"}", login);
	return st_expect_ok(s, login, req, PROTO_DATA_WELCOME);
}

static void st_send_request(char *req, size_t size, const char *to, const char *content)
{
	snprintf(req, size, "{\"cmd\":\"send_message\",\"user\":\"%s\",\"content\":\"%s\"}", to, content);
}

static int st_stop_requested(const char *stopfile)
{
	struct stat sb;

	return stat(stopfile, &sb) == 0;
}

/* ---- raw sockets ---- */

static int st_raw_connect(void)
{
	struct addrinfo hints, *res;
	int fd;

	memset(&hints, 0, sizeof hints);
	hints.ai_socktype = SOCK_STREAM;
	if (getaddrinfo(st_host, st_port, &hints, &res) != 0)
		stress_die("cannot resolve %s", st_host);
	fd = socket(res->ai_family, res->ai_socktype, res->ai_protocol);
	if (fd < 0 || connect(fd, res->ai_addr, res->ai_addrlen) != 0)
		stress_die("connect: %s", strerror(errno));
	freeaddrinfo(res);
	return fd;
}

/* Reads whatever comes until the server closes (1) or timeout_ms pass (0). */
static int st_raw_wait_closed(int fd, int timeout_ms)
{
	int64_t deadline = clock_now_ms() + timeout_ms;
	uint8_t buf[16384];

	for (;;) {
		struct pollfd p = { fd, POLLIN, 0 };
		int64_t left = deadline - clock_now_ms();
		ssize_t n;

		if (left <= 0 || poll(&p, 1, (int)left) <= 0)
			return 0;
		n = recv(fd, buf, sizeof buf, 0);
		if (n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN))
			return 1;
	}
}

/* The client half of a handshake: our e and n as bytes frames. */
static void st_handshake_bytes(const struct rsa_public *me, struct bytebuf *out)
{
	if (testnet_frame_number(out, me->e) != RC_OK || testnet_frame_number(out, me->n) != RC_OK)
		stress_die("out of memory");
}

static void st_seal(const struct rsa_public *server, const char *json, struct bytebuf *out)
{
	if (wire_seal(server, rsa_chunk_original(server), json, strlen(json), out) != RC_OK)
		stress_die("cannot encrypt a request");
}

/* The server's public key, from a normal handshake. */
static void st_server_key(const struct rsa_private *me, struct rsa_public *server)
{
	struct session s;

	if (st_connect(&s, me) != RC_OK)
		stress_die("cannot reach the server");
	if (rsa_public_copy(server, &s.server_key) != RC_OK)
		stress_die("out of memory");
	session_close(&s);
}

/* ---- outage ---- */

struct st_outage {
	int clients;
	const char *stopfile;
	pthread_barrier_t registered;
	long unavailable;            /* "database unavailable" answers */
};

struct st_outage_client {
	struct st_outage *o;
	int index;
	pthread_t thread;
	char **acked;                /* contents answered "sent" */
	size_t n_acked, cap_acked;
	long unavailable;
};

static void st_outage_ack(struct st_outage_client *c, const char *content)
{
	if (c->n_acked == c->cap_acked) {
		size_t cap = c->cap_acked ? 2 * c->cap_acked : 64;
		char **v = realloc(c->acked, cap * sizeof *v);

		if (!v)
			stress_die("out of memory");
		c->acked = v;
		c->cap_acked = cap;
	}
	if (!(c->acked[c->n_acked++] = strdup(content)))
		stress_die("out of memory");
}

/* Sends one message; 1 if acknowledged, 0 if the database was unavailable,
 * -1 on anything else (recorded as a failure). */
static int st_outage_send(struct st_outage_client *c, struct session *s, const char *to, int seq)
{
	char content[ST_TEXT_MAX], req[2 * ST_TEXT_MAX], who[64];
	struct json_object *resp;
	const char *state, *what;
	int r, result = -1;

	snprintf(content, sizeof content, "outage %u client %d message %d", st_run, c->index, seq);
	snprintf(who, sizeof who, "client %d", c->index);
	st_send_request(req, sizeof req, to, content);
	r = st_request(s, req, &resp, &state, &what);
	if (r != RC_OK) {
		st_fail("%s: no response to message %d: %s", who, seq, rc_strerror(r));
	} else if (strcmp(state, "ok") == 0 && what && strcmp(what, PROTO_DATA_SENT) == 0) {
		st_outage_ack(c, content);
		result = 1;
	} else if (strcmp(state, "error") == 0 && strcmp(what, PROTO_ERR_DB_UNAVAILABLE) == 0) {
		c->unavailable++;
		result = 0;
	} else {
		st_fail("%s: unexpected answer to message %d: %s", who, seq, jsonx_to_string(resp, NULL));
	}
	json_object_put(resp);
	return result;
}

static void *st_outage_main(void *arg)
{
	struct st_outage_client *c = arg;
	struct st_outage *o = c->o;
	char login[64], to[64];
	struct rsa_private key;
	struct session s;
	int connected = 0, ok = 0, seq = 0, r = -1;
	int64_t deadline;

	st_new_key(&key);
	snprintf(login, sizeof login, "outage%u_%d", st_run, c->index);
	snprintf(to, sizeof to, "outage%u_%d", st_run, (c->index + 1) % o->clients);
	if (st_connect(&s, &key) == RC_OK) {
		connected = 1;
		ok = st_register(&s, login) == RC_OK;
	}
	/* The neighbour must exist before anyone sends. */
	pthread_barrier_wait(&o->registered);
	if (!ok)
		goto out;
	while (!st_stop_requested(o->stopfile))
		if (st_outage_send(c, &s, to, seq++) < 0)
			goto out;
	/* After the outage: carry on, on the same connection. */
	deadline = clock_now_ms() + ST_FINAL_SEND_MS;
	while ((r = st_outage_send(c, &s, to, seq++)) == 0 && clock_now_ms() < deadline)
		st_sleep_ms(200);
	if (r == 0)
		st_fail("client %d: still no \"sent\" %d s after the outage", c->index, ST_FINAL_SEND_MS / 1000);
out:
	if (connected)
		session_close(&s);
	rsa_private_clear(&key);
	return NULL;
}

static int st_cmd_outage(int clients, const char *stopfile, const char *ackfile)
{
	struct st_outage o;
	struct st_outage_client *c;
	size_t acked = 0;
	long unavailable = 0;
	FILE *f;

	if (clients < 2 || clients > ST_MAX_CLIENTS)
		stress_die("outage: want 2..%d clients", ST_MAX_CLIENTS);
	memset(&o, 0, sizeof o);
	o.clients = clients;
	o.stopfile = stopfile;
	pthread_barrier_init(&o.registered, NULL, (unsigned)clients);
	if (!(c = calloc((size_t)clients, sizeof *c)))
		stress_die("out of memory");
	for (int i = 0; i < clients; i++) {
		c[i].o = &o;
		c[i].index = i;
		if (pthread_create(&c[i].thread, NULL, st_outage_main, &c[i]) != 0)
			stress_die("pthread_create failed");
	}
	for (int i = 0; i < clients; i++)
		pthread_join(c[i].thread, NULL);
	if (!(f = fopen(ackfile, "w")))
		stress_die("cannot write %s: %s", ackfile, strerror(errno));
	for (int i = 0; i < clients; i++) {
		for (size_t j = 0; j < c[i].n_acked; j++) {
			fprintf(f, "%s\n", c[i].acked[j]);
			free(c[i].acked[j]);
		}
		acked += c[i].n_acked;
		unavailable += c[i].unavailable;
		free(c[i].acked);
	}
	if (fclose(f) != 0)
		stress_die("cannot write %s", ackfile);
	free(c);
	pthread_barrier_destroy(&o.registered);
	printf("acked %zu unavailable %ld\n", acked, unavailable);
	return st_failures ? 1 : 0;
}

/* ---- a normal client beside the abuse ---- */

struct st_normal {
	const struct rsa_private *key;
	const char *login;
	const char *peer;            /* sends go to this user (NULL: pings only) */
	volatile int stop;
	pthread_t thread;
	long pings, sends, failures;
	int64_t worst_ping_ms;
};

/* Pings (and sends, with a peer) until told to stop; every answer must be right. */
static void *st_normal_main(void *arg)
{
	struct st_normal *n = arg;
	char content[ST_TEXT_MAX], req[2 * ST_TEXT_MAX];
	struct session s;

	if (st_connect(&s, n->key) != RC_OK) {
		n->failures++;
		return NULL;
	}
	while (!n->stop) {
		int64_t t0 = clock_now_ms(), took;

		if (st_expect_ok(&s, n->login, "{\"cmd\":\"ping\"}", PROTO_DATA_PONG) != RC_OK) {
			n->failures++;
			break;
		}
		took = clock_now_ms() - t0;
		if (took > n->worst_ping_ms)
			n->worst_ping_ms = took;
		n->pings++;
		if (n->peer) {
			snprintf(content, sizeof content, "normal %u message %ld", st_run, n->sends);
			st_send_request(req, sizeof req, n->peer, content);
			if (st_expect_ok(&s, n->login, req, PROTO_DATA_SENT) != RC_OK) {
				n->failures++;
				break;
			}
			n->sends++;
		}
		st_sleep_ms(ST_PING_INTERVAL_MS);
	}
	session_close(&s);
	return NULL;
}

static void st_normal_start(struct st_normal *n)
{
	if (pthread_create(&n->thread, NULL, st_normal_main, n) != 0)
		stress_die("pthread_create failed");
}

static void st_normal_stop(struct st_normal *n)
{
	n->stop = 1;
	pthread_join(n->thread, NULL);
}

/* ---- connections ---- */

enum st_raw_kind {
	ST_RAW_IDLE,     /* handshake done, then nothing */
	ST_RAW_STALL,    /* half of the e frame's length, then nothing */
	ST_RAW_TRICKLE,  /* handshake, a request frame's header, then a byte a second */
};

static const char *const st_raw_kind_names[] = { "idle", "stalled", "trickling" };

struct st_raw {
	int fd;
	enum st_raw_kind kind;
	int64_t opened_ms;           /* before connect() */
	int64_t closed_ms;           /* 0 while open */
};

struct st_conn_opts {
	pid_t server_pid;
	int idle, stall, trickle;
	int handshake_timeout_ms, idle_timeout_ms;
};

/* Notices the server closing raw connections (POLLIN then EOF or reset). */
static void st_raw_poll(struct st_raw *raw, int count, int wait_ms)
{
	struct pollfd *p = calloc((size_t)count, sizeof *p);
	uint8_t buf[4096];

	if (!p)
		stress_die("out of memory");
	for (int i = 0; i < count; i++) {
		p[i].fd = raw[i].closed_ms ? -1 : raw[i].fd;
		p[i].events = POLLIN;
	}
	if (poll(p, (nfds_t)count, wait_ms) > 0) {
		for (int i = 0; i < count; i++) {
			ssize_t n;

			if (!p[i].revents)
				continue;
			/* The server's handshake comes first; then EOF. */
			n = recv(raw[i].fd, buf, sizeof buf, MSG_DONTWAIT);
			if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR))
				raw[i].closed_ms = clock_now_ms();
		}
	}
	free(p);
}

/* Once a second, a byte from every trickling connection still open. */
static void st_raw_trickle(struct st_raw *raw, int count, int64_t *next_ms)
{
	if (clock_now_ms() < *next_ms)
		return;
	for (int i = 0; i < count; i++)
		if (raw[i].kind == ST_RAW_TRICKLE && !raw[i].closed_ms && testnet_send_all(raw[i].fd, "x", 1) != 0)
			raw[i].closed_ms = clock_now_ms();
	*next_ms += 1000;
}

static int st_raw_open_count(const struct st_raw *raw, int count)
{
	int open = 0;

	for (int i = 0; i < count; i++)
		open += raw[i].closed_ms == 0;
	return open;
}

static int st_cmd_connections(const struct st_conn_opts *o)
{
	static const uint8_t half_length[2] = { 3, 0 };
	static const uint8_t trickle_header[8] = { 1, 0, 0, 0, 0xe8, 0x03, 0, 0 }; /* one 1000-byte block */
	struct rsa_private key;
	struct bytebuf hello;
	struct st_normal normal;
	struct st_raw *raw;
	int count = o->idle + o->stall + o->trickle;
	long rss_before, rss_during, rss_after;
	int64_t started, next_trickle, deadline;

	if (count < 1 || count > ST_MAX_RAW)
		stress_die("connections: want 1..%d connections", ST_MAX_RAW);
	st_new_key(&key);
	bytebuf_init(&hello, BYTEBUF_UNBOUNDED);
	st_handshake_bytes(&key.pub, &hello);
	if (!(raw = calloc((size_t)count, sizeof *raw)))
		stress_die("out of memory");
	rss_before = st_rss_kb(o->server_pid);

	started = clock_now_ms();
	for (int i = 0; i < count; i++) {
		struct st_raw *r = &raw[i];

		r->kind = i < o->idle ? ST_RAW_IDLE : i < o->idle + o->stall ? ST_RAW_STALL : ST_RAW_TRICKLE;
		r->opened_ms = clock_now_ms();
		r->fd = st_raw_connect();
		if (r->kind == ST_RAW_STALL) {
			testnet_send_all(r->fd, half_length, sizeof half_length);
		} else {
			testnet_send_all(r->fd, hello.data, hello.len);
			if (r->kind == ST_RAW_TRICKLE)
				testnet_send_all(r->fd, trickle_header, sizeof trickle_header);
		}
	}
	printf("opened %d connections in %lld ms\n", count, (long long)(clock_now_ms() - started));

	/* A normal client meanwhile: pings answered promptly. */
	memset(&normal, 0, sizeof normal);
	normal.key = &key;
	normal.login = "pinger";
	st_normal_start(&normal);
	next_trickle = clock_now_ms() + 1000;
	rss_during = 0;
	while (clock_now_ms() - started < ST_PING_PHASE_MS) {
		long rss;

		st_raw_trickle(raw, count, &next_trickle);
		st_raw_poll(raw, count, 100);
		if ((rss = st_rss_kb(o->server_pid)) > rss_during)
			rss_during = rss;
	}
	st_normal_stop(&normal);
	printf("pings: %ld, slowest %lld ms, failures %ld\n", normal.pings, (long long)normal.worst_ping_ms,
	       normal.failures);
	if (normal.failures || normal.pings == 0)
		st_fail("the normal client was not served beside %d connections", count);
	if (normal.worst_ping_ms > ST_PING_BOUND_MS)
		st_fail("a ping took %lld ms (bound %d ms)", (long long)normal.worst_ping_ms, ST_PING_BOUND_MS);
	for (int i = 0; i < count; i++)
		if (raw[i].closed_ms)
			st_fail("%s connection %d closed after %lld ms, before its timeout", st_raw_kind_names[raw[i].kind],
			        i, (long long)(raw[i].closed_ms - raw[i].opened_ms));

	/* Every connection must now be closed by the server, the stalled ones
	 * after the handshake timeout, the others after the idle timeout. */
	deadline = clock_now_ms() + (o->handshake_timeout_ms > o->idle_timeout_ms ? o->handshake_timeout_ms
	                                                                         : o->idle_timeout_ms) + ST_CLOSE_SLACK_MS;
	while (st_raw_open_count(raw, count) > 0 && clock_now_ms() < deadline) {
		st_raw_trickle(raw, count, &next_trickle);
		st_raw_poll(raw, count, 100);
	}
	for (int kind = ST_RAW_IDLE; kind <= ST_RAW_TRICKLE; kind++) {
		int timeout = kind == ST_RAW_STALL ? o->handshake_timeout_ms : o->idle_timeout_ms;
		int64_t first = -1, last = -1;
		int open = 0;

		for (int i = 0; i < count; i++) {
			int64_t after = raw[i].closed_ms - raw[i].opened_ms;

			if ((int)raw[i].kind != kind)
				continue;
			if (!raw[i].closed_ms) {
				open++;
				continue;
			}
			first = first < 0 || after < first ? after : first;
			last = after > last ? after : last;
			if (after < timeout - ST_CLOCK_ROUNDING_MS)
				st_fail("%s connection %d closed after %lld ms, before its timeout (%d ms)",
				        st_raw_kind_names[kind], i, (long long)after, timeout);
		}
		if (first >= 0)
			printf("%s: closed by the server after %lld..%lld ms (timeout %d ms), still open %d\n",
			       st_raw_kind_names[kind], (long long)first, (long long)last, timeout, open);
		if (open)
			st_fail("%d %s connection(s) still open %d ms past the timeout", open, st_raw_kind_names[kind],
			        ST_CLOSE_SLACK_MS);
	}

	/* Served again, and the memory given back to the allocator. */
	memset(&normal, 0, sizeof normal);
	normal.key = &key;
	normal.login = "pinger";
	st_normal_start(&normal);
	st_sleep_ms(200);
	st_normal_stop(&normal);
	if (normal.failures || normal.pings == 0)
		st_fail("the normal client was not served after the connections closed");
	rss_after = st_rss_kb(o->server_pid);
	printf("server VmRSS: before %ld kB, with %d connections %ld kB, after %ld kB\n", rss_before, count, rss_during,
	       rss_after);

	for (int i = 0; i < count; i++)
		close(raw[i].fd);
	free(raw);
	bytebuf_free(&hello);
	rsa_private_clear(&key);
	return st_failures ? 1 : 0;
}

/* ---- chaos ---- */

enum st_cut {
	ST_CUT_CLOSE,     /* close() */
	ST_CUT_HALF,      /* shutdown(SHUT_WR), then the server must close */
	ST_CUT_RESET,     /* close() with SO_LINGER 0: a reset */
	ST_CUTS,
};

static void st_cut(int fd, enum st_cut how)
{
	if (how == ST_CUT_HALF) {
		shutdown(fd, SHUT_WR);
		if (!st_raw_wait_closed(fd, st_timeout_ms))
			st_fail("the server kept a half-closed connection open for %d ms", st_timeout_ms);
	} else if (how == ST_CUT_RESET) {
		struct linger l = { 1, 0 };

		setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
	}
	close(fd);
}

static uint32_t st_rand(uint64_t *state)
{
	/* xorshift64*: reproducible from the seed printed at the start. */
	*state ^= *state >> 12;
	*state ^= *state << 25;
	*state ^= *state >> 27;
	return (uint32_t)((*state * 2685821657736338717ULL) >> 32);
}

/* The bytes of a handshake and a request, cut at every offset; the
 * server's handshake is read first on every other connection. */
static long st_chaos_cuts(const struct bytebuf *script)
{
	long connections = 0;

	for (size_t cut = 0; cut <= script->len; cut++) {
		for (int how = 0; how < ST_CUTS; how++) {
			int fd = st_raw_connect();

			if ((cut + (size_t)how) % 2 && !(cut == 0 && how == ST_CUT_HALF)) {
				uint8_t buf[64];
				/* Some of the server's handshake: it may still be writing. */
				struct pollfd p = { fd, POLLIN, 0 };

				if (poll(&p, 1, st_timeout_ms) > 0 && recv(fd, buf, sizeof buf, 0) <= 0)
					st_fail("closed before its handshake (cut %zu)", cut);
			}
			testnet_send_all(fd, script->data, cut);
			st_cut(fd, (enum st_cut)how);
			connections++;
		}
	}
	return connections;
}

/* Random bytes, straight away or after a valid handshake. */
static long st_chaos_random(const struct bytebuf *handshake, int count, uint64_t *seed)
{
	uint8_t junk[4096];

	for (int i = 0; i < count; i++) {
		size_t len = 1 + st_rand(seed) % sizeof junk;
		int fd = st_raw_connect();

		for (size_t j = 0; j < len; j++)
			junk[j] = (uint8_t)st_rand(seed);
		if (i % 2)
			testnet_send_all(fd, handshake->data, handshake->len);
		testnet_send_all(fd, junk, len);
		st_cut(fd, (enum st_cut)(i % ST_CUTS));
	}
	return count;
}

/* A request with a long answer, then gone after reading a little of it. */
static long st_chaos_mid_response(const struct bytebuf *handshake, const struct bytebuf *history_request)
{
	static const size_t reads[] = { 0, 1, 3, 4, 100, 1000 };
	long connections = 0;

	for (size_t i = 0; i < sizeof reads / sizeof reads[0]; i++) {
		for (int how = 0; how < ST_CUTS; how++) {
			int fd = st_raw_connect();
			uint8_t buf[1024];
			size_t got = 0;

			testnet_send_all(fd, handshake->data, handshake->len);
			testnet_send_all(fd, history_request->data, history_request->len);
			/* Past the server's handshake, into the response. */
			while (got < reads[i] + 64) {
				struct pollfd p = { fd, POLLIN, 0 };
				size_t want = reads[i] + 64 - got;
				ssize_t n;

				if (poll(&p, 1, st_timeout_ms) <= 0)
					break;
				n = recv(fd, buf, want < sizeof buf ? want : sizeof buf, 0);
				if (n <= 0)
					break;
				got += (size_t)n;
			}
			st_cut(fd, (enum st_cut)how);
			connections++;
		}
	}
	return connections;
}

/* The normal client's messages, all there, in order. */
static void st_chaos_check_history(const struct rsa_private *peer_key, const char *sender, long sends)
{
	char req[ST_TEXT_MAX], want[ST_TEXT_MAX];
	struct json_object *resp = NULL, *data;
	const char *state, *what;
	struct session s;
	size_t count;

	if (st_connect(&s, peer_key) != RC_OK)
		return;
	snprintf(req, sizeof req, "{\"cmd\":\"get_messages\",\"user\":\"%s\"}", sender);
	if (st_request(&s, req, &resp, &state, &what) != RC_OK || !json_object_object_get_ex(resp, "data", &data) ||
	    !json_object_is_type(data, json_type_array)) {
		st_fail("history: %s", resp ? jsonx_to_string(resp, NULL) : "no answer");
		goto out;
	}
	count = json_object_array_length(data);
	if ((long)count != sends)
		st_fail("history: %zu messages, the normal client sent %ld", count, sends);
	for (size_t i = 0; i < count; i++) {
		const char *content = jsonx_get_string(json_object_array_get_idx(data, i), "content");

		snprintf(want, sizeof want, "normal %u message %zu", st_run, i);
		if (!content || strcmp(content, want) != 0) {
			st_fail("history: message %zu is \"%s\", want \"%s\"", i, content ? content : "(none)", want);
			break;
		}
	}
out:
	json_object_put(resp);
	session_close(&s);
}

static int st_cmd_chaos(pid_t server_pid, int random_count, long max_growth_kb)
{
	struct rsa_private normal_key, peer_key;
	struct rsa_public server;
	struct bytebuf handshake, script, history;
	struct st_normal normal;
	struct session s;
	char normal_login[64], peer_login[64], req[ST_TEXT_MAX];
	uint64_t seed;
	long connections = 0, rss_before, rss_after;

	seed = st_chaos_seed;
	if (seed == 0)
		secure_random(&seed, sizeof seed);
	seed |= 1;
	printf("seed %llu\n", (unsigned long long)seed);
	st_new_key(&normal_key);
	st_new_key(&peer_key);
	rsa_public_init(&server);
	st_server_key(&normal_key, &server);
	snprintf(normal_login, sizeof normal_login, "chaos%u_normal", st_run);
	snprintf(peer_login, sizeof peer_login, "chaos%u_peer", st_run);
	if (st_connect(&s, &peer_key) != RC_OK || st_register(&s, peer_login) != RC_OK)
		stress_die("cannot register %s", peer_login);
	session_close(&s);
	if (st_connect(&s, &normal_key) != RC_OK || st_register(&s, normal_login) != RC_OK)
		stress_die("cannot register %s", normal_login);
	session_close(&s);

	/* The chaos connections present the peer's key: complete requests
	 * are real work for the server (a lookup, a history). */
	bytebuf_init(&handshake, BYTEBUF_UNBOUNDED);
	bytebuf_init(&script, BYTEBUF_UNBOUNDED);
	bytebuf_init(&history, BYTEBUF_UNBOUNDED);
	st_handshake_bytes(&peer_key.pub, &handshake);
	if (bytebuf_append(&script, handshake.data, handshake.len) != RC_OK)
		stress_die("out of memory");
	st_seal(&server, "{\"cmd\":\"ping\"}", &script);
	snprintf(req, sizeof req, "{\"cmd\":\"get_messages\",\"user\":\"%s\"}", normal_login);
	st_seal(&server, req, &history);

	rss_before = st_rss_kb(server_pid);
	memset(&normal, 0, sizeof normal);
	normal.key = &normal_key;
	normal.login = normal_login;
	normal.peer = peer_login;
	st_normal_start(&normal);

	connections += st_chaos_cuts(&script);
	connections += st_chaos_random(&handshake, random_count, &seed);
	connections += st_chaos_mid_response(&handshake, &history);

	st_normal_stop(&normal);
	rss_after = st_rss_kb(server_pid);
	printf("chaos connections: %ld; normal client: %ld pings, %ld sends, %ld failures, slowest ping %lld ms\n",
	       connections, normal.pings, normal.sends, normal.failures, (long long)normal.worst_ping_ms);
	printf("server VmRSS: before %ld kB, after %ld kB\n", rss_before, rss_after);
	if (normal.failures || normal.pings == 0)
		st_fail("the normal client was not served during the chaos");
	st_chaos_check_history(&peer_key, normal_login, normal.sends);
	if (rss_after - rss_before > max_growth_kb)
		st_fail("the server's VmRSS grew by %ld kB (bound %ld kB)", rss_after - rss_before, max_growth_kb);

	bytebuf_free(&handshake);
	bytebuf_free(&script);
	bytebuf_free(&history);
	rsa_public_clear(&server);
	rsa_private_clear(&normal_key);
	rsa_private_clear(&peer_key);
	return st_failures ? 1 : 0;
}

/* ---- command line ---- */

static int st_int(const char *s, int min, int max, const char *what)
{
	char *end;
	long v = strtol(s, &end, 10);

	if (*s == '\0' || *end != '\0' || v < min || v > max)
		stress_die("%s: want a number in %d..%d, not '%s'", what, min, max, s);
	return (int)v;
}

int main(int argc, char **argv)
{
	enum { OPT_PID = 256, OPT_IDLE, OPT_STALL, OPT_TRICKLE, OPT_HS_TIMEOUT, OPT_IDLE_TIMEOUT, OPT_RANDOM, OPT_GROWTH, OPT_SEED };
	static const struct option opts[] = {
		{ "host", required_argument, NULL, 'H' },
		{ "port", required_argument, NULL, 'p' },
		{ "timeout", required_argument, NULL, 't' },
		{ "server-pid", required_argument, NULL, OPT_PID },
		{ "idle", required_argument, NULL, OPT_IDLE },
		{ "stall", required_argument, NULL, OPT_STALL },
		{ "trickle", required_argument, NULL, OPT_TRICKLE },
		{ "handshake-timeout", required_argument, NULL, OPT_HS_TIMEOUT },
		{ "idle-timeout", required_argument, NULL, OPT_IDLE_TIMEOUT },
		{ "random", required_argument, NULL, OPT_RANDOM },
		{ "max-growth-kb", required_argument, NULL, OPT_GROWTH },
		{ "seed", required_argument, NULL, OPT_SEED },
		{ NULL, 0, NULL, 0 },
	};
	struct st_conn_opts conn = { 0, 900, 50, 50, 0, 0 };
	int random_count = 300, opt, status;
	long max_growth_kb = 64 * 1024;
	const char *mode;

	stress_prog = "rc-stress";
	while ((opt = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (opt) {
		case 'H': st_host = optarg; break;
		case 'p': st_port = optarg; break;
		case 't': st_timeout_ms = st_int(optarg, 1, 3600000, "--timeout"); break;
		case OPT_PID: conn.server_pid = (pid_t)st_int(optarg, 1, 1 << 30, "--server-pid"); break;
		case OPT_IDLE: conn.idle = st_int(optarg, 0, ST_MAX_RAW, "--idle"); break;
		case OPT_STALL: conn.stall = st_int(optarg, 0, ST_MAX_RAW, "--stall"); break;
		case OPT_TRICKLE: conn.trickle = st_int(optarg, 0, ST_MAX_RAW, "--trickle"); break;
		case OPT_HS_TIMEOUT: conn.handshake_timeout_ms = st_int(optarg, 1, 3600000, "--handshake-timeout"); break;
		case OPT_IDLE_TIMEOUT: conn.idle_timeout_ms = st_int(optarg, 1, 3600000, "--idle-timeout"); break;
		case OPT_RANDOM: random_count = st_int(optarg, 0, 1000000, "--random"); break;
		case OPT_GROWTH: max_growth_kb = st_int(optarg, 0, 1 << 30, "--max-growth-kb"); break;
		case OPT_SEED: st_chaos_seed = (uint64_t)st_int(optarg, 1, 1 << 30, "--seed"); break;
		default: stress_die("bad option (see the comment at the top of rc-stress.c)");
		}
	}
	if (!st_port || optind >= argc)
		stress_die("usage: rc-stress --port P outage|connections|chaos ...");
	if (secure_init() != RC_OK)
		stress_die("secure_init failed");
	signal(SIGPIPE, SIG_IGN);
	secure_random(&st_run, sizeof st_run);
	mode = argv[optind];
	if (strcmp(mode, "outage") == 0 && argc - optind == 4) {
		status = st_cmd_outage(st_int(argv[optind + 1], 2, ST_MAX_CLIENTS, "CLIENTS"), argv[optind + 2],
		                       argv[optind + 3]);
	} else if (strcmp(mode, "connections") == 0 && argc - optind == 1) {
		if (!conn.server_pid || !conn.handshake_timeout_ms || !conn.idle_timeout_ms)
			stress_die("connections needs --server-pid, --handshake-timeout and --idle-timeout");
		status = st_cmd_connections(&conn);
	} else if (strcmp(mode, "chaos") == 0 && argc - optind == 1) {
		if (!conn.server_pid)
			stress_die("chaos needs --server-pid");
		status = st_cmd_chaos(conn.server_pid, random_count, max_growth_kb);
	} else {
		stress_die("usage: rc-stress --port P outage CLIENTS STOPFILE ACKFILE | connections ... | chaos ...");
	}
	fflush(stdout);
	return status;
}
