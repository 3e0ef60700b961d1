/* Client addresses with open connections: how many each has (the limit per
 * address) and the worker pool lane its requests wait in. Loop thread only. */
#ifndef RC_SERVER_ADDRESS_H
#define RC_SERVER_ADDRESS_H

#include <netinet/in.h>

#include "worker_pool.h"

#define ADDRESS_BUCKETS 1024u
#define ADDRESS_HOST_MAX INET6_ADDRSTRLEN

struct address {
	struct address *next;            /* in its bucket */
	char host[ADDRESS_HOST_MAX];     /* numeric, without the port */
	unsigned connections;            /* not yet freed (closing ones with work included) */
	struct worker_lane lane;
};

struct address_table {
	struct address *buckets[ADDRESS_BUCKETS];
};

/* One more connection from host: RC_OK and its entry in *out, or
 * RC_ERR_TOO_LARGE when host already has `limit`. */
int address_acquire(struct address_table *t, const char *host, unsigned limit, struct address **out);
/* One connection fewer; the entry goes with the last one. */
void address_release(struct address_table *t, struct address *a);

#endif
