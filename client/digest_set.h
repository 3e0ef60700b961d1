/* A set of message digests (sorted, binary search): which messages were
 * already shown, for `tail`. */
#ifndef RC_CLIENT_DIGEST_SET_H
#define RC_CLIENT_DIGEST_SET_H

#include <stddef.h>

#include "chat_model.h"

struct digest_set {
	unsigned char (*v)[CHAT_DIGEST_BYTES];
	size_t count;
	size_t cap;
};

void digest_set_init(struct digest_set *s);
void digest_set_free(struct digest_set *s);
int digest_set_has(const struct digest_set *s, const unsigned char d[CHAT_DIGEST_BYTES]);
/* Adds d; *added tells whether it was new. */
int digest_set_add(struct digest_set *s, const unsigned char d[CHAT_DIGEST_BYTES], int *added);

#endif
