#include "config.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "bigint.h"
#include "errors.h"
#include "pkcs1.h"
#include "pss.h"
#include "secure.h"

/* emBits = modBits - 1: the encoded message is always below n. */
static size_t pss_em_bits(const struct rsa_public *k)
{
	return mpz_sizeinbase(k->n, 2) - 1;
}

static size_t pss_em_bytes(const struct rsa_public *k)
{
	return (pss_em_bits(k) + 7) / 8;
}

/* The bits of EM's first byte above emBits, which must be zero. */
static uint8_t pss_top_mask(const struct rsa_public *k)
{
	return (uint8_t)(0xffu >> (8 * pss_em_bytes(k) - pss_em_bits(k)));
}

int pss_key_supported(const struct rsa_public *k)
{
	return mpz_sgn(k->n) > 0 && pss_em_bytes(k) >= PSS_MIN_ENCODED_BYTES ? RC_OK : RC_ERR_KEY;
}

/* H = Hash(M'), M' = (0x)00 00 00 00 00 00 00 00 || mHash || salt. */
static void pss_hash_prime(const uint8_t *m, size_t len, const uint8_t salt[PSS_SALT_BYTES], uint8_t h[PKCS1_HASH_BYTES])
{
	static const uint8_t zeros[8];
	uint8_t mhash[PKCS1_HASH_BYTES];
	crypto_hash_sha256_state state;

	crypto_hash_sha256(mhash, m, len);
	crypto_hash_sha256_init(&state);
	crypto_hash_sha256_update(&state, zeros, sizeof(zeros));
	crypto_hash_sha256_update(&state, mhash, sizeof(mhash));
	crypto_hash_sha256_update(&state, salt, PSS_SALT_BYTES);
	crypto_hash_sha256_final(&state, h);
}

/* EMSA-PSS-ENCODE (RFC 8017 9.1.1) into em, pss_em_bytes(k) bytes:
 * EM = maskedDB || H || 0xbc, DB = PS || 0x01 || salt. */
static void pss_encode(const struct rsa_public *k, const uint8_t *m, size_t len, uint8_t *em)
{
	size_t em_len = pss_em_bytes(k), db_len = em_len - PKCS1_HASH_BYTES - 1;
	uint8_t *salt = em + db_len - PSS_SALT_BYTES, *h = em + db_len;

	secure_random(salt, PSS_SALT_BYTES);
	pss_hash_prime(m, len, salt, h);
	memset(em, 0, db_len - PSS_SALT_BYTES - 1);
	em[db_len - PSS_SALT_BYTES - 1] = 0x01;
	pkcs1_mgf1_xor(em, db_len, h, PKCS1_HASH_BYTES);
	em[0] &= pss_top_mask(k);
	em[em_len - 1] = 0xbc;
}

int pss_sign(const struct rsa_private *k, const uint8_t *m, size_t len, struct bytebuf *out)
{
	size_t n = rsa_modulus_bytes(&k->pub), em_len = pss_em_bytes(&k->pub);
	uint8_t *em;
	mpz_t x, s, check;
	int rc;

	if ((rc = pss_key_supported(&k->pub)) != RC_OK)
		return rc;
	if ((rc = bytebuf_reserve(out, n)) != RC_OK)
		return rc;
	if ((em = malloc(em_len)) == NULL)
		return RC_ERR_NOMEM;
	pss_encode(&k->pub, m, len, em);
	mpz_inits(x, s, check, NULL);
	bigint_from_bytes(x, em, em_len);
	rsa_private_op(s, x, k);
	rsa_public_op(check, s, &k->pub);
	if (mpz_cmp(check, x) != 0)
		rc = RC_ERR_KEY;
	else if ((rc = pkcs1_i2osp(s, out->data + out->len, n)) == RC_OK)
		out->len += n;
	mpz_clears(x, s, check, NULL);
	secure_wipe(em, em_len);
	free(em);
	return rc;
}

/* EMSA-PSS-VERIFY (RFC 8017 9.1.2) of em, pss_em_bytes(k) bytes; unmasks em
 * in place. RC_OK when consistent with m. */
static int pss_check_encoding(const struct rsa_public *k, const uint8_t *m, size_t len, uint8_t *em)
{
	size_t em_len = pss_em_bytes(k), db_len = em_len - PKCS1_HASH_BYTES - 1, i;
	uint8_t *h = em + db_len, expect[PKCS1_HASH_BYTES];

	if (em[em_len - 1] != 0xbc || (em[0] & (uint8_t)~pss_top_mask(k)) != 0)
		return RC_ERR_FORMAT;
	pkcs1_mgf1_xor(em, db_len, h, PKCS1_HASH_BYTES);
	em[0] &= pss_top_mask(k);
	for (i = 0; i < db_len - PSS_SALT_BYTES - 1; i++)
		if (em[i] != 0)
			return RC_ERR_FORMAT;
	if (em[i] != 0x01)
		return RC_ERR_FORMAT;
	pss_hash_prime(m, len, em + db_len - PSS_SALT_BYTES, expect);
	return memcmp(expect, h, sizeof(expect)) == 0 ? RC_OK : RC_ERR_FORMAT;
}

int pss_verify(const struct rsa_public *k, const uint8_t *m, size_t len, const uint8_t *sig, size_t sig_len)
{
	size_t em_len = pss_em_bytes(k);
	uint8_t *em = NULL;
	mpz_t x;
	int rc;

	if ((rc = pss_key_supported(k)) != RC_OK)
		return rc;
	mpz_init(x);
	if (pkcs1_os2ip_mod(x, sig, sig_len, k) != RC_OK) {
		rc = RC_ERR_FORMAT;
		goto out;
	}
	if ((em = malloc(em_len)) == NULL) {
		rc = RC_ERR_NOMEM;
		goto out;
	}
	rsa_public_op(x, x, k);
	/* RSAVP1's result must fit emLen bytes (it may not when emLen < k). */
	if (pkcs1_i2osp(x, em, em_len) != RC_OK) {
		rc = RC_ERR_FORMAT;
		goto out;
	}
	rc = pss_check_encoding(k, m, len, em);
out:
	free(em);
	mpz_clear(x);
	return rc;
}
