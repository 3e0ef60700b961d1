/* The TUI's network side: one background thread owns the session. It
 * connects (with backoff 1, 2, 4 .. 30 s), checks the server key, learns
 * who we are, polls the conversations and sends the outbox in order. The UI
 * thread talks to it through a job queue and receives events through a
 * queue plus a pipe it can poll, so a slow network never freezes the screen.
 * No curses here. */
#ifndef RC_CLIENT_NET_WORKER_H
#define RC_CLIENT_NET_WORKER_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>

#include "chat_model.h"
#include "connect.h"
#include "rsa.h"

/* The connection as the status bar shows it. */
enum net_state {
	NET_STATE_CONNECTING,  /* connecting and shaking hands */
	NET_STATE_ONLINE,      /* connected; requests flow */
	NET_STATE_OFFLINE,     /* the last attempt failed; retrying after a pause */
	NET_STATE_REFUSED,     /* the server key changed: stopped for good */
};

enum net_event_kind {
	NET_EV_STATE,           /* state changed; text: the last error, if any */
	NET_EV_SERVER_KEY,      /* text: the server's fingerprint; text2: the pinned one when it changed */
	NET_EV_NEED_LOGIN,      /* our key is not registered: ask for a login */
	NET_EV_IDENTITY,        /* text: our login */
	NET_EV_REGISTER_FAILED, /* text: the server's reason (e.g. "login exists") */
	NET_EV_USERS,           /* logins: the other users */
	NET_EV_HISTORY,         /* contact's whole conversation, decrypted */
	NET_EV_SEND_DONE,       /* outbox message id accepted (text NULL) or refused (text says why) */
	NET_EV_ERROR,           /* text: a problem worth the status bar (bad answer...) */
};

struct net_msg {
	char *sender;
	char *created_at;
	unsigned char digest[CHAT_DIGEST_BYTES];
	char *text; /* NULL: could not be decrypted */
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
};

enum net_job_kind {
	NET_JOB_REGISTER, /* text: the wanted login */
	NET_JOB_SEND,     /* contact, text, id */
	NET_JOB_REFRESH,  /* users and every conversation, now */
};

struct net_job {
	struct net_job *next;
	enum net_job_kind kind;
	char *contact;
	char *text;
	uint64_t id;
	int acked;                /* NET_JOB_SEND: copies the server acknowledged, kept across retries */
};

struct net_worker_config {
	struct connect_params connect;
	const struct rsa_private *key; /* borrowed; must outlive the worker */
	const char *auto_login;        /* register under this login if needed (may be NULL) */
	int poll_ms;
};

struct net_worker {
	struct net_worker_config cfg;
	pthread_t thread;
	int started;
	pthread_mutex_t lock;     /* guards everything below */
	pthread_cond_t wake;      /* jobs, quit or a new open contact */
	struct net_job *jobs;     /* FIFO; the head is removed only once done */
	struct net_job *jobs_tail;
	struct net_event *events; /* FIFO for the UI */
	struct net_event *events_tail;
	int pipe_fds[2];          /* one byte per batch of events */
	int quit;
	int poll_now;             /* poll before the interval is over */
	int session_fd;           /* the socket in use, for net_worker_stop to interrupt */
	char *open_contact;       /* the conversation on screen, polled every time */
};

/* Starts the thread. */
int net_worker_start(struct net_worker *w, const struct net_worker_config *cfg);
/* Asks the thread to stop, interrupts its socket and waits up to wait_ms for
 * it. Returns 0 when the thread is still running (stuck connecting): then the
 * key and the worker must stay allocated until the process ends. */
int net_worker_stop(struct net_worker *w, int wait_ms);
/* The descriptor to poll for events (readable when some wait). */
int net_worker_event_fd(const struct net_worker *w);
/* Takes every waiting event (oldest first); free them with net_event_free_all. */
struct net_event *net_worker_take_events(struct net_worker *w);
void net_event_free_all(struct net_event *ev);

int net_worker_register(struct net_worker *w, const char *login);
int net_worker_send(struct net_worker *w, uint64_t id, const char *contact, const char *text);
int net_worker_refresh(struct net_worker *w);
/* The conversation on screen (NULL: none); polled first, at once. */
int net_worker_set_open(struct net_worker *w, const char *contact);

#endif
