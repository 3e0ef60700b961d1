#include "config.h"

#include "net_worker.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "api.h"
#include "contacts.h"
#include "decrypt_cache.h"
#include "array.h"
#include "clock.h"
#include "contacts.h"
#include "digest_set.h"
#include "envelope.h"
#include "errors.h"
#include "fingerprint.h"
#include "protocol.h"
#include "safety.h"
#include "secure.h"
#include "wtext.h"

/* Reconnection pauses grow from the first to the last, doubling. */
#define NET_BACKOFF_FIRST_MS 1000
#define NET_BACKOFF_MAX_MS 30000
/* Every this many polls (or waits answered) the user list is fetched again. */
#define NET_USERS_EVERY_POLLS 5
/* Without the sync extension the pause between polls doubles while they
 * bring nothing new, up to this; news or a key pressed bring it back. */
#define NET_IDLE_POLL_MAX_MS 30000
/* Messages in the page a conversation opens with, and in each older page. */
#define NET_PAGE_MESSAGES 50
/* How long a parked wait lasts at the server (the extension's default).
 * Requests do not wait for it: the server answers it [] when one comes. */
#define NET_WAIT_MS 25000
/* A conversation whose first page failed (the database away...) is asked
 * again at the first step after this pause, not in a loop against it. */
#define NET_PAGE_RETRY_MS 5000
/* How long a stopping worker gets for a polite goodbye before its socket is cut. */
#define NET_STOP_GRACE_MS 500

enum net_job_kind {
	NET_JOB_REGISTER, /* text: the wanted login */
	NET_JOB_SEND,     /* contact, text, id */
	NET_JOB_REFRESH,  /* users and every conversation, now */
	NET_JOB_OLDER,    /* contact: the page before its oldest loaded message */
	NET_JOB_TRUST,    /* contact, id: an enum net_trust_action */
};

struct net_job {
	struct net_job *next;
	enum net_job_kind kind;
	char *contact;
	char *text;
	uint64_t id;
	int acked;                /* NET_JOB_SEND: copies the server acknowledged, kept across retries (and runs) */
	/* NET_JOB_SEND: the copies' base id, chosen once (by this run or the
	 * one that saved the outbox), so a retry after a lost answer is
	 * recognised by the server and stored once. */
	char msg_id[API_MSG_ID_BASE_MAX + 1];
	/* NET_JOB_SEND: the copies, sealed at the first attempt and resent as
	 * they are by every retry (to_recipient NULL until then). */
	struct api_sealed sealed;
	uint64_t outbox_order;    /* NET_JOB_SEND: its entry in cfg.outbox (0: none) */
};

struct net_worker {
	struct net_worker_config cfg;
	pthread_t thread;
	pthread_mutex_t lock;     /* guards everything below but the pipes */
	/* Jobs, quit, a new open contact or a key pressed: one byte each, so
	 * the thread can poll it beside the session's socket while a wait is parked. */
	int wake_fds[2];
	struct net_job *jobs;     /* FIFO; the head is removed only once done */
	struct net_job *jobs_tail;
	struct net_event *events; /* FIFO for the UI */
	struct net_event *events_tail;
	int event_fds[2];         /* one byte per batch of events */
	int quit;
	int poll_now;             /* poll before the interval is over */
	int activity;             /* the user pressed a key since the last poll */
	uint64_t wait_after;      /* the newest message id a wait brought (kept across sessions) */
	int session_fd;           /* the socket in use, for net_worker_stop to interrupt */
	char *open_contact;       /* the conversation on screen, polled every time */
	/* Used by the thread alone (never under the lock): the pinned contact
	 * keys (with their v2 flags) and our login. */
	struct contacts contacts;
	int contacts_loaded;
	char *me;
};

/* What run_session ends with besides a network error: quit, or the
 * server could not say who we are (ns->err says why). */
#define NET_QUIT 1
#define NET_UNIDENTIFIED 2

static int net_worker_is_network_error(int r)
{
	return r == RC_ERR_IO || r == RC_ERR_EOF || r == RC_ERR_TIMEOUT;
}

/* ---- events (worker -> UI) ---- */

static void net_worker_event_free(struct net_event *ev)
{
	free(ev->text);
	free(ev->text2);
	free(ev->safety);
	free(ev->contact);
	for (size_t i = 0; i < ev->n_logins; i++)
		free(ev->logins[i]);
	free(ev->logins);
	for (size_t i = 0; i < ev->n_msgs; i++) {
		free(ev->msgs[i].sender);
		free(ev->msgs[i].created_at);
		free(ev->msgs[i].text);
	}
	free(ev->msgs);
	free(ev);
}

void net_event_free_all(struct net_event *ev)
{
	while (ev != NULL) {
		struct net_event *next = ev->next;
		net_worker_event_free(ev);
		ev = next;
	}
}

static struct net_event *net_worker_event_new(enum net_event_kind kind, const char *text)
{
	struct net_event *ev = calloc(1, sizeof(*ev));

	if (ev == NULL)
		return NULL;
	ev->kind = kind;
	if (text != NULL && (ev->text = strdup(text)) == NULL) {
		free(ev);
		return NULL;
	}
	return ev;
}

/* Queues ev for the UI (taking it) and wakes the UI's poll. An event that
 * could not be allocated is dropped: the next poll repeats the news. */
static void net_worker_post(struct net_worker *w, struct net_event *ev)
{
	if (ev == NULL)
		return;
	pthread_mutex_lock(&w->lock);
	if (w->events_tail != NULL)
		w->events_tail->next = ev;
	else
		w->events = ev;
	w->events_tail = ev;
	pthread_mutex_unlock(&w->lock);
	/* A full pipe already says "events wait". */
	(void)!write(w->event_fds[1], "e", 1);
}

static void net_worker_post_text(struct net_worker *w, enum net_event_kind kind, const char *text)
{
	net_worker_post(w, net_worker_event_new(kind, text));
}

static void net_worker_post_state(struct net_worker *w, enum net_state state, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void net_worker_post_state(struct net_worker *w, enum net_state state, const char *fmt, ...)
{
	struct net_event *ev = net_worker_event_new(NET_EV_STATE, NULL);
	char text[600];
	va_list ap;

	if (ev == NULL)
		return;
	ev->state = state;
	if (fmt != NULL) {
		va_start(ap, fmt);
		vsnprintf(text, sizeof(text), fmt, ap);
		va_end(ap);
		ev->text = strdup(text);
	}
	net_worker_post(w, ev);
}

static void net_worker_post_users(struct net_worker *w, const struct api_users *users)
{
	struct net_event *ev = net_worker_event_new(NET_EV_USERS, NULL);

	if (ev == NULL)
		return;
	if ((ev->logins = calloc(users->count + 1, sizeof(*ev->logins))) == NULL) {
		net_worker_event_free(ev);
		return;
	}
	for (size_t i = 0; i < users->count; i++) {
		if ((ev->logins[i] = strdup(users->v[i].login)) == NULL) {
			net_worker_event_free(ev);
			return;
		}
		ev->n_logins++;
	}
	net_worker_post(w, ev);
}

/* ---- jobs (UI -> worker) ---- */

/* Wakes the thread; a full pipe already says "look". */
static void net_worker_wake(struct net_worker *w)
{
	(void)!write(w->wake_fds[1], "w", 1);
}

/* Empties a non-blocking pipe. */
static void net_worker_drain(int fd)
{
	char drain[64];

	while (read(fd, drain, sizeof(drain)) > 0)
		;
}

static void net_worker_job_free(struct net_job *job)
{
	if (job == NULL)
		return;
	free(job->contact);
	free(job->text);
	api_sealed_free(&job->sealed);
	free(job);
}

/* A new job (*out, not queued yet); a send gets a fresh msg_id. */
static int net_worker_new_job(enum net_job_kind kind, const char *contact, const char *text, uint64_t id,
                              struct net_job **out)
{
	struct net_job *job = calloc(1, sizeof(*job));

	*out = NULL;
	if (job == NULL)
		return RC_ERR_NOMEM;
	job->kind = kind;
	job->id = id;
	if (kind == NET_JOB_SEND)
		api_msg_id_new(job->msg_id, sizeof(job->msg_id));
	if ((contact != NULL && (job->contact = strdup(contact)) == NULL) ||
	    (text != NULL && (job->text = strdup(text)) == NULL)) {
		net_worker_job_free(job);
		return RC_ERR_NOMEM;
	}
	*out = job;
	return RC_OK;
}

/* Appends job (taken) to the queue and wakes the thread. */
static void net_worker_queue_job(struct net_worker *w, struct net_job *job)
{
	pthread_mutex_lock(&w->lock);
	if (w->jobs_tail != NULL)
		w->jobs_tail->next = job;
	else
		w->jobs = job;
	w->jobs_tail = job;
	pthread_mutex_unlock(&w->lock);
	net_worker_wake(w);
}

static int net_worker_push_job(struct net_worker *w, enum net_job_kind kind, const char *contact, const char *text, uint64_t id)
{
	struct net_job *job;
	int r = net_worker_new_job(kind, contact, text, id, &job);

	if (r == RC_OK)
		net_worker_queue_job(w, job);
	return r;
}

int net_worker_register(struct net_worker *w, const char *login)
{
	return net_worker_push_job(w, NET_JOB_REGISTER, NULL, login, 0);
}

int net_worker_send(struct net_worker *w, uint64_t id, const char *contact, const char *text)
{
	struct outbox_entry e;
	struct net_job *job;
	int r = net_worker_new_job(NET_JOB_SEND, contact, text, id, &job);

	if (r != RC_OK)
		return r;
	/* On disk before anything is sent, so that no copy goes out unrecorded. */
	if (w->cfg.outbox != NULL) {
		memset(&e, 0, sizeof(e));
		e.contact = job->contact;
		e.text = job->text;
		memcpy(e.msg_id, job->msg_id, sizeof(job->msg_id));
		if ((r = outbox_store_add(w->cfg.outbox, &e)) != RC_OK) {
			net_worker_job_free(job);
			return r;
		}
		job->outbox_order = e.order;
	}
	net_worker_queue_job(w, job);
	return RC_OK;
}

int net_worker_send_saved(struct net_worker *w, uint64_t id, const struct outbox_entry *e)
{
	struct net_job *job;
	int r = net_worker_new_job(NET_JOB_SEND, e->contact, e->text, id, &job);

	if (r != RC_OK)
		return r;
	snprintf(job->msg_id, sizeof(job->msg_id), "%s", e->msg_id);
	job->acked = e->acked;
	job->outbox_order = e->order;
	if ((e->sealed.to_recipient != NULL && (job->sealed.to_recipient = strdup(e->sealed.to_recipient)) == NULL) ||
	    (e->sealed.to_self != NULL && (job->sealed.to_self = strdup(e->sealed.to_self)) == NULL)) {
		net_worker_job_free(job);
		return RC_ERR_NOMEM;
	}
	net_worker_queue_job(w, job);
	return RC_OK;
}

int net_worker_refresh(struct net_worker *w)
{
	return net_worker_push_job(w, NET_JOB_REFRESH, NULL, NULL, 0);
}

int net_worker_load_older(struct net_worker *w, const char *contact)
{
	return net_worker_push_job(w, NET_JOB_OLDER, contact, NULL, 0);
}

int net_worker_trust(struct net_worker *w, const char *contact, enum net_trust_action action)
{
	return net_worker_push_job(w, NET_JOB_TRUST, contact, NULL, (uint64_t)action);
}

void net_worker_activity(struct net_worker *w)
{
	pthread_mutex_lock(&w->lock);
	w->activity = 1;
	pthread_mutex_unlock(&w->lock);
	net_worker_wake(w);
}

int net_worker_set_open(struct net_worker *w, const char *contact)
{
	char *copy = NULL;

	if (contact != NULL && (copy = strdup(contact)) == NULL)
		return RC_ERR_NOMEM;
	pthread_mutex_lock(&w->lock);
	free(w->open_contact);
	w->open_contact = copy;
	w->poll_now = 1;
	pthread_mutex_unlock(&w->lock);
	net_worker_wake(w);
	return RC_OK;
}

/* The first job that can run now: anything once registered; before that only
 * a registration (messages wait for it). Called with the lock held. */
static struct net_job *net_worker_runnable_job(struct net_worker *w, int registered)
{
	for (struct net_job *j = w->jobs; j != NULL; j = j->next)
		if (registered || j->kind == NET_JOB_REGISTER)
			return j;
	return NULL;
}

/* A message waits to be sent. */
static int net_worker_send_waiting(struct net_worker *w)
{
	int waiting = 0;

	pthread_mutex_lock(&w->lock);
	for (struct net_job *j = w->jobs; j != NULL && !waiting; j = j->next)
		waiting = j->kind == NET_JOB_SEND;
	pthread_mutex_unlock(&w->lock);
	return waiting;
}

static void net_worker_remove_job(struct net_worker *w, struct net_job *job)
{
	struct net_job **pp, *prev = NULL;

	pthread_mutex_lock(&w->lock);
	for (pp = &w->jobs; *pp != NULL; prev = *pp, pp = &(*pp)->next) {
		if (*pp != job)
			continue;
		*pp = job->next;
		if (w->jobs_tail == job)
			w->jobs_tail = prev;
		break;
	}
	pthread_mutex_unlock(&w->lock);
	net_worker_job_free(job);
}

/* Something wakes the thread: quit, a runnable job, or with wake_on_poll
 * a poll asked for (or a key pressed). */
static int net_worker_woken(struct net_worker *w, int registered, int wake_on_poll)
{
	int woken;

	pthread_mutex_lock(&w->lock);
	woken = w->quit || net_worker_runnable_job(w, registered) != NULL ||
	        (wake_on_poll && (w->poll_now || w->activity));
	pthread_mutex_unlock(&w->lock);
	return woken;
}

/* Polls the wake pipe and, unless -1, sock until deadline (monotonic ms;
 * 0: none) or net_worker_woken. Returns 1 when sock became readable, 0
 * otherwise. The pipe is drained before each check, so a wake written
 * after one is seen by the next poll. */
static int net_worker_sleep(struct net_worker *w, int sock, int64_t deadline, int registered, int wake_on_poll)
{
	struct pollfd fds[2] = { { .fd = w->wake_fds[0], .events = POLLIN }, { .fd = sock, .events = POLLIN } };

	for (;;) {
		int64_t left = deadline != 0 ? deadline - clock_now_ms() : -1;

		net_worker_drain(w->wake_fds[0]);
		if (net_worker_woken(w, registered, wake_on_poll) || (deadline != 0 && left <= 0))
			return 0;
		if (poll(fds, sock >= 0 ? 2 : 1, left > INT32_MAX ? INT32_MAX : (int)left) > 0 && sock >= 0 &&
		    fds[1].revents != 0)
			return 1;
	}
}

/* Sleeps until deadline (monotonic ms), a runnable job, a poll request (or
 * a key pressed) or quit. */
static void net_worker_wait_until(struct net_worker *w, int64_t deadline, int registered, int wake_on_poll)
{
	(void)net_worker_sleep(w, -1, deadline, registered, wake_on_poll);
}

static int net_worker_quitting(struct net_worker *w)
{
	int q;

	pthread_mutex_lock(&w->lock);
	q = w->quit;
	pthread_mutex_unlock(&w->lock);
	return q;
}

/* ---- the session ---- */

/* With the sync extension: how far back a conversation is loaded. */
struct net_loaded {
	char *login;
	uint64_t oldest_id;  /* the oldest message loaded (0: the conversation is empty) */
	int complete;        /* its first message is loaded */
	int64_t retry_at;    /* its first page failed: asked again from then on (monotonic ms; 0: loaded) */
};

/* What one connected session knows. */
struct net_session {
	struct session s;
	struct api_users users;
	int registered;
	unsigned polls;      /* polls, or with the extension waits answered since the user list */
	size_t next_other;   /* round robin over the contacts not on screen */
	enum api_sync sync;  /* whether the server has the sync extension */
	struct net_loaded *loaded; /* with it: the conversations loaded this session */
	size_t n_loaded;
	size_t cap_loaded;
	struct digest_set seen;    /* without it: digests polled so far, to tell news */
	int news;            /* without it: the last poll brought messages not seen before */
	int parked;          /* with it: a wait_messages is out, not yet answered */
	uint64_t parked_after;     /* its after_id */
	int64_t parked_deadline;   /* when its answer is overdue (monotonic ms; 0: never) */
	char *key_checked;   /* the open contact whose key was checked (and pinned) last */
	int complaint;       /* a failure is on the status bar, until a step whose requests all succeed */
	unsigned failures;   /* requests that failed (not on the network) this session */
	unsigned successes;  /* requests answered well this session */
	char err[512];
};

static void net_session_free(struct net_session *ns)
{
	api_users_free(&ns->users);
	free(ns->key_checked);
	for (size_t i = 0; i < ns->n_loaded; i++)
		free(ns->loaded[i].login);
	free(ns->loaded);
	digest_set_free(&ns->seen);
}

static struct net_loaded *net_session_loaded(struct net_session *ns, const char *login)
{
	for (size_t i = 0; i < ns->n_loaded; i++)
		if (strcmp(ns->loaded[i].login, login) == 0)
			return &ns->loaded[i];
	return NULL;
}

/* A conversation never loaded this session, or whose first page failed long enough ago. */
static int net_session_needs_page(struct net_session *ns, const char *login)
{
	const struct net_loaded *l = net_session_loaded(ns, login);

	return l == NULL || (l->retry_at != 0 && clock_now_ms() >= l->retry_at);
}

/* An api call failed: network errors end the session; anything else is
 * reported and the session goes on (the stream is still in step unless the
 * session dropped it). */
static int net_worker_after_failure(struct net_worker *w, struct net_session *ns, int r, const char *what)
{
	if (net_worker_is_network_error(r) || ns->s.fd < 0)
		return net_worker_is_network_error(r) ? r : RC_ERR_EOF;
	net_worker_post_state(w, NET_STATE_ONLINE, "%s: %s", what, ns->err[0] ? ns->err : rc_strerror(r));
	ns->complaint = 1;
	ns->failures++;
	return RC_OK;
}

/* ---- contact keys ---- */

static enum chat_key_state net_worker_key_state(enum contact_key_verdict verdict, const struct contact *pinned)
{
	if (verdict == CONTACT_KEY_CHANGED)
		return CHAT_KEY_CHANGED;
	if (pinned == NULL)
		return CHAT_KEY_UNPINNED;
	return pinned->verified ? CHAT_KEY_VERIFIED : CHAT_KEY_PINNED;
}

/* Tells the UI how contact's key (the one the server gives) stands against
 * its pin (NULL: none); asked: the enum net_trust_action it answers, or 0. */
static void net_worker_post_key(struct net_worker *w, const char *contact, enum contact_key_verdict verdict,
                                const struct rsa_public *key, const struct contact *pinned, int asked)
{
	struct net_event *ev = net_worker_event_new(NET_EV_CONTACT_KEY, NULL);
	char fp[FINGERPRINT_MAX], number[SAFETY_NUMBER_MAX];

	if (ev == NULL)
		return;
	ev->trust = (int)net_worker_key_state(verdict, pinned);
	ev->asked = asked;
	if ((ev->contact = strdup(contact)) == NULL || fingerprint_public(key, fp) != RC_OK ||
	    (ev->text = strdup(fp)) == NULL || safety_number(&w->cfg.key->pub, key, number) != RC_OK ||
	    (ev->safety = strdup(number)) == NULL ||
	    (pinned != NULL && !pinned->damaged &&
	     (fingerprint_public(&pinned->key, fp) != RC_OK || (ev->text2 = strdup(fp)) == NULL))) {
		net_worker_event_free(ev);
		return;
	}
	net_worker_post(w, ev);
}

/* The store, loaded on first use (and after a failure, on the next). */
static int net_worker_contacts_ready(struct net_worker *w, struct net_session *ns)
{
	int r;

	if (w->contacts_loaded)
		return RC_OK;
	r = contacts_load(&w->contacts, w->cfg.contacts_path, w->cfg.connect.server_name, ns->err, sizeof(ns->err));
	w->contacts_loaded = r == RC_OK;
	return r;
}

/* The store failed: the status bar says so (nothing is encrypted meanwhile). */
static void net_worker_contacts_failed(struct net_worker *w, struct net_session *ns, int r)
{
	char text[600];

	snprintf(text, sizeof(text), "contacts: %s", ns->err[0] ? ns->err : rc_strerror(r));
	net_worker_post_text(w, NET_EV_ERROR, text);
}

/* Compares every pinned contact of a user list with its pin, with one read
 * of the file; a list pins nothing. */
static void net_worker_check_users(struct net_worker *w, struct net_session *ns)
{
	int r;

	if ((r = net_worker_contacts_ready(w, ns)) != RC_OK ||
	    (r = contacts_refresh(&w->contacts, ns->err, sizeof(ns->err))) != RC_OK) {
		net_worker_contacts_failed(w, ns, r);
		return;
	}
	for (size_t i = 0; i < ns->users.count; i++) {
		const struct api_user *u = &ns->users.v[i];
		const struct contact *pinned = contacts_find(&w->contacts, u->login);

		if (pinned != NULL)
			net_worker_post_key(w, u->login, contacts_compare(&w->contacts, u->login, &u->key), &u->key, pinned,
			                    0);
	}
}

/* Checks key, which the server gives for login, against the pin (pinning
 * it on first sight) and tells the UI (asked: as net_worker_post_key). */
static int net_worker_check_key(struct net_worker *w, struct net_session *ns, const char *login,
                                const struct rsa_public *key, int asked, enum contact_key_verdict *verdict)
{
	int r;

	if ((r = net_worker_contacts_ready(w, ns)) != RC_OK ||
	    (r = contacts_check_key(&w->contacts, login, key, verdict, ns->err, sizeof(ns->err))) != RC_OK)
		return r;
	net_worker_post_key(w, login, *verdict, key, contacts_find(&w->contacts, login), asked);
	return RC_OK;
}

/* The conversation on screen is a contact the user deals with: its key is
 * pinned when first seen, once per opening. */
static void net_worker_check_open(struct net_worker *w, struct net_session *ns, const char *open)
{
	const struct api_user *u = open != NULL ? api_users_find(&ns->users, open) : NULL;
	enum contact_key_verdict verdict;
	int r;

	if (u == NULL || (ns->key_checked != NULL && strcmp(ns->key_checked, open) == 0))
		return;
	free(ns->key_checked);
	ns->key_checked = strdup(open);
	if ((r = net_worker_check_key(w, ns, u->login, &u->key, 0, &verdict)) != RC_OK)
		net_worker_contacts_failed(w, ns, r);
}

/* A new user list: kept, shown and checked against the pins. */
static void net_worker_take_users(struct net_worker *w, struct net_session *ns, struct api_users *users)
{
	api_users_free(&ns->users);
	ns->users = *users;
	net_worker_post_users(w, &ns->users);
	net_worker_check_users(w, ns);
}

/* After a step of the session (a job or a poll): when a failure was
 * reported before and this step's requests all succeeded (at least one),
 * its cause is gone (the database is back...) and so goes the report. */
static void net_worker_note_recovery(struct net_worker *w, struct net_session *ns, unsigned failures_before,
                                     unsigned successes_before)
{
	if (ns->complaint && ns->failures == failures_before && ns->successes > successes_before) {
		ns->complaint = 0;
		net_worker_post_state(w, NET_STATE_ONLINE, NULL);
	}
}

static int net_worker_fetch_users(struct net_worker *w, struct net_session *ns)
{
	struct api_users users;
	int r = api_get_users(&ns->s, &users, ns->err, sizeof(ns->err));

	if (r != RC_OK)
		return net_worker_after_failure(w, ns, r, "users");
	ns->successes++;
	net_worker_take_users(w, ns, &users);
	return RC_OK;
}

/* What we hold for reading contact's messages: its pin and v2 flags, or
 * unpinned the listed key (a list pins nothing: a contact is pinned when
 * its conversation is opened or written to). */
static int net_worker_contact(struct net_worker *w, struct net_session *ns, const char *contact,
                              struct envelope_contact *ec)
{
	const struct api_user *listed = api_users_find(&ns->users, contact);
	struct contacts *store = NULL;
	int r;

	if ((r = net_worker_contacts_ready(w, ns)) != RC_OK)
		net_worker_contacts_failed(w, ns, r);
	else if (contacts_find(&w->contacts, contact) != NULL)
		store = &w->contacts;
	return envelope_contact_lookup(store, contact, listed != NULL ? &listed->key : NULL, ec, ns->err,
	                               sizeof(ns->err));
}

/* Opens the messages of msgs whose peer is `peer` (all when NULL), judges
 * them as that listing of contact's conversation and hands them to the UI
 * as its history; older: they come from a page before what the UI holds. */
static int net_worker_post_history(struct net_worker *w, struct net_session *ns, struct decrypt_cache *cache,
                                   const char *contact, const struct api_messages *msgs, const char *peer,
                                   enum envelope_listing listing)
{
	struct net_event *ev = net_worker_event_new(NET_EV_HISTORY, NULL);
	struct envelope_judged *judged = calloc(msgs->count + 1, sizeof(*judged));
	struct envelope_contact ec;
	struct envelope_conv conv;
	int r;

	envelope_contact_init(&ec);
	if (ev == NULL || judged == NULL || (ev->contact = strdup(contact)) == NULL ||
	    (ev->msgs = calloc(msgs->count + 1, sizeof(*ev->msgs))) == NULL) {
		r = RC_ERR_NOMEM;
		goto out;
	}
	ev->older = listing == ENVELOPE_LISTING_OLDER;
	if ((r = net_worker_contact(w, ns, contact, &ec)) != RC_OK ||
	    (r = envelope_conv_init(&conv, w->cfg.key, w->me, contact, ec.has_key ? &ec.key : NULL)) != RC_OK)
		goto out;
	for (size_t i = 0; i < msgs->count; i++) {
		const struct api_message *in = &msgs->v[i];
		struct net_msg *m = &ev->msgs[ev->n_msgs];
		const struct envelope_opened *o;
		int added;
		if (peer != NULL && strcmp(in->peer, peer) != 0)
			continue;
		decrypt_cache_digest(in->content, in->content_len, m->digest);
		if ((r = decrypt_cache_open(cache, &conv, in->sender, in->content, in->content_len, m->digest, &o)) != RC_OK)
			goto out;
		judged[ev->n_msgs] = (struct envelope_judged){ in->sender, o->why, o->v2, o->marker };
		ev->n_msgs++;
		if ((m->sender = strdup(in->sender)) == NULL || (m->created_at = strdup(in->created_at)) == NULL ||
		    (o->text != NULL && (m->text = strdup(o->text)) == NULL)) {
			r = RC_ERR_NOMEM;
			goto out;
		}
		if (ns->sync != API_SYNC_YES && (r = digest_set_add(&ns->seen, m->digest, &added)) != RC_OK)
			goto out;
		ns->news |= ns->sync != API_SYNC_YES && added;
	}
	if (envelope_contact_judge(w->contacts_loaded ? &w->contacts : NULL, contact, &ec, listing, judged, ev->n_msgs,
	                           ns->err, sizeof(ns->err)) != RC_OK)
		net_worker_post_text(w, NET_EV_ERROR, ns->err);
	/* A text goes to the UI only where the judgement lets it be shown. */
	for (size_t i = 0; i < ev->n_msgs; i++) {
		ev->msgs[i].unreadable = judged[i].why;
		if (judged[i].why != CHAT_READABLE && ev->msgs[i].text != NULL) {
			secure_wipe(ev->msgs[i].text, strlen(ev->msgs[i].text));
			free(ev->msgs[i].text);
			ev->msgs[i].text = NULL;
		}
	}
	net_worker_post(w, ev);
	ev = NULL;
out:
	envelope_contact_free(&ec);
	free(judged);
	if (ev != NULL)
		net_worker_event_free(ev);
	return r;
}

/* A failed request about one contact: reported under its login. */
static int net_worker_contact_failure(struct net_worker *w, struct net_session *ns, int r, const char *contact)
{
	char *shown = NULL;

	(void)wtext_login_display(contact, &shown);
	r = net_worker_after_failure(w, ns, r, shown != NULL ? shown : "history");
	free(shown);
	return r;
}

/* Fetches and decrypts one whole conversation (no sync extension) and hands it to the UI. */
static int net_worker_fetch_history(struct net_worker *w, struct net_session *ns, struct decrypt_cache *cache, const char *contact)
{
	struct api_messages msgs;
	int r = api_get_messages(&ns->s, contact, &msgs, ns->err, sizeof(ns->err));

	if (r != RC_OK)
		return net_worker_contact_failure(w, ns, r, contact);
	ns->successes++;
	r = net_worker_post_history(w, ns, cache, contact, &msgs, NULL, ENVELOPE_LISTING_NEWEST);
	api_messages_free(&msgs);
	return r;
}

/* With the sync extension: the newest page of contact (older: the page
 * before its oldest loaded message). */
static int net_worker_fetch_page(struct net_worker *w, struct net_session *ns, struct decrypt_cache *cache,
                                 const char *contact, int older)
{
	struct net_loaded *l = net_session_loaded(ns, contact);
	struct api_page page = { .limit = NET_PAGE_MESSAGES };
	struct api_messages msgs;
	int r;

	if (older && (l == NULL || l->complete || l->oldest_id == 0))
		return RC_OK;
	if (older)
		page.before_id = l->oldest_id;
	if (l == NULL) {
		char *login = strdup(contact);
		struct net_loaded *v = login != NULL ? array_grow(ns->loaded, &ns->cap_loaded, ns->n_loaded, sizeof(*v), 8) : NULL;
		if (v == NULL) {
			free(login);
			return RC_ERR_NOMEM;
		}
		ns->loaded = v;
		l = &ns->loaded[ns->n_loaded++];
		*l = (struct net_loaded){ .login = login };
	}
	if ((r = api_get_messages_page(&ns->s, &ns->sync, contact, &page, &msgs, ns->err, sizeof(ns->err))) != RC_OK) {
		if (!older)
			l->retry_at = clock_now_ms() + NET_PAGE_RETRY_MS;
		return net_worker_contact_failure(w, ns, r, contact);
	}
	ns->successes++;
	if (!older)
		l->retry_at = 0;
	if (msgs.count > 0)
		l->oldest_id = msgs.v[0].id;
	l->complete = msgs.count < NET_PAGE_MESSAGES;
	r = net_worker_post_history(w, ns, cache, contact, &msgs, NULL,
	                            older ? ENVELOPE_LISTING_OLDER : ENVELOPE_LISTING_NEWEST);
	api_messages_free(&msgs);
	return r;
}

static char *net_worker_open_contact_copy(struct net_worker *w)
{
	char *c = NULL;

	pthread_mutex_lock(&w->lock);
	if (w->open_contact != NULL)
		c = strdup(w->open_contact);
	w->poll_now = 0;
	pthread_mutex_unlock(&w->lock);
	return c;
}

/* One poll: the open conversation, one other (or all when `all`), and now
 * and then the user list. */
static int net_worker_poll_once(struct net_worker *w, struct net_session *ns, struct decrypt_cache *cache, int all)
{
	char *open = net_worker_open_contact_copy(w);
	int r = RC_OK;

	if (all || ns->polls % NET_USERS_EVERY_POLLS == 0)
		r = net_worker_fetch_users(w, ns);
	ns->polls++;
	net_worker_check_open(w, ns, open);
	if (r == RC_OK && open != NULL)
		r = net_worker_fetch_history(w, ns, cache, open);
	for (size_t k = 0; r == RC_OK && k < ns->users.count; k++) {
		const char *login;
		/* A message typed meanwhile goes first; the round robin below
		 * brings the other conversations in later polls. */
		if ((!all && k > 0) || net_worker_send_waiting(w))
			break;
		login = ns->users.v[(ns->next_other + k) % ns->users.count].login;
		if (open != NULL && strcmp(login, open) == 0)
			continue;
		r = net_worker_fetch_history(w, ns, cache, login);
	}
	if (ns->users.count > 0)
		ns->next_other = (ns->next_other + 1) % ns->users.count;
	free(open);
	return r;
}

static int net_worker_learn_identity(struct net_worker *w, struct net_session *ns)
{
	char *login = NULL;
	int already = 0;
	/* Our key is registered: asking to register it again answers with its
	 * login ("already registered"), and registers nothing. */
	int r = api_register(&ns->s, "?", &login, &already, ns->err, sizeof(ns->err));

	/* get_users worked, so we are registered even if the login stays unknown. */
	ns->registered = 1;
	if (r != RC_OK)
		return net_worker_after_failure(w, ns, r, "identity");
	net_worker_post_text(w, NET_EV_IDENTITY, login);
	free(w->me);
	w->me = login;
	return RC_OK;
}

static void net_worker_request_poll(struct net_worker *w)
{
	pthread_mutex_lock(&w->lock);
	w->poll_now = 1;
	pthread_mutex_unlock(&w->lock);
}

static int net_worker_do_register(struct net_worker *w, struct net_session *ns, const char *login)
{
	char *known = NULL;
	int already = 0;
	int r = api_register(&ns->s, login, &known, &already, ns->err, sizeof(ns->err));
	struct net_event *ev;

	/* Any refusal ends the UI's "registering"; a network error keeps the
	 * job for the next session. */
	if (r != RC_OK && !net_worker_is_network_error(r) && ns->s.fd >= 0) {
		net_worker_post_text(w, NET_EV_REGISTER_FAILED, ns->err[0] ? ns->err : rc_strerror(r));
		return RC_OK;
	}
	if (r != RC_OK)
		return net_worker_is_network_error(r) ? r : RC_ERR_EOF;
	ns->registered = 1;
	ns->successes++;
	if ((ev = net_worker_event_new(NET_EV_IDENTITY, known)) != NULL) {
		ev->already = already;
		if ((ev->text2 = strdup(login)) == NULL) {
			net_worker_event_free(ev);
			ev = NULL;
		}
	}
	net_worker_post(w, ev);
	free(w->me);
	w->me = known;
	net_worker_request_poll(w);
	return net_worker_fetch_users(w, ns);
}

/* The key the server gives for login: from the user list, or for a contact
 * newer than the list, asked for alone (into *asked). *to is NULL on error. */
static int net_worker_user_key(struct net_session *ns, const char *login, struct api_user *asked,
                               const struct api_user **to)
{
	int r;

	if ((*to = api_users_find(&ns->users, login)) != NULL)
		return RC_OK;
	if ((r = api_get_user(&ns->s, login, asked, ns->err, sizeof(ns->err))) == RC_OK)
		*to = asked;
	return r;
}

/* Nothing is encrypted for a key that is not the one pinned for to, nor
 * while the store cannot tell: RC_OK to go on, else RC_ERR_KEY with ns->err
 * saying why. */
static int net_worker_send_allowed(struct net_worker *w, struct net_session *ns, const struct api_user *to)
{
	enum contact_key_verdict verdict;
	char *shown = NULL;
	int r = net_worker_check_key(w, ns, to->login, &to->key, 0, &verdict);

	/* A store that cannot say (even RC_ERR_IO of its file) is no network error to retry on. */
	if (r != RC_OK)
		return RC_ERR_KEY;
	if (verdict != CONTACT_KEY_CHANGED)
		return RC_OK;
	(void)wtext_login_display(to->login, &shown);
	rc_errf(ns->err, sizeof(ns->err), "the key of %s changed (see /safety)", shown != NULL ? shown : "this contact");
	free(shown);
	return RC_ERR_KEY;
}

/* A problem of the outbox file: the status bar shows it, the send goes on
 * (the message stays queued in memory, as without an outbox). */
static void net_worker_outbox_failed(struct net_worker *w, int r)
{
	struct net_event *ev = net_worker_event_new(NET_EV_ERROR, NULL);
	char text[200];

	if (ev == NULL)
		return;
	snprintf(text, sizeof(text), "outbox: cannot write the file: %s", rc_strerror(r));
	if ((ev->text = strdup(text)) == NULL) {
		net_worker_event_free(ev);
		return;
	}
	net_worker_post(w, ev);
}

/* Records a send's sealed copies and acknowledged count in the outbox. */
static void net_worker_outbox_save(struct net_worker *w, const struct net_job *job)
{
	int r;

	if (w->cfg.outbox != NULL && job->outbox_order != 0 &&
	    (r = outbox_store_update(w->cfg.outbox, job->outbox_order, job->acked, &job->sealed)) != RC_OK)
		net_worker_outbox_failed(w, r);
}

/* Drops a finished send from the outbox. */
static void net_worker_outbox_forget(struct net_worker *w, const struct net_job *job)
{
	int r;

	if (w->cfg.outbox != NULL && job->outbox_order != 0 &&
	    (r = outbox_store_remove(w->cfg.outbox, job->outbox_order)) != RC_OK)
		net_worker_outbox_failed(w, r);
}

static int net_worker_do_send(struct net_worker *w, struct net_session *ns, struct net_job *job)
{
	const struct api_user *to;
	struct api_user asked;
	struct net_event *ev;
	int r, v2;

	api_user_init(&asked);
	r = net_worker_user_key(ns, job->contact, &asked, &to);
	if (to != NULL)
		r = net_worker_send_allowed(w, ns, to);
	/* Sealed once, in the format the contact's client reads. */
	if (to != NULL && r == RC_OK && job->sealed.to_recipient == NULL) {
		r = envelope_seal_for_contact(&w->contacts, w->cfg.key, w->me, to->login, &to->key, 1, job->text,
		                              strlen(job->text), &job->sealed, &v2, ns->err, sizeof(ns->err));
		/* Recorded before a byte goes out: a TUI started again resends
		 * these very bytes, never others under the same msg_id. */
		if (r == RC_OK)
			net_worker_outbox_save(w, job);
	}
	/* A retry after a lost connection resumes after the acknowledged
	 * copies, with the same bytes under the same msg_id. The recipient's
	 * copy is recorded as acknowledged before our own goes out, so that a
	 * TUI ended in between does not send it again next time (an original
	 * server, which ignores msg_id, would store it twice). */
	if (to != NULL && r == RC_OK && job->acked < 1) {
		struct api_sealed recipient_only = { job->sealed.to_recipient, NULL };
		r = api_send_sealed_resume(&ns->s, to->login, &recipient_only, job->msg_id, &job->acked, ns->err,
		                           sizeof(ns->err));
		if (r == RC_OK)
			net_worker_outbox_save(w, job);
	}
	if (to != NULL && r == RC_OK)
		r = api_send_sealed_resume(&ns->s, to->login, &job->sealed, job->msg_id, &job->acked, ns->err,
		                           sizeof(ns->err));
	api_user_free(&asked);
	if (net_worker_is_network_error(r) || ns->s.fd < 0)
		return net_worker_is_network_error(r) ? r : RC_ERR_EOF;
	/* Our server's database is away (a restart, a failover): no refusal.
	 * The message stays queued and the session starts over after the
	 * reconnection pause, as after a lost connection. */
	if (r == RC_ERR_SERVER && strcmp(ns->err, PROTO_ERR_DB_UNAVAILABLE) == 0)
		return RC_ERR_DB;
	ns->successes += r == RC_OK;
	/* Accepted, or refused for good: nothing left to send next time. */
	net_worker_outbox_forget(w, job);
	ev = net_worker_event_new(NET_EV_SEND_DONE, r == RC_OK ? NULL : ns->err);
	if (ev != NULL)
		ev->id = job->id;
	net_worker_post(w, ev);
	net_worker_request_poll(w);
	return RC_OK;
}

/* NET_JOB_TRUST: what the user asked about a contact's key, answered with
 * NET_EV_CONTACT_KEY (or an error). */
static int net_worker_do_trust(struct net_worker *w, struct net_session *ns, const struct net_job *job)
{
	const struct api_user *to;
	struct api_user asked;
	enum contact_key_verdict verdict = CONTACT_KEY_SAME;
	int r;

	api_user_init(&asked);
	r = net_worker_user_key(ns, job->contact, &asked, &to);
	if (to == NULL) {
		api_user_free(&asked);
		return net_worker_after_failure(w, ns, r, "key");
	}
	if ((r = net_worker_contacts_ready(w, ns)) == RC_OK) {
		switch ((enum net_trust_action)job->id) {
		case NET_TRUST_ACCEPT:
			r = contacts_accept_key(&w->contacts, to->login, &to->key, ns->err, sizeof(ns->err));
			break;
		case NET_TRUST_VERIFY:
			if ((r = contacts_check_key(&w->contacts, to->login, &to->key, &verdict, ns->err, sizeof(ns->err))) ==
			        RC_OK &&
			    verdict != CONTACT_KEY_CHANGED)
				r = contacts_set_verified(&w->contacts, to->login, 1, ns->err, sizeof(ns->err));
			break;
		case NET_TRUST_SHOW:
			r = contacts_check_key(&w->contacts, to->login, &to->key, &verdict, ns->err, sizeof(ns->err));
			break;
		}
	}
	if (r == RC_OK)
		net_worker_post_key(w, to->login, verdict == CONTACT_KEY_CHANGED ? verdict : CONTACT_KEY_SAME, &to->key,
		                    contacts_find(&w->contacts, to->login), (int)job->id);
	else
		net_worker_contacts_failed(w, ns, r);
	api_user_free(&asked);
	return RC_OK;
}

/* Learns whether the server has the sync extension, and with it where
 * "now" is (unless an earlier session's waits got further). */
static int net_worker_detect_sync(struct net_worker *w, struct net_session *ns)
{
	uint64_t last;
	int r = api_last_message_id(&ns->s, &ns->sync, &last, ns->err, sizeof(ns->err));

	if (r != RC_OK) {
		/* A server that cannot say falls back to polling. */
		ns->sync = API_SYNC_NO;
		return net_worker_after_failure(w, ns, r, "last_message_id");
	}
	ns->successes++;
	pthread_mutex_lock(&w->lock);
	if (ns->sync == API_SYNC_YES && w->wait_after == 0)
		w->wait_after = last;
	pthread_mutex_unlock(&w->lock);
	return RC_OK;
}

/* Sends one wait_messages for every conversation and leaves it parked. */
static int net_worker_park_wait(struct net_worker *w, struct net_session *ns)
{
	int r;

	pthread_mutex_lock(&w->lock);
	ns->parked_after = w->wait_after;
	pthread_mutex_unlock(&w->lock);
	if ((r = api_wait_send(&ns->s, ns->parked_after, NET_WAIT_MS, API_PAGE_MAX, ns->err, sizeof(ns->err))) != RC_OK)
		return net_worker_after_failure(w, ns, r, "wait");
	ns->parked = 1;
	/* The server holds it NET_WAIT_MS, then the answer has the session's own time. */
	ns->parked_deadline = ns->s.timeout_ms > 0 ? clock_now_ms() + NET_WAIT_MS + ns->s.timeout_ms : 0;
	return RC_OK;
}

/* Reads the parked wait's answer (read ahead when a request went out
 * meanwhile, else arriving); what it brings goes to the UI per conversation. */
static int net_worker_finish_wait(struct net_worker *w, struct net_session *ns, struct decrypt_cache *cache)
{
	struct api_messages msgs;
	int r, unknown = 0;

	ns->parked = 0;
	ns->polls++;
	r = api_wait_read(&ns->s, &ns->sync, ns->parked_after, API_PAGE_MAX, ns->s.timeout_ms, &msgs, ns->err,
	                  sizeof(ns->err));
	if (r != RC_OK) {
		/* Refused or answered badly: polling still works. */
		if (!net_worker_is_network_error(r))
			ns->sync = API_SYNC_NO;
		return net_worker_after_failure(w, ns, r, "wait");
	}
	ns->successes++;
	for (size_t i = 0; i < msgs.count && r == RC_OK; i++) {
		const char *peer = msgs.v[i].peer;
		int first = 1;
		for (size_t j = 0; j < i && first; j++)
			first = strcmp(msgs.v[j].peer, peer) != 0;
		if (!first)
			continue;
		unknown |= api_users_find(&ns->users, peer) == NULL;
		r = net_worker_post_history(w, ns, cache, peer, &msgs, peer, ENVELOPE_LISTING_NEW);
	}
	if (r == RC_OK && msgs.count > 0) {
		pthread_mutex_lock(&w->lock);
		w->wait_after = msgs.v[msgs.count - 1].id;
		pthread_mutex_unlock(&w->lock);
	}
	api_messages_free(&msgs);
	/* A new contact wrote: learn its key and load its conversation. */
	if (r == RC_OK && unknown)
		r = net_worker_fetch_users(w, ns);
	return r;
}

/* Holds the parked wait until its answer arrives (then reads it), the
 * thread has something else to do (RC_OK, the wait still parked: a request
 * sent now makes the server answer it; a key pressed only takes a turn of
 * the loop) or the answer is overdue. */
static int net_worker_hold_wait(struct net_worker *w, struct net_session *ns, struct decrypt_cache *cache)
{
	if (net_worker_sleep(w, session_fd(&ns->s), ns->parked_deadline, ns->registered, 1))
		return net_worker_finish_wait(w, ns, cache);
	if (ns->parked_deadline != 0 && clock_now_ms() >= ns->parked_deadline)
		return RC_ERR_TIMEOUT;
	return RC_OK;
}

/* With the sync extension, one step when no job waits: the wait's answer
 * when it came with a request's, the open conversation's newest page, then
 * the other ones', now and then the user list, else the wait for every
 * conversation, parked and held. */
static int net_worker_sync_step(struct net_worker *w, struct net_session *ns, struct decrypt_cache *cache)
{
	char *open = net_worker_open_contact_copy(w);
	const char *unloaded = NULL;
	int r;

	net_worker_check_open(w, ns, open);
	if (open != NULL && net_session_needs_page(ns, open))
		unloaded = open;
	for (size_t i = 0; unloaded == NULL && i < ns->users.count; i++)
		if (net_session_needs_page(ns, ns->users.v[i].login))
			unloaded = ns->users.v[i].login;
	if (ns->parked && session_answer_ready(&ns->s))
		r = net_worker_finish_wait(w, ns, cache);
	else if (unloaded != NULL)
		r = net_worker_fetch_page(w, ns, cache, unloaded, 0);
	else if (!ns->parked && ns->polls >= NET_USERS_EVERY_POLLS) {
		ns->polls = 0;
		r = net_worker_fetch_users(w, ns);
	} else if (!ns->parked)
		r = net_worker_park_wait(w, ns);
	else
		r = net_worker_hold_wait(w, ns, cache);
	free(open);
	return r;
}

/* NET_JOB_REFRESH: with the extension the user list and each
 * conversation's newest page again; without it a poll of everything. */
static int net_worker_refresh_all(struct net_worker *w, struct net_session *ns, struct decrypt_cache *cache)
{
	if (ns->sync != API_SYNC_YES)
		return net_worker_poll_once(w, ns, cache, 1);
	for (size_t i = 0; i < ns->n_loaded; i++)
		free(ns->loaded[i].login);
	ns->n_loaded = 0;
	return net_worker_fetch_users(w, ns);
}

/* A key pressed: polls come at the shortest interval again. Called with the lock held. */
static void net_worker_take_activity(struct net_worker *w, int *interval, int64_t *next_poll)
{
	int64_t soonest = clock_now_ms() + w->cfg.poll_ms;

	if (!w->activity)
		return;
	w->activity = 0;
	*interval = w->cfg.poll_ms;
	if (*next_poll > soonest)
		*next_poll = soonest;
}

/* Runs one connected session until quit (NET_QUIT), a server that cannot
 * say who we are (NET_UNIDENTIFIED) or a network error. */
static int net_worker_run_session(struct net_worker *w, struct net_session *ns, struct decrypt_cache *cache)
{
	struct api_users users;
	int64_t next_poll;
	int interval = w->cfg.poll_ms;
	unsigned failures_before = 0, successes_before = 0;
	int r;

	r = api_get_users(&ns->s, &users, ns->err, sizeof(ns->err));
	if (r == RC_OK) {
		net_worker_take_users(w, ns, &users);
		r = net_worker_learn_identity(w, ns);
	} else if (r == RC_ERR_SERVER && strcmp(ns->err, PROTO_ERR_NO_AUTH) == 0) {
		/* Our key is not registered yet: the UI asks for a login, unless
		 * --login gave one (whose refusal then shows after the question). */
		net_worker_post_text(w, NET_EV_NEED_LOGIN, NULL);
		r = w->cfg.auto_login != NULL ? net_worker_do_register(w, ns, w->cfg.auto_login) : RC_OK;
	} else if (!net_worker_is_network_error(r)) {
		/* Without knowing who we are nothing else works: try again later. */
		if (ns->err[0] == '\0')
			snprintf(ns->err, sizeof(ns->err), "%s", rc_strerror(r));
		r = NET_UNIDENTIFIED;
	}
	if (r != RC_OK)
		return r;
	next_poll = clock_now_ms();
	for (;;) {
		struct net_job *job;
		int poll_due;

		/* Every step that failed on the network has returned: this one ended well. */
		net_worker_note_recovery(w, ns, failures_before, successes_before);
		failures_before = ns->failures;
		successes_before = ns->successes;
		pthread_mutex_lock(&w->lock);
		if (w->quit) {
			pthread_mutex_unlock(&w->lock);
			return NET_QUIT;
		}
		job = net_worker_runnable_job(w, ns->registered);
		net_worker_take_activity(w, &interval, &next_poll);
		poll_due = ns->registered && (w->poll_now || clock_now_ms() >= next_poll);
		pthread_mutex_unlock(&w->lock);
		if (job != NULL) {
			switch (job->kind) {
			case NET_JOB_REGISTER:
				r = net_worker_do_register(w, ns, job->text);
				break;
			case NET_JOB_SEND:
				r = net_worker_do_send(w, ns, job);
				break;
			case NET_JOB_REFRESH:
				r = net_worker_refresh_all(w, ns, cache);
				break;
			case NET_JOB_TRUST:
				r = net_worker_do_trust(w, ns, job);
				break;
			case NET_JOB_OLDER:
				r = ns->sync == API_SYNC_YES ? net_worker_fetch_page(w, ns, cache, job->contact, 1) : RC_OK;
				break;
			}
			/* A job cut short by the network stays queued for the next session. */
			if (r != RC_OK)
				return r;
			net_worker_remove_job(w, job);
			continue;
		}
		if (ns->registered && ns->sync == API_SYNC_UNKNOWN) {
			if ((r = net_worker_detect_sync(w, ns)) != RC_OK)
				return r;
			continue;
		}
		if (ns->registered && ns->sync == API_SYNC_YES) {
			if ((r = net_worker_sync_step(w, ns, cache)) != RC_OK)
				return r;
			continue;
		}
		if (poll_due) {
			ns->news = 0;
			if ((r = net_worker_poll_once(w, ns, cache, ns->polls == 0)) != RC_OK)
				return r;
			interval = ns->news ? w->cfg.poll_ms : clock_backoff_next(interval, NET_IDLE_POLL_MAX_MS);
			next_poll = clock_now_ms() + interval;
			continue;
		}
		net_worker_wait_until(w, ns->registered ? next_poll : clock_now_ms() + w->cfg.poll_ms, ns->registered, 1);
	}
}

static void net_worker_set_session_fd(struct net_worker *w, int fd)
{
	pthread_mutex_lock(&w->lock);
	w->session_fd = fd;
	pthread_mutex_unlock(&w->lock);
}

static void *net_worker_main(void *arg)
{
	struct net_worker *w = arg;
	struct decrypt_cache cache;
	int backoff_ms = NET_BACKOFF_FIRST_MS;

	decrypt_cache_init(&cache);
	while (!net_worker_quitting(w)) {
		struct net_session ns;
		struct connect_result res;
		struct net_event *ev;
		int64_t started;
		int r;

		memset(&ns, 0, sizeof(ns));
		net_worker_post_state(w, NET_STATE_CONNECTING, NULL);
		r = connect_server(&ns.s, &w->cfg.connect, w->cfg.key, &res, ns.err, sizeof(ns.err));
		if (r == RC_OK || r == RC_ERR_KEY) {
			ev = net_worker_event_new(NET_EV_SERVER_KEY, res.server_fp);
			if (ev != NULL) {
				ev->trust = (int)res.trust;
				if (res.trust == KNOWN_SERVER_CHANGED)
					ev->text2 = strdup(res.pinned_fp);
			}
			net_worker_post(w, ev);
		}
		if (r == RC_ERR_KEY) {
			net_worker_post_state(w, NET_STATE_REFUSED, "%s", ns.err);
			break;
		}
		if (r != RC_OK) {
			net_worker_post_state(w, NET_STATE_OFFLINE, "%s (retrying in %d s)", ns.err, backoff_ms / 1000);
			net_worker_wait_until(w, clock_now_ms() + backoff_ms, 0, 0);
			backoff_ms = clock_backoff_next(backoff_ms, NET_BACKOFF_MAX_MS);
			continue;
		}
		net_worker_set_session_fd(w, ns.s.fd);
		net_worker_post_state(w, NET_STATE_ONLINE, NULL);
		started = clock_now_ms();
		r = net_worker_run_session(w, &ns, &cache);
		/* A session that lasted proves the server healthy; one that failed at
		 * once (a server that answers nonsense) keeps the pauses growing. */
		if (clock_now_ms() - started > NET_BACKOFF_MAX_MS)
			backoff_ms = NET_BACKOFF_FIRST_MS;
		if (r == NET_QUIT)
			api_goodbye(&ns.s);
		net_worker_set_session_fd(w, -1);
		session_close(&ns.s);
		net_session_free(&ns);
		if (r == NET_UNIDENTIFIED || r == RC_ERR_DB) {
			/* Not a lost connection: the server's reason (database unavailable...). */
			net_worker_post_state(w, NET_STATE_OFFLINE, "%s: %s (retrying in %d s)",
			                      r == NET_UNIDENTIFIED ? "identify" : "send", ns.err, backoff_ms / 1000);
		} else if (r != NET_QUIT) {
			net_worker_post_state(w, NET_STATE_OFFLINE, "connection lost: %s (reconnecting in %d s)", rc_strerror(r),
			                      backoff_ms / 1000);
		}
		if (r != NET_QUIT) {
			net_worker_wait_until(w, clock_now_ms() + backoff_ms, 0, 0);
			backoff_ms = clock_backoff_next(backoff_ms, NET_BACKOFF_MAX_MS);
		}
	}
	decrypt_cache_free(&cache);
	return NULL;
}

/* Frees w after closing its first n_pipes pipes (events, wake). */
static void net_worker_discard(struct net_worker *w, int n_pipes)
{
	close(w->event_fds[0]);
	close(w->event_fds[1]);
	if (n_pipes > 1) {
		close(w->wake_fds[0]);
		close(w->wake_fds[1]);
	}
	free(w);
}

int net_worker_start(struct net_worker **out, const struct net_worker_config *cfg)
{
	struct net_worker *w = calloc(1, sizeof(*w));

	*out = NULL;
	if (w == NULL)
		return RC_ERR_NOMEM;
	w->cfg = *cfg;
	w->session_fd = -1;
	if (pipe2(w->event_fds, O_CLOEXEC | O_NONBLOCK) != 0) {
		free(w);
		return RC_ERR_IO;
	}
	if (pipe2(w->wake_fds, O_CLOEXEC | O_NONBLOCK) != 0) {
		net_worker_discard(w, 1);
		return RC_ERR_IO;
	}
	pthread_mutex_init(&w->lock, NULL);
	if (pthread_create(&w->thread, NULL, net_worker_main, w) != 0) {
		pthread_mutex_destroy(&w->lock);
		net_worker_discard(w, 2);
		return RC_ERR_IO;
	}
	*out = w;
	return RC_OK;
}

/* Waits for the thread up to ms; 1 when it ended. */
static int net_worker_join_within(struct net_worker *w, int ms)
{
	struct timespec ts;

	clock_timespec_after(CLOCK_REALTIME, ms, &ts);
	return pthread_timedjoin_np(w->thread, NULL, &ts) == 0;
}

int net_worker_stop(struct net_worker *w, int wait_ms)
{
	int joined;

	if (w == NULL)
		return 1;
	pthread_mutex_lock(&w->lock);
	w->quit = 1;
	pthread_mutex_unlock(&w->lock);
	net_worker_wake(w);
	joined = net_worker_join_within(w, NET_STOP_GRACE_MS);
	if (!joined) {
		/* Stuck in a slow request: cut the socket so it returns at once. */
		pthread_mutex_lock(&w->lock);
		if (w->session_fd >= 0)
			shutdown(w->session_fd, SHUT_RDWR);
		pthread_mutex_unlock(&w->lock);
		joined = net_worker_join_within(w, wait_ms);
	}
	if (!joined) {
		/* Still connecting somewhere: leave it; the process is ending. */
		pthread_detach(w->thread);
		return 0;
	}
	net_event_free_all(w->events);
	while (w->jobs != NULL) {
		struct net_job *next = w->jobs->next;
		net_worker_job_free(w->jobs);
		w->jobs = next;
	}
	free(w->open_contact);
	free(w->me);
	contacts_free(&w->contacts);
	pthread_mutex_destroy(&w->lock);
	net_worker_discard(w, 2);
	return 1;
}

int net_worker_event_fd(const struct net_worker *w)
{
	return w->event_fds[0];
}

struct net_event *net_worker_take_events(struct net_worker *w)
{
	struct net_event *ev;

	net_worker_drain(w->event_fds[0]);
	pthread_mutex_lock(&w->lock);
	ev = w->events;
	w->events = w->events_tail = NULL;
	pthread_mutex_unlock(&w->lock);
	return ev;
}
