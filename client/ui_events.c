/* Applying the network thread's events to the TUI's state. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "errors.h"
#include "notify.h"
#include "safety.h"
#include "seen_state.h"
#include "ui_internal.h"

static void ui_apply_users(struct ui *u, const struct net_event *ev)
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
	if (ui_mark_lookalikes(u) != RC_OK)
		ui_info(u, "out of memory");
	if (u->selected < 0 && u->model.count > 0)
		ui_select_contact(u, 0);
}

static void ui_apply_history(struct ui *u, const struct net_event *ev)
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
		in[i].unreadable = ev->msgs[i].unreadable;
	}
	if (chat_model_merge_history(&u->model, ev->contact, in, ev->n_msgs, &fresh) != RC_OK)
		ui_info(u, "out of memory");
	free(in);
	on_screen = ui_open_contact(u) != NULL && strcmp(ui_open_contact(u)->login, ev->contact) == 0;
	if (on_screen && ev->older)
		u->conv_grew_above = 1;
	/* A first load is history, not news; so is an older page. */
	if (fresh > 0 && was_loaded && !ev->older) {
		if (!on_screen && u->bell)
			u->ring_bell = 1;
		if (u->o->notify_cmd != NULL) {
			char *from = ui_login_shown(ev->contact, 0);
			if (from == NULL || notify_run(u->o->notify_cmd, from) != RC_OK)
				ui_info(u, "cannot run the notify command");
			free(from);
		}
	}
	if (on_screen)
		ui_mark_read(u);
}

/* A contact's key against its pin: the mark in the contact list, and when
 * the user asked (/safety, /verify, /accept-key) the answer atop the
 * conversation, one fact a line. */
static void ui_apply_contact_key(struct ui *u, const struct net_event *ev)
{
	enum chat_key_state state = (enum chat_key_state)ev->trust;
	long at = chat_model_find(&u->model, ev->contact);
	char *shown, text[900], number[SAFETY_NUMBER_MAX + 1];
	const char *name;

	if (at >= 0)
		u->model.contacts[at].key_state = state;
	if (ev->asked == 0)
		return;
	shown = ui_login_shown(ev->contact, 0);
	name = shown != NULL ? shown : "?";
	/* Two rows of six groups, as the command line prints it. */
	if (ev->safety != NULL && strlen(ev->safety) > SAFETY_NUMBER_ROW_CHARS)
		snprintf(number, sizeof(number), "%.*s\n%s", SAFETY_NUMBER_ROW_CHARS - 1, ev->safety, ev->safety + SAFETY_NUMBER_ROW_CHARS);
	else
		snprintf(number, sizeof(number), "%s", ev->safety != NULL ? ev->safety : "?");
	if (state == CHAT_KEY_CHANGED)
		snprintf(text, sizeof(text),
		         "%sSafety number with the NEW key of %s:\n%s\n%s now: %s\npinned: %s\nyou: %s\n"
		         "Only if %s tells you (not through this server) that the key is new: compare the number "
		         "with them, then /accept-key.",
		         ev->asked == NET_TRUST_VERIFY ? "Not verified: the key changed.\n" : "", name, number, name,
		         ev->text, ev->text2 != NULL ? ev->text2 : "(unreadable)", u->own_fp, name);
	else
		snprintf(text, sizeof(text), "%sSafety number with %s:\n%s\n%s: %s\nyou: %s\n%s",
		         ev->asked == NET_TRUST_ACCEPT ? "New key accepted.\n" : "", name, number, name, ev->text,
		         u->own_fp,
		         state == CHAT_KEY_VERIFIED ? "Verified \xe2\x9c\x93"
		                                    : "Not verified: compare the number with them (in person or a call you "
		                                      "trust), then /verify.");
	free(shown);
	ui_trust_panel(u, ev->contact, text);
}

static void ui_apply_event(struct ui *u, const struct net_event *ev)
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
		if (chat_model_set_me(&u->model, ev->text) != RC_OK || ui_mark_lookalikes(u) != RC_OK) {
			ui_info(u, "out of memory");
		} else if (u->mode == UI_MODE_LOGIN) {
			ui_info_login(u, "registered as ", ev->text);
		}
		if (u->mode == UI_MODE_LOGIN)
			u->mode = UI_MODE_CHAT;
		break;
	case NET_EV_REGISTER_FAILED:
		ui_info(u, "register: %s%s", ev->text ? ev->text : "failed",
		        u->mode == UI_MODE_LOGIN ? " - pick another login" : "");
		break;
	case NET_EV_USERS:
		ui_apply_users(u, ev);
		break;
	case NET_EV_HISTORY:
		ui_apply_history(u, ev);
		break;
	case NET_EV_SEND_DONE:
		chat_model_outbox_done(&u->model, ev->id, ev->text);
		if (ev->text != NULL)
			ui_info(u, "not sent: %s", ev->text);
		break;
	case NET_EV_ERROR:
		snprintf(u->last_error, sizeof(u->last_error), "%s", ev->text ? ev->text : "");
		break;
	case NET_EV_CONTACT_KEY:
		ui_apply_contact_key(u, ev);
		break;
	}
	u->dirty = 1;
}

void ui_take_events(struct ui *u)
{
	struct net_event *all = net_worker_take_events(u->net);

	for (struct net_event *ev = all; ev != NULL; ev = ev->next)
		ui_apply_event(u, ev);
	net_event_free_all(all);
}
