#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "errors.h"
#include "frame.h"
#include "secure.h"

static void frame_reader_arm(struct frame_reader *r, enum frame_kind kind)
{
	r->kind = kind;
	r->state = kind == FRAME_KIND_BLOCKS ? FRAME_STATE_COUNT : FRAME_STATE_LENGTH;
	r->header_have = 0;
	r->block_count = kind == FRAME_KIND_BLOCKS ? 0 : 1;
	r->payload = NULL;
	r->payload_len = 0;
	r->payload_have = 0;
	r->total = 0;
	r->buffered = 0;
}

void frame_reader_init(struct frame_reader *r, enum frame_kind kind, const struct frame_limits *limits)
{
	memset(r, 0, sizeof(*r));
	r->limits = *limits;
	blocklist_init(&r->blocks);
	frame_reader_arm(r, kind);
}

static void frame_reader_drop_payload(struct frame_reader *r)
{
	if (r->payload) {
		secure_wipe(r->payload, r->payload_len);
		free(r->payload);
	}
	r->payload = NULL;
}

void frame_reader_reset(struct frame_reader *r, enum frame_kind kind)
{
	frame_reader_drop_payload(r);
	blocklist_free(&r->blocks);
	frame_reader_arm(r, kind);
}

void frame_reader_free(struct frame_reader *r)
{
	frame_reader_reset(r, r->kind);
}

int frame_reader_in_frame(const struct frame_reader *r)
{
	return r->state != FRAME_STATE_DONE && r->buffered > 0;
}

/* After a block is complete: either the frame is done or another length follows. */
static void frame_reader_next_block(struct frame_reader *r)
{
	r->state = r->blocks.count == r->block_count ? FRAME_STATE_DONE : FRAME_STATE_LENGTH;
}

/* A whole block count arrived: bound it (no allocation depends on it). */
static int frame_reader_got_count(struct frame_reader *r, uint32_t count)
{
	if (count > r->limits.max_blocks)
		return RC_ERR_TOO_LARGE;
	r->block_count = count;
	frame_reader_next_block(r);
	return RC_OK;
}

/* A whole block length arrived: bound it, then allocate exactly that much. */
static int frame_reader_got_length(struct frame_reader *r, uint32_t len)
{
	int rc;

	if (len > r->limits.max_frame_bytes)
		return RC_ERR_TOO_LARGE;
	if (r->kind == FRAME_KIND_BLOCKS && r->limits.max_total_bytes != 0 &&
	    (len > r->limits.max_total_bytes || r->total > r->limits.max_total_bytes - len))
		return RC_ERR_TOO_LARGE;
	if (len == 0) {
		if ((rc = blocklist_push_owned(&r->blocks, NULL, 0)) != RC_OK)
			return rc;
		frame_reader_next_block(r);
		return RC_OK;
	}
	if ((r->payload = malloc(len)) == NULL)
		return RC_ERR_NOMEM;
	r->payload_len = len;
	r->payload_have = 0;
	r->total += len;
	r->state = FRAME_STATE_PAYLOAD;
	return RC_OK;
}

int frame_reader_feed(struct frame_reader *r, const uint8_t *p, size_t n, size_t *used)
{
	size_t pos = 0, take;
	uint32_t v;
	uint8_t *done;
	int rc = FRAME_NEED_MORE;

	while (r->state != FRAME_STATE_DONE && pos < n) {
		switch (r->state) {
		case FRAME_STATE_COUNT:
		case FRAME_STATE_LENGTH:
			take = 4 - r->header_have;
			if (take > n - pos)
				take = n - pos;
			memcpy(r->header + r->header_have, p + pos, take);
			r->header_have += take;
			pos += take;
			if (r->header_have < 4)
				break;
			r->header_have = 0;
			v = bytes_get_u32le(r->header);
			rc = r->state == FRAME_STATE_COUNT ? frame_reader_got_count(r, v) : frame_reader_got_length(r, v);
			if (rc != RC_OK)
				goto out;
			rc = FRAME_NEED_MORE;
			break;
		case FRAME_STATE_PAYLOAD:
			take = r->payload_len - r->payload_have;
			if (take > n - pos)
				take = n - pos;
			memcpy(r->payload + r->payload_have, p + pos, take);
			r->payload_have += (uint32_t)take;
			pos += take;
			if (r->payload_have < r->payload_len)
				break;
			done = r->payload;
			r->payload = NULL;
			if ((rc = blocklist_push_owned(&r->blocks, done, r->payload_len)) != RC_OK)
				goto out;
			rc = FRAME_NEED_MORE;
			frame_reader_next_block(r);
			break;
		case FRAME_STATE_DONE:
			break;
		}
	}
	rc = r->state == FRAME_STATE_DONE ? FRAME_DONE : FRAME_NEED_MORE;
out:
	r->buffered += pos;
	*used = pos;
	return rc;
}

int frame_reader_take(struct frame_reader *r, struct blocklist *out)
{
	blocklist_init(out);
	if (r->state != FRAME_STATE_DONE)
		return RC_ERR_INVAL;
	*out = r->blocks;
	blocklist_init(&r->blocks);
	frame_reader_arm(r, r->kind);
	return RC_OK;
}

int frame_write_bytes(struct bytebuf *out, const uint8_t *p, size_t n)
{
	size_t start = out->len;
	int rc;

	if (n > UINT32_MAX)
		return RC_ERR_TOO_LARGE;
	if ((rc = bytebuf_reserve(out, 4 + n)) != RC_OK)
		return rc;
	if ((rc = bytebuf_put_u32le(out, (uint32_t)n)) != RC_OK || (rc = bytebuf_append(out, p, n)) != RC_OK)
		out->len = start;
	return rc;
}

int frame_write_blocks(struct bytebuf *out, const struct blocklist *blocks)
{
	size_t start = out->len, i;
	int rc;

	if (blocks->count > UINT32_MAX)
		return RC_ERR_TOO_LARGE;
	if ((rc = bytebuf_put_u32le(out, (uint32_t)blocks->count)) != RC_OK)
		goto out;
	for (i = 0; i < blocks->count; i++)
		if ((rc = frame_write_bytes(out, blocks->v[i].data, blocks->v[i].len)) != RC_OK)
			goto out;
out:
	if (rc != RC_OK)
		out->len = start;
	return rc;
}
