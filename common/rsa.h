/* Textbook RSA with GMP (protocol section 4): keys, the public and the CRT
 * private operation, and the block codec. No padding, by protocol design.
 * Secrets (d, p, q, CRT values, temporaries) live in mpz_t: the allocator
 * that secure_init() installs wipes every limb GMP frees or moves, so
 * rsa_private_free and mpz_clear are all the wiping they need. */
#ifndef RC_RSA_H
#define RC_RSA_H

#include <gmp.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#include "blocklist.h"
#include "bytebuf.h"

#define RSA_DEFAULT_BITS 2048u
#define RSA_DEFAULT_E 65537ul

struct rsa_public {
	mpz_t e;
	mpz_t n;
};

struct rsa_private {
	struct rsa_public pub;
	mpz_t d;
	mpz_t p, q;          /* p > q */
	mpz_t dp, dq, qinv;  /* d mod (p-1), d mod (q-1), q^-1 mod p */
	int has_crt;         /* p, q, dp, dq, qinv are valid */
};

void rsa_public_init(struct rsa_public *k);
void rsa_public_clear(struct rsa_public *k);
int rsa_public_copy(struct rsa_public *dst, const struct rsa_public *src);
int rsa_public_equal(const struct rsa_public *a, const struct rsa_public *b);
void rsa_private_init(struct rsa_private *k);
/* Wipes and frees every component. */
void rsa_private_clear(struct rsa_private *k);

/* RC_OK when a peer's key is acceptable: odd e >= 3 of at most
 * PROTO_MAX_PEER_E_BITS bits, e < n, and a modulus of
 * PROTO_MIN_MODULUS_BITS..PROTO_MAX_MODULUS_BITS bits; RC_ERR_KEY otherwise. */
int rsa_public_check(const struct rsa_public *k);

typedef void (*rsa_progress_fn)(void *arg, int stage);

/* Generates a key: e = 65537, n of exactly `bits` bits (two primes of bits/2
 * bits with their top two bits set), randomness from the kernel CSPRNG.
 * progress (may be NULL) is called when the search for each prime starts
 * (stage 1 for p, 2 for q) and now and then during it. */
int rsa_generate(struct rsa_private *k, unsigned bits, rsa_progress_fn progress, void *arg);
/* Builds a private key from (e, d, n) alone (the original's key files) by
 * recovering p and q, so it gets CRT speed. RC_ERR_KEY if inconsistent. */
int rsa_private_from_edn(struct rsa_private *k, const mpz_t e, const mpz_t d, const mpz_t n);
/* Fills dp, dq, qinv from e, d, p, q, n and checks consistency (n = pq, ed = 1
 * mod lcm). Used after loading a file that holds all parts. */
int rsa_private_complete(struct rsa_private *k);

/* out = in^e mod n. */
void rsa_public_op(mpz_t out, const mpz_t in, const struct rsa_public *k);
/* out = in^d mod n, with CRT when available. in must be < n. */
void rsa_private_op(mpz_t out, const mpz_t in, const struct rsa_private *k);
/* out = in^d mod n without CRT (tests and benchmarks compare against it). */
void rsa_private_op_plain(mpz_t out, const mpz_t in, const struct rsa_private *k);

/* Byte length of the modulus. */
size_t rsa_modulus_bytes(const struct rsa_public *k);
/* The original's chunk size: floor((len(n) - 1) / 2) bytes. */
size_t rsa_chunk_original(const struct rsa_public *k);
/* The widest safe chunk: len(n) - 1 bytes (accepted by every decoder). */
size_t rsa_chunk_wide(const struct rsa_public *k);

/* Encrypts p[0..n) for key k in chunks of `chunk` bytes (1..len(n)-1), one
 * block per chunk, appended to out; empty input gives one empty block.
 * RC_ERR_NUL if a chunk would start with 0x00 (the decoder would lose it),
 * RC_ERR_INVAL for a bad chunk size. */
int rsa_encrypt(const struct rsa_public *k, const uint8_t *p, size_t n, size_t chunk, struct blocklist *out);
/* Decrypts every block with k (CRT) and appends the concatenated minimal
 * encodings to out. RC_ERR_RANGE for a block >= n. */
int rsa_decrypt(const struct rsa_private *k, const struct blocklist *in, struct bytebuf *out);
/* What bounds the decryption of blocks a peer chose (NULL: nothing). */
struct rsa_decrypt_limits {
	/* Every chunk but the last decodes to the first one's length and the last
	 * to no more, as every honest encoder makes them: else RC_ERR_PROTOCOL,
	 * found block by block. */
	int full_chunks;
	/* RC_ERR_EOF once *gone is set (NULL: never): nobody waits any more. */
	const atomic_int *gone;
	/* RC_ERR_TIMEOUT once clock_now_ms() reaches it (RSA_NO_DEADLINE, so
	 * also a zeroed struct: never). */
	int64_t deadline_ms;
};
#define RSA_NO_DEADLINE 0
/* rsa_decrypt under limits, checked before each block: each block is a whole
 * private-key operation, and a peer choosing the count must not choose how
 * long we work. On an error out is as it was (what was added is wiped). */
int rsa_decrypt_limited(const struct rsa_private *k, const struct blocklist *in, const struct rsa_decrypt_limits *lim,
                        struct bytebuf *out);

#endif
