/* line_editor: editing multi-byte text (Cyrillic, CJK, emoji), word moves, history. */
#include "config.h"

#include <locale.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "client/line_editor.h"
#include "client/wtext.h"
#include "errors.h"

static void assert_text(const struct line_editor *e, const char *expected)
{
	char *s;
	size_t len;

	assert_int_equal(line_editor_text(e, &s, &len), 0);
	assert_int_equal(len, strlen(expected));
	assert_string_equal(s, expected);
	free(s);
}

static void type(struct line_editor *e, const char *utf8)
{
	assert_int_equal(line_editor_insert_utf8(e, utf8, strlen(utf8)), 0);
}

static void test_multibyte_editing(void **state)
{
	struct line_editor e;

	(void)state;
	line_editor_init(&e);
	type(&e, "Привет");
	assert_int_equal(e.len, 6);
	assert_int_equal(e.cursor, 6);
	line_editor_backspace(&e);
	assert_text(&e, "Приве");
	line_editor_home(&e);
	line_editor_delete(&e);
	assert_text(&e, "риве");
	type(&e, "日本");
	assert_text(&e, "日本риве");
	line_editor_right(&e);
	type(&e, "😀");
	assert_text(&e, "日本р😀иве");
	line_editor_end(&e);
	assert_int_equal(e.cursor, e.len);
	line_editor_left(&e);
	line_editor_left(&e);
	line_editor_backspace(&e);
	assert_text(&e, "日本р😀ве");
	/* Moves past either end stay put. */
	line_editor_home(&e);
	line_editor_left(&e);
	line_editor_backspace(&e);
	assert_int_equal(e.cursor, 0);
	line_editor_end(&e);
	line_editor_right(&e);
	line_editor_delete(&e);
	assert_text(&e, "日本р😀ве");
	assert_int_equal(wtext_width(e.buf, e.len), 2 + 2 + 1 + 2 + 1 + 1);
	/* NUL is refused. */
	assert_int_equal(line_editor_insert(&e, L'\0'), RC_ERR_NUL);
	assert_int_equal(line_editor_insert_utf8(&e, "a\0b", 3), RC_ERR_NUL);
	assert_text(&e, "日本р😀ве");
	line_editor_free(&e);
}

static void test_words(void **state)
{
	struct line_editor e;

	(void)state;
	line_editor_init(&e);
	type(&e, "один  два 三四 end");
	line_editor_word_left(&e);
	assert_int_equal(e.cursor, 13);
	line_editor_word_left(&e);
	assert_int_equal(e.cursor, 10);
	line_editor_word_left(&e);
	assert_int_equal(e.cursor, 6);
	line_editor_word_right(&e);
	assert_int_equal(e.cursor, 9);
	line_editor_word_right(&e);
	assert_int_equal(e.cursor, 12);
	line_editor_delete_word_back(&e);
	assert_text(&e, "один  два  end");
	line_editor_home(&e);
	line_editor_word_right(&e);
	line_editor_kill_to_end(&e);
	assert_text(&e, "один");
	line_editor_free(&e);
}

static void test_multiline(void **state)
{
	struct line_editor e;

	(void)state;
	line_editor_init(&e);
	type(&e, "first line");
	assert_int_equal(line_editor_insert(&e, L'\n'), 0);
	type(&e, "второй");
	line_editor_home(&e);
	assert_int_equal(e.cursor, 11);
	line_editor_left(&e);
	line_editor_home(&e);
	assert_int_equal(e.cursor, 0);
	line_editor_end(&e);
	assert_int_equal(e.cursor, 10);
	/* Ctrl-K at the end of a line joins the next one. */
	line_editor_kill_to_end(&e);
	assert_text(&e, "first lineвторой");
	line_editor_free(&e);
}

static void test_history(void **state)
{
	struct line_editor e;

	(void)state;
	line_editor_init(&e);
	assert_int_equal(line_editor_history_prev(&e), 0);
	type(&e, "one");
	assert_int_equal(line_editor_commit(&e), 0);
	assert_int_equal(e.len, 0);
	type(&e, "два");
	assert_int_equal(line_editor_commit(&e), 0);
	type(&e, "два");
	assert_int_equal(line_editor_commit(&e), 0); /* a repeat is remembered once */
	assert_int_equal(line_editor_commit(&e), 0); /* an empty line is not */
	assert_int_equal(e.hist_count, 2);
	type(&e, "draft");
	assert_true(line_editor_history_prev(&e));
	assert_text(&e, "два");
	assert_true(line_editor_history_prev(&e));
	assert_text(&e, "one");
	assert_false(line_editor_history_prev(&e));
	assert_true(line_editor_history_next(&e));
	assert_text(&e, "два");
	assert_true(line_editor_history_next(&e));
	assert_text(&e, "draft");
	assert_false(line_editor_history_next(&e));
	/* Editing a recalled line leaves the history entry alone. */
	assert_true(line_editor_history_prev(&e));
	type(&e, "!");
	assert_int_equal(line_editor_commit(&e), 0);
	assert_int_equal(e.hist_count, 3);
	assert_int_equal(e.hist[1].len, 3);
	line_editor_free(&e);
}

static void test_limits(void **state)
{
	struct line_editor e;
	char *big = malloc(LINE_EDITOR_MAX_CHARS + 2);

	(void)state;
	assert_non_null(big);
	memset(big, 'x', LINE_EDITOR_MAX_CHARS + 1);
	big[LINE_EDITOR_MAX_CHARS + 1] = '\0';
	line_editor_init(&e);
	assert_int_equal(line_editor_insert_utf8(&e, big, LINE_EDITOR_MAX_CHARS + 1), RC_ERR_TOO_LARGE);
	assert_int_equal(e.len, 0);
	assert_int_equal(line_editor_insert_utf8(&e, big, LINE_EDITOR_MAX_CHARS), 0);
	assert_int_equal(line_editor_insert(&e, L'y'), RC_ERR_TOO_LARGE);
	/* Invalid UTF-8 turns into U+FFFD rather than failing. */
	line_editor_clear(&e);
	assert_int_equal(line_editor_insert_utf8(&e, "a\xff" "b", 3), 0);
	assert_text(&e, "a\xEF\xBF\xBD" "b");
	line_editor_free(&e);
	free(big);
}

/* Tab completion: a unique prefix completes, several cycle (irssi style),
 * text after the cursor stays, any other key starts a new round. */
static void test_completion(void **state)
{
	static const char *const words[] = { "alice", "Алёна", "alex", "bob", "al" };
	struct line_editor e;
	size_t matches;

	(void)state;
	line_editor_init(&e);
	type(&e, "hi b");
	assert_int_equal(line_editor_completion_start(&e), 3);
	assert_int_equal(line_editor_complete(&e, words, 5, &matches), 0);
	assert_int_equal(matches, 1);
	assert_text(&e, "hi bob ");
	assert_int_equal(e.cursor, 7);
	/* The round ended with the unique match: the word now is empty, all match. */
	assert_null(e.completion.typed);

	line_editor_clear(&e);
	type(&e, "/open AL and more");
	e.cursor = 8;
	assert_int_equal(line_editor_completion_start(&e), 6);
	assert_int_equal(line_editor_complete(&e, words, 5, &matches), 0);
	assert_int_equal(matches, 3);
	assert_text(&e, "/open alice  and more");
	assert_int_equal(line_editor_completion_start(&e), 6);
	assert_int_equal(line_editor_complete(&e, words, 5, &matches), 0);
	assert_text(&e, "/open alex  and more");
	assert_int_equal(line_editor_complete(&e, words, 5, &matches), 0);
	assert_text(&e, "/open al  and more");
	/* Past the last: the first again. */
	assert_int_equal(line_editor_complete(&e, words, 5, &matches), 0);
	assert_text(&e, "/open alice  and more");
	assert_int_equal(e.cursor, 12);
	/* Another key: a new round from the word now before the cursor. */
	line_editor_complete_end(&e);
	line_editor_backspace(&e);
	assert_int_equal(line_editor_complete(&e, words, 5, &matches), 0);
	assert_int_equal(matches, 1);
	assert_text(&e, "/open alice  and more");

	/* Any case, multi-byte; nothing matching changes nothing. */
	line_editor_clear(&e);
	type(&e, "алё");
	assert_int_equal(line_editor_complete(&e, words, 5, &matches), 0);
	assert_int_equal(matches, 1);
	assert_text(&e, "Алёна ");
	type(&e, "zz");
	assert_int_equal(line_editor_complete(&e, words, 5, &matches), 0);
	assert_int_equal(matches, 0);
	assert_text(&e, "Алёна zz");
	assert_null(e.completion.typed);
	line_editor_free(&e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_multibyte_editing),
		cmocka_unit_test(test_words),
		cmocka_unit_test(test_multiline),
		cmocka_unit_test(test_history),
		cmocka_unit_test(test_limits),
		cmocka_unit_test(test_completion),
	};
	/* Display widths come from the C library's tables. */
	if (setlocale(LC_ALL, "C.UTF-8") == NULL)
		setlocale(LC_ALL, "");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
