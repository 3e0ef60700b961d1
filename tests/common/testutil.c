#include "config.h"

#include <stdarg.h>
#include <setjmp.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "errors.h"
#include "testutil.h"

struct json_object *test_vectors_load(void)
{
	const char *path = getenv("RC_VECTORS");
	struct json_object *v;

	assert_non_null(path);
	v = json_object_from_file(path);
	assert_non_null(v);
	return v;
}

static int test_hex_digit(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	fail_msg("bad hex digit %c", c);
	return 0;
}

uint8_t *test_hex_decode(const char *hex, size_t *len)
{
	size_t n = strlen(hex), i;
	uint8_t *out;

	assert_int_equal(n % 2, 0);
	out = malloc(n / 2 + 1);
	assert_non_null(out);
	for (i = 0; i < n / 2; i++)
		out[i] = (uint8_t)(test_hex_digit(hex[2 * i]) * 16 + test_hex_digit(hex[2 * i + 1]));
	*len = n / 2;
	return out;
}

void test_mpz_from_member(struct json_object *obj, const char *key, mpz_t out)
{
	struct json_object *v;

	assert_true(json_object_object_get_ex(obj, key, &v));
	assert_int_equal(mpz_set_str(out, json_object_get_string(v), 10), 0);
}

void test_vector_key(struct json_object *vectors, size_t index, struct rsa_private *k)
{
	struct json_object *keys, *key;
	mpz_t e, d, n;

	assert_true(json_object_object_get_ex(vectors, "keys", &keys));
	key = json_object_array_get_idx(keys, index);
	assert_non_null(key);
	mpz_inits(e, d, n, NULL);
	test_mpz_from_member(key, "e", e);
	test_mpz_from_member(key, "d", d);
	test_mpz_from_member(key, "n", n);
	assert_int_equal(rsa_private_from_edn(k, e, d, n), RC_OK);
	mpz_clears(e, d, n, NULL);
}

uint32_t test_rand(uint32_t *state)
{
	/* xorshift32: reproducible, good enough to pick splits and lengths */
	uint32_t x = *state ? *state : 0x9e3779b9u;

	x ^= x << 13;
	x ^= x >> 17;
	x ^= x << 5;
	*state = x;
	return x;
}
