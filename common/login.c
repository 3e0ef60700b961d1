#include "config.h"

#include "login.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unicase.h>
#include <unictype.h>
#include <uninorm.h>
#include <unistr.h>

#include "bytebuf.h"
#include "errors.h"
#include "protocol.h"

/* Characters a reader cannot see or tell apart from a space: format
 * characters (zero-width space and joiner, soft hyphen, bidi overrides),
 * everything Unicode says to ignore when it cannot be shown, unassigned and
 * private-use code points, surrogates, and separators other than the
 * plain space (NBSP, ideographic space, line and paragraph separators). */
static int login_is_invisible(ucs4_t uc)
{
	return uc_is_general_category(uc, UC_CATEGORY_Cf) || uc_is_general_category(uc, UC_CATEGORY_Cn) ||
	       uc_is_general_category(uc, UC_CATEGORY_Co) || uc_is_general_category(uc, UC_CATEGORY_Cs) ||
	       uc_is_property_default_ignorable_code_point(uc) || uc == 0x2800 /* braille blank */ ||
	       (uc_is_general_category(uc, UC_CATEGORY_Z) && uc != ' ');
}

int login_check_new(const char *login, size_t len, enum login_problem *problem)
{
	const uint8_t *s = (const uint8_t *)login;
	uint8_t *nfc;
	size_t chars = 0, nfc_len = 0;
	ucs4_t uc;
	int n, same;

	*problem = LOGIN_EMPTY;
	if (len == 0)
		return RC_ERR_FORMAT;
	*problem = LOGIN_NOT_UTF8;
	if (u8_check(s, len) != NULL || memchr(s, '\0', len))
		return RC_ERR_FORMAT;
	*problem = LOGIN_EDGE_SPACE;
	if (s[0] == ' ' || s[len - 1] == ' ')
		return RC_ERR_FORMAT;
	for (size_t i = 0; i < len; i += (size_t)n, chars++) {
		n = u8_mbtouc(&uc, s + i, len - i);
		*problem = LOGIN_CONTROL;
		if (uc_is_general_category(uc, UC_CATEGORY_Cc))
			return RC_ERR_FORMAT;
		*problem = LOGIN_INVISIBLE;
		/* A combining mark first would sit on whatever is shown before the login. */
		if (login_is_invisible(uc) || (i == 0 && uc_is_general_category(uc, UC_CATEGORY_M)))
			return RC_ERR_FORMAT;
	}
	*problem = LOGIN_TOO_LONG;
	if (chars > PROTO_MAX_LOGIN_CHARS)
		return RC_ERR_FORMAT;
	nfc = u8_normalize(UNINORM_NFC, s, len, NULL, &nfc_len);
	if (!nfc)
		return RC_ERR_NOMEM;
	same = nfc_len == len && memcmp(nfc, s, len) == 0;
	free(nfc);
	*problem = same ? LOGIN_FINE : LOGIN_NOT_NFC;
	return same ? RC_OK : RC_ERR_FORMAT;
}

const char *login_problem_text(enum login_problem problem)
{
	switch (problem) {
	case LOGIN_FINE:
		return "fine";
	case LOGIN_EMPTY:
		return "empty";
	case LOGIN_TOO_LONG:
		return "too long";
	case LOGIN_NOT_UTF8:
		return "not UTF-8 text";
	case LOGIN_CONTROL:
		return "a control character";
	case LOGIN_INVISIBLE:
		return "an invisible or format character";
	case LOGIN_EDGE_SPACE:
		return "a space at the start or the end";
	case LOGIN_NOT_NFC:
		return "not in Unicode normalisation form C";
	}
	return "unknown";
}

/* Appends "\u{XXXX}" or "\x{XX}". */
static int login_put_escape(struct bytebuf *b, char kind, unsigned long v)
{
	char text[16];
	int n = snprintf(text, sizeof text, kind == 'u' ? "\\u{%04lX}" : "\\x{%02lX}", v);

	return bytebuf_append(b, text, (size_t)n);
}

/* Hands over the buffer's text as a C string. */
static int login_take_string(struct bytebuf *b, char **out)
{
	uint8_t *data;
	size_t len;
	int r = bytebuf_take(b, &data, &len);

	*out = r == RC_OK ? (char *)data : NULL;
	return r;
}

int login_escape(const char *login, size_t len, char **out)
{
	const uint8_t *s = (const uint8_t *)login;
	struct bytebuf b;
	ucs4_t uc;
	int n, r = RC_OK;

	*out = NULL;
	bytebuf_init(&b, BYTEBUF_UNBOUNDED);
	for (size_t i = 0; i < len && r == RC_OK; i += (size_t)n) {
		n = u8_mbtoucr(&uc, s + i, len - i);
		if (n < 0) {
			/* Not UTF-8 (or cut short): one byte at a time. */
			n = 1;
			r = login_put_escape(&b, 'x', s[i]);
		} else if (uc == '\\') {
			r = bytebuf_append_str(&b, "\\\\");
		} else if (uc_is_general_category(uc, UC_CATEGORY_Cc) || login_is_invisible(uc) || uc == ' ' ||
		           uc == LOGIN_LOOKALIKE_MARK) {
			r = login_put_escape(&b, 'u', uc);
		} else {
			r = bytebuf_append(&b, s + i, (size_t)n);
		}
	}
	if (r == RC_OK)
		r = login_take_string(&b, out);
	bytebuf_free(&b);
	return r;
}

/* Cyrillic and Greek letters (lower case: skeletons are case-folded first)
 * that look like a Latin letter in common fonts, capital or small. */
static const struct login_confusable {
	ucs4_t from;
	char to;
} login_confusables[] = {
	{ 0x0131, 'i' }, { 0x0251, 'a' }, { 0x0261, 'g' },                  /* dotless i, Latin alpha, script g */
	{ 0x03B1, 'a' }, { 0x03B2, 'b' }, { 0x03B5, 'e' }, { 0x03B6, 'z' }, /* Greek */
	{ 0x03B7, 'h' }, { 0x03B9, 'i' }, { 0x03BA, 'k' }, { 0x03BC, 'm' },
	{ 0x03BD, 'n' }, { 0x03BF, 'o' }, { 0x03C1, 'p' }, { 0x03C4, 't' },
	{ 0x03C5, 'y' }, { 0x03C7, 'x' }, { 0x03F2, 'c' }, { 0x03F3, 'j' },
	{ 0x0430, 'a' }, { 0x0432, 'b' }, { 0x0435, 'e' }, { 0x043A, 'k' }, /* Cyrillic */
	{ 0x043C, 'm' }, { 0x043D, 'h' }, { 0x043E, 'o' }, { 0x0440, 'p' },
	{ 0x0441, 'c' }, { 0x0442, 't' }, { 0x0443, 'y' }, { 0x0445, 'x' },
	{ 0x0455, 's' }, { 0x0456, 'i' }, { 0x0458, 'j' }, { 0x04AF, 'y' },
	{ 0x04BB, 'h' }, { 0x04CF, 'l' }, { 0x0501, 'd' }, { 0x051B, 'q' },
	{ 0x051D, 'w' }, { 0x057D, 'u' }, { 0x0585, 'o' }, { 0x01C0, 'l' },  /* Armenian, Latin */
	{ 0x2113, 'l' }, { '1', 'l' }, { '0', 'o' },                          /* script l, digits */
};

static ucs4_t login_unconfuse(ucs4_t uc)
{
	for (size_t i = 0; i < sizeof login_confusables / sizeof login_confusables[0]; i++)
		if (login_confusables[i].from == uc)
			return (ucs4_t)login_confusables[i].to;
	return uc;
}

/* Two letters that pass for one: "rn" for "m", "vv" for "w". */
static int login_fold_pair(struct bytebuf *b, ucs4_t uc)
{
	if (b->len == 0)
		return 0;
	if (b->data[b->len - 1] == 'r' && uc == 'n') {
		b->data[b->len - 1] = 'm';
		return 1;
	}
	if (b->data[b->len - 1] == 'v' && uc == 'v') {
		b->data[b->len - 1] = 'w';
		return 1;
	}
	return 0;
}

int login_skeleton(const char *login, size_t len, char **out)
{
	uint8_t *upper_i_as_l, *folded, unit[6];
	size_t folded_len = 0;
	struct bytebuf b;
	ucs4_t uc;
	int n, r = RC_OK;

	*out = NULL;
	if (u8_check((const uint8_t *)login, len) != NULL)
		return RC_ERR_UTF8;
	/* A capital I after a small letter ("aIice") passes for an l; case
	 * folding would make it an i. (A leading one, "Igor", is a capital.) */
	if ((upper_i_as_l = malloc(len + 1)) == NULL)
		return RC_ERR_NOMEM;
	for (size_t i = 0; i < len; i++)
		upper_i_as_l[i] = login[i] == 'I' && i > 0 && login[i - 1] >= 'a' && login[i - 1] <= 'z'
			? 'l' : (uint8_t)login[i];
	/* NFKD: compatibility forms (fullwidth, ligatures) to their letters, and
	 * accents apart from their letters, to be dropped below. */
	folded = u8_casefold(upper_i_as_l, len, NULL, UNINORM_NFKD, NULL, &folded_len);
	free(upper_i_as_l);
	if (!folded)
		return RC_ERR_NOMEM;
	bytebuf_init(&b, BYTEBUF_UNBOUNDED);
	for (size_t i = 0; i < folded_len && r == RC_OK; i += (size_t)n) {
		n = u8_mbtouc(&uc, folded + i, folded_len - i);
		if (login_is_invisible(uc) || uc == ' ' || uc_is_general_category(uc, UC_CATEGORY_M) ||
		    uc_is_general_category(uc, UC_CATEGORY_Cc))
			continue;
		uc = login_unconfuse(uc);
		if (!login_fold_pair(&b, uc))
			r = bytebuf_append(&b, unit, (size_t)u8_uctomb(unit, uc, sizeof unit));
	}
	free(folded);
	if (r == RC_OK)
		r = login_take_string(&b, out);
	bytebuf_free(&b);
	return r;
}

/* One escape of login_escape at f[*i..len) ("\\", "\u{XXXX}", "\x{XX}"),
 * its bytes appended to b. */
static int login_unescape_one(const char *f, size_t len, size_t *i, struct bytebuf *b)
{
	static const char hex[] = "0123456789ABCDEF";
	unsigned long v = 0;
	size_t digits = 0;
	char kind;
	uint8_t utf8[6];
	int n;

	if (*i + 1 < len && f[*i + 1] == '\\') {
		*i += 2;
		return bytebuf_put_u8(b, '\\');
	}
	if (*i + 2 >= len || (f[*i + 1] != 'u' && f[*i + 1] != 'x') || f[*i + 2] != '{')
		return RC_ERR_FORMAT;
	kind = f[*i + 1];
	for (*i += 3; *i < len && f[*i] != '}'; (*i)++, digits++) {
		/* login_escape writes capitals; the caller's re-escaping catches the rest. */
		const char *d = f[*i] != '\0' ? strchr(hex, f[*i]) : NULL;

		if (d == NULL || digits >= 6)
			return RC_ERR_FORMAT;
		v = v * 16 + (unsigned long)(d - hex);
	}
	if (*i >= len || digits == 0)
		return RC_ERR_FORMAT;
	(*i)++;
	if (kind == 'x')
		return v > 0xff ? RC_ERR_FORMAT : bytebuf_put_u8(b, (uint8_t)v);
	if ((n = u8_uctomb(utf8, (ucs4_t)v, (ptrdiff_t)sizeof(utf8))) <= 0)
		return RC_ERR_FORMAT;
	return bytebuf_append(b, utf8, (size_t)n);
}

int login_unescape(const char *f, size_t len, char **login)
{
	struct bytebuf b;
	char *again = NULL;
	uint8_t *data;
	size_t dlen;
	int r = RC_OK;

	*login = NULL;
	bytebuf_init(&b, len + 1);
	for (size_t i = 0; i < len && r == RC_OK;)
		r = f[i] == '\\' ? login_unescape_one(f, len, &i, &b) : bytebuf_put_u8(&b, (uint8_t)f[i++]);
	if (r != RC_OK || (r = bytebuf_take(&b, &data, &dlen)) != RC_OK)
		goto out;
	if (dlen == 0 || memchr(data, '\0', dlen) != NULL || (r = login_escape((char *)data, dlen, &again)) != RC_OK ||
	    strlen(again) != len || memcmp(again, f, len) != 0) {
		free(data);
		r = r != RC_OK ? r : RC_ERR_FORMAT;
		goto out;
	}
	*login = (char *)data;
out:
	free(again);
	bytebuf_free(&b);
	return r;
}

int login_from_input(const char *arg, char **login)
{
	if (strchr(arg, '\\') != NULL && login_unescape(arg, strlen(arg), login) == RC_OK)
		return RC_OK;
	*login = strdup(arg);
	return *login != NULL ? RC_OK : RC_ERR_NOMEM;
}
