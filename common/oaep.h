/* RSAES-OAEP, RFC 8017 section 7.1, with SHA-256, MGF1-SHA-256 and the empty
 * label: randomized encryption of one message of at most k - 66 bytes per
 * RSA block (k = the modulus length in bytes). Used by message format v2
 * (msgv2.h); protocol version 1 itself stays textbook RSA (rsa.h). */
#ifndef RC_OAEP_H
#define RC_OAEP_H

#include <stddef.h>
#include <stdint.h>

#include "rsa.h"

/* RFC 8017 7.1.1: the block overhead, 2 * hLen + 2. */
#define OAEP_OVERHEAD_BYTES 66u

/* The most message bytes one block of key k carries (k - 66), or 0 when the
 * key is too small for OAEP with SHA-256. */
size_t oaep_max_message(const struct rsa_public *k);
/* RSAES-OAEP-ENCRYPT: encrypts m[0..len) (len <= oaep_max_message(k)) with a
 * fresh random seed into out, exactly rsa_modulus_bytes(k) bytes.
 * RC_ERR_KEY when the key is too small, RC_ERR_TOO_LARGE when m is too long. */
int oaep_encrypt(const struct rsa_public *k, const uint8_t *m, size_t len, uint8_t *out);
/* RSAES-OAEP-DECRYPT: decrypts the block c[0..len) into m (room for
 * oaep_max_message bytes) and sets *m_len. Every failure (wrong length,
 * c >= n, bad padding: not for this key or altered) is the same
 * RC_ERR_FORMAT, and the padding checks do not stop at the first fault, as
 * the RFC asks, so the error says nothing more than "decryption error". */
int oaep_decrypt(const struct rsa_private *k, const uint8_t *c, size_t len, uint8_t *m, size_t *m_len);

#endif
