/* Integers on the wire (protocol section 2): minimal big-endian byte strings,
 * the empty string for 0. Also strict decimal conversion for JSON and files. */
#ifndef RC_BIGINT_H
#define RC_BIGINT_H

#include <gmp.h>
#include <stddef.h>
#include <stdint.h>

#include "bytebuf.h"

/* Reads p[0..n) as a big-endian unsigned integer (leading zeros allowed). */
void bigint_from_bytes(mpz_t out, const uint8_t *p, size_t n);
/* Number of bytes of v's minimal encoding (0 for 0). v must be >= 0. */
size_t bigint_byte_len(const mpz_t v);
/* Appends v's minimal big-endian encoding to out. */
int bigint_append(struct bytebuf *out, const mpz_t v);
/* Writes v's minimal encoding to a new buffer *p (caller frees; for 0, *n == 0
 * and *p is a valid 1-byte allocation). */
int bigint_to_bytes(const mpz_t v, uint8_t **p, size_t *n);
/* Parses a non-negative decimal integer: digits only, no sign or spaces, at
 * most max_digits digits (RC_ERR_TOO_LARGE beyond, RC_ERR_FORMAT otherwise). */
int bigint_from_decimal(mpz_t out, const char *s, size_t len, size_t max_digits);
/* v in decimal, malloc'd (caller frees). */
char *bigint_to_decimal(const mpz_t v);

#endif
