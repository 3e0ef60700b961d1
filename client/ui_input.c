/* Keys and the input line: editing, sending, slash commands, escape
 * sequences (Alt+key, bracketed paste), scrolling and contact switching. */
#include "config.h"

#define _XOPEN_SOURCE_EXTENDED 1
#include <ncurses.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "api.h"
#include "commands.h"
#include "errors.h"
#include "login.h"
#include "protocol.h"
#include "ui_internal.h"

/* How long to wait for the rest of an escape sequence. */
#define UI_ESC_WAIT_MS 30
#define UI_ESC_SEQ_MAX 16
#define UI_WHEEL_LINES 3

#define CTRL(c) ((c) & 0x1f)

/* /safety, /verify, /accept-key: asked of the worker, which owns the pins. */
static void ui_trust_command(struct ui *u, enum net_trust_action action)
{
	struct chat_contact *c = ui_open_contact(u);

	if (c == NULL)
		ui_info(u, "no conversation open: pick a contact first (Tab, /open NAME)");
	else if (net_worker_trust(u->net, c->login, action) != RC_OK)
		ui_info(u, "out of memory");
}

static void ui_run_command(struct ui *u, const struct command *cmd)
{
	long at;

	switch (cmd->kind) {
	case COMMAND_NONE:
		break;
	case COMMAND_UNKNOWN:
		ui_info(u, "unknown command /%s (try /help)", cmd->arg);
		break;
	case COMMAND_BAD_ARGS:
		ui_info(u, "usage: %s", cmd->usage);
		break;
	case COMMAND_HELP:
		u->show_help = 1;
		break;
	case COMMAND_QUIT:
		u->quit = 1;
		break;
	case COMMAND_REFRESH:
		if (net_worker_refresh(u->net) == RC_OK)
			ui_info(u, "refreshing");
		break;
	case COMMAND_USERS: {
		char list[500] = "";
		size_t len = 0;
		for (size_t i = 0; i < u->model.count && len + 2 < sizeof(list); i++) {
			const struct chat_contact *c = &u->model.contacts[i];
			char *shown;
			if (!c->listed || (shown = ui_login_shown(c->login, c->lookalike)) == NULL)
				continue;
			len += (size_t)snprintf(list + len, sizeof(list) - len, "%s%s", len ? ", " : "", shown);
			free(shown);
		}
		ui_info(u, "users: %s", list[0] ? list : "(none)");
		break;
	}
	case COMMAND_OPEN: {
		/* The login as typed, or as shown (escaped: what Tab completes). */
		char *login = NULL;
		at = chat_model_find(&u->model, cmd->arg);
		if (at < 0 && login_from_input(cmd->arg, &login) == RC_OK)
			at = chat_model_find(&u->model, login);
		free(login);
		if (at < 0)
			ui_info_login(u, "no such contact: ", cmd->arg);
		else
			ui_select_contact(u, at);
		break;
	}
	case COMMAND_KEY:
		ui_info(u, "you: %s | server: %s", u->own_fp, u->server_fp[0] ? u->server_fp : "(not connected yet)");
		break;
	case COMMAND_REGISTER:
		if (net_worker_register(u->net, cmd->arg) == RC_OK)
			ui_info_login(u, "registering as ", cmd->arg);
		break;
	case COMMAND_SEARCH:
		ui_search_start(u, cmd->arg);
		break;
	case COMMAND_BELL:
		u->bell = strcmp(cmd->arg, "on") == 0;
		ui_info(u, "bell %s", u->bell ? "on" : "off");
		break;
	case COMMAND_SAFETY:
		ui_trust_command(u, NET_TRUST_SHOW);
		break;
	case COMMAND_VERIFY:
		ui_trust_command(u, NET_TRUST_VERIFY);
		break;
	case COMMAND_ACCEPT_KEY:
		ui_trust_command(u, NET_TRUST_ACCEPT);
		break;
	}
}

static void ui_send_text(struct ui *u, const char *text)
{
	struct chat_contact *c = ui_open_contact(u);
	char err[200];
	uint64_t id;
	int r;

	if (c == NULL) {
		ui_info(u, "no conversation open: pick a contact first (Ctrl-N, /open NAME)");
		return;
	}
	if (c->key_state == CHAT_KEY_CHANGED) {
		/* The worker would refuse it too; saying so now keeps it off the outbox. */
		char *shown = ui_login_shown(c->login, 0);

		ui_info(u, "not sent: the key of %s changed. /safety to compare, /accept-key if it is really theirs (the "
		        "text is kept in history, Up)", shown != NULL ? shown : "?");
		free(shown);
		return;
	}
	if (api_check_text(text, strlen(text), err, sizeof(err)) != RC_OK) {
		/* The input line is cleared either way: say where the text went. */
		ui_info(u, "%s; the text is kept in history (Up)", err);
		return;
	}
	if (chat_model_outbox_add(&u->model, c->login, text, &id) != RC_OK) {
		ui_info(u, "out of memory");
		return;
	}
	u->scroll = 0;
	/* Not in the outbox, not sent: shown failed, the text still in history. */
	if ((r = net_worker_send(u->net, id, c->login, text)) != RC_OK) {
		if (r == RC_ERR_TOO_LARGE)
			snprintf(err, sizeof(err), "the outbox is full (%u messages or %u MiB)", OUTBOX_STORE_MAX_ENTRIES,
			         OUTBOX_STORE_MAX_BYTES >> 20);
		else if (r == RC_ERR_NOMEM)
			snprintf(err, sizeof(err), "out of memory");
		else
			snprintf(err, sizeof(err), "cannot write the outbox: %s", rc_strerror(r));
		chat_model_outbox_done(&u->model, id, err);
		ui_info(u, "not queued: %s; the text is kept in history (Up)", err);
	}
}

/* Enter: a login, a command or a message. */
static void ui_submit(struct ui *u)
{
	struct command cmd;
	char *text = NULL;
	size_t len;

	if (u->ed.len == 0)
		return;
	if (line_editor_text(&u->ed, &text, &len) != RC_OK) {
		ui_info(u, "the input cannot be encoded as UTF-8");
		return;
	}
	command_parse(text, &cmd);
	if (cmd.kind != COMMAND_NONE) {
		ui_run_command(u, &cmd);
	} else if (u->mode == UI_MODE_LOGIN) {
		/* The server counts characters (code points), as the editor does. */
		if (strchr(text, '\n') != NULL || u->ed.len > PROTO_MAX_LOGIN_CHARS)
			ui_info(u, "a login is one line of at most %u characters", PROTO_MAX_LOGIN_CHARS);
		else if (net_worker_register(u->net, text) == RC_OK)
			ui_info_login(u, "registering as ", text);
	} else {
		ui_send_text(u, cmd.arg[0] != '\0' ? cmd.arg : text);
	}
	line_editor_commit(&u->ed);
	free(text);
}

/* ---- keys ---- */

/* The words Tab may put at the cursor: "/name" for a command word at the
 * start of the line, else the contacts' logins as shown. malloc'd, *n of
 * them; NULL when out of memory. */
static char **ui_completion_words(struct ui *u, size_t *n)
{
	int command = line_editor_completion_start(&u->ed) == 0 && u->ed.len > 0 && u->ed.buf[0] == L'/';
	size_t max = u->model.count;
	char **words;

	*n = 0;
	if (command)
		for (max = 0; command_name_at(max) != NULL; max++)
			;
	if ((words = calloc(max + 1, sizeof(*words))) == NULL)
		return NULL;
	for (; *n < max; (*n)++) {
		if (command ? asprintf(&words[*n], "/%s", command_name_at(*n)) < 0
		            : (words[*n] = ui_login_shown(u->model.contacts[*n].login, 0)) == NULL) {
			while (*n > 0)
				free(words[--*n]);
			free(words);
			return NULL;
		}
	}
	return words;
}

/* Tab: completes the word before the cursor (irssi style: again for the
 * next match); on an empty line opens the next contact, as it always did. */
static void ui_complete(struct ui *u)
{
	size_t n = 0, matches = 0;
	char **words;

	if (u->ed.len == 0) {
		ui_select_contact(u, u->selected + 1);
		return;
	}
	if ((words = ui_completion_words(u, &n)) == NULL ||
	    line_editor_complete(&u->ed, (const char *const *)words, n, &matches) != RC_OK) {
		ui_info(u, "out of memory");
	} else if (matches == 0) {
		ui_info(u, "Tab: no contact or command starts like that");
	} else if (matches > 1) {
		ui_info(u, "Tab: %zu matches, Tab again for the next", matches);
	}
	for (size_t i = 0; i < n; i++)
		free(words[i]);
	free(words);
}

static void ui_insert_char(struct ui *u, wchar_t c)
{
	int r = line_editor_insert(&u->ed, c);

	if (r == RC_ERR_NUL)
		ui_info(u, "a NUL character cannot be sent");
	else if (r == RC_ERR_TOO_LARGE)
		ui_info(u, "the input is full (%u characters)", LINE_EDITOR_MAX_CHARS);
}

static void ui_scroll_by(struct ui *u, long lines)
{
	struct chat_contact *c = ui_open_contact(u);

	if (lines < 0 && (size_t)-lines > u->scroll)
		u->scroll = 0;
	else
		u->scroll += (size_t)lines;
	/* Past the oldest loaded message: the page before it (sync extension). */
	if (lines > 0 && c != NULL && u->conv_total_of == u->selected &&
	    u->scroll + (size_t)(u->conv_rows > 0 ? u->conv_rows : 0) >= u->conv_total &&
	    net_worker_load_older(u->net, c->login) != RC_OK)
		ui_info(u, "out of memory");
	if (u->scroll == 0)
		ui_mark_read(u);
}

static int ui_page(const struct ui *u)
{
	return u->conv_rows > 2 ? u->conv_rows - 1 : 1;
}

/* Keys with a name in terminfo but no KEY_ constant (Alt/Ctrl + arrows). */
static int ui_named_key(int key, const char *name)
{
	const char *k = keyname(key);

	return k != NULL && strcmp(k, name) == 0;
}

static void ui_handle_function_key(struct ui *u, int key)
{
	if (u->focus == UI_FOCUS_CONTACTS) {
		if (key == KEY_UP || key == KEY_DOWN) {
			ui_select_contact(u, u->selected + (key == KEY_UP ? -1 : 1));
			return;
		}
		if (key == KEY_ENTER || key == KEY_F(2)) {
			u->focus = UI_FOCUS_INPUT;
			return;
		}
	}
	switch (key) {
	case KEY_RESIZE: clearok(curscr, TRUE); break;
	case KEY_F(1): u->show_help = 1; break;
	case KEY_F(2): u->focus = UI_FOCUS_CONTACTS; break;
	case KEY_ENTER: ui_submit(u); break;
	case KEY_LEFT: line_editor_left(&u->ed); break;
	case KEY_RIGHT: line_editor_right(&u->ed); break;
	case KEY_HOME: line_editor_home(&u->ed); break;
	case KEY_END: line_editor_end(&u->ed); break;
	case KEY_BACKSPACE: line_editor_backspace(&u->ed); break;
	case KEY_DC: line_editor_delete(&u->ed); break;
	case KEY_UP: line_editor_history_prev(&u->ed); break;
	case KEY_DOWN: line_editor_history_next(&u->ed); break;
	case KEY_PPAGE: ui_scroll_by(u, ui_page(u)); break;
	case KEY_NPAGE: ui_scroll_by(u, -ui_page(u)); break;
	case KEY_BTAB: ui_select_contact(u, u->selected - 1); break;
	case KEY_MOUSE: {
		MEVENT me;
		if (getmouse(&me) == OK) {
			if (me.bstate & BUTTON4_PRESSED)
				ui_scroll_by(u, UI_WHEEL_LINES);
			else if (me.bstate & BUTTON5_PRESSED)
				ui_scroll_by(u, -UI_WHEEL_LINES);
		}
		break;
	}
	default:
		/* Alt+arrows switch contacts (irssi's windows); Ctrl+Left/Right move by words. */
		if (ui_named_key(key, "kUP3") || ui_named_key(key, "kLFT3"))
			ui_select_contact(u, u->selected - 1);
		else if (ui_named_key(key, "kDN3") || ui_named_key(key, "kRIT3"))
			ui_select_contact(u, u->selected + 1);
		else if (ui_named_key(key, "kLFT5"))
			line_editor_word_left(&u->ed);
		else if (ui_named_key(key, "kRIT5"))
			line_editor_word_right(&u->ed);
		break;
	}
}

static void ui_handle_char(struct ui *u, wint_t ch)
{
	if (u->paste) {
		ui_insert_char(u, ch == L'\r' ? L'\n' : ch == L'\t' ? L' ' : (wchar_t)ch);
		return;
	}
	/* n / N step through search matches while the input is empty. */
	if (u->search[0] != '\0' && u->ed.len == 0 && (ch == L'n' || ch == L'N')) {
		ui_search_step(u, ch == L'n' ? -1 : 1);
		return;
	}
	if (u->focus == UI_FOCUS_CONTACTS && (ch == L'\r' || ch == L'\n')) {
		u->focus = UI_FOCUS_INPUT;
		return;
	}
	switch (ch) {
	case L'\r':
	case L'\n': ui_submit(u); return;
	case L'\t': ui_complete(u); return;
	case CTRL('n'): ui_select_contact(u, u->selected + 1); return;
	case CTRL('p'): ui_select_contact(u, u->selected - 1); return;
	case CTRL('a'): line_editor_home(&u->ed); return;
	case CTRL('e'): line_editor_end(&u->ed); return;
	case CTRL('b'): line_editor_left(&u->ed); return;
	case CTRL('f'): line_editor_right(&u->ed); return;
	case CTRL('w'): line_editor_delete_word_back(&u->ed); return;
	case CTRL('k'): line_editor_kill_to_end(&u->ed); return;
	case CTRL('u'): line_editor_clear(&u->ed); return;
	case CTRL('d'): line_editor_delete(&u->ed); return;
	case CTRL('h'):
	case 0x7f: line_editor_backspace(&u->ed); return;
	case CTRL('l'): clearok(curscr, TRUE); return;
	case CTRL('r'): {
		char *text = NULL;
		size_t len;
		if (u->ed.len > 0 && line_editor_text(&u->ed, &text, &len) == RC_OK) {
			ui_search_start(u, text);
			line_editor_clear(&u->ed);
		} else if (u->search[0] != '\0') {
			ui_search_step(u, -1);
		} else {
			ui_info(u, "type a word, then Ctrl-R searches for it");
		}
		free(text);
		return;
	}
	case L'?':
		if (u->ed.len == 0) {
			u->show_help = 1;
			return;
		}
		break;
	default:
		break;
	}
	if (ch < 0x20)
		return;
	ui_insert_char(u, (wchar_t)ch);
}

/* An SGR (1006) mouse report "<B;X;YM" (or m): the wheel scrolls.
 * Returns 1 when seq is one. */
static int ui_mouse_sgr(struct ui *u, const char *seq)
{
	unsigned button, x, y;
	char final;

	if (sscanf(seq, "<%u;%u;%u%c", &button, &x, &y, &final) != 4 || (final != 'M' && final != 'm'))
		return 0;
	if (final == 'M' && (button & ~3u) == 64)
		ui_scroll_by(u, (button & 3u) == 0 ? UI_WHEEL_LINES : (button & 3u) == 1 ? -UI_WHEEL_LINES : 0);
	return 1;
}

/* Keys that move the help (ui_draw clamps it); 0 for the others. */
static int ui_help_scroll(struct ui *u, int key)
{
	size_t page = u->help_rows > 1 ? (size_t)u->help_rows - 1 : 1;

	switch (key) {
	case KEY_UP: u->help_top -= u->help_top > 0; return 1;
	case KEY_DOWN: u->help_top++; return 1;
	case KEY_PPAGE: u->help_top -= u->help_top > page ? page : u->help_top; return 1;
	case KEY_NPAGE: u->help_top += page; return 1;
	default: return 0;
	}
}

/* Alt+a: the next contact after the open one with unread messages. */
static void ui_select_next_unread(struct ui *u)
{
	long n = (long)u->model.count;

	for (long k = 1; k <= n; k++) {
		long i = ((u->selected < 0 ? -1 : u->selected) + k) % n;
		if (u->model.contacts[i].unread > 0) {
			ui_select_contact(u, i);
			return;
		}
	}
	ui_info(u, "no unread messages");
}

/* Alt+1..9, Alt+0: the n-th contact of the list (Alt+0 the tenth), as irssi's windows. */
static void ui_select_nth(struct ui *u, wint_t digit)
{
	long i = digit == L'0' ? 9 : (long)(digit - L'1');

	if ((size_t)i < u->model.count)
		ui_select_contact(u, i);
	else
		ui_info(u, "no contact %ld (%zu in the list)", i + 1, u->model.count);
}

/* After ESC: Alt+key, a CSI sequence (bracketed paste markers) or Esc itself. */
static void ui_handle_escape(struct ui *u)
{
	char seq[UI_ESC_SEQ_MAX + 1];
	size_t n = 0;
	wint_t c;
	int r;

	timeout(UI_ESC_WAIT_MS);
	r = get_wch(&c);
	if (r == ERR) {
		/* Esc alone: leave the search, the contact list, the help. */
		ui_search_end(u);
		u->focus = UI_FOCUS_INPUT;
		goto out;
	}
	if (r == KEY_CODE_YES) {
		if (c == KEY_UP || c == KEY_DOWN || c == KEY_LEFT || c == KEY_RIGHT)
			ui_select_contact(u, u->selected + (c == KEY_UP || c == KEY_LEFT ? -1 : 1));
		else if (c == KEY_ENTER)
			ui_insert_char(u, L'\n');
		goto out;
	}
	if (c == L'\r' || c == L'\n') {
		ui_insert_char(u, L'\n');
		goto out;
	}
	if (c >= L'0' && c <= L'9') {
		ui_select_nth(u, c);
		goto out;
	}
	if (c == L'a' || c == L'A') {
		ui_select_next_unread(u);
		goto out;
	}
	if (c == L'b' || c == L'f') {
		if (c == L'b')
			line_editor_word_left(&u->ed);
		else
			line_editor_word_right(&u->ed);
		goto out;
	}
	if (c != L'[' && c != L'O')
		goto out;
	/* CSI: parameters, then a final byte in 0x40..0x7e. */
	while (n < UI_ESC_SEQ_MAX && get_wch(&c) == OK) {
		seq[n++] = (char)c;
		if (c >= 0x40 && c <= 0x7e)
			break;
	}
	seq[n] = '\0';
	if (strcmp(seq, "200~") == 0) {
		u->paste = 1;
	} else if (strcmp(seq, "201~") == 0) {
		u->paste = 0;
		/* Copied lines end with a newline: it closes the block, it is not part of the message. */
		if (u->ed.cursor > 0 && u->ed.buf[u->ed.cursor - 1] == L'\n')
			line_editor_backspace(&u->ed);
	} else if (ui_mouse_sgr(u, seq)) {
		/* the wheel (or a click, ignored) */
	} else if (strcmp(seq, "1;3A") == 0 || strcmp(seq, "1;3B") == 0 || strcmp(seq, "1;3C") == 0 ||
	           strcmp(seq, "1;3D") == 0)
		ui_select_contact(u, u->selected + (seq[3] == 'A' || seq[3] == 'D' ? -1 : 1));
out:
	timeout(0);
}

void ui_read_keys(struct ui *u)
{
	wint_t ch;
	int r;

	while ((r = get_wch(&ch)) != ERR) {
		u->dirty = 1;
		net_worker_activity(u->net);
		if (u->mode == UI_MODE_REFUSED) {
			if (r != KEY_CODE_YES || ch != KEY_RESIZE)
				u->quit = 1;
			continue;
		}
		if (u->show_help && !(r == KEY_CODE_YES && ch == KEY_RESIZE)) {
			if (r != KEY_CODE_YES || !ui_help_scroll(u, (int)ch)) {
				u->show_help = 0;
				u->help_top = 0;
			}
			continue;
		}
		if (u->quit_asked_ms != 0 && r == OK && (ch == L'y' || ch == L'Y')) {
			u->quit = 1;
			return;
		}
		/* A new key replaces the previous notice and answers "no" to a
		 * Ctrl-C that asked; a resize is no answer. */
		if (!u->paste && !(r == KEY_CODE_YES && ch == KEY_RESIZE)) {
			u->info[0] = '\0';
			u->quit_asked_ms = 0;
			/* Any key but Tab ends a round of completion. */
			if (r == KEY_CODE_YES || ch != L'\t')
				line_editor_complete_end(&u->ed);
		}
		if (r == KEY_CODE_YES)
			ui_handle_function_key(u, (int)ch);
		else if (ch == 0x1b)
			ui_handle_escape(u);
		else
			ui_handle_char(u, ch);
	}
}
