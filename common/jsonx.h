/* JSON through json-c with what the protocol needs on top: a depth limit, no
 * trailing bytes, UTF-8 checks, and integers of any size kept exactly.
 *
 * json-c turns an integer literal beyond 64 bits into 18446744073709551615
 * without an error. jsonx_parse keeps such literals digit for digit as
 * json-c "double" objects whose serialisation is the original digits (see
 * jsonx_new_bigint), so a parse followed by json_object_to_json_string gives
 * the numbers back unchanged. Read them with jsonx_get_bigint. */
#ifndef RC_JSONX_H
#define RC_JSONX_H

#include <gmp.h>
#include <json-c/json.h>
#include <stddef.h>

#define JSONX_MAX_DEPTH 32

/* Parses text[0..len) into *out (caller puts it). RC_ERR_FORMAT for invalid
 * JSON, trailing garbage or excessive depth; RC_ERR_UTF8 for invalid UTF-8. */
int jsonx_parse(const char *text, size_t len, struct json_object **out);
/* A JSON number holding v exactly (int64 when it fits, else verbatim digits). */
struct json_object *jsonx_new_bigint(const mpz_t v);
/* Reads an exact non-negative integer from obj's member `key`: a JSON integer,
 * a big number kept by jsonx_parse, or a string of digits, of at most
 * PROTO_MAX_KEY_DIGITS digits. RC_ERR_FORMAT
 * otherwise, RC_ERR_NOTFOUND when missing. */
int jsonx_get_bigint(struct json_object *obj, const char *key, mpz_t out);
/* Borrowed string member `key` of obj, or NULL when missing or not a string. */
const char *jsonx_get_string(struct json_object *obj, const char *key);
/* Serialises compactly; the string belongs to obj. */
const char *jsonx_to_string(struct json_object *obj, size_t *len);

#endif
