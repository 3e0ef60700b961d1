#include "config.h"

#include "wtext.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "bytebuf.h"
#include "errors.h"

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

/* Characters that show nothing, or nothing of their own: format characters
 * (zero width, bidi, word joiner, BOM, tags, Arabic and Egyptian format
 * marks), variation selectors, Hangul fillers, the soft hyphen, CGJ and the
 * blank Braille pattern. */
static int wtext_is_invisible(uint32_t c)
{
	static const uint32_t ranges[][2] = {
		{ 0x00AD, 0x00AD }, { 0x034F, 0x034F }, { 0x0600, 0x0605 }, { 0x061C, 0x061C }, { 0x06DD, 0x06DD },
		{ 0x070F, 0x070F }, { 0x08E2, 0x08E2 }, { 0x115F, 0x1160 }, { 0x17B4, 0x17B5 }, { 0x180B, 0x180F },
		{ 0x200B, 0x200F }, { 0x2028, 0x202E }, { 0x2060, 0x206F }, { 0x2800, 0x2800 }, { 0x3164, 0x3164 },
		{ 0xFE00, 0xFE0F }, { 0xFEFF, 0xFEFF }, { 0xFFA0, 0xFFA0 }, { 0xFFF0, 0xFFFB }, { 0x110BD, 0x110BD },
		{ 0x110CD, 0x110CD }, { 0x13430, 0x1343F }, { 0x1BCA0, 0x1BCA3 }, { 0x1D173, 0x1D17A },
		{ 0xE0000, 0xE0FFF },
	};

	for (size_t i = 0; i < sizeof(ranges) / sizeof(ranges[0]); i++)
		if (c >= ranges[i][0] && c <= ranges[i][1])
			return 1;
	return 0;
}

/* Any space: one looks like another, and at the end of a login like none. */
static int wtext_is_space(uint32_t c)
{
	return c == 0x20 || c == 0xA0 || c == 0x1680 || (c >= 0x2000 && c <= 0x200A) || c == 0x202F || c == 0x205F ||
	       c == 0x3000;
}

#define WTEXT_LOOKALIKE_MARK_CODE 0x2248u

int wtext_login_display(const char *login, char **out)
{
	const unsigned char *p = (const unsigned char *)login;
	size_t len = strlen(login), i = 0;
	struct bytebuf b;
	uint8_t *data;
	size_t data_len;
	int r = RC_OK;

	*out = NULL;
	bytebuf_init(&b, BYTEBUF_UNBOUNDED);
	while (i < len && r == RC_OK) {
		size_t used;
		uint32_t c = wtext_decode_one(p + i, len - i, &used);
		char esc[16];

		if (c == WTEXT_REPLACEMENT && used == 1)
			snprintf(esc, sizeof(esc), "\\x%02X", p[i]);
		else if (c == '\\')
			snprintf(esc, sizeof(esc), "\\\\");
		else if (c == '\n' || c == '\t' || c == '\r')
			snprintf(esc, sizeof(esc), "\\%c", c == '\n' ? 'n' : c == '\t' ? 't' : 'r');
		else if (wtext_is_control((wchar_t)c) || wtext_is_invisible(c) || wtext_is_space(c) ||
		         c == WTEXT_LOOKALIKE_MARK_CODE)
			snprintf(esc, sizeof(esc), c > 0xFFFF ? "\\U%08X" : "\\u%04X", (unsigned)c);
		else
			esc[0] = '\0';
		r = esc[0] != '\0' ? bytebuf_append_str(&b, esc) : bytebuf_append(&b, p + i, used);
		i += used;
	}
	if (r == RC_OK && (r = bytebuf_take(&b, &data, &data_len)) == RC_OK)
		*out = (char *)data;
	bytebuf_free(&b);
	return r;
}

/* The ASCII letter a character that is not ASCII passes for, or 0. */
static uint32_t wtext_skeleton_letter(uint32_t c)
{
	/* Accented Latin-1 letters (U+00C0..U+00FF), by position; '*' for none. */
	static const char latin1[] = "aaaaaaaceeeeiiii"
	                             "dnooooo*ouuuuyps"
	                             "aaaaaaaceeeeiiii"
	                             "dnooooo*ouuuuypy";
	static const struct {
		uint32_t code;
		char ascii;
	} table[] = {
		/* Cyrillic */
		{ 0x0405, 's' }, { 0x0406, 'l' }, { 0x0408, 'j' }, { 0x0410, 'a' }, { 0x0412, 'b' }, { 0x0415, 'e' },
		{ 0x041A, 'k' }, { 0x041C, 'm' }, { 0x041D, 'h' }, { 0x041E, 'o' }, { 0x0420, 'p' }, { 0x0421, 'c' },
		{ 0x0422, 't' }, { 0x0423, 'y' }, { 0x0425, 'x' }, { 0x0430, 'a' }, { 0x0435, 'e' }, { 0x043E, 'o' },
		{ 0x0440, 'p' }, { 0x0441, 'c' }, { 0x0443, 'y' }, { 0x0445, 'x' }, { 0x0455, 's' }, { 0x0456, 'i' },
		{ 0x0458, 'j' }, { 0x04AE, 'y' }, { 0x04BB, 'h' }, { 0x04CF, 'l' }, { 0x0501, 'd' }, { 0x051A, 'q' },
		{ 0x051B, 'q' }, { 0x051C, 'w' }, { 0x051D, 'w' },
		/* Greek */
		{ 0x0391, 'a' }, { 0x0392, 'b' }, { 0x0395, 'e' }, { 0x0396, 'z' }, { 0x0397, 'h' }, { 0x0399, 'l' },
		{ 0x039A, 'k' }, { 0x039C, 'm' }, { 0x039D, 'n' }, { 0x039F, 'o' }, { 0x03A1, 'p' }, { 0x03A4, 't' },
		{ 0x03A5, 'y' }, { 0x03A7, 'x' }, { 0x03B1, 'a' }, { 0x03B9, 'i' }, { 0x03BA, 'k' }, { 0x03BD, 'v' },
		{ 0x03BF, 'o' }, { 0x03C1, 'p' }, { 0x03C5, 'u' },
		/* Armenian, Latin extensions, letterlike symbols */
		{ 0x057D, 'u' }, { 0x0585, 'o' }, { 0x0131, 'i' }, { 0x01C0, 'l' }, { 0x0261, 'g' }, { 0x2113, 'l' },
	};

	if (c >= 0xC0 && c <= 0xFF)
		return latin1[c - 0xC0] != '*' ? (uint32_t)latin1[c - 0xC0] : 0;
	for (size_t i = 0; i < sizeof(table) / sizeof(table[0]); i++)
		if (table[i].code == c)
			return (uint32_t)table[i].ascii;
	return 0;
}

/* One character of a skeleton: 0 to drop it. */
static uint32_t wtext_skeleton_char(uint32_t c)
{
	uint32_t ascii;

	if (wtext_is_control((wchar_t)c) || wtext_is_invisible(c) || wtext_is_space(c) || (c >= 0x0300 && c <= 0x036F))
		return 0;
	if (c >= 0xFF01 && c <= 0xFF5E)
		c -= 0xFEE0; /* fullwidth ASCII */
	if ((ascii = wtext_skeleton_letter(c)) != 0)
		c = ascii;
	if (c == 'I' || c == '1')
		return 'l';
	if (c == '0')
		return 'o';
	if (c >= 'A' && c <= 'Z')
		return c - 'A' + 'a';
	return c;
}

int wtext_login_skeleton(const char *login, char **out)
{
	wchar_t *w = NULL;
	size_t n, k = 0;
	char *utf8 = NULL;
	size_t utf8_len;
	int r;

	*out = NULL;
	if ((r = wtext_from_utf8(login, strlen(login), &w, &n)) != RC_OK)
		return r;
	for (size_t i = 0; i < n; i++) {
		uint32_t c = wtext_skeleton_char((uint32_t)w[i]);
		if (c == 0)
			continue;
		/* Letter pairs that pass for one letter. */
		if (k > 0 && ((w[k - 1] == L'r' && c == 'n') || (w[k - 1] == L'v' && c == 'v'))) {
			w[k - 1] = w[k - 1] == L'r' ? L'm' : L'w';
			continue;
		}
		w[k++] = (wchar_t)c;
	}
	if ((r = wtext_to_utf8(w, k, &utf8, &utf8_len)) == RC_OK)
		*out = utf8;
	free(w);
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
