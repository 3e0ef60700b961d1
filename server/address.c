/* A chained hash table: a handful of addresses is the common case, and
 * thousands (one per client) stay cheap. */
#include "config.h"

#include "address.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "errors.h"

/* FNV-1a. */
static unsigned address_bucket(const char *host)
{
	uint32_t h = 2166136261u;

	for (const unsigned char *p = (const unsigned char *)host; *p; p++)
		h = (h ^ *p) * 16777619u;
	return h % ADDRESS_BUCKETS;
}

int address_acquire(struct address_table *t, const char *host, unsigned limit, struct address **out)
{
	struct address **head = &t->buckets[address_bucket(host)], *a;

	*out = NULL;
	for (a = *head; a; a = a->next)
		if (strcmp(a->host, host) == 0)
			break;
	if (a && a->connections >= limit)
		return RC_ERR_TOO_LARGE;
	if (!a) {
		if (!(a = calloc(1, sizeof *a)))
			return RC_ERR_NOMEM;
		snprintf(a->host, sizeof a->host, "%s", host);
		a->next = *head;
		*head = a;
	}
	a->connections++;
	*out = a;
	return RC_OK;
}

void address_release(struct address_table *t, struct address *a)
{
	struct address **link = &t->buckets[address_bucket(a->host)];

	if (--a->connections > 0)
		return;
	while (*link != a)
		link = &(*link)->next;
	*link = a->next;
	free(a);
}
