#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "bigint.h"
#include "errors.h"
#include "secure.h"

void bigint_from_bytes(mpz_t out, const uint8_t *p, size_t n)
{
	if (n == 0) {
		mpz_set_ui(out, 0);
		return;
	}
	mpz_import(out, n, 1, 1, 1, 0, p);
}

size_t bigint_byte_len(const mpz_t v)
{
	if (mpz_sgn(v) == 0)
		return 0;
	return (mpz_sizeinbase(v, 2) + 7) / 8;
}

int bigint_append(struct bytebuf *out, const mpz_t v)
{
	size_t n = bigint_byte_len(v), written = 0;
	int rc;

	if (n == 0)
		return RC_OK;
	if ((rc = bytebuf_reserve(out, n)) != RC_OK)
		return rc;
	mpz_export(out->data + out->len, &written, 1, 1, 1, 0, v);
	out->len += written;
	return RC_OK;
}

int bigint_to_bytes(const mpz_t v, uint8_t **p, size_t *n)
{
	size_t len = bigint_byte_len(v), written = 0;
	uint8_t *buf;

	*p = NULL;
	*n = 0;
	if ((buf = malloc(len ? len : 1)) == NULL)
		return RC_ERR_NOMEM;
	if (len)
		mpz_export(buf, &written, 1, 1, 1, 0, v);
	*p = buf;
	*n = written;
	return RC_OK;
}

int bigint_from_decimal(mpz_t out, const char *s, size_t len, size_t max_digits)
{
	char *copy;
	size_t i;
	int rc;

	if (len == 0)
		return RC_ERR_FORMAT;
	for (i = 0; i < len; i++)
		if (s[i] < '0' || s[i] > '9')
			return RC_ERR_FORMAT;
	if (len > max_digits)
		return RC_ERR_TOO_LARGE;
	if ((copy = malloc(len + 1)) == NULL)
		return RC_ERR_NOMEM;
	memcpy(copy, s, len);
	copy[len] = 0;
	rc = mpz_set_str(out, copy, 10) == 0 ? RC_OK : RC_ERR_FORMAT;
	secure_wipe(copy, len);
	free(copy);
	return rc;
}

char *bigint_to_decimal(const mpz_t v)
{
	char *s = malloc(mpz_sizeinbase(v, 10) + 2);

	if (s)
		mpz_get_str(s, 10, v);
	return s;
}
