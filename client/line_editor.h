/* The input line as a plain buffer of wide characters: editing, cursor
 * moves and the history of sent lines. No curses here; the UI maps keys to
 * these calls and draws the buffer. Text may span lines ('\n'). */
#ifndef RC_CLIENT_LINE_EDITOR_H
#define RC_CLIENT_LINE_EDITOR_H

#include <stddef.h>
#include <wchar.h>

/* Longest input in characters (the byte limit of a message is checked on send). */
#define LINE_EDITOR_MAX_CHARS 16384u
/* Sent lines remembered for Up/Down. */
#define LINE_EDITOR_HISTORY_MAX 200u

struct line_history_entry {
	wchar_t *text;
	size_t len;
};

/* A round of Tab completion (irssi style): each Tab puts the next word
 * that starts with what was typed in place of the last one put. */
struct line_completion {
	wchar_t *typed;     /* the word before the cursor at the first Tab, NULL: no round */
	size_t typed_len;
	size_t start;       /* where it starts in the buffer */
	size_t put_len;     /* characters the last Tab put there */
	size_t turn;        /* Tabs so far in this round */
};

struct line_editor {
	wchar_t *buf;       /* len characters, not NUL-terminated */
	size_t len;
	size_t cap;
	size_t cursor;      /* 0..len: insertion point */
	struct line_history_entry *hist; /* oldest first */
	size_t hist_count;
	size_t hist_pos;    /* hist_count while editing a fresh line */
	struct line_history_entry draft; /* the fresh line, kept while browsing history */
	struct line_completion completion;
};

void line_editor_init(struct line_editor *e);
void line_editor_free(struct line_editor *e);

/* Inserts c at the cursor; RC_ERR_TOO_LARGE when the buffer is full, RC_ERR_NUL for NUL. */
int line_editor_insert(struct line_editor *e, wchar_t c);
/* Inserts UTF-8 text (a paste); invalid bytes become U+FFFD. */
int line_editor_insert_utf8(struct line_editor *e, const char *s, size_t len);

void line_editor_left(struct line_editor *e);
void line_editor_right(struct line_editor *e);
/* Start / end of the current line (of the whole text when it has one line). */
void line_editor_home(struct line_editor *e);
void line_editor_end(struct line_editor *e);
/* Start of the word before the cursor / end of the word after it. */
void line_editor_word_left(struct line_editor *e);
void line_editor_word_right(struct line_editor *e);
void line_editor_backspace(struct line_editor *e);
void line_editor_delete(struct line_editor *e);
/* Ctrl-W: deletes back to the start of the previous word. */
void line_editor_delete_word_back(struct line_editor *e);
/* Ctrl-K: deletes from the cursor to the end of its line. */
void line_editor_kill_to_end(struct line_editor *e);
void line_editor_clear(struct line_editor *e);

/* Up / Down: older / newer history entry (Down past the newest restores the
 * line being typed). Return 0 when there is nowhere to go. */
int line_editor_history_prev(struct line_editor *e);
int line_editor_history_next(struct line_editor *e);

/* Where the word being completed starts: the round's word, else the one
 * before the cursor (the UI picks the candidates by it: a command at 0). */
size_t line_editor_completion_start(const struct line_editor *e);
/* Tab: puts in place of the word before the cursor the next of words[0..n)
 * (UTF-8) that starts with it (any case) and a space; with one match the
 * round ends there, with several each Tab cycles on. *matches: how many
 * words match (0: nothing changed). */
int line_editor_complete(struct line_editor *e, const char *const *words, size_t n, size_t *matches);
/* Any other key: the next Tab starts a new round. */
void line_editor_complete_end(struct line_editor *e);

/* The text as UTF-8 (caller frees). */
int line_editor_text(const struct line_editor *e, char **utf8, size_t *len);
/* Remembers the text in the history (unless empty or equal to the last entry) and clears the buffer. */
int line_editor_commit(struct line_editor *e);

#endif
