/* Safety numbers: one code per pair of keys, the same from both sides,
 * another for any other pair, and known answers computed independently. */
#include "config.h"

#include <ctype.h>
#include <stdarg.h>
#include <setjmp.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "errors.h"
#include "safety.h"
#include "secure.h"
#include "testutil.h"

static struct json_object *vectors;

static int setup(void **state)
{
	(void)state;
	vectors = test_vectors_load();
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	json_object_put(vectors);
	return 0;
}

/* The public part of vectors.keys[index], its e raised by e_delta. */
static void test_public_key(size_t index, unsigned long e_delta, struct rsa_public *k)
{
	struct json_object *keys;

	assert_true(json_object_object_get_ex(vectors, "keys", &keys));
	rsa_public_init(k);
	test_mpz_from_member(json_object_array_get_idx(keys, index), "e", k->e);
	test_mpz_from_member(json_object_array_get_idx(keys, index), "n", k->n);
	mpz_add_ui(k->e, k->e, e_delta);
}

/* The safety number of vector keys a and b, b's e raised by b_e_delta. */
static void test_safety_of(size_t a, size_t b, unsigned long b_e_delta, char out[SAFETY_NUMBER_MAX])
{
	struct rsa_public ka, kb;

	test_public_key(a, 0, &ka);
	test_public_key(b, b_e_delta, &kb);
	assert_int_equal(safety_number(&ka, &kb, out), RC_OK);
	rsa_public_clear(&ka);
	rsa_public_clear(&kb);
}

static void test_safety_known_answers(void **state)
{
	/* Computed with Python's hashlib from the vector keys, following the
	 * definition in safety.h. */
	static const struct {
		size_t a, b;
		const char *want;
	} cases[] = {
		{ 0, 1, "30039 17204 80098 16182 03967 63444 09109 27332 58961 13895 71384 00712" },
		{ 0, 2, "66299 49843 04953 35241 39954 99862 81682 64505 57879 62778 15006 58101" },
	};
	char out[SAFETY_NUMBER_MAX];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		test_safety_of(cases[i].a, cases[i].b, 0, out);
		assert_string_equal(out, cases[i].want);
		assert_int_equal(strlen(out), SAFETY_NUMBER_MAX - 1);
	}
}

static void test_safety_symmetric_and_distinct(void **state)
{
	char ab[SAFETY_NUMBER_MAX], ba[SAFETY_NUMBER_MAX], other[SAFETY_NUMBER_MAX];
	size_t i;

	(void)state;
	test_safety_of(0, 1, 0, ab);
	test_safety_of(1, 0, 0, ba);
	assert_string_equal(ab, ba);
	for (i = 0; i < SAFETY_NUMBER_MAX - 1; i++)
		assert_true((i % 6 == 5) ? ab[i] == ' ' : isdigit((unsigned char)ab[i]) != 0);

	/* either key replaced, or the same key on both sides */
	test_safety_of(0, 2, 0, other);
	assert_string_not_equal(ab, other);
	test_safety_of(2, 1, 0, other);
	assert_string_not_equal(ab, other);
	test_safety_of(0, 0, 0, other);
	assert_string_not_equal(ab, other);

	/* one key differing in e alone (same n) */
	test_safety_of(0, 1, 2, other);
	assert_string_not_equal(ab, other);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_safety_known_answers),
		cmocka_unit_test(test_safety_symmetric_and_distinct),
	};

	if (secure_init() != RC_OK)
		return 1;
	return cmocka_run_group_tests(tests, setup, teardown);
}
