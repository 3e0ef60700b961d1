/* Constants of the rsa-chat wire protocol version 1 (see README and the
 * protocol document): command names, the error texts clients match on, and
 * the default limits we enforce on peers. */
#ifndef RC_PROTOCOL_H
#define RC_PROTOCOL_H

#include <stddef.h>
#include <stdint.h>

/* Commands. */
#define PROTO_CMD_PING "ping"
#define PROTO_CMD_GOODBYE "goodbye"
#define PROTO_CMD_REGISTER "register"
#define PROTO_CMD_GET_USERS "get_users"
#define PROTO_CMD_GET_MESSAGES "get_messages"
#define PROTO_CMD_SEND_MESSAGE "send_message"
/* Ours, an opt-in extension (proof of key possession, see the server's
 * dispatch.c): old servers answer them "no auth" or "incorrect cmd". */
#define PROTO_CMD_KEY_CHALLENGE "key_challenge"
#define PROTO_CMD_KEY_PROOF "key_proof"
/* Ours, an extension for registered users: one user's key by login
 * ({"cmd": "get_user", "login": X} -> {"login", "open_exponent", "module"}
 * like one get_users entry, or "no such user"); old servers answer
 * "incorrect cmd". */
#define PROTO_CMD_GET_USER "get_user"
/* Ours, the sync extension (issue 12) for registered users: a long poll for
 * new messages and the newest message id; get_messages also takes a page
 * (before_id, after_id, limit). Old servers answer "incorrect cmd". */
#define PROTO_CMD_WAIT_MESSAGES "wait_messages"
#define PROTO_CMD_LAST_MESSAGE_ID "last_message_id"

/* Response data strings. */
#define PROTO_DATA_PONG "pong"
#define PROTO_DATA_GOODBYE "goodbye"
#define PROTO_DATA_WELCOME "welcome"
#define PROTO_DATA_SENT "sent"
#define PROTO_DATA_PROVEN "proven"

/* Error texts: part of the protocol, clients compare them verbatim. */
#define PROTO_ERR_NO_AUTH "no auth"
#define PROTO_ERR_INCORRECT_CMD "incorrect cmd"
#define PROTO_ERR_NO_LOGIN "no login"
#define PROTO_ERR_LOGIN_EXISTS "login exists"
#define PROTO_ERR_ALREADY_REGISTERED "already registered"
#define PROTO_ERR_NO_USER "no user"
#define PROTO_ERR_NO_SUCH_USER "no such user"
#define PROTO_ERR_NO_USER_OR_CONTENT "no user or content"
/* Ours (not in the deployed server): the request could not be served now. */
#define PROTO_ERR_DB_UNAVAILABLE "database unavailable"
/* Ours, the key proof extension: a user command before the proof on a
 * server that requires it; a key_proof that does not match. */
#define PROTO_ERR_KEY_PROOF_REQUIRED "key proof required"
#define PROTO_ERR_WRONG_CHALLENGE "wrong challenge"
/* Ours, registration rules (old clients show the text as it is): a login
 * breaking the rules of common/login.h; a key not in the server's
 * allowed-keys list; too many registrations from one address in an hour. */
#define PROTO_ERR_INVALID_LOGIN "invalid login"
#define PROTO_ERR_REGISTRATION_CLOSED "registration closed"
#define PROTO_ERR_TOO_MANY_REGISTRATIONS "too many registrations"
/* Ours, the sync extension: a page or wait field out of its bounds. */
#define PROTO_ERR_BAD_PAGE "bad page"
/* Ours, the exactly-once extension (issue 14): send_message's optional
 * "msg_id", the sender's name for the message (1..PROTO_MSG_ID_MAX of
 * [A-Za-z0-9_-]); a send whose (sender, msg_id) is stored answers "sent"
 * again and stores nothing, or "msg_id reused" when the stored message
 * differs (content, receiver or self_copy). Old servers ignore the field. */
#define PROTO_FIELD_MSG_ID "msg_id"
#define PROTO_MSG_ID_MAX 64
#define PROTO_MSG_ID_CHARS "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-"
#define PROTO_ERR_BAD_MSG_ID "bad msg_id"
#define PROTO_ERR_MSG_ID_REUSED "msg_id reused"
/* The sync extension's bounds: messages per answer (and its default), the
 * largest id (2^53, exact in every JSON reader), a wait's time. */
#define PROTO_PAGE_MAX_LIMIT 500
#define PROTO_PAGE_DEFAULT_LIMIT 100
#define PROTO_PAGE_MAX_ID 9007199254740992LL
#define PROTO_WAIT_DEFAULT_MS 25000
#define PROTO_WAIT_MAX_MS 60000
/* The challenge: random bytes, sent as twice as many lowercase hex digits. */
#define PROTO_KEY_CHALLENGE_BYTES 32u

/* Keys we accept from peers (wire-protocol.md, "Our choices"). */
#define PROTO_MIN_MODULUS_BITS 512u
#define PROTO_MAX_MODULUS_BITS 16384u
/* Longest public exponent: 65537 and the original's small random primes
 * fit; every answer costs one exponentiation by the peer's e, so a huge e
 * would make a pong cost seconds of CPU. */
#define PROTO_MAX_PEER_E_BITS 17u
/* Longest decimal key component read anywhere (wire, key files, known
 * servers): a PROTO_MAX_MODULUS_BITS number has 4933 digits. */
#define PROTO_MAX_KEY_DIGITS 5000u

/* Default limits on what a peer may send (all configurable in the server). */
#define PROTO_DEFAULT_MAX_FRAME_BYTES (64u * 1024u)        /* one bytes frame */
#define PROTO_DEFAULT_MAX_BLOCKS 4096u                      /* blocks in one frame */
#define PROTO_DEFAULT_MAX_REQUEST_BYTES (1024u * 1024u)     /* sum of one frame's blocks */
/* A handshake frame carries one key component: at most a 16384-bit number. */
#define PROTO_HANDSHAKE_MAX_FRAME_BYTES (PROTO_MAX_MODULUS_BITS / 8u)
/* What a client accepts in one response (get_messages can be large). */
#define PROTO_CLIENT_MAX_RESPONSE_BYTES (256u * 1024u * 1024u)
#define PROTO_CLIENT_MAX_BLOCKS (4u * 1024u * 1024u)

/* Longest login we store (the original's column is varchar(255)). */
#define PROTO_MAX_LOGIN_CHARS 255u

/* Default endpoint. */
#define PROTO_DEFAULT_HOST "127.0.0.1"
#define PROTO_DEFAULT_PORT "9090"

#endif
