/* The TUI: start (key, network thread, terminal), main loop, stop. Keys are
 * handled in ui_input.c, network events in ui_events.c, drawing in ui_draw.c.
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

static int ui_start_curses(struct ui *u)
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
	set_escdelay(UI_ESC_DELAY_MS);
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
	if (ui_load_key(&u) != RC_OK) {
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
	cfg.contacts_path = o->contacts_path;
	cfg.poll_ms = o->poll_interval_ms;
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
	if (chat_model_outbox_pending(&u.model) > 0)
		fprintf(stderr, "rsa-chat: %zu message(s) were still queued and have not been sent.\n",
		        chat_model_outbox_pending(&u.model));
	if (!net_worker_stop(u.net, UI_STOP_WAIT_MS))
		return status; /* the thread still holds the key; the process ends now */
out:
	line_editor_free(&u.ed);
	free(u.trust_of);
	chat_model_free(&u.model);
	rsa_private_clear(&u.key);
	return status;
}
