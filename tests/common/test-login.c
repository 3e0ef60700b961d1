/* login: the rules for new logins refuse every odd login of issue 11's
 * list (controls, invisibles, edge spaces, non-NFC) and keep ordinary ones
 * in any script; escaping is unambiguous; look-alikes share a skeleton. */
#include "config.h"

#include <stdarg.h>
#include <setjmp.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "errors.h"
#include "login.h"

static void assert_refused(const char *login, enum login_problem want)
{
	enum login_problem got;

	if (login_check_new(login, strlen(login), &got) != RC_ERR_FORMAT || got != want)
		fail_msg("login '%s': problem %d (%s), want %d", login, got, login_problem_text(got), want);
}

static void assert_accepted(const char *login)
{
	enum login_problem got;

	if (login_check_new(login, strlen(login), &got) != RC_OK)
		fail_msg("login '%s' refused: %s", login, login_problem_text(got));
}

static void test_odd_logins_refused(void **state)
{
	(void)state;
	assert_refused("", LOGIN_EMPTY);
	assert_refused("alice ", LOGIN_EDGE_SPACE);
	assert_refused(" alice", LOGIN_EDGE_SPACE);
	assert_refused("al\xe2\x80\x8bice", LOGIN_INVISIBLE);   /* zero-width space */
	assert_refused("al\xe2\x80\x8dice", LOGIN_INVISIBLE);   /* zero-width joiner */
	assert_refused("al\xc2\xad" "ice", LOGIN_INVISIBLE);    /* soft hyphen */
	assert_refused("\xe2\x80\xae" "ecila", LOGIN_INVISIBLE); /* right-to-left override */
	assert_refused("al\xe2\x81\xa0ice", LOGIN_INVISIBLE);   /* word joiner */
	assert_refused("alice\xef\xbb\xbf", LOGIN_INVISIBLE);   /* BOM */
	assert_refused("al\xc2\xa0ice", LOGIN_INVISIBLE);       /* no-break space */
	assert_refused("al\xe3\x80\x80ice", LOGIN_INVISIBLE);   /* ideographic space */
	assert_refused("\xe3\x85\xa4", LOGIN_INVISIBLE);        /* Hangul filler */
	assert_refused("\xee\x80\x80", LOGIN_INVISIBLE);        /* private use */
	assert_refused("al\nice", LOGIN_CONTROL);
	assert_refused("al\tice", LOGIN_CONTROL);
	assert_refused("al\x1b[31mice", LOGIN_CONTROL);
	assert_refused("al\x7f" "ice", LOGIN_CONTROL);
	assert_refused("al\xc2\x85ice", LOGIN_CONTROL);         /* C1 next line */
	assert_refused("jose\xcc\x81", LOGIN_NOT_NFC);          /* NFD of josé */
	assert_refused("\xcc\x81" "alice", LOGIN_INVISIBLE);    /* combining acute first */
}

static void test_ordinary_logins_accepted(void **state)
{
	(void)state;
	assert_accepted("alice");
	assert_accepted("Alice Smith");
	assert_accepted("jos\xc3\xa9");                          /* NFC josé */
	assert_accepted("\xd0\x90\xd0\xbb\xd0\xb8\xd1\x81\xd0\xb0"); /* Алиса */
	assert_accepted("\xe6\x9d\x8e");                         /* 李 */
	assert_accepted("bob\xf0\x9f\x99\x82");                  /* bob🙂 */
	assert_accepted("a");
}

static void test_length_and_utf8(void **state)
{
	char longest[256 * 2 + 1];

	(void)state;
	memset(longest, 'x', 255);
	longest[255] = '\0';
	assert_accepted(longest);
	for (int i = 0; i < 255; i++)
		memcpy(longest + 2 * i, "\xc3\xa9", 2);
	longest[510] = '\0';
	assert_accepted(longest);
	memcpy(longest + 510, "\xc3\xa9", 2);
	longest[512] = '\0';
	assert_refused(longest, LOGIN_TOO_LONG);
	assert_refused("al\xffice", LOGIN_NOT_UTF8);
	assert_refused("\xc0\xaf", LOGIN_NOT_UTF8);
}

static void assert_escaped(const char *login, size_t len, const char *want)
{
	char *got = NULL;

	assert_int_equal(login_escape(login, len, &got), RC_OK);
	assert_string_equal(got, want);
	free(got);
	if (len == 0)
		return;
	/* The way back: the shown form names the login, typed or pasted. */
	assert_int_equal(login_unescape(want, strlen(want), &got), RC_OK);
	assert_memory_equal(got, login, len);
	assert_int_equal(got[len], '\0');
	free(got);
	assert_int_equal(login_from_input(want, &got), RC_OK);
	assert_memory_equal(got, login, len);
	free(got);
}

static void test_escape(void **state)
{
	(void)state;
	assert_escaped("alice", 5, "alice");
	assert_escaped("", 0, "");
	assert_escaped("\xd0\x90\xd0\xbb\xd0\xb8\xd1\x81\xd0\xb0", 10, "\xd0\x90\xd0\xbb\xd0\xb8\xd1\x81\xd0\xb0");
	assert_escaped("a b", 3, "a\\u{0020}b");   /* one word on screen */
	assert_escaped(" alice ", 7, "\\u{0020}alice\\u{0020}");
	assert_escaped("al\xe2\x80\x8bice", 8, "al\\u{200B}ice");
	assert_escaped("al\nice", 6, "al\\u{000A}ice");
	assert_escaped("\xe2\x80\xae" "ecila", 8, "\\u{202E}ecila");
	assert_escaped("a\\u{0020}", 9, "a\\\\u{0020}");
	assert_escaped("al\xff", 3, "al\\x{FF}");
	assert_escaped("\xc2\xa0", 2, "\\u{00A0}");
	assert_escaped("\xe2\x89\x88" "carol", 8, "\\u{2248}carol");         /* the look-alike mark */
	assert_escaped("tag\xf3\xa0\x80\x81", 7, "tag\\u{E0001}");         /* a tag character */
	assert_escaped("a\xc2\x9b" "2J", 5, "a\\u{009B}2J");                /* C1 CSI */
	assert_escaped("bob\n[12:00] alice: hi", 21, "bob\\u{000A}[12:00]\\u{0020}alice:\\u{0020}hi");
}

/* Only the exact rendering of login_escape is read back; anything else
 * typed is taken as it is. */
static void test_unescape_refuses_other_forms(void **state)
{
	static const char *const not_shown[] = {
		"a\\u{20}b",      /* too few digits */
		"a\\u{0020",      /* unclosed */
		"a\\u{}b",        /* no digits */
		"a\\u{002x}",     /* not hex */
		"a\\u{0041}",     /* a letter is never escaped */
		"a\\u{200b}",     /* lower case hex */
		"a\\q",           /* no such escape */
		"a\\x{41}",       /* a valid byte is never \x */
		"a\\",            /* a lone backslash */
		"a\\u{0000}",     /* NUL */
		"a\\u{1234567}",  /* too many digits */
	};
	char *got;

	(void)state;
	for (size_t i = 0; i < sizeof(not_shown) / sizeof(not_shown[0]); i++) {
		got = NULL;
		assert_int_equal(login_unescape(not_shown[i], strlen(not_shown[i]), &got), RC_ERR_FORMAT);
		assert_null(got);
		assert_int_equal(login_from_input(not_shown[i], &got), RC_OK);
		assert_string_equal(got, not_shown[i]);
		free(got);
	}
	/* Typed as it is: a login with spaces. */
	assert_int_equal(login_from_input("dave smith", &got), RC_OK);
	assert_string_equal(got, "dave smith");
	free(got);
}

static void assert_skeleton(const char *login, const char *want)
{
	char *got = NULL;

	assert_int_equal(login_skeleton(login, strlen(login), &got), RC_OK);
	assert_string_equal(got, want);
	free(got);
}

static void test_skeleton(void **state)
{
	char *got = NULL;

	(void)state;
	assert_skeleton("alice", "alice");
	assert_skeleton("Alice", "alice");
	assert_skeleton("\xd0\xb0lice", "alice");                /* Cyrillic а */
	assert_skeleton("\xd0\x90LICE", "alice");                /* Cyrillic А */
	assert_skeleton("\xce\x91lice", "alice");                /* Greek Α */
	assert_skeleton("\xef\xbd\x81lice", "alice");            /* fullwidth a */
	assert_skeleton("al\xe2\x80\x8bice", "alice");           /* zero-width space */
	assert_skeleton("\xd1\x80\xd0\xb0\xd1\x83\xd0\xb0l", "payal");  /* Cyrillic рауа, Latin l */
	assert_skeleton("jose\xcc\x81", "jose");                /* accents dropped, NFD and NFC alike */
	assert_skeleton("jos\xc3\xa9", "jose");
	assert_skeleton("aIice", "alice");                       /* capital I for l */
	assert_skeleton("B0B", "bob");
	assert_skeleton("Igor", "igor");
	assert_skeleton("rnodern", "modem");   /* and "modern" too */
	assert_skeleton("modern", "modem");
	assert_skeleton("vvave", "wave");
	assert_skeleton("ann ", "ann");
	assert_skeleton("dave smith", "davesmith");
	assert_skeleton("\xd1\x81\xd0\xb0rol", "carol");          /* Cyrillic с and а */
	assert_skeleton("\xce\xbfmega", "omega");                 /* Greek omicron */
	assert_skeleton("bob", "bob");
	assert_int_equal(login_skeleton("\xff", 1, &got), RC_ERR_UTF8);
	assert_null(got);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_odd_logins_refused),
		cmocka_unit_test(test_ordinary_logins_accepted),
		cmocka_unit_test(test_length_and_utf8),
		cmocka_unit_test(test_escape),
		cmocka_unit_test(test_unescape_refuses_other_forms),
		cmocka_unit_test(test_skeleton),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
