#include "config.h"

#include "connect.h"

#include <stdio.h>
#include <string.h>

#include "api.h"
#include "errors.h"

int connect_server(struct session *s, const struct connect_params *p, const struct rsa_private *me,
                   struct connect_result *res, char *err, size_t errlen)
{
	struct rsa_public pinned;
	char store_err[256], proof_err[256];
	int r;

	memset(res, 0, sizeof(*res));
	rsa_public_init(&pinned);
	if ((r = session_connect(s, p->host, p->port, me, p->timeout_ms, err, errlen)) != RC_OK)
		goto out;
	if ((r = fingerprint_public(&s->server_key, res->server_fp)) != RC_OK ||
	    (r = known_servers_lookup(p->known_servers, p->server_name, &s->server_key, &res->trust, &pinned)) != RC_OK) {
		snprintf(err, errlen, "cannot check the server key against %s: %s", p->known_servers, rc_strerror(r));
		goto out;
	}
	if (res->trust == KNOWN_SERVER_CHANGED) {
		if (fingerprint_public(&pinned, res->pinned_fp) != RC_OK)
			snprintf(res->pinned_fp, sizeof(res->pinned_fp), "(unreadable entry)");
		if (!p->accept_new_server_key) {
			snprintf(err, errlen,
			         "SERVER KEY CHANGED for %s: pinned %s, presented %s. Someone may be impersonating the server. "
			         "Refusing to talk; if the change is expected, rerun with --accept-new-server-key.",
			         p->server_name, res->pinned_fp, res->server_fp);
			r = RC_ERR_KEY;
			goto out;
		}
	}
	if (res->trust != KNOWN_SERVER_OK &&
	    (r = known_servers_store(p->known_servers, p->server_name, &s->server_key, store_err, sizeof(store_err))) != RC_OK) {
		snprintf(err, errlen, "cannot pin the server key in %s: %s %s", p->known_servers, rc_strerror(r), store_err);
		goto out;
	}
	/* Our encoder may use the widest chunks: fewer private operations for the server. */
	s->chunk = rsa_chunk_wide(&s->server_key);
	if ((r = api_prove_key(s, &res->key_proven, proof_err, sizeof(proof_err))) != RC_OK)
		snprintf(err, errlen, "proving to the server that we hold our key: %s%s%s",
		         r == RC_ERR_SERVER ? "it answered \"" : "", proof_err, r == RC_ERR_SERVER ? "\"" : "");
out:
	if (r != RC_OK)
		session_close(s);
	rsa_public_clear(&pinned);
	return r;
}
