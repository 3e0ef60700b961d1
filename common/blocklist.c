#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "blocklist.h"
#include "errors.h"
#include "secure.h"

void blocklist_init(struct blocklist *l)
{
	memset(l, 0, sizeof(*l));
}

int blocklist_push_owned(struct blocklist *l, uint8_t *p, size_t n)
{
	struct block *v = array_grow(l->v, &l->cap, l->count, sizeof(*v), 4);

	if (v == NULL) {
		if (p) {
			secure_wipe(p, n);
			free(p);
		}
		return RC_ERR_NOMEM;
	}
	l->v = v;
	l->v[l->count].data = p;
	l->v[l->count].len = n;
	l->count++;
	return RC_OK;
}

int blocklist_push(struct blocklist *l, const uint8_t *p, size_t n)
{
	uint8_t *copy = NULL;

	if (n > 0) {
		if ((copy = malloc(n)) == NULL)
			return RC_ERR_NOMEM;
		memcpy(copy, p, n);
	}
	return blocklist_push_owned(l, copy, n);
}

size_t blocklist_total(const struct blocklist *l)
{
	size_t i, total = 0;

	for (i = 0; i < l->count; i++)
		total += l->v[i].len;
	return total;
}

void blocklist_truncate(struct blocklist *l, size_t keep)
{
	while (l->count > keep) {
		struct block *b = &l->v[--l->count];

		if (b->data) {
			secure_wipe(b->data, b->len);
			free(b->data);
		}
	}
}

void blocklist_free(struct blocklist *l)
{
	blocklist_truncate(l, 0);
	free(l->v);
	blocklist_init(l);
}
