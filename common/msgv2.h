/* Message format version 2, between our clients: randomized encryption and
 * signed messages, carried inside protocol version 1's `content` (the server
 * stores it like any other content and knows nothing of it).
 *
 * The content's text is a JSON object instead of v1's JSON array:
 *   {"v":2,"c":["<base64>", ...]}
 * where each element is one RSAES-OAEP block (oaep.h: RFC 8017 7.1, SHA-256,
 * MGF1-SHA-256, empty label) of exactly k bytes, k the reader's modulus
 * length, in standard padded base64. A v1 decoder refuses an object (our
 * content_decode says RC_ERR_FORMAT; the original client cannot decode it),
 * and v1 content always starts with '[', so neither is ever taken for the
 * other. The blocks carry, in order, the payload split into chunks of
 * oaep_max_message(reader) bytes (the last may be shorter):
 *   payload = signed || F(signature)
 *   signed  = F("rsa-chat message v2") || F(sender login) || F(sender fingerprint)
 *          || F(recipient login) || F(recipient fingerprint) || F(text)
 * F(x) is x preceded by its length as 4 bytes little-endian (a bytes frame,
 * frame.h), so no two field lists share an encoding; the first field names
 * the format and its version; fingerprints are fingerprint_public()'s
 * "SHA256:..." strings; logins and text are UTF-8. The signature is
 * RSASSA-PSS (pss.h: RFC 8017 8.1, SHA-256, MGF1-SHA-256, 32-byte salt) by
 * the sender's key over `signed`. It travels inside the encryption: a PSS
 * signature can be checked by anyone with the public key, so in the clear it
 * would let the server confirm a guess of the text, the weakness OAEP removes.
 *
 * Signing the recipient stops a reader from passing a message on as if it
 * had been written to someone else (MSGV2_WRONG_RECIPIENT); signing the
 * sender's fingerprint ties it to the key the reader has pinned.
 *
 * The self copy: msgv2_seal encrypts the same payload (recipient = the
 * contact) for the sender's own key as well; msgv2_open accepts it when the
 * reader is the sender, and checks the recipient the same way.
 *
 * Who speaks v2: a v1 message from our client carries MSGV2_MARKER at the
 * end of its text (U+2063 INVISIBLE SEPARATOR: a format character of zero
 * width, which the original client passes to the terminal like any other
 * text). The client's rule (its integration is in progress):
 *  - v1 is always readable, and always sent to a contact not known to be
 *    v2-capable, or whose key or ours is too small (msgv2_key_supported);
 *  - a contact becomes v2-capable after a v1 message from it with the marker
 *    or a valid v2 message from it (MSGV2_OK); from then on we send v2;
 *  - after a valid v2 message from a contact, a later v1 message from that
 *    contact is shown as suspect (a downgrade: the server can write v1 in
 *    anyone's name).
 * What remains: until the first v2 message, the server can strip the marker
 * (or forge v1 messages) and keep a pair on v1. It cannot forge a v2 message,
 * alter one unseen, or make one readable by anyone but its reader. The keys
 * themselves come from the server (get_users): pin them, and compare safety
 * numbers (safety.h) to know that a key is really the contact's. */
#ifndef RC_MSGV2_H
#define RC_MSGV2_H

#include <stddef.h>

#include "rsa.h"

#define MSGV2_VERSION 2
/* The longest text sealed or accepted. */
#define MSGV2_MAX_TEXT_BYTES (64u * 1024u)
/* The longest login put in or accepted from a message: PROTO_MAX_LOGIN_CHARS
 * characters of up to 4 UTF-8 bytes each. */
#define MSGV2_MAX_LOGIN_BYTES (4u * 255u)
/* The v1 capability marker, U+2063 INVISIBLE SEPARATOR in UTF-8. */
#define MSGV2_MARKER "\xe2\x81\xa3"
#define MSGV2_MARKER_BYTES 3u

/* msgv2_open's verdict on a content. */
enum msgv2_status {
	MSGV2_OK,               /* written by the claimed sender, for this recipient: *text is set */
	MSGV2_NOT_V2,           /* not a v2 object: read it as v1 (content_decode), which
	                         * also rejects what is neither */
	MSGV2_UNKNOWN_VERSION,  /* an object with another "v": a newer format */
	MSGV2_MALFORMED,        /* a v2 object that is not well formed, too large, or does
	                         * not decrypt with the reader's key (altered, or for
	                         * another key) */
	MSGV2_FORGED,           /* decrypts, but is not signed by the claimed sender's key,
	                         * or names another sender or sender key; also any v2
	                         * object "from" a key too small to sign v2 */
	MSGV2_WRONG_RECIPIENT,  /* signed by the claimed sender, but for another recipient
	                         * or another recipient key: passed on by someone */
};

/* One end of a conversation as the reader knows it: the login and the key
 * the reader holds for it (its own, or the contact's pinned key). */
struct msgv2_party {
	const char *login;
	const struct rsa_public *key;
};

/* RC_OK when k can take part in v2 (an acceptable key, large enough for one
 * OAEP block of at least one byte and a PSS signature: 67 bytes, about 530
 * bits, or more); RC_ERR_KEY otherwise, meaning: use v1 with this contact. */
int msgv2_key_supported(const struct rsa_public *k);

/* Seals text[0..len) (UTF-8 without NUL, at most MSGV2_MAX_TEXT_BYTES) from
 * sender (the key that signs, login sender_login) to recipient: *content gets
 * the content for the recipient and, when self_copy is not NULL, *self_copy
 * the same payload encrypted for the sender's own key (both malloc'd,
 * NUL-terminated; caller frees). Two seals of one text differ (random OAEP
 * seeds and PSS salt). RC_ERR_KEY when either key is too small for v2,
 * RC_ERR_UTF8 / RC_ERR_NUL / RC_ERR_TOO_LARGE for the text, RC_ERR_INVAL for
 * an empty or too long login. */
int msgv2_seal(const struct rsa_private *sender, const char *sender_login, const struct rsa_public *recipient,
               const char *recipient_login, const char *text, size_t len, char **content, char **self_copy);

/* Opens content[0..len) as read by `reader`, who is one end of the message:
 * the recipient (reader->pub equals recipient->key; sender is the contact it
 * came from as get_messages names it, with the key pinned for it) or, for a
 * self copy, the sender (reader->pub equals sender->key; recipient is the
 * contact). Returns RC_OK with the verdict in *status, and on MSGV2_OK the
 * text in *text / *text_len (malloc'd, NUL-terminated, valid UTF-8 without
 * NUL; caller frees); otherwise *text is NULL. Counts and lengths are checked
 * against the reader's key and MSGV2_MAX_TEXT_BYTES before anything is
 * allocated for them. Errors: RC_ERR_INVAL when the reader is neither end,
 * RC_ERR_NOMEM. */
int msgv2_open(const struct rsa_private *reader, const struct msgv2_party *sender, const struct msgv2_party *recipient,
               const char *content, size_t len, char **text, size_t *text_len, enum msgv2_status *status);

/* A short English description of a status (static storage). */
const char *msgv2_status_text(enum msgv2_status status);

/* The text of a v1 message from our client: text[0..len) followed by
 * MSGV2_MARKER, in *out / *out_len (malloc'd, NUL-terminated; caller frees).
 * The caller checks its length limit against len + MSGV2_MARKER_BYTES. */
int msgv2_v1_text_with_marker(const char *text, size_t len, char **out, size_t *out_len);
/* Looks for MSGV2_MARKER at the end of a decoded v1 text: when found,
 * *has_marker = 1 and the marker is cut off (*len shortened, text
 * NUL-terminated there); else *has_marker = 0 and nothing changes. */
void msgv2_v1_text_strip_marker(char *text, size_t *len, int *has_marker);

#endif
