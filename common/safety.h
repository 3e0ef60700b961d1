/* Safety numbers: one code for a pair of public keys that both people see
 * alike and compare out of band (read aloud, side by side) to be sure that
 * nobody, the server included, swapped a key between them.
 *
 * The code is 12 groups of 5 decimal digits, e.g. "01234 56789 ...". It is
 * computed, once (no iteration: 12 groups hold about 199 bits, far beyond a
 * search for a colliding key), from the two keys' fingerprints (fingerprint.h:
 * SHA-256 over each key's handshake encoding), put in byte order so that the
 * order of the arguments does not matter:
 *   for i in 0, 1:  H_i = SHA-256("rsa-chat safety number v1" || i || F_lo || F_hi)
 * with i one byte and F_lo <= F_hi the two "SHA256:..." strings, each
 * preceded by its length as 4 bytes little-endian. Group g (0..11) is the
 * big-endian integer of bytes 5g..5g+4 of H_0 || H_1, modulo 100000. */
#ifndef RC_SAFETY_H
#define RC_SAFETY_H

#include "rsa.h"

#define SAFETY_NUMBER_GROUPS 12u
#define SAFETY_NUMBER_GROUP_DIGITS 5u
/* Shown in two rows of six groups: a row is the first this many characters
 * less its last (a space). */
#define SAFETY_NUMBER_ROW_CHARS ((SAFETY_NUMBER_GROUPS / 2u) * (SAFETY_NUMBER_GROUP_DIGITS + 1u))
/* The groups, the spaces between them and the NUL. */
#define SAFETY_NUMBER_MAX (SAFETY_NUMBER_GROUPS * (SAFETY_NUMBER_GROUP_DIGITS + 1u))

/* Fills out with the safety number of the pair (a, b), the same as for (b, a). */
int safety_number(const struct rsa_public *a, const struct rsa_public *b, char out[SAFETY_NUMBER_MAX]);

#endif
