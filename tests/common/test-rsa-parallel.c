/* rsa_encrypt_parallel gives exactly rsa_encrypt's blocks: for texts of no,
 * one and many chunks, slices that divide evenly and unevenly, any thread
 * count, appending to a non-empty list, and the same errors. */
#include "config.h"

#include <stdarg.h>
#include <setjmp.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "errors.h"
#include "rsa.h"
#include "rsa_parallel.h"
#include "testutil.h"

static struct rsa_private key;

static int setup_key(void **state)
{
	(void)state;
	rsa_private_init(&key);
	return rsa_generate(&key, 1024, NULL, NULL) == RC_OK ? 0 : -1;
}

static int teardown_key(void **state)
{
	(void)state;
	rsa_private_clear(&key);
	return 0;
}

/* n pseudo-random bytes, none of them 0 (a chunk may not start with 0). */
static uint8_t *text_new(size_t n, uint32_t seed)
{
	uint8_t *p = malloc(n ? n : 1);

	assert_non_null(p);
	for (size_t i = 0; i < n; i++)
		p[i] = (uint8_t)(1 + test_rand(&seed) % 255);
	return p;
}

static void assert_same_blocks(const struct blocklist *a, const struct blocklist *b)
{
	assert_int_equal(a->count, b->count);
	for (size_t i = 0; i < a->count; i++) {
		assert_int_equal(a->v[i].len, b->v[i].len);
		if (a->v[i].len)
			assert_memory_equal(a->v[i].data, b->v[i].data, a->v[i].len);
	}
}

/* Both functions on the same text, appended after one block already there. */
static void check_equal(size_t n, size_t chunk, unsigned threads)
{
	struct blocklist seq, par;
	uint8_t *text = text_new(n, (uint32_t)(n * 31 + threads));

	blocklist_init(&seq);
	blocklist_init(&par);
	assert_int_equal(blocklist_push(&seq, (const uint8_t *)"x", 1), RC_OK);
	assert_int_equal(blocklist_push(&par, (const uint8_t *)"x", 1), RC_OK);
	assert_int_equal(rsa_encrypt(&key.pub, text, n, chunk, &seq), RC_OK);
	assert_int_equal(rsa_encrypt_parallel(&key.pub, text, n, chunk, threads, &par), RC_OK);
	assert_same_blocks(&seq, &par);
	blocklist_free(&seq);
	blocklist_free(&par);
	free(text);
}

static void test_equals_sequential(void **state)
{
	size_t wide = rsa_chunk_wide(&key.pub), orig = rsa_chunk_original(&key.pub);
	size_t many = 2 * RSA_PARALLEL_MIN_CHUNKS;
	const size_t sizes[] = {
		0, 1, orig, wide,                    /* none or one chunk: no threads */
		many * wide - 1,                     /* just short of two slices' worth */
		many * wide,                         /* two even slices */
		many * wide + 1,                     /* a last chunk of one byte */
		(3 * RSA_PARALLEL_MIN_CHUNKS + 7) * wide + 13, /* uneven slices */
	};
	const unsigned threads[] = { 1, 2, 3, 8 };

	(void)state;
	for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++)
		for (size_t t = 0; t < sizeof threads / sizeof threads[0]; t++)
			check_equal(sizes[i], wide, threads[t]);
	check_equal((5 * RSA_PARALLEL_MIN_CHUNKS + 3) * orig + 2, orig, 4);
}

static void test_same_errors(void **state)
{
	size_t wide = rsa_chunk_wide(&key.pub), n = 4 * RSA_PARALLEL_MIN_CHUNKS * wide;
	uint8_t *text = text_new(n, 7);
	struct blocklist out;

	(void)state;
	blocklist_init(&out);
	assert_int_equal(blocklist_push(&out, (const uint8_t *)"x", 1), RC_OK);
	/* A chunk starting with 0 in the last slice fails the whole call. */
	text[n - wide] = 0;
	assert_int_equal(rsa_encrypt_parallel(&key.pub, text, n, wide, 2, &out), RC_ERR_NUL);
	assert_int_equal(out.count, 1);
	assert_int_equal(rsa_encrypt_parallel(&key.pub, text, n, 0, 2, &out), RC_ERR_INVAL);
	assert_int_equal(rsa_encrypt_parallel(&key.pub, text, n, rsa_modulus_bytes(&key.pub), 2, &out), RC_ERR_INVAL);
	assert_int_equal(out.count, 1);
	blocklist_free(&out);
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_equals_sequential),
		cmocka_unit_test(test_same_errors),
	};

	return cmocka_run_group_tests(tests, setup_key, teardown_key);
}
