#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "array.h"
#include "bigint.h"
#include "clock.h"
#include "errors.h"
#include "jsonx.h"
#include "protocol.h"
#include "session.h"
#include "wire.h"

#define SESSION_READ_CHUNK 16384u
/* No deadline: poll without a timeout, decrypt without a limit. */
#define SESSION_NO_DEADLINE RSA_NO_DEADLINE

static int64_t session_deadline(int timeout_ms)
{
	return timeout_ms > 0 ? clock_now_ms() + timeout_ms : SESSION_NO_DEADLINE;
}

/* Waits until fd is ready for events or the deadline passes. */
static int session_wait(int fd, short events, int64_t deadline)
{
	struct pollfd pfd = { .fd = fd, .events = events, .revents = 0 };
	int64_t left;
	int r;

	for (;;) {
		left = -1;
		if (deadline != SESSION_NO_DEADLINE) {
			left = deadline - clock_now_ms();
			if (left <= 0)
				return RC_ERR_TIMEOUT;
		}
		r = poll(&pfd, 1, left > INT32_MAX ? INT32_MAX : (int)left);
		if (r > 0)
			return RC_OK;
		if (r == 0)
			return RC_ERR_TIMEOUT;
		if (errno != EINTR)
			return RC_ERR_IO;
	}
}

/* One non-blocking connect to one address, finished within the deadline. */
static int session_connect_addr(const struct addrinfo *ai, int64_t deadline, int *fd_out)
{
	int fd, rc, soerr = 0, one = 1;
	socklen_t len = sizeof(soerr);

	*fd_out = -1;
	fd = socket(ai->ai_family, ai->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, ai->ai_protocol);
	if (fd < 0)
		return RC_ERR_IO;
	if (connect(fd, ai->ai_addr, ai->ai_addrlen) != 0) {
		if (errno != EINPROGRESS) {
			rc = RC_ERR_IO;
			goto fail;
		}
		if ((rc = session_wait(fd, POLLOUT, deadline)) != RC_OK)
			goto fail;
		if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &soerr, &len) != 0 || soerr != 0) {
			if (soerr != 0)
				errno = soerr;
			rc = RC_ERR_IO;
			goto fail;
		}
	}
	/* Requests are small and answered one by one: do not wait for Nagle. */
	setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	*fd_out = fd;
	return RC_OK;
fail:
	soerr = errno;
	close(fd);
	errno = soerr;
	return rc;
}

static int session_open_socket(struct session *s, const char *host, const char *port, int64_t deadline, char *err,
                               size_t errlen)
{
	struct addrinfo hints, *res = NULL, *ai;
	int rc = RC_ERR_IO, gai;

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	if ((gai = getaddrinfo(host, port, &hints, &res)) != 0) {
		rc_errf(err, errlen, "resolve %s:%s: %s", host, port, gai_strerror(gai));
		return RC_ERR_IO;
	}
	for (ai = res; ai != NULL; ai = ai->ai_next) {
		if ((rc = session_connect_addr(ai, deadline, &s->fd)) == RC_OK)
			break;
		if (rc == RC_ERR_TIMEOUT)
			rc_errf(err, errlen, "connect to %s:%s: timed out", host, port);
		else
			rc_errf(err, errlen, "connect to %s:%s: %s", host, port, strerror(errno));
	}
	freeaddrinfo(res);
	return rc;
}

static int session_send_all(struct session *s, const uint8_t *p, size_t n, int64_t deadline)
{
	ssize_t w;
	int rc;

	while (n > 0) {
		/* MSG_NOSIGNAL: a closed peer is an error here, not a SIGPIPE. */
		w = send(s->fd, p, n, MSG_NOSIGNAL);
		if (w > 0) {
			p += w;
			n -= (size_t)w;
			continue;
		}
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			if ((rc = session_wait(s->fd, POLLOUT, deadline)) != RC_OK)
				return rc;
			continue;
		}
		return errno == EPIPE || errno == ECONNRESET ? RC_ERR_EOF : RC_ERR_IO;
	}
	return RC_OK;
}

/* Feeds bytes to the reader; whatever follows a completed frame is kept in s->in. */
static int session_feed(struct session *s, struct frame_reader *r, const uint8_t *p, size_t n)
{
	size_t used = 0;
	int rc = frame_reader_feed(r, p, n, &used);

	if (rc == FRAME_DONE && used < n) {
		int keep = bytebuf_append(&s->in, p + used, n - used);

		if (keep != RC_OK)
			return keep;
	}
	return rc;
}

/* Reads one frame of the given kind within the deadline. */
static int session_read_frame(struct session *s, enum frame_kind kind, const struct frame_limits *limits,
                              int64_t deadline, struct blocklist *out)
{
	struct frame_reader r;
	struct bytebuf pending;
	uint8_t buf[SESSION_READ_CHUNK];
	ssize_t got;
	int rc;

	blocklist_init(out);
	frame_reader_init(&r, kind, limits);
	/* Bytes received with the previous frame come first. */
	pending = s->in;
	bytebuf_init(&s->in, pending.max);
	rc = pending.len ? session_feed(s, &r, pending.data, pending.len) : FRAME_NEED_MORE;
	bytebuf_free(&pending);
	while (rc == FRAME_NEED_MORE) {
		got = recv(s->fd, buf, sizeof(buf), 0);
		if (got > 0) {
			rc = session_feed(s, &r, buf, (size_t)got);
		} else if (got == 0) {
			rc = RC_ERR_EOF;
		} else if (errno == EINTR) {
			continue;
		} else if (errno == EAGAIN || errno == EWOULDBLOCK) {
			if ((rc = session_wait(s->fd, POLLIN, deadline)) == RC_OK)
				rc = FRAME_NEED_MORE;
		} else {
			rc = errno == ECONNRESET ? RC_ERR_EOF : RC_ERR_IO;
		}
	}
	if (rc == FRAME_DONE)
		rc = frame_reader_take(&r, out);
	frame_reader_free(&r);
	return rc;
}

/* Reads one handshake bytes frame as an integer. */
static int session_read_number(struct session *s, int64_t deadline, mpz_t out)
{
	static const struct frame_limits handshake_limits = {
		.max_frame_bytes = PROTO_HANDSHAKE_MAX_FRAME_BYTES,
		.max_blocks = 1,
		.max_total_bytes = PROTO_HANDSHAKE_MAX_FRAME_BYTES,
	};
	struct blocklist l;
	int rc;

	if ((rc = session_read_frame(s, FRAME_KIND_BYTES, &handshake_limits, deadline, &l)) == RC_OK)
		bigint_from_bytes(out, l.v[0].data, l.v[0].len);
	blocklist_free(&l);
	return rc;
}

static int session_handshake(struct session *s, int64_t deadline, char *err, size_t errlen)
{
	struct bytebuf hello, num;
	int rc;

	bytebuf_init(&hello, BYTEBUF_UNBOUNDED);
	bytebuf_init(&num, BYTEBUF_UNBOUNDED);
	if ((rc = session_read_number(s, deadline, s->server_key.e)) != RC_OK ||
	    (rc = session_read_number(s, deadline, s->server_key.n)) != RC_OK) {
		/* An rsa-chat server speaks first; most other servers (PostgreSQL,
		 * HTTP) wait for the client, so silence means the wrong port. */
		rc_errf(err, errlen, "handshake: reading the server's key: %s%s", rc_strerror(rc),
		        rc == RC_ERR_TIMEOUT ? " (an rsa-chat server sends its key at once: is this the right host and port?)"
		                             : "");
		goto out;
	}
	if (rsa_public_check(&s->server_key) != RC_OK) {
		rc_errf(err, errlen, "handshake: the server presented an unusable key");
		rc = RC_ERR_PROTOCOL;
		goto out;
	}
	if ((rc = bigint_append(&num, s->me->pub.e)) != RC_OK || (rc = frame_write_bytes(&hello, num.data, num.len)) != RC_OK)
		goto out;
	bytebuf_reset(&num);
	if ((rc = bigint_append(&num, s->me->pub.n)) != RC_OK || (rc = frame_write_bytes(&hello, num.data, num.len)) != RC_OK)
		goto out;
	if ((rc = session_send_all(s, hello.data, hello.len, deadline)) != RC_OK)
		rc_errf(err, errlen, "handshake: sending our key: %s", rc_strerror(rc));
out:
	bytebuf_free(&hello);
	bytebuf_free(&num);
	return rc;
}

int session_connect(struct session *s, const char *host, const char *port, const struct rsa_private *me,
                    int timeout_ms, char *err, size_t errlen)
{
	int64_t deadline = session_deadline(timeout_ms);
	int rc;

	memset(s, 0, sizeof(*s));
	s->fd = -1;
	s->me = me;
	s->timeout_ms = timeout_ms;
	s->limits.max_frame_bytes = PROTO_CLIENT_MAX_RESPONSE_BYTES;
	s->limits.max_blocks = PROTO_CLIENT_MAX_BLOCKS;
	s->limits.max_total_bytes = PROTO_CLIENT_MAX_RESPONSE_BYTES;
	rsa_public_init(&s->server_key);
	bytebuf_init(&s->in, BYTEBUF_UNBOUNDED);
	s->active = 1;
	rc_errf(err, errlen, "%s", "");
	if ((rc = session_open_socket(s, host, port, deadline, err, errlen)) != RC_OK)
		goto out;
	if ((rc = session_handshake(s, deadline, err, errlen)) != RC_OK)
		goto out;
	s->chunk = rsa_chunk_original(&s->server_key);
out:
	if (rc != RC_OK)
		session_close(s);
	return rc;
}

static void session_free_early(struct session *s)
{
	for (size_t i = 0; i < s->n_early; i++)
		free(s->early[i].text);
	free(s->early);
	s->early = NULL;
	s->n_early = s->cap_early = 0;
}

/* Closes the connection after an error that leaves the stream out of step. */
static void session_drop(struct session *s)
{
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
	bytebuf_reset(&s->in);
	s->on_wire = 0;
	session_free_early(s);
}

/* Reads and decrypts the next answer on the socket (one of s->on_wire). */
static int session_receive(struct session *s, int64_t deadline, char **resp, size_t *resp_len)
{
	/* The deadline covers decrypting the answer too: a server choosing
	 * millions of blocks must not keep us past it. */
	const struct rsa_decrypt_limits lim = { .deadline_ms = deadline };
	struct blocklist blocks;
	int rc;

	s->on_wire--;
	if ((rc = session_read_frame(s, FRAME_KIND_BLOCKS, &s->limits, deadline, &blocks)) != RC_OK) {
		session_drop(s);
	} else if ((rc = wire_open_limited(s->me, &blocks, &lim, PROTO_CLIENT_MAX_RESPONSE_BYTES, resp, resp_len)) != RC_OK &&
	           rc != RC_ERR_NOMEM) {
		if (rc != RC_ERR_TIMEOUT)
			rc = RC_ERR_PROTOCOL;
		session_drop(s);
	}
	blocklist_free(&blocks);
	return rc;
}

int session_send_request(struct session *s, const char *req, size_t req_len)
{
	struct bytebuf out;
	int rc;

	bytebuf_init(&out, BYTEBUF_UNBOUNDED);
	if (!s->active || s->fd < 0)
		rc = RC_ERR_EOF;
	else if ((rc = wire_seal(&s->server_key, s->chunk, req, req_len, &out)) == RC_OK &&
	         (rc = session_send_all(s, out.data, out.len, session_deadline(s->timeout_ms))) != RC_OK)
		session_drop(s);
	if (rc == RC_OK)
		s->on_wire++;
	bytebuf_free(&out);
	return rc;
}

/* Keeps an answer to an earlier request for session_read_response. */
static int session_keep_early(struct session *s, char *text, size_t len)
{
	struct session_answer *v = array_grow(s->early, &s->cap_early, s->n_early, sizeof(*v), 2);

	if (v == NULL) {
		free(text);
		session_drop(s);
		return RC_ERR_NOMEM;
	}
	s->early = v;
	s->early[s->n_early++] = (struct session_answer){ .text = text, .len = len };
	return RC_OK;
}

int session_request_text(struct session *s, const char *req, size_t req_len, char **resp, size_t *resp_len)
{
	int64_t deadline = session_deadline(s->timeout_ms);
	char *text;
	size_t len;
	int rc;

	*resp = NULL;
	*resp_len = 0;
	if ((rc = session_send_request(s, req, req_len)) != RC_OK)
		return rc;
	/* Answers to earlier requests come first: a parked wait is answered
	 * as soon as the server sees this request. */
	while (s->on_wire > 1) {
		if ((rc = session_receive(s, deadline, &text, &len)) != RC_OK) {
			session_drop(s);
			return rc;
		}
		if ((rc = session_keep_early(s, text, len)) != RC_OK)
			return rc;
	}
	return session_receive(s, deadline, resp, resp_len);
}

int session_read_response(struct session *s, int timeout_ms, char **resp, size_t *resp_len)
{
	*resp = NULL;
	*resp_len = 0;
	if (s->n_early > 0) {
		*resp = s->early[0].text;
		*resp_len = s->early[0].len;
		memmove(s->early, s->early + 1, --s->n_early * sizeof(*s->early));
		return RC_OK;
	}
	if (!s->active || s->fd < 0)
		return RC_ERR_EOF;
	if (s->on_wire == 0)
		return RC_ERR_INVAL;
	return session_receive(s, session_deadline(timeout_ms), resp, resp_len);
}

/* An answer's text (taken) as JSON; what is not JSON is RC_ERR_PROTOCOL. */
static int session_parse(int rc, char *answer, size_t answer_len, struct json_object **resp)
{
	if (rc == RC_OK) {
		rc = jsonx_parse(answer, answer_len, resp);
		if (rc != RC_OK && rc != RC_ERR_NOMEM)
			rc = RC_ERR_PROTOCOL;
	}
	free(answer);
	return rc;
}

int session_request(struct session *s, struct json_object *req, struct json_object **resp)
{
	const char *text;
	char *answer = NULL;
	size_t len = 0, answer_len = 0;
	int rc;

	*resp = NULL;
	if ((text = jsonx_to_string(req, &len)) == NULL)
		return RC_ERR_NOMEM;
	rc = session_request_text(s, text, len, &answer, &answer_len);
	return session_parse(rc, answer, answer_len, resp);
}

int session_read_json(struct session *s, int timeout_ms, struct json_object **resp)
{
	char *answer = NULL;
	size_t answer_len = 0;
	int rc;

	*resp = NULL;
	rc = session_read_response(s, timeout_ms, &answer, &answer_len);
	return session_parse(rc, answer, answer_len, resp);
}

int session_fd(const struct session *s)
{
	return s->fd;
}

int session_answer_ready(const struct session *s)
{
	return s->n_early > 0 || (s->fd >= 0 && s->in.len > 0);
}

void session_close(struct session *s)
{
	if (!s->active)
		return;
	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
	rsa_public_clear(&s->server_key);
	bytebuf_free(&s->in);
	session_free_early(s);
	s->active = 0;
}
