/* Shared helpers for the common library's unit tests: the wire-v1 vectors,
 * hex, and keys made from vector integers. */
#ifndef RC_TESTUTIL_H
#define RC_TESTUTIL_H

#include <json-c/json.h>
#include <stddef.h>
#include <stdint.h>

#include "rsa.h"

/* The parsed vectors file named by $RC_VECTORS (fails the test if missing). */
struct json_object *test_vectors_load(void);
/* Decodes a hex string into a new buffer (never NULL; caller frees). */
uint8_t *test_hex_decode(const char *hex, size_t *len);
/* Sets out from the decimal string member `key` of obj. */
void test_mpz_from_member(struct json_object *obj, const char *key, mpz_t out);
/* The private key of vectors.keys[index], built from (e, d, n). */
void test_vector_key(struct json_object *vectors, size_t index, struct rsa_private *k);
/* A deterministic byte generator for reproducible random tests. */
uint32_t test_rand(uint32_t *state);

#endif
