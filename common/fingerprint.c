#include "config.h"

#include <sodium.h>
#include <string.h>

#include "bigint.h"
#include "errors.h"
#include "fingerprint.h"
#include "frame.h"
#include "protocol.h"

#define FINGERPRINT_PREFIX "SHA256:"

int fingerprint_public(const struct rsa_public *k, char out[FINGERPRINT_MAX])
{
	struct bytebuf enc, num;
	uint8_t hash[crypto_hash_sha256_BYTES];
	size_t prefix = sizeof(FINGERPRINT_PREFIX) - 1;
	int rc;

	out[0] = 0;
	bytebuf_init(&enc, BYTEBUF_UNBOUNDED);
	bytebuf_init(&num, BYTEBUF_UNBOUNDED);
	/* The handshake encoding: bytes frame of e, then bytes frame of n. */
	if ((rc = bigint_append(&num, k->e)) != RC_OK || (rc = frame_write_bytes(&enc, num.data, num.len)) != RC_OK)
		goto out;
	bytebuf_reset(&num);
	if ((rc = bigint_append(&num, k->n)) != RC_OK || (rc = frame_write_bytes(&enc, num.data, num.len)) != RC_OK)
		goto out;
	crypto_hash_sha256(hash, enc.data, enc.len);
	memcpy(out, FINGERPRINT_PREFIX, prefix);
	sodium_bin2base64(out + prefix, FINGERPRINT_MAX - prefix, hash, sizeof(hash),
	                  sodium_base64_VARIANT_ORIGINAL_NO_PADDING);
out:
	bytebuf_free(&enc);
	bytebuf_free(&num);
	return rc;
}

int fingerprint_public_short(const struct rsa_public *k, char out[FINGERPRINT_MAX])
{
	int rc = fingerprint_public(k, out);

	if (rc == RC_OK)
		out[sizeof(FINGERPRINT_PREFIX) - 1 + FINGERPRINT_SHORT_CHARS] = 0;
	return rc;
}

int fingerprint_decimal(const char *e_dec, size_t e_len, const char *n_dec, size_t n_len, char out[FINGERPRINT_MAX])
{
	struct rsa_public k;
	int r;

	rsa_public_init(&k);
	if ((r = bigint_from_decimal(k.e, e_dec, e_len, PROTO_MAX_KEY_DIGITS)) == RC_OK &&
	    (r = bigint_from_decimal(k.n, n_dec, n_len, PROTO_MAX_KEY_DIGITS)) == RC_OK)
		r = fingerprint_public(&k, out);
	rsa_public_clear(&k);
	return r;
}
