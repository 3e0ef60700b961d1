/* Drawing the TUI: reads struct ui and writes the screen. The only fields it
 * changes are what drawing alone can know or do: the scroll position it
 * clamps (and moves to a search hit, consuming search_jump), the layout it
 * records for the keys (conv_rows, conv_total, conv_total_of), and the bell
 * it rings (ring_bell). */
#include "config.h"

#define _XOPEN_SOURCE_EXTENDED 1
#include <ncurses.h>
#include <stdlib.h>
#include <string.h>
#include <wchar.h>
#include <wctype.h>

#include "array.h"
#include "decrypt_cache.h"
#include "ui_internal.h"
#include "wtext.h"

#define UI_CONTACTS_WIDTH_MAX 24
#define UI_INPUT_ROWS_MAX 5
#define UI_MIN_COLS 40
#define UI_MIN_ROWS 10
#define UI_NOTE_ROWS_MAX 3
#define UI_HELP_WIDTH_MAX 76
/* Text of a message is indented under its header. */
#define UI_TEXT_INDENT 2

/* Search matches to show in reverse video: occurrences of term (any case)
 * in the whole text a row is part of. */
struct ui_marks {
	const wchar_t *text;  /* the whole message */
	size_t len;
	const wchar_t *term;
	size_t term_len;
};

/* Whether text[at] is inside an occurrence of the term. */
static int ui_marked(const struct ui_marks *m, size_t at)
{
	size_t from = at + 1 > m->term_len ? at + 1 - m->term_len : 0;

	for (size_t s = from; s <= at && s + m->term_len <= m->len; s++) {
		size_t k = 0;
		while (k < m->term_len && towlower((wint_t)m->text[s + k]) == towlower((wint_t)m->term[k]))
			k++;
		if (k == m->term_len)
			return 1;
	}
	return 0;
}

/* Draws w[0..n) at (y, x) in at most maxw columns; control characters and
 * bidi controls (which would reorder the row) show as '?'. With marks, w
 * lies inside marks->text and matches show in reverse video. */
static int ui_put_marked(int y, int x, const wchar_t *w, size_t n, int maxw, const struct ui_marks *marks)
{
	int used = 0;

	move(y, x);
	for (size_t i = 0; i < n; i++) {
		wchar_t c = w[i];
		int cw = wtext_char_width(c);
		int mark = marks != NULL && marks->term_len > 0 && ui_marked(marks, (size_t)(w + i - marks->text));
		if (used + cw > maxw)
			break;
		if (wtext_is_control(c) || wtext_is_bidi_control(c))
			c = L'?';
		if (mark)
			attron(A_REVERSE);
		addnwstr(&c, 1);
		if (mark)
			attroff(A_REVERSE);
		used += cw;
	}
	return used;
}

static int ui_put_wide(int y, int x, const wchar_t *w, size_t n, int maxw)
{
	return ui_put_marked(y, x, w, n, maxw, NULL);
}

static int ui_put_utf8(int y, int x, const char *s, int maxw)
{
	wchar_t *w;
	size_t n;
	int used = 0;

	if (maxw <= 0 || wtext_from_utf8(s, strlen(s), &w, &n) != 0)
		return 0;
	used = ui_put_wide(y, x, w, n, maxw);
	free(w);
	return used;
}

static attr_t ui_pair_attr(const struct ui *u, enum ui_pair pair, attr_t mono)
{
	return u->color ? (attr_t)COLOR_PAIR(pair) : mono;
}

/* A login's colour: ours, or one of the palette by a hash of the login
 * (FNV-1a), the same in every run; none without colours. */
static attr_t ui_name_attr(const struct ui *u, const char *login)
{
	uint32_t h = 2166136261u;

	if (!u->color)
		return 0;
	if (u->model.me != NULL && strcmp(login, u->model.me) == 0)
		return (attr_t)COLOR_PAIR(UI_PAIR_MINE);
	for (const unsigned char *p = (const unsigned char *)login; *p != '\0'; p++)
		h = (h ^ *p) * 16777619u;
	return (attr_t)COLOR_PAIR(UI_PAIR_NAME_FIRST + (int)(h % UI_NAME_COLORS));
}

static void ui_fill_row(int y, int x, int width)
{
	mvhline(y, x, ' ', width);
}

static void ui_draw_contacts(struct ui *u, int rows, int width)
{
	attron(A_BOLD);
	mvaddnstr(0, 0, "Contacts", width);
	attroff(A_BOLD);
	/* More contacts than rows: scroll so the selected one stays visible. */
	size_t first = u->selected >= rows - 1 ? (size_t)(u->selected - (rows - 2)) : 0;

	for (size_t i = first; i < u->model.count && (int)(i - first) + 1 < rows; i++) {
		const struct chat_contact *c = &u->model.contacts[i];
		char count[32] = "", *shown;
		const char *mark = NULL;
		int y = (int)(i - first) + 1, used = 0;
		attr_t a = 0, name = ui_name_attr(u, c->login);

		if ((long)i == u->selected)
			a |= u->focus == UI_FOCUS_CONTACTS ? A_REVERSE : A_BOLD;
		if (!c->listed)
			a |= A_DIM;
		attron(a);
		ui_fill_row(y, 0, width);
		mvaddstr(y, 0, (long)i == u->selected ? ">" : " ");
		if (c->unread > 0)
			snprintf(count, sizeof(count), " (%zu)", c->unread);
		/* Marks that need no color (NO_COLOR): ! a changed key, a check mark a verified one. */
		if (c->key_state == CHAT_KEY_CHANGED || c->key_state == CHAT_KEY_VERIFIED)
			mark = c->key_state == CHAT_KEY_CHANGED ? "!" : "\xe2\x9c\x93";
		attron(name);
		if ((shown = ui_login_shown(c->login, c->lookalike)) != NULL)
			used = ui_put_utf8(y, 1, shown, width - 1 - (int)strlen(count) - (mark != NULL ? 2 : 0));
		attroff(name);
		free(shown);
		attroff(a);
		if (mark != NULL) {
			attr_t ma = A_BOLD | (c->key_state == CHAT_KEY_CHANGED ? ui_pair_attr(u, UI_PAIR_ERROR, A_REVERSE) : 0);

			attron(ma);
			used += 1 + ui_put_utf8(y, 2 + used, mark, 1);
			attroff(ma);
		}
		if (count[0] != '\0') {
			attron(ui_pair_attr(u, UI_PAIR_UNREAD, A_BOLD) | A_BOLD);
			mvaddstr(y, 1 + used, count);
			attroff(ui_pair_attr(u, UI_PAIR_UNREAD, A_BOLD) | A_BOLD);
		}
	}
	if (u->model.count == 0)
		mvaddnstr(1, 0, u->mode == UI_MODE_CHAT ? " (nobody yet)" : " ", width);
}

enum conv_row_kind {
	CONV_ROW_TEXT,    /* a piece of the message's text */
	CONV_ROW_HEADER,  /* its time, sender and state */
	CONV_ROW_MARKER,  /* the "new messages" line above it */
};

/* One row of the conversation. */
struct conv_row {
	size_t msg;
	enum conv_row_kind kind;
	size_t start;
	size_t len;
};

struct conv_layout {
	wchar_t **texts;     /* per message: its text (or the placeholder), wide */
	size_t *text_lens;
	struct conv_row *rows;
	size_t count;
	size_t cap;
	size_t nmsgs;
};

static void ui_layout_free(struct conv_layout *l)
{
	for (size_t i = 0; i < l->nmsgs; i++)
		free(l->texts[i]);
	free(l->texts);
	free(l->text_lens);
	free(l->rows);
	memset(l, 0, sizeof(*l));
}

static int ui_layout_push(struct conv_layout *l, size_t msg, enum conv_row_kind kind, size_t start, size_t len)
{
	struct conv_row *v = array_grow(l->rows, &l->cap, l->count, sizeof(*v), 64);

	if (v == NULL)
		return -1;
	l->rows = v;
	l->rows[l->count].msg = msg;
	l->rows[l->count].kind = kind;
	l->rows[l->count].start = start;
	l->rows[l->count].len = len;
	l->count++;
	return 0;
}

/* The rows of c's messages wrapped to width; the marker line above message
 * marker (-1: none). */
static int ui_layout_build(const struct chat_contact *c, int width, long marker, struct conv_layout *l)
{
	struct wtext_segs segs = { NULL, 0, 0 };
	int r = 0;

	memset(l, 0, sizeof(*l));
	l->texts = calloc(c->count + 1, sizeof(*l->texts));
	l->text_lens = calloc(c->count + 1, sizeof(*l->text_lens));
	if (l->texts == NULL || l->text_lens == NULL)
		return -1;
	for (size_t i = 0; i < c->count && r == 0; i++) {
		const char *text = c->msgs[i].text != NULL ? c->msgs[i].text : decrypt_cache_placeholder(c->msgs[i].unreadable);
		if (wtext_from_utf8(text, strlen(text), &l->texts[i], &l->text_lens[i]) != 0) {
			r = -1;
			break;
		}
		l->nmsgs = i + 1;
		if (((long)i == marker && ui_layout_push(l, i, CONV_ROW_MARKER, 0, 0) != 0) ||
		    ui_layout_push(l, i, CONV_ROW_HEADER, 0, 0) != 0 || wtext_wrap(l->texts[i], l->text_lens[i], width - UI_TEXT_INDENT, &segs) != 0) {
			r = -1;
			break;
		}
		for (size_t k = 0; k < segs.count && r == 0; k++)
			r = ui_layout_push(l, i, CONV_ROW_TEXT, segs.v[k].start, segs.v[k].len);
	}
	free(segs.v);
	return r;
}

static void ui_draw_header(struct ui *u, const struct chat_msg *m, int y, int x, int width, int hit)
{
	char when[TIMEFMT_MAX], line[900];
	const char *state = "";
	char *sender = ui_login_shown(m->sender, 0);
	attr_t a;

	if (m->created_at != NULL)
		timefmt_short(m->created_at, u->today, when);
	else
		snprintf(when, sizeof(when), "--:--");
	if (m->mine)
		state = m->state == CHAT_MSG_QUEUED ? "  [queued]" : m->state == CHAT_MSG_FAILED ? "  [not sent: " : "  [sent]";
	snprintf(line, sizeof(line), "%s %s%s%s%s", when, sender ? sender : "?", state,
	         m->state == CHAT_MSG_FAILED && m->error ? m->error : "", m->state == CHAT_MSG_FAILED ? "]" : "");
	free(sender);
	a = A_BOLD | (m->state == CHAT_MSG_FAILED ? ui_pair_attr(u, UI_PAIR_ERROR, A_UNDERLINE)
	              : m->mine                   ? ui_pair_attr(u, UI_PAIR_MINE, 0)
	                                          : ui_name_attr(u, m->sender));
	if (hit)
		a |= A_REVERSE;
	attron(a);
	ui_put_utf8(y, x, line, width);
	attroff(a);
}

/* Draws text wrapped to width from row y on, in attribute a (each row
 * filled when fill), at most max_rows rows; returns the rows drawn. */
static int ui_draw_wrapped(const char *text, int y, int x, int width, int max_rows, attr_t a, int fill)
{
	struct wtext_segs segs = { NULL, 0, 0 };
	wchar_t *w;
	size_t len;
	int n = 0;

	if (max_rows <= 0 || wtext_from_utf8(text, strlen(text), &w, &len) != 0)
		return 0;
	attron(a);
	if (wtext_wrap(w, len, width, &segs) == 0)
		for (; (size_t)n < segs.count && n < max_rows; n++) {
			if (fill)
				ui_fill_row(y + n, x, width);
			ui_put_wide(y + n, x, w + segs.v[n].start, segs.v[n].len, width);
		}
	attroff(a);
	free(segs.v);
	free(w);
	return n;
}

/* Atop a conversation: the banner of a changed key, then the answer to
 * /safety, /verify or /accept-key about it. Returns the rows taken (at
 * most max_rows). */
static int ui_draw_key_notes(struct ui *u, const struct chat_contact *c, int y, int x, int width, int max_rows)
{
	char banner[700], *shown;
	int used = 0;

	if (c->key_state == CHAT_KEY_CHANGED && (shown = ui_login_shown(c->login, 0)) != NULL) {
		snprintf(banner, sizeof(banner),
		         "!!! THE KEY OF %s CHANGED: the server gives another key than the one pinned. Nothing will be "
		         "sent to %s. Ask them (not through this server) whether their key is new: /safety shows the "
		         "safety number to compare, /accept-key accepts the new key.",
		         shown, shown);
		free(shown);
		used = ui_draw_wrapped(banner, y, x, width, max_rows, ui_pair_attr(u, UI_PAIR_REFUSED, A_REVERSE) | A_BOLD, 1);
	}
	if (u->trust_of != NULL && strcmp(u->trust_of, c->login) == 0)
		used += ui_draw_wrapped(u->trust_panel, y + used, x, width, max_rows - used, A_BOLD, 0);
	return used;
}

/* The "new messages" line, across the pane. */
static void ui_draw_marker(struct ui *u, int y, int x, int width)
{
	static const char label[] = " new messages ";
	attr_t a = ui_pair_attr(u, UI_PAIR_UNREAD, A_BOLD) | A_BOLD;

	attron(a);
	mvhline(y, x, ACS_HLINE, width);
	if (width > (int)sizeof(label) + 2)
		mvaddstr(y, x + 2, label);
	attroff(a);
}

static void ui_draw_conversation(struct ui *u, int x, int rows, int width)
{
	const struct chat_contact *c;
	struct conv_layout l;
	size_t top, visible = (size_t)(rows > 1 ? rows - 1 : 1), term_len;
	char title[900], *shown;
	wchar_t *term;
	int notes;
	long marker;

	u->conv_rows = (int)visible;
	if (u->selected < 0 || (size_t)u->selected >= u->model.count) {
		mvaddnstr(0, x, u->mode == UI_MODE_LOGIN ? "Choose a login below to register this key." : "No conversation open.", width);
		return;
	}
	c = &u->model.contacts[u->selected];
	shown = ui_login_shown(c->login, c->lookalike);
	snprintf(title, sizeof(title), "%s%s%s", shown ? shown : "?",
	         c->lookalike ? "  (" WTEXT_LOOKALIKE_MARK " looks like another login)" : "", c->loaded ? "" : "  (loading...)");
	free(shown);
	attron(A_BOLD);
	ui_put_utf8(0, x, title, width);
	attroff(A_BOLD);
	/* What is said about the key keeps at least one row for the messages. */
	notes = ui_draw_key_notes(u, c, 1, x, width, (int)visible - 1);
	visible -= (size_t)notes;
	u->conv_rows = (int)visible;
	if (u->search[0] != '\0') {
		char s[320];
		snprintf(s, sizeof(s), " search: %s (n/N, Esc) ", u->search);
		ui_put_utf8(0, x + width / 2, s, width - width / 2);
	}
	marker = u->marker_of == u->selected ? chat_model_first_unread(c, u->marker_after) : -1;
	if (ui_layout_build(c, width, marker, &l) != 0) {
		ui_layout_free(&l);
		mvaddnstr(1, x, "(out of memory)", width);
		return;
	}
	/* Scrolled up while new rows arrived below: keep the same rows in view.
	 * (Rows of an older page arrive above: nothing to do.) */
	if (u->scroll > 0 && u->conv_total_of == u->selected && l.count > u->conv_total && !u->conv_grew_above)
		u->scroll += l.count - u->conv_total;
	u->conv_grew_above = 0;
	u->conv_total = l.count;
	u->conv_total_of = u->selected;
	/* Clamp the scroll position, then honour a search jump. */
	if (l.count <= visible)
		u->scroll = 0;
	else if (u->scroll > l.count - visible)
		u->scroll = l.count - visible;
	if (u->search_jump && u->search_hit >= 0) {
		for (size_t i = 0; i < l.count; i++) {
			if (l.rows[i].msg != (size_t)u->search_hit)
				continue;
			size_t want_top = i > visible / 3 ? i - visible / 3 : 0;
			if (l.count > visible) {
				if (want_top > l.count - visible)
					want_top = l.count - visible;
				u->scroll = l.count - visible - want_top;
			}
			break;
		}
		u->search_jump = 0;
	}
	top = l.count > visible ? l.count - visible - u->scroll : 0;
	if (u->search[0] == '\0' || wtext_from_utf8(u->search, strlen(u->search), &term, &term_len) != 0) {
		term = NULL; /* no highlight: the header still marks the hit */
		term_len = 0;
	}
	for (size_t i = top; i < l.count && i < top + visible; i++) {
		const struct conv_row *row = &l.rows[i];
		const struct chat_msg *m = &c->msgs[row->msg];
		int y = 1 + notes + (int)(i - top);
		int hit = u->search[0] != '\0' && (long)row->msg == u->search_hit;
		if (row->kind == CONV_ROW_HEADER) {
			ui_draw_header(u, m, y, x, width, hit);
			continue;
		}
		if (row->kind == CONV_ROW_MARKER) {
			ui_draw_marker(u, y, x, width);
			continue;
		}
		/* A flagged message (forged, passed on, a downgrade, a foreign
		 * sender) is a warning, not a quiet gap: it stands out. */
		attr_t a = m->text != NULL                 ? 0
		           : chat_flagged(m->unreadable) ? ui_pair_attr(u, UI_PAIR_ERROR, A_REVERSE) | A_BOLD
		                                          : ui_pair_attr(u, UI_PAIR_ERROR, A_DIM);
		struct ui_marks marks = { l.texts[row->msg], l.text_lens[row->msg], term, hit ? term_len : 0 };
		attron(a);
		ui_put_marked(y, x + UI_TEXT_INDENT, l.texts[row->msg] + row->start, row->len, width - UI_TEXT_INDENT, &marks);
		attroff(a);
	}
	if (u->scroll > 0) {
		char more[80];
		snprintf(more, sizeof(more), " -- %zu more lines below (PgDn) -- ", u->scroll);
		attron(A_REVERSE);
		mvaddnstr(rows - 1, x + (width > (int)strlen(more) ? width - (int)strlen(more) : 0), more, width);
		attroff(A_REVERSE);
	}
	free(term);
	ui_layout_free(&l);
}

/* Draws the input area (separator + rows) and places the cursor. */
static void ui_draw_input(struct ui *u, int y0, int rows, int cols)
{
	struct wtext_segs segs = { NULL, 0, 0 };
	const char *label;
	char sep[400];
	size_t cur_row = 0, first;
	int cur_col = 0;
	const int prompt = 2;

	if (u->mode == UI_MODE_LOGIN)
		label = " Choose a login (Enter registers it) ";
	else if (u->selected >= 0)
		label = " Message (Enter sends, Alt+Enter new line, F1 help) ";
	else
		label = " Type /help for commands ";
	mvhline(y0, 0, ACS_HLINE, cols);
	snprintf(sep, sizeof(sep), "%s", label);
	mvaddnstr(y0, 2, sep, cols - 4);
	if (wtext_wrap(u->ed.buf, u->ed.len, cols - prompt - 1, &segs) != 0) {
		free(segs.v);
		return;
	}
	/* Find the row and column of the cursor. */
	for (size_t r = 0; r < segs.count; r++) {
		size_t s = segs.v[r].start, e = s + segs.v[r].len;
		if (u->ed.cursor >= s && u->ed.cursor <= e) {
			cur_row = r;
			cur_col = (int)wtext_width(u->ed.buf + s, u->ed.cursor - s);
		}
	}
	first = cur_row + 1 > (size_t)rows ? cur_row + 1 - (size_t)rows : 0;
	for (size_t r = first; r < segs.count && r < first + (size_t)rows; r++) {
		int y = y0 + 1 + (int)(r - first);
		mvaddstr(y, 0, r == 0 ? (u->mode == UI_MODE_LOGIN ? "@ " : "> ") : "  ");
		ui_put_wide(y, prompt, u->ed.buf + segs.v[r].start, segs.v[r].len, cols - prompt - 1);
	}
	free(segs.v);
	move(y0 + 1 + (int)(cur_row - first), prompt + cur_col);
}

static const char *ui_state_name(enum net_state s)
{
	switch (s) {
	case NET_STATE_CONNECTING: return "connecting";
	case NET_STATE_ONLINE: return "online";
	case NET_STATE_OFFLINE: return "offline";
	case NET_STATE_REFUSED: return "REFUSED";
	}
	return "?";
}

static void ui_draw_status(struct ui *u, int y, int cols)
{
	char line[1600], queued[40] = "";
	size_t pending = chat_model_outbox_pending(&u->model);
	char *me = u->model.me ? ui_login_shown(u->model.me, 0) : NULL;
	/* Unknown until the server said: "not registered" only when it did
	 * (a wrong port is no reason to think the key unregistered). */
	const char *who = u->model.me ? (me ? me : "?")
	                  : u->mode == UI_MODE_LOGIN          ? "not registered"
	                  : u->net_state == NET_STATE_ONLINE  ? "identifying"
	                                                      : "not connected";

	if (pending > 0)
		snprintf(queued, sizeof(queued), ", %zu queued", pending);
	/* Lasting, unlike the notice that said why (a connection error replaces it). */
	snprintf(line, sizeof(line), " %s | %s (%.23s) | %s%s%s%s", u->o->server_name, who, u->own_fp,
	         ui_state_name(u->net_state), queued, u->outbox == NULL ? ", outbox in memory" : "",
	         u->bell ? "" : ", bell off");
	free(me);
	attron(ui_pair_attr(u, UI_PAIR_STATUS, A_REVERSE));
	ui_fill_row(y, 0, cols);
	ui_put_utf8(y, 0, line, cols);
	attroff(ui_pair_attr(u, UI_PAIR_STATUS, A_REVERSE));
}

/* The notice (or the network's last complaint), wrapped to cols: on rows of
 * its own above the status bar, which would cut it. segs is empty when there
 * is none. */
static void ui_note_wrap(const struct ui *u, int cols, wchar_t **w, struct wtext_segs *segs)
{
	const char *note = u->info[0] ? u->info : u->last_error;
	size_t len;

	*w = NULL;
	segs->v = NULL;
	segs->count = 0;
	segs->cap = 0;
	if (note[0] == '\0' || wtext_from_utf8(note, strlen(note), w, &len) != 0)
		return;
	if (wtext_wrap(*w, len, cols - 1, segs) != 0)
		segs->count = 0;
	if (segs->count > UI_NOTE_ROWS_MAX)
		segs->count = UI_NOTE_ROWS_MAX;
}

static void ui_draw_note(const wchar_t *w, const struct wtext_segs *segs, int y0, int cols)
{
	attron(A_BOLD);
	for (size_t r = 0; r < segs->count; r++)
		ui_put_wide(y0 + (int)r, 0, w + segs->v[r].start, segs->v[r].len, cols - 1);
	attroff(A_BOLD);
}

/* Below the minimum: what is needed and what there is, wrapped to the width. */
static void ui_draw_too_small(int rows, int cols)
{
	char msg[200];
	int y = 0;
	size_t at = 0, len;

	snprintf(msg, sizeof(msg), "Terminal too small for rsa-chat: need %dx%d, have %dx%d.", UI_MIN_COLS,
	         UI_MIN_ROWS, cols, rows);
	len = strlen(msg);
	while (at < len && y < rows && cols > 0) {
		size_t n = len - at, cut;
		if (n > (size_t)cols) {
			/* Break at the last space that fits, else mid-word. */
			for (cut = (size_t)cols; cut > 0 && msg[at + cut] != ' '; cut--)
				;
			n = cut > 0 ? cut : (size_t)cols;
		}
		mvaddnstr(y++, 0, msg + at, (int)n);
		at += n;
		while (msg[at] == ' ')
			at++;
	}
}

static const char *const ui_help_lines[] = {
	"rsa-chat keys",
	"",
	"Enter            send the message (or run a /command)",
	"Alt+Enter        new line in the message; pastes stay one message",
	"Tab              complete a contact or /command; again: the next match",
	"Ctrl-N, Ctrl-P   next/previous contact (Tab, Shift-Tab on an empty line)",
	"Alt+Left/Right, Alt+Up/Down  previous/next contact; F2: the contact list",
	"Alt+1..9, Alt+0  the n-th contact    Alt+A  the next with unread messages",
	"Up/Down          recall sent lines   PgUp/PgDn, wheel  scroll",
	"Left/Right, Home/End, Ctrl-A/E, Ctrl+Left/Right, Alt+B/F (words), Ctrl-W, Ctrl-K, Ctrl-U",
	"Ctrl-R           search (the typed text; again: next match), n/N, Esc",
	"Ctrl-L           redraw              Ctrl-C, /quit  quit",
	"",
	"/help /quit /refresh /users /open NAME /key /register NAME",
	"/search WORD /bell on|off   (//text sends a text starting with /)",
	"/safety (the safety number to compare)  /verify (it matched)",
	"/accept-key (their key changed, and they told you so)",
	"Contacts: \xe2\x9c\x93 verified key, ! key changed (nothing is sent)",
	"",
	"Up/Down, PgUp/PgDn scroll this help; any other key closes it.",
};

/* Wraps the help to width columns and, when view > 0, draws its rows first..
 * first + view - 1 from (y, x) on. Returns how many rows it takes. */
static size_t ui_help_wrap(int width, size_t first, int view, int y, int x)
{
	struct wtext_segs segs = { NULL, 0, 0 };
	size_t total = 0;

	for (size_t i = 0; i < sizeof(ui_help_lines) / sizeof(ui_help_lines[0]); i++) {
		wchar_t *w;
		size_t len;
		if (wtext_from_utf8(ui_help_lines[i], strlen(ui_help_lines[i]), &w, &len) != 0)
			continue;
		if (wtext_wrap(w, len, width, &segs) == 0) {
			for (size_t k = 0; k < segs.count; k++, total++)
				if (total >= first && total < first + (size_t)view)
					ui_put_wide(y + (int)(total - first), x, w + segs.v[k].start, segs.v[k].len, width);
		}
		free(w);
	}
	free(segs.v);
	return total;
}

/* The help in a box, wrapped to its width; scrolled by help_top when it
 * does not fit (ui_input.c moves it). */
static void ui_draw_help(struct ui *u, int rows, int cols)
{
	int w = UI_HELP_WIDTH_MAX < cols - 2 ? UI_HELP_WIDTH_MAX : cols - 2;
	size_t total = ui_help_wrap(w - 4, 0, 0, 0, 0);
	int h = (int)total + 2 < rows ? (int)total + 2 : rows;
	int view = h - 2, y0 = (rows - h) / 2, x0 = (cols - w) / 2;

	if (u->help_top + (size_t)view > total)
		u->help_top = total > (size_t)view ? total - (size_t)view : 0;
	u->help_rows = view;
	for (int y = 0; y < h; y++)
		ui_fill_row(y0 + y, x0, w);
	attron(A_BOLD);
	mvhline(y0, x0 + 1, ACS_HLINE, w - 2);
	mvhline(y0 + h - 1, x0 + 1, ACS_HLINE, w - 2);
	mvvline(y0 + 1, x0, ACS_VLINE, h - 2);
	mvvline(y0 + 1, x0 + w - 1, ACS_VLINE, h - 2);
	mvaddch(y0, x0, ACS_ULCORNER);
	mvaddch(y0, x0 + w - 1, ACS_URCORNER);
	mvaddch(y0 + h - 1, x0, ACS_LLCORNER);
	mvaddch(y0 + h - 1, x0 + w - 1, ACS_LRCORNER);
	if (total > (size_t)view) {
		char where[80];
		snprintf(where, sizeof(where), " %zu-%zu of %zu, PgUp/PgDn ", u->help_top + 1, u->help_top + (size_t)view,
		         total);
		mvaddnstr(y0 + h - 1, x0 + 2, where, w - 4);
	}
	attroff(A_BOLD);
	ui_help_wrap(w - 4, u->help_top, view, y0 + 1, x0 + 2);
}

static void ui_draw_refused(struct ui *u, int rows, int cols)
{
	const char *lines[12];
	char l1[700], l2[200], l3[200];
	int n = 0;

	snprintf(l1, sizeof(l1), "The server %s presented a DIFFERENT KEY than the one pinned.", u->o->server_name);
	snprintf(l2, sizeof(l2), "pinned:    %s", u->pinned_fp);
	snprintf(l3, sizeof(l3), "presented: %s", u->server_fp);
	lines[n++] = "!!! SERVER KEY CHANGED !!!";
	lines[n++] = "";
	lines[n++] = l1;
	lines[n++] = l2;
	lines[n++] = l3;
	lines[n++] = "";
	lines[n++] = "Someone may be impersonating the server. Nothing has been sent.";
	lines[n++] = "If the change is expected, restart with --accept-new-server-key.";
	lines[n++] = "";
	lines[n++] = "Press any key to quit.";
	attron(ui_pair_attr(u, UI_PAIR_REFUSED, A_REVERSE) | A_BOLD);
	for (int y = 0; y < rows; y++)
		ui_fill_row(y, 0, cols);
	for (int i = 0; i < n; i++)
		mvaddnstr((rows - n) / 2 + i, 2, lines[i], cols - 4);
	attroff(ui_pair_attr(u, UI_PAIR_REFUSED, A_REVERSE) | A_BOLD);
}

void ui_draw(struct ui *u)
{
	int rows = LINES, cols = COLS, input_rows, contacts_w, body_rows;
	struct wtext_segs segs = { NULL, 0, 0 }, note_segs;
	wchar_t *note;

	if (u->ring_bell) {
		beep();
		u->ring_bell = 0;
	}
	erase();
	timefmt_today(u->today);
	if (u->mode == UI_MODE_REFUSED) {
		ui_draw_refused(u, rows, cols);
		curs_set(0);
		refresh();
		return;
	}
	if (rows < UI_MIN_ROWS || cols < UI_MIN_COLS) {
		ui_draw_too_small(rows, cols);
		curs_set(0);
		refresh();
		return;
	}
	input_rows = 1;
	if (wtext_wrap(u->ed.buf, u->ed.len, cols - 3, &segs) == 0)
		input_rows = (int)segs.count;
	free(segs.v);
	if (input_rows > UI_INPUT_ROWS_MAX)
		input_rows = UI_INPUT_ROWS_MAX;
	ui_note_wrap(u, cols, &note, &note_segs);
	body_rows = rows - input_rows - 2 - (int)note_segs.count;
	contacts_w = cols / 5 < UI_CONTACTS_WIDTH_MAX ? cols / 5 : UI_CONTACTS_WIDTH_MAX;
	ui_draw_contacts(u, body_rows, contacts_w);
	mvvline(0, contacts_w, ACS_VLINE, body_rows);
	ui_draw_conversation(u, contacts_w + 2, body_rows, cols - contacts_w - 2);
	ui_draw_status(u, rows - 1, cols);
	ui_draw_note(note, &note_segs, body_rows + 1 + input_rows, cols);
	free(note);
	free(note_segs.v);
	ui_draw_input(u, body_rows, input_rows, cols);
	if (u->show_help)
		ui_draw_help(u, rows, cols);
	curs_set(u->focus == UI_FOCUS_INPUT && !u->show_help ? 1 : 0);
	refresh();
}
