/* State shared by the TUI's input handling (ui.c) and drawing (ui_draw.c).
 * Network events and keys only change this state and set `dirty`; ui_draw
 * is the one place that paints it. */
#ifndef RC_CLIENT_UI_INTERNAL_H
#define RC_CLIENT_UI_INTERNAL_H

#include <stddef.h>

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
	struct net_worker net;
	long selected;            /* the open contact's index, -1: none */
	enum ui_focus focus;
	enum ui_mode mode;
	enum net_state net_state;
	char last_error[600];     /* the network side's last complaint */
	char info[600];           /* the latest notice for the user */
	int bell;
	size_t scroll;            /* conversation lines hidden below the view */
	char search[256];         /* the term being searched, "" for none */
	long search_hit;          /* index of the message matched, -1: none */
	int search_jump;          /* bring search_hit into view at the next draw */
	int show_help;
	int paste;                /* inside a bracketed paste */
	int color;
	int dirty;
	int quit;
	char today[TIMEFMT_MAX];
	int conv_rows;            /* rows of the conversation pane at the last draw */
	size_t conv_total;        /* rows of the open conversation at the last draw */
	long conv_total_of;       /* ... and whose they were (a contact index) */
};

/* Color pairs (used only when the terminal has colors and NO_COLOR is unset). */
enum ui_pair {
	UI_PAIR_THEIRS = 1,
	UI_PAIR_MINE,
	UI_PAIR_ERROR,
	UI_PAIR_STATUS,
	UI_PAIR_UNREAD,
	UI_PAIR_REFUSED,
};

/* Paints the whole screen from u. */
void ui_draw(struct ui *u);

#endif
