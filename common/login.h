/* Logins as people see them: the rules a new login must follow, an escaped
 * rendering of any stored login (the database may hold anything an older
 * server accepted), and a skeleton that two look-alike logins share.
 * Unicode properties and normalisation come from libunistring. */
#ifndef RC_LOGIN_H
#define RC_LOGIN_H

#include <stddef.h>

/* Why login_check_new refused a login. */
enum login_problem {
	LOGIN_FINE,
	LOGIN_EMPTY,
	LOGIN_TOO_LONG,       /* over PROTO_MAX_LOGIN_CHARS characters */
	LOGIN_NOT_UTF8,       /* invalid UTF-8 or a NUL */
	LOGIN_CONTROL,        /* C0, DEL or C1 */
	LOGIN_INVISIBLE,      /* format (Cf), default-ignorable, unassigned, private,
	                       * a separator other than U+0020 (NBSP, line separator...),
	                       * or a combining mark at the start */
	LOGIN_EDGE_SPACE,     /* a space at the start or the end */
	LOGIN_NOT_NFC,        /* not in Unicode normalisation form C */
};

/* RC_OK when login[0..len) may be registered as a new login, else
 * RC_ERR_FORMAT with *problem saying why (RC_ERR_NOMEM on no memory). */
int login_check_new(const char *login, size_t len, enum login_problem *problem);
/* A short English phrase for a problem, for logs and messages. */
const char *login_problem_text(enum login_problem problem);

/* Shown before a login that looks like another one (U+2248 ALMOST EQUAL TO);
 * login_escape escapes it inside logins, so no login can show it itself. */
#define LOGIN_LOOKALIKE_MARK 0x2248u
#define LOGIN_LOOKALIKE_MARK_UTF8 "\xe2\x89\x88"

/* *out (malloc'd, NUL-terminated) shows login[0..len) unambiguously as one
 * word on one line: a backslash becomes "\\", a control, invisible or
 * separator character, every space and the look-alike mark become \u{XXXX}
 * (hex code point), and a byte that is not UTF-8 \x{XX}; everything else is
 * as it is. Two different logins never render alike. */
int login_escape(const char *login, size_t len, char **out);

/* The login that login_escape rendered as f[0..len), in *login (malloc'd,
 * NUL-terminated); RC_ERR_FORMAT unless f is exactly that rendering, so
 * each login has one escaped form. */
int login_unescape(const char *f, size_t len, char **login);

/* A login as a person types it: in its escaped form as shown on screen
 * (copied, or completed with Tab) when arg is one that holds an escape,
 * else arg as it is (a login with spaces typed as it is, for instance).
 * *login is malloc'd; RC_ERR_NOMEM. */
int login_from_input(const char *arg, char **login);

/* *out (malloc'd, NUL-terminated) is the skeleton of a login, after the idea
 * of Unicode's confusable skeletons (UTS #39) on a small table: NFKD,
 * case-folded, accents, spaces and invisible characters dropped, common
 * Cyrillic, Greek and Armenian look-alikes of Latin letters folded to them,
 * 1 and a capital I after a small letter to l, 0 to o, rn to m, vv to w. Logins with equal skeletons look
 * alike ("alice", "Alice", "аlice" with a Cyrillic a, "ａｌｉｃｅ", "aIice").
 * RC_ERR_UTF8 for invalid UTF-8. */
int login_skeleton(const char *login, size_t len, char **out);

#endif
