/* rsa-chat-loadgen: a closed-loop load generator for any server speaking
 * the rsa-chat protocol version 1.
 *
 * Chat mode: K clients (threads), each with its own fresh key, connect and
 * register; then each sends M messages to its partner (client i ^ 1, or a
 * passive extra user for the odd one out) and finally reads the
 * conversation back with get_messages, checking every answer. The three
 * phases are separated by barriers, so the history each client reads back
 * is known exactly. Latencies are round trips as the server serves them
 * (request sent -> whole response frame received); the client's own
 * decryption is timed apart.
 *
 * Idle mode (--idle N): N connections that did the handshake and one ping,
 * then stay idle; reports the server's memory. */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <json-c/json.h>
#include <limits.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/types.h>
#include <time.h>
#include <unistd.h>

#include "benchlib.h"
#include "content.h"
#include "errors.h"
#include "exchange.h"
#include "jsonx.h"
#include "procstat.h"
#include "protocol.h"
#include "rsa.h"
#include "secure.h"
#include "session.h"

#define LG_LOGIN_MAX 96
#define LG_ERROR_MAX 256
#define LG_DEFAULT_TIMEOUT_MS 60000

enum lg_kind {
	LG_CONNECT,   /* TCP connect + handshake (not a request) */
	LG_REGISTER,
	LG_SEND,
	LG_GET,
	LG_GOODBYE,
	LG_PING,      /* idle mode only */
	LG_KINDS,
};

static const char *const lg_kind_names[LG_KINDS] = {
	"connect", PROTO_CMD_REGISTER, PROTO_CMD_SEND_MESSAGE, PROTO_CMD_GET_MESSAGES, PROTO_CMD_GOODBYE,
	PROTO_CMD_PING,
};

/* The moments at which the server is observed. */
enum lg_mark {
	LG_MARK_START,       /* keys made, before the first connect */
	LG_MARK_SENDS_BEGIN, /* everyone registered */
	LG_MARK_SENDS_END,   /* every send_message answered */
	LG_MARK_END,         /* every client gone */
	LG_MARKS,
};

struct lg_options {
	const char *host;
	const char *port;
	const char *prefix;
	unsigned clients;
	unsigned messages;
	unsigned text_bytes;
	unsigned key_bits;
	unsigned gets;
	unsigned get_clients;
	unsigned idle;
	unsigned hold_s;
	int self_copy;
	int wide_chunks;
	int json;
	int flat;
	int timeout_ms;
	pid_t server_pid;
	pid_t db_pid;
};

struct lg_snapshot {
	double t;
	int have_server;
	struct procstat_sample server;
	int have_db;
	double db_cpu;
	double machine_busy;
	double machine_total;
	double self_cpu;
};

/* A user: a key and the login registered with it. */
struct lg_identity {
	struct rsa_private key;
	char login[LG_LOGIN_MAX];
};

struct lg_run;

struct lg_client {
	unsigned index;
	struct lg_run *run;
	struct lg_identity *me;
	struct lg_identity *partner;
	struct lg_client *partner_client; /* NULL when the partner is the passive extra user */
	char *content_for_partner;        /* the message, encrypted once for the partner */
	char *content_for_me;             /* ... and for myself (self copies) */
	struct session s;
	int connected;
	int broken;                       /* the connection failed: skip the remaining work */
	/* Requests, sealed once for this session's server key. */
	struct bytebuf frame_register;
	struct bytebuf frame_send;
	struct bytebuf frame_send_self;
	struct bytebuf frame_get;
	struct bytebuf frame_goodbye;
	struct bytebuf frame_ping;
	unsigned delivered;               /* messages the partner can read ("sent" answers) */
	unsigned self_copies;             /* self copies stored ("sent" answers) */
	size_t history_messages;          /* entries in the first get_messages answer */
	size_t history_bytes;             /* that answer's ciphertext bytes */
	double decrypt_s;                 /* time spent decrypting and parsing answers */
	struct bench_samples lat[LG_KINDS];
	size_t errors;
	double first_error_at;
	char first_error[LG_ERROR_MAX];
	pthread_t thread;
};

struct lg_run {
	const struct lg_options *o;
	char *text;                       /* the message every client sends */
	pthread_barrier_t barrier;
	struct lg_snapshot marks[LG_MARKS];
	struct lg_client *clients;
	struct lg_identity *ids;          /* clients, then possibly the extra user */
	unsigned nids;
};

static void lg_snapshot_take(const struct lg_options *o, struct lg_snapshot *snap)
{
	struct rusage ru;

	memset(snap, 0, sizeof(*snap));
	snap->t = bench_now();
	if (o->server_pid > 0)
		snap->have_server = procstat_process(o->server_pid, &snap->server) == RC_OK;
	if (o->db_pid > 0)
		snap->have_db = procstat_family_cpu(o->db_pid, &snap->db_cpu) == RC_OK;
	procstat_machine(&snap->machine_busy, &snap->machine_total);
	if (getrusage(RUSAGE_SELF, &ru) == 0)
		snap->self_cpu = (double)ru.ru_utime.tv_sec + ru.ru_utime.tv_usec / 1e6 + (double)ru.ru_stime.tv_sec +
		                 ru.ru_stime.tv_usec / 1e6;
}

/* Records an error; the first one (in time) of the run is reported verbatim. */
static void lg_client_error(struct lg_client *c, enum lg_kind kind, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void lg_client_error(struct lg_client *c, enum lg_kind kind, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (c->errors++ > 0)
		return;
	c->first_error_at = bench_now();
	n = snprintf(c->first_error, sizeof(c->first_error), "client %u %s: ", c->index, lg_kind_names[kind]);
	if (n < 0 || (size_t)n >= sizeof(c->first_error))
		return;
	va_start(ap, fmt);
	vsnprintf(c->first_error + n, sizeof(c->first_error) - (size_t)n, fmt, ap);
	va_end(ap);
}

/* One timed request. RC_OK: *resp (put by the caller) answered ok with *data.
 * Every failure is recorded as an error; a failed connection marks the client
 * broken. With decode unset, the answer is only received (*blocks_total says
 * how many ciphertext bytes it had) and *resp stays NULL. */
static int lg_client_request(struct lg_client *c, enum lg_kind kind, const struct bytebuf *frame, int decode,
                             struct json_object **resp, struct json_object **data, size_t *blocks_total)
{
	char err[LG_ERROR_MAX];
	struct blocklist blocks;
	double t0, t1;
	int rc;

	*resp = NULL;
	*data = NULL;
	*blocks_total = 0;
	t0 = bench_now();
	rc = exchange_roundtrip(&c->s, frame, &blocks);
	t1 = bench_now();
	if (rc != RC_OK) {
		lg_client_error(c, kind, "%s", rc_strerror(rc));
		c->broken = 1;
		goto out;
	}
	if ((rc = bench_samples_add(&c->lat[kind], t1 - t0)) != RC_OK) {
		lg_client_error(c, kind, "%s", rc_strerror(rc));
		goto out;
	}
	*blocks_total = blocklist_total(&blocks);
	if (!decode)
		goto out;
	rc = exchange_decode(&c->s, &blocks, resp, data, err, sizeof(err));
	c->decrypt_s += bench_now() - t1;
	if (rc != RC_OK)
		lg_client_error(c, kind, "%s", err);
out:
	blocklist_free(&blocks);
	return rc;
}

/* A request whose ok answer must be the string `expected`. */
static int lg_client_expect(struct lg_client *c, enum lg_kind kind, const struct bytebuf *frame, const char *expected)
{
	struct json_object *resp, *data;
	size_t total;
	int rc;

	rc = lg_client_request(c, kind, frame, 1, &resp, &data, &total);
	if (rc == RC_OK && (!json_object_is_type(data, json_type_string) ||
	                    strcmp(json_object_get_string(data), expected) != 0)) {
		lg_client_error(c, kind, "answered %s instead of \"%s\"", json_object_to_json_string(data), expected);
		rc = RC_ERR_PROTOCOL;
	}
	json_object_put(resp);
	return rc;
}

/* Builds a request's JSON and seals it for this session's server. */
static int lg_client_seal(struct lg_client *c, int (*build)(char **, size_t *, const struct lg_client *, int),
                          int variant, struct bytebuf *frame)
{
	char *json = NULL;
	size_t len = 0;
	int rc;

	if ((rc = build(&json, &len, c, variant)) == RC_OK)
		rc = exchange_seal(&c->s, json, len, frame);
	free(json);
	return rc;
}

static int lg_build_register(char **json, size_t *len, const struct lg_client *c, int variant)
{
	return bench_request_register(c->me->login, json, len);
}

static int lg_build_send(char **json, size_t *len, const struct lg_client *c, int self_copy)
{
	return bench_request_send_message(c->partner->login, self_copy ? c->content_for_me : c->content_for_partner,
	                                  self_copy, json, len);
}

static int lg_build_get(char **json, size_t *len, const struct lg_client *c, int variant)
{
	return bench_request_get_messages(c->partner->login, json, len);
}

/* Requests without fields. */
static int lg_build_bare(char **json, size_t *len, const struct lg_client *c, int ping)
{
	static const char goodbye[] = "{\"cmd\":\"" PROTO_CMD_GOODBYE "\"}";
	static const char pingreq[] = "{\"cmd\":\"" PROTO_CMD_PING "\"}";

	*json = strdup(ping ? pingreq : goodbye);
	*len = *json ? strlen(*json) : 0;
	return *json ? RC_OK : RC_ERR_NOMEM;
}

/* Connects (timed) and seals the requests every connection needs. */
static int lg_client_connect(struct lg_client *c)
{
	const struct lg_options *o = c->run->o;
	char err[LG_ERROR_MAX] = "";
	double t0 = bench_now();
	int rc;

	rc = session_connect(&c->s, o->host, o->port, &c->me->key, o->timeout_ms, err, sizeof(err));
	if (rc != RC_OK) {
		lg_client_error(c, LG_CONNECT, "%s", err[0] ? err : rc_strerror(rc));
		c->broken = 1;
		return rc;
	}
	c->connected = 1;
	bench_samples_add(&c->lat[LG_CONNECT], bench_now() - t0);
	if (o->wide_chunks)
		c->s.chunk = rsa_chunk_wide(&c->s.server_key);
	if ((rc = lg_client_seal(c, lg_build_register, 0, &c->frame_register)) != RC_OK ||
	    (rc = lg_client_seal(c, lg_build_bare, 0, &c->frame_goodbye)) != RC_OK ||
	    (rc = lg_client_seal(c, lg_build_bare, 1, &c->frame_ping)) != RC_OK) {
		lg_client_error(c, LG_CONNECT, "cannot seal requests: %s", rc_strerror(rc));
		c->broken = 1;
	}
	return rc;
}

/* Connects and registers. */
static int lg_client_register(struct lg_client *c)
{
	int rc;

	if ((rc = lg_client_connect(c)) != RC_OK)
		return rc;
	if ((rc = lg_client_expect(c, LG_REGISTER, &c->frame_register, PROTO_DATA_WELCOME)) != RC_OK)
		c->broken = 1;
	return rc;
}

/* Connects, registers and seals the chat requests. */
static void lg_client_start(struct lg_client *c)
{
	int rc;

	if (lg_client_register(c) != RC_OK)
		return;
	if ((rc = lg_client_seal(c, lg_build_send, 0, &c->frame_send)) != RC_OK ||
	    (rc = lg_client_seal(c, lg_build_send, 1, &c->frame_send_self)) != RC_OK ||
	    (rc = lg_client_seal(c, lg_build_get, 0, &c->frame_get)) != RC_OK) {
		lg_client_error(c, LG_CONNECT, "cannot seal requests: %s", rc_strerror(rc));
		c->broken = 1;
	}
}

/* Every other message is a self copy when --self-copy is on, as a client
 * that keeps its own history sends them. */
static void lg_client_send(struct lg_client *c, unsigned j)
{
	int self = c->run->o->self_copy && j % 2 == 1;

	if (lg_client_expect(c, LG_SEND, self ? &c->frame_send_self : &c->frame_send, PROTO_DATA_SENT) != RC_OK)
		return;
	if (self)
		c->self_copies++;
	else
		c->delivered++;
}

/* Checks one history entry: from one of us two, and readable with my key. */
static int lg_client_check_entry(struct lg_client *c, struct json_object *entry)
{
	const char *user = jsonx_get_string(entry, "user");
	const char *content = jsonx_get_string(entry, "content");
	char *text = NULL;
	size_t len = 0;
	int rc;

	if (user == NULL || content == NULL || jsonx_get_string(entry, "created_at") == NULL) {
		lg_client_error(c, LG_GET, "entry without user, content or created_at: %s",
		                json_object_to_json_string(entry));
		return RC_ERR_PROTOCOL;
	}
	if (strcmp(user, c->me->login) != 0 && strcmp(user, c->partner->login) != 0) {
		lg_client_error(c, LG_GET, "entry from a stranger: %s", user);
		return RC_ERR_PROTOCOL;
	}
	rc = content_decode(&c->me->key, content, strlen(content), &text, &len);
	if (rc == RC_OK && (len != strlen(c->run->text) || memcmp(text, c->run->text, len) != 0))
		rc = RC_ERR_FORMAT;
	if (rc != RC_OK)
		lg_client_error(c, LG_GET, "an entry's content does not decrypt to the text sent: %s", rc_strerror(rc));
	free(text);
	return rc;
}

/* The first get_messages is checked fully: the exact number of entries the
 * two clients stored (when neither had an error) and the first and last
 * entries decrypted. Later rounds read the same unchanged history, and
 * textbook RSA is deterministic, so their answers must have the same size;
 * they are not decrypted, which keeps the load generator's CPU off big
 * histories. */
static void lg_client_get(struct lg_client *c, unsigned round)
{
	struct json_object *resp, *data;
	size_t total, n, expected;

	if (lg_client_request(c, LG_GET, &c->frame_get, round == 0, &resp, &data, &total) != RC_OK)
		return;
	if (round > 0) {
		if (total != c->history_bytes)
			lg_client_error(c, LG_GET, "round %u answered %zu bytes, round 0 %zu", round, total,
			                c->history_bytes);
		return;
	}
	c->history_bytes = total;
	if (!json_object_is_type(data, json_type_array)) {
		lg_client_error(c, LG_GET, "answered %s instead of an array", json_object_get_string(data));
		goto out;
	}
	n = json_object_array_length(data);
	c->history_messages = n;
	expected = c->self_copies + (c->partner_client ? c->partner_client->delivered : 0);
	if (c->errors == 0 && (c->partner_client == NULL || c->partner_client->errors == 0) && n != expected) {
		lg_client_error(c, LG_GET, "answered %zu messages, %zu were stored", n, expected);
		goto out;
	}
	if (n > 0 && lg_client_check_entry(c, json_object_array_get_idx(data, 0)) == RC_OK)
		lg_client_check_entry(c, json_object_array_get_idx(data, n - 1));
out:
	json_object_put(resp);
}

/* All clients meet here between phases; one of them observes the server
 * before anyone goes on. */
static void lg_phase_barrier(struct lg_run *run, enum lg_mark mark)
{
	if (pthread_barrier_wait(&run->barrier) == PTHREAD_BARRIER_SERIAL_THREAD)
		lg_snapshot_take(run->o, &run->marks[mark]);
	pthread_barrier_wait(&run->barrier);
}

static void *lg_client_main(void *arg)
{
	struct lg_client *c = arg;
	const struct lg_options *o = c->run->o;
	unsigned j;

	lg_client_start(c);
	lg_phase_barrier(c->run, LG_MARK_SENDS_BEGIN);
	for (j = 0; j < o->messages && !c->broken; j++)
		lg_client_send(c, j);
	lg_phase_barrier(c->run, LG_MARK_SENDS_END);
	for (j = 0; c->index < o->get_clients && j < o->gets && !c->broken; j++)
		lg_client_get(c, j);
	if (c->connected && !c->broken)
		lg_client_expect(c, LG_GOODBYE, &c->frame_goodbye, PROTO_DATA_GOODBYE);
	session_close(&c->s);
	return NULL;
}

/* A client of run, named index, acting as me and talking to partner. */
static void lg_client_init(struct lg_client *c, struct lg_run *run, unsigned index, struct lg_identity *me,
                           struct lg_identity *partner)
{
	memset(c, 0, sizeof(*c));
	c->index = index;
	c->run = run;
	c->me = me;
	c->partner = partner;
	c->s.fd = -1;
	bytebuf_init(&c->frame_register, BYTEBUF_UNBOUNDED);
	bytebuf_init(&c->frame_send, BYTEBUF_UNBOUNDED);
	bytebuf_init(&c->frame_send_self, BYTEBUF_UNBOUNDED);
	bytebuf_init(&c->frame_get, BYTEBUF_UNBOUNDED);
	bytebuf_init(&c->frame_goodbye, BYTEBUF_UNBOUNDED);
	bytebuf_init(&c->frame_ping, BYTEBUF_UNBOUNDED);
}

static void lg_client_free(struct lg_client *c)
{
	int k;

	session_close(&c->s);
	free(c->content_for_partner);
	free(c->content_for_me);
	bytebuf_free(&c->frame_register);
	bytebuf_free(&c->frame_send);
	bytebuf_free(&c->frame_send_self);
	bytebuf_free(&c->frame_get);
	bytebuf_free(&c->frame_goodbye);
	bytebuf_free(&c->frame_ping);
	for (k = 0; k < LG_KINDS; k++)
		bench_samples_free(&c->lat[k]);
}

/* Keys and logins for every user, before the clock starts. */
static int lg_make_identities(struct lg_run *run)
{
	const struct lg_options *o = run->o;
	unsigned i;
	int rc;

	run->nids = o->clients + (o->clients % 2);
	run->ids = calloc(run->nids, sizeof(*run->ids));
	if (run->ids == NULL)
		return RC_ERR_NOMEM;
	for (i = 0; i < run->nids; i++) {
		rsa_private_init(&run->ids[i].key);
		snprintf(run->ids[i].login, sizeof(run->ids[i].login), "%s%u", o->prefix, i);
	}
	for (i = 0; i < run->nids; i++) {
		if ((rc = rsa_generate(&run->ids[i].key, o->key_bits, NULL, NULL)) != RC_OK)
			return rc;
	}
	return RC_OK;
}

static size_t lg_chunk_for(const struct lg_options *o, const struct rsa_public *k)
{
	return o->wide_chunks ? rsa_chunk_wide(k) : rsa_chunk_original(k);
}

/* Pairs clients and encrypts each one's message for its partner and itself. */
static int lg_make_clients(struct lg_run *run)
{
	const struct lg_options *o = run->o;
	size_t len = strlen(run->text);
	unsigned i, p;
	int rc;

	run->clients = calloc(o->clients, sizeof(*run->clients));
	if (run->clients == NULL)
		return RC_ERR_NOMEM;
	for (i = 0; i < o->clients; i++) {
		struct lg_client *c = &run->clients[i];

		p = i ^ 1u;
		lg_client_init(c, run, i, &run->ids[i], &run->ids[p]);
		c->partner_client = p < o->clients ? &run->clients[p] : NULL;
		rc = content_encode(&c->partner->key.pub, run->text, len, lg_chunk_for(o, &c->partner->key.pub),
		                    &c->content_for_partner);
		if (rc == RC_OK)
			rc = content_encode(&c->me->key.pub, run->text, len, lg_chunk_for(o, &c->me->key.pub),
			                    &c->content_for_me);
		if (rc != RC_OK)
			return rc;
	}
	return RC_OK;
}

/* The odd one out's partner: registered before the clock starts, never connected again. */
static int lg_register_extra_user(struct lg_run *run)
{
	struct lg_client extra;
	int rc = RC_OK;

	if (run->nids == run->o->clients)
		return RC_OK;
	lg_client_init(&extra, run, run->nids - 1, &run->ids[run->nids - 1], &run->ids[run->nids - 1]);
	lg_client_register(&extra);
	if (extra.errors > 0) {
		fprintf(stderr, "rsa-chat-loadgen: cannot register the extra user: %s\n", extra.first_error);
		rc = RC_ERR_PROTOCOL;
	}
	lg_client_free(&extra);
	return rc;
}

static struct json_object *lg_json_summary(struct bench_samples *s)
{
	struct json_object *o = json_object_new_object();
	struct bench_summary sum;

	bench_summarise(s, &sum);
	json_object_object_add(o, "count", json_object_new_int64((int64_t)sum.count));
	json_object_object_add(o, "mean_ms", json_object_new_double(sum.mean * 1e3));
	json_object_object_add(o, "p50_ms", json_object_new_double(sum.p50 * 1e3));
	json_object_object_add(o, "p99_ms", json_object_new_double(sum.p99 * 1e3));
	json_object_object_add(o, "max_ms", json_object_new_double(sum.max * 1e3));
	return o;
}

static void lg_add_double(struct json_object *o, const char *key, double v)
{
	json_object_object_add(o, key, json_object_new_double(v));
}

static void lg_add_int(struct json_object *o, const char *key, int64_t v)
{
	json_object_object_add(o, key, json_object_new_int64(v));
}

/* The server's CPU and the machine's load between two marks. */
static void lg_add_phase(struct json_object *out, const char *name, const struct lg_snapshot *a,
                         const struct lg_snapshot *b, size_t requests)
{
	struct json_object *o = json_object_new_object();
	double secs = b->t - a->t;
	double machine = b->machine_total - a->machine_total;

	lg_add_double(o, "seconds", secs);
	lg_add_int(o, "requests", (int64_t)requests);
	lg_add_double(o, "requests_per_s", secs > 0 ? (double)requests / secs : 0);
	if (a->have_server && b->have_server) {
		double cpu = b->server.cpu_s - a->server.cpu_s;

		lg_add_double(o, "server_cpu_s", cpu);
		lg_add_double(o, "server_cpu_ms_per_request", requests ? cpu * 1e3 / (double)requests : 0);
		lg_add_int(o, "server_rss_kb_after", b->server.rss_kb);
	}
	if (a->have_db && b->have_db) {
		lg_add_double(o, "db_cpu_s", b->db_cpu - a->db_cpu);
		lg_add_double(o, "db_cpu_ms_per_request", requests ? (b->db_cpu - a->db_cpu) * 1e3 / (double)requests : 0);
	}
	lg_add_double(o, "loadgen_cpu_s", b->self_cpu - a->self_cpu);
	lg_add_double(o, "loadgen_cpu_ms_per_request", requests ? (b->self_cpu - a->self_cpu) * 1e3 / (double)requests : 0);
	lg_add_double(o, "machine_busy_fraction", machine > 0 ? (b->machine_busy - a->machine_busy) / machine : 0);
	json_object_object_add(out, name, o);
}

/* Merges the clients' results into one JSON report. */
static struct json_object *lg_chat_report(struct lg_run *run, size_t *errors)
{
	const struct lg_options *o = run->o;
	struct json_object *out = json_object_new_object();
	struct json_object *lat = json_object_new_object();
	struct bench_samples all[LG_KINDS];
	const char *first_error = NULL;
	double first_at = 0, decrypt = 0;
	size_t requests = 0, history = 0, history_bytes = 0;
	const struct lg_snapshot *m = run->marks;
	unsigned i;
	int k;

	*errors = 0;
	memset(all, 0, sizeof(all));
	for (i = 0; i < o->clients; i++) {
		struct lg_client *c = &run->clients[i];

		for (k = 0; k < LG_KINDS; k++)
			bench_samples_merge(&all[k], &c->lat[k]);
		*errors += c->errors;
		decrypt += c->decrypt_s;
		if (c->errors > 0 && (first_error == NULL || c->first_error_at < first_at)) {
			first_error = c->first_error;
			first_at = c->first_error_at;
		}
		if (c->history_messages > history) {
			history = c->history_messages;
			history_bytes = c->history_bytes;
		}
	}
	for (k = LG_REGISTER; k < LG_KINDS; k++)
		requests += all[k].n;
	json_object_object_add(out, "mode", json_object_new_string("chat"));
	lg_add_int(out, "clients", o->clients);
	lg_add_int(out, "messages_per_client", o->messages);
	lg_add_int(out, "text_bytes", o->text_bytes);
	lg_add_int(out, "key_bits", o->key_bits);
	json_object_object_add(out, "self_copy", json_object_new_boolean(o->self_copy));
	json_object_object_add(out, "wide_chunks", json_object_new_boolean(o->wide_chunks));
	lg_add_int(out, "send_request_blocks",
	           o->clients ? (int64_t)exchange_frame_blocks(&run->clients[0].frame_send) : 0);
	lg_add_int(out, "requests", (int64_t)requests);
	lg_add_double(out, "seconds", m[LG_MARK_END].t - m[LG_MARK_START].t);
	lg_add_double(out, "requests_per_s",
	              requests / (m[LG_MARK_END].t - m[LG_MARK_START].t > 0 ? m[LG_MARK_END].t - m[LG_MARK_START].t : 1));
	lg_add_int(out, "errors", (int64_t)*errors);
	json_object_object_add(out, "first_error", first_error ? json_object_new_string(first_error) : NULL);
	for (k = 0; k < LG_KINDS; k++)
		json_object_object_add(lat, lg_kind_names[k], lg_json_summary(&all[k]));
	json_object_object_add(out, "latency", lat);
	lg_add_phase(out, "whole_run", &m[LG_MARK_START], &m[LG_MARK_END], requests);
	lg_add_phase(out, "send_phase", &m[LG_MARK_SENDS_BEGIN], &m[LG_MARK_SENDS_END], all[LG_SEND].n);
	/* The goodbyes, also in this phase, cost next to nothing: count get_messages only. */
	lg_add_phase(out, "get_phase", &m[LG_MARK_SENDS_END], &m[LG_MARK_END], all[LG_GET].n);
	lg_add_int(out, "history_messages", (int64_t)history);
	lg_add_int(out, "history_response_bytes", (int64_t)history_bytes);
	lg_add_double(out, "loadgen_decrypt_s", decrypt);
	if (m[LG_MARK_START].have_server && m[LG_MARK_END].have_server) {
		lg_add_int(out, "server_rss_kb_start", m[LG_MARK_START].server.rss_kb);
		lg_add_int(out, "server_rss_kb_before_gets", m[LG_MARK_SENDS_END].server.rss_kb);
		lg_add_int(out, "server_rss_kb_end", m[LG_MARK_END].server.rss_kb);
		lg_add_int(out, "server_hwm_kb_end", m[LG_MARK_END].server.hwm_kb);
		lg_add_int(out, "server_threads_busy", m[LG_MARK_SENDS_END].server.threads);
	}
	for (k = 0; k < LG_KINDS; k++)
		bench_samples_free(&all[k]);
	return out;
}

static const char *lg_json_str(struct json_object *o, const char *path1, const char *path2)
{
	struct json_object *v = o;

	if (path1 && !json_object_object_get_ex(v, path1, &v))
		return "-";
	if (path2 && !json_object_object_get_ex(v, path2, &v))
		return "-";
	return json_object_get_string(v);
}

/* A human-readable rendering of the chat report. */
static void lg_print_chat(struct json_object *r)
{
	struct json_object *lat;
	int k;

	printf("clients %s, %s messages each, %s-byte text, %s-bit client keys, %s blocks per send_message\n",
	       lg_json_str(r, "clients", NULL), lg_json_str(r, "messages_per_client", NULL),
	       lg_json_str(r, "text_bytes", NULL), lg_json_str(r, "key_bits", NULL),
	       lg_json_str(r, "send_request_blocks", NULL));
	printf("requests %s in %s s: %s req/s; errors %s (first: %s)\n", lg_json_str(r, "requests", NULL),
	       lg_json_str(r, "seconds", NULL), lg_json_str(r, "requests_per_s", NULL), lg_json_str(r, "errors", NULL),
	       lg_json_str(r, "first_error", NULL));
	printf("%-14s %8s %10s %10s %10s %10s\n", "kind", "count", "mean ms", "p50 ms", "p99 ms", "max ms");
	json_object_object_get_ex(r, "latency", &lat);
	for (k = 0; k < LG_KINDS; k++)
		if (strcmp(lg_json_str(lat, lg_kind_names[k], "count"), "0") != 0)
			printf("%-14s %8s %10.3f %10.3f %10.3f %10.3f\n", lg_kind_names[k], lg_json_str(lat, lg_kind_names[k], "count"),
		       atof(lg_json_str(lat, lg_kind_names[k], "mean_ms")), atof(lg_json_str(lat, lg_kind_names[k], "p50_ms")),
		       atof(lg_json_str(lat, lg_kind_names[k], "p99_ms")), atof(lg_json_str(lat, lg_kind_names[k], "max_ms")));
	printf("send phase: %s req/s, server CPU %s ms per send_message; machine busy %s\n",
	       lg_json_str(r, "send_phase", "requests_per_s"), lg_json_str(r, "send_phase", "server_cpu_ms_per_request"),
	       lg_json_str(r, "send_phase", "machine_busy_fraction"));
	printf("history: %s messages (%s bytes); server RSS start/before gets/end %s/%s/%s kB\n",
	       lg_json_str(r, "history_messages", NULL), lg_json_str(r, "history_response_bytes", NULL),
	       lg_json_str(r, "server_rss_kb_start", NULL), lg_json_str(r, "server_rss_kb_before_gets", NULL),
	       lg_json_str(r, "server_rss_kb_end", NULL));
}

static void lg_print_report(const struct lg_options *o, struct json_object *report)
{
	if (o->json || o->flat || strcmp(lg_json_str(report, "mode", NULL), "chat") != 0)
		bench_print_report(stdout, report, o->flat);
	else
		lg_print_chat(report);
}

/* Prints the report, or without one what stopped the run, and releases it.
 * The run succeeded when it has a report without errors. */
static int lg_finish(const struct lg_options *o, struct json_object *report, size_t errors, int rc)
{
	if (report == NULL) {
		fprintf(stderr, "rsa-chat-loadgen: %s\n", rc_strerror(rc != RC_OK ? rc : RC_ERR_NOMEM));
		return rc != RC_OK ? rc : RC_ERR_NOMEM;
	}
	lg_print_report(o, report);
	json_object_put(report);
	return errors == 0 ? RC_OK : RC_ERR_PROTOCOL;
}

static int lg_run_chat(const struct lg_options *o)
{
	struct lg_run run;
	struct json_object *report = NULL;
	size_t errors = 0;
	unsigned i, started = 0;
	int rc;

	memset(&run, 0, sizeof(run));
	run.o = o;
	if ((rc = bench_make_text(o->text_bytes, &run.text)) != RC_OK)
		goto out;
	if (!o->json && !o->flat)
		fprintf(stderr, "rsa-chat-loadgen: generating %u %u-bit keys\n", o->clients + o->clients % 2, o->key_bits);
	if ((rc = lg_make_identities(&run)) != RC_OK || (rc = lg_make_clients(&run)) != RC_OK ||
	    (rc = lg_register_extra_user(&run)) != RC_OK)
		goto out;
	if (pthread_barrier_init(&run.barrier, NULL, o->clients) != 0) {
		rc = RC_ERR_NOMEM;
		goto out;
	}
	lg_snapshot_take(o, &run.marks[LG_MARK_START]);
	for (started = 0; started < o->clients; started++) {
		if (pthread_create(&run.clients[started].thread, NULL, lg_client_main, &run.clients[started]) != 0) {
			/* The barrier counts on every client: without them all, nobody could finish. */
			fprintf(stderr, "rsa-chat-loadgen: cannot start thread %u: %s\n", started, strerror(errno));
			abort();
		}
	}
	for (i = 0; i < started; i++)
		pthread_join(run.clients[i].thread, NULL);
	lg_snapshot_take(o, &run.marks[LG_MARK_END]);
	pthread_barrier_destroy(&run.barrier);
	report = lg_chat_report(&run, &errors);
out:
	rc = lg_finish(o, report, errors, rc);
	for (i = 0; run.clients && i < o->clients; i++)
		lg_client_free(&run.clients[i]);
	for (i = 0; run.ids && i < run.nids; i++)
		rsa_private_clear(&run.ids[i].key);
	free(run.clients);
	free(run.ids);
	free(run.text);
	return rc;
}

/* Moves the ping latencies of every connection into one set. */
static void lg_collect_pings(struct lg_client *conns, unsigned n, struct bench_samples *into)
{
	unsigned i;

	for (i = 0; i < n; i++) {
		bench_samples_merge(into, &conns[i].lat[LG_PING]);
		bench_samples_free(&conns[i].lat[LG_PING]);
	}
}

/* Idle mode: opens o->idle connections (handshake, then one ping each),
 * observes the server, holds them o->hold_s seconds and pings them again. */
static int lg_run_idle(const struct lg_options *o)
{
	struct lg_identity id;
	struct lg_run run;
	struct lg_client *conns;
	struct lg_snapshot before, open, held;
	struct json_object *report = NULL, *lat;
	struct bench_samples connect_lat, ping_open, ping_held;
	size_t errors = 0, opened = 0, alive = 0;
	const char *first_error = NULL;
	unsigned i;
	int rc;

	memset(&run, 0, sizeof(run));
	memset(&id, 0, sizeof(id));
	memset(&connect_lat, 0, sizeof(connect_lat));
	memset(&ping_open, 0, sizeof(ping_open));
	memset(&ping_held, 0, sizeof(ping_held));
	run.o = o;
	rsa_private_init(&id.key);
	conns = calloc(o->idle, sizeof(*conns));
	if (conns == NULL) {
		rc = RC_ERR_NOMEM;
		goto out;
	}
	for (i = 0; i < o->idle; i++)
		lg_client_init(&conns[i], &run, i, &id, &id);
	/* One key for all: anonymous connections may share it. */
	if ((rc = rsa_generate(&id.key, o->key_bits, NULL, NULL)) != RC_OK)
		goto out;
	lg_snapshot_take(o, &before);
	for (i = 0; i < o->idle; i++) {
		if (lg_client_connect(&conns[i]) == RC_OK &&
		    lg_client_expect(&conns[i], LG_PING, &conns[i].frame_ping, PROTO_DATA_PONG) == RC_OK)
			opened++;
	}
	lg_snapshot_take(o, &open);
	lg_collect_pings(conns, o->idle, &ping_open);
	sleep(o->hold_s);
	for (i = 0; i < o->idle; i++) {
		if (conns[i].connected && !conns[i].broken && conns[i].errors == 0 &&
		    lg_client_expect(&conns[i], LG_PING, &conns[i].frame_ping, PROTO_DATA_PONG) == RC_OK)
			alive++;
	}
	lg_snapshot_take(o, &held);
	lg_collect_pings(conns, o->idle, &ping_held);
	for (i = 0; i < o->idle; i++) {
		bench_samples_merge(&connect_lat, &conns[i].lat[LG_CONNECT]);
		errors += conns[i].errors;
		if (first_error == NULL && conns[i].errors > 0)
			first_error = conns[i].first_error;
	}
	report = json_object_new_object();
	json_object_object_add(report, "mode", json_object_new_string("idle"));
	lg_add_int(report, "connections", o->idle);
	lg_add_int(report, "opened", (int64_t)opened);
	lg_add_int(report, "hold_seconds", o->hold_s);
	lg_add_int(report, "alive_after_hold", (int64_t)alive);
	lg_add_int(report, "errors", (int64_t)errors);
	json_object_object_add(report, "first_error", first_error ? json_object_new_string(first_error) : NULL);
	lat = json_object_new_object();
	json_object_object_add(lat, "connect", lg_json_summary(&connect_lat));
	json_object_object_add(lat, "ping_when_opened", lg_json_summary(&ping_open));
	json_object_object_add(lat, "ping_after_hold", lg_json_summary(&ping_held));
	json_object_object_add(report, "latency", lat);
	if (before.have_server && open.have_server && held.have_server) {
		lg_add_int(report, "server_rss_kb_before", before.server.rss_kb);
		lg_add_int(report, "server_rss_kb_open", open.server.rss_kb);
		lg_add_int(report, "server_rss_kb_after_hold", held.server.rss_kb);
		lg_add_int(report, "server_threads_open", open.server.threads);
		lg_add_double(report, "server_kb_per_connection",
		              opened ? (double)(open.server.rss_kb - before.server.rss_kb) / (double)opened : 0);
		lg_add_double(report, "server_cpu_s_while_held", held.server.cpu_s - open.server.cpu_s);
	}
out:
	rc = lg_finish(o, report, errors, rc);
	for (i = 0; conns && i < o->idle; i++)
		lg_client_free(&conns[i]);
	free(conns);
	bench_samples_free(&connect_lat);
	bench_samples_free(&ping_open);
	bench_samples_free(&ping_held);
	rsa_private_clear(&id.key);
	return rc;
}

static void lg_usage(FILE *f)
{
	fprintf(f,
	        "usage: rsa-chat-loadgen [options]\n"
	        "  --host H          server address (default " PROTO_DEFAULT_HOST ")\n"
	        "  --port P          server port (default " PROTO_DEFAULT_PORT ")\n"
	        "  -k K              concurrent clients (default 4)\n"
	        "  -m M              send_message requests per client (default 100)\n"
	        "  -l L              message text bytes (default 100)\n"
	        "  -g G              get_messages requests per client at the end (default 1)\n"
	        "  --get-clients N   only the first N clients read their history (default all)\n"
	        "  --self-copy       every other message is a self copy\n"
	        "  --wide-chunks     encrypt with len(n) - 1 byte chunks (default: the original's)\n"
	        "  --key-bits B      client key size (default 2048)\n"
	        "  --prefix S        login prefix (default: unique per run)\n"
	        "  --timeout-ms T    per-request deadline (default 60000; 0: none)\n"
	        "  --server-pid PID  report the server's CPU and memory from /proc\n"
	        "  --db-pid PID      report the CPU of PID and its children (the database)\n"
	        "  --idle N          idle mode: hold N connections (handshake + ping) instead\n"
	        "  --hold S          idle mode: seconds to hold them (default 2)\n"
	        "  --json            machine-readable report\n"
	        "  --flat            report as key=value lines (for scripts)\n"
	        "Exit status: 0 no errors, 1 errors, 2 bad usage.\n");
}

enum {
	LG_OPT_HOST = 256,
	LG_OPT_PORT,
	LG_OPT_KEY_BITS,
	LG_OPT_SERVER_PID,
	LG_OPT_DB_PID,
	LG_OPT_JSON,
	LG_OPT_FLAT,
	LG_OPT_SELF_COPY,
	LG_OPT_WIDE,
	LG_OPT_PREFIX,
	LG_OPT_TIMEOUT,
	LG_OPT_IDLE,
	LG_OPT_HOLD,
	LG_OPT_GET_CLIENTS,
	LG_OPT_HELP,
};

static int lg_parse_options(int argc, char **argv, struct lg_options *o, char *prefix, size_t prefix_len)
{
	static const struct option longopts[] = {
		{"host", required_argument, NULL, LG_OPT_HOST},
		{"port", required_argument, NULL, LG_OPT_PORT},
		{"key-bits", required_argument, NULL, LG_OPT_KEY_BITS},
		{"server-pid", required_argument, NULL, LG_OPT_SERVER_PID},
		{"db-pid", required_argument, NULL, LG_OPT_DB_PID},
		{"json", no_argument, NULL, LG_OPT_JSON},
		{"flat", no_argument, NULL, LG_OPT_FLAT},
		{"self-copy", no_argument, NULL, LG_OPT_SELF_COPY},
		{"wide-chunks", no_argument, NULL, LG_OPT_WIDE},
		{"prefix", required_argument, NULL, LG_OPT_PREFIX},
		{"timeout-ms", required_argument, NULL, LG_OPT_TIMEOUT},
		{"idle", required_argument, NULL, LG_OPT_IDLE},
		{"hold", required_argument, NULL, LG_OPT_HOLD},
		{"get-clients", required_argument, NULL, LG_OPT_GET_CLIENTS},
		{"help", no_argument, NULL, LG_OPT_HELP},
		{NULL, 0, NULL, 0},
	};
	unsigned v = 0, timeout = LG_DEFAULT_TIMEOUT_MS;
	int c, rc = RC_OK;

	memset(o, 0, sizeof(*o));
	o->host = PROTO_DEFAULT_HOST;
	o->port = PROTO_DEFAULT_PORT;
	o->clients = 4;
	o->messages = 100;
	o->text_bytes = 100;
	o->key_bits = RSA_DEFAULT_BITS;
	o->gets = 1;
	o->get_clients = UINT_MAX;
	o->hold_s = 2;
	snprintf(prefix, prefix_len, "lg%lx_%lx_", (unsigned long)time(NULL), (unsigned long)getpid());
	o->prefix = prefix;
	while (rc == RC_OK && (c = getopt_long(argc, argv, "k:m:l:g:", longopts, NULL)) != -1) {
		switch (c) {
		case 'k': rc = bench_parse_unsigned(optarg, 1, 100000, &o->clients); break;
		case 'm': rc = bench_parse_unsigned(optarg, 0, 100000000, &o->messages); break;
		case 'l': rc = bench_parse_unsigned(optarg, 1, 1000000, &o->text_bytes); break;
		case 'g': rc = bench_parse_unsigned(optarg, 0, 1000000, &o->gets); break;
		case LG_OPT_HOST: o->host = optarg; break;
		case LG_OPT_PORT: o->port = optarg; break;
		case LG_OPT_KEY_BITS: rc = bench_parse_unsigned(optarg, PROTO_MIN_MODULUS_BITS, 8192, &o->key_bits); break;
		case LG_OPT_SERVER_PID:
			rc = bench_parse_unsigned(optarg, 1, INT_MAX, &v);
			o->server_pid = (pid_t)v;
			break;
		case LG_OPT_DB_PID:
			rc = bench_parse_unsigned(optarg, 1, INT_MAX, &v);
			o->db_pid = (pid_t)v;
			break;
		case LG_OPT_JSON: o->json = 1; break;
		case LG_OPT_FLAT: o->flat = 1; break;
		case LG_OPT_SELF_COPY: o->self_copy = 1; break;
		case LG_OPT_WIDE: o->wide_chunks = 1; break;
		case LG_OPT_PREFIX: o->prefix = optarg; break;
		case LG_OPT_TIMEOUT: rc = bench_parse_unsigned(optarg, 0, INT_MAX, &timeout); break;
		case LG_OPT_IDLE: rc = bench_parse_unsigned(optarg, 1, 1000000, &o->idle); break;
		case LG_OPT_HOLD: rc = bench_parse_unsigned(optarg, 0, 86400, &o->hold_s); break;
		case LG_OPT_GET_CLIENTS: rc = bench_parse_unsigned(optarg, 0, UINT_MAX, &o->get_clients); break;
		case LG_OPT_HELP: lg_usage(stdout); exit(0);
		default: rc = RC_ERR_INVAL; break;
		}
		if (rc != RC_OK && c != '?')
			fprintf(stderr, "rsa-chat-loadgen: bad option value: %s\n", optarg);
	}
	if (rc == RC_OK && optind < argc) {
		fprintf(stderr, "rsa-chat-loadgen: unexpected argument: %s\n", argv[optind]);
		rc = RC_ERR_INVAL;
	}
	if (rc == RC_OK && strlen(o->prefix) + 12 > LG_LOGIN_MAX) {
		fprintf(stderr, "rsa-chat-loadgen: --prefix is too long\n");
		rc = RC_ERR_INVAL;
	}
	o->timeout_ms = (int)timeout;
	return rc;
}

/* Idle mode holds a socket per connection: allow as many as the hard limit. */
static void lg_raise_fd_limit(void)
{
	struct rlimit rl;

	if (getrlimit(RLIMIT_NOFILE, &rl) == 0 && rl.rlim_cur < rl.rlim_max) {
		rl.rlim_cur = rl.rlim_max;
		setrlimit(RLIMIT_NOFILE, &rl);
	}
}

int main(int argc, char **argv)
{
	char prefix[LG_LOGIN_MAX];
	struct lg_options o;
	int rc;

	if (lg_parse_options(argc, argv, &o, prefix, sizeof(prefix)) != RC_OK) {
		lg_usage(stderr);
		return 2;
	}
	if ((rc = secure_init()) != RC_OK) {
		fprintf(stderr, "rsa-chat-loadgen: initialisation failed: %s\n", rc_strerror(rc));
		return 1;
	}
	lg_raise_fd_limit();
	rc = o.idle > 0 ? lg_run_idle(&o) : lg_run_chat(&o);
	return rc == RC_OK ? 0 : 1;
}
