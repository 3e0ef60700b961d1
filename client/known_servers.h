/* Trust on first use for server keys, like ssh's known_hosts. One line per
 * server: "host:port fingerprint e n" (decimal e and n; the fingerprint is
 * there for people reading the file, the comparison uses e and n). Lines
 * starting with '#' and lines we cannot parse are kept as they are. */
#ifndef RC_CLIENT_KNOWN_SERVERS_H
#define RC_CLIENT_KNOWN_SERVERS_H

#include <stddef.h>

#include "rsa.h"

#define KNOWN_SERVERS_MAX_BYTES (1024u * 1024u)

enum known_server_status {
	KNOWN_SERVER_OK,      /* pinned, and the key matches */
	KNOWN_SERVER_NEW,     /* never seen (or no file yet) */
	KNOWN_SERVER_CHANGED, /* pinned with another key: refuse to talk */
};

/* Looks server ("host:port") up in the file at path. On CHANGED, stored (an
 * initialised key, may be NULL) receives the pinned key. */
int known_servers_lookup(const char *path, const char *server, const struct rsa_public *key,
                         enum known_server_status *status, struct rsa_public *stored);
/* Pins key for server, replacing its line or appending one; the file is
 * rewritten through a temporary file and rename. */
int known_servers_store(const char *path, const char *server, const struct rsa_public *key,
                        char *err, size_t errlen);

#endif
