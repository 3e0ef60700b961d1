#include "config.h"

#include "decrypt_cache.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "content.h"
#include "errors.h"
#include "secure.h"

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

int decrypt_cache_text(struct decrypt_cache *c, const struct rsa_private *k, const char *content, size_t len,
                       const unsigned char digest[CHAT_DIGEST_BYTES], const char **text)
{
	struct decrypt_cache_entry *e;
	char *plain = NULL;
	size_t plain_len;
	int r;

	*text = NULL;
	if (c->cap != 0) {
		e = &c->slots[decrypt_cache_slot_of(c, digest)];
		if (e->used) {
			*text = e->text;
			return RC_OK;
		}
	}
	if ((r = decrypt_cache_make_room(c)) != RC_OK)
		return r;
	r = content_decode(k, content, len, &plain, &plain_len);
	if (r == RC_ERR_NOMEM)
		return r;
	/* Any other failure means: not for this key, or corrupted. */
	e = &c->slots[decrypt_cache_slot_of(c, digest)];
	e->used = 1;
	memcpy(e->digest, digest, CHAT_DIGEST_BYTES);
	e->text = r == RC_OK ? plain : NULL;
	c->count++;
	*text = e->text;
	return RC_OK;
}
