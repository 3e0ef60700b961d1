/* jsonx: integers of any size survive parsing and serialisation exactly;
 * depth, trailing bytes and UTF-8 are checked. */
#include "config.h"

#include <stdarg.h>
#include <setjmp.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "bigint.h"
#include "errors.h"
#include "jsonx.h"
#include "secure.h"

static struct json_object *parse_ok(const char *text)
{
	struct json_object *o = NULL;
	int rc = jsonx_parse(text, strlen(text), &o);

	if (rc != RC_OK)
		fail_msg("'%s' did not parse: %d", text, rc);
	return o;
}

/* Parses text and checks the compact serialisation. */
static void assert_reserialises(const char *text, const char *want)
{
	struct json_object *o = parse_ok(text);
	size_t len;
	const char *out = jsonx_to_string(o, &len);

	assert_string_equal(out, want);
	assert_int_equal(len, strlen(want));
	json_object_put(o);
}

static void test_big_integers_round_trip(void **state)
{
	(void)state;
	assert_reserialises("{\"a\": 123456789012345678901234567890, \"b\": -99999999999999999999}",
	                    "{\"a\":123456789012345678901234567890,\"b\":-99999999999999999999}");
	/* the int64 edges: inside stays int64, outside keeps its digits */
	assert_reserialises("[9223372036854775807, -9223372036854775808, 9223372036854775808, -9223372036854775809, "
	                    "18446744073709551615, 18446744073709551616]",
	                    "[9223372036854775807,-9223372036854775808,9223372036854775808,-9223372036854775809,"
	                    "18446744073709551615,18446744073709551616]");
	/* a bare top-level number, and nesting */
	assert_reserialises("123456789012345678901234567890", "123456789012345678901234567890");
	assert_reserialises(" [[{\"x\": [340282366920938463463374607431768211456]}]] ",
	                    "[[{\"x\":[340282366920938463463374607431768211456]}]]");
	/* digits inside strings are left alone, escapes included */
	assert_reserialises("{\"t\": \"say \\\"12345678901234567890123\\\" -98765432109876543210\", \"n\": 12345678901234567890123}",
	                    "{\"t\":\"say \\\"12345678901234567890123\\\" -98765432109876543210\",\"n\":12345678901234567890123}");
	assert_reserialises("[\"\\\\\", 12345678901234567890123, \"\\\\\\\"\"]", "[\"\\\\\",12345678901234567890123,\"\\\\\\\"\"]");
	/* other numbers keep json-c's handling */
	assert_reserialises("[1.5, 5e0, 0, -1, 1e400]", "[1.5,5e0,0,-1,1e400]");
	/* slashes are not escaped */
	assert_reserialises("{\"url\": \"a/b\"}", "{\"url\":\"a/b\"}");
}

static void test_get_bigint(void **state)
{
	struct json_object *o = parse_ok("{\"big\": 123456789012345678901234567890, \"small\": 65537, \"max\": 18446744073709551615,"
	                                 " \"str\": \"98765432109876543210\", \"neg\": -5, \"negbig\": -123456789012345678901234567890,"
	                                 " \"frac\": 1.5, \"exp\": 1e30, \"text\": \"12a\", \"null\": null, \"arr\": [1],"
	                                 " \"written_e0\": 123456789012345678901234567890e0}");
	mpz_t v;
	char *s;

	(void)state;
	mpz_init(v);
	assert_int_equal(jsonx_get_bigint(o, "big", v), RC_OK);
	s = bigint_to_decimal(v);
	assert_string_equal(s, "123456789012345678901234567890");
	free(s);
	assert_int_equal(jsonx_get_bigint(o, "small", v), RC_OK);
	assert_int_equal(mpz_cmp_ui(v, 65537), 0);
	assert_int_equal(jsonx_get_bigint(o, "max", v), RC_OK);
	s = bigint_to_decimal(v);
	assert_string_equal(s, "18446744073709551615");
	free(s);
	assert_int_equal(jsonx_get_bigint(o, "str", v), RC_OK);
	s = bigint_to_decimal(v);
	assert_string_equal(s, "98765432109876543210");
	free(s);
	/* the same value, whether or not the sender wrote an exponent */
	assert_int_equal(jsonx_get_bigint(o, "written_e0", v), RC_OK);
	s = bigint_to_decimal(v);
	assert_string_equal(s, "123456789012345678901234567890");
	free(s);
	assert_int_equal(jsonx_get_bigint(o, "neg", v), RC_ERR_FORMAT);
	assert_int_equal(jsonx_get_bigint(o, "negbig", v), RC_ERR_FORMAT);
	assert_int_equal(jsonx_get_bigint(o, "frac", v), RC_ERR_FORMAT);
	assert_int_equal(jsonx_get_bigint(o, "exp", v), RC_ERR_FORMAT);
	assert_int_equal(jsonx_get_bigint(o, "text", v), RC_ERR_FORMAT);
	assert_int_equal(jsonx_get_bigint(o, "null", v), RC_ERR_FORMAT);
	assert_int_equal(jsonx_get_bigint(o, "arr", v), RC_ERR_FORMAT);
	assert_int_equal(jsonx_get_bigint(o, "missing", v), RC_ERR_NOTFOUND);
	assert_int_equal(jsonx_get_bigint(json_object_object_get(o, "arr"), "x", v), RC_ERR_FORMAT);
	mpz_clear(v);
	json_object_put(o);
}

static void test_new_bigint(void **state)
{
	static const char *const values[] = {
		"0", "1", "65537", "9223372036854775807", "9223372036854775808", "18446744073709551616",
		"24737177386060281027225890843137174663418594223235683723930187131823730114228466643076950321998",
	};
	struct json_object *obj;
	size_t i;
	mpz_t v, back;

	(void)state;
	mpz_inits(v, back, NULL);
	for (i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
		struct json_object *parsed = NULL;
		const char *text;

		assert_int_equal(mpz_set_str(v, values[i], 10), 0);
		obj = json_object_new_object();
		json_object_object_add(obj, "module", jsonx_new_bigint(v));
		text = jsonx_to_string(obj, NULL);
		assert_non_null(strstr(text, values[i]));
		assert_int_equal(jsonx_get_bigint(obj, "module", back), RC_OK);
		assert_int_equal(mpz_cmp(v, back), 0);
		/* and through text */
		assert_int_equal(jsonx_parse(text, strlen(text), &parsed), RC_OK);
		assert_int_equal(jsonx_get_bigint(parsed, "module", back), RC_OK);
		assert_int_equal(mpz_cmp(v, back), 0);
		json_object_put(parsed);
		json_object_put(obj);
	}
	/* small numbers stay JSON integers for json-c users */
	mpz_set_ui(v, 59);
	obj = jsonx_new_bigint(v);
	assert_true(json_object_is_type(obj, json_type_int));
	assert_int_equal(json_object_get_int64(obj), 59);
	json_object_put(obj);
	mpz_clears(v, back, NULL);
}

static void test_rejects(void **state)
{
	static const struct {
		const char *text;
		size_t len;   /* 0: strlen */
		int rc;
	} cases[] = {
		{ "", 0, RC_ERR_FORMAT },
		{ "   ", 0, RC_ERR_FORMAT },
		{ "{\"a\":}", 0, RC_ERR_FORMAT },
		{ "[1,]", 0, RC_ERR_FORMAT },
		{ "{'a': 1}", 0, RC_ERR_FORMAT },
		{ "{'a\"': 12345678901234567890123}", 0, RC_ERR_FORMAT },
		{ "[\"a\tb\"]", 0, RC_ERR_FORMAT },
		{ "[\"a\nb\"]", 0, RC_ERR_FORMAT },
		{ "{\"a\": 1} x", 0, RC_ERR_FORMAT },
		{ "{\"a\": 1}{\"b\": 2}", 0, RC_ERR_FORMAT },
		{ "[12345678901234567890123", 0, RC_ERR_FORMAT },
		{ "[0123456789012345678901234]", 0, RC_ERR_FORMAT },
		{ "{\"module\": 000000000000000030000000002716822864015450615}", 0, RC_ERR_FORMAT },
		{ "[-00012345678901234567890123]", 0, RC_ERR_FORMAT },
		/* numbers outside JSON's grammar, big or small (the fuzzer's finds:
		 * leading zeros before an exponent were echoed as a big literal) */
		{ "[0000004092233720368547758079221651e0]", 0, RC_ERR_FORMAT },
		{ "[-0858922337203073709223372036854775807e0]", 0, RC_ERR_FORMAT },
		{ "[007]", 0, RC_ERR_FORMAT },
		{ "[-01]", 0, RC_ERR_FORMAT },
		{ "[00.5]", 0, RC_ERR_FORMAT },
		{ "[00e1]", 0, RC_ERR_FORMAT },
		{ "[1.]", 0, RC_ERR_FORMAT },
		{ "[.5]", 0, RC_ERR_FORMAT },
		{ "[+1]", 0, RC_ERR_FORMAT },
		{ "[1e]", 0, RC_ERR_FORMAT },
		{ "[1e+]", 0, RC_ERR_FORMAT },
		{ "[-]", 0, RC_ERR_FORMAT },
		{ "[1-2]", 0, RC_ERR_FORMAT },
		{ "[1.5.5]", 0, RC_ERR_FORMAT },
		{ "[-Infinity]", 0, RC_ERR_FORMAT },
		{ "[\"abc", 0, RC_ERR_FORMAT },
		{ "[\"abc\\", 0, RC_ERR_FORMAT },
		{ "[\"a\xff\"]", 0, RC_ERR_UTF8 },
		{ "[\"\xed\xa0\x80\"]", 0, RC_ERR_UTF8 },
		{ "[1]\0", 4, RC_ERR_FORMAT },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct json_object *o = (struct json_object *)&o;
		size_t len = cases[i].len ? cases[i].len : strlen(cases[i].text);
		int rc = jsonx_parse(cases[i].text, len, &o);

		if (rc != cases[i].rc)
			fail_msg("case %zu '%s': got %d, want %d", i, cases[i].text, rc, cases[i].rc);
		assert_null(o);
	}
}

/* Every number in JSON's grammar is taken, and serialises back as written
 * (integers past 64 bits digit for digit; "e0" written by the sender is
 * dropped from those, the value being the same). */
static void test_json_numbers_accepted(void **state)
{
	static const struct {
		const char *text, *back;
	} cases[] = {
		{ "[0,-0,7,-7]", "[0,0,7,-7]" },
		{ "[0.5,-0.25,10.125]", "[0.5,-0.25,10.125]" },
		{ "[1e5,1E+5,-1.5e-3,0e0]", "[1e5,1E+5,-1.5e-3,0e0]" },
		{ "[9223372036854775807,-9223372036854775808]", "[9223372036854775807,-9223372036854775808]" },
		{ "[9223372036854775808,-9223372036854775809]", "[9223372036854775808,-9223372036854775809]" },
		{ "[92233720368547758070e0]", "[92233720368547758070]" },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct json_object *o = NULL;

		if (jsonx_parse(cases[i].text, strlen(cases[i].text), &o) != RC_OK)
			fail_msg("case %zu '%s' refused", i, cases[i].text);
		assert_string_equal(jsonx_to_string(o, NULL), cases[i].back);
		json_object_put(o);
	}
}

static void test_depth_limit(void **state)
{
	char text[200];
	struct json_object *o;
	int depth;

	(void)state;
	for (depth = 1; depth <= 60; depth++) {
		int rc;

		memset(text, '[', (size_t)depth);
		memset(text + depth, ']', (size_t)depth);
		rc = jsonx_parse(text, 2 * (size_t)depth, &o);
		if (depth < JSONX_MAX_DEPTH) {
			assert_int_equal(rc, RC_OK);
			json_object_put(o);
		} else if (depth > JSONX_MAX_DEPTH) {
			assert_int_equal(rc, RC_ERR_FORMAT);
		} else {
			json_object_put(o);
		}
	}
}

static void test_strings_and_python_output(void **state)
{
	/* json.dumps(ensure_ascii=True) escapes non-ASCII */
	struct json_object *o = parse_ok("{\"state\": \"ok\", \"login\": \"\\u0436\\ud83d\\udc4b\", \"n\": 1, \"raw\": \"жук\"}");

	(void)state;
	assert_string_equal(jsonx_get_string(o, "login"), "ж👋");
	assert_string_equal(jsonx_get_string(o, "raw"), "жук");
	assert_string_equal(jsonx_get_string(o, "state"), "ok");
	assert_null(jsonx_get_string(o, "n"));
	assert_null(jsonx_get_string(o, "missing"));
	assert_null(jsonx_get_string(NULL, "state"));
	json_object_put(o);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_big_integers_round_trip),
		cmocka_unit_test(test_get_bigint),
		cmocka_unit_test(test_new_bigint),
		cmocka_unit_test(test_rejects),
		cmocka_unit_test(test_json_numbers_accepted),
		cmocka_unit_test(test_depth_limit),
		cmocka_unit_test(test_strings_and_python_output),
	};

	if (secure_init() != RC_OK)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
