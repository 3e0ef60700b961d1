#include "config.h"

#include "line_editor.h"

#include <stdlib.h>
#include <string.h>
#include <wctype.h>

#include "errors.h"
#include "wtext.h"

void line_editor_init(struct line_editor *e)
{
	memset(e, 0, sizeof(*e));
}

static void line_editor_entry_free(struct line_history_entry *h)
{
	free(h->text);
	h->text = NULL;
	h->len = 0;
}

void line_editor_free(struct line_editor *e)
{
	free(e->buf);
	for (size_t i = 0; i < e->hist_count; i++)
		line_editor_entry_free(&e->hist[i]);
	free(e->hist);
	line_editor_entry_free(&e->draft);
	line_editor_complete_end(e);
	line_editor_init(e);
}

static int line_editor_reserve(struct line_editor *e, size_t need)
{
	size_t cap;
	wchar_t *b;

	if (need > LINE_EDITOR_MAX_CHARS)
		return RC_ERR_TOO_LARGE;
	if (need <= e->cap)
		return RC_OK;
	cap = e->cap ? e->cap : 64;
	while (cap < need)
		cap *= 2;
	if (cap > LINE_EDITOR_MAX_CHARS)
		cap = LINE_EDITOR_MAX_CHARS;
	b = realloc(e->buf, cap * sizeof(*b));
	if (b == NULL)
		return RC_ERR_NOMEM;
	e->buf = b;
	e->cap = cap;
	return RC_OK;
}

/* Replaces the buffer with w[0..len). */
static int line_editor_set_text(struct line_editor *e, const wchar_t *w, size_t len)
{
	int r;

	if ((r = line_editor_reserve(e, len)) != RC_OK)
		return r;
	if (len > 0)
		memcpy(e->buf, w, len * sizeof(*w));
	e->len = len;
	e->cursor = len;
	return RC_OK;
}

int line_editor_insert(struct line_editor *e, wchar_t c)
{
	int r;

	if (c == L'\0')
		return RC_ERR_NUL;
	if ((r = line_editor_reserve(e, e->len + 1)) != RC_OK)
		return r;
	memmove(e->buf + e->cursor + 1, e->buf + e->cursor, (e->len - e->cursor) * sizeof(*e->buf));
	e->buf[e->cursor++] = c;
	e->len++;
	return RC_OK;
}

int line_editor_insert_utf8(struct line_editor *e, const char *s, size_t len)
{
	wchar_t *w;
	size_t wlen;
	int r;

	if ((r = wtext_from_utf8(s, len, &w, &wlen)) != RC_OK)
		return r;
	if (memchr(s, '\0', len) != NULL)
		r = RC_ERR_NUL;
	else if (e->len + wlen > LINE_EDITOR_MAX_CHARS)
		r = RC_ERR_TOO_LARGE;
	for (size_t i = 0; i < wlen && r == RC_OK; i++)
		r = line_editor_insert(e, w[i]);
	free(w);
	return r;
}

void line_editor_left(struct line_editor *e)
{
	if (e->cursor > 0)
		e->cursor--;
}

void line_editor_right(struct line_editor *e)
{
	if (e->cursor < e->len)
		e->cursor++;
}

void line_editor_home(struct line_editor *e)
{
	while (e->cursor > 0 && e->buf[e->cursor - 1] != L'\n')
		e->cursor--;
}

void line_editor_end(struct line_editor *e)
{
	while (e->cursor < e->len && e->buf[e->cursor] != L'\n')
		e->cursor++;
}

static int line_editor_is_space(wchar_t c)
{
	return iswspace((wint_t)c) || c == L' ' || c == L'\n' || c == L'\t';
}

void line_editor_word_left(struct line_editor *e)
{
	while (e->cursor > 0 && line_editor_is_space(e->buf[e->cursor - 1]))
		e->cursor--;
	while (e->cursor > 0 && !line_editor_is_space(e->buf[e->cursor - 1]))
		e->cursor--;
}

void line_editor_word_right(struct line_editor *e)
{
	while (e->cursor < e->len && line_editor_is_space(e->buf[e->cursor]))
		e->cursor++;
	while (e->cursor < e->len && !line_editor_is_space(e->buf[e->cursor]))
		e->cursor++;
}

/* Removes buf[from..to). */
static void line_editor_erase_range(struct line_editor *e, size_t from, size_t to)
{
	if (from == to)
		return;
	memmove(e->buf + from, e->buf + to, (e->len - to) * sizeof(*e->buf));
	e->len -= to - from;
	e->cursor = from;
}

void line_editor_backspace(struct line_editor *e)
{
	if (e->cursor > 0)
		line_editor_erase_range(e, e->cursor - 1, e->cursor);
}

void line_editor_delete(struct line_editor *e)
{
	size_t at = e->cursor;

	if (at < e->len) {
		line_editor_erase_range(e, at, at + 1);
		e->cursor = at;
	}
}

void line_editor_delete_word_back(struct line_editor *e)
{
	size_t end = e->cursor;

	line_editor_word_left(e);
	line_editor_erase_range(e, e->cursor, end);
}

void line_editor_kill_to_end(struct line_editor *e)
{
	size_t start = e->cursor;

	line_editor_end(e);
	/* At the end of a line already: join it with the next one. */
	if (e->cursor == start && e->cursor < e->len)
		e->cursor++;
	line_editor_erase_range(e, start, e->cursor);
}

void line_editor_clear(struct line_editor *e)
{
	e->len = 0;
	e->cursor = 0;
	e->hist_pos = e->hist_count;
}

static int line_editor_entry_set(struct line_history_entry *h, const wchar_t *w, size_t len)
{
	wchar_t *copy = malloc((len + 1) * sizeof(*copy));

	if (copy == NULL)
		return RC_ERR_NOMEM;
	if (len > 0)
		memcpy(copy, w, len * sizeof(*w));
	free(h->text);
	h->text = copy;
	h->len = len;
	return RC_OK;
}

int line_editor_history_prev(struct line_editor *e)
{
	if (e->hist_pos == 0)
		return 0;
	/* Leaving the fresh line: keep it to come back to. */
	if (e->hist_pos == e->hist_count && line_editor_entry_set(&e->draft, e->buf, e->len) != RC_OK)
		return 0;
	e->hist_pos--;
	return line_editor_set_text(e, e->hist[e->hist_pos].text, e->hist[e->hist_pos].len) == RC_OK;
}

int line_editor_history_next(struct line_editor *e)
{
	if (e->hist_pos >= e->hist_count)
		return 0;
	e->hist_pos++;
	if (e->hist_pos == e->hist_count)
		return line_editor_set_text(e, e->draft.text, e->draft.len) == RC_OK;
	return line_editor_set_text(e, e->hist[e->hist_pos].text, e->hist[e->hist_pos].len) == RC_OK;
}

int line_editor_text(const struct line_editor *e, char **utf8, size_t *len)
{
	return wtext_to_utf8(e->buf, e->len, utf8, len);
}

int line_editor_commit(struct line_editor *e)
{
	const struct line_history_entry *last = e->hist_count ? &e->hist[e->hist_count - 1] : NULL;
	int r = RC_OK;

	if (e->len > 0 &&
	    !(last != NULL && last->len == e->len && memcmp(last->text, e->buf, e->len * sizeof(*e->buf)) == 0)) {
		if (e->hist_count == LINE_EDITOR_HISTORY_MAX) {
			line_editor_entry_free(&e->hist[0]);
			memmove(e->hist, e->hist + 1, (e->hist_count - 1) * sizeof(*e->hist));
			e->hist_count--;
		} else {
			struct line_history_entry *h = realloc(e->hist, (e->hist_count + 1) * sizeof(*h));
			if (h == NULL)
				return RC_ERR_NOMEM;
			e->hist = h;
		}
		memset(&e->hist[e->hist_count], 0, sizeof(e->hist[0]));
		if ((r = line_editor_entry_set(&e->hist[e->hist_count], e->buf, e->len)) != RC_OK)
			return r;
		e->hist_count++;
	}
	line_editor_entry_free(&e->draft);
	line_editor_clear(e);
	return r;
}

/* ---- Tab completion ---- */

void line_editor_complete_end(struct line_editor *e)
{
	free(e->completion.typed);
	memset(&e->completion, 0, sizeof(e->completion));
}

size_t line_editor_completion_start(const struct line_editor *e)
{
	size_t at = e->cursor;

	if (e->completion.typed != NULL)
		return e->completion.start;
	while (at > 0 && !line_editor_is_space(e->buf[at - 1]))
		at--;
	return at;
}

/* Whether w[0..len) starts with prefix[0..plen), in any case. */
static int line_editor_starts_with(const wchar_t *w, size_t len, const wchar_t *prefix, size_t plen)
{
	if (len < plen)
		return 0;
	for (size_t i = 0; i < plen; i++)
		if (towlower((wint_t)w[i]) != towlower((wint_t)prefix[i]))
			return 0;
	return 1;
}

/* Puts w[0..len) and a space in place of buf[at..at+old), the cursor after them. */
static int line_editor_replace(struct line_editor *e, size_t at, size_t old, const wchar_t *w, size_t len)
{
	int r;

	if ((r = line_editor_reserve(e, e->len - old + len + 1)) != RC_OK)
		return r;
	memmove(e->buf + at + len + 1, e->buf + at + old, (e->len - at - old) * sizeof(*e->buf));
	memcpy(e->buf + at, w, len * sizeof(*w));
	e->buf[at + len] = L' ';
	e->len = e->len - old + len + 1;
	e->cursor = at + len + 1;
	return RC_OK;
}

/* The first Tab of a round: remembers the word before the cursor. */
static int line_editor_complete_begin(struct line_editor *e)
{
	struct line_completion *c = &e->completion;
	size_t start = line_editor_completion_start(e);

	c->typed = malloc((e->cursor - start + 1) * sizeof(*c->typed));
	if (c->typed == NULL)
		return RC_ERR_NOMEM;
	memcpy(c->typed, e->buf + start, (e->cursor - start) * sizeof(*c->typed));
	c->typed_len = e->cursor - start;
	c->start = start;
	c->put_len = c->typed_len;
	c->turn = 0;
	return RC_OK;
}

int line_editor_complete(struct line_editor *e, const char *const *words, size_t n, size_t *matches)
{
	struct line_completion *c = &e->completion;
	wchar_t *w = NULL, *pick = NULL;
	size_t len, pick_len = 0, count = 0;
	int r = RC_OK;

	*matches = 0;
	if (c->typed == NULL && (r = line_editor_complete_begin(e)) != RC_OK)
		return r;
	for (size_t i = 0; i < n && r == RC_OK; i++) {
		if ((r = wtext_from_utf8(words[i], strlen(words[i]), &w, &len)) != RC_OK)
			break;
		if (line_editor_starts_with(w, len, c->typed, c->typed_len) && count++ == c->turn) {
			pick = w;
			pick_len = len;
			w = NULL;
		}
		free(w);
		w = NULL;
	}
	/* Past the last match: round again from the first. */
	if (r == RC_OK && pick == NULL && count > 0 && c->turn > 0) {
		c->turn = 0;
		return line_editor_complete(e, words, n, matches);
	}
	if (r == RC_OK && pick != NULL && (r = line_editor_replace(e, c->start, c->put_len, pick, pick_len)) == RC_OK) {
		c->put_len = pick_len + 1;
		c->turn++;
		*matches = count;
	}
	free(pick);
	if (r != RC_OK || count <= 1)
		line_editor_complete_end(e);
	return r;
}
