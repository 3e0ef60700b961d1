#include "config.h"

#include <limits.h>
#include <stdio.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bigint.h"
#include "bytebuf.h"
#include "errors.h"
#include "jsonx.h"
#include "protocol.h"
#include "utf8.h"

_Static_assert(sizeof(long) >= sizeof(int64_t), "mpz_get_si must hold an int64_t");

/*
 * Big integers. json-c keeps the text of every number with a fraction or an
 * exponent (a "double" whose serialisation is that text), but clamps integer
 * literals to 64 bits. So before parsing, every integer literal that does not
 * fit int64 gets the exponent "e0" appended: the value is unchanged and
 * json-c keeps its digits. After parsing, the "e0" is dropped again from every
 * double whose text is an integer too large for int64, so it serialises as
 * the original literal. A big literal written with "e0" by the sender becomes
 * the same integer without it, always (the value is identical). Numbers
 * outside JSON's grammar are refused.
 */

#define JSONX_EXP_SUFFIX "e0"
#define JSONX_EXP_SUFFIX_LEN 2

/* True for "-?[0-9]+" spelling a value outside int64. */
static int jsonx_int_literal_is_big(const char *s, size_t n)
{
	static const char max_pos[] = "9223372036854775807";
	static const char max_neg[] = "9223372036854775808";
	const char *limit = max_pos;
	size_t i, digits;

	if (n > 0 && s[0] == '-') {
		limit = max_neg;
		s++;
		n--;
	}
	if (n == 0)
		return 0;
	for (i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return 0;
	while (n > 1 && s[0] == '0') {
		s++;
		n--;
	}
	digits = sizeof(max_pos) - 1;
	if (n != digits)
		return n > digits;
	return memcmp(s, limit, digits) > 0;
}

/* True for a big integer literal followed by JSONX_EXP_SUFFIX. */
static int jsonx_is_big_with_suffix(const char *s, size_t n)
{
	return n > JSONX_EXP_SUFFIX_LEN &&
	       memcmp(s + n - JSONX_EXP_SUFFIX_LEN, JSONX_EXP_SUFFIX, JSONX_EXP_SUFFIX_LEN) == 0 &&
	       jsonx_int_literal_is_big(s, n - JSONX_EXP_SUFFIX_LEN);
}

static int jsonx_is_number_char(char c)
{
	return (c >= '0' && c <= '9') || c == '-' || c == '+' || c == '.' || c == 'e' || c == 'E';
}

static size_t jsonx_skip_digits(const char *s, size_t i, size_t n)
{
	while (i < n && s[i] >= '0' && s[i] <= '9')
		i++;
	return i;
}

/* True when s[0..n) is a JSON number (RFC 8259 section 6):
 * -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
 * json-c also takes leading zeros ("007", "00.5e1") and keeps their text, and
 * a big integer kept digit for digit would then echo them: text that is not
 * JSON, which no parser (ours included) reads back. */
static int jsonx_is_json_number(const char *s, size_t n)
{
	size_t i = 0, end;

	if (i < n && s[i] == '-')
		i++;
	if (i < n && s[i] == '0')
		i++;
	else if (i < n && s[i] >= '1' && s[i] <= '9')
		i = jsonx_skip_digits(s, i, n);
	else
		return 0;
	if (i < n && s[i] == '.') {
		end = jsonx_skip_digits(s, i + 1, n);
		if (end == i + 1)
			return 0;
		i = end;
	}
	if (i < n && (s[i] == 'e' || s[i] == 'E')) {
		i++;
		if (i < n && (s[i] == '+' || s[i] == '-'))
			i++;
		end = jsonx_skip_digits(s, i, n);
		if (end == i)
			return 0;
		i = end;
	}
	return i == n;
}

/* Copies text to out, appending "e0" to the big integer literals outside
 * strings; *big counts them. RC_ERR_FORMAT for what json-c would accept but
 * is not JSON: a number outside JSON's grammar, or anything that would hide
 * a string's bounds from this scan. */
static int jsonx_mark_big_integers(const char *text, size_t len, struct bytebuf *out, size_t *big)
{
	size_t i = 0, start, copied = 0;
	int in_string = 0, rc;

	*big = 0;
	while (i < len) {
		char c = text[i];

		if (in_string) {
			/* raw control characters are not JSON (json-c would take them) */
			if ((unsigned char)c < 0x20)
				return RC_ERR_FORMAT;
			if (c == '\\')
				i++;
			else if (c == '"')
				in_string = 0;
			i++;
			continue;
		}
		if (c == '"') {
			in_string = 1;
			i++;
			continue;
		}
		/* json-c accepts single-quoted keys even in strict mode; they are not
		 * JSON, and this scan would not see their end. */
		if (c == '\'')
			return RC_ERR_FORMAT;
		if (c != '-' && (c < '0' || c > '9')) {
			i++;
			continue;
		}
		start = i;
		while (i < len && jsonx_is_number_char(text[i]))
			i++;
		if (!jsonx_is_json_number(text + start, i - start))
			return RC_ERR_FORMAT;
		if (!jsonx_int_literal_is_big(text + start, i - start)) {
			/* the sender's own "e0" after a big literal: restored like ours */
			if (jsonx_is_big_with_suffix(text + start, i - start))
				(*big)++;
			continue;
		}
		(*big)++;
		if ((rc = bytebuf_append(out, text + copied, i - copied)) != RC_OK ||
		    (rc = bytebuf_append(out, JSONX_EXP_SUFFIX, JSONX_EXP_SUFFIX_LEN)) != RC_OK)
			return rc;
		copied = i;
	}
	if (i > len)  /* a backslash ended the text inside a string: invalid anyway */
		i = len;
	return bytebuf_append(out, text + copied, i - copied);
}

/* Drops the "e0" again: a double whose text is a big integer literal plus
 * "e0" serialises as the literal. */
static int jsonx_restore_big_integers(struct json_object *o)
{
	const char *txt;
	size_t n, i;
	char *digits;
	int rc;

	switch (json_object_get_type(o)) {
	case json_type_double:
		txt = json_object_to_json_string_ext(o, JSON_C_TO_STRING_PLAIN);
		n = txt ? strlen(txt) : 0;
		if (!jsonx_is_big_with_suffix(txt, n))
			return RC_OK;
		if ((digits = strndup(txt, n - JSONX_EXP_SUFFIX_LEN)) == NULL)
			return RC_ERR_NOMEM;
		json_object_set_serializer(o, json_object_userdata_to_json_string, digits, json_object_free_userdata);
		return RC_OK;
	case json_type_array:
		n = json_object_array_length(o);
		for (i = 0; i < n; i++)
			if ((rc = jsonx_restore_big_integers(json_object_array_get_idx(o, i))) != RC_OK)
				return rc;
		return RC_OK;
	case json_type_object: {
		json_object_object_foreach(o, key, val) {
			(void)key;
			if ((rc = jsonx_restore_big_integers(val)) != RC_OK)
				return rc;
		}
		return RC_OK;
	}
	default:
		return RC_OK;
	}
}

static int jsonx_is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r';
}

/* Runs json-c on text[0..len) (len < INT_MAX) with our limits. */
static int jsonx_tokenize(const char *text, size_t len, struct json_object **out)
{
	struct json_tokener *tok;
	struct json_object *o;
	enum json_tokener_error jerr;
	size_t end;
	int rc = RC_ERR_FORMAT;

	*out = NULL;
	if ((tok = json_tokener_new_ex(JSONX_MAX_DEPTH)) == NULL)
		return RC_ERR_NOMEM;
	json_tokener_set_flags(tok, JSON_TOKENER_STRICT);
	o = json_tokener_parse_ex(tok, text, (int)len);
	jerr = json_tokener_get_error(tok);
	end = json_tokener_get_parse_end(tok);
	if (jerr == json_tokener_continue) {
		/* A bare top-level number only ends at the end of the input. */
		o = json_tokener_parse_ex(tok, "", 1);
		jerr = json_tokener_get_error(tok);
		end = len;
	}
	if (o == NULL || jerr != json_tokener_success)
		goto out;
	while (end < len && jsonx_is_space(text[end]))
		end++;
	if (end != len)
		goto out;
	*out = o;
	o = NULL;
	rc = RC_OK;
out:
	json_object_put(o);
	json_tokener_free(tok);
	return rc;
}

int jsonx_parse(const char *text, size_t len, struct json_object **out)
{
	struct bytebuf marked;
	struct json_object *o = NULL;
	size_t big;
	int rc;

	*out = NULL;
	bytebuf_init(&marked, BYTEBUF_UNBOUNDED);
	rc = utf8_check_text((const uint8_t *)text, len);
	if (rc != RC_OK) {
		rc = rc == RC_ERR_NUL ? RC_ERR_FORMAT : rc;
		goto out;
	}
	if ((rc = jsonx_mark_big_integers(text, len, &marked, &big)) != RC_OK)
		goto out;
	if (marked.len == 0) {
		rc = RC_ERR_FORMAT;
		goto out;
	}
	if (marked.len >= INT_MAX) {
		rc = RC_ERR_TOO_LARGE;
		goto out;
	}
	if ((rc = jsonx_tokenize((const char *)marked.data, marked.len, &o)) != RC_OK)
		goto out;
	if (big > 0 && (rc = jsonx_restore_big_integers(o)) != RC_OK)
		goto out;
	*out = o;
	o = NULL;
out:
	json_object_put(o);
	bytebuf_free(&marked);
	return rc;
}

struct json_object *jsonx_new_bigint(const mpz_t v)
{
	struct json_object *o;
	char *digits;

	/* 63 magnitude bits always fit int64 (INT64_MIN itself takes the slow path). */
	if (mpz_sizeinbase(v, 2) <= 63)
		return json_object_new_int64((int64_t)mpz_get_si(v));
	if ((digits = bigint_to_decimal(v)) == NULL)
		return NULL;
	o = json_object_new_double_s(0.0, digits);
	free(digits);
	return o;
}

int jsonx_get_bigint(struct json_object *obj, const char *key, mpz_t out)
{
	struct json_object *v;
	const char *s;
	int64_t i;

	if (obj == NULL || !json_object_is_type(obj, json_type_object))
		return RC_ERR_FORMAT;
	if (!json_object_object_get_ex(obj, key, &v))
		return RC_ERR_NOTFOUND;
	switch (json_object_get_type(v)) {
	case json_type_int:
		i = json_object_get_int64(v);
		if (i < 0)
			return RC_ERR_FORMAT;
		if (i == INT64_MAX) {
			/* json-c also stores uint64 values in int objects */
			char buf[32];

			snprintf(buf, sizeof(buf), "%ju", (uintmax_t)json_object_get_uint64(v));
			return bigint_from_decimal(out, buf, strlen(buf), PROTO_MAX_KEY_DIGITS);
		}
		mpz_set_si(out, (long)i);
		return RC_OK;
	case json_type_double:
		s = json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN);
		return bigint_from_decimal(out, s, strlen(s), PROTO_MAX_KEY_DIGITS) == RC_OK ? RC_OK : RC_ERR_FORMAT;
	case json_type_string:
		s = json_object_get_string(v);
		return bigint_from_decimal(out, s, (size_t)json_object_get_string_len(v), PROTO_MAX_KEY_DIGITS) == RC_OK
			? RC_OK : RC_ERR_FORMAT;
	default:
		return RC_ERR_FORMAT;
	}
}

const char *jsonx_get_string(struct json_object *obj, const char *key)
{
	struct json_object *v;

	if (obj == NULL || !json_object_is_type(obj, json_type_object))
		return NULL;
	if (!json_object_object_get_ex(obj, key, &v) || !json_object_is_type(v, json_type_string))
		return NULL;
	return json_object_get_string(v);
}

const char *jsonx_to_string(struct json_object *obj, size_t *len)
{
	size_t n = 0;
	const char *s = json_object_to_json_string_length(obj, JSON_C_TO_STRING_PLAIN | JSON_C_TO_STRING_NOSLASHESCAPE, &n);

	if (len)
		*len = n;
	return s;
}
