#include "config.h"

#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "bytebuf.h"
#include "errors.h"
#include "fingerprint.h"
#include "frame.h"
#include "safety.h"

#define SAFETY_LABEL "rsa-chat safety number v1"
#define SAFETY_GROUP_BYTES 5u
#define SAFETY_GROUP_MODULUS 100000u

int safety_number(const struct rsa_public *a, const struct rsa_public *b, char out[SAFETY_NUMBER_MAX])
{
	char fa[FINGERPRINT_MAX], fb[FINGERPRINT_MAX];
	const char *lo, *hi;
	uint8_t hash[2 * crypto_hash_sha256_BYTES];
	struct bytebuf input;
	size_t g, i;
	int rc;

	out[0] = 0;
	bytebuf_init(&input, BYTEBUF_UNBOUNDED);
	if ((rc = fingerprint_public(a, fa)) != RC_OK || (rc = fingerprint_public(b, fb)) != RC_OK)
		goto out;
	lo = strcmp(fa, fb) <= 0 ? fa : fb;
	hi = lo == fa ? fb : fa;
	/* The counter byte goes after the label; it is rewritten for H_1. */
	if ((rc = bytebuf_append_str(&input, SAFETY_LABEL)) != RC_OK || (rc = bytebuf_put_u8(&input, 0)) != RC_OK ||
	    (rc = frame_write_bytes(&input, (const uint8_t *)lo, strlen(lo))) != RC_OK ||
	    (rc = frame_write_bytes(&input, (const uint8_t *)hi, strlen(hi))) != RC_OK)
		goto out;
	for (i = 0; i < 2; i++) {
		input.data[sizeof(SAFETY_LABEL) - 1] = (uint8_t)i;
		crypto_hash_sha256(hash + i * crypto_hash_sha256_BYTES, input.data, input.len);
	}
	for (g = 0; g < SAFETY_NUMBER_GROUPS; g++) {
		uint64_t v = 0;

		for (i = 0; i < SAFETY_GROUP_BYTES; i++)
			v = v << 8 | hash[g * SAFETY_GROUP_BYTES + i];
		snprintf(out + g * (SAFETY_NUMBER_GROUP_DIGITS + 1), SAFETY_NUMBER_MAX - g * (SAFETY_NUMBER_GROUP_DIGITS + 1), "%05u%s",
		         (unsigned)(v % SAFETY_GROUP_MODULUS), g + 1 < SAFETY_NUMBER_GROUPS ? " " : "");
	}
out:
	bytebuf_free(&input);
	return rc;
}
