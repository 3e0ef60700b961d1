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

/* What a connection has shown of holding the private key of the key it
 * presented (the key proof extension, see dispatch.c). All zero: nothing.
 * Belongs to the connection like its cached login. */
struct dispatch_key_proof {
	uint8_t challenge[PROTO_KEY_CHALLENGE_BYTES]; /* the one outstanding challenge */
	int challenge_pending;  /* challenge was sent and not answered yet */
	int proven;             /* a key_proof matched: the client holds the key */
};

/* Who is asking. The key is the identity; login is the cache of its
 * registered login (NULL while unknown) and proof what the connection has
 * proven; the request in flight gets a copy of both and the connection
 * keeps what dispatch_request leaves there. */
struct dispatch_identity {
	const char *e_dec;   /* the client's public exponent, decimal */
	const char *n_dec;   /* the client's modulus, decimal */
	const char *peer;    /* the client's address as "host:port" or "[host]:port" */
	char *login;         /* owned; NULL: anonymous so far */
	struct dispatch_key_proof proof;
};

struct allowed_keys;

/* The server's rules for every request (read-only while workers run). */
struct dispatch_policy {
	int require_key_proof;   /* user commands only after a key proof */
	unsigned registrations_per_hour;   /* per source address; 0: no limit */
	const struct allowed_keys *allowed_keys; /* NULL: anyone may register */
};

/* 0 when dispatch_request answers req without the database (st may be
 * NULL): the commands for anyone (ping, goodbye, the key proof), and any
 * other command while the policy wants a key proof id has not given. */
int dispatch_needs_store(const struct dispatch_policy *policy, struct json_object *req,
                         const struct dispatch_identity *id);
/* A wait_messages that found nothing: the caller parks it and, when woken
 * or after timeout_ms, asks again with dispatch_wait_request. */
struct dispatch_wait {
	int64_t after_id;
	int limit;
	int timeout_ms;   /* > 0 */
};

/* What dispatch_request made of a request: a response (the caller puts
 * it), or nothing yet (parked: the wait to resume). */
struct dispatch_answer {
	struct json_object *resp;
	int close_after;              /* goodbye: close once answered */
	int parked;                   /* resp is NULL; wait says what to resume */
	struct dispatch_wait wait;
};

/* Answers one request through the command table: req is the parsed JSON,
 * or NULL when the request was not JSON at all. Database failures become
 * the "database unavailable" error; only RC_ERR_NOMEM is returned. */
int dispatch_request(struct store *st, const struct dispatch_policy *policy, struct json_object *req,
                     struct dispatch_identity *id, uint64_t conn_id, struct dispatch_answer *out);
/* *req: the wait_messages request that takes a parked wait up again with
 * timeout_ms left (0: answer whatever there is now). */
int dispatch_wait_request(const struct dispatch_wait *wait, int timeout_ms, struct json_object **req);
/* The answer to a parked wait that a new request ended: no messages. */
struct json_object *dispatch_no_messages(void);

#endif
