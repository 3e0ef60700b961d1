/* Fuzz target: message contents (common/content.c) with the fixed key.
 *
 * Byte 0, bit 0 picks the mode:
 * - 0, decode: byte 1 picks the block limit; the rest is a content string.
 *   content_parse_blocks must respect the limit, and the blocks it returns
 *   must parse back identically once re-encoded the way existing clients
 *   write them. content_decode may only succeed on a string that parses,
 *   and then gives exactly the RSA decryption of its blocks, as valid
 *   NUL-free UTF-8.
 * - 1, round trip: byte 1 picks the chunk size, the rest is the text.
 *   content_encode must accept exactly the valid NUL-free UTF-8 texts, write
 *   one block per chunk, and content_decode must give the text back. */
#include "config.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "blocklist.h"
#include "bytebuf.h"
#include "content.h"
#include "errors.h"
#include "fuzz_common.h"
#include "rsa.h"
#include "utf8.h"

/* Bounds the private-key operations one input may cost. */
#define CONTENT_MAX_BLOCKS 64u

/* The blocks as existing clients write them: ["<b64>", "<b64>"]. */
static void write_content(const struct blocklist *blocks, struct bytebuf *out)
{
	size_t i, b64_len;
	char *b64;

	FUZZ_CHECK(bytebuf_append_str(out, "[") == RC_OK);
	for (i = 0; i < blocks->count; i++) {
		b64_len = sodium_base64_ENCODED_LEN(blocks->v[i].len, sodium_base64_VARIANT_ORIGINAL);
		FUZZ_CHECK((b64 = malloc(b64_len)) != NULL);
		sodium_bin2base64(b64, b64_len, blocks->v[i].data, blocks->v[i].len, sodium_base64_VARIANT_ORIGINAL);
		FUZZ_CHECK(bytebuf_append_str(out, i ? ", \"" : "\"") == RC_OK);
		FUZZ_CHECK(bytebuf_append_str(out, b64) == RC_OK);
		FUZZ_CHECK(bytebuf_append_str(out, "\"") == RC_OK);
		free(b64);
	}
	FUZZ_CHECK(bytebuf_append_str(out, "]") == RC_OK);
}

static int blocklists_equal(const struct blocklist *a, const struct blocklist *b)
{
	size_t i;

	if (a->count != b->count)
		return 0;
	for (i = 0; i < a->count; i++)
		if (a->v[i].len != b->v[i].len || (a->v[i].len && memcmp(a->v[i].data, b->v[i].data, a->v[i].len)))
			return 0;
	return 1;
}

static void fuzz_decode(const struct rsa_private *k, struct fuzz_input *in)
{
	size_t max_blocks = 1 + fuzz_take_u8(in) % CONTENT_MAX_BLOCKS, len = in->n, text_len = 0;
	char *content = fuzz_copy_exact(in->p, len), *text = NULL;
	struct blocklist blocks, again;
	struct bytebuf rewritten, plain;
	int rc, parse_rc;

	blocklist_init(&blocks);
	parse_rc = content_parse_blocks(content, len, max_blocks, &blocks);
	if (parse_rc == RC_OK) {
		FUZZ_CHECK(blocks.count <= max_blocks);
		bytebuf_init(&rewritten, BYTEBUF_UNBOUNDED);
		write_content(&blocks, &rewritten);
		blocklist_init(&again);
		FUZZ_CHECK(content_parse_blocks((const char *)rewritten.data, rewritten.len, max_blocks, &again) == RC_OK);
		FUZZ_CHECK(blocklists_equal(&blocks, &again));
		blocklist_free(&again);
		bytebuf_free(&rewritten);
	} else {
		FUZZ_CHECK(parse_rc < 0 && blocks.count == 0);
	}

	rc = content_decode(k, content, len, &text, &text_len);
	if (rc == RC_OK) {
		/* Over our small limit is the only reason to refuse what decodes. */
		FUZZ_CHECK(parse_rc == RC_OK || parse_rc == RC_ERR_TOO_LARGE);
		FUZZ_CHECK(text != NULL && text[text_len] == '\0');
		FUZZ_CHECK(utf8_check_text((const uint8_t *)text, text_len) == RC_OK);
		if (parse_rc == RC_OK) {
			bytebuf_init(&plain, BYTEBUF_UNBOUNDED);
			FUZZ_CHECK(rsa_decrypt(k, &blocks, &plain) == RC_OK);
			FUZZ_CHECK(plain.len == text_len && (text_len == 0 || memcmp(plain.data, text, text_len) == 0));
			bytebuf_free(&plain);
		}
		free(text);
	} else {
		FUZZ_CHECK(rc < 0 && text == NULL);
	}
	blocklist_free(&blocks);
	free(content);
}

static void fuzz_round_trip(const struct rsa_private *k, struct fuzz_input *in)
{
	size_t chunk = 1 + fuzz_take_u8(in) % (rsa_modulus_bytes(&k->pub) - 1), n = in->n, text_len = 0;
	char *content = NULL, *text = NULL;
	struct blocklist blocks;
	int rc, valid;

	if (n > chunk * CONTENT_MAX_BLOCKS)
		n = chunk * CONTENT_MAX_BLOCKS;
	valid = utf8_check_text(in->p, n) == RC_OK;
	rc = content_encode(&k->pub, (const char *)in->p, n, chunk, &content);
	if (!valid) {
		FUZZ_CHECK(rc == RC_ERR_NUL || rc == RC_ERR_UTF8);
		FUZZ_CHECK(content == NULL);
		return;
	}
	FUZZ_CHECK(rc == RC_OK && content != NULL);
	blocklist_init(&blocks);
	FUZZ_CHECK(content_parse_blocks(content, strlen(content), CONTENT_MAX_BLOCKS, &blocks) == RC_OK);
	FUZZ_CHECK(blocks.count == (n == 0 ? 1 : (n + chunk - 1) / chunk));
	blocklist_free(&blocks);
	FUZZ_CHECK(content_decode(k, content, strlen(content), &text, &text_len) == RC_OK);
	FUZZ_CHECK(text_len == n && (n == 0 || memcmp(text, in->p, n) == 0));
	free(text);
	free(content);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_input in = {data, size};
	const struct rsa_private *k = fuzz_key();

	if (fuzz_take_u8(&in) & 1)
		fuzz_round_trip(k, &in);
	else
		fuzz_decode(k, &in);
	return 0;
}
