#include "config.h"

#include "errors.h"
#include "frame.h"
#include "utf8.h"
#include "wire.h"

int wire_seal(const struct rsa_public *to, size_t chunk, const char *text, size_t len, struct bytebuf *out)
{
	struct blocklist blocks;
	int rc;

	blocklist_init(&blocks);
	if ((rc = rsa_encrypt(to, (const uint8_t *)text, len, chunk, &blocks)) == RC_OK)
		rc = frame_write_blocks(out, &blocks);
	blocklist_free(&blocks);
	return rc;
}

int wire_blocks_plausible(const struct rsa_public *reader, const struct blocklist *blocks)
{
	size_t half = rsa_modulus_bytes(reader) / 2;

	return half == 0 || blocks->count <= blocklist_total(blocks) / half + 2;
}

/* Decrypts blocks into UTF-8 text of at most max_len bytes, within the deadline. */
static int wire_decrypt_text(const struct rsa_private *key, const struct blocklist *blocks, size_t max_len,
                             int64_t deadline_ms, char **text, size_t *len)
{
	struct bytebuf plain;
	uint8_t *data;
	int rc;

	*text = NULL;
	*len = 0;
	bytebuf_init_secret(&plain, max_len);
	if ((rc = rsa_decrypt_until(key, blocks, deadline_ms, &plain)) != RC_OK)
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
	return wire_decrypt_text(key, blocks, max_len, RSA_NO_DEADLINE, text, len);
}

int wire_open_until(const struct rsa_private *key, const struct blocklist *blocks, size_t max_len, int64_t deadline_ms,
                    char **text, size_t *len)
{
	*text = NULL;
	*len = 0;
	if (!wire_blocks_plausible(&key->pub, blocks))
		return RC_ERR_TOO_LARGE;
	return wire_decrypt_text(key, blocks, max_len, deadline_ms, text, len);
}
