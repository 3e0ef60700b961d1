#include "config.h"

#include <sodium.h>
#include <string.h>

#include "bigint.h"
#include "errors.h"
#include "pkcs1.h"
#include "secure.h"

void pkcs1_mgf1_xor(uint8_t *buf, size_t len, const uint8_t *seed, size_t seed_len)
{
	uint8_t block[crypto_hash_sha256_BYTES];
	crypto_hash_sha256_state state;
	uint32_t counter;
	size_t done, i, n;

	/* T = Hash(seed || C) for C = 0, 1, ... as a 4-byte big-endian counter. */
	for (done = 0, counter = 0; done < len; done += n, counter++) {
		uint8_t c[4] = { (uint8_t)(counter >> 24), (uint8_t)(counter >> 16), (uint8_t)(counter >> 8), (uint8_t)counter };

		crypto_hash_sha256_init(&state);
		crypto_hash_sha256_update(&state, seed, seed_len);
		crypto_hash_sha256_update(&state, c, sizeof(c));
		crypto_hash_sha256_final(&state, block);
		n = len - done < sizeof(block) ? len - done : sizeof(block);
		for (i = 0; i < n; i++)
			buf[done + i] ^= block[i];
	}
	/* The mask hides a seed or a message: it is as secret as they are. */
	secure_wipe(block, sizeof(block));
	secure_wipe(&state, sizeof(state));
}

int pkcs1_i2osp(const mpz_t x, uint8_t *out, size_t len)
{
	size_t n = bigint_byte_len(x), written = 0;

	if (n > len)
		return RC_ERR_RANGE;
	memset(out, 0, len - n);
	if (n > 0)
		mpz_export(out + (len - n), &written, 1, 1, 1, 0, x);
	return RC_OK;
}

int pkcs1_os2ip_mod(mpz_t out, const uint8_t *p, size_t len, const struct rsa_public *k)
{
	if (len != rsa_modulus_bytes(k))
		return RC_ERR_RANGE;
	bigint_from_bytes(out, p, len);
	return mpz_cmp(out, k->n) < 0 ? RC_OK : RC_ERR_RANGE;
}
