#include "config.h"

#include <gmp.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "errors.h"
#include "secure.h"

/* GMP cannot handle a failed allocation: like its default allocator, give up. */
static void *secure_gmp_fail(void)
{
	fputs("rsa-chat: out of memory in GMP\n", stderr);
	abort();
}

static void *secure_gmp_alloc(size_t n)
{
	void *p = malloc(n);

	return p ? p : secure_gmp_fail();
}

/* Never realloc in place: the old block may hold a private exponent or factor. */
static void *secure_gmp_realloc(void *old, size_t old_size, size_t new_size)
{
	void *p = malloc(new_size);

	if (p == NULL)
		return secure_gmp_fail();
	memcpy(p, old, old_size < new_size ? old_size : new_size);
	sodium_memzero(old, old_size);
	free(old);
	return p;
}

static void secure_gmp_free(void *p, size_t n)
{
	if (p == NULL)
		return;
	sodium_memzero(p, n);
	free(p);
}

int secure_init(void)
{
	void *(*alloc_fn)(size_t);

	if (sodium_init() < 0)
		return RC_ERR_IO;
	mp_get_memory_functions(&alloc_fn, NULL, NULL);
	if (alloc_fn != secure_gmp_alloc)
		mp_set_memory_functions(secure_gmp_alloc, secure_gmp_realloc, secure_gmp_free);
	return RC_OK;
}

void secure_wipe(void *p, size_t n)
{
	if (p && n)
		sodium_memzero(p, n);
}

void secure_random(void *p, size_t n)
{
	randombytes_buf(p, n);
}
