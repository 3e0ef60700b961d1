/* The command table (wire-protocol.md section 5): one parsed request in,
 * one response object out. Knows JSON and the store, not sockets or RSA. */
#ifndef RC_SERVER_DISPATCH_H
#define RC_SERVER_DISPATCH_H

#include <json-c/json.h>
#include <stdint.h>

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

/* Answers one request: req is the parsed JSON, or NULL when the request was
 * not JSON at all. *resp gets the response (caller puts it); *close_after is
 * set for goodbye. Database failures become the "database unavailable" error;
 * only RC_ERR_NOMEM is returned. */
int dispatch_request(struct store *st, struct json_object *req, struct dispatch_identity *id, uint64_t conn_id,
                     struct json_object **resp, int *close_after);

#endif
