#include "config.h"

#include "errors.h"
#include "frame.h"
#include "rsa_parallel.h"
#include "utf8.h"
#include "wire.h"

int wire_seal_threads(const struct rsa_public *to, size_t chunk, unsigned threads, const char *text, size_t len,
                      struct bytebuf *out)
{
	struct blocklist blocks;
	int rc;

	blocklist_init(&blocks);
	rc = rsa_encrypt_parallel(to, (const uint8_t *)text, len, chunk, threads, &blocks);
	/* One allocation for the frame: its count, and a length before each block. */
	if (rc == RC_OK)
		rc = bytebuf_reserve(out, 4 + 4 * blocks.count + blocklist_total(&blocks));
	if (rc == RC_OK)
		rc = frame_write_blocks(out, &blocks);
	blocklist_free(&blocks);
	return rc;
}

int wire_seal(const struct rsa_public *to, size_t chunk, const char *text, size_t len, struct bytebuf *out)
{
	return wire_seal_threads(to, chunk, 1, text, len, out);
}

/* Decrypts blocks into UTF-8 text of at most max_len bytes, under lim. */
static int wire_decrypt_text(const struct rsa_private *key, const struct blocklist *blocks,
                             const struct rsa_decrypt_limits *lim, size_t max_len, char **text, size_t *len)
{
	struct bytebuf plain;
	uint8_t *data;
	int rc;

	*text = NULL;
	*len = 0;
	bytebuf_init_secret(&plain, max_len);
	if ((rc = rsa_decrypt_limited(key, blocks, lim, &plain)) != RC_OK)
		goto out;
	if (plain.len > max_len) {
		rc = RC_ERR_TOO_LARGE;
		goto out;
	}
	if ((rc = utf8_check_text(plain.data, plain.len)) != RC_OK)
		goto out;
	if ((rc = bytebuf_take(&plain, &data, len)) != RC_OK)
		goto out;
	*text = (char *)data;
out:
	bytebuf_free(&plain);
	return rc;
}

int wire_open(const struct rsa_private *key, const struct blocklist *blocks, size_t max_len, char **text, size_t *len)
{
	return wire_decrypt_text(key, blocks, NULL, max_len, text, len);
}

int wire_open_limited(const struct rsa_private *key, const struct blocklist *blocks,
                      const struct rsa_decrypt_limits *lim, size_t max_len, char **text, size_t *len)
{
	*text = NULL;
	*len = 0;
	if (!wire_blocks_plausible(&key->pub, blocks))
		return RC_ERR_TOO_LARGE;
	return wire_decrypt_text(key, blocks, lim, max_len, text, len);
}

size_t wire_max_blocks(size_t modulus_bytes, size_t total_bytes)
{
	size_t half = modulus_bytes / 2 ? modulus_bytes / 2 : 1;

	return total_bytes / half + WIRE_SHORT_BLOCKS_ALLOWED;
}

int wire_blocks_plausible(const struct rsa_public *reader, const struct blocklist *blocks)
{
	return blocks->count <= wire_max_blocks(rsa_modulus_bytes(reader), blocklist_total(blocks));
}
