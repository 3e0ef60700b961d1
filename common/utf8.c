#include "config.h"

#include "errors.h"
#include "utf8.h"

/* Follows the well-formed byte sequences table of the Unicode standard
 * (section 3.9, table 3-7): each lead byte narrows the second byte's range. */
int utf8_check_text(const uint8_t *p, size_t n)
{
	size_t i = 0, need, j;
	uint8_t c, lo, hi;

	while (i < n) {
		c = p[i];
		if (c == 0)
			return RC_ERR_NUL;
		if (c < 0x80) {
			i++;
			continue;
		}
		lo = 0x80;
		hi = 0xbf;
		if (c >= 0xc2 && c <= 0xdf) {
			need = 1;
		} else if (c >= 0xe0 && c <= 0xef) {
			need = 2;
			if (c == 0xe0)
				lo = 0xa0;      /* no overlongs */
			else if (c == 0xed)
				hi = 0x9f;      /* no surrogates */
		} else if (c >= 0xf0 && c <= 0xf4) {
			need = 3;
			if (c == 0xf0)
				lo = 0x90;      /* no overlongs */
			else if (c == 0xf4)
				hi = 0x8f;      /* nothing above U+10FFFF */
		} else {
			return RC_ERR_UTF8;
		}
		if (n - i - 1 < need)
			return RC_ERR_UTF8;
		if (p[i + 1] < lo || p[i + 1] > hi)
			return RC_ERR_UTF8;
		for (j = 2; j <= need; j++)
			if (p[i + j] < 0x80 || p[i + j] > 0xbf)
				return RC_ERR_UTF8;
		i += need + 1;
	}
	return RC_OK;
}
