/* RSAES-OAEP and RSASSA-PSS (RFC 8017, SHA-256): round trips on several key
 * sizes, known answers made by another implementation, and rejection of
 * anything altered. */
#include "config.h"

#include <stdarg.h>
#include <setjmp.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "bytebuf.h"
#include "errors.h"
#include "oaep.h"
#include "pkcs1.h"
#include "pss.h"
#include "secure.h"
#include "testutil.h"

/* The vector keys (0: 2048 bits, e = 8521; 2: 1024 bits, e = 7069, made by
 * the original implementation), the smallest size v2 accepts (536 bits), a
 * 1025-bit key (emLen = k - 1 in PSS) and a 512-bit key (too small). */
enum { KEY_2048, KEY_1024, KEY_536, KEY_1025, KEY_512, KEY_COUNT };
static struct rsa_private keys[KEY_COUNT];

/* Known answers made with Python's cryptography 48.0.0 (OpenSSL):
 * OAEP(MGF1(SHA256()), SHA256(), label=None) encryption and
 * PSS(MGF1(SHA256()), salt_length=32) signing with SHA256(). */
static const char oaep_answer_2048[] =
	"9a6afad1790c8177423ad3c390118fb22aed4be188ce925069016dfdfb3ec6de17ea3395d92ba53fdbc92165b52ed295c150d6d688b0b6"
	"4980b28ddb7d4335a3fdedc10449a3f371ebfd50b5cdb2cee666da1240f6ff054a026ae132f679b0821d7dfdd7c936debba005c0955edd"
	"99d64121f6da016bd1fb49051b3e18cfcab803f85032e33c0cfec144a3087eca80bb0aafb5b5ceec19ddbe12161cd37e8fe077a820b153"
	"fc98f3151b7a53eafe705d78007901b7e73ce76d50a6f8e431b2acec332491c7ffd0a7286a93de20a6b0b5069c83fa8a24d3ece841d533"
	"db7e3e415977f671b2786660e0067759c4be3bf8db34af469250dc92d260ce41b35a77b4";
static const char oaep_answer_1024[] =
	"427d9b8f3c109b5c7c46034d28429c17bb001ff28cac7a9ec988e11e68cd4ef0222bd2a68e6e2f318fdb573757739602ab0c732d682fd6"
	"29c3972160ef4382db235c9a7814b293d5983759020d0155aed7abc831349e0899f7aeb9602d45c2ef6073836571e22ec637ab83461a9f"
	"4e8c451c5df22c8504cc2112132d5d355617";
static const char pss_answer_2048[] =
	"6a839713f2af037bad3900303d0d2f2b382b17241c01aeb58a4dcde1214de7ddb58d7f0666153ca7830510ca97dacefd112cc6c269cb1b"
	"055ce09067db48db306fe4368798efece167a5263baa8ec126fe81a9d5933dcfe951f1ed64815c5fd4ca6cb946abf4e122e3806b8095c8"
	"2963ca5260f6e95268ff82c3270d749e814ec51b23a4ef1e2801465be019e7427081cf43c7d0d0db0edbd11ac98fb99bcbea1b1981e3da"
	"73187173c05da16e91c9c454e00158e2df0997cfe1a39642cd05bd287be86cf16349e296142ffe11ecc078d553c2dec667058300fe9aaf"
	"e693b47ab18cac270533db0bff29250ac64bcf285bf1373d47256e98a96d1683cee4afaa";

/* The first prime from start up with gcd(e, prime - 1) = 1. */
static void test_prime_from(mpz_t p, const char *start, const mpz_t e)
{
	mpz_t g;

	mpz_init(g);
	assert_int_equal(mpz_set_str(p, start, 16), 0);
	for (;;) {
		mpz_nextprime(p, p);
		mpz_sub_ui(g, p, 1);
		mpz_gcd(g, g, e);
		if (mpz_cmp_ui(g, 1) == 0)
			break;
	}
	mpz_clear(g);
}

/* A 1025-bit key from two fixed primes of 513 and 512 bits. */
static void test_key_1025(struct rsa_private *k)
{
	mpz_t lambda, pm1, qm1;

	mpz_inits(lambda, pm1, qm1, NULL);
	mpz_set_ui(k->pub.e, RSA_DEFAULT_E);
	/* p from 3 * 2^511, q from 3 * 2^510: n just above 2^1024 */
	test_prime_from(k->p, "18" "000000000000000000000000000000000000000000000000000000000000000"
	                      "0000000000000000000000000000000000000000000000000000000000000000", k->pub.e);
	test_prime_from(k->q, "c" "000000000000000000000000000000000000000000000000000000000000000"
	                      "0000000000000000000000000000000000000000000000000000000000000000", k->pub.e);
	mpz_mul(k->pub.n, k->p, k->q);
	assert_int_equal(mpz_sizeinbase(k->pub.n, 2), 1025);
	mpz_sub_ui(pm1, k->p, 1);
	mpz_sub_ui(qm1, k->q, 1);
	mpz_lcm(lambda, pm1, qm1);
	assert_int_not_equal(mpz_invert(k->d, k->pub.e, lambda), 0);
	assert_int_equal(rsa_private_complete(k), RC_OK);
	mpz_clears(lambda, pm1, qm1, NULL);
}

static int setup(void **state)
{
	struct json_object *vectors = test_vectors_load();
	size_t i;

	(void)state;
	for (i = 0; i < KEY_COUNT; i++)
		rsa_private_init(&keys[i]);
	test_vector_key(vectors, 0, &keys[KEY_2048]);
	test_vector_key(vectors, 2, &keys[KEY_1024]);
	json_object_put(vectors);
	test_key_1025(&keys[KEY_1025]);
	return rsa_generate(&keys[KEY_536], 536, NULL, NULL) == RC_OK && rsa_generate(&keys[KEY_512], 512, NULL, NULL) == RC_OK
	               ? 0
	               : -1;
}

static int teardown(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < KEY_COUNT; i++)
		rsa_private_clear(&keys[i]);
	return 0;
}

static void test_mgf1_and_i2osp(void **state)
{
	/* MGF1-SHA-256("abc", 40): SHA-256("abc" || 00000000) || SHA-256("abc" || 00000001)[0..8). */
	static const char want[] = "cf2db1ac9867debdf8ce91f99f141e5544bf26ca36b3fd4f8e4035eec42cab0d46c386ebccef82ba";
	uint8_t buf[40] = { 0 }, out[4];
	size_t want_len;
	uint8_t *expect = test_hex_decode(want, &want_len);
	mpz_t x;

	(void)state;
	pkcs1_mgf1_xor(buf, sizeof(buf), (const uint8_t *)"abc", 3);
	assert_int_equal(want_len, sizeof(buf));
	assert_memory_equal(buf, expect, sizeof(buf));
	free(expect);

	mpz_init_set_ui(x, 0x0102);
	assert_int_equal(pkcs1_i2osp(x, out, sizeof(out)), RC_OK);
	assert_memory_equal(out, "\0\0\x01\x02", 4);
	mpz_set_ui(x, 0x0102030405ul);
	assert_int_equal(pkcs1_i2osp(x, out, sizeof(out)), RC_ERR_RANGE);
	mpz_clear(x);
}

static void test_oaep_round_trip(void **state)
{
	static const size_t sizes[] = { KEY_2048, KEY_1024, KEY_536, KEY_1025 };
	uint8_t msg[256], c[256], c2[256], m[256];
	size_t i, len, m_len, n;
	uint32_t seed = 7;

	(void)state;
	for (i = 0; i < sizeof(msg); i++)
		msg[i] = (uint8_t)test_rand(&seed);
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		struct rsa_private *k = &keys[sizes[i]];
		size_t max = oaep_max_message(&k->pub), lens[] = { 0, 1, max / 2, max };

		n = rsa_modulus_bytes(&k->pub);
		assert_int_equal(max, n - OAEP_OVERHEAD_BYTES);
		for (len = 0; len < 4; len++) {
			assert_int_equal(oaep_encrypt(&k->pub, msg, lens[len], c), RC_OK);
			assert_int_equal(oaep_decrypt(k, c, n, m, &m_len), RC_OK);
			assert_int_equal(m_len, lens[len]);
			assert_memory_equal(m, msg, m_len);
			/* randomized: the same message encrypts differently */
			assert_int_equal(oaep_encrypt(&k->pub, msg, lens[len], c2), RC_OK);
			assert_memory_not_equal(c, c2, n);
		}
		assert_int_equal(oaep_encrypt(&k->pub, msg, max + 1, c), RC_ERR_TOO_LARGE);
	}
	assert_int_equal(oaep_max_message(&keys[KEY_512].pub), 0);
	assert_int_equal(oaep_encrypt(&keys[KEY_512].pub, msg, 1, c), RC_ERR_KEY);
}

static void test_oaep_known_answer(void **state)
{
	static const struct {
		size_t key;
		const char *hex;
		const char *text;
	} cases[] = {
		{ KEY_2048, oaep_answer_2048, "OAEP known answer for key 0" },
		{ KEY_1024, oaep_answer_1024, "OAEP known answer for key 2" },
	};
	uint8_t m[256];
	size_t i, len, m_len;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		uint8_t *c = test_hex_decode(cases[i].hex, &len);

		assert_int_equal(oaep_decrypt(&keys[cases[i].key], c, len, m, &m_len), RC_OK);
		assert_int_equal(m_len, strlen(cases[i].text));
		assert_memory_equal(m, cases[i].text, m_len);
		free(c);
	}
}

static void test_oaep_rejects(void **state)
{
	struct rsa_private *k = &keys[KEY_1024];
	size_t n = rsa_modulus_bytes(&k->pub), bit, m_len;
	uint8_t c[128], bad[129], m[128];
	mpz_t x;

	(void)state;
	assert_int_equal(oaep_encrypt(&k->pub, (const uint8_t *)"hello", 5, c), RC_OK);
	/* every single flipped bit breaks the padding (or makes c >= n) */
	for (bit = 0; bit < 8 * n; bit++) {
		memcpy(bad, c, n);
		bad[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		if (oaep_decrypt(k, bad, n, m, &m_len) != RC_ERR_FORMAT)
			fail_msg("bit %zu flipped: accepted", bit);
	}
	/* another key, wrong lengths, c >= n */
	assert_int_equal(oaep_decrypt(&keys[KEY_1025], c, n, m, &m_len), RC_ERR_FORMAT);
	assert_int_equal(oaep_decrypt(k, c, n - 1, m, &m_len), RC_ERR_FORMAT);
	bad[0] = 0;
	memcpy(bad + 1, c, n);
	assert_int_equal(oaep_decrypt(k, bad, n + 1, m, &m_len), RC_ERR_FORMAT);
	mpz_init(x);
	mpz_set(x, k->pub.n);
	assert_int_equal(pkcs1_i2osp(x, bad, n), RC_OK);
	assert_int_equal(oaep_decrypt(k, bad, n, m, &m_len), RC_ERR_FORMAT);
	mpz_clear(x);
	assert_int_equal(oaep_decrypt(&keys[KEY_512], c, 64, m, &m_len), RC_ERR_KEY);
}

static void test_pss_sign_verify(void **state)
{
	static const size_t sizes[] = { KEY_2048, KEY_1024, KEY_536, KEY_1025 };
	static const uint8_t msg[] = "sign me";
	struct bytebuf a, b;
	size_t i, n;

	(void)state;
	for (i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		struct rsa_private *k = &keys[sizes[i]];

		n = rsa_modulus_bytes(&k->pub);
		bytebuf_init(&a, BYTEBUF_UNBOUNDED);
		bytebuf_init(&b, BYTEBUF_UNBOUNDED);
		assert_int_equal(pss_sign(k, msg, sizeof(msg), &a), RC_OK);
		assert_int_equal(pss_sign(k, msg, sizeof(msg), &b), RC_OK);
		assert_int_equal(a.len, n);
		assert_memory_not_equal(a.data, b.data, n);  /* random salt */
		assert_int_equal(pss_verify(&k->pub, msg, sizeof(msg), a.data, a.len), RC_OK);
		assert_int_equal(pss_verify(&k->pub, msg, sizeof(msg), b.data, b.len), RC_OK);
		assert_int_equal(pss_verify(&k->pub, msg, sizeof(msg) - 1, a.data, a.len), RC_ERR_FORMAT);
		assert_int_equal(pss_verify(&k->pub, msg, sizeof(msg), a.data, a.len - 1), RC_ERR_FORMAT);
		assert_int_equal(pss_verify(&keys[(sizes[i] + 1) % 4].pub, msg, sizeof(msg), a.data, a.len), RC_ERR_FORMAT);
		bytebuf_free(&a);
		bytebuf_free(&b);
	}
	bytebuf_init(&a, BYTEBUF_UNBOUNDED);
	assert_int_equal(pss_key_supported(&keys[KEY_512].pub), RC_ERR_KEY);
	assert_int_equal(pss_sign(&keys[KEY_512], msg, sizeof(msg), &a), RC_ERR_KEY);
	assert_int_equal(a.len, 0);
	bytebuf_free(&a);
}

static void test_pss_rejects_flipped_bits(void **state)
{
	static const uint8_t msg[] = "every bit counts";
	struct rsa_private *k = &keys[KEY_2048];
	uint8_t flipped[sizeof(msg)], *sig;
	struct bytebuf s;
	size_t bit;

	(void)state;
	bytebuf_init(&s, BYTEBUF_UNBOUNDED);
	assert_int_equal(pss_sign(k, msg, sizeof(msg), &s), RC_OK);
	sig = s.data;
	for (bit = 0; bit < 8 * s.len; bit++) {
		sig[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		if (pss_verify(&k->pub, msg, sizeof(msg), sig, s.len) != RC_ERR_FORMAT)
			fail_msg("signature bit %zu flipped: accepted", bit);
		sig[bit / 8] ^= (uint8_t)(1u << (bit % 8));
	}
	for (bit = 0; bit < 8 * sizeof(msg); bit++) {
		memcpy(flipped, msg, sizeof(msg));
		flipped[bit / 8] ^= (uint8_t)(1u << (bit % 8));
		if (pss_verify(&k->pub, flipped, sizeof(flipped), sig, s.len) != RC_ERR_FORMAT)
			fail_msg("message bit %zu flipped: accepted", bit);
	}
	assert_int_equal(pss_verify(&k->pub, msg, sizeof(msg), sig, s.len), RC_OK);
	bytebuf_free(&s);
}

static void test_pss_known_answer(void **state)
{
	static const char msg[] = "PSS known answer";
	size_t len;
	uint8_t *sig = test_hex_decode(pss_answer_2048, &len);

	(void)state;
	assert_int_equal(pss_verify(&keys[KEY_2048].pub, (const uint8_t *)msg, strlen(msg), sig, len), RC_OK);
	assert_int_equal(pss_verify(&keys[KEY_2048].pub, (const uint8_t *)msg, strlen(msg) - 1, sig, len), RC_ERR_FORMAT);
	free(sig);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_mgf1_and_i2osp),
		cmocka_unit_test(test_oaep_round_trip),
		cmocka_unit_test(test_oaep_known_answer),
		cmocka_unit_test(test_oaep_rejects),
		cmocka_unit_test(test_pss_sign_verify),
		cmocka_unit_test(test_pss_rejects_flipped_bits),
		cmocka_unit_test(test_pss_known_answer),
	};

	if (secure_init() != RC_OK)
		return 1;
	return cmocka_run_group_tests(tests, setup, teardown);
}
