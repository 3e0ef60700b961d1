/* rsa-chat-syncbench: what the sync extension (wait_messages) costs and
 * how fast it delivers.
 *
 * N followers (fresh keys, registered users) each keep one wait_messages
 * parked on the followers' server (--port); K senders (threads, on
 * --send-port, the same server by default) send messages at a fixed total
 * rate for a given time, each to the next follower in turn. A message's
 * latency runs from its sender receiving "sent" to its follower receiving
 * the whole answer frame (one clock, one process; the follower's
 * decryption is not part of it; 0 when the follower had it first), and
 * also from the sender's request leaving to that frame. The followers' waits all run on one
 * thread with poll().
 *
 * With --idle-seconds S, before any message is sent, the server's CPU is
 * measured (/proc/PID of --server-pid) for S seconds while every follower
 * waits and nobody sends: the idle cost of parked waits. */
#include "config.h"

#include <errno.h>
#include <getopt.h>
#include <json-c/json.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <unistd.h>

#include "benchlib.h"
#include "errors.h"
#include "frame.h"
#include "jsonx.h"
#include "procstat.h"
#include "protocol.h"
#include "rsa.h"
#include "secure.h"
#include "session.h"
#include "wire.h"

#define SB_TIMEOUT_MS 60000
#define SB_SENDER_KEY_BITS 1024u
#define SB_LOGIN_MAX 64
#define SB_SETUP_THREADS 4
/* After the last message is sent, how long deliveries may still come. */
#define SB_DRAIN_SECONDS 15.0

struct sb_options {
	const char *host, *port, *send_port;
	unsigned followers, senders, rate, seconds, idle_seconds, follower_bits;
	pid_t server_pid;
	int flat;
};

struct sb_follower {
	struct rsa_private key;
	struct session s;
	struct frame_reader reader;
	long long after_id;
	char login[SB_LOGIN_MAX];
};

struct sb_run {
	const struct sb_options *opt;
	unsigned tag;                    /* makes logins unique per run */
	struct sb_follower *followers;
	double *asked_at, *sent_at, *received_at; /* per message number: request out, "sent" in, delivered; 0: not yet */
	unsigned messages;
	unsigned next_setup;             /* setup threads take followers in turn */
	unsigned answers;                /* wait answers the followers read */
	int failed;
	double decrypt_s;                /* the followers' decryption, not latency */
	pthread_mutex_t lock;
};

static void sb_fail(struct sb_run *run, const char *what, const char *detail)
{
	pthread_mutex_lock(&run->lock);
	run->failed++;
	fprintf(stderr, "rsa-chat-syncbench: %s%s%s\n", what, detail ? ": " : "", detail ? detail : "");
	pthread_mutex_unlock(&run->lock);
}

/* Sends req; the answer's data member as JSON text (malloc'd), or NULL
 * when the request failed or the answer was an error. */
static char *sb_request(struct session *s, const char *req)
{
	struct json_object *resp = NULL, *data;
	const char *state;
	char *text = NULL, *out = NULL;
	size_t len;

	if (session_request_text(s, req, strlen(req), &text, &len) == RC_OK && jsonx_parse(text, len, &resp) == RC_OK &&
	    (state = jsonx_get_string(resp, "state")) && strcmp(state, "ok") == 0 &&
	    json_object_object_get_ex(resp, "data", &data))
		out = strdup(jsonx_to_string(data, NULL));
	free(text);
	json_object_put(resp);
	return out;
}

/* A new user: key, connection, registration. */
static int sb_join(struct sb_run *run, const char *port, unsigned bits, const char *login, struct rsa_private *key,
                   struct session *s)
{
	char err[256], req[128];
	char *data;

	if (rsa_generate(key, bits, NULL, NULL) != RC_OK) {
		sb_fail(run, "key generation failed", NULL);
		return -1;
	}
	if (session_connect(s, run->opt->host, port, key, SB_TIMEOUT_MS, err, sizeof err) != RC_OK) {
		sb_fail(run, "connect failed", err);
		return -1;
	}
	snprintf(req, sizeof req, "{\"cmd\":\"register\",\"login\":\"%s\"}", login);
	if (!(data = sb_request(s, req))) {
		sb_fail(run, "register failed", login);
		return -1;
	}
	free(data);
	return 0;
}

/* Sends a follower's next wait (after its last id) without reading the answer. */
static int sb_send_wait(struct sb_follower *f)
{
	struct bytebuf frame;
	char req[128];
	int r;

	snprintf(req, sizeof req, "{\"cmd\":\"%s\",\"after_id\":%lld,\"timeout_ms\":%d}", PROTO_CMD_WAIT_MESSAGES,
	         f->after_id, PROTO_WAIT_MAX_MS);
	bytebuf_init(&frame, BYTEBUF_UNBOUNDED);
	r = wire_seal(&f->s.server_key, f->s.chunk, req, strlen(req), &frame);
	for (size_t sent = 0; r == RC_OK && sent < frame.len;) {
		ssize_t n = send(f->s.fd, frame.data + sent, frame.len - sent, MSG_NOSIGNAL);

		if (n < 0 && errno != EINTR)
			r = RC_ERR_IO;
		else if (n > 0)
			sent += (size_t)n;
	}
	bytebuf_free(&frame);
	return r;
}

static void *sb_setup_main(void *arg)
{
	struct sb_run *run = arg;

	for (;;) {
		struct sb_follower *f;
		char *last;
		unsigned i;

		pthread_mutex_lock(&run->lock);
		i = run->next_setup++;
		pthread_mutex_unlock(&run->lock);
		if (i >= run->opt->followers)
			return NULL;
		f = &run->followers[i];
		snprintf(f->login, sizeof f->login, "follower%u_%u", run->tag, i);
		if (sb_join(run, run->opt->port, run->opt->follower_bits, f->login, &f->key, &f->s) != 0)
			continue;
		if (!(last = sb_request(&f->s, "{\"cmd\":\"" PROTO_CMD_LAST_MESSAGE_ID "\"}"))) {
			sb_fail(run, "last_message_id failed (does the server have the sync extension?)", f->login);
			continue;
		}
		f->after_id = atoll(last);
		free(last);
		if (sb_send_wait(f) != RC_OK)
			sb_fail(run, "sending a wait failed", f->login);
	}
}

/* One wait answer of f: its messages' arrival, then the next wait. */
static void sb_handle_answer(struct sb_run *run, struct sb_follower *f, const struct blocklist *blocks, double now)
{
	struct json_object *resp = NULL, *data;
	double t0 = bench_now();
	char *text = NULL;
	size_t len;

	if (wire_open(&f->key, blocks, PROTO_CLIENT_MAX_RESPONSE_BYTES, &text, &len) != RC_OK ||
	    jsonx_parse(text, len, &resp) != RC_OK || !json_object_object_get_ex(resp, "data", &data) ||
	    !json_object_is_type(data, json_type_array)) {
		sb_fail(run, "a wait's answer is not a list of messages", text);
		goto out;
	}
	run->decrypt_s += bench_now() - t0;
	run->answers++;
	for (size_t i = 0; i < json_object_array_length(data); i++) {
		struct json_object *m = json_object_array_get_idx(data, i), *id;
		const char *content = jsonx_get_string(m, "content");
		unsigned seq;

		if (json_object_object_get_ex(m, "id", &id) && json_object_get_int64(id) > f->after_id)
			f->after_id = json_object_get_int64(id);
		if (content && sscanf(content, "message %u", &seq) == 1 && seq < run->messages && !run->received_at[seq])
			run->received_at[seq] = now;
	}
	if (sb_send_wait(f) != RC_OK)
		sb_fail(run, "sending a wait failed", f->login);
out:
	free(text);
	json_object_put(resp);
}

/* Reads whatever arrived for f. */
static void sb_read_follower(struct sb_run *run, struct sb_follower *f)
{
	uint8_t buf[16384];
	ssize_t n = recv(f->s.fd, buf, sizeof buf, MSG_DONTWAIT);
	size_t off = 0;

	if (n <= 0) {
		if (n == 0 || (errno != EAGAIN && errno != EINTR)) {
			sb_fail(run, "the server closed a follower", f->login);
			close(f->s.fd);
			f->s.fd = -1;
		}
		return;
	}
	while (off < (size_t)n) {
		size_t used = 0;
		int r = frame_reader_feed(&f->reader, buf + off, (size_t)n - off, &used);
		struct blocklist blocks;

		off += used;
		if (r == FRAME_NEED_MORE)
			break;
		if (r != FRAME_DONE || frame_reader_take(&f->reader, &blocks) != RC_OK) {
			sb_fail(run, "a bad frame from the server", f->login);
			return;
		}
		sb_handle_answer(run, f, &blocks, bench_now());
		blocklist_free(&blocks);
	}
}

/* Serves every follower's waits until `until` (bench_now() seconds), or
 * until every message is in when all_in is set. */
static void sb_follow(struct sb_run *run, struct pollfd *fds, double until, int all_in)
{
	unsigned n = run->opt->followers;

	while (bench_now() < until) {
		int ready;

		if (all_in) {
			unsigned missing = 0;

			for (unsigned i = 0; i < run->messages && !missing; i++)
				missing += run->received_at[i] == 0;
			if (!missing)
				return;
		}
		for (unsigned i = 0; i < n; i++) {
			fds[i].fd = run->followers[i].s.fd;
			fds[i].events = POLLIN;
			fds[i].revents = 0;
		}
		ready = poll(fds, n, 100);
		for (unsigned i = 0; ready > 0 && i < n; i++)
			if (fds[i].revents)
				sb_read_follower(run, &run->followers[i]);
	}
}

struct sb_sender {
	struct sb_run *run;
	unsigned index;
	double start;
	pthread_t thread;
};

/* Message number index, index + K, ... at the fixed rate, each to the next
 * follower in turn. */
static void *sb_sender_main(void *arg)
{
	struct sb_sender *snd = arg;
	struct sb_run *run = snd->run;
	const struct sb_options *opt = run->opt;
	struct rsa_private key;
	struct session s;
	char login[SB_LOGIN_MAX], req[256];

	rsa_private_init(&key);
	snprintf(login, sizeof login, "sender%u_%u", run->tag, snd->index);
	if (sb_join(run, opt->send_port, SB_SENDER_KEY_BITS, login, &key, &s) == 0) {
		for (unsigned seq = snd->index; seq < run->messages; seq += opt->senders) {
			double due = snd->start + (double)seq / opt->rate, wait = due - bench_now();
			char *data;

			if (wait > 0)
				usleep((useconds_t)(wait * 1e6));
			run->asked_at[seq] = bench_now();
			snprintf(req, sizeof req, "{\"cmd\":\"send_message\",\"user\":\"%s\",\"content\":\"message %u\"}",
			         run->followers[seq % opt->followers].login, seq);
			if (!(data = sb_request(&s, req))) {
				sb_fail(run, "send_message failed", login);
				break;
			}
			run->sent_at[seq] = bench_now();
			free(data);
		}
		session_close(&s);
	}
	rsa_private_clear(&key);
	return NULL;
}

/* The server's CPU milliseconds per second over `seconds` of nobody sending. */
static double sb_idle_cpu(struct sb_run *run, struct pollfd *fds)
{
	struct procstat_sample a, b;
	double t0, t1;

	if (procstat_process(run->opt->server_pid, &a) != RC_OK)
		return -1;
	t0 = bench_now();
	sb_follow(run, fds, t0 + run->opt->idle_seconds, 0);
	t1 = bench_now();
	if (procstat_process(run->opt->server_pid, &b) != RC_OK)
		return -1;
	return (b.cpu_s - a.cpu_s) * 1000.0 / (t1 - t0);
}

static struct json_object *sb_summary_ms(struct bench_samples *s)
{
	struct bench_summary sum;
	struct json_object *o = json_object_new_object();

	bench_summarise(s, &sum);
	json_object_object_add(o, "count", json_object_new_int64((int64_t)sum.count));
	json_object_object_add(o, "p50_ms", json_object_new_double(sum.p50 * 1000));
	json_object_object_add(o, "p99_ms", json_object_new_double(sum.p99 * 1000));
	json_object_object_add(o, "max_ms", json_object_new_double(sum.max * 1000));
	return o;
}

static int sb_run(const struct sb_options *opt)
{
	struct sb_run run;
	struct sb_sender *senders = calloc(opt->senders, sizeof *senders);
	struct pollfd *fds = calloc(opt->followers, sizeof *fds);
	pthread_t setup[SB_SETUP_THREADS];
	struct json_object *report = json_object_new_object();
	struct bench_samples latency = { NULL, 0, 0 }, from_request = { NULL, 0, 0 };
	struct procstat_sample cpu0 = { 0, 0, 0, 0 }, cpu1 = { 0, 0, 0, 0 };
	double idle_cpu = -1, t_end;
	unsigned lost = 0;

	memset(&run, 0, sizeof run);
	run.opt = opt;
	secure_random(&run.tag, sizeof run.tag);
	run.messages = opt->rate * opt->seconds;
	run.followers = calloc(opt->followers, sizeof *run.followers);
	run.asked_at = calloc(run.messages ? run.messages : 1, sizeof *run.asked_at);
	run.sent_at = calloc(run.messages ? run.messages : 1, sizeof *run.sent_at);
	run.received_at = calloc(run.messages ? run.messages : 1, sizeof *run.received_at);
	if (!senders || !fds || !report || !run.followers || !run.asked_at || !run.sent_at || !run.received_at) {
		fprintf(stderr, "rsa-chat-syncbench: out of memory\n");
		return 1;
	}
	pthread_mutex_init(&run.lock, NULL);
	for (unsigned i = 0; i < opt->followers; i++) {
		rsa_private_init(&run.followers[i].key);
		run.followers[i].s.fd = -1;
	}
	for (unsigned t = 0; t < SB_SETUP_THREADS; t++)
		pthread_create(&setup[t], NULL, sb_setup_main, &run);
	for (unsigned t = 0; t < SB_SETUP_THREADS; t++)
		pthread_join(setup[t], NULL);
	/* The frame limits are the sessions' own, now that they are connected. */
	for (unsigned i = 0; i < opt->followers; i++)
		frame_reader_init(&run.followers[i].reader, FRAME_KIND_BLOCKS, &run.followers[i].s.limits);
	if (run.failed)
		goto report;
	/* The waits park; anything still on its way is answered meanwhile. */
	sb_follow(&run, fds, bench_now() + 2, 0);
	if (opt->idle_seconds && opt->server_pid)
		idle_cpu = sb_idle_cpu(&run, fds);
	if (opt->server_pid)
		procstat_process(opt->server_pid, &cpu0);
	for (unsigned k = 0; k < opt->senders; k++) {
		senders[k] = (struct sb_sender){ &run, k, bench_now() + 2, 0 };
		pthread_create(&senders[k].thread, NULL, sb_sender_main, &senders[k]);
	}
	t_end = bench_now() + 2 + opt->seconds;
	sb_follow(&run, fds, t_end + SB_DRAIN_SECONDS, 1);
	for (unsigned k = 0; k < opt->senders; k++)
		pthread_join(senders[k].thread, NULL);
	sb_follow(&run, fds, bench_now() + SB_DRAIN_SECONDS, 1);
	if (opt->server_pid)
		procstat_process(opt->server_pid, &cpu1);
	for (unsigned i = 0; i < run.messages; i++) {
		if (run.sent_at[i] && run.received_at[i]) {
			bench_samples_add(&latency, run.received_at[i] > run.sent_at[i] ? run.received_at[i] - run.sent_at[i] : 0);
			bench_samples_add(&from_request, run.received_at[i] - run.asked_at[i]);
		} else {
			lost++;
		}
	}
report:
	json_object_object_add(report, "followers", json_object_new_int((int)opt->followers));
	json_object_object_add(report, "senders", json_object_new_int((int)opt->senders));
	json_object_object_add(report, "rate_per_s", json_object_new_int((int)opt->rate));
	json_object_object_add(report, "messages", json_object_new_int((int)run.messages));
	json_object_object_add(report, "lost", json_object_new_int((int)lost));
	json_object_object_add(report, "errors", json_object_new_int(run.failed));
	json_object_object_add(report, "wait_answers", json_object_new_int((int)run.answers));
	json_object_object_add(report, "latency", sb_summary_ms(&latency));
	json_object_object_add(report, "latency_from_request", sb_summary_ms(&from_request));
	json_object_object_add(report, "follower_decrypt_ms_per_answer",
	                       json_object_new_double(run.answers ? run.decrypt_s * 1000 / run.answers : 0));
	if (idle_cpu >= 0)
		json_object_object_add(report, "idle_server_cpu_ms_per_s", json_object_new_double(idle_cpu));
	if (opt->server_pid && run.messages)
		json_object_object_add(report, "server_cpu_ms_per_message",
		                       json_object_new_double((cpu1.cpu_s - cpu0.cpu_s) * 1000 / run.messages));
	bench_print_report(stdout, report, opt->flat);
	json_object_put(report);
	bench_samples_free(&latency);
	bench_samples_free(&from_request);
	for (unsigned i = 0; i < opt->followers; i++) {
		session_close(&run.followers[i].s);
		frame_reader_free(&run.followers[i].reader);
		rsa_private_clear(&run.followers[i].key);
	}
	pthread_mutex_destroy(&run.lock);
	free(run.followers);
	free(run.asked_at);
	free(run.sent_at);
	free(run.received_at);
	free(senders);
	free(fds);
	return run.failed || lost ? 1 : 0;
}

static void sb_usage(void)
{
	fprintf(stderr,
	        "usage: rsa-chat-syncbench --port P [--host H] [--send-port P2] [--followers N] [--senders K]\n"
	        "       [--rate MSGS_PER_S] [--seconds S] [--idle-seconds S --server-pid PID] [--follower-bits B] [--flat]\n");
	exit(2);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "host", required_argument, NULL, 'H' },       { "port", required_argument, NULL, 'p' },
		{ "send-port", required_argument, NULL, 'P' },  { "followers", required_argument, NULL, 'f' },
		{ "senders", required_argument, NULL, 'k' },    { "rate", required_argument, NULL, 'r' },
		{ "seconds", required_argument, NULL, 's' },    { "idle-seconds", required_argument, NULL, 'i' },
		{ "server-pid", required_argument, NULL, 'S' }, { "follower-bits", required_argument, NULL, 'b' },
		{ "flat", no_argument, NULL, 'F' },             { NULL, 0, NULL, 0 },
	};
	struct sb_options opt = { "127.0.0.1", NULL, NULL, 1000, 16, 200, 10, 0, 1024, 0, 0 };
	unsigned pid = 0;
	int c, ok = 1;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		switch (c) {
		case 'H': opt.host = optarg; break;
		case 'p': opt.port = optarg; break;
		case 'P': opt.send_port = optarg; break;
		case 'f': ok &= bench_parse_unsigned(optarg, 1, 100000, &opt.followers) == RC_OK; break;
		case 'k': ok &= bench_parse_unsigned(optarg, 1, 1000, &opt.senders) == RC_OK; break;
		case 'r': ok &= bench_parse_unsigned(optarg, 1, 100000, &opt.rate) == RC_OK; break;
		case 's': ok &= bench_parse_unsigned(optarg, 1, 3600, &opt.seconds) == RC_OK; break;
		case 'i': ok &= bench_parse_unsigned(optarg, 0, 3600, &opt.idle_seconds) == RC_OK; break;
		case 'S': ok &= bench_parse_unsigned(optarg, 1, 4194304, &pid) == RC_OK; break;
		case 'b': ok &= bench_parse_unsigned(optarg, PROTO_MIN_MODULUS_BITS, 4096, &opt.follower_bits) == RC_OK; break;
		case 'F': opt.flat = 1; break;
		default: sb_usage();
		}
	}
	if (!ok || !opt.port || optind != argc)
		sb_usage();
	opt.server_pid = (pid_t)pid;
	if (!opt.send_port)
		opt.send_port = opt.port;
	if (secure_init() != RC_OK) {
		fprintf(stderr, "rsa-chat-syncbench: secure_init failed\n");
		return 1;
	}
	return sb_run(&opt);
}
