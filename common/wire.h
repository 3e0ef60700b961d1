/* The encrypted request/response layer (protocol section 4): JSON text in,
 * the blocks frame of its textbook-RSA encryption out, and back. */
#ifndef RC_WIRE_H
#define RC_WIRE_H

#include <stddef.h>

#include "blocklist.h"
#include "bytebuf.h"
#include "rsa.h"

/* Encrypts text for `to` in chunks of `chunk` bytes on up to `threads`
 * threads (rsa_encrypt_parallel) and appends the blocks frame to out. */
int wire_seal_threads(const struct rsa_public *to, size_t chunk, unsigned threads, const char *text, size_t len,
                      struct bytebuf *out);
/* wire_seal_threads on the calling thread alone. */
int wire_seal(const struct rsa_public *to, size_t chunk, const char *text, size_t len, struct bytebuf *out);
/* Decrypts a frame's blocks with key; the result must be valid UTF-8 without
 * NUL and at most max_len bytes. *text is malloc'd and NUL-terminated. */
int wire_open(const struct rsa_private *key, const struct blocklist *blocks, size_t max_len, char **text, size_t *len);

#endif
