#include "config.h"

#include "seen_state.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "bytebuf.h"
#include "errors.h"
#include "atomic_file.h"
#include "textfile.h"

#define SEEN_STATE_MAX_FIELD_BYTES 4096u

void seen_state_init(struct seen_state *st)
{
	memset(st, 0, sizeof(*st));
}

void seen_state_free(struct seen_state *st)
{
	for (size_t i = 0; i < st->count; i++) {
		free(st->v[i].key);
		free(st->v[i].created_at);
	}
	free(st->v);
	seen_state_init(st);
}

static int seen_state_field_needs_escape(unsigned char c)
{
	return c <= 0x20 || c == '%' || c == 0x7f;
}

static int seen_state_append_escaped(struct bytebuf *b, const char *s)
{
	static const char hex[] = "0123456789ABCDEF";
	int r = RC_OK;

	for (const unsigned char *p = (const unsigned char *)s; *p != '\0' && r == RC_OK; p++) {
		if (seen_state_field_needs_escape(*p)) {
			char esc[3] = { '%', hex[*p >> 4], hex[*p & 15] };
			r = bytebuf_append(b, esc, 3);
		} else {
			r = bytebuf_put_u8(b, *p);
		}
	}
	return r;
}

/* The three escaped fields, space-separated, as a malloc'd string. */
static int seen_state_make_key(const char *server, const char *me, const char *contact, char **key)
{
	struct bytebuf b;
	uint8_t *data;
	size_t len;
	int r;

	*key = NULL;
	bytebuf_init(&b, 3 * 3 * SEEN_STATE_MAX_FIELD_BYTES);
	if ((r = seen_state_append_escaped(&b, server)) != RC_OK || (r = bytebuf_put_u8(&b, ' ')) != RC_OK ||
	    (r = seen_state_append_escaped(&b, me)) != RC_OK || (r = bytebuf_put_u8(&b, ' ')) != RC_OK ||
	    (r = seen_state_append_escaped(&b, contact)) != RC_OK || (r = bytebuf_reserve(&b, 1)) != RC_OK ||
	    (r = bytebuf_take(&b, &data, &len)) != RC_OK)
		goto out;
	*key = (char *)data;
out:
	bytebuf_free(&b);
	return r;
}

static int seen_state_hex_value(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Decodes %XX escapes of s[0..len) into a new string; RC_ERR_FORMAT for a bad escape or NUL. */
static int seen_state_unescape(const char *s, size_t len, char **out)
{
	char *d = malloc(len + 1);
	size_t j = 0;

	*out = NULL;
	if (d == NULL)
		return RC_ERR_NOMEM;
	for (size_t i = 0; i < len; i++) {
		if (s[i] != '%') {
			d[j++] = s[i];
			continue;
		}
		if (i + 2 >= len || seen_state_hex_value(s[i + 1]) < 0 || seen_state_hex_value(s[i + 2]) < 0) {
			free(d);
			return RC_ERR_FORMAT;
		}
		d[j] = (char)(seen_state_hex_value(s[i + 1]) * 16 + seen_state_hex_value(s[i + 2]));
		if (d[j++] == '\0') {
			free(d);
			return RC_ERR_FORMAT;
		}
		i += 2;
	}
	d[j] = '\0';
	*out = d;
	return RC_OK;
}

static struct seen_entry *seen_state_find_entry(const struct seen_state *st, const char *key)
{
	for (size_t i = 0; i < st->count; i++)
		if (strcmp(st->v[i].key, key) == 0)
			return &st->v[i];
	return NULL;
}

/* Stores key -> created_at (escaped), taking ownership of key. */
static int seen_state_put_entry(struct seen_state *st, char *key, const char *created_at_escaped, size_t len)
{
	struct seen_entry *e = seen_state_find_entry(st, key), *v;
	char *value = strndup(created_at_escaped, len);

	if (value == NULL) {
		free(key);
		return RC_ERR_NOMEM;
	}
	if (e != NULL) {
		free(key);
		free(e->created_at);
		e->created_at = value;
		return RC_OK;
	}
	if ((v = array_grow(st->v, &st->cap, st->count, sizeof(*v), 16)) == NULL) {
		free(key);
		free(value);
		return RC_ERR_NOMEM;
	}
	st->v = v;
	st->v[st->count].key = key;
	st->v[st->count].created_at = value;
	st->count++;
	return RC_OK;
}

int seen_state_load(const char *path, struct seen_state *st)
{
	char *text = NULL;
	size_t len = 0, pos = 0, line_len;
	const char *line;
	int r;

	r = textfile_read(path, SEEN_STATE_MAX_BYTES, &text, &len);
	if (r == RC_ERR_NOTFOUND)
		return RC_OK;
	if (r != RC_OK)
		return r;
	while (textfile_next_line(text, len, &pos, &line, &line_len)) {
		const char *last = NULL;
		for (size_t i = 0; i < line_len; i++)
			if (line[i] == ' ')
				last = line + i;
		/* A line without the value is not ours to understand: skip it. */
		if (last == NULL || last == line)
			continue;
		char *key = strndup(line, (size_t)(last - line));
		if (key == NULL) {
			r = RC_ERR_NOMEM;
			goto out;
		}
		if ((r = seen_state_put_entry(st, key, last + 1, line_len - (size_t)(last + 1 - line))) != RC_OK)
			goto out;
	}
out:
	free(text);
	return r;
}

int seen_state_get(const struct seen_state *st, const char *server, const char *me, const char *contact,
                   char **created_at)
{
	char *key;
	const struct seen_entry *e;
	int r;

	*created_at = NULL;
	if ((r = seen_state_make_key(server, me, contact, &key)) != RC_OK)
		return r;
	e = seen_state_find_entry(st, key);
	free(key);
	if (e == NULL)
		return RC_OK;
	return seen_state_unescape(e->created_at, strlen(e->created_at), created_at);
}

int seen_state_set(struct seen_state *st, const char *server, const char *me, const char *contact,
                   const char *created_at)
{
	struct bytebuf value;
	char *key;
	int r;

	bytebuf_init(&value, 3 * SEEN_STATE_MAX_FIELD_BYTES);
	if ((r = seen_state_make_key(server, me, contact, &key)) != RC_OK)
		goto out;
	if ((r = seen_state_append_escaped(&value, created_at)) != RC_OK) {
		free(key);
		goto out;
	}
	r = seen_state_put_entry(st, key, value.len ? (const char *)value.data : "", value.len);
out:
	bytebuf_free(&value);
	return r;
}

static int seen_state_save(const char *path, const struct seen_state *st)
{
	struct bytebuf out;
	char err[256];
	int r = RC_OK;

	bytebuf_init(&out, 2 * SEEN_STATE_MAX_BYTES);
	for (size_t i = 0; i < st->count && r == RC_OK; i++) {
		if ((r = bytebuf_append_str(&out, st->v[i].key)) != RC_OK || (r = bytebuf_put_u8(&out, ' ')) != RC_OK ||
		    (r = bytebuf_append_str(&out, st->v[i].created_at)) != RC_OK)
			break;
		r = bytebuf_put_u8(&out, '\n');
	}
	if (r == RC_OK)
		r = atomic_file_write(path, out.data, out.len, 0600, 1, err, sizeof(err));
	bytebuf_free(&out);
	return r;
}

int seen_state_update(const char *path, const char *server, const char *me, const char *contact,
                      const char *created_at)
{
	struct seen_state st;
	int r;

	seen_state_init(&st);
	if ((r = seen_state_load(path, &st)) == RC_OK && (r = seen_state_set(&st, server, me, contact, created_at)) == RC_OK)
		r = seen_state_save(path, &st);
	seen_state_free(&st);
	return r;
}
