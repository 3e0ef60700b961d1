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

int wire_open(const struct rsa_private *key, const struct blocklist *blocks, size_t max_len, char **text, size_t *len)
{
	struct bytebuf plain;
	uint8_t *data;
	int rc;

	*text = NULL;
	*len = 0;
	bytebuf_init_secret(&plain, max_len);
	if ((rc = rsa_decrypt(key, blocks, &plain)) != RC_OK)
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
