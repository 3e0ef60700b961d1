/* Byte-for-byte agreement with the original implementation (tests/vectors/wire-v1.json). */
#include "config.h"

#include <stdarg.h>
#include <setjmp.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>

#include "bigint.h"
#include "content.h"
#include "errors.h"
#include "frame.h"
#include "jsonx.h"
#include "protocol.h"
#include "rsa.h"
#include "secure.h"
#include "testutil.h"
#include "wire.h"

/* What the server applies to a request: chunks as an honest encoder makes them. */
static const struct rsa_decrypt_limits request_limits = { .full_chunks = 1 };

static struct json_object *vectors;
static struct rsa_private keys[3];  /* the vectors' keys, p and q recovered */

static struct json_object *member(struct json_object *o, const char *key)
{
	struct json_object *v = NULL;

	assert_true(json_object_object_get_ex(o, key, &v));
	return v;
}

static char *b64(const struct block *b)
{
	size_t n = sodium_base64_ENCODED_LEN(b->len, sodium_base64_VARIANT_ORIGINAL);
	char *s = malloc(n);

	assert_non_null(s);
	sodium_bin2base64(s, n, b->data ? b->data : (const uint8_t *)"", b->len, sodium_base64_VARIANT_ORIGINAL);
	return s;
}

/* Encrypts a vector's plaintext with its chunk size and compares every block. */
static void check_encryption(struct json_object *vec)
{
	struct rsa_private *k = &keys[json_object_get_int(member(vec, "key"))];
	const char *text = json_object_get_string(member(vec, "plaintext_utf8"));
	size_t len = (size_t)json_object_get_string_len(member(vec, "plaintext_utf8"));
	size_t chunk = (size_t)json_object_get_int(member(vec, "chunk_bytes"));
	struct json_object *expected = member(vec, "blocks_b64");
	struct blocklist blocks;
	struct bytebuf plain;
	size_t i;

	blocklist_init(&blocks);
	assert_int_equal(rsa_encrypt(&k->pub, (const uint8_t *)text, len, chunk, &blocks), RC_OK);
	assert_int_equal(blocks.count, json_object_array_length(expected));
	for (i = 0; i < blocks.count; i++) {
		char *got = b64(&blocks.v[i]);

		assert_string_equal(got, json_object_get_string(json_object_array_get_idx(expected, i)));
		free(got);
	}
	/* and back, with CRT after factor recovery */
	bytebuf_init(&plain, BYTEBUF_UNBOUNDED);
	assert_int_equal(rsa_decrypt(k, &blocks, &plain), RC_OK);
	assert_int_equal(plain.len, len);
	assert_memory_equal(plain.data ? plain.data : (uint8_t *)"", text, len);
	bytebuf_free(&plain);
	blocklist_free(&blocks);
}

static int setup_keys(void **state)
{
	size_t i;

	(void)state;
	vectors = test_vectors_load();
	for (i = 0; i < 3; i++) {
		rsa_private_init(&keys[i]);
		test_vector_key(vectors, i, &keys[i]);
		if (!keys[i].has_crt)
			return -1;
	}
	return 0;
}

static int teardown_keys(void **state)
{
	size_t i;

	(void)state;
	for (i = 0; i < 3; i++)
		rsa_private_clear(&keys[i]);
	json_object_put(vectors);
	return 0;
}

static void test_encrypt_original(void **state)
{
	struct json_object *list = member(vectors, "encrypt_original");
	size_t i;

	(void)state;
	assert_true(json_object_array_length(list) > 0);
	for (i = 0; i < json_object_array_length(list); i++) {
		struct json_object *vec = json_object_array_get_idx(list, i);
		struct rsa_private *k = &keys[json_object_get_int(member(vec, "key"))];
		const char *text = json_object_get_string(member(vec, "plaintext_utf8"));
		size_t len = (size_t)json_object_get_string_len(member(vec, "plaintext_utf8")), hex_len;
		uint8_t *hex = test_hex_decode(json_object_get_string(member(vec, "plaintext_hex")), &hex_len);
		char *content = NULL, *back = NULL;
		size_t back_len = 0;

		assert_int_equal(hex_len, len);
		assert_memory_equal(hex, text, len);
		free(hex);
		/* the vectors use the original's chunk size */
		assert_int_equal(json_object_get_int(member(vec, "chunk_bytes")), rsa_chunk_original(&k->pub));
		check_encryption(vec);
		assert_int_equal(content_encode(&k->pub, text, len, rsa_chunk_original(&k->pub), &content), RC_OK);
		assert_string_equal(content, json_object_get_string(member(vec, "content_field")));
		assert_int_equal(content_decode(k, content, strlen(content), &back, &back_len), RC_OK);
		assert_int_equal(back_len, len);
		assert_string_equal(back, text);
		free(back);
		free(content);
	}
}

static void test_encrypt_wide(void **state)
{
	struct json_object *list = member(vectors, "encrypt_wide_chunks_accepted_by_original");
	size_t i;

	(void)state;
	assert_true(json_object_array_length(list) > 0);
	for (i = 0; i < json_object_array_length(list); i++) {
		struct json_object *vec = json_object_array_get_idx(list, i);
		struct rsa_private *k = &keys[json_object_get_int(member(vec, "key"))];

		assert_int_equal(json_object_get_int(member(vec, "chunk_bytes")), rsa_chunk_wide(&k->pub));
		check_encryption(vec);
	}
}

/* Parses wire bytes with a reader of the given kind, whole or byte by byte. */
static void parse_frame(const uint8_t *wire, size_t len, enum frame_kind kind, int bytewise, struct blocklist *out)
{
	const struct frame_limits limits = { PROTO_DEFAULT_MAX_FRAME_BYTES, PROTO_DEFAULT_MAX_BLOCKS, PROTO_DEFAULT_MAX_REQUEST_BYTES };
	struct frame_reader r;
	size_t pos = 0, used;
	int rc = FRAME_NEED_MORE;

	frame_reader_init(&r, kind, &limits);
	while (pos < len) {
		size_t n = bytewise ? 1 : len - pos;

		rc = frame_reader_feed(&r, wire + pos, n, &used);
		assert_int_equal(used, n);
		pos += used;
		assert_int_equal(rc, pos == len ? FRAME_DONE : FRAME_NEED_MORE);
	}
	assert_int_equal(rc, FRAME_DONE);
	assert_int_equal(frame_reader_take(&r, out), RC_OK);
	frame_reader_free(&r);
}

static void test_frames(void **state)
{
	struct json_object *list = member(vectors, "frames");
	struct json_object *payload;
	size_t i, wire_len, payload_len;
	int bytewise, ping_seen = 0, blocks_seen = 0;

	(void)state;
	for (i = 0; i < json_object_array_length(list); i++) {
		struct json_object *vec = json_object_array_get_idx(list, i);
		const char *what = json_object_get_string(member(vec, "what"));
		uint8_t *wire = test_hex_decode(json_object_get_string(member(vec, "wire_hex")), &wire_len);
		struct bytebuf out;
		struct blocklist got;

		bytebuf_init(&out, BYTEBUF_UNBOUNDED);
		if (json_object_object_get_ex(vec, "payload_hex", &payload)) {
			uint8_t *p = test_hex_decode(json_object_get_string(payload), &payload_len);

			assert_int_equal(frame_write_bytes(&out, p, payload_len), RC_OK);
			assert_int_equal(out.len, wire_len);
			assert_memory_equal(out.data, wire, wire_len);
			for (bytewise = 0; bytewise < 2; bytewise++) {
				parse_frame(wire, wire_len, FRAME_KIND_BYTES, bytewise, &got);
				assert_int_equal(got.count, 1);
				assert_int_equal(got.v[0].len, payload_len);
				assert_memory_equal(got.v[0].data ? got.v[0].data : (uint8_t *)"", p, payload_len);
				blocklist_free(&got);
			}
			free(p);
		} else if (strstr(what, "ping") != NULL) {
			char *text = NULL;
			size_t text_len = 0;

			/* recorded from the original client: decrypt with key 0 */
			for (bytewise = 0; bytewise < 2; bytewise++) {
				parse_frame(wire, wire_len, FRAME_KIND_BLOCKS, bytewise, &got);
				assert_int_equal(wire_open(&keys[0], &got, 1024, &text, &text_len), RC_OK);
				assert_string_equal(text, "{\"cmd\": \"ping\"}");
				free(text);
				/* and passes the server's checks on requests */
				assert_true(got.count <= wire_max_blocks(rsa_modulus_bytes(&keys[0].pub), blocklist_total(&got)));
				assert_int_equal(wire_open_limited(&keys[0], &got, &request_limits, 1024, &text, &text_len), RC_OK);
				assert_string_equal(text, "{\"cmd\": \"ping\"}");
				free(text);
				/* our encoder gives the same bytes */
				if (bytewise == 0) {
					assert_int_equal(wire_seal(&keys[0].pub, rsa_chunk_original(&keys[0].pub), "{\"cmd\": \"ping\"}", 15, &out), RC_OK);
					assert_int_equal(out.len, wire_len);
					assert_memory_equal(out.data, wire, wire_len);
				}
				blocklist_free(&got);
			}
			ping_seen = 1;
		} else {
			struct blocklist want;

			/* the blocks frame of [0102, empty, ffffff] */
			blocklist_init(&want);
			assert_int_equal(blocklist_push(&want, (const uint8_t *)"\x01\x02", 2), RC_OK);
			assert_int_equal(blocklist_push(&want, NULL, 0), RC_OK);
			assert_int_equal(blocklist_push(&want, (const uint8_t *)"\xff\xff\xff", 3), RC_OK);
			assert_int_equal(frame_write_blocks(&out, &want), RC_OK);
			assert_int_equal(out.len, wire_len);
			assert_memory_equal(out.data, wire, wire_len);
			for (bytewise = 0; bytewise < 2; bytewise++) {
				parse_frame(wire, wire_len, FRAME_KIND_BLOCKS, bytewise, &got);
				assert_int_equal(got.count, 3);
				assert_int_equal(got.v[0].len, 2);
				assert_memory_equal(got.v[0].data, "\x01\x02", 2);
				assert_int_equal(got.v[1].len, 0);
				assert_int_equal(got.v[2].len, 3);
				assert_memory_equal(got.v[2].data, "\xff\xff\xff", 3);
				blocklist_free(&got);
			}
			blocklist_free(&want);
			blocks_seen = 1;
		}
		bytebuf_free(&out);
		free(wire);
	}
	assert_true(ping_seen);
	assert_true(blocks_seen);
}

static void test_minimal_integers(void **state)
{
	struct json_object *list = member(vectors, "to_bytes_minimal");
	size_t i;

	(void)state;
	for (i = 0; i < json_object_array_length(list); i++) {
		struct json_object *vec = json_object_array_get_idx(list, i);
		const char *dec = json_object_get_string(member(vec, "int"));
		size_t want_len, got_len;
		uint8_t *want = test_hex_decode(json_object_get_string(member(vec, "hex")), &want_len);
		uint8_t *got;
		char *back;
		mpz_t v, w;

		mpz_inits(v, w, NULL);
		assert_int_equal(bigint_from_decimal(v, dec, strlen(dec), 1000), RC_OK);
		assert_int_equal(bigint_byte_len(v), want_len);
		assert_int_equal(bigint_to_bytes(v, &got, &got_len), RC_OK);
		assert_int_equal(got_len, want_len);
		assert_memory_equal(got, want, want_len);
		bigint_from_bytes(w, want, want_len);
		assert_int_equal(mpz_cmp(v, w), 0);
		back = bigint_to_decimal(w);
		assert_string_equal(back, dec);
		free(back);
		free(got);
		free(want);
		mpz_clears(v, w, NULL);
	}
}

static void test_get_users_big_numbers(void **state)
{
	const char *text = json_object_get_string(member(vectors, "get_users_response_json"));
	struct json_object *resp = NULL, *data, *user;
	size_t i, out_len;
	const char *out;
	mpz_t v;

	(void)state;
	assert_int_equal(jsonx_parse(text, strlen(text), &resp), RC_OK);
	data = member(resp, "data");
	assert_true(json_object_array_length(data) > 0);
	mpz_init(v);
	for (i = 0; i < json_object_array_length(data); i++) {
		char *digits, key[32];
		const char *p;

		user = json_object_array_get_idx(data, i);
		assert_int_equal(jsonx_get_bigint(user, "module", v), RC_OK);
		assert_true(mpz_sizeinbase(v, 2) > 512);
		/* the exact digits of the input follow "module": */
		digits = bigint_to_decimal(v);
		snprintf(key, sizeof(key), "\"module\": %.20s", digits);
		assert_non_null(strstr(text, key));
		p = strstr(text, digits);
		assert_non_null(p);
		assert_false(p[strlen(digits)] >= '0' && p[strlen(digits)] <= '9');
		free(digits);
		assert_int_equal(jsonx_get_bigint(user, "open_exponent", v), RC_OK);
		assert_true(mpz_cmp_ui(v, 2) > 0);
	}
	mpz_clear(v);
	/* re-serialised: every number keeps every digit (only spacing changes) */
	out = jsonx_to_string(resp, &out_len);
	{
		char *squeezed = malloc(strlen(text) + 1);
		size_t o = 0;
		int in_string = 0;

		assert_non_null(squeezed);
		for (i = 0; text[i]; i++) {
			if (text[i] == '"' && (i == 0 || text[i - 1] != '\\'))
				in_string = !in_string;
			if (!in_string && (text[i] == ' ' || text[i] == '\n'))
				continue;
			squeezed[o++] = text[i];
		}
		squeezed[o] = 0;
		assert_int_equal(out_len, o);
		assert_string_equal(out, squeezed);
		free(squeezed);
	}
	json_object_put(resp);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_encrypt_original),
		cmocka_unit_test(test_encrypt_wide),
		cmocka_unit_test(test_frames),
		cmocka_unit_test(test_minimal_integers),
		cmocka_unit_test(test_get_users_big_numbers),
	};
	if (secure_init() != RC_OK)
		return 1;
	return cmocka_run_group_tests(tests, setup_keys, teardown_keys);
}
