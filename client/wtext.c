#include "config.h"

#include "wtext.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "bytebuf.h"
#include "errors.h"
#include "login.h"

#define WTEXT_REPLACEMENT 0xFFFD

/* One code point from p[0..n): its value and length; invalid or truncated
 * sequences, overlongs and surrogates give U+FFFD for one byte. */
static uint32_t wtext_decode_one(const unsigned char *p, size_t n, size_t *used)
{
	uint32_t c, min;
	size_t need;

	*used = 1;
	if (p[0] < 0x80)
		return p[0];
	if ((p[0] & 0xE0) == 0xC0) {
		need = 2;
		c = p[0] & 0x1F;
		min = 0x80;
	} else if ((p[0] & 0xF0) == 0xE0) {
		need = 3;
		c = p[0] & 0x0F;
		min = 0x800;
	} else if ((p[0] & 0xF8) == 0xF0) {
		need = 4;
		c = p[0] & 0x07;
		min = 0x10000;
	} else {
		return WTEXT_REPLACEMENT;
	}
	if (n < need)
		return WTEXT_REPLACEMENT;
	for (size_t i = 1; i < need; i++) {
		if ((p[i] & 0xC0) != 0x80)
			return WTEXT_REPLACEMENT;
		c = (c << 6) | (p[i] & 0x3F);
	}
	if (c < min || c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF))
		return WTEXT_REPLACEMENT;
	*used = need;
	return c;
}

unsigned long wtext_next_char(const char *s, size_t n, size_t *used)
{
	return wtext_decode_one((const unsigned char *)s, n, used);
}

int wtext_is_control(wchar_t c)
{
	return (uint32_t)c < 0x20 || ((uint32_t)c >= 0x7f && (uint32_t)c < 0xa0);
}

int wtext_is_bidi_control(wchar_t c)
{
	uint32_t u = (uint32_t)c;

	return u == 0x061C || u == 0x200E || u == 0x200F || (u >= 0x202A && u <= 0x202E) || (u >= 0x2066 && u <= 0x2069);
}

size_t wtext_next_safe(const char *s, size_t n, const char *keep, int *safe)
{
	size_t used;
	uint32_t c = wtext_decode_one((const unsigned char *)s, n, &used);

	if ((c == WTEXT_REPLACEMENT && used == 1) || wtext_is_bidi_control((wchar_t)c))
		*safe = 0;
	else if (wtext_is_control((wchar_t)c))
		*safe = c != 0 && keep != NULL && strchr(keep, (int)c) != NULL;
	else
		*safe = 1;
	return used;
}

int wtext_from_utf8(const char *s, size_t len, wchar_t **out, size_t *out_len)
{
	const unsigned char *p = (const unsigned char *)s;
	wchar_t *w;
	size_t i = 0, j = 0;

	*out = NULL;
	*out_len = 0;
	w = malloc((len + 1) * sizeof(*w));
	if (w == NULL)
		return RC_ERR_NOMEM;
	while (i < len) {
		size_t used;
		w[j++] = (wchar_t)wtext_decode_one(p + i, len - i, &used);
		i += used;
	}
	w[j] = L'\0';
	*out = w;
	*out_len = j;
	return RC_OK;
}

int wtext_to_utf8(const wchar_t *w, size_t len, char **out, size_t *out_len)
{
	unsigned char *s, *q;

	*out = NULL;
	*out_len = 0;
	if (len > (SIZE_MAX - 1) / 4)
		return RC_ERR_TOO_LARGE;
	s = malloc(4 * len + 1);
	if (s == NULL)
		return RC_ERR_NOMEM;
	q = s;
	for (size_t i = 0; i < len; i++) {
		uint32_t c = (uint32_t)w[i];
		if (c > 0x10FFFF || (c >= 0xD800 && c <= 0xDFFF)) {
			free(s);
			return RC_ERR_UTF8;
		}
		if (c < 0x80) {
			*q++ = (unsigned char)c;
		} else if (c < 0x800) {
			*q++ = (unsigned char)(0xC0 | (c >> 6));
			*q++ = (unsigned char)(0x80 | (c & 0x3F));
		} else if (c < 0x10000) {
			*q++ = (unsigned char)(0xE0 | (c >> 12));
			*q++ = (unsigned char)(0x80 | ((c >> 6) & 0x3F));
			*q++ = (unsigned char)(0x80 | (c & 0x3F));
		} else {
			*q++ = (unsigned char)(0xF0 | (c >> 18));
			*q++ = (unsigned char)(0x80 | ((c >> 12) & 0x3F));
			*q++ = (unsigned char)(0x80 | ((c >> 6) & 0x3F));
			*q++ = (unsigned char)(0x80 | (c & 0x3F));
		}
	}
	*q = '\0';
	*out = (char *)s;
	*out_len = (size_t)(q - s);
	return RC_OK;
}

int wtext_char_width(wchar_t c)
{
	int w;

	if (wtext_is_control(c))
		return 1;
	w = wcwidth(c);
	/* Unknown to the C library (an old table or the C locale): assume one
	 * column, except the emoji planes, which terminals draw two wide. */
	if (w < 0)
		return ((uint32_t)c >= 0x1F300 && (uint32_t)c <= 0x1FAFF) ? 2 : 1;
	return w;
}

size_t wtext_width(const wchar_t *w, size_t len)
{
	size_t sum = 0;

	for (size_t i = 0; i < len; i++)
		sum += (size_t)wtext_char_width(w[i]);
	return sum;
}

static int wtext_segs_push(struct wtext_segs *s, size_t start, size_t len)
{
	struct wtext_seg *v = array_grow(s->v, &s->cap, s->count, sizeof(*v), 16);

	if (v == NULL)
		return RC_ERR_NOMEM;
	s->v = v;
	s->v[s->count].start = start;
	s->v[s->count].len = len;
	s->count++;
	return RC_OK;
}

int wtext_wrap(const wchar_t *w, size_t n, int width, struct wtext_segs *out)
{
	size_t start = 0, i = 0, last_space = (size_t)-1;
	int cols = 0;

	out->count = 0;
	if (width < 1)
		width = 1;
	while (i < n) {
		int cw = wtext_char_width(w[i]);
		if (w[i] == L'\n') {
			if (wtext_segs_push(out, start, i - start) != RC_OK)
				return RC_ERR_NOMEM;
			start = ++i;
			cols = 0;
			last_space = (size_t)-1;
			continue;
		}
		if (cols + cw > width && i > start) {
			size_t end = last_space != (size_t)-1 ? last_space + 1 : i;
			if (wtext_segs_push(out, start, end - start) != RC_OK)
				return RC_ERR_NOMEM;
			start = i = end;
			cols = 0;
			last_space = (size_t)-1;
			continue;
		}
		if (w[i] == L' ')
			last_space = i;
		cols += cw;
		i++;
	}
	return wtext_segs_push(out, start, n - start);
}

/* ---- logins ---- */

int wtext_login_display(const char *login, char **out)
{
	return login_escape(login, strlen(login), out);
}

/* The skeleton of a login, or the login itself for bytes that are not UTF-8
 * (they look like nothing else). */
static int wtext_login_skeleton(const char *login, char **out)
{
	int r = login_skeleton(login, strlen(login), out);

	if (r == RC_ERR_UTF8)
		r = (*out = strdup(login)) != NULL ? RC_OK : RC_ERR_NOMEM;
	return r;
}

struct wtext_skeleton_ref {
	char *skeleton;
	const char *login;
	size_t index;
};

static int wtext_skeleton_ref_cmp(const void *a, const void *b)
{
	return strcmp(((const struct wtext_skeleton_ref *)a)->skeleton, ((const struct wtext_skeleton_ref *)b)->skeleton);
}

int wtext_mark_lookalikes(const char *const *logins, size_t n, int *lookalike)
{
	struct wtext_skeleton_ref *refs = calloc(n + 1, sizeof(*refs));
	size_t made = 0;
	int r = RC_OK;

	if (refs == NULL)
		return RC_ERR_NOMEM;
	for (; made < n; made++) {
		lookalike[made] = 0;
		refs[made].login = logins[made];
		refs[made].index = made;
		if ((r = wtext_login_skeleton(logins[made], &refs[made].skeleton)) != RC_OK)
			goto out;
	}
	qsort(refs, n, sizeof(*refs), wtext_skeleton_ref_cmp);
	/* In a run of equal skeletons, every login that differs from another is marked. */
	for (size_t i = 0, j; i < n; i = j) {
		int differ = 0;
		for (j = i + 1; j < n && strcmp(refs[j].skeleton, refs[i].skeleton) == 0; j++)
			differ |= strcmp(refs[j].login, refs[i].login) != 0;
		for (size_t k = i; differ && k < j; k++)
			lookalike[refs[k].index] = 1;
	}
out:
	for (size_t i = 0; i < made; i++)
		free(refs[i].skeleton);
	free(refs);
	return r;
}
