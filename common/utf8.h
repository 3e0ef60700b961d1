/* UTF-8 validation for text that crosses the wire. */
#ifndef RC_UTF8_H
#define RC_UTF8_H

#include <stddef.h>
#include <stdint.h>

/* RC_OK if p[0..n) is well-formed UTF-8 (no overlongs, no surrogates, no
 * code points above U+10FFFF) holding no NUL; RC_ERR_NUL or RC_ERR_UTF8. */
int utf8_check_text(const uint8_t *p, size_t n);

#endif
