#include "config.h"

#include <errno.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/types.h>

#include "benchlib.h"
#include "errors.h"
#include "exchange.h"
#include "frame.h"
#include "jsonx.h"
#include "protocol.h"
#include "wire.h"

#define EXCHANGE_READ_CHUNK 65536

int exchange_seal(const struct session *s, const char *json, size_t len, struct bytebuf *frame)
{
	bytebuf_reset(frame);
	return wire_seal(&s->server_key, s->chunk, json, len, frame);
}

size_t exchange_frame_blocks(const struct bytebuf *frame)
{
	return frame->len >= 4 ? bytes_get_u32le(frame->data) : 0;
}

/* The absolute deadline of a request started now (0: none). */
static double exchange_deadline(const struct session *s)
{
	return s->timeout_ms > 0 ? bench_now() + s->timeout_ms / 1000.0 : 0;
}

/* Waits until fd is ready for events or the deadline passes. */
static int exchange_wait(int fd, short events, double deadline)
{
	struct pollfd pfd = {.fd = fd, .events = events};
	int timeout_ms = -1;
	int r;

	for (;;) {
		if (deadline > 0) {
			double left = deadline - bench_now();

			if (left <= 0)
				return RC_ERR_TIMEOUT;
			timeout_ms = (int)(left * 1000.0) + 1;
		}
		r = poll(&pfd, 1, timeout_ms);
		if (r > 0)
			return RC_OK;
		if (r < 0 && errno != EINTR)
			return RC_ERR_IO;
	}
}

static int exchange_send_all(int fd, const uint8_t *p, size_t n, double deadline)
{
	ssize_t w;
	int rc;

	while (n > 0) {
		w = send(fd, p, n, MSG_NOSIGNAL | MSG_DONTWAIT);
		if (w > 0) {
			p += w;
			n -= (size_t)w;
		} else if (w < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
			if ((rc = exchange_wait(fd, POLLOUT, deadline)) != RC_OK)
				return rc;
		} else if (w < 0 && errno != EINTR) {
			return errno == EPIPE || errno == ECONNRESET ? RC_ERR_EOF : RC_ERR_IO;
		}
	}
	return RC_OK;
}

/* Feeds p[0..n) to the reader; bytes past a complete frame stay in the
 * session's input buffer, as they would for session_request. */
static int exchange_feed(struct session *s, struct frame_reader *r, const uint8_t *p, size_t n)
{
	size_t used = 0;
	int rc;

	rc = frame_reader_feed(r, p, n, &used);
	if (rc == FRAME_DONE && used < n) {
		int keep = bytebuf_append(&s->in, p + used, n - used);

		if (keep != RC_OK)
			return keep;
	}
	return rc;
}

int exchange_roundtrip(struct session *s, const struct bytebuf *frame, struct blocklist *resp)
{
	static __thread uint8_t buf[EXCHANGE_READ_CHUNK];
	double deadline = exchange_deadline(s);
	struct frame_reader r;
	ssize_t got;
	int rc;

	blocklist_init(resp);
	frame_reader_init(&r, FRAME_KIND_BLOCKS, &s->limits);
	if (s->fd < 0) {
		rc = RC_ERR_EOF;
		goto out;
	}
	if ((rc = exchange_send_all(s->fd, frame->data, frame->len, deadline)) != RC_OK)
		goto out;
	rc = FRAME_NEED_MORE;
	if (s->in.len > 0) {
		struct bytebuf early = s->in;

		bytebuf_init(&s->in, early.max);
		rc = exchange_feed(s, &r, early.data, early.len);
		bytebuf_free(&early);
	}
	while (rc == FRAME_NEED_MORE) {
		if ((rc = exchange_wait(s->fd, POLLIN, deadline)) != RC_OK)
			goto out;
		got = recv(s->fd, buf, sizeof(buf), MSG_DONTWAIT);
		if (got == 0)
			rc = RC_ERR_EOF;
		else if (got < 0)
			rc = errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR ? FRAME_NEED_MORE :
			     errno == ECONNRESET ? RC_ERR_EOF : RC_ERR_IO;
		else
			rc = exchange_feed(s, &r, buf, (size_t)got);
	}
	if (rc == FRAME_DONE)
		rc = frame_reader_take(&r, resp);
out:
	frame_reader_free(&r);
	return rc;
}

int exchange_decode(const struct session *s, const struct blocklist *blocks, struct json_object **resp,
                    struct json_object **data, char *err, size_t errlen)
{
	struct json_object *obj = NULL;
	const char *state, *text_err;
	char *text = NULL;
	size_t len = 0;
	int rc;

	*resp = NULL;
	*data = NULL;
	err[0] = '\0';
	if ((rc = wire_open(s->me, blocks, PROTO_CLIENT_MAX_RESPONSE_BYTES, &text, &len)) != RC_OK) {
		snprintf(err, errlen, "response does not decrypt to text: %s", rc_strerror(rc));
		goto out;
	}
	if ((rc = jsonx_parse(text, len, &obj)) != RC_OK || !json_object_is_type(obj, json_type_object)) {
		snprintf(err, errlen, "response is not a JSON object");
		rc = RC_ERR_PROTOCOL;
		goto out;
	}
	state = jsonx_get_string(obj, "state");
	if (state != NULL && strcmp(state, "error") == 0) {
		text_err = jsonx_get_string(obj, "error");
		snprintf(err, errlen, "%s", text_err ? text_err : "(error without text)");
		rc = RC_ERR_SERVER;
		goto out;
	}
	if (state == NULL || strcmp(state, "ok") != 0 || !json_object_object_get_ex(obj, "data", data)) {
		snprintf(err, errlen, "response has no \"state\": \"ok\" with data");
		rc = RC_ERR_PROTOCOL;
		goto out;
	}
	*resp = obj;
	obj = NULL;
out:
	json_object_put(obj);
	free(text);
	return rc;
}
