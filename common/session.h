/* A blocking client-side protocol session: TCP connect, handshake, then
 * encrypted JSON requests and responses with a deadline on each. Used by
 * the client's scriptable mode, the test client and the load generator. */
#ifndef RC_SESSION_H
#define RC_SESSION_H

#include <json-c/json.h>
#include <stddef.h>

#include "bytebuf.h"
#include "frame.h"
#include "rsa.h"

struct session {
	int fd;                         /* -1 when closed */
	const struct rsa_private *me;   /* borrowed */
	struct rsa_public server_key;   /* as presented in the handshake */
	size_t chunk;                   /* chunk size for requests (default: the original's) */
	int timeout_ms;                 /* per request; <= 0: wait forever */
	struct frame_limits limits;     /* what we accept from the server */
	struct bytebuf in;              /* received, not yet framed bytes */
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
 * (malloc'd, NUL-terminated). RC_ERR_EOF, RC_ERR_TIMEOUT (timeout_ms passed,
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
/* Closes the socket (no goodbye) and frees everything. Safe to call twice. */
void session_close(struct session *s);

#endif
