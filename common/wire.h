/* The encrypted request/response layer (protocol section 4): JSON text in,
 * the blocks frame of its textbook-RSA encryption out, and back. */
#ifndef RC_WIRE_H
#define RC_WIRE_H

#include <stddef.h>
#include <stdint.h>

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
/* wire_open for blocks a peer chose, under lim (rsa_decrypt_limited), and
 * RC_ERR_TOO_LARGE at once, before any decryption, for more blocks than
 * their bytes can need (wire_max_blocks for the key's modulus). */
int wire_open_limited(const struct rsa_private *key, const struct blocklist *blocks,
                      const struct rsa_decrypt_limits *lim, size_t max_len, char **text, size_t *len);

/* Blocks that may be much shorter than the modulus in one frame: a real
 * ciphertext block is as long as the modulus but for a few leading zero
 * bytes now and then, and the last (short) chunk of a text encrypted
 * with a small e may give a short block. */
#define WIRE_SHORT_BLOCKS_ALLOWED 2u
/* The most blocks a real sender needs to carry total_bytes of ciphertext
 * for a modulus of modulus_bytes: every chunk but the last is full (at
 * least the original's floor((len(n) - 1) / 2) bytes), so more means blocks
 * far shorter than the modulus, each still costing the reader a private-key
 * operation (a decryption bomb). */
size_t wire_max_blocks(size_t modulus_bytes, size_t total_bytes);
/* 1 when blocks fit wire_max_blocks for reader's modulus, else 0. */
int wire_blocks_plausible(const struct rsa_public *reader, const struct blocklist *blocks);

#endif
