#include "config.h"

#include "decrypt_cache.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "errors.h"

void decrypt_cache_init(struct decrypt_cache *c)
{
	memset(c, 0, sizeof(*c));
}

void decrypt_cache_free(struct decrypt_cache *c)
{
	for (size_t i = 0; i < c->cap; i++)
		if (c->slots[i].used)
			envelope_opened_free(&c->slots[i].opened);
	free(c->slots);
	decrypt_cache_init(c);
}

void decrypt_cache_digest(const char *content, size_t len, unsigned char digest[CHAT_DIGEST_BYTES])
{
	crypto_generichash(digest, CHAT_DIGEST_BYTES, (const unsigned char *)content, len, NULL, 0);
}

static size_t decrypt_cache_slot_of(const struct decrypt_cache *c, const unsigned char key[CHAT_DIGEST_BYTES])
{
	size_t h;

	/* The key is a hash: already uniformly random. */
	memcpy(&h, key, sizeof(h));
	h &= c->cap - 1;
	while (c->slots[h].used && memcmp(c->slots[h].key, key, CHAT_DIGEST_BYTES) != 0)
		h = (h + 1) & (c->cap - 1);
	return h;
}

/* Keeps the table at most half full; starts over when it would grow past the maximum. */
static int decrypt_cache_make_room(struct decrypt_cache *c)
{
	struct decrypt_cache old = *c;
	size_t cap;

	if (c->cap != 0 && 2 * (c->count + 1) <= c->cap)
		return RC_OK;
	if (c->count + 1 > DECRYPT_CACHE_MAX_ENTRIES) {
		decrypt_cache_free(c);
		old = *c;
	}
	cap = old.cap ? 2 * old.cap : 64;
	c->slots = calloc(cap, sizeof(*c->slots));
	if (c->slots == NULL) {
		*c = old;
		return RC_ERR_NOMEM;
	}
	c->cap = cap;
	c->count = 0;
	for (size_t i = 0; i < old.cap; i++) {
		if (!old.slots[i].used)
			continue;
		c->slots[decrypt_cache_slot_of(c, old.slots[i].key)] = old.slots[i];
		c->count++;
	}
	free(old.slots);
	return RC_OK;
}

size_t decrypt_cache_max_blocks(const struct rsa_public *k)
{
	size_t chunk = rsa_chunk_original(k);

	return (API_MAX_TEXT_BYTES + chunk - 1) / chunk + DECRYPT_MAX_BLOCKS_SLACK;
}

/* Names everything the verdict depends on; each string with its NUL, so no
 * two lists share a hash input. */
static void decrypt_cache_key(const struct envelope_conv *conv, const char *sender,
                              const unsigned char digest[CHAT_DIGEST_BYTES], unsigned char key[CHAT_DIGEST_BYTES])
{
	const char *parts[] = { sender, conv->me != NULL ? conv->me : "", conv->contact, conv->contact_fp };
	crypto_generichash_state st;

	crypto_generichash_init(&st, NULL, 0, CHAT_DIGEST_BYTES);
	crypto_generichash_update(&st, digest, CHAT_DIGEST_BYTES);
	for (size_t i = 0; i < sizeof(parts) / sizeof(parts[0]); i++)
		crypto_generichash_update(&st, (const unsigned char *)parts[i], strlen(parts[i]) + 1);
	crypto_generichash_final(&st, key, CHAT_DIGEST_BYTES);
}

int decrypt_cache_open(struct decrypt_cache *c, const struct envelope_conv *conv, const char *sender,
                       const char *content, size_t len, const unsigned char digest[CHAT_DIGEST_BYTES],
                       const struct envelope_opened **opened)
{
	struct decrypt_cache_entry *e;
	struct envelope_opened fresh;
	unsigned char key[CHAT_DIGEST_BYTES];
	int r;

	*opened = NULL;
	decrypt_cache_key(conv, sender, digest, key);
	if (c->cap != 0) {
		e = &c->slots[decrypt_cache_slot_of(c, key)];
		if (e->used) {
			*opened = &e->opened;
			return RC_OK;
		}
	}
	if ((r = decrypt_cache_make_room(c)) != RC_OK)
		return r;
	/* Any verdict is the content's: remembered, never tried again. */
	if ((r = envelope_open(conv, sender, content, len, &fresh)) != RC_OK)
		return r;
	e = &c->slots[decrypt_cache_slot_of(c, key)];
	e->used = 1;
	memcpy(e->key, key, CHAT_DIGEST_BYTES);
	e->opened = fresh;
	c->count++;
	*opened = &e->opened;
	return RC_OK;
}

const char *decrypt_cache_placeholder(enum chat_unreadable why)
{
	switch (why) {
	case CHAT_UNREADABLE_TOO_MANY_BLOCKS:
		return "[unreadable: too many blocks]";
	case CHAT_UNREADABLE_VERSION:
		return "[unreadable: a newer message format]";
	case CHAT_UNCHECKED:
		return "[signed message: cannot check it without the contact's key]";
	case CHAT_FORGED:
		return "[forged: not signed by the sender's pinned key; text not shown]";
	case CHAT_WRONG_RECIPIENT:
		return "[rejected: signed for another recipient and passed on to you; text not shown]";
	case CHAT_SUSPECT_V1:
		return "[suspect: unsigned v1 message after signed v2 ones; the server may have written it; text not shown]";
	case CHAT_FOREIGN_SENDER:
		return "[not of this conversation: its sender is neither party; text not shown]";
	case CHAT_READABLE:
	case CHAT_UNREADABLE_KEY:
		break;
	}
	return "[cannot decrypt: not for this key or corrupted]";
}
