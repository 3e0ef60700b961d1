#include "config.h"

#include "digest_set.h"

#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "errors.h"

void digest_set_init(struct digest_set *s)
{
	memset(s, 0, sizeof(*s));
}

void digest_set_free(struct digest_set *s)
{
	free(s->v);
	digest_set_init(s);
}

/* Index of d, or where it would go. */
static size_t digest_set_lower_bound(const struct digest_set *s, const unsigned char d[CHAT_DIGEST_BYTES])
{
	size_t lo = 0, hi = s->count;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (memcmp(s->v[mid], d, CHAT_DIGEST_BYTES) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

int digest_set_has(const struct digest_set *s, const unsigned char d[CHAT_DIGEST_BYTES])
{
	size_t at = digest_set_lower_bound(s, d);

	return at < s->count && memcmp(s->v[at], d, CHAT_DIGEST_BYTES) == 0;
}

int digest_set_add(struct digest_set *s, const unsigned char d[CHAT_DIGEST_BYTES], int *added)
{
	size_t at = digest_set_lower_bound(s, d);
	void *v;

	*added = 0;
	if (at < s->count && memcmp(s->v[at], d, CHAT_DIGEST_BYTES) == 0)
		return RC_OK;
	if ((v = array_grow(s->v, &s->cap, s->count, sizeof(*s->v), 64)) == NULL)
		return RC_ERR_NOMEM;
	s->v = v;
	memmove(s->v + at + 1, s->v + at, (s->count - at) * sizeof(*s->v));
	memcpy(s->v[at], d, CHAT_DIGEST_BYTES);
	s->count++;
	*added = 1;
	return RC_OK;
}
