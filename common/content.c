#include "config.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "bytebuf.h"
#include "content.h"
#include "errors.h"
#include "jsonx.h"
#include "protocol.h"
#include "utf8.h"
#include "wire.h"

#define CONTENT_B64 sodium_base64_VARIANT_ORIGINAL

/* Appends one block as a JSON string of its padded base64. */
static int content_append_block(struct bytebuf *out, const struct block *b)
{
	size_t b64_len = sodium_base64_ENCODED_LEN(b->len, CONTENT_B64);
	int rc;

	if ((rc = bytebuf_reserve(out, b64_len + 2)) != RC_OK)
		return rc;
	out->data[out->len++] = '"';
	sodium_bin2base64((char *)out->data + out->len, b64_len, b->data ? b->data : (const uint8_t *)"", b->len, CONTENT_B64);
	out->len += b64_len - 1;  /* without its NUL */
	out->data[out->len++] = '"';
	return RC_OK;
}

int content_encode(const struct rsa_public *to, const char *text, size_t len, size_t chunk, char **content)
{
	struct blocklist blocks;
	struct bytebuf out;
	uint8_t *data;
	size_t i, n;
	int rc;

	*content = NULL;
	blocklist_init(&blocks);
	bytebuf_init(&out, BYTEBUF_UNBOUNDED);
	if ((rc = utf8_check_text((const uint8_t *)text, len)) != RC_OK)
		goto out;
	if ((rc = rsa_encrypt(to, (const uint8_t *)text, len, chunk, &blocks)) != RC_OK)
		goto out;
	/* Python's json.dumps separators: ", " between elements. */
	if ((rc = bytebuf_put_u8(&out, '[')) != RC_OK)
		goto out;
	for (i = 0; i < blocks.count; i++) {
		if (i > 0 && (rc = bytebuf_append_str(&out, ", ")) != RC_OK)
			goto out;
		if ((rc = content_append_block(&out, &blocks.v[i])) != RC_OK)
			goto out;
	}
	if ((rc = bytebuf_put_u8(&out, ']')) != RC_OK || (rc = bytebuf_take(&out, &data, &n)) != RC_OK)
		goto out;
	*content = (char *)data;
out:
	blocklist_free(&blocks);
	bytebuf_free(&out);
	return rc;
}

/* Decodes one padded standard base64 string into a new block of out. */
static int content_decode_block(const char *b64, size_t b64_len, struct blocklist *out)
{
	size_t max = b64_len / 4 * 3 + 3, bin_len = 0;
	const char *end = NULL;
	uint8_t *bin;

	if ((bin = malloc(max)) == NULL)
		return RC_ERR_NOMEM;
	if (sodium_base642bin(bin, max, b64, b64_len, NULL, &bin_len, &end, CONTENT_B64) != 0 || end != b64 + b64_len) {
		free(bin);
		return RC_ERR_FORMAT;
	}
	if (bin_len == 0) {
		free(bin);
		bin = NULL;
	}
	return blocklist_push_owned(out, bin, bin_len);
}

int content_parse_blocks(const char *content, size_t len, size_t max_blocks, struct blocklist *out)
{
	struct json_object *arr = NULL, *el;
	size_t i, count;
	int rc;

	blocklist_init(out);
	if ((rc = jsonx_parse(content, len, &arr)) != RC_OK) {
		rc = rc == RC_ERR_NOMEM ? rc : RC_ERR_FORMAT;
		goto out;
	}
	if (!json_object_is_type(arr, json_type_array)) {
		rc = RC_ERR_FORMAT;
		goto out;
	}
	count = json_object_array_length(arr);
	if (count > max_blocks) {
		rc = RC_ERR_TOO_LARGE;
		goto out;
	}
	for (i = 0; i < count; i++) {
		el = json_object_array_get_idx(arr, i);
		if (!json_object_is_type(el, json_type_string)) {
			rc = RC_ERR_FORMAT;
			goto out;
		}
		if ((rc = content_decode_block(json_object_get_string(el), (size_t)json_object_get_string_len(el), out)) != RC_OK)
			goto out;
	}
out:
	if (rc != RC_OK)
		blocklist_free(out);
	json_object_put(arr);
	return rc;
}

int content_decode(const struct rsa_private *k, const char *content, size_t len, char **text, size_t *text_len)
{
	struct blocklist blocks;
	int rc;

	*text = NULL;
	*text_len = 0;
	if ((rc = content_parse_blocks(content, len, PROTO_CLIENT_MAX_BLOCKS, &blocks)) != RC_OK)
		return rc;
	/* The same checks as a response: decrypted, UTF-8 without NUL. */
	rc = wire_open(k, &blocks, PROTO_CLIENT_MAX_RESPONSE_BYTES, text, text_len);
	blocklist_free(&blocks);
	return rc;
}
