#include "config.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bytebuf.h"
#include "errors.h"
#include "secure.h"

#define BYTEBUF_MIN_CAP 64u

void bytebuf_init(struct bytebuf *b, size_t max)
{
	memset(b, 0, sizeof(*b));
	b->max = max;
}

void bytebuf_init_secret(struct bytebuf *b, size_t max)
{
	bytebuf_init(b, max);
	b->wipe = 1;
}

int bytebuf_reserve(struct bytebuf *b, size_t extra)
{
	size_t need, cap;
	uint8_t *p;

	/* Room for the NUL that bytebuf_take adds is always kept. */
	if (extra > b->max || b->len > b->max - extra)
		return RC_ERR_TOO_LARGE;
	need = b->len + extra + 1;
	if (need <= b->cap)
		return RC_OK;
	cap = b->cap ? b->cap : BYTEBUF_MIN_CAP;
	while (cap < need)
		cap = cap > SIZE_MAX / 4 ? need : cap * 2;
	if (b->wipe) {
		/* realloc could leave a copy of a secret behind: move it by hand. */
		p = malloc(cap);
		if (p == NULL)
			return RC_ERR_NOMEM;
		if (b->len)
			memcpy(p, b->data, b->len);
		if (b->data) {
			secure_wipe(b->data, b->cap);
			free(b->data);
		}
	} else {
		p = realloc(b->data, cap);
		if (p == NULL)
			return RC_ERR_NOMEM;
	}
	b->data = p;
	b->cap = cap;
	return RC_OK;
}

int bytebuf_append(struct bytebuf *b, const void *p, size_t n)
{
	int r;

	if (n == 0)
		return RC_OK;
	if ((r = bytebuf_reserve(b, n)) != RC_OK)
		return r;
	memcpy(b->data + b->len, p, n);
	b->len += n;
	return RC_OK;
}

int bytebuf_append_str(struct bytebuf *b, const char *s)
{
	return bytebuf_append(b, s, strlen(s));
}

int bytebuf_put_u8(struct bytebuf *b, uint8_t v)
{
	return bytebuf_append(b, &v, 1);
}

int bytebuf_put_u32le(struct bytebuf *b, uint32_t v)
{
	uint8_t p[4];

	p[0] = (uint8_t)(v & 0xff);
	p[1] = (uint8_t)((v >> 8) & 0xff);
	p[2] = (uint8_t)((v >> 16) & 0xff);
	p[3] = (uint8_t)((v >> 24) & 0xff);
	return bytebuf_append(b, p, sizeof(p));
}

void bytebuf_consume(struct bytebuf *b, size_t n)
{
	if (n >= b->len) {
		bytebuf_reset(b);
		return;
	}
	memmove(b->data, b->data + n, b->len - n);
	b->len -= n;
	if (b->wipe)
		secure_wipe(b->data + b->len, n);
}

void bytebuf_reset(struct bytebuf *b)
{
	if (b->wipe && b->data)
		secure_wipe(b->data, b->cap);
	b->len = 0;
}

int bytebuf_take(struct bytebuf *b, uint8_t **data, size_t *len)
{
	int r;

	*data = NULL;
	*len = 0;
	if (b->data == NULL && (r = bytebuf_reserve(b, 0)) != RC_OK)
		return r;
	b->data[b->len] = 0;
	*data = b->data;
	*len = b->len;
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
	return RC_OK;
}

void bytebuf_free(struct bytebuf *b)
{
	if (b->data) {
		if (b->wipe)
			secure_wipe(b->data, b->cap);
		free(b->data);
	}
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
}

uint32_t bytes_get_u32le(const uint8_t p[4])
{
	return (uint32_t)p[0] | ((uint32_t)p[1] << 8) | ((uint32_t)p[2] << 16) | ((uint32_t)p[3] << 24);
}
