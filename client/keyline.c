#include "config.h"

#include "keyline.h"

#include <stdlib.h>

#include "bigint.h"
#include "errors.h"
#include "fingerprint.h"
#include "protocol.h"

int keyline_next_field(const char *line, size_t len, size_t *pos, const char **f, size_t *flen)
{
	while (*pos < len && line[*pos] == ' ')
		(*pos)++;
	if (*pos >= len)
		return 0;
	*f = line + *pos;
	while (*pos < len && line[*pos] != ' ')
		(*pos)++;
	*flen = (size_t)(line + *pos - *f);
	return 1;
}

int keyline_parse_key(const char *line, size_t len, size_t *pos, struct rsa_public *key)
{
	const char *f;
	size_t flen;
	int r;

	/* The fingerprint only serves people reading the file. */
	if (!keyline_next_field(line, len, pos, &f, &flen) || !keyline_next_field(line, len, pos, &f, &flen))
		return RC_ERR_FORMAT;
	if ((r = bigint_from_decimal(key->e, f, flen, PROTO_MAX_KEY_DIGITS)) != RC_OK)
		return r;
	if (!keyline_next_field(line, len, pos, &f, &flen))
		return RC_ERR_FORMAT;
	return bigint_from_decimal(key->n, f, flen, PROTO_MAX_KEY_DIGITS);
}

int keyline_append_key(struct bytebuf *out, const struct rsa_public *key)
{
	char fp[FINGERPRINT_MAX];
	char *e = NULL, *n = NULL;
	int r;

	if ((r = fingerprint_public(key, fp)) != RC_OK)
		return r;
	e = bigint_to_decimal(key->e);
	n = bigint_to_decimal(key->n);
	if (e == NULL || n == NULL) {
		r = RC_ERR_NOMEM;
		goto out;
	}
	if ((r = bytebuf_append_str(out, fp)) != RC_OK || (r = bytebuf_append_str(out, " ")) != RC_OK ||
	    (r = bytebuf_append_str(out, e)) != RC_OK || (r = bytebuf_append_str(out, " ")) != RC_OK)
		goto out;
	r = bytebuf_append_str(out, n);
out:
	free(e);
	free(n);
	return r;
}
