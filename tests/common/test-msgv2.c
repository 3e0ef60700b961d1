/* Message format v2: sealed and opened between parties, the self copy,
 * forgeries, messages passed on to another recipient, v1 content, malformed
 * and oversized content, small keys, and the v1 capability marker. */
#include "config.h"

#include <stdarg.h>
#include <setjmp.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <sodium.h>

#include "bytebuf.h"
#include "content.h"
#include "errors.h"
#include "fingerprint.h"
#include "frame.h"
#include "msgv2.h"
#include "oaep.h"
#include "pss.h"
#include "secure.h"
#include "testutil.h"

/* alice and bob: 2048-bit vector keys; carol: the original's 1024-bit vector
 * key; mallory: another 1024-bit key; tiny: 512 bits, too small for v2. */
static struct rsa_private alice, bob, carol, mallory, tiny;

static int setup(void **state)
{
	struct json_object *vectors = test_vectors_load();

	(void)state;
	rsa_private_init(&alice);
	rsa_private_init(&bob);
	rsa_private_init(&carol);
	rsa_private_init(&mallory);
	rsa_private_init(&tiny);
	test_vector_key(vectors, 0, &alice);
	test_vector_key(vectors, 1, &bob);
	test_vector_key(vectors, 2, &carol);
	json_object_put(vectors);
	return rsa_generate(&mallory, 1024, NULL, NULL) == RC_OK && rsa_generate(&tiny, 512, NULL, NULL) == RC_OK ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	rsa_private_clear(&alice);
	rsa_private_clear(&bob);
	rsa_private_clear(&carol);
	rsa_private_clear(&mallory);
	rsa_private_clear(&tiny);
	return 0;
}

/* msgv2_open of a NUL-terminated content by reader, from (sender_login,
 * sender) to (recipient_login, recipient); *text is set only on MSGV2_OK. */
static enum msgv2_status test_open(const struct rsa_private *reader, const char *sender_login, const struct rsa_private *sender,
                                   const char *recipient_login, const struct rsa_private *recipient, const char *content,
                                   char **text)
{
	struct msgv2_party from = { sender_login, &sender->pub }, to = { recipient_login, &recipient->pub };
	enum msgv2_status status;
	size_t len;

	assert_int_equal(msgv2_open(reader, &from, &to, content, strlen(content), text, &len, &status), RC_OK);
	if (status == MSGV2_OK)
		assert_int_equal(strlen(*text), len);
	else
		assert_null(*text);
	return status;
}

/* The status of a content bob reads as from alice. */
static enum msgv2_status test_open_as_bob(const char *content)
{
	char *text = NULL;
	enum msgv2_status status = test_open(&bob, "alice", &alice, "bob", &bob, content, &text);

	free(text);
	return status;
}

/* Encrypts a payload for `to` as a v2 content, independently of msgv2.c:
 * json-c writes it (escaping each '/' of the base64 as "\/"). */
static char *test_v2_content(const struct rsa_public *to, const uint8_t *p, size_t n)
{
	size_t k = rsa_modulus_bytes(to), cap = oaep_max_message(to), done = 0, chunk;
	struct json_object *obj = json_object_new_object(), *blocks = json_object_new_array();
	char *b64 = malloc(sodium_base64_ENCODED_LEN(k, sodium_base64_VARIANT_ORIGINAL)), *out;
	uint8_t *block = malloc(k);

	assert_non_null(b64);
	assert_non_null(block);
	do {
		chunk = n - done < cap ? n - done : cap;
		assert_int_equal(oaep_encrypt(to, p + done, chunk, block), RC_OK);
		sodium_bin2base64(b64, sodium_base64_ENCODED_LEN(k, sodium_base64_VARIANT_ORIGINAL), block, k,
		                  sodium_base64_VARIANT_ORIGINAL);
		json_object_array_add(blocks, json_object_new_string(b64));
		done += chunk;
	} while (done < n);
	json_object_object_add(obj, "v", json_object_new_int(2));
	json_object_object_add(obj, "c", blocks);
	out = strdup(json_object_to_json_string_ext(obj, JSON_C_TO_STRING_PLAIN));
	assert_non_null(out);
	json_object_put(obj);
	free(block);
	free(b64);
	return out;
}

/* A payload as msgv2.h defines it, built by hand: the six fields (context,
 * sender, sender fingerprint, recipient, recipient fingerprint, text)
 * framed, then the frame of signer's PSS signature over them. */
static void test_payload(struct bytebuf *out, const struct rsa_private *signer, const char *const fields[6])
{
	struct bytebuf sig;
	size_t i;

	bytebuf_init(out, BYTEBUF_UNBOUNDED);
	bytebuf_init(&sig, BYTEBUF_UNBOUNDED);
	for (i = 0; i < 6; i++)
		assert_int_equal(frame_write_bytes(out, (const uint8_t *)fields[i], strlen(fields[i])), RC_OK);
	assert_int_equal(pss_sign(signer, out->data, out->len, &sig), RC_OK);
	assert_int_equal(frame_write_bytes(out, sig.data, sig.len), RC_OK);
	bytebuf_free(&sig);
}

/* Decrypts a v2 content's blocks with reader's key: what any reader can do
 * with what it received. */
static void test_v2_payload(const struct rsa_private *reader, const char *content, struct bytebuf *out)
{
	struct json_object *obj = json_tokener_parse(content), *blocks;
	size_t k = rsa_modulus_bytes(&reader->pub), i, bin_len, m_len;
	uint8_t block[512], m[512];

	assert_non_null(obj);
	assert_true(json_object_object_get_ex(obj, "c", &blocks));
	bytebuf_init(out, BYTEBUF_UNBOUNDED);
	for (i = 0; i < json_object_array_length(blocks); i++) {
		const char *b64 = json_object_get_string(json_object_array_get_idx(blocks, i));

		assert_int_equal(sodium_base642bin(block, sizeof(block), b64, strlen(b64), NULL, &bin_len, NULL,
		                                   sodium_base64_VARIANT_ORIGINAL),
		                 0);
		assert_int_equal(bin_len, k);
		assert_int_equal(oaep_decrypt(reader, block, k, m, &m_len), RC_OK);
		assert_int_equal(bytebuf_append(out, m, m_len), RC_OK);
	}
	json_object_put(obj);
}

static void test_msgv2_round_trip(void **state)
{
	static const char *const texts[] = { "hi", "", "\xd0\x9f\xd1\x80\xd0\xb8\xd0\xb2\xd0\xb5\xd1\x82 \xf0\x9f\x91\x8b" };
	char *content, *self, *text, *v1;
	size_t i, len;

	(void)state;
	for (i = 0; i < sizeof(texts) / sizeof(texts[0]); i++) {
		assert_int_equal(msgv2_seal(&alice, "alice", &bob.pub, "bob", texts[i], strlen(texts[i]), &content, &self), RC_OK);
		assert_true(strncmp(content, "{\"v\":2,\"c\":[\"", 13) == 0);
		/* bob reads it as from alice; alice reads her self copy */
		assert_int_equal(test_open(&bob, "alice", &alice, "bob", &bob, content, &text), MSGV2_OK);
		assert_string_equal(text, texts[i]);
		free(text);
		assert_int_equal(test_open(&alice, "alice", &alice, "bob", &bob, self, &text), MSGV2_OK);
		assert_string_equal(text, texts[i]);
		free(text);
		/* each copy is for its own reader only */
		assert_int_equal(test_open(&alice, "alice", &alice, "bob", &bob, content, &text), MSGV2_MALFORMED);
		assert_int_equal(test_open(&bob, "alice", &alice, "bob", &bob, self, &text), MSGV2_MALFORMED);
		/* a v1 decoder refuses it rather than showing anything */
		assert_int_equal(content_decode(&bob, content, strlen(content), &v1, &len), RC_ERR_FORMAT);
		free(content);
		free(self);
	}
}

static void test_msgv2_long_and_small_keys(void **state)
{
	char *long_text = malloc(MSGV2_MAX_TEXT_BYTES + 1), *content, *text;
	size_t i;

	(void)state;
	assert_non_null(long_text);
	for (i = 0; i < MSGV2_MAX_TEXT_BYTES; i++)
		long_text[i] = (char)('a' + i % 26);
	long_text[MSGV2_MAX_TEXT_BYTES] = 0;
	/* the longest text, over many blocks of the original's 1024-bit key */
	assert_int_equal(msgv2_seal(&bob, "bob", &carol.pub, "carol", long_text, MSGV2_MAX_TEXT_BYTES, &content, NULL), RC_OK);
	assert_int_equal(test_open(&carol, "bob", &bob, "carol", &carol, content, &text), MSGV2_OK);
	assert_string_equal(text, long_text);
	free(text);
	free(content);
	assert_int_equal(msgv2_seal(&bob, "bob", &carol.pub, "carol", long_text, MSGV2_MAX_TEXT_BYTES + 1, &content, NULL),
	                 RC_ERR_TOO_LARGE);
	assert_null(content);
	free(long_text);

	/* a key too small for v2, on either side: use v1 */
	assert_int_equal(msgv2_key_supported(&carol.pub), RC_OK);
	assert_int_equal(msgv2_key_supported(&tiny.pub), RC_ERR_KEY);
	assert_int_equal(msgv2_seal(&alice, "alice", &tiny.pub, "tiny", "x", 1, &content, NULL), RC_ERR_KEY);
	assert_int_equal(msgv2_seal(&tiny, "tiny", &alice.pub, "alice", "x", 1, &content, NULL), RC_ERR_KEY);
	assert_null(content);
	/* and a v2 content "from" such a key cannot be genuine */
	assert_int_equal(msgv2_seal(&bob, "bob", &alice.pub, "alice", "x", 1, &content, NULL), RC_OK);
	assert_int_equal(test_open(&alice, "bob", &tiny, "alice", &alice, content, &text), MSGV2_FORGED);
	free(content);
}

static void test_msgv2_bad_arguments(void **state)
{
	struct msgv2_party from = { "alice", &alice.pub }, to = { "bob", &bob.pub };
	enum msgv2_status status;
	char *content, *text;
	size_t len;

	(void)state;
	assert_int_equal(msgv2_seal(&alice, "", &bob.pub, "bob", "x", 1, &content, NULL), RC_ERR_INVAL);
	assert_int_equal(msgv2_seal(&alice, "alice", &bob.pub, NULL, "x", 1, &content, NULL), RC_ERR_INVAL);
	assert_int_equal(msgv2_seal(&alice, "alice", &bob.pub, "bob", "a\0b", 3, &content, NULL), RC_ERR_NUL);
	assert_int_equal(msgv2_seal(&alice, "alice", &bob.pub, "bob", "\xff", 1, &content, NULL), RC_ERR_UTF8);
	assert_null(content);
	/* carol is neither end of a message from alice to bob */
	assert_int_equal(msgv2_open(&carol, &from, &to, "{}", 2, &text, &len, &status), RC_ERR_INVAL);
	assert_null(text);
}

static void test_msgv2_randomized(void **state)
{
	char *a, *b;

	(void)state;
	assert_int_equal(msgv2_seal(&alice, "alice", &bob.pub, "bob", "yes", 3, &a, NULL), RC_OK);
	assert_int_equal(msgv2_seal(&alice, "alice", &bob.pub, "bob", "yes", 3, &b, NULL), RC_OK);
	assert_string_not_equal(a, b);
	assert_int_equal(test_open_as_bob(a), MSGV2_OK);
	assert_int_equal(test_open_as_bob(b), MSGV2_OK);
	free(a);
	free(b);
}

static void test_msgv2_wrong_recipient(void **state)
{
	struct bytebuf payload;
	char *content, *self, *replayed, *text;

	(void)state;
	/* bob writes to alice; alice passes it on to carol, re-encrypted */
	assert_int_equal(msgv2_seal(&bob, "bob", &alice.pub, "alice", "for alice only", 14, &content, &self), RC_OK);
	test_v2_payload(&alice, content, &payload);
	replayed = test_v2_content(&carol.pub, payload.data, payload.len);
	assert_int_equal(test_open(&carol, "bob", &bob, "carol", &carol, replayed, &text), MSGV2_WRONG_RECIPIENT);
	/* bob's self copy shown in his conversation with carol */
	assert_int_equal(test_open(&bob, "bob", &bob, "carol", &carol, self, &text), MSGV2_WRONG_RECIPIENT);
	assert_int_equal(test_open(&bob, "bob", &bob, "alice", &alice, self, &text), MSGV2_OK);
	free(text);
	/* the same payload re-encrypted for alice herself is still fine */
	free(replayed);
	replayed = test_v2_content(&alice.pub, payload.data, payload.len);
	assert_int_equal(test_open(&alice, "bob", &bob, "alice", &alice, replayed, &text), MSGV2_OK);
	assert_string_equal(text, "for alice only");
	free(text);
	free(replayed);
	free(content);
	free(self);
	bytebuf_free(&payload);
}

static void test_msgv2_forged(void **state)
{
	char *content, *text;

	(void)state;
	/* mallory signs with her own key and claims to be bob */
	assert_int_equal(msgv2_seal(&mallory, "bob", &alice.pub, "alice", "send money", 10, &content, NULL), RC_OK);
	assert_int_equal(test_open(&alice, "bob", &bob, "alice", &alice, content, &text), MSGV2_FORGED);
	/* ... which is a genuine message from mallory's key, under the name bob */
	assert_int_equal(test_open(&alice, "bob", &mallory, "alice", &alice, content, &text), MSGV2_OK);
	free(text);
	free(content);
	/* a genuine message from bob, shown as from carol or from mallory */
	assert_int_equal(msgv2_seal(&bob, "bob", &alice.pub, "alice", "hello", 5, &content, NULL), RC_OK);
	assert_int_equal(test_open(&alice, "carol", &carol, "alice", &alice, content, &text), MSGV2_FORGED);
	assert_int_equal(test_open(&alice, "bob", &mallory, "alice", &alice, content, &text), MSGV2_FORGED);
	assert_int_equal(test_open(&alice, "mallory", &bob, "alice", &alice, content, &text), MSGV2_FORGED);
	free(content);
}

static void test_msgv2_hand_made_payloads(void **state)
{
	char fp_alice[FINGERPRINT_MAX], fp_bob[FINGERPRINT_MAX], fp_carol[FINGERPRINT_MAX], fp_mallory[FINGERPRINT_MAX];
	const char *good[6] = { "rsa-chat message v2", "alice", fp_alice, "bob", fp_bob, "by hand" };
	const char *fields[6];
	struct bytebuf payload;
	char *content;
	size_t i;
	static const struct {
		size_t field;
		const char *value;
		int signer_is_mallory;
		enum msgv2_status want;
	} cases[] = {
		{ 0, "rsa-chat message v2", 0, MSGV2_OK },
		{ 0, "rsa-chat message v3", 0, MSGV2_MALFORMED },
		{ 5, "\xc0\xaf", 0, MSGV2_MALFORMED },          /* signed, but not UTF-8 */
		{ 0, "rsa-chat message v2", 1, MSGV2_FORGED },  /* all of alice's fields, mallory's signature */
		{ 1, "alicia", 0, MSGV2_FORGED },               /* another sender login */
		{ 2, NULL, 1, MSGV2_FORGED },                   /* mallory's own fingerprint, as alice */
		{ 3, "carol", 0, MSGV2_WRONG_RECIPIENT },       /* bob's key, carol's login */
		{ 4, NULL, 0, MSGV2_WRONG_RECIPIENT },          /* bob's login, carol's key */
	};

	(void)state;
	assert_int_equal(fingerprint_public(&alice.pub, fp_alice), RC_OK);
	assert_int_equal(fingerprint_public(&bob.pub, fp_bob), RC_OK);
	assert_int_equal(fingerprint_public(&carol.pub, fp_carol), RC_OK);
	assert_int_equal(fingerprint_public(&mallory.pub, fp_mallory), RC_OK);
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		memcpy(fields, good, sizeof(fields));
		fields[cases[i].field] = cases[i].value ? cases[i].value : cases[i].field == 2 ? fp_mallory : fp_carol;
		test_payload(&payload, cases[i].signer_is_mallory ? &mallory : &alice, fields);
		content = test_v2_content(&bob.pub, payload.data, payload.len);
		if (test_open_as_bob(content) != cases[i].want)
			fail_msg("case %zu: got %d, want %d", i, (int)test_open_as_bob(content), (int)cases[i].want);
		free(content);
		bytebuf_free(&payload);
	}

	/* a flipped bit in the signature */
	test_payload(&payload, &alice, good);
	payload.data[payload.len - 9] ^= 0x10;
	content = test_v2_content(&bob.pub, payload.data, payload.len);
	assert_int_equal(test_open_as_bob(content), MSGV2_FORGED);
	free(content);
	bytebuf_free(&payload);

	/* framing: a trailing byte, a field longer than the payload, a cut signature */
	test_payload(&payload, &alice, good);
	assert_int_equal(bytebuf_put_u8(&payload, 0), RC_OK);
	content = test_v2_content(&bob.pub, payload.data, payload.len);
	assert_int_equal(test_open_as_bob(content), MSGV2_MALFORMED);
	free(content);
	content = test_v2_content(&bob.pub, payload.data, payload.len - 2);
	assert_int_equal(test_open_as_bob(content), MSGV2_MALFORMED);
	free(content);
	memset(payload.data + 4 + strlen(good[0]), 0xff, 4);  /* the sender's length: 4 GiB */
	content = test_v2_content(&bob.pub, payload.data, payload.len - 1);
	assert_int_equal(test_open_as_bob(content), MSGV2_MALFORMED);
	free(content);
	bytebuf_free(&payload);
}

static void test_msgv2_v1_content(void **state)
{
	char *v1, *text;

	(void)state;
	assert_int_equal(content_encode(&bob.pub, "plain v1", 8, rsa_chunk_original(&bob.pub), &v1), RC_OK);
	assert_int_equal(test_open_as_bob(v1), MSGV2_NOT_V2);
	free(v1);
	assert_int_equal(test_open_as_bob(" \n[\"AAAA\"]"), MSGV2_NOT_V2);
	assert_int_equal(test_open_as_bob(""), MSGV2_NOT_V2);
	assert_int_equal(test_open_as_bob("hello"), MSGV2_NOT_V2);
	assert_int_equal(test_open(&bob, "alice", &alice, "bob", &bob, "[]", &text), MSGV2_NOT_V2);
}

/* Content with a valid head and `count` copies of element after it. */
static char *test_repeat_blocks(const char *element, size_t count)
{
	size_t n = strlen(element), i;
	char *s = malloc(16 + count * (n + 1)), *p = s;

	assert_non_null(s);
	p += sprintf(p, "{\"v\":2,\"c\":[");
	for (i = 0; i < count; i++) {
		memcpy(p, element, n);
		p += n;
		*p++ = i + 1 < count ? ',' : ']';
	}
	strcpy(p, "}");
	return s;
}

static void test_msgv2_malformed(void **state)
{
	static const char *const bad[] = {
		"{}", "{\"v\":2}", "{\"v\":\"2\",\"c\":[]}", "{\"v\":2,\"c\":[]}", "{\"v\":2,\"c\":\"AAAA\"}", "{\"v\":2,\"c\":[1]}",
		"{\"v\":2,\"c\":[\"AAAA\"]}", "{\"v\":2,\"c\":[\"not base64!\"]}", "{\"v\":2,\"c\":[\"AAAA\"],\"s\":\"AAAA\"}",
		"{\"v\":2,\"c\":[\"AAAA\"]", "{\"v\":2.0,\"c\":[]}", "{ \"v\" : 2 , \"c\" : [ ] } x",
		"{\"v\":2,\"c\":[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]}",
	};
	char *content, *cut, *huge, b64_block[400], text[138];  /* 137 bytes of text: a payload of three blocks */
	size_t i, len;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (test_open_as_bob(bad[i]) != MSGV2_MALFORMED)
			fail_msg("case %zu (%s): not malformed", i, bad[i]);
	assert_int_equal(test_open_as_bob("{\"v\":3,\"c\":[],\"x\":{}}"), MSGV2_UNKNOWN_VERSION);
	assert_int_equal(test_open_as_bob("{\"v\":1}"), MSGV2_UNKNOWN_VERSION);

	/* a real content cut short, a block dropped, blocks swapped, a character changed */
	memset(text, '.', sizeof(text) - 1);
	text[sizeof(text) - 1] = 0;
	assert_int_equal(msgv2_seal(&alice, "alice", &bob.pub, "bob", text, strlen(text), &content, NULL), RC_OK);
	len = strlen(content);
	cut = strdup(content);
	assert_non_null(cut);
	for (i = 1; i < len; i += len / 7) {
		memcpy(cut, content, len + 1);
		cut[i] = 0;
		assert_int_equal(test_open_as_bob(cut), MSGV2_MALFORMED);
	}
	/* 2048-bit blocks are 344 base64 characters, each in quotes after "[" or "," */
	assert_true(len > 12 + 3 * 347);
	memcpy(cut, content, len + 1);
	strcpy(cut + 12 + 2 * 347 - 1, "]}");  /* two of the three blocks */
	assert_int_equal(test_open_as_bob(cut), MSGV2_MALFORMED);
	memcpy(cut, content, len + 1);
	memcpy(cut + 12, content + 12 + 347, 346);  /* block 2, block 2, block 3 */
	assert_int_equal(test_open_as_bob(cut), MSGV2_MALFORMED);
	memcpy(cut + 12 + 347, content + 12, 346);  /* block 2, block 1, block 3 */
	assert_int_equal(test_open_as_bob(cut), MSGV2_MALFORMED);
	memcpy(cut, content, len + 1);
	cut[100] = cut[100] == 'A' ? 'B' : 'A';
	assert_int_equal(test_open_as_bob(cut), MSGV2_MALFORMED);
	free(cut);
	free(content);

	/* huge counts and lengths are refused before anything is decrypted or
	 * allocated for them: more blocks than the longest text needs (short
	 * enough to be parsed), and a content past the length bound */
	huge = test_repeat_blocks("\"\"", 1000);
	assert_int_equal(test_open_as_bob(huge), MSGV2_MALFORMED);
	free(huge);
	memset(b64_block, 'A', sizeof(b64_block));
	b64_block[0] = '"';
	strcpy(b64_block + 345, "\"");
	huge = test_repeat_blocks(b64_block, 5000);
	assert_int_equal(test_open_as_bob(huge), MSGV2_MALFORMED);
	free(huge);
}

static void test_msgv2_marker(void **state)
{
	char *marked, *v1, *text;
	size_t len, text_len;
	int has;

	(void)state;
	assert_int_equal(msgv2_v1_text_with_marker("hi", 2, &marked, &len), RC_OK);
	assert_int_equal(len, 2 + MSGV2_MARKER_BYTES);
	assert_string_equal(marked, "hi\xe2\x81\xa3");
	/* it travels as v1 text and comes back off */
	assert_int_equal(content_encode(&carol.pub, marked, len, rsa_chunk_original(&carol.pub), &v1), RC_OK);
	assert_int_equal(content_decode(&carol, v1, strlen(v1), &text, &text_len), RC_OK);
	msgv2_v1_text_strip_marker(text, &text_len, &has);
	assert_int_equal(has, 1);
	assert_int_equal(text_len, 2);
	assert_string_equal(text, "hi");
	/* stripped once only */
	msgv2_v1_text_strip_marker(text, &text_len, &has);
	assert_int_equal(has, 0);
	assert_string_equal(text, "hi");
	free(text);
	free(v1);
	free(marked);

	assert_int_equal(msgv2_v1_text_with_marker("", 0, &marked, &len), RC_OK);
	msgv2_v1_text_strip_marker(marked, &len, &has);
	assert_int_equal(has, 1);
	assert_int_equal(len, 0);
	assert_string_equal(marked, "");
	free(marked);

	/* only at the very end, and only the whole sequence */
	marked = strdup("a\xe2\x81\xa3" "b");
	len = strlen(marked);
	msgv2_v1_text_strip_marker(marked, &len, &has);
	assert_int_equal(has, 0);
	assert_int_equal(len, 5);
	free(marked);
	marked = strdup("\x81\xa3");
	len = 2;
	msgv2_v1_text_strip_marker(marked, &len, &has);
	assert_int_equal(has, 0);
	assert_int_equal(len, 2);
	free(marked);
}

static void test_msgv2_status_text(void **state)
{
	(void)state;
	assert_string_equal(msgv2_status_text(MSGV2_FORGED), "forged: not signed by the sender's key");
	assert_string_not_equal(msgv2_status_text(MSGV2_OK), msgv2_status_text(MSGV2_WRONG_RECIPIENT));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_msgv2_round_trip),
		cmocka_unit_test(test_msgv2_long_and_small_keys),
		cmocka_unit_test(test_msgv2_bad_arguments),
		cmocka_unit_test(test_msgv2_randomized),
		cmocka_unit_test(test_msgv2_wrong_recipient),
		cmocka_unit_test(test_msgv2_forged),
		cmocka_unit_test(test_msgv2_hand_made_payloads),
		cmocka_unit_test(test_msgv2_v1_content),
		cmocka_unit_test(test_msgv2_malformed),
		cmocka_unit_test(test_msgv2_marker),
		cmocka_unit_test(test_msgv2_status_text),
	};

	if (secure_init() != RC_OK)
		return 1;
	return cmocka_run_group_tests(tests, setup, teardown);
}
