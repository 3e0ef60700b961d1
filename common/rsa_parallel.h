/* rsa_encrypt spread over threads, for answers of thousands of blocks (a
 * long history): each block is independent, so slices of the text cut at
 * chunk boundaries encrypt concurrently and their blocks are joined in
 * order. The result is byte for byte rsa_encrypt's. */
#ifndef RC_RSA_PARALLEL_H
#define RC_RSA_PARALLEL_H

#include <stddef.h>
#include <stdint.h>

#include "blocklist.h"
#include "rsa.h"

/* Fewest chunks worth a thread of their own: below this a thread's start
 * costs more than it saves. */
#define RSA_PARALLEL_MIN_CHUNKS 256u

/* Like rsa_encrypt (same arguments, results and errors), using up to
 * `threads` threads (the caller's included) when the text has at least
 * RSA_PARALLEL_MIN_CHUNKS chunks per thread; otherwise, or if a thread
 * cannot start, the work stays on the calling thread. */
int rsa_encrypt_parallel(const struct rsa_public *k, const uint8_t *p, size_t n, size_t chunk, unsigned threads,
                         struct blocklist *out);

#endif
