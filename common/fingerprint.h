/* Key fingerprints a person can compare: SHA-256 over the key's handshake
 * encoding (bytes frame of e, then bytes frame of n), shown like ssh as
 * "SHA256:" + unpadded base64 (43 characters). */
#ifndef RC_FINGERPRINT_H
#define RC_FINGERPRINT_H

#include <stddef.h>

#include "rsa.h"

#define FINGERPRINT_MAX 64
/* Length of the short form: "SHA256:" + the first 16 base64 characters. */
#define FINGERPRINT_SHORT_CHARS 16

/* Fills out (FINGERPRINT_MAX bytes) with the full fingerprint. */
int fingerprint_public(const struct rsa_public *k, char out[FINGERPRINT_MAX]);
/* The full fingerprint of a key written in decimal (stored keys, key
 * lists): RC_ERR_FORMAT when e or n is not PROTO_MAX_KEY_DIGITS digits at most. */
int fingerprint_decimal(const char *e_dec, size_t e_len, const char *n_dec, size_t n_len, char out[FINGERPRINT_MAX]);
/* Fills out with the short form, for status bars. */
int fingerprint_public_short(const struct rsa_public *k, char out[FINGERPRINT_MAX]);

#endif
