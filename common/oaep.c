#include "config.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "bigint.h"
#include "errors.h"
#include "oaep.h"
#include "pkcs1.h"
#include "secure.h"

size_t oaep_max_message(const struct rsa_public *k)
{
	size_t n = rsa_modulus_bytes(k);

	return n > OAEP_OVERHEAD_BYTES ? n - OAEP_OVERHEAD_BYTES : 0;
}

/* lHash: the hash of the label, here always the empty string. */
static void oaep_label_hash(uint8_t out[PKCS1_HASH_BYTES])
{
	crypto_hash_sha256(out, (const uint8_t *)"", 0);
}

int oaep_encrypt(const struct rsa_public *k, const uint8_t *m, size_t len, uint8_t *out)
{
	size_t n = rsa_modulus_bytes(k), db_len;
	uint8_t *em, *seed, *db;
	mpz_t x;
	int rc;

	if (oaep_max_message(k) == 0)
		return RC_ERR_KEY;
	if (len > oaep_max_message(k))
		return RC_ERR_TOO_LARGE;
	if ((em = malloc(n)) == NULL)
		return RC_ERR_NOMEM;
	/* EM = 0x00 || maskedSeed || maskedDB, DB = lHash || PS || 0x01 || M. */
	seed = em + 1;
	db = seed + PKCS1_HASH_BYTES;
	db_len = n - PKCS1_HASH_BYTES - 1;
	em[0] = 0;
	secure_random(seed, PKCS1_HASH_BYTES);
	oaep_label_hash(db);
	memset(db + PKCS1_HASH_BYTES, 0, db_len - PKCS1_HASH_BYTES - len - 1);
	db[db_len - len - 1] = 0x01;
	if (len > 0)
		memcpy(db + db_len - len, m, len);
	pkcs1_mgf1_xor(db, db_len, seed, PKCS1_HASH_BYTES);
	pkcs1_mgf1_xor(seed, PKCS1_HASH_BYTES, db, db_len);
	/* RSAEP: EM starts with 0x00, so EM < 256^(k-1) <= n. */
	mpz_init(x);
	bigint_from_bytes(x, em, n);
	rsa_public_op(x, x, k);
	rc = pkcs1_i2osp(x, out, n);
	mpz_clear(x);
	secure_wipe(em, n);
	free(em);
	return rc;
}

/* 1 when b == 0, else 0, without a branch on b. */
static unsigned oaep_byte_is_zero(uint8_t b)
{
	return (((unsigned)b - 1u) >> 8) & 1u;
}

int oaep_decrypt(const struct rsa_private *k, const uint8_t *c, size_t len, uint8_t *m, size_t *m_len)
{
	size_t n = rsa_modulus_bytes(&k->pub), db_len, i, sep = 0;
	uint8_t lhash[PKCS1_HASH_BYTES], *em = NULL, *seed, *db;
	unsigned bad, found = 0;
	mpz_t x;
	int rc;

	*m_len = 0;
	if (oaep_max_message(&k->pub) == 0)
		return RC_ERR_KEY;
	mpz_init(x);
	if (pkcs1_os2ip_mod(x, c, len, &k->pub) != RC_OK) {
		rc = RC_ERR_FORMAT;
		goto out;
	}
	if ((em = malloc(n)) == NULL) {
		rc = RC_ERR_NOMEM;
		goto out;
	}
	rsa_private_op(x, x, k);
	if ((rc = pkcs1_i2osp(x, em, n)) != RC_OK)
		goto out;
	seed = em + 1;
	db = seed + PKCS1_HASH_BYTES;
	db_len = n - PKCS1_HASH_BYTES - 1;
	pkcs1_mgf1_xor(seed, PKCS1_HASH_BYTES, db, db_len);
	pkcs1_mgf1_xor(db, db_len, seed, PKCS1_HASH_BYTES);
	oaep_label_hash(lhash);
	/* Y == 0, lHash' == lHash, then PS zeros up to the first 0x01: every
	 * check runs to the end and only the sum of them decides. */
	bad = (unsigned)(em[0] != 0) | (unsigned)(sodium_memcmp(db, lhash, PKCS1_HASH_BYTES) != 0);
	for (i = PKCS1_HASH_BYTES; i < db_len; i++) {
		unsigned zero = oaep_byte_is_zero(db[i]), one = oaep_byte_is_zero((uint8_t)(db[i] ^ 1u));
		unsigned first = one & ~found & 1u;

		sep |= ((size_t)0 - (size_t)first) & i;
		bad |= ~found & ~zero & ~one & 1u;
		found |= one;
	}
	if (bad | (found ^ 1u)) {
		rc = RC_ERR_FORMAT;
		goto out;
	}
	*m_len = db_len - sep - 1;
	memcpy(m, db + sep + 1, *m_len);
	rc = RC_OK;
out:
	if (em != NULL) {
		secure_wipe(em, n);
		free(em);
	}
	mpz_clear(x);
	return rc;
}
