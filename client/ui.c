/* The TUI's main loop and input handling.
 *
 * Threads: the network lives in a background thread (net_worker.c) that owns
 * the session and does every blocking request and every RSA decryption. This
 * thread owns curses and the model: it poll()s stdin and the worker's event
 * pipe, applies events and keys to struct ui, and redraws once per wake-up
 * when something changed (ui_draw.c). A slow or dead server therefore only
 * shows up in the status bar; typing, scrolling and resizing stay live, and
 * messages typed meanwhile wait in the worker's queue (state "queued"). */
#include "config.h"

#define _XOPEN_SOURCE_EXTENDED 1
#include <errno.h>
#include <locale.h>
#include <ncurses.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "api.h"
#include "commands.h"
#include "errors.h"
#include "keyfile.h"
#include "notify.h"
#include "paths.h"
#include "seen_state.h"
#include "ui.h"
#include "ui_internal.h"
#include "ui_term.h"

/* Wake up at least this often (the clock in headers, reaping notifications). */
#define UI_TICK_MS 1000
/* How long to wait for the rest of an escape sequence. */
#define UI_ESC_WAIT_MS 30
#define UI_ESC_SEQ_MAX 16
#define UI_WHEEL_LINES 3
/* Give the network thread this long to say goodbye on exit. */
#define UI_STOP_WAIT_MS 1500

#define CTRL(c) ((c) & 0x1f)

static volatile sig_atomic_t ui_signalled;
static int ui_curses_active;

static void ui_on_signal(int sig)
{
	(void)sig;
	ui_signalled = 1;
}

/* Gives the terminal back, whatever way the program ends. */
static void ui_restore_terminal(void)
{
	if (!ui_curses_active)
		return;
	ui_curses_active = 0;
	fputs("\033[?2004l", stdout);
	fflush(stdout);
	endwin();
}

__attribute__((format(printf, 2, 3)))
static void ui_info(struct ui *u, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(u->info, sizeof(u->info), fmt, ap);
	va_end(ap);
	u->dirty = 1;
}

static struct chat_contact *open_contact(struct ui *u)
{
	if (u->selected < 0 || (size_t)u->selected >= u->model.count)
		return NULL;
	return &u->model.contacts[u->selected];
}

/* The open conversation is on screen at its newest message: it is read. */
static void mark_read(struct ui *u)
{
	struct chat_contact *c = open_contact(u);
	const char *newest;

	if (c == NULL || u->scroll > 0 || u->mode != UI_MODE_CHAT)
		return;
	if (chat_model_mark_read(&u->model, c->login, &newest) == RC_OK && newest != NULL &&
	    seen_state_update(u->o->seen_path, u->o->server_name, u->own_fp, c->login, newest) != RC_OK)
		ui_info(u, "cannot record what was read in %s", u->o->seen_path);
}

static void select_contact(struct ui *u, long idx)
{
	if (u->model.count == 0)
		return;
	idx = (idx % (long)u->model.count + (long)u->model.count) % (long)u->model.count;
	u->selected = idx;
	u->scroll = 0;
	u->search[0] = '\0';
	u->search_hit = -1;
	if (net_worker_set_open(&u->net, u->model.contacts[idx].login) != RC_OK)
		ui_info(u, "out of memory");
	mark_read(u);
	u->dirty = 1;
}

/* ---- network events ---- */

static void apply_users(struct ui *u, const struct net_event *ev)
{
	struct seen_state seen;

	if (chat_model_set_contacts(&u->model, (const char *const *)ev->logins, ev->n_logins) != RC_OK) {
		ui_info(u, "out of memory");
		return;
	}
	/* Contacts seen for the first time get their remembered read position. */
	seen_state_init(&seen);
	if (seen_state_load(u->o->seen_path, &seen) == RC_OK) {
		for (size_t i = 0; i < u->model.count; i++) {
			struct chat_contact *c = &u->model.contacts[i];
			char *at = NULL;
			if (c->loaded || c->last_seen != NULL)
				continue;
			if (seen_state_get(&seen, u->o->server_name, u->own_fp, c->login, &at) == RC_OK && at != NULL)
				chat_model_set_last_seen(&u->model, c->login, at);
			free(at);
		}
	}
	seen_state_free(&seen);
	if (u->selected < 0 && u->model.count > 0)
		select_contact(u, 0);
}

static void apply_history(struct ui *u, const struct net_event *ev)
{
	struct chat_incoming *in = calloc(ev->n_msgs + 1, sizeof(*in));
	long at = chat_model_find(&u->model, ev->contact);
	int was_loaded = at >= 0 && u->model.contacts[at].loaded;
	size_t fresh = 0;
	int on_screen;

	if (in == NULL) {
		ui_info(u, "out of memory");
		return;
	}
	for (size_t i = 0; i < ev->n_msgs; i++) {
		in[i].sender = ev->msgs[i].sender;
		in[i].created_at = ev->msgs[i].created_at;
		in[i].digest = ev->msgs[i].digest;
		in[i].text = ev->msgs[i].text;
	}
	if (chat_model_merge_history(&u->model, ev->contact, in, ev->n_msgs, &fresh) != RC_OK)
		ui_info(u, "out of memory");
	free(in);
	on_screen = open_contact(u) != NULL && strcmp(open_contact(u)->login, ev->contact) == 0;
	/* A first load is history, not news. */
	if (fresh > 0 && was_loaded) {
		if (!on_screen && u->bell)
			beep();
		if (u->o->notify_cmd != NULL && notify_run(u->o->notify_cmd, ev->contact) != RC_OK)
			ui_info(u, "cannot run the notify command");
	}
	if (on_screen)
		mark_read(u);
}

static void apply_event(struct ui *u, const struct net_event *ev)
{
	switch (ev->kind) {
	case NET_EV_STATE:
		u->net_state = ev->state;
		snprintf(u->last_error, sizeof(u->last_error), "%s", ev->text ? ev->text : "");
		if (ev->state == NET_STATE_REFUSED)
			u->mode = UI_MODE_REFUSED;
		break;
	case NET_EV_SERVER_KEY:
		snprintf(u->server_fp, sizeof(u->server_fp), "%s", ev->text ? ev->text : "");
		if (ev->text2 != NULL)
			snprintf(u->pinned_fp, sizeof(u->pinned_fp), "%s", ev->text2);
		if (ev->trust == KNOWN_SERVER_NEW)
			ui_info(u, "pinned the key of new server %s: %s", u->o->server_name, u->server_fp);
		break;
	case NET_EV_NEED_LOGIN:
		u->mode = UI_MODE_LOGIN;
		ui_info(u, "This key is not registered here: type a login and press Enter.");
		break;
	case NET_EV_IDENTITY:
		if (chat_model_set_me(&u->model, ev->text) != RC_OK)
			ui_info(u, "out of memory");
		else if (u->mode == UI_MODE_LOGIN)
			ui_info(u, "registered as %s", ev->text);
		if (u->mode == UI_MODE_LOGIN)
			u->mode = UI_MODE_CHAT;
		break;
	case NET_EV_REGISTER_FAILED:
		ui_info(u, "register: %s%s", ev->text ? ev->text : "failed",
		        u->mode == UI_MODE_LOGIN ? " - pick another login" : "");
		break;
	case NET_EV_USERS:
		apply_users(u, ev);
		break;
	case NET_EV_HISTORY:
		apply_history(u, ev);
		break;
	case NET_EV_SEND_DONE:
		chat_model_outbox_done(&u->model, ev->id, ev->text);
		if (ev->text != NULL)
			ui_info(u, "not sent: %s", ev->text);
		break;
	case NET_EV_ERROR:
		snprintf(u->last_error, sizeof(u->last_error), "%s", ev->text ? ev->text : "");
		break;
	}
	u->dirty = 1;
}

static void take_events(struct ui *u)
{
	struct net_event *all = net_worker_take_events(&u->net);

	for (struct net_event *ev = all; ev != NULL; ev = ev->next)
		apply_event(u, ev);
	net_event_free_all(all);
}

/* ---- search ---- */

/* Moves to the next match older (dir < 0) or newer (dir > 0) than the current one. */
static void search_step(struct ui *u, int dir)
{
	struct chat_contact *c = open_contact(u);
	long i;

	if (c == NULL || u->search[0] == '\0')
		return;
	i = u->search_hit >= 0 ? u->search_hit + dir : (dir < 0 ? (long)c->count - 1 : 0);
	for (; i >= 0 && (size_t)i < c->count; i += dir) {
		if (c->msgs[i].text != NULL && strcasestr(c->msgs[i].text, u->search) != NULL) {
			u->search_hit = i;
			u->search_jump = 1;
			ui_info(u, "match %ld of the conversation", i + 1);
			return;
		}
	}
	ui_info(u, "no %smatch for \"%s\"", u->search_hit >= 0 ? "further " : "", u->search);
}

static void search_start(struct ui *u, const char *term)
{
	snprintf(u->search, sizeof(u->search), "%.*s", (int)sizeof(u->search) - 1, term);
	u->search_hit = -1;
	search_step(u, -1);
}

static void search_end(struct ui *u)
{
	u->search[0] = '\0';
	u->search_hit = -1;
	u->dirty = 1;
}

/* ---- commands and sending ---- */

static void run_command(struct ui *u, const struct command *cmd)
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
		if (net_worker_refresh(&u->net) == RC_OK)
			ui_info(u, "refreshing");
		break;
	case COMMAND_USERS: {
		char list[500] = "";
		size_t len = 0;
		for (size_t i = 0; i < u->model.count && len + 2 < sizeof(list); i++) {
			if (!u->model.contacts[i].listed)
				continue;
			len += (size_t)snprintf(list + len, sizeof(list) - len, "%s%s", len ? ", " : "", u->model.contacts[i].login);
		}
		ui_info(u, "users: %s", list[0] ? list : "(none)");
		break;
	}
	case COMMAND_OPEN:
		if ((at = chat_model_find(&u->model, cmd->arg)) < 0)
			ui_info(u, "no such contact: %s", cmd->arg);
		else
			select_contact(u, at);
		break;
	case COMMAND_KEY:
		ui_info(u, "you: %s | server: %s", u->own_fp, u->server_fp[0] ? u->server_fp : "(not connected yet)");
		break;
	case COMMAND_REGISTER:
		if (net_worker_register(&u->net, cmd->arg) == RC_OK)
			ui_info(u, "registering as %s...", cmd->arg);
		break;
	case COMMAND_SEARCH:
		search_start(u, cmd->arg);
		break;
	case COMMAND_BELL:
		u->bell = strcmp(cmd->arg, "on") == 0;
		ui_info(u, "bell %s", u->bell ? "on" : "off");
		break;
	}
}

static void send_text(struct ui *u, const char *text)
{
	struct chat_contact *c = open_contact(u);
	char err[200];
	uint64_t id;

	if (c == NULL) {
		ui_info(u, "no conversation open: pick a contact first (Tab, /open NAME)");
		return;
	}
	if (api_check_text(text, strlen(text), err, sizeof(err)) != RC_OK) {
		ui_info(u, "%s", err);
		return;
	}
	if (chat_model_outbox_add(&u->model, c->login, text, &id) != RC_OK ||
	    net_worker_send(&u->net, id, c->login, text) != RC_OK) {
		ui_info(u, "out of memory");
		return;
	}
	u->scroll = 0;
}

/* Enter: a login, a command or a message. */
static void submit(struct ui *u)
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
		run_command(u, &cmd);
	} else if (u->mode == UI_MODE_LOGIN) {
		if (strchr(text, '\n') != NULL || len > 255)
			ui_info(u, "a login is one line of at most 255 bytes");
		else if (net_worker_register(&u->net, text) == RC_OK)
			ui_info(u, "registering as %s...", text);
	} else {
		send_text(u, cmd.arg[0] != '\0' ? cmd.arg : text);
	}
	line_editor_commit(&u->ed);
	free(text);
}

/* ---- keys ---- */

static void insert_char(struct ui *u, wchar_t c)
{
	int r = line_editor_insert(&u->ed, c);

	if (r == RC_ERR_NUL)
		ui_info(u, "a NUL character cannot be sent");
	else if (r == RC_ERR_TOO_LARGE)
		ui_info(u, "the input is full (%u characters)", LINE_EDITOR_MAX_CHARS);
}

static void scroll_by(struct ui *u, long lines)
{
	if (lines < 0 && (size_t)-lines > u->scroll)
		u->scroll = 0;
	else
		u->scroll += (size_t)lines;
	if (u->scroll == 0)
		mark_read(u);
}

static int page(const struct ui *u)
{
	return u->conv_rows > 2 ? u->conv_rows - 1 : 1;
}

/* Keys with a name in terminfo but no KEY_ constant (Alt/Ctrl + arrows). */
static int named_key(int key, const char *name)
{
	const char *k = keyname(key);

	return k != NULL && strcmp(k, name) == 0;
}

static void handle_function_key(struct ui *u, int key)
{
	if (u->focus == UI_FOCUS_CONTACTS) {
		if (key == KEY_UP || key == KEY_DOWN) {
			select_contact(u, u->selected + (key == KEY_UP ? -1 : 1));
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
	case KEY_ENTER: submit(u); break;
	case KEY_LEFT: line_editor_left(&u->ed); break;
	case KEY_RIGHT: line_editor_right(&u->ed); break;
	case KEY_HOME: line_editor_home(&u->ed); break;
	case KEY_END: line_editor_end(&u->ed); break;
	case KEY_BACKSPACE: line_editor_backspace(&u->ed); break;
	case KEY_DC: line_editor_delete(&u->ed); break;
	case KEY_UP: line_editor_history_prev(&u->ed); break;
	case KEY_DOWN: line_editor_history_next(&u->ed); break;
	case KEY_PPAGE: scroll_by(u, page(u)); break;
	case KEY_NPAGE: scroll_by(u, -page(u)); break;
	case KEY_BTAB: select_contact(u, u->selected - 1); break;
	case KEY_MOUSE: {
		MEVENT me;
		if (getmouse(&me) == OK) {
			if (me.bstate & BUTTON4_PRESSED)
				scroll_by(u, UI_WHEEL_LINES);
			else if (me.bstate & BUTTON5_PRESSED)
				scroll_by(u, -UI_WHEEL_LINES);
		}
		break;
	}
	default:
		if (named_key(key, "kUP3"))
			select_contact(u, u->selected - 1);
		else if (named_key(key, "kDN3"))
			select_contact(u, u->selected + 1);
		else if (named_key(key, "kLFT5") || named_key(key, "kLFT3"))
			line_editor_word_left(&u->ed);
		else if (named_key(key, "kRIT5") || named_key(key, "kRIT3"))
			line_editor_word_right(&u->ed);
		break;
	}
}

static void handle_char(struct ui *u, wint_t ch)
{
	if (u->paste) {
		insert_char(u, ch == L'\r' ? L'\n' : ch == L'\t' ? L' ' : (wchar_t)ch);
		return;
	}
	/* n / N step through search matches while the input is empty. */
	if (u->search[0] != '\0' && u->ed.len == 0 && (ch == L'n' || ch == L'N')) {
		search_step(u, ch == L'n' ? -1 : 1);
		return;
	}
	if (u->focus == UI_FOCUS_CONTACTS && (ch == L'\r' || ch == L'\n')) {
		u->focus = UI_FOCUS_INPUT;
		return;
	}
	switch (ch) {
	case L'\r':
	case L'\n': submit(u); return;
	case L'\t':
	case CTRL('n'): select_contact(u, u->selected + 1); return;
	case CTRL('p'): select_contact(u, u->selected - 1); return;
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
			search_start(u, text);
			line_editor_clear(&u->ed);
		} else if (u->search[0] != '\0') {
			search_step(u, -1);
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
	insert_char(u, (wchar_t)ch);
}

/* After ESC: Alt+key, a CSI sequence (bracketed paste markers) or Esc itself. */
static void handle_escape(struct ui *u)
{
	char seq[UI_ESC_SEQ_MAX + 1];
	size_t n = 0;
	wint_t c;
	int r;

	timeout(UI_ESC_WAIT_MS);
	r = get_wch(&c);
	if (r == ERR) {
		/* Esc alone: leave the search, the contact list, the help. */
		search_end(u);
		u->focus = UI_FOCUS_INPUT;
		goto out;
	}
	if (r == KEY_CODE_YES) {
		if (c == KEY_UP || c == KEY_DOWN)
			select_contact(u, u->selected + (c == KEY_UP ? -1 : 1));
		else if (c == KEY_ENTER)
			insert_char(u, L'\n');
		goto out;
	}
	if (c == L'\r' || c == L'\n') {
		insert_char(u, L'\n');
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
	if (strcmp(seq, "200~") == 0)
		u->paste = 1;
	else if (strcmp(seq, "201~") == 0)
		u->paste = 0;
	else if (strcmp(seq, "1;3A") == 0 || strcmp(seq, "1;3B") == 0)
		select_contact(u, u->selected + (seq[3] == 'A' ? -1 : 1));
out:
	timeout(0);
}

static void read_keys(struct ui *u)
{
	wint_t ch;
	int r;

	while ((r = get_wch(&ch)) != ERR) {
		u->dirty = 1;
		if (u->mode == UI_MODE_REFUSED) {
			if (r != KEY_CODE_YES || ch != KEY_RESIZE)
				u->quit = 1;
			continue;
		}
		if (u->show_help && !(r == KEY_CODE_YES && ch == KEY_RESIZE)) {
			u->show_help = 0;
			continue;
		}
		/* A new key replaces the previous notice. */
		if (!u->paste)
			u->info[0] = '\0';
		if (r == KEY_CODE_YES)
			handle_function_key(u, (int)ch);
		else if (ch == 0x1b)
			handle_escape(u);
		else
			handle_char(u, ch);
	}
}

/* ---- start and stop ---- */

/* No key yet: offer to make one before the screen is taken over. */
static int offer_new_key(struct ui *u)
{
	char answer[16], err[300], fp[FINGERPRINT_MAX];
	int r;

	printf("No key at %s.\nCreate a new %u-bit key there now? [y/N] ", u->o->key_path, RSA_DEFAULT_BITS);
	fflush(stdout);
	if (fgets(answer, sizeof(answer), stdin) == NULL || (answer[0] != 'y' && answer[0] != 'Y')) {
		fprintf(stderr, "rsa-chat: no key; make one with: generate-keys\n");
		return RC_ERR_NOTFOUND;
	}
	if ((r = paths_mkdirs_parent(u->o->key_path)) != RC_OK ||
	    (r = rsa_generate(&u->key, RSA_DEFAULT_BITS, NULL, NULL)) != RC_OK ||
	    (r = keyfile_save_pair(u->o->key_path, &u->key, KEYFILE_NATIVE, 0, err, sizeof(err))) != RC_OK) {
		fprintf(stderr, "rsa-chat: cannot create the key: %s\n", rc_strerror(r));
		return r;
	}
	if (fingerprint_public(&u->key.pub, fp) == RC_OK)
		printf("Key saved: %s (%s)\n", u->o->key_path, fp);
	return RC_OK;
}

static int load_key(struct ui *u)
{
	char err[300];
	int r = keyfile_load_private(u->o->key_path, &u->key, err, sizeof(err));

	if (r == RC_ERR_NOTFOUND)
		r = offer_new_key(u);
	else if (r != RC_OK)
		fprintf(stderr, "rsa-chat: cannot load the key %s: %s\n", u->o->key_path, err[0] ? err : rc_strerror(r));
	if (r == RC_OK)
		r = fingerprint_public(&u->key.pub, u->own_fp);
	return r;
}

static int start_curses(struct ui *u)
{
	/* newterm, unlike initscr, reports failure instead of exiting. */
	if (!ui_term_usable() || newterm(NULL, stdout, stdin) == NULL) {
		fprintf(stderr, "rsa-chat: cannot use the terminal (TERM=%s)\n", getenv("TERM") ? getenv("TERM") : "");
		return RC_ERR_INVAL;
	}
	ui_curses_active = 1;
	cbreak();
	noecho();
	nonl();
	keypad(stdscr, TRUE);
	timeout(0);
	set_escdelay(UI_ESC_WAIT_MS);
	mousemask(BUTTON4_PRESSED | BUTTON5_PRESSED, NULL);
	u->color = has_colors() && getenv("NO_COLOR") == NULL;
	if (u->color) {
		start_color();
		use_default_colors();
		init_pair(UI_PAIR_THEIRS, COLOR_CYAN, -1);
		init_pair(UI_PAIR_MINE, COLOR_GREEN, -1);
		init_pair(UI_PAIR_ERROR, COLOR_RED, -1);
		init_pair(UI_PAIR_STATUS, COLOR_BLACK, COLOR_CYAN);
		init_pair(UI_PAIR_UNREAD, COLOR_YELLOW, -1);
		init_pair(UI_PAIR_REFUSED, COLOR_WHITE, COLOR_RED);
	}
	/* Bracketed paste: a pasted block arrives between markers, as one message. */
	fputs("\033[?2004h", stdout);
	fflush(stdout);
	return RC_OK;
}

static void main_loop(struct ui *u)
{
	struct pollfd fds[2];

	fds[0].fd = STDIN_FILENO;
	fds[0].events = POLLIN;
	fds[1].fd = net_worker_event_fd(&u->net);
	fds[1].events = POLLIN;
	u->dirty = 1;
	while (!u->quit && !ui_signalled) {
		if (u->dirty) {
			ui_draw(u);
			u->dirty = 0;
		}
		int n = poll(fds, 2, UI_TICK_MS);
		if (n < 0 && errno != EINTR)
			break;
		notify_reap();
		if (n == 0)
			u->dirty = 1; /* the minute in the headers and the "today" may change */
		if (fds[1].revents & POLLIN)
			take_events(u);
		/* Also after EINTR: SIGWINCH comes back from get_wch as KEY_RESIZE. */
		read_keys(u);
		if (fds[0].revents & (POLLHUP | POLLERR))
			break;
	}
}

int ui_run(const struct client_options *o)
{
	struct net_worker_config cfg;
	struct sigaction sa;
	static struct ui u;
	int status = CLIENT_EXIT_OK;

	memset(&u, 0, sizeof(u));
	u.o = o;
	u.selected = -1;
	u.search_hit = -1;
	u.bell = o->bell;
	u.net_state = NET_STATE_CONNECTING;
	rsa_private_init(&u.key);
	chat_model_init(&u.model);
	line_editor_init(&u.ed);
	if (!isatty(STDIN_FILENO) || !isatty(STDOUT_FILENO)) {
		fprintf(stderr, "rsa-chat: the interactive client needs a terminal; for scripts see the commands in --help\n");
		status = CLIENT_EXIT_USAGE;
		goto out;
	}
	if (load_key(&u) != RC_OK) {
		status = CLIENT_EXIT_OTHER;
		goto out;
	}
	memset(&cfg, 0, sizeof(cfg));
	cfg.connect.host = o->host;
	cfg.connect.port = o->port;
	cfg.connect.server_name = o->server_name;
	cfg.connect.known_servers = o->known_servers;
	cfg.connect.accept_new_server_key = o->accept_new_server_key;
	cfg.connect.timeout_ms = OPTIONS_REQUEST_TIMEOUT_MS;
	cfg.key = &u.key;
	cfg.auto_login = o->login;
	cfg.poll_ms = o->poll_interval_ms;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = ui_on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	if (net_worker_start(&u.net, &cfg) != RC_OK) {
		fprintf(stderr, "rsa-chat: cannot start the network thread\n");
		status = CLIENT_EXIT_OTHER;
		goto out;
	}
	atexit(ui_restore_terminal);
	if (start_curses(&u) == RC_OK)
		main_loop(&u);
	else
		status = CLIENT_EXIT_OTHER;
	ui_restore_terminal();
	if (u.mode == UI_MODE_REFUSED) {
		fprintf(stderr, "rsa-chat: SERVER KEY CHANGED for %s: pinned %s, presented %s; refused.\n", o->server_name,
		        u.pinned_fp, u.server_fp);
		status = CLIENT_EXIT_KEY_CHANGED;
	}
	if (chat_model_outbox_pending(&u.model) > 0)
		fprintf(stderr, "rsa-chat: %zu message(s) were still queued and have not been sent.\n",
		        chat_model_outbox_pending(&u.model));
	if (!net_worker_stop(&u.net, UI_STOP_WAIT_MS))
		return status; /* the thread still holds the key; the process ends now */
out:
	line_editor_free(&u.ed);
	chat_model_free(&u.model);
	rsa_private_clear(&u.key);
	return status;
}
