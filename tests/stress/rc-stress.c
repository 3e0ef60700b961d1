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
 *   rc-stress --port P attack KIND --server-pid PID [--from ADDR] [--conns N]
 *           [--seconds S] [--max-rss-kb KB] [--key FILE --user LOGIN]
 *       One attack from ADDR (default 127.0.0.2) for S seconds (default 8)
 *       with N connections at a time (default 16), while a normal client
 *       from the default address registers, then pings, sends and reads its
 *       history in a loop (pings only for db-stall): every ping must be
 *       answered within 5 s, each send and read within 15 s, and the
 *       server's VmRSS stay under KB (default 256 MiB). KIND: huge-e
 *       (handshakes with n = 2^16384-1, e = n-2: each must be closed),
 *       tiny-blocks (4,096 one-byte blocks: each must be closed),
 *       reset-flood (connect, a 1 MB ping, reset), non-reader (get_messages
 *       of LOGIN's history presenting FILE's public key, never read),
 *       held (handshaken connections kept open), db-stall (get_users while
 *       the script has stopped PostgreSQL), queue (1 MB pings kept waiting:
 *       the script sends SIGTERM meanwhile). Prints the normal client's
 *       ping p50 / p99 / max and the server's peak VmRSS.
 *
 * Options may come before or after the mode. A failed check prints
 * "rc-stress: FAIL: ..." and makes the exit status 1; 2 is a broken setup.
 */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <json-c/json.h>
#include <netdb.h>
#include <arpa/inet.h>
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
#define ST_MAX_PINGS 100000
/* Under attack: the bound on any ping of the normal client (generous: a
 * loaded 2-core machine, sanitizers), and on a send_message or
 * get_messages. */
#define ST_ATTACK_PING_BOUND_MS 5000
#define ST_ATTACK_REQUEST_BOUND_MS 15000
#define ST_ATTACK_MAX_CONNS 2000

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
	int read_history;            /* with a peer: get_messages after each send */
	volatile int stop;
	pthread_t thread;
	long pings, sends, gets, failures;
	int64_t worst_ping_ms;
	int64_t worst_other_ms;      /* the slowest send_message or get_messages */
	int64_t ping_ms[ST_MAX_PINGS]; /* the first ST_MAX_PINGS pings' latencies */
};

/* The history with peer holds exactly our `sent` self copies. */
static int st_expect_history(struct session *s, const char *who, const char *peer, long sent)
{
	char req[ST_TEXT_MAX];
	struct json_object *resp;
	const char *state, *what;
	struct json_object *data;
	int r;

	snprintf(req, sizeof req, "{\"cmd\":\"get_messages\",\"user\":\"%s\"}", peer);
	r = st_request(s, req, &resp, &state, &what);
	if (r == RC_OK && (strcmp(state, "ok") != 0 || !json_object_object_get_ex(resp, "data", &data) ||
	                   !json_object_is_type(data, json_type_array)))
		r = RC_ERR_SERVER;
	if (r == RC_OK && json_object_array_length(data) != (size_t)sent)
		r = RC_ERR_SERVER;
	if (r != RC_OK)
		st_fail("%s: %s: %s", who, req, resp ? jsonx_to_string(resp, NULL) : rc_strerror(r));
	json_object_put(resp);
	return r;
}

/* Pings (and sends and reads the history, with a peer) until told to
 * stop; every answer must be right. */
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
		if (n->pings < ST_MAX_PINGS)
			n->ping_ms[n->pings] = took;
		n->pings++;
		if (n->peer) {
			snprintf(content, sizeof content, "normal %u message %ld", st_run, n->sends);
			st_send_request(req, sizeof req, n->peer, content);
			if (n->read_history) /* as a self copy, so the history shows it */
				snprintf(req + strlen(req) - 1, sizeof req - strlen(req) + 1, ",\"self_copy\":true}");
			t0 = clock_now_ms();
			if (st_expect_ok(&s, n->login, req, PROTO_DATA_SENT) != RC_OK) {
				n->failures++;
				break;
			}
			n->sends++;
			if ((took = clock_now_ms() - t0) > n->worst_other_ms)
				n->worst_other_ms = took;
		}
		if (n->peer && n->read_history) {
			t0 = clock_now_ms();
			if (st_expect_history(&s, n->login, n->peer, n->sends) != RC_OK) {
				n->failures++;
				break;
			}
			n->gets++;
			if ((took = clock_now_ms() - t0) > n->worst_other_ms)
				n->worst_other_ms = took;
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

/* ---- attacks ---- */

enum st_attack_kind {
	ST_ATTACK_HUGE_E,      /* handshakes with n = 2^16384-1, e = n-2 */
	ST_ATTACK_TINY_BLOCKS, /* requests of 4,096 one-byte blocks */
	ST_ATTACK_RESET_FLOOD, /* connect, a 1 MB request, reset, again */
	ST_ATTACK_NON_READER,  /* get_messages of a long history, never read */
	ST_ATTACK_HELD,        /* many handshaken connections held open */
	ST_ATTACK_DB_STALL,    /* requests that wait for a stopped database */
	ST_ATTACK_QUEUE,       /* 1 MB requests queued, connections kept (for SIGTERM) */
	ST_ATTACKS,
};

static const char *const st_attack_names[ST_ATTACKS] = {
	"huge-e", "tiny-blocks", "reset-flood", "non-reader", "held", "db-stall", "queue",
};

struct st_attack_opts {
	pid_t server_pid;
	const char *from;            /* the attacker's source address */
	int conns;                   /* connections at once */
	int seconds;                 /* how long the attack lasts */
	long max_rss_kb;             /* the server's VmRSS bound meanwhile */
	const char *key_file;        /* non-reader: the registered key it presents */
	const char *user;            /* non-reader: whose history it asks for */
};

/* A raw connection to the server from the address `from`, or -1 when
 * connect() fails (a full backlog under a flood). */
static int st_raw_connect_from(const char *from)
{
	struct sockaddr_in src;
	struct addrinfo hints, *res;
	int fd, r;

	memset(&src, 0, sizeof src);
	src.sin_family = AF_INET;
	if (inet_pton(AF_INET, from, &src.sin_addr) != 1)
		stress_die("--from %s: not an IPv4 address", from);
	fd = socket(AF_INET, SOCK_STREAM, 0);
	if (fd < 0 || bind(fd, (struct sockaddr *)&src, sizeof src) != 0)
		stress_die("bind %s: %s", from, strerror(errno));
	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_INET;
	hints.ai_socktype = SOCK_STREAM;
	if (getaddrinfo(st_host, st_port, &hints, &res) != 0)
		stress_die("cannot resolve %s", st_host);
	r = connect(fd, res->ai_addr, res->ai_addrlen);
	freeaddrinfo(res);
	if (r != 0) {
		close(fd);
		return -1;
	}
	return fd;
}

static void st_reset(int fd)
{
	struct linger l = { 1, 0 };

	setsockopt(fd, SOL_SOCKET, SO_LINGER, &l, sizeof l);
	close(fd);
}

/* A frame of `count` one-byte blocks: the cheapest request to send that
 * costs the naive server `count` private-key operations. */
static void st_tiny_blocks(struct bytebuf *out, unsigned count)
{
	struct blocklist l;

	blocklist_init(&l);
	for (unsigned i = 0; i < count; i++)
		if (blocklist_push(&l, (const uint8_t *)"\x02", 1) != RC_OK)
			stress_die("out of memory");
	if (frame_write_blocks(out, &l) != RC_OK)
		stress_die("out of memory");
	blocklist_free(&l);
}

/* A ping padded to about `bytes` of text, in wide chunks: a valid request
 * that costs the server one private-key operation per chunk. */
static void st_big_ping(const struct rsa_public *server, size_t bytes, struct bytebuf *out)
{
	static const char head[] = "{\"cmd\":\"ping\",\"pad\":\"";
	char *json = malloc(bytes + 1);
	size_t n;

	if (!json || bytes < sizeof head + 2)
		stress_die("out of memory");
	memcpy(json, head, sizeof head - 1);
	for (n = sizeof head - 1; n < bytes - 2; n++)
		json[n] = 'x';
	memcpy(json + n, "\"}", 2);
	if (wire_seal(server, rsa_chunk_wide(server), json, bytes, out) != RC_OK)
		stress_die("cannot encrypt a request");
	free(json);
}

/* The huge key of the first finding: n = 2^16384 - 1, e = n - 2. */
static void st_huge_e_hello(struct bytebuf *out)
{
	mpz_t e, n;

	mpz_inits(e, n, NULL);
	mpz_ui_pow_ui(n, 2, PROTO_MAX_MODULUS_BITS);
	mpz_sub_ui(n, n, 1);
	mpz_sub_ui(e, n, 2);
	if (testnet_frame_number(out, e) != RC_OK || testnet_frame_number(out, n) != RC_OK)
		stress_die("out of memory");
	mpz_clears(e, n, NULL);
}

/* Reads the client's key from a key file ("e N" and "n N" lines; the
 * private parts are not needed to ask, only to read the answers). */
static void st_read_public(const char *path, struct rsa_public *k)
{
	char line[8192];
	FILE *f = fopen(path, "r");
	int have = 0;

	if (!f)
		stress_die("cannot open %s", path);
	while (fgets(line, sizeof line, f)) {
		if (line[0] == 'e' && line[1] == ' ')
			have |= (mpz_set_str(k->e, strtok(line + 2, "\n"), 10) == 0) << 0;
		else if (line[0] == 'n' && line[1] == ' ')
			have |= (mpz_set_str(k->n, strtok(line + 2, "\n"), 10) == 0) << 1;
	}
	fclose(f);
	if (have != 3)
		stress_die("%s: no 'e' and 'n' lines", path);
}

/* p50 / p99 / max of the normal client's pings. */
static int st_cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

static void st_ping_summary(struct st_normal *n, int64_t *p50, int64_t *p99, int64_t *max)
{
	size_t count = n->pings < ST_MAX_PINGS ? (size_t)n->pings : ST_MAX_PINGS;

	*p50 = *p99 = *max = 0;
	if (!count)
		return;
	qsort(n->ping_ms, count, sizeof n->ping_ms[0], st_cmp_i64);
	*p50 = n->ping_ms[count / 2];
	*p99 = n->ping_ms[(count * 99) / 100 < count ? (count * 99) / 100 : count - 1];
	*max = n->worst_ping_ms;
}

/* The server must close fd (-1: closed already) within the ping bound. */
static void st_attack_expect_refused(int fd, const char *what)
{
	if (fd < 0)
		return;
	if (!st_raw_wait_closed(fd, ST_ATTACK_PING_BOUND_MS))
		st_fail("%s: the server did not close the connection within %d ms", what, ST_ATTACK_PING_BOUND_MS);
	close(fd);
}

/* One round of the attack: opens, sends, and for the refused kinds waits
 * for the server to close. Returns the connections it made. */
static long st_attack_round(enum st_attack_kind kind, const struct st_attack_opts *o, const struct bytebuf *hello,
                            const struct bytebuf *payload, int *held, int *n_held)
{
	long made = 0;

	switch (kind) {
	case ST_ATTACK_HUGE_E:
	case ST_ATTACK_TINY_BLOCKS: {
		int fds[64], n = o->conns < 64 ? o->conns : 64;

		for (int i = 0; i < n; i++) {
			fds[i] = st_raw_connect_from(o->from);
			if (fds[i] >= 0 && (testnet_send_all(fds[i], hello->data, hello->len) != 0 ||
			                    (payload->len && testnet_send_all(fds[i], payload->data, payload->len) != 0))) {
				close(fds[i]);
				fds[i] = -1; /* already closed by the server */
			}
			made++;
		}
		for (int i = 0; i < n; i++)
			st_attack_expect_refused(fds[i], st_attack_names[kind]);
		break;
	}
	case ST_ATTACK_RESET_FLOOD:
		for (int i = 0; i < o->conns; i++) {
			int fd = st_raw_connect_from(o->from);

			if (fd < 0)
				continue;
			testnet_send_all(fd, hello->data, hello->len);
			testnet_send_all(fd, payload->data, payload->len);
			st_reset(fd);
			made++;
		}
		break;
	case ST_ATTACK_NON_READER:
	case ST_ATTACK_HELD:
	case ST_ATTACK_DB_STALL:
	case ST_ATTACK_QUEUE:
		/* Tops the held connections up to o->conns (the server may close some). */
		for (int i = 0; i < *n_held; i++) {
			uint8_t buf[1];
			ssize_t r = held[i] >= 0 ? recv(held[i], buf, sizeof buf, MSG_DONTWAIT | MSG_PEEK) : 0;

			if (held[i] >= 0 && (r == 0 || (r < 0 && errno != EAGAIN && errno != EWOULDBLOCK))) {
				close(held[i]);
				held[i] = -1;
			}
		}
		for (int i = 0; i < o->conns; i++) {
			if (i < *n_held && held[i] >= 0)
				continue;
			held[i] = st_raw_connect_from(o->from);
			if (held[i] >= 0 && (testnet_send_all(held[i], hello->data, hello->len) != 0 ||
			                     (payload->len && testnet_send_all(held[i], payload->data, payload->len) != 0))) {
				close(held[i]);
				held[i] = -1;
			}
			made++;
			if (i >= *n_held)
				*n_held = i + 1;
		}
		break;
	case ST_ATTACKS:
		break;
	}
	return made;
}

static int st_cmd_attack(enum st_attack_kind kind, const struct st_attack_opts *o)
{
	struct rsa_private normal_key, attacker_key;
	struct rsa_public server, presented;
	struct bytebuf hello, payload;
	struct st_normal normal;
	char login[64], peer[64], req[ST_TEXT_MAX];
	int *held, n_held = 0, open_held = 0;
	long rss_before, rss_peak, made = 0;
	int64_t started, next_round = 0, p50, p99, max;

	st_new_key(&normal_key);
	st_new_key(&attacker_key);
	rsa_public_init(&server);
	rsa_public_init(&presented);
	bytebuf_init(&hello, BYTEBUF_UNBOUNDED);
	bytebuf_init(&payload, BYTEBUF_UNBOUNDED);
	if (!(held = calloc(ST_ATTACK_MAX_CONNS, sizeof *held)))
		stress_die("out of memory");
	st_server_key(&normal_key, &server);

	/* The attacker's bytes. */
	if (kind == ST_ATTACK_HUGE_E)
		st_huge_e_hello(&hello);
	else if (kind == ST_ATTACK_NON_READER) {
		if (!o->key_file || !o->user)
			stress_die("non-reader needs --key and --user");
		st_read_public(o->key_file, &presented);
		st_handshake_bytes(&presented, &hello);
	} else {
		st_handshake_bytes(&attacker_key.pub, &hello);
	}
	if (kind == ST_ATTACK_TINY_BLOCKS) {
		st_tiny_blocks(&payload, 4096);
	} else if (kind == ST_ATTACK_RESET_FLOOD || kind == ST_ATTACK_QUEUE) {
		st_big_ping(&server, PROTO_DEFAULT_MAX_REQUEST_BYTES - 64 * 1024, &payload);
	} else if (kind == ST_ATTACK_NON_READER) {
		snprintf(req, sizeof req, "{\"cmd\":\"get_messages\",\"user\":\"%s\"}", o->user);
		st_seal(&server, req, &payload);
	} else if (kind == ST_ATTACK_DB_STALL) {
		st_seal(&server, "{\"cmd\":\"get_users\"}", &payload);
	}

	/* The normal client, from the default address: registered, sending and
	 * reading its history, except while the database is stopped. */
	memset(&normal, 0, sizeof normal);
	normal.key = &normal_key;
	snprintf(login, sizeof login, "fair%u%d", st_run, (int)kind);
	snprintf(peer, sizeof peer, "fairpeer%u%d", st_run, (int)kind);
	normal.login = login;
	if (kind != ST_ATTACK_DB_STALL) {
		struct rsa_private peer_key;
		struct session s;

		st_new_key(&peer_key);
		if (st_connect(&s, &peer_key) == RC_OK) {
			st_register(&s, peer);
			session_close(&s);
		}
		if (st_connect(&s, &normal_key) == RC_OK) {
			st_register(&s, login);
			session_close(&s);
		}
		rsa_private_clear(&peer_key);
		normal.peer = peer;
		normal.read_history = 1;
	}
	if (st_failures)
		stress_die("cannot set the normal client up");

	rss_before = rss_peak = st_rss_kb(o->server_pid);
	started = clock_now_ms();
	st_normal_start(&normal);
	while (clock_now_ms() - started < (int64_t)o->seconds * 1000) {
		long rss;

		if (clock_now_ms() >= next_round) {
			made += st_attack_round(kind, o, &hello, &payload, held, &n_held);
			/* Held kinds top up once a second; the others go on at once. */
			next_round = clock_now_ms() + (kind >= ST_ATTACK_NON_READER ? 1000 : 0);
		}
		if ((rss = st_rss_kb(o->server_pid)) > rss_peak)
			rss_peak = rss;
		if (kind >= ST_ATTACK_NON_READER)
			st_sleep_ms(50);
	}
	st_normal_stop(&normal);
	for (int i = 0; i < n_held; i++)
		if (held[i] >= 0) {
			open_held++;
			close(held[i]);
		}

	st_ping_summary(&normal, &p50, &p99, &max);
	printf("attack %s from %s: %ld connection(s) made, %d still open at the end; normal client: %ld pings "
	       "p50 %lld / p99 %lld / max %lld ms, %ld sends and %ld history reads (slowest %lld ms), %ld failures; "
	       "server VmRSS %ld kB before, %ld kB peak\n",
	       st_attack_names[kind], o->from, made, open_held, normal.pings, (long long)p50, (long long)p99,
	       (long long)max, normal.sends, normal.gets, (long long)normal.worst_other_ms, normal.failures,
	       rss_before, rss_peak);
	if (normal.failures || normal.pings == 0)
		st_fail("the normal client was not served during %s", st_attack_names[kind]);
	if (normal.worst_ping_ms > ST_ATTACK_PING_BOUND_MS)
		st_fail("a ping took %lld ms during %s (bound %d ms)", (long long)normal.worst_ping_ms,
		        st_attack_names[kind], ST_ATTACK_PING_BOUND_MS);
	if (normal.peer && (normal.sends == 0 || normal.gets == 0))
		st_fail("no send_message and get_messages done during %s", st_attack_names[kind]);
	if (normal.worst_other_ms > ST_ATTACK_REQUEST_BOUND_MS)
		st_fail("a send_message or get_messages took %lld ms during %s (bound %d ms)",
		        (long long)normal.worst_other_ms, st_attack_names[kind], ST_ATTACK_REQUEST_BOUND_MS);
	if (o->max_rss_kb && rss_peak > o->max_rss_kb)
		st_fail("the server's VmRSS reached %ld kB during %s (bound %ld kB)", rss_peak, st_attack_names[kind],
		        o->max_rss_kb);
	free(held);
	bytebuf_free(&hello);
	bytebuf_free(&payload);
	rsa_public_clear(&server);
	rsa_public_clear(&presented);
	rsa_private_clear(&normal_key);
	rsa_private_clear(&attacker_key);
	return st_failures ? 1 : 0;
}

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
	enum { OPT_PID = 256, OPT_IDLE, OPT_STALL, OPT_TRICKLE, OPT_HS_TIMEOUT, OPT_IDLE_TIMEOUT, OPT_RANDOM, OPT_GROWTH,
	       OPT_SEED, OPT_FROM, OPT_CONNS, OPT_SECONDS, OPT_MAX_RSS, OPT_KEY, OPT_USER };
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
		{ "from", required_argument, NULL, OPT_FROM },
		{ "conns", required_argument, NULL, OPT_CONNS },
		{ "seconds", required_argument, NULL, OPT_SECONDS },
		{ "max-rss-kb", required_argument, NULL, OPT_MAX_RSS },
		{ "key", required_argument, NULL, OPT_KEY },
		{ "user", required_argument, NULL, OPT_USER },
		{ NULL, 0, NULL, 0 },
	};
	struct st_conn_opts conn = { 0, 900, 50, 50, 0, 0 };
	int random_count = 300, opt, status;
	long max_growth_kb = 64 * 1024;
	struct st_attack_opts attack = { 0, "127.0.0.2", 16, 8, 256 * 1024, NULL, NULL };
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
		case OPT_FROM: attack.from = optarg; break;
		case OPT_CONNS: attack.conns = st_int(optarg, 1, ST_ATTACK_MAX_CONNS, "--conns"); break;
		case OPT_SECONDS: attack.seconds = st_int(optarg, 1, 3600, "--seconds"); break;
		case OPT_MAX_RSS: attack.max_rss_kb = st_int(optarg, 0, 1 << 30, "--max-rss-kb"); break;
		case OPT_KEY: attack.key_file = optarg; break;
		case OPT_USER: attack.user = optarg; break;
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
	} else if (strcmp(mode, "attack") == 0 && argc - optind == 2) {
		int kind = 0;

		while (kind < ST_ATTACKS && strcmp(st_attack_names[kind], argv[optind + 1]) != 0)
			kind++;
		if (kind == ST_ATTACKS || !conn.server_pid)
			stress_die("attack needs --server-pid and one of huge-e, tiny-blocks, reset-flood, non-reader, held, "
			           "db-stall, queue");
		attack.server_pid = conn.server_pid;
		status = st_cmd_attack((enum st_attack_kind)kind, &attack);
	} else {
		stress_die("usage: rc-stress --port P outage CLIENTS STOPFILE ACKFILE | connections ... | chaos ...");
	}
	fflush(stdout);
	return status;
}
