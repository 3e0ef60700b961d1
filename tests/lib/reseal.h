/* Tests only: what a party that can read a v2 message could do with it,
 * pass it on to someone else. Each OAEP block of content is decrypted with
 * `reader` and encrypted again for `to` (a key of the same size, so the
 * blocks keep their chunking); the signed payload stays as it was. */
#ifndef RC_TESTS_RESEAL_H
#define RC_TESTS_RESEAL_H

#include "rsa.h"

/* *out (malloc'd) gets the content for `to`. RC_ERR_KEY when the keys'
 * sizes differ, RC_ERR_FORMAT for content that is not v2 for reader. */
int reseal_v2(const struct rsa_private *reader, const char *content, const struct rsa_public *to, char **out);

#endif
