#include "config.h"

#include "reseal.h"

#include <json-c/json.h>
#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "bytebuf.h"
#include "errors.h"
#include "oaep.h"

#define RESEAL_B64 sodium_base64_VARIANT_ORIGINAL

/* One block for reader, decrypted and encrypted for `to`, appended to out in base64. */
static int reseal_block(const struct rsa_private *reader, const char *b64, const struct rsa_public *to,
                        struct bytebuf *out)
{
	size_t k = rsa_modulus_bytes(to), bin_len, m_len, enc_len = sodium_base64_ENCODED_LEN(k, RESEAL_B64);
	uint8_t *block = malloc(k), *m = malloc(k);
	char *enc = malloc(enc_len);
	int rc = RC_ERR_FORMAT;

	if (block == NULL || m == NULL || enc == NULL)
		rc = RC_ERR_NOMEM;
	else if (sodium_base642bin(block, k, b64, strlen(b64), NULL, &bin_len, NULL, RESEAL_B64) == 0 && bin_len == k &&
	         oaep_decrypt(reader, block, k, m, &m_len) == RC_OK && (rc = oaep_encrypt(to, m, m_len, block)) == RC_OK) {
		sodium_bin2base64(enc, enc_len, block, k, RESEAL_B64);
		rc = bytebuf_append_str(out, enc);
	}
	free(block);
	free(m);
	free(enc);
	return rc;
}

int reseal_v2(const struct rsa_private *reader, const char *content, const struct rsa_public *to, char **out)
{
	struct json_object *obj = json_tokener_parse(content), *blocks;
	struct bytebuf b;
	uint8_t *data;
	size_t len;
	int rc = RC_OK;

	*out = NULL;
	if (rsa_modulus_bytes(&reader->pub) != rsa_modulus_bytes(to)) {
		json_object_put(obj);
		return RC_ERR_KEY;
	}
	if (obj == NULL || !json_object_object_get_ex(obj, "c", &blocks) || !json_object_is_type(blocks, json_type_array)) {
		json_object_put(obj);
		return RC_ERR_FORMAT;
	}
	bytebuf_init(&b, BYTEBUF_UNBOUNDED);
	rc = bytebuf_append_str(&b, "{\"v\":2,\"c\":[");
	for (size_t i = 0; rc == RC_OK && i < json_object_array_length(blocks); i++) {
		if ((i > 0 && (rc = bytebuf_put_u8(&b, ',')) != RC_OK) || (rc = bytebuf_put_u8(&b, '"')) != RC_OK ||
		    (rc = reseal_block(reader, json_object_get_string(json_object_array_get_idx(blocks, i)), to, &b)) != RC_OK ||
		    (rc = bytebuf_put_u8(&b, '"')) != RC_OK)
			break;
	}
	if (rc == RC_OK && (rc = bytebuf_append_str(&b, "]}")) == RC_OK &&
	    (rc = bytebuf_take(&b, &data, &len)) == RC_OK)
		*out = (char *)data;
	bytebuf_free(&b);
	json_object_put(obj);
	return rc;
}
