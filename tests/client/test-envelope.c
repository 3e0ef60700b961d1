/* envelope (format choice, opening, judging a conversation) and the decrypt
 * cache over it, with real keys: alice reads, bob is her contact, carol
 * and mallory (a key that is not bob's) are the others. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "client/api.h"
#include "client/decrypt_cache.h"
#include "client/envelope.h"
#include "content.h"
#include "errors.h"
#include "msgv2.h"
#include "rsa.h"
#include "secure.h"
#include "tests/common/testutil.h"
#include "tests/lib/reseal.h"

static struct rsa_private alice_key, bob_key, carol_key, mallory_key, tiny_key;

/* The conversation alice has with bob (or with carol). */
static void conv_of(struct envelope_conv *conv, const struct rsa_private *me_key, const char *me, const char *contact,
                    const struct rsa_public *contact_key)
{
	assert_int_equal(envelope_conv_init(conv, me_key, me, contact, contact_key), RC_OK);
}

/* What alice makes of content listed with sender in her conversation with bob. */
static struct envelope_opened alice_opens(const char *sender, const char *content)
{
	struct envelope_conv conv;
	struct envelope_opened o;

	conv_of(&conv, &alice_key, "alice", "bob", &bob_key.pub);
	assert_int_equal(envelope_open(&conv, sender, content, strlen(content), &o), RC_OK);
	return o;
}

/* bob's sealed message to alice, in the format his flags choose. */
static struct api_sealed bob_seals(int alice_capable, const char *text, int *v2)
{
	struct envelope_conv conv;
	struct api_sealed s;
	char err[200];

	conv_of(&conv, &bob_key, "bob", "alice", &alice_key.pub);
	assert_int_equal(envelope_seal(&conv, alice_capable, 1, text, strlen(text), &s, v2, err, sizeof err), RC_OK);
	return s;
}

static void test_v1_with_marker_until_capable(void **state)
{
	struct api_sealed s;
	struct envelope_opened o;
	char *plain;
	size_t plain_len;
	int v2;

	(void)state;
	s = bob_seals(0, "hello", &v2);
	assert_int_equal(v2, 0);
	assert_int_equal(s.to_recipient[0], '[');
	/* The original's codec reads it: the text and the invisible marker. */
	assert_int_equal(content_decode(&alice_key, s.to_recipient, strlen(s.to_recipient), &plain, &plain_len), RC_OK);
	assert_string_equal(plain, "hello" MSGV2_MARKER);
	free(plain);
	o = alice_opens("bob", s.to_recipient);
	assert_int_equal(o.why, CHAT_READABLE);
	assert_string_equal(o.text, "hello");
	assert_int_equal(o.marker, 1);
	assert_int_equal(o.v2, 0);
	envelope_opened_free(&o);
	/* bob's own copy, read by bob: the same format, marker cut. */
	{
		struct envelope_conv conv;
		conv_of(&conv, &bob_key, "bob", "alice", &alice_key.pub);
		assert_int_equal(envelope_open(&conv, "bob", s.to_self, strlen(s.to_self), &o), RC_OK);
		assert_string_equal(o.text, "hello");
		envelope_opened_free(&o);
	}
	api_sealed_free(&s);
}

static void test_v2_when_capable(void **state)
{
	struct api_sealed s, again;
	struct envelope_opened o;
	struct envelope_conv conv;
	int v2;

	(void)state;
	s = bob_seals(1, "hi", &v2);
	assert_int_equal(v2, 1);
	assert_int_equal(s.to_recipient[0], '{');
	o = alice_opens("bob", s.to_recipient);
	assert_int_equal(o.why, CHAT_READABLE);
	assert_int_equal(o.v2, 1);
	assert_string_equal(o.text, "hi");
	envelope_opened_free(&o);
	/* The self copy opens for bob, signed by himself for alice. */
	conv_of(&conv, &bob_key, "bob", "alice", &alice_key.pub);
	assert_int_equal(envelope_open(&conv, "bob", s.to_self, strlen(s.to_self), &o), RC_OK);
	assert_int_equal(o.v2, 1);
	assert_string_equal(o.text, "hi");
	envelope_opened_free(&o);
	/* The same short text twice: two different contents. */
	again = bob_seals(1, "hi", &v2);
	assert_string_not_equal(again.to_recipient, s.to_recipient);
	api_sealed_free(&again);
	api_sealed_free(&s);
}

static void test_v2_needs_both_keys_large_enough(void **state)
{
	struct envelope_conv conv;
	struct api_sealed s;
	char err[200];
	int v2;

	(void)state;
	conv_of(&conv, &alice_key, "alice", "tiny", &tiny_key.pub);
	assert_int_equal(envelope_seal(&conv, 1, 0, "x", 1, &s, &v2, err, sizeof err), RC_OK);
	assert_int_equal(v2, 0);
	assert_null(s.to_self);
	api_sealed_free(&s);
	/* Without our login nothing can be signed either. */
	conv_of(&conv, &alice_key, NULL, "bob", &bob_key.pub);
	assert_int_equal(envelope_seal(&conv, 1, 0, "x", 1, &s, &v2, err, sizeof err), RC_OK);
	assert_int_equal(v2, 0);
	api_sealed_free(&s);
	/* The text is checked as always. */
	conv_of(&conv, &alice_key, "alice", "bob", &bob_key.pub);
	assert_int_not_equal(envelope_seal(&conv, 1, 0, "", 0, &s, &v2, err, sizeof err), RC_OK);
	assert_null(s.to_recipient);
}

/* A text at the length limit has no room for the marker: sent plain. */
static void test_marker_left_out_at_the_limit(void **state)
{
	struct api_sealed s;
	struct envelope_opened o;
	char *text = malloc(API_MAX_TEXT_BYTES + 1);
	int v2;

	(void)state;
	memset(text, 'a', API_MAX_TEXT_BYTES);
	text[API_MAX_TEXT_BYTES] = '\0';
	s = bob_seals(0, text, &v2);
	o = alice_opens("bob", s.to_recipient);
	assert_int_equal(o.why, CHAT_READABLE);
	assert_int_equal(o.marker, 0);
	assert_string_equal(o.text, text);
	envelope_opened_free(&o);
	api_sealed_free(&s);
	free(text);
}

static void test_forged(void **state)
{
	struct envelope_opened o;
	char *content = NULL;

	(void)state;
	/* "From bob", signed by another key under bob's login. */
	assert_int_equal(msgv2_seal(&mallory_key, "bob", &alice_key.pub, "alice", "pay", 3, &content, NULL), RC_OK);
	o = alice_opens("bob", content);
	assert_int_equal(o.why, CHAT_FORGED);
	assert_null(o.text);
	assert_true(chat_flagged(o.why));
	free(content);
}

static void test_wrong_recipient(void **state)
{
	struct envelope_conv conv;
	struct envelope_opened o;
	char *for_carol = NULL, *passed_on = NULL;

	(void)state;
	assert_int_equal(msgv2_seal(&bob_key, "bob", &carol_key.pub, "carol", "for carol", 9, &for_carol, NULL), RC_OK);
	conv_of(&conv, &carol_key, "carol", "bob", &bob_key.pub);
	assert_int_equal(envelope_open(&conv, "bob", for_carol, strlen(for_carol), &o), RC_OK);
	assert_int_equal(o.why, CHAT_READABLE);
	envelope_opened_free(&o);
	/* Carol (or whoever reads for her) passes it on to alice, signature and all. */
	assert_int_equal(reseal_v2(&carol_key, for_carol, &alice_key.pub, &passed_on), RC_OK);
	o = alice_opens("bob", passed_on);
	assert_int_equal(o.why, CHAT_WRONG_RECIPIENT);
	assert_null(o.text);
	free(passed_on);
	/* Listed unchanged in alice's conversation, it is not even hers to decrypt. */
	o = alice_opens("bob", for_carol);
	assert_int_equal(o.why, CHAT_UNREADABLE_KEY);
	free(for_carol);
}

static void test_foreign_sender_unread(void **state)
{
	struct api_sealed s;
	struct envelope_opened o;
	int v2;

	(void)state;
	s = bob_seals(0, "from carol?", &v2);
	o = alice_opens("carol", s.to_recipient);
	assert_int_equal(o.why, CHAT_FOREIGN_SENDER);
	assert_null(o.text);
	assert_true(chat_flagged(o.why));
	api_sealed_free(&s);
}

static void test_unknown_version_and_unchecked(void **state)
{
	struct envelope_conv conv;
	struct envelope_opened o;
	struct api_sealed s;
	int v2;

	(void)state;
	o = alice_opens("bob", "{\"v\":3,\"c\":[]}");
	assert_int_equal(o.why, CHAT_UNREADABLE_VERSION);
	o = alice_opens("bob", "{\"v\":2,\"c\":[\"AAAA\"]}");
	assert_int_equal(o.why, CHAT_UNREADABLE_KEY);
	/* Without bob's key a v2 message cannot be checked: never shown. */
	s = bob_seals(1, "hi", &v2);
	conv_of(&conv, &alice_key, "alice", "bob", NULL);
	assert_int_equal(envelope_open(&conv, "bob", s.to_recipient, strlen(s.to_recipient), &o), RC_OK);
	assert_int_equal(o.why, CHAT_UNCHECKED);
	assert_null(o.text);
	api_sealed_free(&s);
}

/* A v2 content longer than any text of ours could need is refused unread. */
static void test_v2_bomb_refused(void **state)
{
	size_t n = 200000;
	char *big = malloc(n + 1);
	struct envelope_opened o;

	(void)state;
	memset(big, ' ', n);
	memcpy(big, "{\"v\":2,\"c\":[", 12);
	memcpy(big + n - 2, "]}", 2);
	big[n] = '\0';
	o = alice_opens("bob", big);
	assert_int_equal(o.why, CHAT_UNREADABLE_TOO_MANY_BLOCKS);
	free(big);
}

static void test_judge_downgrade(void **state)
{
	struct envelope_judged v[] = {
		{ "bob", CHAT_READABLE, 0, 0 },   /* old v1, before bob's client was ours */
		{ "alice", CHAT_READABLE, 0, 1 }, /* our v1 with the marker */
		{ "bob", CHAT_READABLE, 0, 1 },   /* bob's v1 with the marker */
		{ "bob", CHAT_READABLE, 1, 0 },   /* bob's first v2 */
		{ "alice", CHAT_READABLE, 1, 0 },
		{ "bob", CHAT_READABLE, 0, 1 },   /* v1 after v2: suspect */
		{ "carol", CHAT_FOREIGN_SENDER, 0, 0 },
	};
	struct envelope_learnt l;
	size_t n = sizeof(v) / sizeof(v[0]);

	(void)state;
	envelope_judge("bob", 0, ENVELOPE_LISTING_NEWEST, v, n, &l);
	assert_int_equal(l.v2_capable, 1);
	assert_int_equal(l.v2_seen, 1);
	assert_int_equal(v[0].why, CHAT_READABLE);
	assert_int_equal(v[2].why, CHAT_READABLE);
	assert_int_equal(v[5].why, CHAT_SUSPECT_V1);
	assert_int_equal(v[6].why, CHAT_FOREIGN_SENDER);
}

static void test_judge_listings(void **state)
{
	struct envelope_judged v1_only[] = { { "bob", CHAT_READABLE, 0, 0 }, { "alice", CHAT_READABLE, 0, 0 } };
	struct envelope_learnt l;

	(void)state;
	/* A fresh contact: v1 is readable and teaches nothing without the marker. */
	envelope_judge("bob", 0, ENVELOPE_LISTING_NEW, v1_only, 2, &l);
	assert_int_equal(v1_only[0].why, CHAT_READABLE);
	assert_int_equal(l.v2_capable, 0);
	assert_int_equal(l.v2_seen, 0);
	/* An older page after v2 was seen: nothing in it follows a v2 one. */
	envelope_judge("bob", 1, ENVELOPE_LISTING_OLDER, v1_only, 2, &l);
	assert_int_equal(v1_only[0].why, CHAT_READABLE);
	/* The newest end without any v2 from bob although it was seen: the
	 * server dropped them or wrote this one. Ours stay readable. */
	envelope_judge("bob", 1, ENVELOPE_LISTING_NEWEST, v1_only, 2, &l);
	assert_int_equal(v1_only[0].why, CHAT_SUSPECT_V1);
	assert_int_equal(v1_only[1].why, CHAT_READABLE);
	v1_only[0].why = CHAT_READABLE;
	/* News after v2 was seen: every v1 one from bob. */
	envelope_judge("bob", 1, ENVELOPE_LISTING_NEW, v1_only, 2, &l);
	assert_int_equal(v1_only[0].why, CHAT_SUSPECT_V1);
	/* A forged v2 teaches nothing. */
	{
		struct envelope_judged forged[] = { { "bob", CHAT_FORGED, 0, 0 }, { "bob", CHAT_READABLE, 0, 0 } };
		envelope_judge("bob", 0, ENVELOPE_LISTING_NEW, forged, 2, &l);
		assert_int_equal(l.v2_seen, 0);
		assert_int_equal(forged[1].why, CHAT_READABLE);
	}
}

/* The cache keeps a verdict only for the inputs it was made with. */
static void test_cache_keyed_by_inputs(void **state)
{
	struct decrypt_cache cache;
	struct envelope_conv right, wrong;
	const struct envelope_opened *o, *again;
	unsigned char d[CHAT_DIGEST_BYTES];
	struct api_sealed s;
	int v2;

	(void)state;
	decrypt_cache_init(&cache);
	s = bob_seals(1, "cached", &v2);
	decrypt_cache_digest(s.to_recipient, strlen(s.to_recipient), d);
	conv_of(&right, &alice_key, "alice", "bob", &bob_key.pub);
	conv_of(&wrong, &alice_key, "alice", "bob", &mallory_key.pub);
	assert_int_equal(decrypt_cache_open(&cache, &right, "bob", s.to_recipient, strlen(s.to_recipient), d, &o), RC_OK);
	assert_string_equal(o->text, "cached");
	assert_int_equal(decrypt_cache_open(&cache, &right, "bob", s.to_recipient, strlen(s.to_recipient), d, &again), RC_OK);
	assert_ptr_equal(o, again);
	/* Another pinned key for bob: opened anew, and forged under it. */
	assert_int_equal(decrypt_cache_open(&cache, &wrong, "bob", s.to_recipient, strlen(s.to_recipient), d, &o), RC_OK);
	assert_int_equal(o->why, CHAT_FORGED);
	/* Another sender listed for the same content. */
	assert_int_equal(decrypt_cache_open(&cache, &right, "carol", s.to_recipient, strlen(s.to_recipient), d, &o), RC_OK);
	assert_int_equal(o->why, CHAT_FOREIGN_SENDER);
	assert_int_equal(cache.count, 3);
	api_sealed_free(&s);
	decrypt_cache_free(&cache);
}

/* The pin and its v2 flags in a real contacts file. */
static void test_contact_store(void **state)
{
	char dir[] = "/tmp/rc-envelope-XXXXXX", path[64], err[200];
	struct contacts store, again;
	struct envelope_contact ec;
	struct envelope_judged v[] = { { "bob", CHAT_READABLE, 1, 0 } };
	struct api_sealed s;
	const struct contact *ct;
	int v2;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof path, "%s/contacts", dir);
	assert_int_equal(contacts_load(&store, path, "127.0.0.1:1", err, sizeof err), RC_OK);
	envelope_contact_init(&ec);
	/* No pin and no key fetched: nothing to read v2 with yet. */
	assert_int_equal(envelope_contact_lookup(&store, "bob", NULL, &ec, err, sizeof err), RC_OK);
	assert_int_equal(ec.has_key, 0);
	/* The server's key is pinned on first sight. */
	assert_int_equal(envelope_contact_lookup(&store, "bob", &bob_key.pub, &ec, err, sizeof err), RC_OK);
	assert_int_equal(ec.pinned, 1);
	assert_int_equal(ec.v2_seen, 0);
	/* A valid v2 message from bob raises both flags, in the file. */
	assert_int_equal(envelope_contact_judge(&store, "bob", &ec, ENVELOPE_LISTING_NEWEST, v, 1, err, sizeof err), RC_OK);
	assert_int_equal(contacts_load(&again, path, "127.0.0.1:1", err, sizeof err), RC_OK);
	assert_non_null(ct = contacts_find(&again, "bob"));
	assert_int_equal(ct->v2_capable, 1);
	assert_int_equal(ct->v2_seen, 1);
	contacts_free(&again);
	/* Another key offered for bob: the pin is what reads and what v2 goes to. */
	assert_int_equal(envelope_contact_lookup(&store, "bob", &mallory_key.pub, &ec, err, sizeof err), RC_OK);
	assert_true(rsa_public_equal(&ec.key, &bob_key.pub));
	envelope_contact_free(&ec);
	assert_int_equal(envelope_seal_for_contact(&store, &alice_key, "alice", "bob", &bob_key.pub, 1, "x", 1, &s, &v2,
	                                           err, sizeof err),
	                 RC_OK);
	assert_int_equal(v2, 1);
	assert_non_null(s.to_self);
	api_sealed_free(&s);
	assert_int_equal(envelope_seal_for_contact(&store, &alice_key, "alice", "bob", &mallory_key.pub, 0, "x", 1, &s,
	                                           &v2, err, sizeof err),
	                 RC_OK);
	assert_int_equal(v2, 0);
	api_sealed_free(&s);
	contacts_free(&store);
	unlink(path);
	snprintf(path, sizeof path, "%s/contacts.lock", dir);
	unlink(path);
	assert_int_equal(rmdir(dir), 0);
}

static struct json_object *member(struct json_object *o, const char *key)
{
	struct json_object *v = NULL;

	assert_true(json_object_object_get_ex(o, key, &v));
	return v;
}

/* The original client's contents (tests/vectors) read as v1 from a fresh
 * contact, not suspect; ours in v1 decode with the original's codec to the
 * text and the invisible marker. */
static void test_interop_with_the_original(void **state)
{
	struct json_object *vectors = test_vectors_load(), *list = member(vectors, "encrypt_original");
	size_t n = json_object_array_length(list);

	(void)state;
	assert_true(n > 0);
	for (size_t i = 0; i < n; i++) {
		struct json_object *vec = json_object_array_get_idx(list, i);
		const char *content = json_object_get_string(member(vec, "content_field"));
		struct rsa_private k;
		struct envelope_conv conv;
		struct envelope_opened o;
		struct envelope_judged j;
		struct envelope_learnt l;

		rsa_private_init(&k);
		test_vector_key(vectors, (size_t)json_object_get_int(member(vec, "key")), &k);
		conv_of(&conv, &k, "original", "bob", &bob_key.pub);
		assert_int_equal(envelope_open(&conv, "bob", content, strlen(content), &o), RC_OK);
		assert_int_equal(o.why, CHAT_READABLE);
		assert_string_equal(o.text, json_object_get_string(member(vec, "plaintext_utf8")));
		assert_int_equal(o.marker, 0);
		j = (struct envelope_judged){ "bob", o.why, o.v2, o.marker };
		envelope_judge("bob", 0, ENVELOPE_LISTING_NEWEST, &j, 1, &l);
		assert_int_equal(j.why, CHAT_READABLE);
		assert_int_equal(l.v2_capable, 0);
		envelope_opened_free(&o);
		/* Ours to the original's key, even if it were thought v2-capable: */
		{
			struct api_sealed s;
			char err[200], *plain;
			size_t plain_len;
			int v2;
			conv_of(&conv, &alice_key, "alice", "original", &k.pub);
			assert_int_equal(envelope_seal(&conv, 0, 0, "привет", strlen("привет"), &s, &v2, err, sizeof err), RC_OK);
			assert_int_equal(v2, 0);
			assert_int_equal(content_decode(&k, s.to_recipient, strlen(s.to_recipient), &plain, &plain_len), RC_OK);
			assert_string_equal(plain, "привет" MSGV2_MARKER);
			free(plain);
			api_sealed_free(&s);
		}
		rsa_private_clear(&k);
	}
	json_object_put(vectors);
}

static int setup(void **state)
{
	(void)state;
	if (secure_init() != RC_OK)
		return -1;
	rsa_private_init(&alice_key);
	rsa_private_init(&bob_key);
	rsa_private_init(&carol_key);
	rsa_private_init(&mallory_key);
	rsa_private_init(&tiny_key);
	return rsa_generate(&alice_key, 1024, NULL, NULL) != RC_OK || rsa_generate(&bob_key, 1024, NULL, NULL) != RC_OK ||
	               rsa_generate(&carol_key, 1024, NULL, NULL) != RC_OK ||
	               rsa_generate(&mallory_key, 1024, NULL, NULL) != RC_OK || rsa_generate(&tiny_key, 512, NULL, NULL) != RC_OK
	           ? -1
	           : 0;
}

static int teardown(void **state)
{
	(void)state;
	rsa_private_clear(&alice_key);
	rsa_private_clear(&bob_key);
	rsa_private_clear(&carol_key);
	rsa_private_clear(&mallory_key);
	rsa_private_clear(&tiny_key);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_v1_with_marker_until_capable),
		cmocka_unit_test(test_v2_when_capable),
		cmocka_unit_test(test_v2_needs_both_keys_large_enough),
		cmocka_unit_test(test_marker_left_out_at_the_limit),
		cmocka_unit_test(test_forged),
		cmocka_unit_test(test_wrong_recipient),
		cmocka_unit_test(test_foreign_sender_unread),
		cmocka_unit_test(test_unknown_version_and_unchecked),
		cmocka_unit_test(test_v2_bomb_refused),
		cmocka_unit_test(test_judge_downgrade),
		cmocka_unit_test(test_judge_listings),
		cmocka_unit_test(test_cache_keyed_by_inputs),
		cmocka_unit_test(test_interop_with_the_original),
		cmocka_unit_test(test_contact_store),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
