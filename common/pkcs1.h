/* What RSAES-OAEP (oaep.h) and RSASSA-PSS (pss.h) share, as RFC 8017 defines
 * it: the hash (SHA-256 for both), the mask generation function MGF1 with
 * SHA-256 (RFC 8017 appendix B.2.1), and fixed-length octet strings of
 * integers (I2OSP / OS2IP, section 4). */
#ifndef RC_PKCS1_H
#define RC_PKCS1_H

#include <gmp.h>
#include <stddef.h>
#include <stdint.h>

#include "rsa.h"

/* hLen: SHA-256's output length. */
#define PKCS1_HASH_BYTES 32u

/* XORs MGF1-SHA-256(seed, len) into buf[0..len): both schemes only ever use
 * the mask to XOR it in, so the mask itself is never materialised. */
void pkcs1_mgf1_xor(uint8_t *buf, size_t len, const uint8_t *seed, size_t seed_len);
/* I2OSP: writes x as exactly len big-endian bytes (leading zeros included).
 * RC_ERR_RANGE when x needs more than len bytes. */
int pkcs1_i2osp(const mpz_t x, uint8_t *out, size_t len);
/* OS2IP of an octet string that must be an RSA representative of k:
 * RC_ERR_RANGE unless it is exactly rsa_modulus_bytes(k) bytes long and,
 * read as a big-endian integer, less than n (RFC 8017 RSADP / RSAVP1 step 1). */
int pkcs1_os2ip_mod(mpz_t out, const uint8_t *p, size_t len, const struct rsa_public *k);

#endif
