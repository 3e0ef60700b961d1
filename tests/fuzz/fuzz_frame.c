/* Fuzz target: the incremental frame reader (common/frame.c).
 *
 * Input: byte 0 picks the frame kind (bit 0) and a set of limits (bits 1-2),
 * byte 1 seeds how the rest, a stream of frames, is cut into the pieces fed
 * to the reader. The reader must agree, frame by frame, with a reference
 * parser that sees the whole stream at once, whatever the cuts; it never
 * takes more bytes than given, its frames respect the limits, and writing a
 * frame back gives exactly the bytes it was read from. */
#include "config.h"

#include <string.h>

#include "blocklist.h"
#include "bytebuf.h"
#include "errors.h"
#include "frame.h"
#include "fuzz_common.h"
#include "protocol.h"

static const struct frame_limits fuzz_frame_limits[4] = {
	{PROTO_DEFAULT_MAX_FRAME_BYTES, PROTO_DEFAULT_MAX_BLOCKS, PROTO_DEFAULT_MAX_REQUEST_BYTES},
	{PROTO_HANDSHAKE_MAX_FRAME_BYTES, 1, PROTO_HANDSHAKE_MAX_FRAME_BYTES},
	{64, 8, 100},
	{1, 2, 1},
};

/* What the reference parser saw at the start of a stream. */
struct ref_frame {
	int result;      /* FRAME_DONE, FRAME_NEED_MORE or RC_ERR_TOO_LARGE */
	size_t end;      /* DONE: the frame's length; error: where the bad header ends */
	size_t count;    /* DONE: blocks in the frame */
};

static uint32_t get_u32le(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

/* Parses one frame of p[0..n) all at once, the way the protocol defines it. */
static struct ref_frame ref_parse(enum frame_kind kind, const struct frame_limits *lim, const uint8_t *p, size_t n)
{
	struct ref_frame f = {FRAME_NEED_MORE, 0, 1};
	size_t pos = 0, i, total = 0;
	uint32_t len;

	if (kind == FRAME_KIND_BLOCKS) {
		if (n < 4)
			return f;
		f.count = get_u32le(p);
		pos = 4;
		if (f.count > lim->max_blocks) {
			f.result = RC_ERR_TOO_LARGE;
			f.end = pos;
			return f;
		}
	}
	for (i = 0; i < f.count; i++) {
		if (n - pos < 4)
			return f;
		len = get_u32le(p + pos);
		pos += 4;
		total += len;
		if (len > lim->max_frame_bytes || (kind == FRAME_KIND_BLOCKS && total > lim->max_total_bytes)) {
			f.result = RC_ERR_TOO_LARGE;
			f.end = pos;
			return f;
		}
		if (n - pos < len)
			return f;
		pos += len;
	}
	f.result = FRAME_DONE;
	f.end = pos;
	return f;
}

/* Piece sizes: the low 3 bits of the seed pick the style (whole rest, single
 * bytes, or random sizes up to 2^style), the rest seeds a xorshift. */
struct splitter {
	unsigned style;
	uint32_t state;
};

static size_t next_piece(struct splitter *s, size_t left)
{
	size_t size;

	if (s->style == 0)
		return left;
	if (s->style == 1)
		return 1;
	s->state ^= s->state << 13;
	s->state ^= s->state >> 17;
	s->state ^= s->state << 5;
	size = 1 + s->state % (1u << s->style);
	return size < left ? size : left;
}

/* A completed frame: within the limits, and written back byte for byte. */
static void check_frame(enum frame_kind kind, const struct frame_limits *lim, const struct blocklist *blocks,
                        const struct ref_frame *ref, const uint8_t *wire)
{
	struct bytebuf out;
	size_t i;

	FUZZ_CHECK(blocks->count == ref->count);
	FUZZ_CHECK(kind == FRAME_KIND_BLOCKS || blocks->count == 1);
	if (kind == FRAME_KIND_BLOCKS) {
		FUZZ_CHECK(blocks->count <= lim->max_blocks);
		FUZZ_CHECK(blocklist_total(blocks) <= lim->max_total_bytes);
	}
	for (i = 0; i < blocks->count; i++)
		FUZZ_CHECK(blocks->v[i].len <= lim->max_frame_bytes);
	bytebuf_init(&out, BYTEBUF_UNBOUNDED);
	if (kind == FRAME_KIND_BLOCKS)
		FUZZ_CHECK(frame_write_blocks(&out, blocks) == RC_OK);
	else
		FUZZ_CHECK(frame_write_bytes(&out, blocks->v[0].data, blocks->v[0].len) == RC_OK);
	FUZZ_CHECK(out.len == ref->end);
	FUZZ_CHECK(memcmp(out.data, wire, out.len) == 0);
	bytebuf_free(&out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_input in = {data, size};
	enum frame_kind kind;
	const struct frame_limits *lim;
	struct splitter split;
	struct frame_reader r;
	struct blocklist blocks;
	struct ref_frame ref;
	const uint8_t *s;
	size_t n, pos = 0, start = 0, piece, used;
	uint8_t control, seed;
	int rc;

	if (size < 2)
		return 0;
	fuzz_setup();
	control = fuzz_take_u8(&in);
	seed = fuzz_take_u8(&in);
	kind = control & 1 ? FRAME_KIND_BLOCKS : FRAME_KIND_BYTES;
	lim = &fuzz_frame_limits[(control >> 1) & 3];
	split.style = seed & 7;
	split.state = 0x9e3779b9u ^ seed;
	s = in.p;
	n = in.n;

	frame_reader_init(&r, kind, lim);
	while (pos < n) {
		piece = next_piece(&split, n - pos);
		rc = frame_reader_feed(&r, s + pos, piece, &used);
		FUZZ_CHECK(used <= piece);
		ref = ref_parse(kind, lim, s + start, n - start);
		if (rc == FRAME_NEED_MORE) {
			FUZZ_CHECK(used == piece);
			pos += used;
			/* The whole stream may still hold the frame: only check it had not ended yet. */
			FUZZ_CHECK(ref.result == FRAME_NEED_MORE || ref.end > pos - start);
			FUZZ_CHECK(frame_reader_in_frame(&r) == (pos > start));
			continue;
		}
		pos += used;
		FUZZ_CHECK(ref.result == rc);
		FUZZ_CHECK(ref.end == pos - start);
		if (rc == FRAME_DONE) {
			FUZZ_CHECK(frame_reader_take(&r, &blocks) == RC_OK);
			check_frame(kind, lim, &blocks, &ref, s + start);
			blocklist_free(&blocks);
			FUZZ_CHECK(!frame_reader_in_frame(&r));
		} else {
			frame_reader_reset(&r, kind);
		}
		start = pos;
	}
	/* Input exhausted: what is left is an incomplete frame (or nothing). */
	ref = ref_parse(kind, lim, s + start, n - start);
	FUZZ_CHECK(ref.result == FRAME_NEED_MORE);
	FUZZ_CHECK(frame_reader_in_frame(&r) == (n > start));
	FUZZ_CHECK(frame_reader_take(&r, &blocks) == RC_ERR_INVAL);
	blocklist_free(&blocks);
	frame_reader_free(&r);
	return 0;
}
