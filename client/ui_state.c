/* Changes of the TUI's state shared by key handling and network events:
 * notices, the open contact, read marks, search. No drawing here. */
#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "errors.h"
#include "seen_state.h"
#include "ui_internal.h"
#include "wtext.h"

void ui_info(struct ui *u, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(u->info, sizeof(u->info), fmt, ap);
	va_end(ap);
	u->dirty = 1;
}

void ui_info_login(struct ui *u, const char *what, const char *login)
{
	char *shown = ui_login_shown(login, 0);

	ui_info(u, "%s%s", what, shown != NULL ? shown : "?");
	free(shown);
}

char *ui_login_shown(const char *login, int lookalike)
{
	char *shown = NULL, *marked = NULL;

	if (login == NULL || wtext_login_display(login, &shown) != RC_OK)
		return strdup("?");
	if (!lookalike)
		return shown;
	if (asprintf(&marked, "%s%s", WTEXT_LOOKALIKE_MARK, shown) < 0)
		marked = NULL;
	free(shown);
	return marked;
}

int ui_mark_lookalikes(struct ui *u)
{
	const char **logins = calloc(u->model.count + 2, sizeof(*logins));
	int *lookalike = calloc(u->model.count + 2, sizeof(*lookalike));
	size_t n = 0;
	int r = RC_ERR_NOMEM;

	if (logins == NULL || lookalike == NULL)
		goto out;
	for (size_t i = 0; i < u->model.count; i++)
		logins[n++] = u->model.contacts[i].login;
	/* Our own login too: a contact passing for us is worth a mark. */
	if (u->model.me != NULL)
		logins[n++] = u->model.me;
	if ((r = wtext_mark_lookalikes(logins, n, lookalike)) != RC_OK)
		goto out;
	for (size_t i = 0; i < u->model.count; i++)
		u->model.contacts[i].lookalike = lookalike[i];
out:
	free(logins);
	free(lookalike);
	return r;
}

struct chat_contact *ui_open_contact(struct ui *u)
{
	if (u->selected < 0 || (size_t)u->selected >= u->model.count)
		return NULL;
	return &u->model.contacts[u->selected];
}

/* The open conversation is on screen at its newest message: it is read. */
void ui_mark_read(struct ui *u)
{
	struct chat_contact *c = ui_open_contact(u);
	const char *newest;

	if (c == NULL || u->scroll > 0 || u->mode != UI_MODE_CHAT)
		return;
	if (chat_model_mark_read(&u->model, c->login, &newest) == RC_OK && newest != NULL &&
	    seen_state_update(u->o->seen_path, u->o->server_name, u->own_fp, c->login, newest) != RC_OK)
		ui_info(u, "cannot record what was read in %s", u->o->seen_path);
}

void ui_trust_panel(struct ui *u, const char *contact, const char *text)
{
	free(u->trust_of);
	u->trust_of = NULL;
	u->trust_panel[0] = '\0';
	if (text != NULL && (u->trust_of = strdup(contact)) != NULL)
		snprintf(u->trust_panel, sizeof(u->trust_panel), "%s", text);
	u->dirty = 1;
}

void ui_select_contact(struct ui *u, long idx)
{
	if (u->model.count == 0)
		return;
	idx = (idx % (long)u->model.count + (long)u->model.count) % (long)u->model.count;
	/* The answer about a key goes with its conversation. */
	if (idx != u->selected)
		ui_trust_panel(u, NULL, NULL);
	u->selected = idx;
	u->scroll = 0;
	u->search[0] = '\0';
	u->search_hit = -1;
	if (net_worker_set_open(u->net, u->model.contacts[idx].login) != RC_OK)
		ui_info(u, "out of memory");
	ui_mark_read(u);
	u->dirty = 1;
}

/* Where the hit is: its place among the messages and among the matches. */
static void ui_search_say(struct ui *u, const struct chat_contact *c, long hit)
{
	size_t matches = 0, nth = 0;

	for (size_t j = 0; j < c->count; j++) {
		if (c->msgs[j].text == NULL || strcasestr(c->msgs[j].text, u->search) == NULL)
			continue;
		matches++;
		if ((long)j <= hit)
			nth = matches;
	}
	ui_info(u, "message %ld of %zu (match %zu of %zu)", hit + 1, c->count, nth, matches);
}

/* Moves to the next match older (dir < 0) or newer (dir > 0) than the current one. */
void ui_search_step(struct ui *u, int dir)
{
	struct chat_contact *c = ui_open_contact(u);
	long i;

	if (c == NULL || u->search[0] == '\0')
		return;
	i = u->search_hit >= 0 ? u->search_hit + dir : (dir < 0 ? (long)c->count - 1 : 0);
	for (; i >= 0 && (size_t)i < c->count; i += dir) {
		if (c->msgs[i].text != NULL && strcasestr(c->msgs[i].text, u->search) != NULL) {
			u->search_hit = i;
			u->search_jump = 1;
			ui_search_say(u, c, i);
			return;
		}
	}
	ui_info(u, "no %smatch for \"%s\"", u->search_hit >= 0 ? "further " : "", u->search);
}

void ui_search_start(struct ui *u, const char *term)
{
	snprintf(u->search, sizeof(u->search), "%.*s", (int)sizeof(u->search) - 1, term);
	u->search_hit = -1;
	ui_search_step(u, -1);
}

void ui_search_end(struct ui *u)
{
	u->search[0] = '\0';
	u->search_hit = -1;
	u->dirty = 1;
}
