/* RSA: key generation, CRT against the plain operation, factor recovery from
 * (e, d, n), key checks, and block-codec round trips with both chunk sizes. */
#include "config.h"

#include <stdarg.h>
#include <setjmp.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "bigint.h"
#include "errors.h"
#include "protocol.h"
#include "rsa.h"
#include "secure.h"
#include "testutil.h"
#include "wire.h"

/* What the server applies to a request: chunks as an honest encoder makes them. */
static const struct rsa_decrypt_limits request_limits = { .full_chunks = 1 };

#define N_KEYS 3
static struct rsa_private keys[N_KEYS];         /* generated: 1024, 1024, 2048 bits */
static const unsigned key_bits[N_KEYS] = { 1024, 1024, 2048 };
static struct rsa_private original_keys[3];     /* the vectors' keys */
static struct json_object *vectors;
static int progress_calls;

static void count_progress(void *arg, int stage)
{
	(void)arg;
	assert_true(stage == 1 || stage == 2);
	progress_calls++;
}

static int setup_keys(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < N_KEYS; i++) {
		rsa_private_init(&keys[i]);
		if (rsa_generate(&keys[i], key_bits[i], count_progress, NULL) != RC_OK)
			return -1;
	}
	vectors = test_vectors_load();
	for (i = 0; i < 3; i++) {
		rsa_private_init(&original_keys[i]);
		test_vector_key(vectors, i, &original_keys[i]);
	}
	return 0;
}

static int teardown_keys(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < N_KEYS; i++)
		rsa_private_clear(&keys[i]);
	for (i = 0; i < 3; i++)
		rsa_private_clear(&original_keys[i]);
	json_object_put(vectors);
	return 0;
}

static void test_generated_keys(void **state)
{
	size_t i;
	mpz_t t, u;

	(void)state;
	mpz_inits(t, u, NULL);
	for (i = 0; i < N_KEYS; i++) {
		struct rsa_private *k = &keys[i];

		assert_int_equal(mpz_sizeinbase(k->pub.n, 2), key_bits[i]);
		assert_int_equal(mpz_cmp_ui(k->pub.e, RSA_DEFAULT_E), 0);
		assert_true(k->has_crt);
		assert_int_equal(rsa_public_check(&k->pub), RC_OK);
		assert_true(mpz_cmp(k->p, k->q) > 0);
		assert_int_equal(mpz_sizeinbase(k->p, 2), key_bits[i] / 2);
		assert_int_equal(mpz_sizeinbase(k->q, 2), key_bits[i] / 2);
		assert_true(mpz_tstbit(k->p, key_bits[i] / 2 - 2) && mpz_tstbit(k->q, key_bits[i] / 2 - 2));
		assert_true(mpz_probab_prime_p(k->p, 30) > 0);
		assert_true(mpz_probab_prime_p(k->q, 30) > 0);
		mpz_mul(t, k->p, k->q);
		assert_int_equal(mpz_cmp(t, k->pub.n), 0);
		/* e * d = 1 mod (p - 1) and mod (q - 1) */
		mpz_mul(t, k->pub.e, k->d);
		mpz_sub_ui(t, t, 1);
		mpz_sub_ui(u, k->p, 1);
		assert_true(mpz_divisible_p(t, u));
		mpz_sub_ui(u, k->q, 1);
		assert_true(mpz_divisible_p(t, u));
		assert_int_equal(rsa_private_complete(k), RC_OK);
	}
	/* two generations never give the same modulus */
	assert_int_not_equal(mpz_cmp(keys[0].pub.n, keys[1].pub.n), 0);
	assert_true(progress_calls >= 2 * N_KEYS);
	mpz_clears(t, u, NULL);
}

static void test_generate_bad_sizes(void **state)
{
	struct rsa_private k;

	(void)state;
	rsa_private_init(&k);
	assert_int_equal(rsa_generate(&k, 511, NULL, NULL), RC_ERR_INVAL);
	assert_int_equal(rsa_generate(&k, 1023, NULL, NULL), RC_ERR_INVAL);
	assert_int_equal(rsa_generate(&k, PROTO_MAX_MODULUS_BITS + 2, NULL, NULL), RC_ERR_INVAL);
	/* the smallest allowed size works */
	assert_int_equal(rsa_generate(&k, PROTO_MIN_MODULUS_BITS, NULL, NULL), RC_OK);
	assert_int_equal(mpz_sizeinbase(k.pub.n, 2), PROTO_MIN_MODULUS_BITS);
	rsa_private_clear(&k);
}

static void test_crt_equals_plain(void **state)
{
	struct rsa_private *all[N_KEYS + 3];
	gmp_randstate_t rs;
	size_t i, j;
	mpz_t m, c, a, b;

	(void)state;
	for (i = 0; i < N_KEYS; i++)
		all[i] = &keys[i];
	for (i = 0; i < 3; i++)
		all[N_KEYS + i] = &original_keys[i];
	gmp_randinit_default(rs);
	gmp_randseed_ui(rs, 42);
	mpz_inits(m, c, a, b, NULL);
	for (i = 0; i < N_KEYS + 3; i++) {
		assert_true(all[i]->has_crt);
		for (j = 0; j < 10; j++) {
			mpz_urandomm(c, rs, all[i]->pub.n);
			if (j == 0)
				mpz_set_ui(c, 0);
			if (j == 1)
				mpz_sub_ui(c, all[i]->pub.n, 1);
			if (j == 2)
				mpz_set(c, all[i]->q);  /* shares a factor with n */
			rsa_private_op(a, c, all[i]);
			rsa_private_op_plain(b, c, all[i]);
			assert_int_equal(mpz_cmp(a, b), 0);
			rsa_public_op(m, a, &all[i]->pub);
			assert_int_equal(mpz_cmp(m, c), 0);
		}
	}
	mpz_clears(m, c, a, b, NULL);
	gmp_randclear(rs);
}

/* The original's keys come as (e, d, n): p and q are recovered. */
static void test_factor_recovery(void **state)
{
	struct rsa_private k;
	size_t i;
	mpz_t t, d;

	(void)state;
	mpz_inits(t, d, NULL);
	for (i = 0; i < 3; i++) {
		struct rsa_private *o = &original_keys[i];

		assert_true(o->has_crt);
		mpz_mul(t, o->p, o->q);
		assert_int_equal(mpz_cmp(t, o->pub.n), 0);
		assert_true(mpz_cmp_ui(o->q, 1) > 0);
		assert_true(mpz_probab_prime_p(o->p, 30) > 0);
		assert_true(mpz_probab_prime_p(o->q, 30) > 0);
		/* a wrong d is refused */
		rsa_private_init(&k);
		mpz_add_ui(d, o->d, 2);
		assert_int_equal(rsa_private_from_edn(&k, o->pub.e, d, o->pub.n), RC_ERR_KEY);
		assert_false(k.has_crt);
		rsa_private_clear(&k);
	}
	/* the same recovery on our own keys finds our p and q */
	for (i = 0; i < N_KEYS; i++) {
		rsa_private_init(&k);
		assert_int_equal(rsa_private_from_edn(&k, keys[i].pub.e, keys[i].d, keys[i].pub.n), RC_OK);
		assert_int_equal(mpz_cmp(k.p, keys[i].p), 0);
		assert_int_equal(mpz_cmp(k.q, keys[i].q), 0);
		assert_int_equal(mpz_cmp(k.qinv, keys[i].qinv), 0);
		rsa_private_clear(&k);
	}
	mpz_clears(t, d, NULL);
}

static void test_complete_rejects_inconsistent(void **state)
{
	struct rsa_private k;

	(void)state;
	rsa_private_init(&k);
	mpz_set(k.pub.e, keys[0].pub.e);
	mpz_set(k.pub.n, keys[0].pub.n);
	mpz_set(k.d, keys[0].d);
	mpz_set(k.p, keys[0].p);
	mpz_set(k.q, keys[1].q);      /* wrong factor */
	assert_int_equal(rsa_private_complete(&k), RC_ERR_KEY);
	/* the refused key is left as given */
	assert_int_equal(mpz_cmp(k.p, keys[0].p), 0);
	assert_int_equal(mpz_cmp(k.q, keys[1].q), 0);
	assert_false(k.has_crt);
	mpz_set(k.q, keys[0].q);
	mpz_add_ui(k.d, k.d, 2);      /* wrong d */
	assert_int_equal(rsa_private_complete(&k), RC_ERR_KEY);
	mpz_set(k.d, keys[0].d);
	/* p and q in either order */
	mpz_swap(k.p, k.q);
	assert_int_equal(rsa_private_complete(&k), RC_OK);
	assert_true(k.has_crt);
	assert_int_equal(mpz_cmp(k.p, keys[0].p), 0);
	assert_int_equal(mpz_cmp(k.qinv, keys[0].qinv), 0);
	rsa_private_clear(&k);
}

static void test_public_check(void **state)
{
	struct rsa_public k;

	(void)state;
	rsa_public_init(&k);
	assert_int_equal(rsa_public_copy(&k, &keys[0].pub), RC_OK);
	assert_true(rsa_public_equal(&k, &keys[0].pub));
	assert_false(rsa_public_equal(&k, &keys[1].pub));
	assert_int_equal(rsa_public_check(&k), RC_OK);
	mpz_set_ui(k.e, 65536);
	assert_int_equal(rsa_public_check(&k), RC_ERR_KEY);   /* even e */
	mpz_set_ui(k.e, 1);
	assert_int_equal(rsa_public_check(&k), RC_ERR_KEY);   /* e < 3 */
	mpz_set_ui(k.e, 3);
	assert_int_equal(rsa_public_check(&k), RC_OK);
	mpz_set_ui(k.e, (1ul << PROTO_MAX_PEER_E_BITS) - 1);
	assert_int_equal(rsa_public_check(&k), RC_OK);        /* the longest e */
	mpz_set_ui(k.e, (1ul << PROTO_MAX_PEER_E_BITS) + 1);
	assert_int_equal(rsa_public_check(&k), RC_ERR_KEY);   /* one bit longer */
	mpz_sub_ui(k.e, k.n, 2);
	assert_int_equal(rsa_public_check(&k), RC_ERR_KEY);   /* n - 2: odd, < n, huge */
	mpz_set(k.e, k.n);
	assert_int_equal(rsa_public_check(&k), RC_ERR_KEY);   /* e >= n */
	mpz_set_ui(k.e, 3);
	mpz_set_ui(k.n, 1);
	mpz_mul_2exp(k.n, k.n, PROTO_MIN_MODULUS_BITS - 2);
	mpz_add_ui(k.n, k.n, 1);
	assert_int_equal(rsa_public_check(&k), RC_ERR_KEY);   /* 511 bits */
	mpz_mul_2exp(k.n, k.n, 1);
	assert_int_equal(rsa_public_check(&k), RC_ERR_KEY);   /* even n */
	mpz_add_ui(k.n, k.n, 1);
	assert_int_equal(rsa_public_check(&k), RC_OK);        /* 512 bits, odd */
	mpz_set_ui(k.n, 1);
	mpz_mul_2exp(k.n, k.n, PROTO_MAX_MODULUS_BITS);
	mpz_add_ui(k.n, k.n, 1);
	assert_int_equal(rsa_public_check(&k), RC_ERR_KEY);   /* 16385 bits */
	rsa_public_clear(&k);
}

static void test_chunk_sizes(void **state)
{
	(void)state;
	assert_int_equal(rsa_modulus_bytes(&keys[0].pub), 128);
	assert_int_equal(rsa_chunk_original(&keys[0].pub), 63);
	assert_int_equal(rsa_chunk_wide(&keys[0].pub), 127);
	assert_int_equal(rsa_modulus_bytes(&keys[2].pub), 256);
	assert_int_equal(rsa_chunk_original(&keys[2].pub), 127);
	assert_int_equal(rsa_chunk_wide(&keys[2].pub), 255);
}

/* Encrypts text with chunk, checks the block count and decrypts it back. */
static void round_trip(const struct rsa_private *k, const char *text, size_t len, size_t chunk)
{
	struct blocklist blocks;
	struct bytebuf plain, frame;
	size_t i;

	blocklist_init(&blocks);
	assert_int_equal(rsa_encrypt(&k->pub, (const uint8_t *)text, len, chunk, &blocks), RC_OK);
	assert_int_equal(blocks.count, len == 0 ? 1 : (len + chunk - 1) / chunk);
	for (i = 0; i < blocks.count; i++)
		assert_true(blocks.v[i].len <= rsa_modulus_bytes(&k->pub));
	bytebuf_init(&plain, BYTEBUF_UNBOUNDED);
	assert_int_equal(rsa_decrypt(k, &blocks, &plain), RC_OK);
	assert_int_equal(plain.len, len);
	if (len)
		assert_memory_equal(plain.data, text, len);
	/* A request in the original's or our chunks passes the server's checks. */
	assert_true(blocks.count <= wire_max_blocks(rsa_modulus_bytes(&k->pub), blocklist_total(&blocks)));
	plain.len = 0;
	assert_int_equal(rsa_decrypt_limited(k, &blocks, &request_limits, &plain), RC_OK);
	assert_int_equal(plain.len, len);
	bytebuf_free(&plain);
	blocklist_free(&blocks);
	/* the same through the wire layer */
	bytebuf_init(&frame, BYTEBUF_UNBOUNDED);
	assert_int_equal(wire_seal(&k->pub, chunk, text, len, &frame), RC_OK);
	assert_int_equal(bytes_get_u32le(frame.data), len == 0 ? 1 : (len + chunk - 1) / chunk);
	bytebuf_free(&frame);
}

static void test_round_trips(void **state)
{
	static const char *const samples[] = {
		"",
		"a",
		"{\"cmd\": \"ping\"}",
		"Привет, мир! Съешь же ещё этих мягких французских булок, да выпей чаю.",
		"emoji 👋🏽🎉 and CJK 漢字 and combining é",
	};
	struct rsa_private *all[2] = { &keys[0], &keys[2] };
	char text[1200];
	size_t i, s, c, chunk, n;
	uint32_t rs = 7;

	(void)state;
	for (i = 0; i < 2; i++) {
		for (c = 0; c < 2; c++) {
			chunk = c == 0 ? rsa_chunk_original(&all[i]->pub) : rsa_chunk_wide(&all[i]->pub);
			for (s = 0; s < sizeof(samples) / sizeof(samples[0]); s++)
				round_trip(all[i], samples[s], strlen(samples[s]), chunk);
			/* exactly one chunk, one byte more, and many chunks */
			memset(text, 'x', sizeof(text));
			round_trip(all[i], text, chunk, chunk);
			round_trip(all[i], text, chunk + 1, chunk);
			round_trip(all[i], text, sizeof(text), chunk);
			/* repeated multi-byte text: chunk boundaries split characters */
			for (n = 0; n + 4 <= sizeof(text); n += 4)
				memcpy(text + n, "\xf0\x9f\x91\x8b", 4);
			round_trip(all[i], text, n, chunk);
			for (n = 0; n + 2 <= sizeof(text); n += 2)
				memcpy(text + n, "\xd0\x96", 2);
			round_trip(all[i], text, n - 1, chunk);
			/* random bytes without NUL (the codec carries any byte but 0x00 at a chunk start) */
			for (n = 0; n < sizeof(text); n++)
				text[n] = (char)(1 + test_rand(&rs) % 255);
			round_trip(all[i], text, sizeof(text), chunk);
			round_trip(all[i], text, 1 + test_rand(&rs) % sizeof(text), chunk);
		}
	}
}

static void test_nul_and_bad_chunks(void **state)
{
	struct blocklist blocks;
	const struct rsa_public *k = &keys[0].pub;

	(void)state;
	blocklist_init(&blocks);
	assert_int_equal(blocklist_push(&blocks, (const uint8_t *)"keep", 4), RC_OK);
	assert_int_equal(rsa_encrypt(k, (const uint8_t *)"\0abc", 4, 63, &blocks), RC_ERR_NUL);
	/* a NUL at the start of the second chunk */
	assert_int_equal(rsa_encrypt(k, (const uint8_t *)"abc\0de", 6, 3, &blocks), RC_ERR_NUL);
	/* nothing was appended by the failed calls */
	assert_int_equal(blocks.count, 1);
	/* a NUL inside a chunk survives the codec (text layers refuse it) */
	assert_int_equal(rsa_encrypt(k, (const uint8_t *)"ab\0c", 4, 3, &blocks), RC_OK);
	assert_int_equal(blocks.count, 3);
	assert_int_equal(rsa_encrypt(k, (const uint8_t *)"abc", 3, 0, &blocks), RC_ERR_INVAL);
	assert_int_equal(rsa_encrypt(k, (const uint8_t *)"abc", 3, rsa_modulus_bytes(k), &blocks), RC_ERR_INVAL);
	blocklist_free(&blocks);
}

static void test_decrypt_range(void **state)
{
	struct blocklist blocks;
	struct bytebuf plain;
	uint8_t *nb;
	size_t nlen;

	(void)state;
	blocklist_init(&blocks);
	bytebuf_init(&plain, BYTEBUF_UNBOUNDED);
	assert_int_equal(rsa_encrypt(&keys[0].pub, (const uint8_t *)"hi", 2, 63, &blocks), RC_OK);
	assert_int_equal(bigint_to_bytes(keys[0].pub.n, &nb, &nlen), RC_OK);
	assert_int_equal(blocklist_push_owned(&blocks, nb, nlen), RC_OK);  /* c == n */
	assert_int_equal(rsa_decrypt(&keys[0], &blocks, &plain), RC_ERR_RANGE);
	assert_int_equal(plain.len, 0);
	blocklist_free(&blocks);
	/* an empty block decrypts to nothing; leading zero bytes of a block are fine */
	assert_int_equal(blocklist_push(&blocks, NULL, 0), RC_OK);
	assert_int_equal(rsa_decrypt(&keys[0], &blocks, &plain), RC_OK);
	assert_int_equal(plain.len, 0);
	bytebuf_free(&plain);
	blocklist_free(&blocks);
}

/* Requests: chunks that are not full-size (but the last) are refused block
 * by block, and a peer that left stops the work. */
static void test_decrypt_request(void **state)
{
	const struct rsa_private *k = &keys[0];
	struct blocklist full, small, req;
	struct bytebuf plain;
	atomic_int gone = 0;
	const struct rsa_decrypt_limits gone_limits = { .full_chunks = 1, .gone = &gone };

	(void)state;
	blocklist_init(&full);
	blocklist_init(&small);
	blocklist_init(&req);
	bytebuf_init(&plain, BYTEBUF_UNBOUNDED);
	assert_int_equal(rsa_encrypt(&k->pub, (const uint8_t *)"aaaa", 4, 2, &full), RC_OK);
	assert_int_equal(rsa_encrypt(&k->pub, (const uint8_t *)"b", 1, 2, &small), RC_OK);
	/* [aa][aa][b]: fine */
	assert_int_equal(blocklist_push(&req, full.v[0].data, full.v[0].len), RC_OK);
	assert_int_equal(blocklist_push(&req, full.v[1].data, full.v[1].len), RC_OK);
	assert_int_equal(blocklist_push(&req, small.v[0].data, small.v[0].len), RC_OK);
	assert_int_equal(rsa_decrypt_limited(k, &req, &gone_limits, &plain), RC_OK);
	assert_int_equal(plain.len, 5);
	/* [aa][aa][b][aa]: a short chunk before the last */
	assert_int_equal(blocklist_push(&req, full.v[0].data, full.v[0].len), RC_OK);
	plain.len = 0;
	assert_int_equal(rsa_decrypt_limited(k, &req, &gone_limits, &plain), RC_ERR_PROTOCOL);
	assert_int_equal(plain.len, 0);
	assert_int_equal(rsa_decrypt(k, &req, &plain), RC_OK); /* the lenient decoder takes it */
	blocklist_free(&req);
	/* [b][aa]: the last longer than the first */
	assert_int_equal(blocklist_push(&req, small.v[0].data, small.v[0].len), RC_OK);
	assert_int_equal(blocklist_push(&req, full.v[0].data, full.v[0].len), RC_OK);
	plain.len = 0;
	assert_int_equal(rsa_decrypt_limited(k, &req, &request_limits, &plain), RC_ERR_PROTOCOL);
	/* the peer left: nothing is decrypted */
	atomic_store(&gone, 1);
	assert_int_equal(rsa_decrypt_limited(k, &full, &gone_limits, &plain), RC_ERR_EOF);
	assert_int_equal(plain.len, 0);
	/* the block count a byte size can need */
	assert_int_equal(wire_max_blocks(256, 1024), 10);
	assert_int_equal(wire_max_blocks(256, 0), 2);
	assert_int_equal(wire_max_blocks(128, 4096 * 5), 4096 * 5 / 64 + 2);
	bytebuf_free(&plain);
	blocklist_free(&req);
	blocklist_free(&full);
	blocklist_free(&small);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_generated_keys),
		cmocka_unit_test(test_generate_bad_sizes),
		cmocka_unit_test(test_crt_equals_plain),
		cmocka_unit_test(test_factor_recovery),
		cmocka_unit_test(test_complete_rejects_inconsistent),
		cmocka_unit_test(test_public_check),
		cmocka_unit_test(test_chunk_sizes),
		cmocka_unit_test(test_round_trips),
		cmocka_unit_test(test_nul_and_bad_chunks),
		cmocka_unit_test(test_decrypt_range),
		cmocka_unit_test(test_decrypt_request),
	};

	if (secure_init() != RC_OK)
		return 1;
	return cmocka_run_group_tests(tests, setup_keys, teardown_keys);
}
