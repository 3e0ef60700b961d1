/* Closed registration (--allowed-keys FILE): the keys that may register,
 * read once at start-up. A line of the file is a key's fingerprint as
 * rsa-chat and generate-keys print it ("SHA256:" and 43 base64
 * characters), or its public exponent and modulus in decimal ("E N");
 * blank lines and lines starting with '#' are skipped. */
#ifndef RC_SERVER_ALLOWED_KEYS_H
#define RC_SERVER_ALLOWED_KEYS_H

#include <stddef.h>

struct allowed_keys;

/* Reads path into *out (free with allowed_keys_free); err names the file
 * and line of the first problem. */
int allowed_keys_load(const char *path, struct allowed_keys **out, char *err, size_t errlen);
void allowed_keys_free(struct allowed_keys *keys);
/* Keys in the list. */
size_t allowed_keys_count(const struct allowed_keys *keys);
/* *allowed is 1 when the key (decimal e and n) is in the list. */
int allowed_keys_contains(const struct allowed_keys *keys, const char *e_dec, const char *n_dec, int *allowed);

#endif
