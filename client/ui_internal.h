/* State shared by the TUI's parts: the main loop (ui.c), key handling
 * (ui_input.c), network events (ui_events.c), state helpers (ui_state.c) and
 * drawing (ui_draw.c). Network events and keys only change this state and
 * set `dirty`; ui_draw is the one place that paints it (and rings the bell). */
#ifndef RC_CLIENT_UI_INTERNAL_H
#define RC_CLIENT_UI_INTERNAL_H

#include <stddef.h>
#include <stdint.h>

#include "chat_model.h"
#include "fingerprint.h"
#include "line_editor.h"
#include "net_worker.h"
#include "options.h"
#include "rsa.h"
#include "timefmt.h"

enum ui_focus {
	UI_FOCUS_INPUT,    /* keys edit the input line */
	UI_FOCUS_CONTACTS, /* Up/Down pick a contact, Enter opens it */
};

enum ui_mode {
	UI_MODE_CHAT,      /* normal use */
	UI_MODE_LOGIN,     /* our key is not registered: the input line asks for a login */
	UI_MODE_REFUSED,   /* the server key changed: a blocking warning, any key quits */
};

struct ui {
	const struct client_options *o;
	struct rsa_private key;
	char own_fp[FINGERPRINT_MAX];
	char server_fp[FINGERPRINT_MAX];
	char pinned_fp[FINGERPRINT_MAX];
	struct chat_model model;
	struct line_editor ed;
	struct net_worker *net;         /* NULL until started */
	struct outbox_store *outbox;    /* queued messages on disk; NULL: in memory only */
	long selected;            /* the open contact's index, -1: none */
	enum ui_focus focus;
	enum ui_mode mode;
	enum net_state net_state;
	char last_error[600];     /* the network side's last complaint */
	char info[600];           /* the latest notice for the user */
	int bell;                 /* ring on news from a contact not on screen */
	int ring_bell;            /* such news arrived: ui_draw rings once */
	size_t scroll;            /* conversation lines hidden below the view */
	char search[256];         /* the term being searched, "" for none */
	long search_hit;          /* index of the message matched, -1: none */
	int search_jump;          /* bring search_hit into view at the next draw */
	int show_help;
	size_t help_top;          /* the first row of the help shown */
	int help_rows;            /* rows of help shown at the last draw */
	int paste;                /* inside a bracketed paste */
	int color;
	int dirty;
	int quit;
	int64_t quit_asked_ms;    /* when Ctrl-C asked before dropping a draft, 0: never */
	char today[TIMEFMT_MAX];
	int conv_rows;            /* rows of the conversation pane at the last draw */
	size_t conv_total;        /* rows of the open conversation at the last draw */
	long conv_total_of;       /* ... and whose they were (a contact index) */
	int conv_grew_above;      /* an older page arrived: the rows below the view stay as they are */
	char *trust_of;           /* the contact whose key trust_panel is about (NULL: none) */
	char trust_panel[900];    /* the answer to /safety, /verify or /accept-key, atop its conversation */
	/* The "new messages" line: in contact marker_of's conversation (-1:
	 * none), above its first message newer than marker_after (NULL: the
	 * first of all), frozen when the conversation was opened. */
	long marker_of;
	char *marker_after;
};

/* Color pairs (used only when the terminal has colors and NO_COLOR is unset). */
enum ui_pair {
	UI_PAIR_MINE = 1,
	UI_PAIR_ERROR,
	UI_PAIR_STATUS,
	UI_PAIR_UNREAD,
	UI_PAIR_REFUSED,
	UI_PAIR_NAME_FIRST,   /* UI_NAME_COLORS pairs: other users' names, by a hash of the login */
};

/* Colours of other users' names (ours is UI_PAIR_MINE's). */
#define UI_NAME_COLORS 4

/* Paints the whole screen from u (ui_draw.c). */
void ui_draw(struct ui *u);

/* ui_state.c */
/* Sets the notice in the status bar. */
void ui_info(struct ui *u, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* A login as the TUI shows it (wtext_login_display), after the look-alike
 * mark when lookalike is set; malloc'd (NULL only when out of memory). */
char *ui_login_shown(const char *login, int lookalike);
/* Sets the notice to what followed by the login as shown. */
void ui_info_login(struct ui *u, const char *what, const char *login);
/* Sets each contact's lookalike flag (its login looks like another
 * contact's or ours). */
int ui_mark_lookalikes(struct ui *u);
/* The open contact, or NULL. */
struct chat_contact *ui_open_contact(struct ui *u);
/* The open conversation shows its newest message: records it as read. */
void ui_mark_read(struct ui *u);
/* Where the open conversation's unread messages start, before they are
 * read: there the "new messages" line stays while it is open. */
void ui_place_marker(struct ui *u);
/* Opens contact idx (taken modulo the number of contacts). */
void ui_select_contact(struct ui *u, long idx);
/* Starts a search for term from the newest message. */
void ui_search_start(struct ui *u, const char *term);
/* The next match older (dir < 0) or newer (dir > 0). */
void ui_search_step(struct ui *u, int dir);
void ui_search_end(struct ui *u);

/* Sets the panel about contact's key shown atop its conversation (text NULL: none). */
void ui_trust_panel(struct ui *u, const char *contact, const char *text);

/* ui_events.c: applies every waiting network event. */
void ui_take_events(struct ui *u);

/* ui_input.c: handles every key waiting on the terminal. */
void ui_read_keys(struct ui *u);

#endif
