#include "config.h"

#include "envelope.h"

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "blocklist.h"
#include "content.h"
#include "decrypt_cache.h"
#include "errors.h"
#include "msgv2.h"
#include "oaep.h"
#include "protocol.h"
#include "secure.h"
#include "wire.h"

/* Fields of a v2 payload besides the text, at their limits: the frame
 * headers and format name (64 bytes is more than both need), two logins, two
 * fingerprints and the largest key's signature. */
#define ENVELOPE_V2_OVERHEAD_BYTES (64u + 2u * MSGV2_MAX_LOGIN_BYTES + 2u * FINGERPRINT_MAX + PROTO_MAX_MODULUS_BITS / 8u)

int envelope_looks_v2(const char *content)
{
	/* v1 is a JSON array, v2 an object (msgv2.h). */
	return content[strspn(content, " \t\r\n")] == '{';
}

int envelope_conv_init(struct envelope_conv *conv, const struct rsa_private *me_key, const char *me,
                       const char *contact, const struct rsa_public *contact_key)
{
	conv->me_key = me_key;
	conv->me = me;
	conv->contact = contact;
	conv->contact_key = contact_key;
	conv->contact_fp[0] = '\0';
	return contact_key != NULL ? fingerprint_public(contact_key, conv->contact_fp) : RC_OK;
}

static int envelope_can_v2(const struct envelope_conv *conv)
{
	return conv->me != NULL && conv->contact_key != NULL && msgv2_key_supported(conv->contact_key) == RC_OK &&
	       msgv2_key_supported(&conv->me_key->pub) == RC_OK;
}

/* v1 from our client: the text with the marker, unless the marker would
 * take it over the length limit (then plain: the next message tells). */
static int envelope_seal_v1(const struct envelope_conv *conv, int self_copy, const char *text, size_t len,
                            struct api_sealed *out, char *err, size_t errlen)
{
	const struct rsa_public *me = self_copy ? &conv->me_key->pub : NULL;
	char *marked = NULL;
	size_t marked_len;
	int rc;

	if (len + MSGV2_MARKER_BYTES > API_MAX_TEXT_BYTES)
		return api_seal_v1(conv->contact, conv->contact_key, me, text, len, out, err, errlen);
	if ((rc = msgv2_v1_text_with_marker(text, len, &marked, &marked_len)) != RC_OK) {
		rc_errf(err, errlen, "cannot encrypt the message: %s", rc_strerror(rc));
		return rc;
	}
	rc = api_seal_v1(conv->contact, conv->contact_key, me, marked, marked_len, out, err, errlen);
	secure_wipe(marked, marked_len);
	free(marked);
	return rc;
}

int envelope_seal(const struct envelope_conv *conv, int contact_v2_capable, int self_copy, const char *text,
                  size_t len, struct api_sealed *out, int *v2, char *err, size_t errlen)
{
	int rc;

	out->to_recipient = out->to_self = NULL;
	*v2 = 0;
	if ((rc = api_check_text(text, len, err, errlen)) != RC_OK)
		return rc;
	if (conv->contact_key == NULL) {
		rc_errf(err, errlen, "no key for %s", conv->contact);
		return RC_ERR_INVAL;
	}
	if (!contact_v2_capable || !envelope_can_v2(conv))
		return envelope_seal_v1(conv, self_copy, text, len, out, err, errlen);
	rc = msgv2_seal(conv->me_key, conv->me, conv->contact_key, conv->contact, text, len, &out->to_recipient,
	                self_copy ? &out->to_self : NULL);
	if (rc != RC_OK) {
		rc_errf(err, errlen, "cannot encrypt the message: %s", rc_strerror(rc));
		api_sealed_free(out);
		return rc;
	}
	*v2 = 1;
	return RC_OK;
}

void envelope_opened_free(struct envelope_opened *o)
{
	if (o->text != NULL) {
		secure_wipe(o->text, strlen(o->text));
		free(o->text);
	}
	memset(o, 0, sizeof(*o));
}

/* The longest v2 content worth opening for reader: the blocks of a text
 * of API_MAX_TEXT_BYTES (the most any of our clients sends) with every other
 * field at its limit, in base64 with as much room again for JSON spacing.
 * Tighter than msgv2_open's own bound, which allows texts of
 * MSGV2_MAX_TEXT_BYTES: each block costs a private-key operation. */
static size_t envelope_v2_max_content(const struct rsa_public *reader)
{
	size_t cap = oaep_max_message(reader), blocks;

	if (cap == 0)
		return 0;
	blocks = (API_MAX_TEXT_BYTES + ENVELOPE_V2_OVERHEAD_BYTES + cap - 1) / cap;
	return 64 + blocks * 2 * (sodium_base64_ENCODED_LEN(rsa_modulus_bytes(reader), sodium_base64_VARIANT_ORIGINAL) + 3);
}

int envelope_open_v1(const struct rsa_private *k, const char *content, size_t len, struct envelope_opened *out)
{
	struct blocklist blocks;
	size_t plain_len;
	int r;

	r = content_parse_blocks(content, len, decrypt_cache_max_blocks(&k->pub), &blocks);
	if (r == RC_OK && !wire_blocks_plausible(&k->pub, &blocks))
		r = RC_ERR_TOO_LARGE;
	if (r == RC_ERR_TOO_LARGE)
		out->why = CHAT_UNREADABLE_TOO_MANY_BLOCKS;
	if (r == RC_OK && (r = wire_open(k, &blocks, PROTO_CLIENT_MAX_RESPONSE_BYTES, &out->text, &plain_len)) == RC_OK) {
		msgv2_v1_text_strip_marker(out->text, &plain_len, &out->marker);
		out->why = CHAT_READABLE;
	}
	blocklist_free(&blocks);
	return r == RC_ERR_NOMEM ? r : RC_OK;
}

static enum chat_unreadable envelope_v2_verdict(enum msgv2_status status)
{
	switch (status) {
	case MSGV2_OK:
		return CHAT_READABLE;
	case MSGV2_UNKNOWN_VERSION:
		return CHAT_UNREADABLE_VERSION;
	case MSGV2_FORGED:
		return CHAT_FORGED;
	case MSGV2_WRONG_RECIPIENT:
		return CHAT_WRONG_RECIPIENT;
	case MSGV2_NOT_V2:
	case MSGV2_MALFORMED:
		break;
	}
	return CHAT_UNREADABLE_KEY;
}

int envelope_open(const struct envelope_conv *conv, const char *sender, const char *content, size_t len,
                  struct envelope_opened *out)
{
	/* Without our login, whoever is not the contact is taken for us. */
	int from_me = conv->me != NULL ? strcmp(sender, conv->me) == 0 : strcmp(sender, conv->contact) != 0;
	struct msgv2_party me = { conv->me, &conv->me_key->pub }, contact = { conv->contact, conv->contact_key };
	enum msgv2_status status = MSGV2_NOT_V2;
	size_t text_len;
	int rc;

	memset(out, 0, sizeof(*out));
	out->why = CHAT_UNREADABLE_KEY;
	if (!from_me && strcmp(sender, conv->contact) != 0) {
		out->why = CHAT_FOREIGN_SENDER;
		return RC_OK;
	}
	if (envelope_looks_v2(content) && len > envelope_v2_max_content(&conv->me_key->pub)) {
		/* More blocks than a text of ours can need: refused unread. */
		out->why = CHAT_UNREADABLE_TOO_MANY_BLOCKS;
		return RC_OK;
	}
	if (!envelope_can_v2(conv)) {
		/* Nothing to check a signature with: a v2 object stays unread. */
		if ((rc = envelope_open_v1(conv->me_key, content, len, out)) == RC_OK && out->why == CHAT_UNREADABLE_KEY &&
		    envelope_looks_v2(content))
			out->why = CHAT_UNCHECKED;
		return rc;
	}
	rc = msgv2_open(conv->me_key, from_me ? &me : &contact, from_me ? &contact : &me, content, len, &out->text,
	                &text_len, &status);
	if (rc != RC_OK)
		return rc;
	if (status == MSGV2_NOT_V2)
		return envelope_open_v1(conv->me_key, content, len, out);
	out->why = envelope_v2_verdict(status);
	out->v2 = status == MSGV2_OK;
	return RC_OK;
}

void envelope_judge(const char *contact, int v2_seen, enum envelope_listing listing, struct envelope_judged *v,
                    size_t n, struct envelope_learnt *learnt)
{
	int holds_v2 = 0, suspect;

	learnt->v2_capable = learnt->v2_seen = 0;
	for (size_t i = 0; i < n; i++) {
		if (strcmp(v[i].sender, contact) != 0 || v[i].why != CHAT_READABLE)
			continue;
		holds_v2 |= v[i].v2;
		learnt->v2_seen |= v[i].v2;
		learnt->v2_capable |= v[i].v2 || v[i].marker;
	}
	suspect = v2_seen && (listing == ENVELOPE_LISTING_NEW || (listing == ENVELOPE_LISTING_NEWEST && !holds_v2));
	for (size_t i = 0; i < n; i++) {
		if (strcmp(v[i].sender, contact) != 0 || v[i].why != CHAT_READABLE)
			continue;
		if (v[i].v2)
			suspect = 1;
		else if (suspect)
			v[i].why = CHAT_SUSPECT_V1;
	}
}

const char *envelope_verdict_name(enum chat_unreadable why, int v2)
{
	switch (why) {
	case CHAT_READABLE:
		return v2 ? "v2" : "v1";
	case CHAT_UNREADABLE_TOO_MANY_BLOCKS:
		return "too_many_blocks";
	case CHAT_UNREADABLE_VERSION:
		return "unknown_version";
	case CHAT_UNCHECKED:
		return "unchecked";
	case CHAT_FORGED:
		return "forged";
	case CHAT_WRONG_RECIPIENT:
		return "wrong_recipient";
	case CHAT_SUSPECT_V1:
		return "suspect";
	case CHAT_FOREIGN_SENDER:
		return "foreign_sender";
	case CHAT_UNREADABLE_KEY:
		break;
	}
	return "unreadable";
}

int envelope_contact_lookup(struct contacts *store, const char *contact, const struct rsa_public *given,
                            struct envelope_contact *out, char *err, size_t errlen)
{
	const struct contact *ct = store != NULL ? contacts_find(store, contact) : NULL;
	enum contact_key_verdict verdict;
	int r;

	out->has_key = out->pinned = out->v2_capable = out->v2_seen = 0;
	if (ct == NULL && store != NULL && given != NULL) {
		if ((r = contacts_check_key(store, contact, given, &verdict, err, errlen)) != RC_OK)
			return r;
		ct = contacts_find(store, contact);
	}
	if (ct != NULL && !ct->damaged) {
		out->pinned = 1;
		out->v2_capable = ct->v2_capable;
		out->v2_seen = ct->v2_seen;
		given = &ct->key;
	}
	if (given == NULL)
		return RC_OK;
	out->has_key = 1;
	return rsa_public_copy(&out->key, given);
}

void envelope_contact_init(struct envelope_contact *ec)
{
	memset(ec, 0, sizeof(*ec));
	rsa_public_init(&ec->key);
}

void envelope_contact_free(struct envelope_contact *ec)
{
	rsa_public_clear(&ec->key);
}

int envelope_contact_judge(struct contacts *store, const char *contact, struct envelope_contact *ec,
                           enum envelope_listing listing, struct envelope_judged *v, size_t n, char *err,
                           size_t errlen)
{
	struct envelope_learnt learnt;
	int raised;

	envelope_judge(contact, ec->v2_seen, listing, v, n, &learnt);
	/* The store is written (under its lock) only when a flag rises: a
	 * poll that lists the same messages again costs no file access. */
	raised = (learnt.v2_capable && !ec->v2_capable) || (learnt.v2_seen && !ec->v2_seen);
	ec->v2_seen |= learnt.v2_seen;
	ec->v2_capable |= learnt.v2_capable;
	if (!ec->pinned || store == NULL || !raised)
		return RC_OK;
	return contacts_note_v2(store, contact, ec->v2_capable, ec->v2_seen, err, errlen);
}

int envelope_seal_for_contact(struct contacts *store, const struct rsa_private *me_key, const char *me,
                              const char *login, const struct rsa_public *key, int self_copy, const char *text,
                              size_t len, struct api_sealed *out, int *v2, char *err, size_t errlen)
{
	struct envelope_contact ec;
	struct envelope_conv conv;
	int r;

	out->to_recipient = out->to_self = NULL;
	*v2 = 0;
	envelope_contact_init(&ec);
	if ((r = envelope_contact_lookup(store, login, key, &ec, err, errlen)) == RC_OK &&
	    (r = envelope_conv_init(&conv, me_key, me, login, key)) == RC_OK)
		/* The flags belong to the pinned key: v2 only to that one. */
		r = envelope_seal(&conv, ec.v2_capable && rsa_public_equal(&ec.key, key), self_copy, text, len, out, v2, err,
		                  errlen);
	envelope_contact_free(&ec);
	return r;
}
