/* Process-wide security set-up: libsodium, and a GMP allocator that wipes
 * big-integer memory before freeing it (private exponents and factors live
 * in mpz_t). Call secure_init() first thing in every program. */
#ifndef RC_SECURE_H
#define RC_SECURE_H

#include <stddef.h>

int secure_init(void);
void secure_wipe(void *p, size_t n);
/* Fills p with n bytes from the kernel CSPRNG. */
void secure_random(void *p, size_t n);

#endif
