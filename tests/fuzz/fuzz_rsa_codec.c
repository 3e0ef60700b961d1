/* Fuzz target: the textbook RSA block codec (common/rsa.c) and the
 * encrypted request layer on top of it (common/wire.c), with the fixed key.
 *
 * Byte 0, bit 0 picks the mode:
 * - 0, decrypt: byte 1 picks wire_open's size limit; the rest is a list of
 *   blocks, each a length byte (0..129, the modulus has 128) and its bytes.
 *   rsa_decrypt must refuse a block >= n and otherwise give the concatenated
 *   minimal encodings of the plain (non-CRT) private operation; wire_open
 *   must accept exactly the results that are short enough, valid UTF-8 and
 *   free of NUL, as judged by a reference UTF-8 decoder.
 * - 1, round trip: byte 1 picks the chunk size, the rest is the plaintext.
 *   rsa_encrypt must refuse exactly the texts with 0x00 at a chunk start and
 *   rsa_decrypt must give the rest back; wire_seal, the frame reader and
 *   wire_open must carry valid text unchanged and never accept invalid text. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "bigint.h"
#include "blocklist.h"
#include "bytebuf.h"
#include "errors.h"
#include "frame.h"
#include "fuzz_common.h"
#include "protocol.h"
#include "rsa.h"
#include "wire.h"

/* Bounds the private-key operations one input may cost. */
#define CODEC_MAX_BLOCKS 64u
/* A prefix put in front of rsa_decrypt's output: it must survive errors. */
static const uint8_t codec_prefix[] = "kept";

/* Reference UTF-8 check by decoding each code point: valid when every
 * sequence decodes to a scalar value (no surrogate, <= U+10FFFF) in its
 * shortest form; NUL is reported apart, as wire_open must refuse it too. */
static int ref_utf8(const uint8_t *p, size_t n)
{
	static const uint32_t min_for_len[5] = {0, 0, 0x80, 0x800, 0x10000};
	size_t i = 0, len, j;
	uint32_t cp;

	while (i < n) {
		if (p[i] == 0)
			return RC_ERR_NUL;
		if (p[i] < 0x80)
			len = 1;
		else if ((p[i] & 0xe0) == 0xc0)
			len = 2;
		else if ((p[i] & 0xf0) == 0xe0)
			len = 3;
		else if ((p[i] & 0xf8) == 0xf0)
			len = 4;
		else
			return RC_ERR_UTF8;
		if (len > n - i)
			return RC_ERR_UTF8;
		cp = len == 1 ? p[i] : p[i] & (0x7fu >> len);
		for (j = 1; j < len; j++) {
			if ((p[i + j] & 0xc0) != 0x80)
				return RC_ERR_UTF8;
			cp = cp << 6 | (p[i + j] & 0x3fu);
		}
		if (cp < min_for_len[len] || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return RC_ERR_UTF8;
		i += len;
	}
	return RC_OK;
}

/* The plaintext rsa_decrypt must produce, computed block by block without CRT;
 * RC_ERR_RANGE when a block is not below the modulus. */
static int ref_decrypt(const struct rsa_private *k, const struct blocklist *blocks, struct bytebuf *out)
{
	mpz_t c;
	size_t i;
	int rc = RC_OK;

	mpz_init(c);
	for (i = 0; i < blocks->count && rc == RC_OK; i++) {
		bigint_from_bytes(c, blocks->v[i].data, blocks->v[i].len);
		if (mpz_cmp(c, k->pub.n) >= 0) {
			rc = RC_ERR_RANGE;
			break;
		}
		rsa_private_op_plain(c, c, k);
		FUZZ_CHECK(bigint_append(out, c) == RC_OK);
	}
	mpz_clear(c);
	return rc;
}

/* wire_open succeeds exactly on `expect`, giving it back NUL-terminated. */
static void check_open(const struct rsa_private *k, const struct blocklist *blocks, size_t max_len,
                       const struct bytebuf *expect, int decrypt_rc)
{
	char *text = NULL;
	size_t len = 0;
	int rc, ok;

	ok = decrypt_rc == RC_OK && expect->len <= max_len && ref_utf8(expect->data, expect->len) == RC_OK;
	rc = wire_open(k, blocks, max_len, &text, &len);
	if (!ok) {
		FUZZ_CHECK(rc < 0);
		FUZZ_CHECK(text == NULL);
		return;
	}
	FUZZ_CHECK(rc == RC_OK);
	FUZZ_CHECK(text != NULL && len == expect->len);
	FUZZ_CHECK(len == 0 || memcmp(text, expect->data, len) == 0);
	FUZZ_CHECK(text[len] == '\0');
	free(text);
}

static void fuzz_decrypt(const struct rsa_private *k, struct fuzz_input *in)
{
	static const size_t max_lens[4] = {0, 16, 200, PROTO_DEFAULT_MAX_REQUEST_BYTES};
	size_t max_len = max_lens[fuzz_take_u8(in) & 3], got;
	struct blocklist blocks;
	struct bytebuf out, expect;
	const uint8_t *p;
	int rc, ref_rc;

	blocklist_init(&blocks);
	while (in->n > 0 && blocks.count < CODEC_MAX_BLOCKS) {
		p = fuzz_take_bytes(in, fuzz_take_u8(in) % 130u, &got);
		FUZZ_CHECK(blocklist_push(&blocks, p, got) == RC_OK);
	}
	bytebuf_init(&out, BYTEBUF_UNBOUNDED);
	bytebuf_init(&expect, BYTEBUF_UNBOUNDED);
	FUZZ_CHECK(bytebuf_append(&out, codec_prefix, sizeof(codec_prefix)) == RC_OK);
	FUZZ_CHECK(bytebuf_append(&expect, codec_prefix, sizeof(codec_prefix)) == RC_OK);
	ref_rc = ref_decrypt(k, &blocks, &expect);
	rc = rsa_decrypt(k, &blocks, &out);
	FUZZ_CHECK(rc == ref_rc);
	if (rc == RC_OK) {
		FUZZ_CHECK(out.len == expect.len && memcmp(out.data, expect.data, out.len) == 0);
	} else {
		FUZZ_CHECK(out.len == sizeof(codec_prefix) && memcmp(out.data, codec_prefix, out.len) == 0);
	}
	bytebuf_consume(&expect, sizeof(codec_prefix));
	check_open(k, &blocks, max_len, &expect, ref_rc);
	bytebuf_free(&out);
	bytebuf_free(&expect);
	blocklist_free(&blocks);
}

/* True when some chunk of p[0..n) would start with 0x00. */
static int chunk_starts_with_nul(const uint8_t *p, size_t n, size_t chunk)
{
	size_t off;

	for (off = 0; off < n; off += chunk)
		if (p[off] == 0)
			return 1;
	return 0;
}

/* wire_seal's frame read back with the client's limits, then opened. */
static void check_seal_open(const struct rsa_private *k, size_t chunk, const uint8_t *p, size_t n)
{
	const struct frame_limits lim = {PROTO_CLIENT_MAX_RESPONSE_BYTES, PROTO_CLIENT_MAX_BLOCKS,
	                                 PROTO_CLIENT_MAX_RESPONSE_BYTES};
	struct frame_reader r;
	struct blocklist blocks;
	struct bytebuf wire;
	char *text = NULL;
	size_t used, len = 0;
	int rc, valid = ref_utf8(p, n) == RC_OK;

	bytebuf_init(&wire, BYTEBUF_UNBOUNDED);
	rc = wire_seal(&k->pub, chunk, (const char *)p, n, &wire);
	if (rc != RC_OK) {
		/* Only text that cannot travel intact may be refused. */
		FUZZ_CHECK(!valid);
		FUZZ_CHECK(rc == RC_ERR_NUL || rc == RC_ERR_UTF8);
		FUZZ_CHECK(wire.len == 0);
		bytebuf_free(&wire);
		return;
	}
	frame_reader_init(&r, FRAME_KIND_BLOCKS, &lim);
	FUZZ_CHECK(frame_reader_feed(&r, wire.data, wire.len, &used) == FRAME_DONE);
	FUZZ_CHECK(used == wire.len);
	FUZZ_CHECK(frame_reader_take(&r, &blocks) == RC_OK);
	rc = wire_open(k, &blocks, n, &text, &len);
	if (valid) {
		FUZZ_CHECK(rc == RC_OK);
		FUZZ_CHECK(len == n && (n == 0 || memcmp(text, p, n) == 0) && text[n] == '\0');
	} else {
		FUZZ_CHECK(rc < 0 && text == NULL);
	}
	free(text);
	blocklist_free(&blocks);
	frame_reader_free(&r);
	bytebuf_free(&wire);
}

static void fuzz_round_trip(const struct rsa_private *k, struct fuzz_input *in)
{
	size_t modulus_bytes = rsa_modulus_bytes(&k->pub), chunk, n, i, expect_blocks;
	uint8_t pick = fuzz_take_u8(in);
	struct blocklist blocks;
	struct bytebuf out;
	mpz_t c;
	int rc;

	/* 254 and 255 try the two invalid chunk sizes. */
	chunk = pick == 255 ? modulus_bytes : pick == 254 ? 0 : 1 + pick % (modulus_bytes - 1);
	n = in->n;
	if (n > chunk * CODEC_MAX_BLOCKS)
		n = chunk * CODEC_MAX_BLOCKS;
	blocklist_init(&blocks);
	rc = rsa_encrypt(&k->pub, in->p, n, chunk, &blocks);
	if (chunk == 0 || chunk >= modulus_bytes) {
		FUZZ_CHECK(rc == RC_ERR_INVAL && blocks.count == 0);
		return;
	}
	if (chunk_starts_with_nul(in->p, n, chunk)) {
		FUZZ_CHECK(rc == RC_ERR_NUL && blocks.count == 0);
		blocklist_free(&blocks);
		check_seal_open(k, chunk, in->p, n);
		return;
	}
	FUZZ_CHECK(rc == RC_OK);
	expect_blocks = n == 0 ? 1 : (n + chunk - 1) / chunk;
	FUZZ_CHECK(blocks.count == expect_blocks);
	mpz_init(c);
	for (i = 0; i < blocks.count; i++) {
		FUZZ_CHECK(blocks.v[i].len <= modulus_bytes);
		FUZZ_CHECK(blocks.v[i].len == 0 || blocks.v[i].data[0] != 0);
		bigint_from_bytes(c, blocks.v[i].data, blocks.v[i].len);
		FUZZ_CHECK(mpz_cmp(c, k->pub.n) < 0);
	}
	mpz_clear(c);
	bytebuf_init(&out, BYTEBUF_UNBOUNDED);
	FUZZ_CHECK(rsa_decrypt(k, &blocks, &out) == RC_OK);
	FUZZ_CHECK(out.len == n && (n == 0 || memcmp(out.data, in->p, n) == 0));
	bytebuf_free(&out);
	blocklist_free(&blocks);
	check_seal_open(k, chunk, in->p, n);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_input in = {data, size};
	const struct rsa_private *k = fuzz_key();

	if (fuzz_take_u8(&in) & 1)
		fuzz_round_trip(k, &in);
	else
		fuzz_decrypt(k, &in);
	return 0;
}
