/* The encrypted request/response layer (protocol section 4): JSON text in,
 * the blocks frame of its textbook-RSA encryption out, and back. */
#ifndef RC_WIRE_H
#define RC_WIRE_H

#include <stddef.h>
#include <stdint.h>

#include "blocklist.h"
#include "bytebuf.h"
#include "rsa.h"

/* Encrypts text for `to` in chunks of `chunk` bytes and appends the blocks frame to out. */
int wire_seal(const struct rsa_public *to, size_t chunk, const char *text, size_t len, struct bytebuf *out);
/* Decrypts a frame's blocks with key; the result must be valid UTF-8 without
 * NUL and at most max_len bytes. *text is malloc'd and NUL-terminated. */
int wire_open(const struct rsa_private *key, const struct blocklist *blocks, size_t max_len, char **text, size_t *len);
/* wire_open for a reader that must bound its work (a client facing a
 * server or a peer it does not trust): RC_ERR_TOO_LARGE at once, before any
 * decryption, for blocks no honest encoder makes (wire_blocks_plausible),
 * and RC_ERR_TIMEOUT once clock_now_ms() reaches deadline_ms
 * (RSA_NO_DEADLINE: none). */
int wire_open_until(const struct rsa_private *key, const struct blocklist *blocks, size_t max_len, int64_t deadline_ms,
                    char **text, size_t *len);
/* 0 when blocks are more than an encryption for reader can hold: every
 * chunk but the last is full (at least the original's floor((len(n) - 1) / 2)
 * bytes), so every block but the last two (a short last chunk can give a
 * short block) is a number of about len(n) bytes; more than
 * total / (len(n) / 2) + 2 blocks is a decryption bomb (many tiny blocks, each
 * costing the reader a private-key operation). 1 otherwise. */
int wire_blocks_plausible(const struct rsa_public *reader, const struct blocklist *blocks);

#endif
