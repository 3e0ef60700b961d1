/* RSASSA-PSS, RFC 8017 section 8.1 with EMSA-PSS (section 9.1): SHA-256,
 * MGF1-SHA-256, a 32-byte random salt, trailer 0xbc. Used by message format
 * v2 (msgv2.h) to sign messages.
 *
 * The key that signs also decrypts textbook RSA (protocol version 1), where
 * anyone may submit a block: whoever hands back the raw private operation of
 * a block chosen by someone else hands out a signature. Our programs never do
 * (the key proof answers only a 64-hex-digit challenge), and must not start. */
#ifndef RC_PSS_H
#define RC_PSS_H

#include <stddef.h>
#include <stdint.h>

#include "bytebuf.h"
#include "rsa.h"

#define PSS_SALT_BYTES 32u
/* emLen >= hLen + sLen + 2, with emLen = ceil((modBits - 1) / 8). */
#define PSS_MIN_ENCODED_BYTES (32u + PSS_SALT_BYTES + 2u)

/* RC_OK when k is large enough for PSS with these parameters, else RC_ERR_KEY. */
int pss_key_supported(const struct rsa_public *k);
/* RSASSA-PSS-SIGN over m[0..len): appends the signature, exactly
 * rsa_modulus_bytes(&k->pub) bytes, to out. The signature is checked with the
 * public key before it is returned (a fault in the CRT computation would give
 * away the key's factors): RC_ERR_KEY if that check or the key size fails. */
int pss_sign(const struct rsa_private *k, const uint8_t *m, size_t len, struct bytebuf *out);
/* RSASSA-PSS-VERIFY: RC_OK when sig[0..sig_len) is a valid signature of
 * m[0..len) by k; RC_ERR_FORMAT for any invalid signature (wrong length,
 * altered, another key or message), RC_ERR_KEY for a key too small for PSS. */
int pss_verify(const struct rsa_public *k, const uint8_t *m, size_t len, const uint8_t *sig, size_t sig_len);

#endif
