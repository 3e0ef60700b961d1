/* Text for the screen: UTF-8 <-> wide characters (wchar_t holds a code
 * point on the systems we support) and display widths, without depending on
 * the locale for the conversion itself. */
#ifndef RC_CLIENT_WTEXT_H
#define RC_CLIENT_WTEXT_H

#include <stddef.h>
#include <wchar.h>

/* Decodes UTF-8 into a new wide string (caller frees); invalid bytes become
 * U+FFFD so whatever a peer sent can be shown. */
int wtext_from_utf8(const char *s, size_t len, wchar_t **out, size_t *out_len);
/* Encodes w[0..len) as UTF-8 (caller frees; NUL-terminated). RC_ERR_UTF8 for
 * surrogates and values past U+10FFFF. */
int wtext_to_utf8(const wchar_t *w, size_t len, char **out, size_t *out_len);
/* Steps through UTF-8 text that came from elsewhere (a server, a peer) on its
 * way to a terminal: looks at the character starting s[0..n), n > 0, and
 * returns how many bytes it takes. *safe is 1 when those bytes may be shown as
 * they are, 0 when they must be shown as '?': a control character (C0, DEL,
 * or C1 such as U+009B CSI, which terminals obey) not in keep, or a byte that
 * does not start a well-formed character. */
size_t wtext_next_safe(const char *s, size_t n, const char *keep, int *safe);
/* A control character (C0, DEL or C1): never sent to a terminal as it is. */
int wtext_is_control(wchar_t c);
/* Columns c takes on screen: 0 for combining marks, 2 for wide (CJK, most
 * emoji), 1 otherwise; control characters count 1 (they are drawn as '?'). */
int wtext_char_width(wchar_t c);
/* Sum of wtext_char_width over w[0..len). */
size_t wtext_width(const wchar_t *w, size_t len);

/* A piece of a wide string that fits one screen row. */
struct wtext_seg {
	size_t start;
	size_t len;
};

struct wtext_segs {
	struct wtext_seg *v;
	size_t count;
	size_t cap;
};

/* Splits w[0..n) into rows of at most width columns (by display width): at
 * newlines (not included), and where a row is full, after its last space when
 * it has one. Gives at least one row; out's memory is reused across calls
 * (free out->v when done). */
int wtext_wrap(const wchar_t *w, size_t n, int width, struct wtext_segs *out);

#endif
