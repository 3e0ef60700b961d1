/* Fuzz target: JSON parsing with exact big integers (common/jsonx.c).
 *
 * Byte 0, bit 0 picks the mode:
 * - 0, text: the rest is JSON text. What jsonx_parse accepts must be valid
 *   UTF-8, nest at most JSONX_MAX_DEPTH deep, and serialise to text that
 *   parses again to the same serialisation. Every member jsonx_get_bigint
 *   reads must serialise as exactly its decimal digits (numbers), and the
 *   value must survive jsonx_new_bigint, serialisation and parsing.
 * - 1, digits: the rest, mapped to decimal digits (ASCII digits unchanged), is a big integer put in
 *   a get_users-like response; it must come back digit for digit, both from
 *   jsonx_get_bigint and in the serialisation. */
#include "config.h"

#include <gmp.h>
#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>

#include "bigint.h"
#include "bytebuf.h"
#include "errors.h"
#include "fuzz_common.h"
#include "jsonx.h"
#include "protocol.h"
#include "utf8.h"

/* Parses text, which must be accepted, and gives its serialisation (malloc'd). */
static char *parse_serialise(const char *text, size_t len, struct json_object **obj)
{
	const char *s;
	size_t n;
	char *copy;

	FUZZ_CHECK(jsonx_parse(text, len, obj) == RC_OK);
	s = jsonx_to_string(*obj, &n);
	FUZZ_CHECK(s != NULL && strlen(s) == n);
	FUZZ_CHECK((copy = strdup(s)) != NULL);
	return copy;
}

/* v written by jsonx_new_bigint, serialised inside an object and read back. */
static void check_bigint_round_trip(const mpz_t v)
{
	struct json_object *wrap, *num, *again = NULL;
	char *digits = bigint_to_decimal(v), *text;
	const char *s;
	mpz_t back;

	FUZZ_CHECK(digits != NULL);
	FUZZ_CHECK((num = jsonx_new_bigint(v)) != NULL);
	s = jsonx_to_string(num, NULL);
	FUZZ_CHECK(strcmp(s, digits) == 0);
	FUZZ_CHECK((wrap = json_object_new_object()) != NULL);
	FUZZ_CHECK(json_object_object_add(wrap, "module", num) == 0);
	s = jsonx_to_string(wrap, NULL);
	text = parse_serialise(s, strlen(s), &again);
	FUZZ_CHECK(strcmp(text, s) == 0);
	mpz_init(back);
	FUZZ_CHECK(jsonx_get_bigint(again, "module", back) == RC_OK);
	FUZZ_CHECK(mpz_cmp(back, v) == 0);
	mpz_clear(back);
	free(text);
	json_object_put(again);
	json_object_put(wrap);
	free(digits);
}

/* Reads every member of an object as a big integer where jsonx allows it. */
static void check_members(struct json_object *obj)
{
	const char *s;
	char *digits;
	mpz_t v;

	mpz_init(v);
	json_object_object_foreach(obj, key, val) {
		int rc = jsonx_get_bigint(obj, key, v);

		if (rc != RC_OK) {
			FUZZ_CHECK(rc == RC_ERR_FORMAT || rc == RC_ERR_TOO_LARGE);
			continue;
		}
		FUZZ_CHECK(mpz_sgn(v) >= 0);
		if (!json_object_is_type(val, json_type_string)) {
			FUZZ_CHECK((digits = bigint_to_decimal(v)) != NULL);
			s = jsonx_to_string(val, NULL);
			FUZZ_CHECK(strcmp(s, digits) == 0);
			free(digits);
		}
		check_bigint_round_trip(v);
	}
	mpz_clear(v);
}

/* Depth of nested containers; checks the members of every object on the way. */
static size_t walk(struct json_object *o)
{
	size_t depth = 0, d, i, n;

	switch (json_object_get_type(o)) {
	case json_type_array:
		n = json_object_array_length(o);
		for (i = 0; i < n; i++)
			if ((d = walk(json_object_array_get_idx(o, i))) > depth)
				depth = d;
		return depth + 1;
	case json_type_object:
		check_members(o);
		json_object_object_foreach(o, key, val) {
			(void)key;
			if ((d = walk(val)) > depth)
				depth = d;
		}
		return depth + 1;
	default:
		return 0;
	}
}

static void fuzz_text(const uint8_t *p, size_t n)
{
	struct json_object *obj = NULL, *again = NULL;
	char *text = fuzz_copy_exact(p, n), *first, *second;
	int rc;

	rc = jsonx_parse(text, n, &obj);
	if (rc != RC_OK) {
		FUZZ_CHECK(obj == NULL);
		FUZZ_CHECK(rc == RC_ERR_FORMAT || rc == RC_ERR_UTF8 || rc == RC_ERR_TOO_LARGE);
		free(text);
		return;
	}
	FUZZ_CHECK(utf8_check_text(p, n) == RC_OK);
	FUZZ_CHECK(walk(obj) <= JSONX_MAX_DEPTH);
	first = strdup(jsonx_to_string(obj, NULL));
	FUZZ_CHECK(first != NULL);
	second = parse_serialise(first, strlen(first), &again);
	FUZZ_CHECK(strcmp(first, second) == 0);
	free(second);
	free(first);
	json_object_put(again);
	json_object_put(obj);
	free(text);
}

static void fuzz_digits(const uint8_t *p, size_t n)
{
	struct json_object *obj = NULL, *users, *user;
	struct bytebuf digits, doc;
	char *text;
	mpz_t expect, got;
	size_t i;

	if (n > PROTO_MAX_KEY_DIGITS)
		n = PROTO_MAX_KEY_DIGITS;
	bytebuf_init(&digits, BYTEBUF_UNBOUNDED);
	/* ASCII digits stay themselves; JSON forbids leading zeros: the first is 1..9. */
	FUZZ_CHECK(bytebuf_put_u8(&digits, (uint8_t)('1' + (n ? (uint8_t)(p[0] - '1') % 9 : 0))) == RC_OK);
	for (i = 1; i < n; i++)
		FUZZ_CHECK(bytebuf_put_u8(&digits, (uint8_t)('0' + (uint8_t)(p[i] - '0') % 10)) == RC_OK);
	FUZZ_CHECK(bytebuf_put_u8(&digits, 0) == RC_OK);
	bytebuf_init(&doc, BYTEBUF_UNBOUNDED);
	FUZZ_CHECK(bytebuf_append_str(&doc, "{\"state\":\"ok\",\"data\":[{\"login\":\"a\",\"open_exponent\":") == RC_OK);
	FUZZ_CHECK(bytebuf_append_str(&doc, (const char *)digits.data) == RC_OK);
	FUZZ_CHECK(bytebuf_append_str(&doc, ",\"module\":-") == RC_OK);
	FUZZ_CHECK(bytebuf_append_str(&doc, (const char *)digits.data) == RC_OK);
	FUZZ_CHECK(bytebuf_append_str(&doc, "}]}") == RC_OK);

	text = parse_serialise((const char *)doc.data, doc.len, &obj);
	/* Compact input: the serialisation is the input itself. */
	FUZZ_CHECK(strlen(text) == doc.len && memcmp(text, doc.data, doc.len) == 0);
	FUZZ_CHECK(json_object_object_get_ex(obj, "data", &users));
	FUZZ_CHECK((user = json_object_array_get_idx(users, 0)) != NULL);
	mpz_inits(expect, got, NULL);
	FUZZ_CHECK(mpz_set_str(expect, (const char *)digits.data, 10) == 0);
	FUZZ_CHECK(jsonx_get_bigint(user, "open_exponent", got) == RC_OK);
	FUZZ_CHECK(mpz_cmp(expect, got) == 0);
	FUZZ_CHECK(jsonx_get_bigint(user, "module", got) == RC_ERR_FORMAT);
	check_bigint_round_trip(expect);
	mpz_clears(expect, got, NULL);
	json_object_put(obj);
	free(text);
	bytebuf_free(&doc);
	bytebuf_free(&digits);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_input in = {data, size};

	fuzz_setup();
	if (fuzz_take_u8(&in) & 1)
		fuzz_digits(in.p, in.n);
	else
		fuzz_text(in.p, in.n);
	return 0;
}
