/* A list of byte strings: the payload of a blocks frame, or RSA blocks. */
#ifndef RC_BLOCKLIST_H
#define RC_BLOCKLIST_H

#include <stddef.h>
#include <stdint.h>

struct block {
	uint8_t *data;  /* may be NULL when len == 0 */
	size_t len;
};

struct blocklist {
	struct block *v;
	size_t count;
	size_t cap;
};

void blocklist_init(struct blocklist *l);
/* Appends a copy of p[0..n). */
int blocklist_push(struct blocklist *l, const uint8_t *p, size_t n);
/* Appends p, taking ownership of it (freed by blocklist_free) even on failure. */
int blocklist_push_owned(struct blocklist *l, uint8_t *p, size_t n);
/* Sum of the blocks' lengths. */
size_t blocklist_total(const struct blocklist *l);
/* Frees (wiping) the blocks after the first `keep`; the array stays. */
void blocklist_truncate(struct blocklist *l, size_t keep);
/* Frees every block (wiping it) and the array. Safe on an initialised empty list. */
void blocklist_free(struct blocklist *l);

#endif
