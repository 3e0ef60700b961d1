/* Growing the arrays that hold a count of items in a capacity: one place
 * for the doubling and its overflow check. */
#ifndef RC_ARRAY_H
#define RC_ARRAY_H

#include <stddef.h>

/* Room for one more item in v, an array of *cap items of item_size bytes
 * holding count: v itself while there is room, otherwise v reallocated to
 * twice *cap (first_cap while empty) and *cap updated. NULL when memory runs
 * out or the size would overflow; v and *cap are then unchanged. */
void *array_grow(void *v, size_t *cap, size_t count, size_t item_size, size_t first_cap);

#endif
