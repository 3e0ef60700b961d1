/* Decrypted message texts by content digest. Every RSA block costs a
 * private-key operation, and get_messages answers repeat the whole history,
 * so each content string is decrypted once and looked up afterwards. */
#ifndef RC_CLIENT_DECRYPT_CACHE_H
#define RC_CLIENT_DECRYPT_CACHE_H

#include <stddef.h>

#include "chat_model.h"
#include "rsa.h"

/* Past this many entries the cache starts over (bounded memory). */
#define DECRYPT_CACHE_MAX_ENTRIES 65536u
/* What is shown instead of a text that could not be decrypted. */
#define DECRYPT_PLACEHOLDER "[cannot decrypt: not for this key or corrupted]"

struct decrypt_cache_entry {
	unsigned char digest[CHAT_DIGEST_BYTES];
	char *text;  /* NULL: the content could not be decrypted */
	int used;
};

struct decrypt_cache {
	struct decrypt_cache_entry *slots; /* open addressing, cap is a power of two */
	size_t cap;
	size_t count;
};

void decrypt_cache_init(struct decrypt_cache *c);
/* Wipes the texts and frees everything. */
void decrypt_cache_free(struct decrypt_cache *c);
/* The digest that names a content string. */
void decrypt_cache_digest(const char *content, size_t len, unsigned char digest[CHAT_DIGEST_BYTES]);
/* The text of content decrypted with k, from the cache or decrypted now.
 * *text is borrowed from the cache (valid until the next call), NULL when the
 * content is not for this key or is corrupted. */
int decrypt_cache_text(struct decrypt_cache *c, const struct rsa_private *k, const char *content, size_t len,
                       const unsigned char digest[CHAT_DIGEST_BYTES], const char **text);

#endif
