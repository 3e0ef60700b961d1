/* The TUI: start (key, network thread, terminal), main loop, stop. Keys are
 * handled in ui_input.c, network events in ui_events.c, drawing in ui_draw.c.
 *
 * Threads: the network lives in a background thread (net_worker.c) that owns
 * the session and does every blocking request and every RSA decryption. This
 * thread owns curses and the model: it poll()s stdin and the worker's event
 * pipe, applies events and keys to struct ui, and redraws once per wake-up
 * when something changed (ui_draw.c). A slow or dead server therefore only
 * shows up in the status bar; typing, scrolling and resizing stay live, and
 * messages typed meanwhile wait in the worker's queue (state "queued") and
 * in the outbox file (outbox_store.h), which the next start sends when this
 * one quits first. */
#include "config.h"

#define _XOPEN_SOURCE_EXTENDED 1
#include <errno.h>
#include <ncurses.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "clock.h"
#include "errors.h"
#include "keyfile.h"
#include "notify.h"
#include "outbox_store.h"
#include "paths.h"
#include "ui.h"
#include "ui_internal.h"
#include "ui_term.h"

/* Wake up at least this often (the clock in headers, reaping notifications). */
#define UI_TICK_MS 1000
/* ncurses waits this long after ESC for the rest of a key's sequence. */
#define UI_ESC_DELAY_MS 30
/* Give the network thread this long to say goodbye on exit. */
#define UI_STOP_WAIT_MS 1500


/* A second Ctrl-C within this long quits although a draft would be lost. */
#define UI_QUIT_CONFIRM_MS 2000

static volatile sig_atomic_t ui_signalled;
static volatile sig_atomic_t ui_interrupted;
static int ui_curses_active;

static void ui_on_signal(int sig)
{
	(void)sig;
	ui_signalled = 1;
}

static void ui_on_interrupt(int sig)
{
	(void)sig;
	ui_interrupted = 1;
}

/* Ctrl-C: quits at once when nothing would be lost; with a draft or queued
 * messages, asks: pressed again within UI_QUIT_CONFIRM_MS (or y, see
 * ui_read_keys) quits. */
static int ui_interrupt_quits(struct ui *u)
{
	size_t pending = chat_model_outbox_pending(&u->model);
	int64_t now = clock_now_ms();

	ui_interrupted = 0;
	if ((u->ed.len == 0 && pending == 0) ||
	    (u->quit_asked_ms != 0 && now - u->quit_asked_ms <= UI_QUIT_CONFIRM_MS))
		return 1;
	u->quit_asked_ms = now;
	if (pending > 0 && u->outbox != NULL)
		ui_info(u, "Quit? The queued messages stay in the outbox and are sent next time%s. y (or Ctrl-C within %d s) "
		        "quits, any other key stays.", u->ed.len > 0 ? " (the draft is dropped)" : "",
		        UI_QUIT_CONFIRM_MS / 1000);
	else
		ui_info(u, "Quit and drop %s? y (or Ctrl-C within %d s) quits, any other key stays.",
		        pending > 0 ? "the queued messages" : "the draft", UI_QUIT_CONFIRM_MS / 1000);
	u->dirty = 1;
	return 0;
}

/* Gives the terminal back, whatever way the program ends. */
static void ui_restore_terminal(void)
{
	if (!ui_curses_active)
		return;
	ui_curses_active = 0;
	fputs("\033[?1006l\033[?2004l", stdout);
	fflush(stdout);
	endwin();
}

/* ---- start and stop ---- */

/* No key yet: offer to make one before the screen is taken over. */
static int ui_offer_new_key(struct ui *u)
{
	char answer[16], err[300], fp[FINGERPRINT_MAX];
	int r;

	printf("No key at %s.\nCreate a new %u-bit key there now? [y/N] ", u->o->key_path, RSA_DEFAULT_BITS);
	fflush(stdout);
	if (fgets(answer, sizeof(answer), stdin) == NULL || (answer[0] != 'y' && answer[0] != 'Y')) {
		char generate_keys[PATHS_MAX];

		paths_generate_keys(generate_keys, sizeof(generate_keys));
		fprintf(stderr, "rsa-chat: no key; make one with: %s -o %s\n", generate_keys, u->o->key_path);
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

static int ui_load_key(struct ui *u)
{
	char err[300];
	int r = keyfile_load_private(u->o->key_path, &u->key, err, sizeof(err));

	if (r == RC_ERR_NOTFOUND)
		r = ui_offer_new_key(u);
	else if (r != RC_OK)
		fprintf(stderr, "rsa-chat: cannot load the key %s: %s\n", u->o->key_path, err[0] ? err : rc_strerror(r));
	if (r == RC_OK)
		r = fingerprint_public(&u->key.pub, u->own_fp);
	return r;
}

/* Opens the outbox of this server and key (taking its lock) and puts the
 * messages an earlier run left there back into their conversations as
 * queued; *loaded and *ids (caller frees) hand them to the network thread
 * once it runs. Without an outbox (another TUI holds it, or it cannot be
 * read) messages are queued in memory only, and the status bar says why. */
static void ui_open_outbox(struct ui *u, struct outbox_entry **loaded, uint64_t **ids, size_t *n)
{
	char dir[PATHS_MAX], path[PATHS_MAX], note[600];
	int r;

	*loaded = NULL;
	*ids = NULL;
	*n = 0;
	if ((r = paths_data_dir(dir, sizeof(dir), 1)) != RC_OK ||
	    (r = outbox_store_path(path, sizeof(path), dir, u->o->server_name, u->own_fp)) != RC_OK) {
		ui_info(u, "outbox: no data folder (%s): queued messages are kept in memory only", rc_strerror(r));
		return;
	}
	r = outbox_store_open(path, u->o->server_name, &u->key, &u->outbox, loaded, n, note, sizeof(note));
	if (r != RC_OK)
		ui_info(u, "outbox: %s: queued messages are kept in memory only", note[0] ? note : rc_strerror(r));
	else if (note[0] != '\0')
		ui_info(u, "%s", note);
	if (*n > 0 && (*ids = calloc(*n, sizeof(**ids))) == NULL)
		r = RC_ERR_NOMEM;
	for (size_t i = 0; i < *n && r == RC_OK; i++)
		r = chat_model_outbox_add(&u->model, (*loaded)[i].contact, (*loaded)[i].text, &(*ids)[i]);
	if (r != RC_OK && *n > 0) {
		/* Without all of them in the model none is sent: the file keeps them. */
		ui_info(u, "outbox: out of memory; its messages wait for the next start");
		outbox_entries_free(*loaded, *n);
		free(*ids);
		*loaded = NULL;
		*ids = NULL;
		*n = 0;
		outbox_store_close(u->outbox);
		u->outbox = NULL;
		chat_model_free(&u->model);
		chat_model_init(&u->model);
	} else if (*n > 0 && note[0] == '\0') {
		ui_info(u, "%zu message%s queued last time: sending %s", *n, *n == 1 ? "" : "s", *n == 1 ? "it" : "them");
	}
}

static int ui_start_curses(struct ui *u)
{
	static const short name_colors[UI_NAME_COLORS] = { COLOR_CYAN, COLOR_MAGENTA, COLOR_BLUE, COLOR_YELLOW };
	const char *no_color = getenv("NO_COLOR");

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
	set_escdelay(UI_ESC_DELAY_MS);
	mousemask(BUTTON4_PRESSED | BUTTON5_PRESSED, NULL);
	/* no-color.org: set and not empty. */
	u->color = has_colors() && (no_color == NULL || no_color[0] == '\0');
	if (u->color) {
		start_color();
		use_default_colors();
		init_pair(UI_PAIR_MINE, COLOR_GREEN, -1);
		init_pair(UI_PAIR_ERROR, COLOR_RED, -1);
		init_pair(UI_PAIR_STATUS, COLOR_BLACK, COLOR_CYAN);
		init_pair(UI_PAIR_UNREAD, COLOR_YELLOW, -1);
		init_pair(UI_PAIR_REFUSED, COLOR_WHITE, COLOR_RED);
		for (short i = 0; i < UI_NAME_COLORS; i++)
			init_pair((short)(UI_PAIR_NAME_FIRST + i), name_colors[i], -1);
	}
	/* Bracketed paste: a pasted block arrives between markers, as one message.
	 * SGR mouse reports (1006): terminals that send them for the wheel
	 * (ui_input.c reads them); others ignore the request. */
	fputs("\033[?2004h\033[?1006h", stdout);
	fflush(stdout);
	return RC_OK;
}

static void ui_main_loop(struct ui *u)
{
	struct pollfd fds[2];

	fds[0].fd = STDIN_FILENO;
	fds[0].events = POLLIN;
	fds[1].fd = net_worker_event_fd(u->net);
	fds[1].events = POLLIN;
	u->dirty = 1;
	while (!u->quit && !ui_signalled) {
		if (ui_interrupted && ui_interrupt_quits(u))
			break;
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
			ui_take_events(u);
		/* Also after EINTR: SIGWINCH comes back from get_wch as KEY_RESIZE. */
		ui_read_keys(u);
		if (fds[0].revents & (POLLHUP | POLLERR))
			break;
	}
}

int ui_run(const struct client_options *o)
{
	struct net_worker_config cfg;
	struct sigaction sa;
	static struct ui u;
	struct outbox_entry *saved = NULL;
	uint64_t *saved_ids = NULL;
	size_t n_saved = 0;
	int status = CLIENT_EXIT_OK;

	memset(&u, 0, sizeof(u));
	u.o = o;
	u.selected = -1;
	u.search_hit = -1;
	u.marker_of = -1;
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
	if (ui_load_key(&u) != RC_OK) {
		status = CLIENT_EXIT_OTHER;
		goto out;
	}
	ui_open_outbox(&u, &saved, &saved_ids, &n_saved);
	memset(&cfg, 0, sizeof(cfg));
	cfg.connect.host = o->host;
	cfg.connect.port = o->port;
	cfg.connect.server_name = o->server_name;
	cfg.connect.known_servers = o->known_servers;
	cfg.connect.accept_new_server_key = o->accept_new_server_key;
	cfg.connect.timeout_ms = OPTIONS_REQUEST_TIMEOUT_MS;
	cfg.key = &u.key;
	cfg.auto_login = o->login;
	cfg.contacts_path = o->contacts_path;
	cfg.poll_ms = o->poll_interval_ms;
	cfg.outbox = u.outbox;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = ui_on_interrupt;
	sigaction(SIGINT, &sa, NULL);
	sa.sa_handler = ui_on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	if (net_worker_start(&u.net, &cfg) != RC_OK) {
		fprintf(stderr, "rsa-chat: cannot start the network thread\n");
		status = CLIENT_EXIT_OTHER;
		goto out;
	}
	/* In their old order, before anything typed now. */
	for (size_t i = 0; i < n_saved; i++)
		if (net_worker_send_saved(u.net, saved_ids[i], &saved[i]) != RC_OK)
			chat_model_outbox_done(&u.model, saved_ids[i], "out of memory (it stays in the outbox for next time)");
	outbox_entries_free(saved, n_saved);
	free(saved_ids);
	saved = NULL;
	saved_ids = NULL;
	n_saved = 0;
	atexit(ui_restore_terminal);
	if (ui_start_curses(&u) == RC_OK)
		ui_main_loop(&u);
	else
		status = CLIENT_EXIT_OTHER;
	ui_restore_terminal();
	if (u.mode == UI_MODE_REFUSED) {
		fprintf(stderr, "rsa-chat: SERVER KEY CHANGED for %s: pinned %s, presented %s; refused.\n", o->server_name,
		        u.pinned_fp, u.server_fp);
		status = CLIENT_EXIT_KEY_CHANGED;
	}
	if (chat_model_outbox_pending(&u.model) > 0 && u.outbox != NULL)
		fprintf(stderr, "rsa-chat: %zu message(s) still queued: kept in the outbox, sent when rsa-chat starts again.\n",
		        chat_model_outbox_pending(&u.model));
	else if (chat_model_outbox_pending(&u.model) > 0)
		fprintf(stderr, "rsa-chat: %zu message(s) were still queued and have not been sent.\n",
		        chat_model_outbox_pending(&u.model));
	if (!net_worker_stop(u.net, UI_STOP_WAIT_MS))
		return status; /* the thread still holds the key and the outbox; the process ends now */
out:
	outbox_entries_free(saved, n_saved);
	free(saved_ids);
	outbox_store_close(u.outbox);
	line_editor_free(&u.ed);
	free(u.trust_of);
	free(u.marker_after);
	chat_model_free(&u.model);
	rsa_private_clear(&u.key);
	return status;
}
