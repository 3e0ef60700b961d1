/* Connecting to a server as ourselves: the session's handshake, then the
 * known_servers check of the key the server presented, before any request,
 * then the proof that we hold our key, before any other request.
 * Shared by the scriptable mode and the TUI's network thread. */
#ifndef RC_CLIENT_CONNECT_H
#define RC_CLIENT_CONNECT_H

#include <stddef.h>

#include "fingerprint.h"
#include "known_servers.h"
#include "rsa.h"
#include "session.h"

struct connect_params {
	const char *host;
	const char *port;
	const char *server_name;    /* "host:port", the known_servers entry */
	const char *known_servers;  /* file path */
	int accept_new_server_key;  /* replace a changed pinned key */
	int timeout_ms;
};

struct connect_result {
	enum known_server_status trust; /* NEW: pinned now; CHANGED: replaced on request, or refused */
	char server_fp[FINGERPRINT_MAX]; /* what the server presented */
	char pinned_fp[FINGERPRINT_MAX]; /* what we had pinned (CHANGED only) */
	int key_proven;                  /* the server accepted our proof of key possession */
};

/* Connects, shakes hands, checks the server key, then proves we hold our
 * private key when the server offers that (api_prove_key; a server without
 * it is fine). RC_ERR_KEY (session closed, nothing sent but our public key)
 * when the key differs from the pinned one and replacing was not asked for;
 * RC_ERR_SERVER when the server refused our proof, RC_ERR_PROTOCOL when it
 * answered the proof's commands with nonsense; network errors as the
 * session reports them. err says what happened; the session is closed on
 * any error. */
int connect_server(struct session *s, const struct connect_params *p, const struct rsa_private *me,
                   struct connect_result *res, char *err, size_t errlen);

#endif
