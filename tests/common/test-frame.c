/* Framing: the incremental reader under any split, its limits (checked
 * before allocating), back-to-back frames, and the writers; bytebuf and
 * blocklist underneath. */
#include "config.h"

#include <stdarg.h>
#include <setjmp.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "array.h"
#include "blocklist.h"
#include "bytebuf.h"
#include "errors.h"
#include "frame.h"
#include "secure.h"
#include "testutil.h"

static const struct frame_limits test_limits = { 1000, 100, 5000 };

/* A blocks frame of `count` blocks with lengths 0, 1, 2, ... and content
 * derived from the index, plus the list it encodes. */
static void make_blocks_frame(size_t count, struct bytebuf *wire, struct blocklist *want)
{
	size_t i, j;

	bytebuf_init(wire, BYTEBUF_UNBOUNDED);
	blocklist_init(want);
	for (i = 0; i < count; i++) {
		uint8_t buf[64];

		for (j = 0; j < i % 64; j++)
			buf[j] = (uint8_t)(i * 7 + j);
		assert_int_equal(blocklist_push(want, buf, i % 64), RC_OK);
	}
	assert_int_equal(frame_write_blocks(wire, want), RC_OK);
}

static void assert_blocks_equal(const struct blocklist *a, const struct blocklist *b)
{
	size_t i;

	assert_int_equal(a->count, b->count);
	for (i = 0; i < a->count; i++) {
		assert_int_equal(a->v[i].len, b->v[i].len);
		if (a->v[i].len)
			assert_memory_equal(a->v[i].data, b->v[i].data, a->v[i].len);
	}
}

/* Feeds wire in pieces chosen by split() and checks the one frame it holds. */
static void feed_in_pieces(const struct bytebuf *wire, const struct blocklist *want, uint32_t seed, size_t max_piece)
{
	struct frame_reader r;
	struct blocklist got;
	size_t pos = 0, used, n;
	uint32_t rs = seed;
	int rc = FRAME_NEED_MORE;

	frame_reader_init(&r, FRAME_KIND_BLOCKS, &test_limits);
	assert_false(frame_reader_in_frame(&r));
	while (pos < wire->len) {
		n = 1 + test_rand(&rs) % max_piece;
		if (n > wire->len - pos)
			n = wire->len - pos;
		rc = frame_reader_feed(&r, wire->data + pos, n, &used);
		assert_int_equal(used, n);
		pos += n;
		assert_int_equal(rc, pos == wire->len ? FRAME_DONE : FRAME_NEED_MORE);
		if (rc == FRAME_NEED_MORE)
			assert_true(frame_reader_in_frame(&r));
	}
	assert_false(frame_reader_in_frame(&r));
	assert_int_equal(frame_reader_take(&r, &got), RC_OK);
	assert_blocks_equal(&got, want);
	blocklist_free(&got);
	frame_reader_free(&r);
}

static void test_reader_any_split(void **state)
{
	struct bytebuf wire;
	struct blocklist want;
	uint32_t seed;

	(void)state;
	make_blocks_frame(40, &wire, &want);
	feed_in_pieces(&wire, &want, 1, 1);  /* one byte at a time */
	for (seed = 1; seed < 200; seed++)
		feed_in_pieces(&wire, &want, seed, 1 + seed % 50);
	feed_in_pieces(&wire, &want, 7, wire.len);
	bytebuf_free(&wire);
	blocklist_free(&want);
}

static void test_reader_empty_frames(void **state)
{
	static const uint8_t zero_count[4] = { 0, 0, 0, 0 };
	struct frame_reader r;
	struct blocklist got;
	size_t used;

	(void)state;
	frame_reader_init(&r, FRAME_KIND_BLOCKS, &test_limits);
	assert_int_equal(frame_reader_feed(&r, zero_count, 4, &used), FRAME_DONE);
	assert_int_equal(used, 4);
	assert_int_equal(frame_reader_take(&r, &got), RC_OK);
	assert_int_equal(got.count, 0);
	blocklist_free(&got);
	frame_reader_reset(&r, FRAME_KIND_BYTES);
	assert_int_equal(frame_reader_feed(&r, zero_count, 4, &used), FRAME_DONE);
	assert_int_equal(frame_reader_take(&r, &got), RC_OK);
	assert_int_equal(got.count, 1);
	assert_int_equal(got.v[0].len, 0);
	blocklist_free(&got);
	/* take without a complete frame */
	assert_int_equal(frame_reader_take(&r, &got), RC_ERR_INVAL);
	assert_int_equal(got.count, 0);
	frame_reader_free(&r);
}

/* Three frames in one buffer: each feed stops at a frame's end. */
static void test_reader_back_to_back(void **state)
{
	struct bytebuf wire, one;
	struct blocklist want[3], got;
	struct frame_reader r;
	size_t i, ends[3], pos = 0, used;

	(void)state;
	bytebuf_init(&wire, BYTEBUF_UNBOUNDED);
	for (i = 0; i < 3; i++) {
		make_blocks_frame(i * 5 + 1, &one, &want[i]);
		assert_int_equal(bytebuf_append(&wire, one.data, one.len), RC_OK);
		ends[i] = wire.len;
		bytebuf_free(&one);
	}
	frame_reader_init(&r, FRAME_KIND_BLOCKS, &test_limits);
	for (i = 0; i < 3; i++) {
		assert_int_equal(frame_reader_feed(&r, wire.data + pos, wire.len - pos, &used), FRAME_DONE);
		pos += used;
		assert_int_equal(pos, ends[i]);
		/* a complete frame takes nothing more until it is taken */
		assert_int_equal(frame_reader_feed(&r, wire.data + pos, wire.len - pos, &used), FRAME_DONE);
		assert_int_equal(used, 0);
		assert_int_equal(frame_reader_take(&r, &got), RC_OK);
		assert_blocks_equal(&got, &want[i]);
		blocklist_free(&got);
		blocklist_free(&want[i]);
	}
	frame_reader_free(&r);
	bytebuf_free(&wire);
}

/* The 4 header bytes alone must trigger the limit: no allocation happens
 * before, because nothing but the header has been seen. */
static void test_reader_huge_announcements(void **state)
{
	static const uint8_t huge[4] = { 0xff, 0xff, 0xff, 0xff };
	struct frame_limits big = { UINT32_MAX - 1, UINT32_MAX - 1, 0 };
	struct frame_reader r;
	size_t used;

	(void)state;
	/* a bytes frame of 0xFFFFFFFF bytes */
	frame_reader_init(&r, FRAME_KIND_BYTES, &test_limits);
	assert_int_equal(frame_reader_feed(&r, huge, 4, &used), RC_ERR_TOO_LARGE);
	assert_null(r.payload);
	frame_reader_free(&r);
	/* a blocks frame of 0xFFFFFFFF blocks: refused before any block */
	frame_reader_init(&r, FRAME_KIND_BLOCKS, &test_limits);
	assert_int_equal(frame_reader_feed(&r, huge, 4, &used), RC_ERR_TOO_LARGE);
	assert_int_equal(r.blocks.cap, 0);
	frame_reader_free(&r);
	/* even with limits just below 2^32, a huge count allocates nothing
	 * up front: the block array grows only as blocks arrive */
	frame_reader_init(&r, FRAME_KIND_BLOCKS, &big);
	assert_int_equal(frame_reader_feed(&r, (const uint8_t *)"\xfe\xff\xff\xff", 4, &used), FRAME_NEED_MORE);
	assert_int_equal(r.blocks.cap, 0);
	assert_int_equal(frame_reader_feed(&r, (const uint8_t *)"\x01\x00\x00\x00" "A", 5, &used), FRAME_NEED_MORE);
	assert_true(r.blocks.cap < 16);
	frame_reader_free(&r);
}

static void test_reader_limits(void **state)
{
	struct frame_reader r;
	struct bytebuf wire;
	struct blocklist l;
	uint8_t *big;
	size_t used;

	(void)state;
	/* one block over max_frame_bytes (1000) */
	big = calloc(1, 1001);
	assert_non_null(big);
	memset(big, 'x', 1001);
	bytebuf_init(&wire, BYTEBUF_UNBOUNDED);
	assert_int_equal(frame_write_bytes(&wire, big, 1001), RC_OK);
	frame_reader_init(&r, FRAME_KIND_BYTES, &test_limits);
	assert_int_equal(frame_reader_feed(&r, wire.data, wire.len, &used), RC_ERR_TOO_LARGE);
	assert_int_equal(used, 4);
	frame_reader_reset(&r, FRAME_KIND_BYTES);
	bytebuf_reset(&wire);
	/* exactly max_frame_bytes is fine */
	assert_int_equal(frame_write_bytes(&wire, big, 1000), RC_OK);
	assert_int_equal(frame_reader_feed(&r, wire.data, wire.len, &used), FRAME_DONE);
	frame_reader_free(&r);
	/* 101 blocks over max_blocks (100) */
	bytebuf_reset(&wire);
	assert_int_equal(bytebuf_put_u32le(&wire, 101), RC_OK);
	frame_reader_init(&r, FRAME_KIND_BLOCKS, &test_limits);
	assert_int_equal(frame_reader_feed(&r, wire.data, wire.len, &used), RC_ERR_TOO_LARGE);
	frame_reader_free(&r);
	/* total over max_total_bytes (5000): six blocks of 1000 bytes */
	blocklist_init(&l);
	for (int i = 0; i < 6; i++)
		assert_int_equal(blocklist_push(&l, big, 1000), RC_OK);
	bytebuf_reset(&wire);
	assert_int_equal(frame_write_blocks(&wire, &l), RC_OK);
	frame_reader_init(&r, FRAME_KIND_BLOCKS, &test_limits);
	assert_int_equal(frame_reader_feed(&r, wire.data, wire.len, &used), RC_ERR_TOO_LARGE);
	/* refused at the sixth length: 4 + 5 * 1004 + 4 bytes */
	assert_int_equal(used, 4 + 5 * 1004 + 4);
	frame_reader_free(&r);
	/* five of them are exactly at the limit */
	blocklist_free(&l);
	blocklist_init(&l);
	for (int i = 0; i < 5; i++)
		assert_int_equal(blocklist_push(&l, big, 1000), RC_OK);
	bytebuf_reset(&wire);
	assert_int_equal(frame_write_blocks(&wire, &l), RC_OK);
	frame_reader_init(&r, FRAME_KIND_BLOCKS, &test_limits);
	assert_int_equal(frame_reader_feed(&r, wire.data, wire.len, &used), FRAME_DONE);
	frame_reader_free(&r);
	blocklist_free(&l);
	bytebuf_free(&wire);
	free(big);
}

static void test_writers(void **state)
{
	struct bytebuf out;
	struct blocklist l;

	(void)state;
	bytebuf_init(&out, BYTEBUF_UNBOUNDED);
	assert_int_equal(frame_write_bytes(&out, (const uint8_t *)"\x01\x00\x01", 3), RC_OK);
	assert_int_equal(out.len, 7);
	assert_memory_equal(out.data, "\x03\x00\x00\x00\x01\x00\x01", 7);
	bytebuf_free(&out);
	/* a full buffer refuses the whole frame and keeps its old content */
	bytebuf_init(&out, 8);
	assert_int_equal(bytebuf_append(&out, "ab", 2), RC_OK);
	assert_int_equal(frame_write_bytes(&out, (const uint8_t *)"xyz", 3), RC_ERR_TOO_LARGE);
	assert_int_equal(out.len, 2);
	blocklist_init(&l);
	assert_int_equal(blocklist_push(&l, (const uint8_t *)"a", 1), RC_OK);
	assert_int_equal(blocklist_push(&l, (const uint8_t *)"b", 1), RC_OK);
	assert_int_equal(frame_write_blocks(&out, &l), RC_ERR_TOO_LARGE);
	assert_int_equal(out.len, 2);
	assert_int_equal(blocklist_total(&l), 2);
	blocklist_free(&l);
	bytebuf_free(&out);
}

static void test_array_grow(void **state)
{
	size_t cap = 0, huge;
	uint64_t *v = NULL, *w;

	(void)state;
	v = array_grow(v, &cap, 0, sizeof(*v), 4);
	assert_non_null(v);
	assert_int_equal(cap, 4);
	for (uint64_t i = 0; i < 4; i++)
		v[i] = i * 1000003u;
	/* Room left: the same array. */
	assert_ptr_equal(array_grow(v, &cap, 3, sizeof(*v), 4), v);
	assert_int_equal(cap, 4);
	/* Full: doubled, the items kept. */
	v = array_grow(v, &cap, 4, sizeof(*v), 4);
	assert_non_null(v);
	assert_int_equal(cap, 8);
	for (uint64_t i = 0; i < 4; i++)
		assert_int_equal(v[i], i * 1000003u);
	/* Sizes past SIZE_MAX are refused before any allocation, nothing changed. */
	huge = SIZE_MAX / 2 + 1;
	assert_null(array_grow(v, &huge, huge, 1, 4));
	assert_int_equal(huge, SIZE_MAX / 2 + 1);
	huge = SIZE_MAX / sizeof(*v) / 2 + 1;
	w = array_grow(v, &huge, huge, sizeof(*v), 4);
	assert_null(w);
	assert_int_equal(huge, SIZE_MAX / sizeof(*v) / 2 + 1);
	free(v);
}

static void test_bytebuf(void **state)
{
	struct bytebuf b;
	uint8_t *data;
	size_t len, i;

	(void)state;
	bytebuf_init_secret(&b, 100);
	for (i = 0; i < 25; i++)
		assert_int_equal(bytebuf_put_u32le(&b, (uint32_t)i), RC_OK);
	assert_int_equal(b.len, 100);
	assert_int_equal(bytebuf_put_u8(&b, 1), RC_ERR_TOO_LARGE);
	assert_int_equal(bytes_get_u32le(b.data + 4 * 24), 24);
	bytebuf_consume(&b, 96);
	assert_int_equal(b.len, 4);
	assert_int_equal(bytes_get_u32le(b.data), 24);
	assert_int_equal(bytebuf_append_str(&b, "hi"), RC_OK);
	assert_int_equal(bytebuf_take(&b, &data, &len), RC_OK);
	assert_int_equal(len, 6);
	assert_string_equal((char *)data + 4, "hi");
	free(data);
	assert_int_equal(b.len, 0);
	assert_null(b.data);
	/* take of an empty buffer gives an empty string */
	assert_int_equal(bytebuf_take(&b, &data, &len), RC_OK);
	assert_int_equal(len, 0);
	assert_string_equal((char *)data, "");
	free(data);
	bytebuf_free(&b);
	bytebuf_free(&b);
	/* reserve beyond the maximum never wraps */
	bytebuf_init(&b, BYTEBUF_UNBOUNDED);
	assert_int_equal(bytebuf_reserve(&b, SIZE_MAX), RC_ERR_TOO_LARGE);
	bytebuf_free(&b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reader_any_split),
		cmocka_unit_test(test_reader_empty_frames),
		cmocka_unit_test(test_reader_back_to_back),
		cmocka_unit_test(test_reader_huge_announcements),
		cmocka_unit_test(test_reader_limits),
		cmocka_unit_test(test_writers),
		cmocka_unit_test(test_bytebuf),
		cmocka_unit_test(test_array_grow),
	};

	if (secure_init() != RC_OK)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
