#include "config.h"

#include "array.h"

#include <stdint.h>
#include <stdlib.h>

void *array_grow(void *v, size_t *cap, size_t count, size_t item_size, size_t first_cap)
{
	size_t want;
	void *grown;

	if (count < *cap)
		return v;
	if (*cap == 0)
		want = first_cap;
	else if (*cap > SIZE_MAX / 2)
		return NULL;
	else
		want = 2 * *cap;
	if (want > SIZE_MAX / item_size || (grown = realloc(v, want * item_size)) == NULL)
		return NULL;
	*cap = want;
	return grown;
}
