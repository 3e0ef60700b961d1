/* What a message of a conversation is, in either format, as this client
 * writes and reads it: sealing a text for a contact (format v2, signed and
 * randomized, once the contact is known to read it; else v1 with the
 * capability marker, see common/msgv2.h), and judging a listed message
 * from its content, its sender and its place in the conversation.
 * No network: the caller fetches keys and listings; the contact's v2
 * flags live in the contacts store (contacts.h) with its pinned key. */
#ifndef RC_CLIENT_ENVELOPE_H
#define RC_CLIENT_ENVELOPE_H

#include <stddef.h>

#include "api.h"
#include "chat_model.h"
#include "contacts.h"
#include "fingerprint.h"
#include "rsa.h"

/* A conversation's two parties as this client knows them. */
struct envelope_conv {
	const struct rsa_private *me_key;
	const char *me;      /* our login; NULL when unknown: v2 is then neither sent nor read, and
	                      * any sender but the contact is taken for us (no foreign sender
	                      * can be told) */
	const char *contact;
	const struct rsa_public *contact_key; /* the pinned key; NULL when unknown */
	char contact_fp[FINGERPRINT_MAX];     /* its fingerprint ("" without a key) */
};

/* Fills conv (borrowing every pointer) and the contact key's fingerprint. */
int envelope_conv_init(struct envelope_conv *conv, const struct rsa_private *me_key, const char *me,
                       const char *contact, const struct rsa_public *contact_key);

/* Seals text[0..len) for conv's contact into *out (api_sealed_free): format
 * v2 when contact_v2_capable and both keys can take part in it
 * (msgv2_key_supported), else v1 carrying MSGV2_MARKER; with self_copy the
 * copy for our own key in the same format. *v2 says which. The text is
 * checked as api_check_text does; err says what is wrong. */
int envelope_seal(const struct envelope_conv *conv, int contact_v2_capable, int self_copy, const char *text,
                  size_t len, struct api_sealed *out, int *v2, char *err, size_t errlen);

/* 1 when the NUL-terminated content is a JSON object (format v2 or
 * later), 0 for anything else (v1 is an array): a guess before opening. */
int envelope_looks_v2(const char *content);

/* One content opened on its own: what the bytes and the signature say,
 * before its place in the conversation is judged. */
struct envelope_opened {
	char *text;             /* malloc'd (wiped when freed); NULL unless why is CHAT_READABLE */
	enum chat_unreadable why;
	int v2;                 /* format v2 with a valid signature by the sender */
	int marker;             /* format v1 carrying MSGV2_MARKER (cut off the text) */
};

/* Opens content[0..len) (NUL-terminated there), listed with this sender in conv's conversation.
 * A sender that is neither party is CHAT_FOREIGN_SENDER, unread. Every
 * length and block count is bounded before any private-key operation.
 * RC_OK with the verdict in *out; RC_ERR_NOMEM. */
int envelope_open(const struct envelope_conv *conv, const char *sender, const char *content, size_t len,
                  struct envelope_opened *out);
void envelope_opened_free(struct envelope_opened *o);
/* Opens format v1 content[0..len) (NUL-terminated there) with key k alone,
 * refusing a decryption bomb before any private-key operation (too many
 * blocks: why CHAT_UNREADABLE_TOO_MANY_BLOCKS); the capability marker is
 * cut off. For content we sealed for ourselves (the outbox) and for
 * envelope_open. RC_OK with the verdict in *out; RC_ERR_NOMEM. */
int envelope_open_v1(const struct rsa_private *k, const char *content, size_t len, struct envelope_opened *out);

/* Where a listing sits in its conversation, which decides from where on a
 * v1 message from a contact whose v2 was seen is suspect. */
enum envelope_listing {
	ENVELOPE_LISTING_NEW,    /* messages newer than any seen before (tail, a wait's answer):
	                          * with v2 seen, every v1 one from the contact is suspect */
	ENVELOPE_LISTING_NEWEST, /* the whole conversation or its newest page: suspect after the
	                          * first valid v2 message from the contact in it, or everywhere
	                          * when v2 was seen but the listing holds none */
	ENVELOPE_LISTING_OLDER,  /* a page older than one already judged: after its first v2 one */
};

/* One message of a listing, in conversation order. */
struct envelope_judged {
	const char *sender;
	enum chat_unreadable why; /* from envelope_opened; envelope_judge may make it CHAT_SUSPECT_V1 */
	int v2;
	int marker;
};

/* What a listing showed of the contact's client (raise the flags with it). */
struct envelope_learnt {
	int v2_capable; /* a readable v1 message with the marker, or a valid v2 one, came from it */
	int v2_seen;    /* a valid v2 message came from it */
};

/* Judges a listing of the conversation with contact: readable v1 messages
 * from the contact that follow its v2 messages (by `listing`, and the
 * contact's stored v2_seen flag) become CHAT_SUSPECT_V1. *learnt gets what
 * the listing showed. */
void envelope_judge(const char *contact, int v2_seen, enum envelope_listing listing, struct envelope_judged *v,
                    size_t n, struct envelope_learnt *learnt);

/* What this client holds for writing to and reading from a contact. */
struct envelope_contact {
	struct rsa_public key; /* the pinned key, else the one the server gave */
	int has_key;           /* key is set */
	int pinned;            /* key is the pin: what messages teach is stored with it */
	int v2_capable, v2_seen; /* the pin's v2 flags */
};

/* Looks contact up in store (NULL: none could be loaded): a usable pin
 * (not damaged) gives its key and flags; else `given` (the server's key,
 * NULL when not fetched) is pinned on first sight, or used unpinned. Without
 * either, has_key stays 0 (fetch the key and look again). out comes from
 * envelope_contact_init and goes to envelope_contact_free. */
int envelope_contact_lookup(struct contacts *store, const char *contact, const struct rsa_public *given,
                            struct envelope_contact *out, char *err, size_t errlen);
void envelope_contact_init(struct envelope_contact *ec);
void envelope_contact_free(struct envelope_contact *ec);
/* Judges a listing (envelope_judge, with the pin's v2_seen) and raises the
 * pin's flags in store by what it taught. */
int envelope_contact_judge(struct contacts *store, const char *contact, struct envelope_contact *ec,
                           enum envelope_listing listing, struct envelope_judged *v, size_t n, char *err,
                           size_t errlen);

/* envelope_seal for contact `login` whose key the server gives as `key`,
 * in the format the flags pinned with that key allow (none pinned: pinned
 * now, v1): what both the command line and the TUI send. */
int envelope_seal_for_contact(struct contacts *store, const struct rsa_private *me_key, const char *me,
                              const char *login, const struct rsa_public *key, int self_copy, const char *text,
                              size_t len, struct api_sealed *out, int *v2, char *err, size_t errlen);

/* The verdict's name for scripts (rsa-chat --json "verdict"): "v1", "v2",
 * "unreadable", "too_many_blocks", "unknown_version", "unchecked",
 * "forged", "wrong_recipient", "suspect", "foreign_sender". */
const char *envelope_verdict_name(enum chat_unreadable why, int v2);

#endif
