/* Opened messages (envelope_open's verdicts and texts) by content digest
 * and what the verdict depends on: the sender as listed, both parties and
 * the contact's pinned key. Every RSA block costs a private-key operation,
 * and get_messages answers repeat the whole history, so each content is
 * opened once per (sender, parties, key) and looked up afterwards. */
#ifndef RC_CLIENT_DECRYPT_CACHE_H
#define RC_CLIENT_DECRYPT_CACHE_H

#include <stddef.h>

#include "chat_model.h"
#include "envelope.h"
#include "rsa.h"

/* Past this many entries the cache starts over (bounded memory). */
#define DECRYPT_CACHE_MAX_ENTRIES 65536u
/* Every block of a message costs a private-key operation, and any user can
 * send us any content: so the blocks of one message are capped (enough for
 * API_MAX_TEXT_BYTES in the original's chunks, the smallest any client uses,
 * plus one), and content with more blocks than its bytes can hold
 * (wire_blocks_plausible) is refused unread. Then one message costs at most
 * about 130 private-key operations with a 1024-bit key. */
#define DECRYPT_MAX_BLOCKS_SLACK 1u

struct decrypt_cache_entry {
	unsigned char key[CHAT_DIGEST_BYTES]; /* of the content's digest, the sender and the parties */
	struct envelope_opened opened;
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
/* The most blocks one message may have for a reader with key k. */
size_t decrypt_cache_max_blocks(const struct rsa_public *k);
/* The verdict on content (NUL-terminated at len, named by digest) listed
 * with sender in conv's conversation, from the cache or opened now
 * (envelope_open). *opened is borrowed from the cache, valid until the next
 * call. RC_ERR_NOMEM. */
int decrypt_cache_open(struct decrypt_cache *c, const struct envelope_conv *conv, const char *sender,
                       const char *content, size_t len, const unsigned char digest[CHAT_DIGEST_BYTES],
                       const struct envelope_opened **opened);
/* What is shown instead of a text that cannot be read or is flagged, e.g.
 * "[unreadable: too many blocks]", "[forged: ...]" (static storage). */
const char *decrypt_cache_placeholder(enum chat_unreadable why);

#endif
