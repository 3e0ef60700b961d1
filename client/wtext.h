/* Text for the screen: UTF-8 <-> wide characters (wchar_t holds a code
 * point on the systems we support) and display widths, without depending on
 * the locale for the conversion itself; and how logins are shown. */
#ifndef RC_CLIENT_WTEXT_H
#define RC_CLIENT_WTEXT_H

#include <stddef.h>
#include <wchar.h>

#include "login.h"

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
/* The code point starting s[0..n), n > 0, and in *used its length in
 * bytes: U+FFFD for one byte that does not start a well-formed character. */
unsigned long wtext_next_char(const char *s, size_t n, size_t *used);
/* A control character (C0, DEL or C1): never sent to a terminal as it is. */
int wtext_is_control(wchar_t c);
/* A bidi control (U+061C, U+200E, U+200F, U+202A..U+202E, U+2066..U+2069):
 * it reorders what follows it on screen, so text from elsewhere never
 * reaches a terminal with one (wtext_next_safe calls it unsafe too). */
int wtext_is_bidi_control(wchar_t c);

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

/* ---- logins: the one place that decides how a login is shown ----
 * A login is any UTF-8 the server accepted, so `carol` followed by a zero
 * width space, or with a Cyrillic `а`, looks like `carol`; a newline in it
 * can forge an output line. Every display of a login (TUI, command line
 * output and messages; not --json, which gives the exact text) goes through
 * wtext_login_display, and look-alikes are marked (WTEXT_LOOKALIKE_MARK)
 * where logins are listed. */

/* Put before a login that looks like another one (escaped inside logins,
 * so a login cannot show it itself). */
#define WTEXT_LOOKALIKE_MARK LOGIN_LOOKALIKE_MARK_UTF8
/* The login as it is shown (malloc'd, caller frees): common/login's
 * login_escape, one word on one line, never two logins alike. */
int wtext_login_display(const char *login, char **out);
/* lookalike[i] = 1 when logins[i] has the skeleton (login_skeleton) of
 * another of the n logins (different text), else 0. */
int wtext_mark_lookalikes(const char *const *logins, size_t n, int *lookalike);

#endif
