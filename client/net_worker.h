/* The TUI's network side: one background thread owns the session. It
 * connects (with backoff 1, 2, 4 .. 30 s), checks the server key, learns
 * who we are, follows the conversations and sends the outbox in order
 * (keeping its file, outbox_store.h, up to date when there is one).
 * With the sync extension it loads each conversation's newest page (older
 * pages on request) and then parks wait_messages for all of them, polling
 * the socket and its wake pipe together: a job that comes meanwhile (a line
 * typed) goes out at once, and the server answers the parked wait first.
 * Without it, it polls get_messages, less often while nothing changes. The
 * UI thread talks to it through a job queue plus that wake pipe and
 * receives events through a queue plus a pipe it can poll, so a slow
 * network never freezes the screen. The thread also owns the pinned contact
 * keys (contacts.h): it compares every user list with them, pins a contact
 * when its conversation is opened or written to, and encrypts nothing for a
 * key that is not the pinned one. No curses here. */
#ifndef RC_CLIENT_NET_WORKER_H
#define RC_CLIENT_NET_WORKER_H

#include <stddef.h>
#include <stdint.h>

#include "chat_model.h"
#include "connect.h"
#include "outbox_store.h"
#include "rsa.h"

/* The connection as the status bar shows it. */
enum net_state {
	NET_STATE_CONNECTING,  /* connecting and shaking hands */
	NET_STATE_ONLINE,      /* connected; requests flow */
	NET_STATE_OFFLINE,     /* the last attempt failed; retrying after a pause */
	NET_STATE_REFUSED,     /* the server key changed: stopped for good */
};

enum net_event_kind {
	NET_EV_STATE,           /* state changed; text: the last error, if any (ONLINE without one: requests work again) */
	NET_EV_SERVER_KEY,      /* text: the server's fingerprint; text2: the pinned one when it changed */
	NET_EV_NEED_LOGIN,      /* our key is not registered: ask for a login */
	NET_EV_IDENTITY,        /* text: our login; already: a registration found the key registered (text2: the login asked for) */
	NET_EV_REGISTER_FAILED, /* text: the server's reason (e.g. "login exists") */
	NET_EV_USERS,           /* logins: the other users */
	NET_EV_HISTORY,         /* messages of contact's conversation, decrypted: all of it (v1), a page or what a wait brought */
	NET_EV_SEND_DONE,       /* outbox message id accepted (text NULL) or refused (text says why) */
	NET_EV_ERROR,           /* text: a problem worth the status bar (bad answer...) */
	NET_EV_CONTACT_KEY,     /* contact's key against its pin: trust (enum chat_key_state), text: the
	                         * server's fingerprint for it, text2: the pinned one (NULL: none readable),
	                         * safety: the safety number with the server's key, asked: what the user
	                         * asked (enum net_trust_action) or 0 */
};

/* What the user asks about a contact's key (net_worker_trust). */
enum net_trust_action {
	NET_TRUST_SHOW = 1, /* the fingerprints and the safety number (pins a key seen first) */
	NET_TRUST_VERIFY,   /* mark verified, unless the key is not the pinned one */
	NET_TRUST_ACCEPT,   /* pin the key the server now gives instead of the old one */
};

struct net_msg {
	char *sender;
	char *created_at;
	unsigned char digest[CHAT_DIGEST_BYTES];
	char *text; /* NULL: could not be decrypted */
	enum chat_unreadable unreadable; /* why text is NULL */
};

struct net_event {
	struct net_event *next;
	enum net_event_kind kind;
	enum net_state state;
	int trust;              /* NET_EV_SERVER_KEY: enum known_server_status */
	char *text;
	char *text2;
	char *contact;
	char **logins;
	size_t n_logins;
	struct net_msg *msgs;
	size_t n_msgs;
	uint64_t id;
	int older;              /* NET_EV_HISTORY: a page older than what was loaded */
	char *safety;           /* NET_EV_CONTACT_KEY */
	int asked;              /* NET_EV_CONTACT_KEY */
	int already;            /* NET_EV_IDENTITY: see there */
};

struct net_worker_config {
	struct connect_params connect;
	const struct rsa_private *key; /* borrowed; must outlive the worker */
	const char *auto_login;        /* register under this login if needed (may be NULL) */
	const char *contacts_path;     /* pinned contact keys (contacts.h): only the worker's thread uses them */
	int poll_ms;
	/* Borrowed, must outlive the worker; NULL: messages are kept in memory
	 * only. With it every message is written there when queued, its
	 * progress (sealed copies, acknowledged copies) as it goes, and it is
	 * dropped once the server accepted or refused it. */
	struct outbox_store *outbox;
};

/* The worker (opaque): its thread, the job and event queues between it and
 * the UI, and the lock that guards them. */
struct net_worker;

/* Makes a worker (*out) and starts its thread. */
int net_worker_start(struct net_worker **out, const struct net_worker_config *cfg);
/* Asks the thread to stop, interrupts its socket and waits up to wait_ms for
 * it, then frees the worker. Returns 0 when the thread is still running
 * (stuck connecting): then the worker stays allocated and the key must too,
 * until the process ends. */
int net_worker_stop(struct net_worker *w, int wait_ms);
/* The descriptor to poll for events (readable when some wait). */
int net_worker_event_fd(const struct net_worker *w);
/* Takes every waiting event (oldest first); free them with net_event_free_all. */
struct net_event *net_worker_take_events(struct net_worker *w);
void net_event_free_all(struct net_event *ev);

int net_worker_register(struct net_worker *w, const char *login);
/* Queues text for contact as the UI's message id, under a fresh msg_id,
 * written to the outbox first (when there is one): an error there (e.g.
 * RC_ERR_TOO_LARGE, the outbox is full) queues nothing. */
int net_worker_send(struct net_worker *w, uint64_t id, const char *contact, const char *text);
/* Queues a message of the outbox left by an earlier run, as the UI's
 * message id: sent with its own msg_id and sealed copies, after the copies
 * already acknowledged. */
int net_worker_send_saved(struct net_worker *w, uint64_t id, const struct outbox_entry *e);
int net_worker_refresh(struct net_worker *w);
/* Acts on contact's key; the answer comes as NET_EV_CONTACT_KEY with asked set. */
int net_worker_trust(struct net_worker *w, const char *contact, enum net_trust_action action);
/* The page before the oldest loaded message of contact (sync extension;
 * nothing without it, where the whole conversation is loaded). */
int net_worker_load_older(struct net_worker *w, const char *contact);
/* The user pressed a key: polls without the extension go back to the
 * shortest interval. */
void net_worker_activity(struct net_worker *w);
/* The conversation on screen (NULL: none); polled first, at once. */
int net_worker_set_open(struct net_worker *w, const char *contact);

#endif
