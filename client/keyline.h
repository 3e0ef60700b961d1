/* The lines of the client's key pinning files (known_servers, contacts):
 * space-separated fields, a key written as "fingerprint e n" (decimal e and
 * n; the fingerprint is there for people reading the file, comparisons use
 * e and n). */
#ifndef RC_CLIENT_KEYLINE_H
#define RC_CLIENT_KEYLINE_H

#include <stddef.h>

#include "bytebuf.h"
#include "rsa.h"

/* The next space-separated field of line[*pos..len): *f points into line;
 * returns 0 when no field is left. */
int keyline_next_field(const char *line, size_t len, size_t *pos, const char **f, size_t *flen);
/* Reads "fingerprint e n" from line[*pos..len) into key (initialised);
 * RC_ERR_FORMAT when a field is missing, errors of bigint_from_decimal. */
int keyline_parse_key(const char *line, size_t len, size_t *pos, struct rsa_public *key);
/* Appends "fingerprint e n" for key to out. */
int keyline_append_key(struct bytebuf *out, const struct rsa_public *key);

#endif
