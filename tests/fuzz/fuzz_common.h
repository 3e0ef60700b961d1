/* What every fuzz target shares: the libFuzzer entry point's prototype, the
 * process set-up, the fixed private key, an invariant check that crashes
 * loudly, and a reader that takes small control values from the input. */
#ifndef RC_FUZZ_COMMON_H
#define RC_FUZZ_COMMON_H

#include <stddef.h>
#include <stdint.h>

#include "rsa.h"

/* Defined by each target; called by libFuzzer or by standalone_main.c. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A broken invariant: print it and abort, which libFuzzer and the replay
 * test both report as a crash of this input. */
#define FUZZ_CHECK(cond) ((cond) ? (void)0 : fuzz_fail(__FILE__, __LINE__, #cond))
void fuzz_fail(const char *file, int line, const char *what) __attribute__((noreturn));

/* secure_init (wiping GMP allocator, libsodium) once per process, and quiet logs. */
void fuzz_setup(void);

/* The fixed key: key 2 of tests/vectors/wire-v1.json (1024-bit modulus,
 * e = 7069), so the vectors' blocks and contents for that key make seeds
 * that decrypt. Built once, with CRT, and kept for the process's life. */
const struct rsa_private *fuzz_key(void);

/* A malloc'd copy of p[0..len) of exactly len bytes (no terminator), so a
 * parser reading past its length is caught by ASan. */
char *fuzz_copy_exact(const uint8_t *p, size_t len);

/* The input, consumed from the front for control bytes. */
struct fuzz_input {
	const uint8_t *p;
	size_t n;
};

/* The next byte, or 0 once the input is exhausted. */
uint8_t fuzz_take_u8(struct fuzz_input *in);
/* Up to want bytes (fewer at the end of the input); *got tells how many. */
const uint8_t *fuzz_take_bytes(struct fuzz_input *in, size_t want, size_t *got);

#endif
