/* Message contents (protocol section 5): the `content` field is a string
 * whose text is a JSON array of base64 strings, one per RSA block of the UTF-8
 * message encrypted for the reader, written the way existing clients write
 * it: ["<b64>", "<b64>"] (Python json.dumps separators). */
#ifndef RC_CONTENT_H
#define RC_CONTENT_H

#include <stddef.h>

#include "blocklist.h"
#include "rsa.h"

/* Encrypts UTF-8 text for `to` with the given chunk size and returns the
 * content string (malloc'd, NUL-terminated). RC_ERR_NUL / RC_ERR_UTF8 for text
 * that cannot travel intact. */
int content_encode(const struct rsa_public *to, const char *text, size_t len, size_t chunk, char **content);
/* Parses a content string into its blocks (no decryption): RC_ERR_FORMAT for
 * anything but a JSON array of base64 strings, RC_ERR_TOO_LARGE past max_blocks. */
int content_parse_blocks(const char *content, size_t len, size_t max_blocks, struct blocklist *out);
/* Decrypts a content string with k; the text (malloc'd, NUL-terminated) must
 * be valid UTF-8 without NUL, else RC_ERR_UTF8 / RC_ERR_NUL (not for this key,
 * or corrupted). */
int content_decode(const struct rsa_private *k, const char *content, size_t len, char **text, size_t *text_len);

#endif
