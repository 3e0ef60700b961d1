/* Key files. Our native text format keeps every CRT part; the original's
 * format (config.py lines `PUBLIC_KEY = (e, n)` and `PRIVATE_KEY = (d, n)`) is
 * read and written so existing users keep their identity.
 *
 * Native private key file (mode 0600):
 *   rsa-chat-private-key-v1
 *   e <decimal>
 *   n <decimal>
 *   d <decimal>
 *   p <decimal>
 *   q <decimal>
 *   dp <decimal>
 *   dq <decimal>
 *   qinv <decimal>
 * Native public key file:
 *   rsa-chat-public-key-v1
 *   e <decimal>
 *   n <decimal>
 * Lines starting with '#' and blank lines are ignored. */
#ifndef RC_KEYFILE_H
#define RC_KEYFILE_H

#include <stddef.h>

#include "bytebuf.h"
#include "rsa.h"

enum keyfile_format {
	KEYFILE_NATIVE,
	KEYFILE_ORIGINAL,
};

/* Largest key file we read. */
#define KEYFILE_MAX_BYTES (64u * 1024u)

/* Parses a private key in either format (detected from the text). The
 * original's format needs both lines (e comes from PUBLIC_KEY). On error,
 * err gets a one-line reason (e.g. "line 3: bad number for d"). */
int keyfile_parse_private(const char *text, size_t len, struct rsa_private *k, char *err, size_t errlen);
/* Parses a public key: a native public or private file, or the original's
 * PUBLIC_KEY line. */
int keyfile_parse_public(const char *text, size_t len, struct rsa_public *k, char *err, size_t errlen);

/* Loads a private key file; RC_ERR_PERM when group or others may read it
 * (err says so and suggests chmod 600), RC_ERR_NOTFOUND when missing. */
int keyfile_load_private(const char *path, struct rsa_private *k, char *err, size_t errlen);
int keyfile_load_public(const char *path, struct rsa_public *k, char *err, size_t errlen);

/* Appends the text of a key file in the given format. */
int keyfile_format_private(const struct rsa_private *k, enum keyfile_format fmt, struct bytebuf *out);
int keyfile_format_public(const struct rsa_public *k, enum keyfile_format fmt, struct bytebuf *out);

/* Writes the private key (mode 0600) to path and the public key (0644) to
 * path + ".pub". RC_ERR_EXISTS (nothing written) if either exists and !force. */
int keyfile_save_pair(const char *path, const struct rsa_private *k, enum keyfile_format fmt, int force, char *err, size_t errlen);

/* The default key path: $RSA_CHAT_HOME or ~/.rsa-chat, + "/id_rsa_chat".
 * dir gets the folder (created with mode 0700 when create is set). */
int keyfile_default_path(char *path, size_t pathlen, char *dir, size_t dirlen, int create);

#endif
