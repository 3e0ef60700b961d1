#include "config.h"

#include "decrypt_cache.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "content.h"
#include "errors.h"
#include "protocol.h"
#include "secure.h"
#include "wire.h"

void decrypt_cache_init(struct decrypt_cache *c)
{
	memset(c, 0, sizeof(*c));
}

static void decrypt_cache_wipe_text(char *text)
{
	if (text != NULL) {
		secure_wipe(text, strlen(text));
		free(text);
	}
}

void decrypt_cache_free(struct decrypt_cache *c)
{
	for (size_t i = 0; i < c->cap; i++)
		if (c->slots[i].used)
			decrypt_cache_wipe_text(c->slots[i].text);
	free(c->slots);
	decrypt_cache_init(c);
}

void decrypt_cache_digest(const char *content, size_t len, unsigned char digest[CHAT_DIGEST_BYTES])
{
	crypto_generichash(digest, CHAT_DIGEST_BYTES, (const unsigned char *)content, len, NULL, 0);
}

static size_t decrypt_cache_slot_of(const struct decrypt_cache *c, const unsigned char digest[CHAT_DIGEST_BYTES])
{
	size_t h;

	/* The digest is already uniformly random. */
	memcpy(&h, digest, sizeof(h));
	h &= c->cap - 1;
	while (c->slots[h].used && memcmp(c->slots[h].digest, digest, CHAT_DIGEST_BYTES) != 0)
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
		c->slots[decrypt_cache_slot_of(c, old.slots[i].digest)] = old.slots[i];
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

/* Decrypts one content string, refusing bombs before any private-key operation. */
static int decrypt_cache_decode(const struct rsa_private *k, const char *content, size_t len, char **plain,
                                enum chat_unreadable *why)
{
	struct blocklist blocks;
	size_t plain_len;
	int r;

	*plain = NULL;
	*why = CHAT_UNREADABLE_KEY;
	r = content_parse_blocks(content, len, decrypt_cache_max_blocks(&k->pub), &blocks);
	if (r == RC_OK && !wire_blocks_plausible(&k->pub, &blocks))
		r = RC_ERR_TOO_LARGE;
	if (r == RC_ERR_TOO_LARGE)
		*why = CHAT_UNREADABLE_TOO_MANY_BLOCKS;
	if (r == RC_OK && (r = wire_open(k, &blocks, PROTO_CLIENT_MAX_RESPONSE_BYTES, plain, &plain_len)) == RC_OK)
		*why = CHAT_READABLE;
	blocklist_free(&blocks);
	return r;
}

int decrypt_cache_text(struct decrypt_cache *c, const struct rsa_private *k, const char *content, size_t len,
                       const unsigned char digest[CHAT_DIGEST_BYTES], const char **text,
                       enum chat_unreadable *unreadable)
{
	struct decrypt_cache_entry *e;
	char *plain = NULL;
	enum chat_unreadable why;
	int r;

	*text = NULL;
	*unreadable = CHAT_UNREADABLE_KEY;
	if (c->cap != 0) {
		e = &c->slots[decrypt_cache_slot_of(c, digest)];
		if (e->used) {
			*text = e->text;
			*unreadable = e->unreadable;
			return RC_OK;
		}
	}
	if ((r = decrypt_cache_make_room(c)) != RC_OK)
		return r;
	r = decrypt_cache_decode(k, content, len, &plain, &why);
	if (r == RC_ERR_NOMEM)
		return r;
	/* Any other failure is the content's: remembered, never tried again. */
	e = &c->slots[decrypt_cache_slot_of(c, digest)];
	e->used = 1;
	memcpy(e->digest, digest, CHAT_DIGEST_BYTES);
	e->text = plain;
	e->unreadable = why;
	c->count++;
	*text = e->text;
	*unreadable = why;
	return RC_OK;
}

const char *decrypt_cache_placeholder(enum chat_unreadable why)
{
	switch (why) {
	case CHAT_UNREADABLE_TOO_MANY_BLOCKS:
		return "[unreadable: too many blocks]";
	case CHAT_READABLE:
	case CHAT_UNREADABLE_KEY:
		break;
	}
	return "[cannot decrypt: not for this key or corrupted]";
}
