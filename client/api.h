/* Typed calls over a connected session (common/session.h), one per protocol
 * command. Each returns RC_OK, RC_ERR_SERVER with the server's error text in
 * err (e.g. "no such user"), RC_ERR_PROTOCOL with a description in err when
 * the answer has the wrong shape, or the session's network error. */
#ifndef RC_CLIENT_API_H
#define RC_CLIENT_API_H

#include <stddef.h>
#include <stdint.h>

#include "protocol.h"
#include "rsa.h"
#include "session.h"

/* Longest message text we send, in bytes of UTF-8 (about 64 blocks of a 1024-bit key). */
#define API_MAX_TEXT_BYTES 8192u
/* Longest error text we keep from a server. */
#define API_MAX_ERROR_CHARS 200u

struct api_user {
	char *login;
	struct rsa_public key;  /* 0, 0 in a listing whose server sent fingerprints */
	char *fingerprint;      /* in a listing (api_get_user_listing); else NULL */
};

struct api_users {
	struct api_user *v;
	size_t count;
};

struct api_message {
	char *sender;
	char *created_at;
	char *content;
	size_t content_len;
	uint64_t id;  /* the sync extension's message id; 0 from a v1 answer */
	char *peer;   /* wait_messages: the other party of the conversation; else NULL */
};

struct api_messages {
	struct api_message *v; /* oldest first */
	size_t count;
};

int api_ping(struct session *s, char *err, size_t errlen);
/* Proves that we hold our private key (the key proof extension, see
 * rsa-chat-server(8)): asks for a challenge, which only our key can read,
 * and sends it back. RC_OK with *proven 1 when the server accepted it, or
 * with *proven 0 when the server does not know the extension (it answers
 * key_challenge with an error: "no auth" or "incorrect cmd"). RC_ERR_SERVER
 * when it refused the proof, RC_ERR_PROTOCOL for an answer that is not a
 * challenge or not "proven". */
int api_prove_key(struct session *s, int *proven, char *err, size_t errlen);
/* Says goodbye (best effort) and closes the session. */
void api_goodbye(struct session *s);
/* Registers login for our key. *registered (malloc'd) gets the login the
 * server knows our key by: login itself, or with *already set, the login of
 * an earlier registration ("already registered"). */
int api_register(struct session *s, const char *login, char **registered, int *already, char *err, size_t errlen);
/* The other users and their keys; RC_ERR_SERVER "no auth" when we are not registered. */
int api_get_users(struct session *s, struct api_users *out, char *err, size_t errlen);
/* The other users and their key fingerprints, for a listing: asks get_users
 * with "fingerprints": true (our extension), which our servers answer with
 * each key's fingerprint instead of the key, a twelfth of the bytes to
 * decrypt (6,000 users: about 1 s instead of 12). Other servers ignore the
 * field and send the keys, whose fingerprints are computed here. Every
 * entry's fingerprint is set; its key only when the server sent it. */
int api_get_user_listing(struct session *s, struct api_users *out, char *err, size_t errlen);
/* Our extension: one user's key by login, {"cmd": "get_user", "login": X}
 * answered with {"login", "open_exponent", "module"} or the error "no such
 * user", so sending costs the same with 10 users or 10,000. A server without
 * it (it answers "incorrect cmd", as the original does) is asked get_users
 * instead. RC_ERR_SERVER "no such user" either way. out comes from
 * api_user_init and goes to api_user_free, whatever the result. */
int api_get_user(struct session *s, const char *login, struct api_user *out, char *err, size_t errlen);
void api_user_init(struct api_user *user);
void api_user_free(struct api_user *user);
const struct api_user *api_users_find(const struct api_users *users, const char *login);
void api_users_free(struct api_users *users);
/* The conversation with user, as the server stores it (still encrypted). */
int api_get_messages(struct session *s, const char *user, struct api_messages *out, char *err, size_t errlen);
void api_messages_free(struct api_messages *msgs);
/* Our sync extension (issue 12; README "Sync"): pages of a conversation,
 * a long poll for new messages, and where "now" is. Support is learnt once
 * per connection into an enum api_sync the caller keeps with its session
 * (API_SYNC_UNKNOWN after each connect). A server that answers "incorrect
 * cmd" to wait_messages or last_message_id, or a paged get_messages without
 * ids (the original ignores the page), is a v1 server: the call returns
 * RC_OK, sets *sync to API_SYNC_NO, and the caller falls back. */
#define API_CMD_WAIT_MESSAGES "wait_messages"
#define API_CMD_LAST_MESSAGE_ID "last_message_id"
/* The most messages one page or one wait may ask for. */
#define API_PAGE_MAX 500u
/* Ids are JSON integers 0..2^53. */
#define API_MAX_MESSAGE_ID (UINT64_C(1) << 53)

enum api_sync { API_SYNC_UNKNOWN, API_SYNC_YES, API_SYNC_NO };

/* A page of a conversation: 0 leaves a bound out. With after_id alone the
 * oldest `limit` messages after it, else the newest before before_id. */
struct api_page {
	uint64_t before_id;
	uint64_t after_id;
	unsigned limit; /* 1..API_PAGE_MAX */
};

/* One page of the conversation with user (ascending ids). From a v1 server
 * (*sync becomes API_SYNC_NO) out holds the whole conversation instead,
 * without ids: the original ignores the page. */
int api_get_messages_page(struct session *s, enum api_sync *sync, const char *user, const struct api_page *page,
                          struct api_messages *out, char *err, size_t errlen);
/* wait_messages: every message addressed to us with an id above after_id
 * (at most limit, oldest first, each with its peer), answered at once when
 * there are some, else when one arrives or after timeout_ms (then none).
 * The request's deadline is timeout_ms plus the session's own. A v1
 * server: RC_OK, no messages, *sync API_SYNC_NO. */
int api_wait_messages(struct session *s, enum api_sync *sync, uint64_t after_id, int timeout_ms, unsigned limit,
                      struct api_messages *out, char *err, size_t errlen);
/* api_wait_messages in two halves, for a wait that stays parked at the
 * server while other requests come and go on the session (the server then
 * answers it [] first, and session_request keeps that answer for
 * api_wait_read). api_wait_send only sends the request; api_wait_read reads
 * its answer within read_timeout_ms (<= 0: no limit) and checks it against
 * the same after_id and limit. */
int api_wait_send(struct session *s, uint64_t after_id, int timeout_ms, unsigned limit, char *err, size_t errlen);
int api_wait_read(struct session *s, enum api_sync *sync, uint64_t after_id, unsigned limit, int read_timeout_ms,
                  struct api_messages *out, char *err, size_t errlen);
/* The largest message id we can see (0: none); a v1 server: *id 0, *sync API_SYNC_NO. */
int api_last_message_id(struct session *s, enum api_sync *sync, uint64_t *id, char *err, size_t errlen);

/* RC_OK when text may be sent: valid UTF-8, no NUL, not empty, at most
 * API_MAX_TEXT_BYTES; otherwise err says why. */
int api_check_text(const char *text, size_t len, char *err, size_t errlen);
/* The exactly-once extension (common/protocol.h): every copy we send is
 * named by a base id and "-r" (the recipient's copy) or "-s" (our self
 * copy), so the base has two characters less than a msg_id. A fresh base
 * is API_MSG_ID_RANDOM_BYTES random bytes in hex. */
#define API_MSG_ID_BASE_MAX (PROTO_MSG_ID_MAX - 2)
#define API_MSG_ID_RANDOM_BYTES 16
/* A fresh random base id into out (outlen > 2 * API_MSG_ID_RANDOM_BYTES). */
void api_msg_id_new(char *out, size_t outlen);
/* RC_OK for a base id we can send (1..API_MSG_ID_BASE_MAX of
 * [A-Za-z0-9_-]); otherwise RC_ERR_INVAL and err says why. */
int api_msg_id_check(const char *base, char *err, size_t errlen);
/* One message sealed for sending: the recipient's content and, for a self
 * copy, our own (NULL: none). Sealed once and kept, so that every retry
 * sends the same bytes under the same msg_id, whatever the format's
 * randomness (format v2 pads at random; the server answers "msg_id reused"
 * to other content under a stored id). */
struct api_sealed {
	char *to_recipient;
	char *to_self;
};
void api_sealed_free(struct api_sealed *sealed);
/* Seals text for user (key `to`) in the original's format (v1), and with me
 * not NULL a self copy for our key `me`. Checks the text (api_check_text)
 * and the recipient's key first; err says what is wrong. */
int api_seal_v1(const char *user, const struct rsa_public *to, const struct rsa_public *me, const char *text,
                size_t len, struct api_sealed *out, char *err, size_t errlen);
/* Sends sealed contents to user under the base id msg_id (the recipient's
 * copy first, then the self copy, if any), and can be retried on a new
 * session without sending a copy twice: *acked (0 at the first attempt)
 * counts the copies the server has acknowledged "sent" (1: the recipient's,
 * 2: also ours) and the send resumes after them. A copy whose "sent" was
 * lost with the connection is sent again under the same msg_id (every
 * attempt passes the same base id and the same sealed bytes): a server of
 * the exactly-once extension answers "sent" without storing it twice; an
 * older server (which ignores the field) may store it twice. */
int api_send_sealed_resume(struct session *s, const char *user, const struct api_sealed *sealed, const char *msg_id,
                           int *acked, char *err, size_t errlen);
#endif
