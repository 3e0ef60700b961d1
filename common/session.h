/* A blocking client-side protocol session: TCP connect, handshake, then
 * encrypted JSON requests and responses with a deadline on each. Used by
 * the client's scriptable mode and network thread, the test client and the
 * load generator. Answers come one per request, in order; a request may be
 * sent on its own (session_send_request) and its answer read later
 * (session_read_response) while other requests come and go in between, as
 * a long poll that stays parked at the server (wait_messages) needs. */
#ifndef RC_SESSION_H
#define RC_SESSION_H

#include <json-c/json.h>
#include <stddef.h>

#include "bytebuf.h"
#include "frame.h"
#include "rsa.h"

/* An answer read ahead (see session_read_response). */
struct session_answer {
	char *text;
	size_t len;
};

struct session {
	int fd;                         /* -1 when closed */
	const struct rsa_private *me;   /* borrowed */
	struct rsa_public server_key;   /* as presented in the handshake */
	size_t chunk;                   /* chunk size for requests (default: the original's) */
	int timeout_ms;                 /* per request; <= 0: wait forever */
	struct frame_limits limits;     /* what we accept from the server */
	struct bytebuf in;              /* received, not yet framed bytes */
	size_t on_wire;                 /* answers to session_send_request still to read from the socket */
	struct session_answer *early;   /* theirs, read ahead of a later request's answer, oldest first */
	size_t n_early, cap_early;
	int active;                     /* set by a successful session_connect until session_close */
};

/* Connects to host:port and does the handshake (reads the server's key,
 * checks it with rsa_public_check, sends ours). On error err says why and s
 * is left closed (session_close is still safe). timeout_ms bounds the connect
 * and the handshake, and then each request. Errors: RC_ERR_IO (cannot
 * resolve or connect), RC_ERR_TIMEOUT, RC_ERR_EOF, RC_ERR_PROTOCOL (a bad
 * server key), RC_ERR_TOO_LARGE (a handshake frame over its limit). */
int session_connect(struct session *s, const char *host, const char *port, const struct rsa_private *me,
                    int timeout_ms, char *err, size_t errlen);
/* Sends one request (JSON text) and returns the decrypted response text
 * (malloc'd, NUL-terminated): the answer to this request. Answers to
 * earlier requests of session_send_request that come before it are read
 * too and kept for session_read_response. RC_ERR_EOF, RC_ERR_TIMEOUT (timeout_ms passed,
 * decrypting the response included), RC_ERR_IO, RC_ERR_TOO_LARGE (a response
 * over s->limits) or RC_ERR_PROTOCOL (a response that does not decrypt to
 * UTF-8 text, or has more blocks than its bytes can hold: wire_open_limited);
 * after any of them the connection is closed and later requests get
 * RC_ERR_EOF. RC_ERR_NUL or
 * RC_ERR_INVAL for a request that cannot be encrypted (connection kept). */
int session_request_text(struct session *s, const char *req, size_t req_len, char **resp, size_t *resp_len);
/* The same with json-c objects; *resp is parsed by jsonx_parse (caller puts
 * it); a response that is not JSON gives RC_ERR_PROTOCOL. */
int session_request(struct session *s, struct json_object *req, struct json_object **resp);
/* The two halves of session_request_text, for a request whose answer may
 * take long (a parked wait): sends req within timeout_ms and leaves its
 * answer to session_read_response. Errors as session_request_text's. */
int session_send_request(struct session *s, const char *req, size_t req_len);
/* The answer to the oldest request of session_send_request not yet
 * answered: the one read ahead when there is one, else from the socket
 * within timeout_ms (<= 0: no limit), decrypting it included. RC_ERR_INVAL
 * when no such request waits; otherwise session_request_text's errors. */
int session_read_response(struct session *s, int timeout_ms, char **resp, size_t *resp_len);
/* The same parsed by jsonx_parse, like session_request. */
int session_read_json(struct session *s, int timeout_ms, struct json_object **resp);
/* The socket to poll for an answer's arrival (-1 when closed). */
int session_fd(const struct session *s);
/* 1 when session_read_response would not wait for the socket to become
 * readable: the answer was read ahead or has begun to arrive with an
 * earlier one. Check it before polling session_fd. */
int session_answer_ready(const struct session *s);
/* Closes the socket (no goodbye) and frees everything. Safe to call twice. */
void session_close(struct session *s);

#endif
