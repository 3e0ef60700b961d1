/* Message contents (JSON list of base64 blocks), the wire layer's text
 * checks, and the UTF-8 validator. */
#include "config.h"

#include <stdarg.h>
#include <setjmp.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "content.h"
#include "errors.h"
#include "frame.h"
#include "secure.h"
#include "utf8.h"
#include "wire.h"

static struct rsa_private key, other;

static int setup(void **state)
{
	(void)state;
	rsa_private_init(&key);
	rsa_private_init(&other);
	return rsa_generate(&key, 1024, NULL, NULL) == RC_OK && rsa_generate(&other, 1024, NULL, NULL) == RC_OK ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	rsa_private_clear(&key);
	rsa_private_clear(&other);
	return 0;
}

static void test_utf8(void **state)
{
	static const struct {
		const char *bytes;
		size_t len;
		int rc;
	} cases[] = {
		{ "", 0, RC_OK },
		{ "plain ascii", 11, RC_OK },
		{ "\xd0\x9f\xd1\x80\xd0\xb8", 6, RC_OK },          /* При */
		{ "\xe2\x82\xac", 3, RC_OK },                      /* € */
		{ "\xf0\x9f\x91\x8b", 4, RC_OK },                  /* 👋 */
		{ "\xef\xbf\xbf", 3, RC_OK },                      /* U+FFFF */
		{ "\xf4\x8f\xbf\xbf", 4, RC_OK },                  /* U+10FFFF */
		{ "a\0b", 3, RC_ERR_NUL },
		{ "\x80", 1, RC_ERR_UTF8 },                        /* lone continuation */
		{ "\xc0\xaf", 2, RC_ERR_UTF8 },                    /* overlong '/' */
		{ "\xc1\xbf", 2, RC_ERR_UTF8 },                    /* overlong */
		{ "\xe0\x80\xaf", 3, RC_ERR_UTF8 },                /* overlong */
		{ "\xf0\x80\x80\xaf", 4, RC_ERR_UTF8 },            /* overlong */
		{ "\xed\xa0\x80", 3, RC_ERR_UTF8 },                /* surrogate U+D800 */
		{ "\xed\xbf\xbf", 3, RC_ERR_UTF8 },                /* surrogate U+DFFF */
		{ "\xf4\x90\x80\x80", 4, RC_ERR_UTF8 },            /* U+110000 */
		{ "\xf5\x80\x80\x80", 4, RC_ERR_UTF8 },
		{ "\xff", 1, RC_ERR_UTF8 },
		{ "\xd0", 1, RC_ERR_UTF8 },                        /* truncated */
		{ "\xe2\x82", 2, RC_ERR_UTF8 },                    /* truncated */
		{ "\xf0\x9f\x91", 3, RC_ERR_UTF8 },                /* truncated */
		{ "\xe2\x28\xa1", 3, RC_ERR_UTF8 },                /* bad continuation */
		{ "\xf0\x9f\x91\x28", 4, RC_ERR_UTF8 },            /* bad last continuation */
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int rc = utf8_check_text((const uint8_t *)cases[i].bytes, cases[i].len);

		if (rc != cases[i].rc)
			fail_msg("case %zu: got %d, want %d", i, rc, cases[i].rc);
	}
}

static void test_content_round_trip(void **state)
{
	static const char *const texts[] = {
		"",
		"hi",
		"Привет! Как дела? 👋🏽",
		("a longer message that needs several blocks with the original chunk size of 63 bytes for a 1024-bit key, "
		 "to be sure the separators come out right"),
	};
	size_t i, c, len;
	char *content, *text;

	(void)state;
	for (i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		for (c = 0; c < 2; c++) {
			size_t chunk = c ? rsa_chunk_wide(&key.pub) : rsa_chunk_original(&key.pub);
			struct blocklist blocks;

			assert_int_equal(content_encode(&key.pub, texts[i], strlen(texts[i]), chunk, &content), RC_OK);
			assert_true(content[0] == '[' && content[strlen(content) - 1] == ']');
			assert_null(strstr(content, "\",\""));  /* Python's ", " separator */
			assert_int_equal(content_parse_blocks(content, strlen(content), 100, &blocks), RC_OK);
			len = strlen(texts[i]);
			assert_int_equal(blocks.count, len ? (len + chunk - 1) / chunk : 1);
			if (blocks.count > 1)
				assert_non_null(strstr(content, "\", \""));
			/* a block limit below the count is refused before decoding */
			if (blocks.count > 1) {
				struct blocklist refused;

				assert_int_equal(content_parse_blocks(content, strlen(content), blocks.count - 1, &refused), RC_ERR_TOO_LARGE);
				assert_int_equal(refused.count, 0);
			}
			blocklist_free(&blocks);
			assert_int_equal(content_decode(&key, content, strlen(content), &text, &len), RC_OK);
			assert_int_equal(len, strlen(texts[i]));
			assert_string_equal(text, texts[i]);
			free(text);
			/* the wrong key does not give the text back */
			if (len > 0) {
				int rc = content_decode(&other, content, strlen(content), &text, &len);

				if (rc == RC_OK) {
					assert_string_not_equal(text, texts[i]);
					free(text);
				}
			}
			free(content);
		}
	}
}

static void test_content_refuses_bad_text(void **state)
{
	char *content = (char *)"unchanged";

	(void)state;
	assert_int_equal(content_encode(&key.pub, "a\0b", 3, 63, &content), RC_ERR_NUL);
	assert_null(content);
	assert_int_equal(content_encode(&key.pub, "\xff", 1, 63, &content), RC_ERR_UTF8);
	assert_null(content);
}

static void test_content_parse_errors(void **state)
{
	static const struct {
		const char *text;
		int rc;
	} cases[] = {
		{ "", RC_ERR_FORMAT },
		{ "[", RC_ERR_FORMAT },
		{ "{\"a\": 1}", RC_ERR_FORMAT },
		{ "\"abc\"", RC_ERR_FORMAT },
		{ "[1]", RC_ERR_FORMAT },
		{ "[\"AAAA\", null]", RC_ERR_FORMAT },
		{ "[\"A\"]", RC_ERR_FORMAT },          /* truncated base64 */
		{ "[\"AAA\"]", RC_ERR_FORMAT },        /* missing padding */
		{ "[\"AA==AA==\"]", RC_ERR_FORMAT },   /* data after padding */
		{ "[\"AB==\"]", RC_ERR_FORMAT },       /* non-zero unused bits */
		{ "[\"A-_A\"]", RC_ERR_FORMAT },       /* URL-safe alphabet */
		{ "[\"AA AA\"]", RC_ERR_FORMAT },
		{ "[\"AAAA\"] x", RC_ERR_FORMAT },
		{ "[\"AAAA\", \"AAAA\", \"AAAA\", \"AAAA\"]", RC_ERR_TOO_LARGE },
		{ "[1, 2, 3, 4]", RC_ERR_TOO_LARGE },  /* counted before anything is decoded */
		{ "[]", RC_OK },
		{ "[\"\", \"AQ==\", \"AQID\"]", RC_OK },
	};
	struct blocklist blocks;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		int rc = content_parse_blocks(cases[i].text, strlen(cases[i].text), 3, &blocks);

		if (rc != cases[i].rc)
			fail_msg("'%s': got %d, want %d", cases[i].text, rc, cases[i].rc);
		if (rc == RC_OK && blocks.count == 3) {
			assert_int_equal(blocks.v[0].len, 0);
			assert_int_equal(blocks.v[1].len, 1);
			assert_int_equal(blocks.v[1].data[0], 1);
			assert_int_equal(blocks.v[2].len, 3);
			assert_memory_equal(blocks.v[2].data, "\x01\x02\x03", 3);
		}
		blocklist_free(&blocks);
	}
}

/* Encrypts raw bytes (which may not be valid text) as the blocks of a frame. */
static void raw_blocks(const char *bytes, size_t len, struct blocklist *out)
{
	blocklist_init(out);
	assert_int_equal(rsa_encrypt(&key.pub, (const uint8_t *)bytes, len, 10, out), RC_OK);
}

static void test_wire_open_checks(void **state)
{
	struct blocklist blocks;
	struct bytebuf frame;
	struct frame_reader r;
	const struct frame_limits limits = { 4096, 64, 65536 };
	char *text;
	size_t len, used;

	(void)state;
	/* seal, read the frame back, open */
	bytebuf_init(&frame, BYTEBUF_UNBOUNDED);
	assert_int_equal(wire_seal(&key.pub, rsa_chunk_original(&key.pub), "{\"cmd\": \"ping\"}", 15, &frame), RC_OK);
	frame_reader_init(&r, FRAME_KIND_BLOCKS, &limits);
	assert_int_equal(frame_reader_feed(&r, frame.data, frame.len, &used), FRAME_DONE);
	assert_int_equal(frame_reader_take(&r, &blocks), RC_OK);
	assert_int_equal(wire_open(&key, &blocks, 100, &text, &len), RC_OK);
	assert_int_equal(len, 15);
	assert_string_equal(text, "{\"cmd\": \"ping\"}");
	free(text);
	/* over max_len */
	assert_int_equal(wire_open(&key, &blocks, 14, &text, &len), RC_ERR_TOO_LARGE);
	assert_null(text);
	blocklist_free(&blocks);
	frame_reader_free(&r);
	bytebuf_free(&frame);
	/* NUL inside a chunk and invalid UTF-8 are refused */
	raw_blocks("ab\0cd", 5, &blocks);
	assert_int_equal(wire_open(&key, &blocks, 100, &text, &len), RC_ERR_NUL);
	blocklist_free(&blocks);
	raw_blocks("ab\xc0\xafxy", 6, &blocks);
	assert_int_equal(wire_open(&key, &blocks, 100, &text, &len), RC_ERR_UTF8);
	blocklist_free(&blocks);
	/* a block >= n */
	blocklist_init(&blocks);
	{
		uint8_t ff[129];

		memset(ff, 0xff, sizeof(ff));
		assert_int_equal(blocklist_push(&blocks, ff, sizeof(ff)), RC_OK);
	}
	assert_int_equal(wire_open(&key, &blocks, 1000, &text, &len), RC_ERR_RANGE);
	blocklist_free(&blocks);
	/* sealing text with a NUL at a chunk start */
	bytebuf_init(&frame, BYTEBUF_UNBOUNDED);
	assert_int_equal(wire_seal(&key.pub, 3, "abc\0", 4, &frame), RC_ERR_NUL);
	assert_int_equal(frame.len, 0);
	bytebuf_free(&frame);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_utf8),
		cmocka_unit_test(test_content_round_trip),
		cmocka_unit_test(test_content_refuses_bad_text),
		cmocka_unit_test(test_content_parse_errors),
		cmocka_unit_test(test_wire_open_checks),
	};

	if (secure_init() != RC_OK)
		return 1;
	return cmocka_run_group_tests(tests, setup, teardown);
}
