/* The client's small pure helpers: UTF-8 <-> wide text, display widths and
 * wrapping, slash commands, time stamps, and the digest set. */
#include "config.h"

#include <locale.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "client/commands.h"
#include "client/digest_set.h"
#include "client/timefmt.h"
#include "client/wtext.h"
#include "errors.h"

static void test_utf8_round_trip(void **state)
{
	const char *s = "aЖ日😀";
	wchar_t *w;
	char *back;
	size_t n, blen;

	(void)state;
	assert_int_equal(wtext_from_utf8(s, strlen(s), &w, &n), 0);
	assert_int_equal(n, 4);
	assert_int_equal(w[1], 0x416);
	assert_int_equal(w[3], 0x1F600);
	assert_int_equal(wtext_to_utf8(w, n, &back, &blen), 0);
	assert_string_equal(back, s);
	assert_int_equal(wtext_width(w, n), 1 + 1 + 2 + 2);
	free(back);
	free(w);
	/* Overlong, surrogate and truncated sequences become U+FFFD, one per byte. */
	assert_int_equal(wtext_from_utf8("\xc0\xaf" "\xed\xa0\x80" "\xe6\x97", 7, &w, &n), 0);
	assert_int_equal(n, 7);
	for (size_t i = 0; i < n; i++)
		assert_int_equal(w[i], 0xFFFD);
	free(w);
	{
		wchar_t bad[] = { 0xD800 };
		assert_int_equal(wtext_to_utf8(bad, 1, &back, &blen), RC_ERR_UTF8);
	}
}

static void expect_rows(const char *utf8, int width, const char *const *rows, size_t nrows)
{
	struct wtext_segs segs = { NULL, 0, 0 };
	wchar_t *w;
	size_t n;

	assert_int_equal(wtext_from_utf8(utf8, strlen(utf8), &w, &n), 0);
	assert_int_equal(wtext_wrap(w, n, width, &segs), 0);
	assert_int_equal(segs.count, nrows);
	for (size_t i = 0; i < nrows; i++) {
		char *row;
		size_t len;
		assert_int_equal(wtext_to_utf8(w + segs.v[i].start, segs.v[i].len, &row, &len), 0);
		assert_string_equal(row, rows[i]);
		assert_true(wtext_width(w + segs.v[i].start, segs.v[i].len) <= (size_t)width ||
		            segs.v[i].len == 1);
		free(row);
	}
	free(segs.v);
	free(w);
}

/* Shows s as wtext_next_safe lets it through, '?' for the rest. */
static void show_safe(const char *s, size_t n, const char *keep, char *out)
{
	while (n > 0) {
		int safe;
		size_t used = wtext_next_safe(s, n, keep, &safe);
		assert_true(used >= 1 && used <= n);
		if (safe) {
			memcpy(out, s, used);
			out += used;
		} else {
			*out++ = '?';
		}
		s += used;
		n -= used;
	}
	*out = '\0';
}

static void test_next_safe(void **state)
{
	static const struct {
		const char *in;
		size_t len;
		const char *keep;
		const char *shown;
	} cases[] = {
		{ "plain", 5, NULL, "plain" },
		{ "\x1b[2J", 4, NULL, "?[2J" },
		/* C1 controls: U+009B CSI, U+0085 NEL, U+0080, U+009F; DEL. */
		{ "a\xc2\x9b" "2Jb", 6, NULL, "a?2Jb" },
		{ "\xc2\x85\xc2\x80\xc2\x9f\x7f", 7, NULL, "????" },
		/* Just outside the C1 range, and other scripts, stay. */
		{ "\xc2\xa0\xc3\xa9\xd0\x96\xf0\x9f\x91\x8b", 10, NULL, "\xc2\xa0\xc3\xa9\xd0\x96\xf0\x9f\x91\x8b" },
		/* A raw C1 byte, a truncated sequence, an overlong ESC, a surrogate. */
		{ "x\x9by", 3, NULL, "x?y" },
		{ "x\xe2\x82", 3, NULL, "x??" },
		{ "\xc0\x9b", 2, NULL, "??" },
		{ "\xed\xa0\x80", 3, NULL, "???" },
		/* keep lets named controls through, never others. */
		{ "a\nb\tc\rd", 7, "\n\t", "a\nb\tc?d" },
		{ "a\0b", 3, "\n", "a?b" },
		/* Bidi controls would reorder the line: U+202E RLO, U+2066 LRI, U+200F RLM. */
		{ "a\xe2\x80\xae" "b\xe2\x81\xa6\xe2\x80\x8f", 11, "\n", "a?b??" },
	};
	char out[64];

	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		show_safe(cases[i].in, cases[i].len, cases[i].keep, out);
		assert_string_equal(out, cases[i].shown);
	}
}

/* Every login shown unambiguously (finding 8 of issue 11): the client shows
 * common/login's escaping (its cases are in tests/common/test-login.c). */
static void test_login_display(void **state)
{
	static const char *const logins[] = { "carol", "carol\xe2\x80\x8b", "bob\n[12:00] alice: hi", "x\xff" };

	(void)state;
	for (size_t i = 0; i < sizeof(logins) / sizeof(logins[0]); i++) {
		char *shown, *escaped;
		assert_int_equal(wtext_login_display(logins[i], &shown), 0);
		assert_int_equal(login_escape(logins[i], strlen(logins[i]), &escaped), 0);
		assert_string_equal(shown, escaped);
		assert_null(strchr(shown, '\n'));
		free(shown);
		free(escaped);
	}
}

static void test_login_lookalikes(void **state)
{
	const char *logins[4];
	int marks[4];

	(void)state;
	logins[0] = "dave";
	logins[1] = "carol";
	logins[2] = "bob";
	logins[3] = "carol\xe2\x80\x8b";
	assert_int_equal(wtext_mark_lookalikes(logins, 4, marks), 0);
	assert_int_equal(marks[0], 0);
	assert_int_equal(marks[1], 1);
	assert_int_equal(marks[2], 0);
	assert_int_equal(marks[3], 1);
	assert_int_equal(wtext_mark_lookalikes(logins, 3, marks), 0);
	assert_int_equal(marks[0] + marks[1] + marks[2], 0);
}

static void test_wrap(void **state)
{
	static const char *const words[] = { "hello ", "world" };
	static const char *const cjk[] = { "日本語", "日本" };
	static const char *const lines[] = { "one", "", "two" };
	static const char *const hard[] = { "abcd", "efgh", "ij" };
	static const char *const empty[] = { "" };
	static const char *const cyr[] = { "Привет ", "мир" };

	(void)state;
	expect_rows("hello world", 8, words, 2);
	expect_rows("日本語日本", 6, cjk, 2);   /* 2 columns each: 3 per row of 6 */
	expect_rows("one\n\ntwo", 10, lines, 3);
	expect_rows("abcdefghij", 4, hard, 3);
	expect_rows("", 10, empty, 1);
	expect_rows("Привет мир", 8, cyr, 2);
}

static void test_commands(void **state)
{
	struct command c;

	(void)state;
	command_parse("hello", &c);
	assert_int_equal(c.kind, COMMAND_NONE);
	assert_string_equal(c.arg, "");
	command_parse("//etc/passwd is a path", &c);
	assert_int_equal(c.kind, COMMAND_NONE);
	assert_string_equal(c.arg, "/etc/passwd is a path");
	command_parse("/open  bob ", &c);
	assert_int_equal(c.kind, COMMAND_OPEN);
	assert_string_equal(c.arg, "bob");
	/* A login may hold spaces. */
	command_parse("/open dave smith", &c);
	assert_int_equal(c.kind, COMMAND_OPEN);
	assert_string_equal(c.arg, "dave smith");
	command_parse("/open", &c);
	assert_int_equal(c.kind, COMMAND_BAD_ARGS);
	assert_string_equal(c.usage, "/open NAME");
	command_parse("/search два слова", &c);
	assert_int_equal(c.kind, COMMAND_SEARCH);
	assert_string_equal(c.arg, "два слова");
	command_parse("/quit now", &c);
	assert_int_equal(c.kind, COMMAND_BAD_ARGS);
	command_parse("/quit", &c);
	assert_int_equal(c.kind, COMMAND_QUIT);
	command_parse("/bell off", &c);
	assert_int_equal(c.kind, COMMAND_BELL);
	assert_string_equal(c.arg, "off");
	command_parse("/bell loud", &c);
	assert_int_equal(c.kind, COMMAND_BAD_ARGS);
	command_parse("/frob x", &c);
	assert_int_equal(c.kind, COMMAND_UNKNOWN);
	assert_string_equal(c.arg, "frob");
	command_parse("/registerx bob", &c);
	assert_int_equal(c.kind, COMMAND_UNKNOWN);
}

static void test_timefmt(void **state)
{
	char out[TIMEFMT_MAX];

	(void)state;
	timefmt_short("2021-10-28T19:37:38.463670", "2021-10-28", out);
	assert_string_equal(out, "19:37");
	/* Another day of the same year: the date without the year. */
	timefmt_short("2021-10-28T19:37:38.463670", "2021-10-29", out);
	assert_string_equal(out, "Oct 28 19:37");
	timefmt_short("2021-01-05 08:00:00", "2021-12-31", out);
	assert_string_equal(out, "Jan 05 08:00");
	/* Another year (or no today): with the year. */
	timefmt_short("2020-12-31T23:59:59", "2021-01-01", out);
	assert_string_equal(out, "Dec 31 2020 23:59");
	timefmt_short("2020-12-31T23:59:59", NULL, out);
	assert_string_equal(out, "Dec 31 2020 23:59");
	/* No such month: the date as it is. */
	timefmt_short("2021-13-01T10:00:00", "2021-10-29", out);
	assert_string_equal(out, "2021-13-01 10:00");
	timefmt_long("2021-10-28 19:37:38", out);
	assert_string_equal(out, "2021-10-28 19:37:38");
	/* Anything else is shown cut short and printable. */
	timefmt_short("yesterday\x1b[2J at noon", "2021-10-28", out);
	assert_string_equal(out, "yesterday?[2J at");
	timefmt_long("", out);
	assert_string_equal(out, "");
	timefmt_today(out);
	assert_int_equal(strlen(out), 10);
}

static void test_digest_set(void **state)
{
	struct digest_set s;
	unsigned char d[CHAT_DIGEST_BYTES];
	int added;

	(void)state;
	digest_set_init(&s);
	for (int round = 0; round < 2; round++) {
		for (int i = 0; i < 300; i++) {
			memset(d, 0, sizeof(d));
			d[0] = (unsigned char)(i * 37);
			d[15] = (unsigned char)(i / 256 + 1);
			assert_int_equal(digest_set_add(&s, d, &added), 0);
			assert_int_equal(added, round == 0);
		}
	}
	assert_int_equal(s.count, 300);
	memset(d, 0xee, sizeof(d));
	assert_false(digest_set_has(&s, d));
	digest_set_free(&s);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_utf8_round_trip),
		cmocka_unit_test(test_next_safe),
		cmocka_unit_test(test_login_display),
		cmocka_unit_test(test_login_lookalikes),
		cmocka_unit_test(test_wrap),
		cmocka_unit_test(test_commands),
		cmocka_unit_test(test_timefmt),
		cmocka_unit_test(test_digest_set),
	};
	if (setlocale(LC_ALL, "C.UTF-8") == NULL)
		setlocale(LC_ALL, "");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
