/* The command table (wire-protocol.md section 5): one parsed request in,
 * one response object out. Knows JSON and the store, not sockets or RSA. */
#ifndef RC_SERVER_DISPATCH_H
#define RC_SERVER_DISPATCH_H

#include <json-c/json.h>
#include <stdint.h>

#include "protocol.h"
#include "store.h"

/* Ours, not in the deployed server: a login longer than the original's
 * varchar(255) column could not be stored. */
#define DISPATCH_ERR_LOGIN_TOO_LONG "login too long"

/* Who is asking. The key is the identity; login is the cache of its
 * registered login (NULL while unknown), filled in by dispatch_request. */
struct dispatch_identity {
	const char *e_dec;   /* the client's public exponent, decimal */
	const char *n_dec;   /* the client's modulus, decimal */
	char *login;         /* owned; NULL: anonymous so far */
};

/* What a connection has shown of holding the private key of the key it
 * presented (the key proof extension, see dispatch.c). All zero: nothing.
 * Belongs to the connection like its cached login: the request in flight
 * gets a copy and the connection keeps what comes back. */
struct dispatch_key_proof {
	uint8_t challenge[PROTO_KEY_CHALLENGE_BYTES]; /* the one outstanding challenge */
	int challenge_pending;  /* challenge was sent and not answered yet */
	int proven;             /* a key_proof matched: the client holds the key */
};

/* The key proof extension, asked before dispatch_request: answers
 * key_challenge and key_proof, and with `required` refuses the user
 * commands of a connection that has not proven its key. *resp stays NULL
 * for every other request (dispatch_request's). Only RC_ERR_NOMEM fails. */
int dispatch_key_proof(struct json_object *req, struct dispatch_key_proof *proof, int required, uint64_t conn_id,
                       struct json_object **resp);

/* Answers one request: req is the parsed JSON, or NULL when the request was
 * not JSON at all. *resp gets the response (caller puts it); *close_after is
 * set for goodbye. Database failures become the "database unavailable" error;
 * only RC_ERR_NOMEM is returned. */
int dispatch_request(struct store *st, struct json_object *req, struct dispatch_identity *id, uint64_t conn_id,
                     struct json_object **resp, int *close_after);

#endif
