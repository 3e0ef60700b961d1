/* Contacts' keys as this client first saw them, per server (trust on first
 * use, as known_servers does for server keys), what the user verified, and
 * which message format each contact's client reads.
 *
 * The file ("contacts" in the data folder) has one line per (server, login):
 *   server login fingerprint e n flags
 * with the login as login_escape renders it (one word, any login), the key
 * as in keyline.h and flags "-" or a comma-separated list of "verified",
 * "v2" (v2_capable) and "v2-seen". Lines starting with '#' and lines we
 * cannot parse are kept as they are; an entry readable only up to its login
 * vouches for no key (every key is CHANGED) until one is accepted. Two clients may
 * run at once (the TUI and `rsa-chat tail`): every change takes a lock
 * (flock on "contacts.lock" beside the file), re-reads the file, changes
 * that one line and replaces the file atomically, so no one loses another's
 * pins. Not thread-safe: one thread owns a struct contacts. */
#ifndef RC_CLIENT_CONTACTS_H
#define RC_CLIENT_CONTACTS_H

#include <stddef.h>

#include "rsa.h"

/* The file is read, and written, whole under this cap. */
#define CONTACTS_MAX_BYTES (4u * 1024u * 1024u)

enum contact_key_verdict {
	CONTACT_KEY_NEW,     /* first sight: pinned now */
	CONTACT_KEY_SAME,    /* the pinned key */
	CONTACT_KEY_CHANGED, /* not the pinned key: nothing is encrypted for it until accepted */
};

struct contact {
	char *login;
	struct rsa_public key; /* pinned */
	int verified;          /* the user compared the safety number */
	int v2_capable;        /* its client reads format v2 (set by TRUST-B's code) */
	int v2_seen;           /* a valid v2 message came from it: a later v1 one is suspect */
	int damaged;           /* its line was unreadable but for the login: key is 0 and
	                        * vouches for nothing (CHANGED) until a key is accepted */
};

/* One server's contacts, loaded from the file. */
struct contacts {
	char *path;
	char *server_name;
	struct contact *v;
	size_t count, cap;
};

/* Loads server_name's ("host:port") contacts from the file at path (none
 * when it does not exist yet). On error c is empty and err says why. */
int contacts_load(struct contacts *c, const char *path, const char *server_name, char *err, size_t errlen);
/* Frees everything; safe on a zeroed struct and after a failed load. */
void contacts_free(struct contacts *c);
/* The contact pinned for login, or NULL; valid until the next call that
 * takes c non-const. */
const struct contact *contacts_find(const struct contacts *c, const char *login);
/* Re-reads the file, which another client may have changed. */
int contacts_refresh(struct contacts *c, char *err, size_t errlen);
/* Compares key with login's pin as loaded, pinning nothing: NEW when login
 * has no pin. For lists of many users: one contacts_refresh, then this. */
enum contact_key_verdict contacts_compare(const struct contacts *c, const char *login, const struct rsa_public *key);
/* Compares key with the pinned one (re-reading the file, which another
 * client may have changed); a new login is pinned and saved. */
int contacts_check_key(struct contacts *c, const char *login, const struct rsa_public *key,
                       enum contact_key_verdict *verdict, char *err, size_t errlen);
/* The user accepted key for login after checking it: pinned instead of the
 * old one; verified and the v2 flags start over. Saved. */
int contacts_accept_key(struct contacts *c, const char *login, const struct rsa_public *key, char *err, size_t errlen);
/* RC_ERR_NOTFOUND when login is not pinned. Saved. */
int contacts_set_verified(struct contacts *c, const char *login, int verified, char *err, size_t errlen);
/* Raises the v2 flags (never lowers them; accept_key does); saved when
 * changed. RC_ERR_NOTFOUND when login is not pinned. */
int contacts_note_v2(struct contacts *c, const char *login, int capable, int seen, char *err, size_t errlen);

#endif
