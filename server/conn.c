#include "config.h"

#include "conn.h"

#include <errno.h>
#include <gmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include "bigint.h"
#include "clock.h"
#include "errors.h"
#include "log.h"
#include "protocol.h"
#include "secure.h"
#include "wire.h"

static void conn_handle_event(struct event_loop *loop, int fd, unsigned events, void *arg);
static void conn_process_input(struct conn *c);

/* Readable while a frame is expected, writable while output waits. */
static void conn_update_events(struct conn *c)
{
	unsigned events = 0;

	switch (c->state) {
	case CONN_HANDSHAKE_SEND:
	case CONN_RESPONSE_WRITE:
		events = EVENT_WRITABLE;
		break;
	case CONN_HANDSHAKE_READ_E:
	case CONN_HANDSHAKE_READ_N:
	case CONN_REQUEST_READ:
	case CONN_WAITING:
		events = EVENT_READABLE;
		break;
	case CONN_REQUEST_PROCESSING:
	case CONN_CLOSING:
		break;
	}
	event_loop_set_events(c->env->loop, c->fd, events);
}

static void conn_free(struct conn *c)
{
	request_output_release(c->env->output, c->out_reserved);
	address_release(&c->env->addresses, c->addr);
	c->env->count--;
	frame_reader_free(&c->reader);
	bytebuf_free(&c->in);
	bytebuf_free(&c->out);
	blocklist_free(&c->key_e);
	rsa_public_clear(&c->client_key);
	free(c->e_dec);
	free(c->n_dec);
	free(c->login);
	secure_wipe(&c->proof, sizeof c->proof);
	free(c);
}

int conn_start(struct conn_env *env, int fd, const char *host, const char *peer)
{
	struct conn *c = calloc(1, sizeof *c);
	int r;

	if (!c)
		return RC_ERR_NOMEM;
	if ((r = address_acquire(&env->addresses, host, env->max_per_address, &c->addr)) != RC_OK) {
		free(c);
		return r;
	}
	env->count++;
	c->env = env;
	c->fd = fd;
	c->id = ++env->next_id;
	snprintf(c->peer, sizeof c->peer, "%s", peer);
	frame_reader_init(&c->reader, FRAME_KIND_BYTES, &env->handshake_limits);
	/* Reads happen only while a frame is expected and everything read
	 * before has been framed, so c->in never holds more than one read. */
	bytebuf_init(&c->in, CONN_READ_CHUNK_BYTES);
	bytebuf_init(&c->out, BYTEBUF_UNBOUNDED);
	blocklist_init(&c->key_e);
	rsa_public_init(&c->client_key);
	c->accepted_ms = c->last_activity_ms = clock_now_ms();
	c->state = CONN_HANDSHAKE_SEND;
	if ((r = bytebuf_append(&c->out, env->hello.data, env->hello.len)) != RC_OK ||
	    (r = event_loop_watch(env->loop, fd, EVENT_WRITABLE, conn_handle_event, c)) != RC_OK) {
		conn_free(c);
		return r;
	}
	c->next = env->all;
	if (env->all)
		env->all->prev = c;
	env->all = c;
	log_info(c->id, "connection from %s", c->peer);
	return RC_OK;
}

/* Drops c's request if no worker has started it: 1 if it did. */
static int conn_drop_queued_job(struct conn *c)
{
	if (!c->job || !worker_pool_unqueue(c->env->pool, c->job))
		return 0;
	request_job_free(c->job);
	c->job = NULL;
	return 1;
}

void conn_close(struct conn *c, const char *reason)
{
	if (c->state == CONN_CLOSING)
		return;
	if (reason)
		log_info(c->id, "closing: %s", reason);
	/* A queued request is dropped; a running one stops at its next step
	 * and still comes back (until then c counts against the limits). */
	if (!conn_drop_queued_job(c) && c->job)
		atomic_store(&c->job->gone, 1);
	c->state = CONN_CLOSING;
	event_loop_set_events(c->env->loop, c->fd, 0);
	c->close_next = c->env->closing;
	c->env->closing = c;
}

void conn_reap(struct conn_env *env)
{
	struct conn **link = &env->closing;

	while (*link) {
		struct conn *c = *link;

		if (c->fd >= 0) {
			event_loop_unwatch(env->loop, c->fd);
			close(c->fd);
			c->fd = -1;
		}
		if (c->job) {
			link = &c->close_next;
			continue;
		}
		*link = c->close_next;
		if (c->prev)
			c->prev->next = c->next;
		else
			env->all = c->next;
		if (c->next)
			c->next->prev = c->prev;
		conn_free(c);
	}
}

/* Sends what it can of c->out; when everything is gone, moves on. */
static void conn_flush(struct conn *c)
{
	while (c->out_sent < c->out.len) {
		ssize_t n = send(c->fd, c->out.data + c->out_sent, c->out.len - c->out_sent, MSG_NOSIGNAL);

		if (n < 0) {
			if (errno == EINTR)
				continue;
			if (errno == EAGAIN || errno == EWOULDBLOCK) {
				/* The rest goes when the socket is writable again. */
				conn_update_events(c);
				return;
			}
			conn_close(c, "peer gone while writing");
			return;
		}
		c->out_sent += (size_t)n;
		c->last_activity_ms = clock_now_ms();
	}
	/* Every response arrives in a buffer of its own: keeping this one
	 * would hold the largest answer so far for as long as c lives. */
	bytebuf_free(&c->out);
	c->out_sent = 0;
	request_output_release(c->env->output, c->out_reserved);
	c->out_reserved = 0;
	if (c->state == CONN_HANDSHAKE_SEND) {
		c->state = CONN_HANDSHAKE_READ_E;
	} else if (c->state == CONN_RESPONSE_WRITE) {
		if (c->close_after_write || c->env->draining) {
			conn_close(c, c->close_after_write ? "goodbye" : "server shutting down");
			return;
		}
		c->state = CONN_REQUEST_READ;
		c->last_activity_ms = c->frame_started_ms = clock_now_ms();
	}
	conn_update_events(c);
	/* Bytes that arrived with the previous request may hold the next one. */
	if (c->state == CONN_REQUEST_READ && c->in.len > 0)
		conn_process_input(c);
}

/* The client's e and n are in: check the key and start serving requests. */
static void conn_finish_handshake(struct conn *c, const struct block *n_block)
{
	const struct block *e_block = &c->key_e.v[0];

	bigint_from_bytes(c->client_key.e, e_block->data, e_block->len);
	bigint_from_bytes(c->client_key.n, n_block->data, n_block->len);
	blocklist_free(&c->key_e);
	if (rsa_public_check(&c->client_key) != RC_OK) {
		log_warn(c->id, "refused client key: %zu-bit modulus, %zu-bit exponent (accepted: %u to %u bits, an odd "
		         "exponent of 3 to %u bits)", mpz_sizeinbase(c->client_key.n, 2),
		         mpz_sizeinbase(c->client_key.e, 2), PROTO_MIN_MODULUS_BITS, PROTO_MAX_MODULUS_BITS,
		         PROTO_MAX_PEER_E_BITS);
		conn_close(c, "unacceptable client key");
		return;
	}
	c->e_dec = bigint_to_decimal(c->client_key.e);
	c->n_dec = bigint_to_decimal(c->client_key.n);
	if (!c->e_dec || !c->n_dec) {
		conn_close(c, "out of memory");
		return;
	}
	log_debug(c->id, "handshake done (%zu-bit client key)", mpz_sizeinbase(c->client_key.n, 2));
	frame_reader_free(&c->reader);
	frame_reader_init(&c->reader, FRAME_KIND_BLOCKS, &c->env->request_limits);
	c->state = CONN_REQUEST_READ;
	c->last_activity_ms = c->frame_started_ms = clock_now_ms();
}

/* A job for c's next request, carrying what the connection knows. */
static int conn_new_job(struct conn *c, struct request_job **out)
{
	struct request_job *job;
	int r;

	if ((r = request_job_new(c, c->id, c->login, &job)) != RC_OK)
		return r;
	job->client_key = &c->client_key;
	job->e_dec = c->e_dec;
	job->n_dec = c->n_dec;
	job->peer = c->peer;
	job->proof = c->proof;
	*out = job;
	return RC_OK;
}

static void conn_hand_over(struct conn *c, struct request_job *job)
{
	c->job = job;
	c->woken_while_busy = 0;
	c->state = CONN_REQUEST_PROCESSING;
	worker_pool_submit(c->env->pool, &c->addr->lane, job);
}

static void conn_submit(struct conn *c, struct blocklist *request)
{
	size_t total = blocklist_total(request), most = wire_max_blocks(c->env->server_modulus_bytes, total);
	struct request_job *job;

	/* Each block costs a private-key operation: refuse blocks far shorter
	 * than a real ciphertext before any is done. */
	if (request->count > most) {
		log_warn(c->id, "limit violation: %zu blocks in a request of %zu bytes (a client needs %zu at most)",
		         request->count, total, most);
		blocklist_free(request);
		conn_close(c, "protocol violation");
		return;
	}
	if (conn_new_job(c, &job) != RC_OK) {
		blocklist_free(request);
		conn_close(c, "out of memory");
		return;
	}
	job->request = *request;
	blocklist_init(request);
	/* One answer per request, in order: the parked wait gets its [] first. */
	job->end_parked_wait = c->state == CONN_WAITING;
	conn_hand_over(c, job);
}

/* Takes a parked wait up again on a worker, with what is left of its time
 * (0 when it is up: the worker answers whatever there is). */
static void conn_resume_wait(struct conn *c, int64_t now_ms)
{
	int64_t left = c->wait_deadline_ms - now_ms;
	struct request_job *job = NULL;

	if (conn_new_job(c, &job) != RC_OK ||
	    dispatch_wait_request(&c->wait, left > 0 ? (int)left : 0, &job->parsed) != RC_OK) {
		request_job_free(job);
		conn_close(c, "out of memory");
		return;
	}
	job->resumed = 1;
	conn_hand_over(c, job);
}

/* A wait_messages found nothing: park it until a wake or its deadline. */
static void conn_park(struct conn *c, const struct dispatch_wait *wait)
{
	int64_t now = clock_now_ms();

	c->wait = *wait;
	c->wait_deadline_ms = now + wait->timeout_ms;
	c->state = CONN_WAITING;
	c->last_activity_ms = now;
	log_debug(c->id, "wait parked for up to %d ms", wait->timeout_ms);
	/* A message may have been announced while the worker looked. */
	if (c->woken_while_busy) {
		conn_resume_wait(c, now);
		return;
	}
	conn_update_events(c);
	/* Bytes read with the wait may hold the next request already. */
	if (c->in.len > 0)
		conn_process_input(c);
}

void conn_wake_waiters(struct conn_env *env, const char *login)
{
	int64_t now = clock_now_ms();

	for (struct conn *c = env->all; c; c = c->next) {
		/* A connection's login is known once its first request is answered. */
		int for_c = !login || !c->login || strcmp(login, c->login) == 0;

		if (!for_c)
			continue;
		if (c->state == CONN_WAITING)
			conn_resume_wait(c, now);
		else if (c->state == CONN_REQUEST_PROCESSING)
			c->woken_while_busy = 1;
	}
}

/* A complete frame for the current state. */
static void conn_handle_frame(struct conn *c)
{
	struct blocklist frame;

	blocklist_init(&frame);
	if (frame_reader_take(&c->reader, &frame) != RC_OK) {
		conn_close(c, "out of memory");
		return;
	}
	switch (c->state) {
	case CONN_HANDSHAKE_READ_E:
		c->key_e = frame;
		c->state = CONN_HANDSHAKE_READ_N;
		return;
	case CONN_HANDSHAKE_READ_N:
		conn_finish_handshake(c, &frame.v[0]);
		break;
	case CONN_REQUEST_READ:
	case CONN_WAITING:
		conn_submit(c, &frame);
		break;
	default:
		break;
	}
	blocklist_free(&frame);
}

/* Frames what has been read, until input runs out or a request goes to a worker. */
static void conn_process_input(struct conn *c)
{
	while (c->in.len > 0 && (c->state == CONN_HANDSHAKE_READ_E || c->state == CONN_HANDSHAKE_READ_N ||
	                         c->state == CONN_REQUEST_READ || c->state == CONN_WAITING)) {
		size_t used = 0;
		int r = frame_reader_feed(&c->reader, c->in.data, c->in.len, &used);

		bytebuf_consume(&c->in, used);
		if (r == RC_ERR_TOO_LARGE) {
			log_warn(c->id, "limit violation: a %s frame over the configured limits",
			         c->state == CONN_REQUEST_READ || c->state == CONN_WAITING ? "request" : "handshake");
			conn_close(c, "protocol violation");
			return;
		}
		if (r < 0) {
			conn_close(c, rc_strerror(r));
			return;
		}
		if (r == FRAME_NEED_MORE)
			break;
		conn_handle_frame(c);
	}
	if (c->state != CONN_CLOSING)
		conn_update_events(c);
}

static void conn_handle_readable(struct conn *c)
{
	uint8_t buf[CONN_READ_CHUNK_BYTES];
	ssize_t n;

	/* One read per event keeps the loop fair between connections. */
	n = recv(c->fd, buf, sizeof buf, 0);
	if (n < 0) {
		if (errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR)
			conn_close(c, "read error");
		return;
	}
	if (n == 0) {
		conn_close(c, frame_reader_in_frame(&c->reader) || c->in.len ? "peer closed mid-frame" : "peer closed");
		return;
	}
	c->last_activity_ms = clock_now_ms();
	/* A frame must arrive whole within the idle timeout: trickling a
	 * byte now and then does not keep a connection open. */
	if (!frame_reader_in_frame(&c->reader) && c->in.len == 0)
		c->frame_started_ms = c->last_activity_ms;
	if (bytebuf_append(&c->in, buf, (size_t)n) != RC_OK) {
		conn_close(c, "out of memory");
		return;
	}
	conn_process_input(c);
}

static void conn_handle_event(struct event_loop *loop, int fd, unsigned events, void *arg)
{
	struct conn *c = arg;

	(void)loop;
	(void)fd;
	if (c->state == CONN_CLOSING)
		return;
	if ((events & EVENT_WRITABLE) && (c->state == CONN_HANDSHAKE_SEND || c->state == CONN_RESPONSE_WRITE))
		conn_flush(c);
	else if ((events & EVENT_READABLE) && c->state != CONN_REQUEST_PROCESSING)
		conn_handle_readable(c);
	else if (events & EVENT_ERROR)
		conn_close(c, "peer hung up");
}

void conn_handle_job_done(struct request_job *job)
{
	struct conn *c = job->owner;

	c->job = NULL;
	if (job->login && !c->login) {
		c->login = job->login;
		job->login = NULL;
	}
	c->proof = job->proof;
	/* The response's memory stays counted until c sends or drops it. */
	c->out_reserved = job->output_reserved;
	job->output_reserved = 0;
	if (c->state == CONN_CLOSING)
		goto out;
	switch (job->outcome) {
	case REQUEST_ANSWERED:
	case REQUEST_GOODBYE:
		c->close_after_write = job->outcome == REQUEST_GOODBYE;
		bytebuf_free(&c->out);
		c->out = job->response;
		bytebuf_init(&job->response, BYTEBUF_UNBOUNDED);
		c->out_sent = 0;
		c->state = CONN_RESPONSE_WRITE;
		conn_flush(c);
		break;
	case REQUEST_PARKED:
		if (c->env->draining)
			conn_close(c, "server shutting down");
		else
			conn_park(c, &job->wait);
		break;
	case REQUEST_VIOLATION:
		conn_close(c, "protocol violation");
		break;
	case REQUEST_REFUSED:
		conn_close(c, "response over the output limits");
		break;
	case REQUEST_GONE: /* only a closing connection's job stops early */
	case REQUEST_FAILED:
		conn_close(c, "internal error");
		break;
	}
out:
	request_job_free(job);
}

void conn_sweep(struct conn_env *env, int64_t now_ms)
{
	for (struct conn *c = env->all; c; c = c->next) {
		switch (c->state) {
		case CONN_HANDSHAKE_SEND:
		case CONN_HANDSHAKE_READ_E:
		case CONN_HANDSHAKE_READ_N:
			if (now_ms - c->accepted_ms > env->handshake_timeout_ms)
				conn_close(c, "handshake timeout");
			break;
		case CONN_REQUEST_READ:
			if (frame_reader_in_frame(&c->reader) || c->in.len) {
				if (now_ms - c->frame_started_ms > env->idle_timeout_ms)
					conn_close(c, "stalled in the middle of a frame");
			} else if (now_ms - c->last_activity_ms > env->idle_timeout_ms) {
				conn_close(c, "idle timeout");
			}
			break;
		case CONN_RESPONSE_WRITE:
			if (now_ms - c->last_activity_ms > env->write_timeout_ms)
				conn_close(c, "peer does not read its response");
			break;
		case CONN_WAITING:
			/* The wait, bounded by the server, stands for the idle timeout. */
			if ((frame_reader_in_frame(&c->reader) || c->in.len) &&
			    now_ms - c->frame_started_ms > env->idle_timeout_ms)
				conn_close(c, "stalled in the middle of a frame");
			else if (now_ms >= c->wait_deadline_ms)
				conn_resume_wait(c, now_ms);
			break;
		case CONN_REQUEST_PROCESSING:
		case CONN_CLOSING:
			break;
		}
	}
}

void conn_drain_all(struct conn_env *env)
{
	env->draining = 1;
	for (struct conn *c = env->all; c; c = c->next) {
		/* A request no worker has started is dropped with its connection. */
		conn_drop_queued_job(c);
		if (c->state != CONN_RESPONSE_WRITE && !c->job)
			conn_close(c, "server shutting down");
	}
}

void conn_free_all(struct conn_env *env)
{
	for (struct conn *c = env->all; c; c = c->next) {
		c->job = NULL; /* freed by the worker pool */
		conn_close(c, NULL);
	}
	conn_reap(env);
}
