#include "config.h"

#include "net_worker.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "api.h"
#include "decrypt_cache.h"
#include "clock.h"
#include "errors.h"
#include "protocol.h"

/* Reconnection pauses grow from the first to the last, doubling. */
#define NET_BACKOFF_FIRST_MS 1000
#define NET_BACKOFF_MAX_MS 30000
/* Every this many polls the user list is fetched again. */
#define NET_USERS_EVERY_POLLS 5
/* How long a stopping worker gets for a polite goodbye before its socket is cut. */
#define NET_STOP_GRACE_MS 500

/* What run_session ends with besides a network error. */
#define NET_QUIT 1

static int is_network_error(int r)
{
	return r == RC_ERR_IO || r == RC_ERR_EOF || r == RC_ERR_TIMEOUT;
}

/* ---- events (worker -> UI) ---- */

static void event_free(struct net_event *ev)
{
	free(ev->text);
	free(ev->text2);
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
		event_free(ev);
		ev = next;
	}
}

static struct net_event *event_new(enum net_event_kind kind, const char *text)
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
static void post(struct net_worker *w, struct net_event *ev)
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
	(void)!write(w->pipe_fds[1], "e", 1);
}

static void post_text(struct net_worker *w, enum net_event_kind kind, const char *text)
{
	post(w, event_new(kind, text));
}

static void post_state(struct net_worker *w, enum net_state state, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void post_state(struct net_worker *w, enum net_state state, const char *fmt, ...)
{
	struct net_event *ev = event_new(NET_EV_STATE, NULL);
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
	post(w, ev);
}

static void post_users(struct net_worker *w, const struct api_users *users)
{
	struct net_event *ev = event_new(NET_EV_USERS, NULL);

	if (ev == NULL)
		return;
	if ((ev->logins = calloc(users->count + 1, sizeof(*ev->logins))) == NULL) {
		event_free(ev);
		return;
	}
	for (size_t i = 0; i < users->count; i++) {
		if ((ev->logins[i] = strdup(users->v[i].login)) == NULL) {
			event_free(ev);
			return;
		}
		ev->n_logins++;
	}
	post(w, ev);
}

/* ---- jobs (UI -> worker) ---- */

static void job_free(struct net_job *job)
{
	if (job == NULL)
		return;
	free(job->contact);
	free(job->text);
	free(job);
}

static int push_job(struct net_worker *w, enum net_job_kind kind, const char *contact, const char *text, uint64_t id)
{
	struct net_job *job = calloc(1, sizeof(*job));

	if (job == NULL)
		return RC_ERR_NOMEM;
	job->kind = kind;
	job->id = id;
	if ((contact != NULL && (job->contact = strdup(contact)) == NULL) ||
	    (text != NULL && (job->text = strdup(text)) == NULL)) {
		job_free(job);
		return RC_ERR_NOMEM;
	}
	pthread_mutex_lock(&w->lock);
	if (w->jobs_tail != NULL)
		w->jobs_tail->next = job;
	else
		w->jobs = job;
	w->jobs_tail = job;
	pthread_cond_signal(&w->wake);
	pthread_mutex_unlock(&w->lock);
	return RC_OK;
}

int net_worker_register(struct net_worker *w, const char *login)
{
	return push_job(w, NET_JOB_REGISTER, NULL, login, 0);
}

int net_worker_send(struct net_worker *w, uint64_t id, const char *contact, const char *text)
{
	return push_job(w, NET_JOB_SEND, contact, text, id);
}

int net_worker_refresh(struct net_worker *w)
{
	return push_job(w, NET_JOB_REFRESH, NULL, NULL, 0);
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
	pthread_cond_signal(&w->wake);
	pthread_mutex_unlock(&w->lock);
	return RC_OK;
}

/* The first job that can run now: anything once registered; before that only
 * a registration (messages wait for it). Called with the lock held. */
static struct net_job *runnable_job(struct net_worker *w, int registered)
{
	for (struct net_job *j = w->jobs; j != NULL; j = j->next)
		if (registered || j->kind == NET_JOB_REGISTER)
			return j;
	return NULL;
}

static void remove_job(struct net_worker *w, struct net_job *job)
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
	job_free(job);
}

/* Sleeps until deadline (monotonic ms), a runnable job, a poll request or quit. */
static void wait_until(struct net_worker *w, int64_t deadline, int registered, int wake_on_poll)
{
	pthread_mutex_lock(&w->lock);
	while (!w->quit && runnable_job(w, registered) == NULL && !(wake_on_poll && w->poll_now)) {
		int64_t left = deadline - clock_now_ms();
		struct timespec ts;
		if (left <= 0)
			break;
		clock_timespec_after(CLOCK_MONOTONIC, left, &ts);
		pthread_cond_timedwait(&w->wake, &w->lock, &ts);
	}
	pthread_mutex_unlock(&w->lock);
}

static int quitting(struct net_worker *w)
{
	int q;

	pthread_mutex_lock(&w->lock);
	q = w->quit;
	pthread_mutex_unlock(&w->lock);
	return q;
}

/* ---- the session ---- */

/* What one connected session knows. */
struct net_session {
	struct session s;
	struct api_users users;
	int registered;
	unsigned polls;
	size_t next_other;   /* round robin over the contacts not on screen */
	char err[512];
};

/* An api call failed: network errors end the session; anything else is
 * reported and the session goes on (the stream is still in step unless the
 * session dropped it). */
static int after_failure(struct net_worker *w, struct net_session *ns, int r, const char *what)
{
	if (is_network_error(r) || ns->s.fd < 0)
		return is_network_error(r) ? r : RC_ERR_EOF;
	post_state(w, NET_STATE_ONLINE, "%s: %s", what, ns->err[0] ? ns->err : rc_strerror(r));
	return RC_OK;
}

static int fetch_users(struct net_worker *w, struct net_session *ns)
{
	struct api_users users;
	int r = api_get_users(&ns->s, &users, ns->err, sizeof(ns->err));

	if (r != RC_OK)
		return after_failure(w, ns, r, "users");
	api_users_free(&ns->users);
	ns->users = users;
	post_users(w, &ns->users);
	return RC_OK;
}

/* Fetches and decrypts one conversation and hands it to the UI. */
static int fetch_history(struct net_worker *w, struct net_session *ns, struct decrypt_cache *cache, const char *contact)
{
	struct api_messages msgs;
	struct net_event *ev;
	int r = api_get_messages(&ns->s, contact, &msgs, ns->err, sizeof(ns->err));

	if (r != RC_OK)
		return after_failure(w, ns, r, contact);
	ev = event_new(NET_EV_HISTORY, NULL);
	if (ev == NULL || (ev->contact = strdup(contact)) == NULL ||
	    (ev->msgs = calloc(msgs.count + 1, sizeof(*ev->msgs))) == NULL) {
		r = RC_ERR_NOMEM;
		goto out;
	}
	for (size_t i = 0; i < msgs.count; i++) {
		struct net_msg *m = &ev->msgs[i];
		const char *text;
		decrypt_cache_digest(msgs.v[i].content, msgs.v[i].content_len, m->digest);
		if ((r = decrypt_cache_text(cache, w->cfg.key, msgs.v[i].content, msgs.v[i].content_len, m->digest, &text)) != RC_OK)
			goto out;
		ev->n_msgs++;
		m->sender = msgs.v[i].sender;
		m->created_at = msgs.v[i].created_at;
		msgs.v[i].sender = msgs.v[i].created_at = NULL;
		if (text != NULL && (m->text = strdup(text)) == NULL) {
			r = RC_ERR_NOMEM;
			goto out;
		}
	}
	post(w, ev);
	ev = NULL;
out:
	if (ev != NULL)
		event_free(ev);
	api_messages_free(&msgs);
	return r;
}

static char *open_contact_copy(struct net_worker *w)
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
static int poll_once(struct net_worker *w, struct net_session *ns, struct decrypt_cache *cache, int all)
{
	char *open = open_contact_copy(w);
	int r = RC_OK;

	if (all || ns->polls % NET_USERS_EVERY_POLLS == 0)
		r = fetch_users(w, ns);
	ns->polls++;
	if (r == RC_OK && open != NULL)
		r = fetch_history(w, ns, cache, open);
	for (size_t k = 0; r == RC_OK && k < ns->users.count; k++) {
		const char *login;
		if (!all && k > 0)
			break;
		login = ns->users.v[(ns->next_other + k) % ns->users.count].login;
		if (open != NULL && strcmp(login, open) == 0)
			continue;
		r = fetch_history(w, ns, cache, login);
	}
	if (ns->users.count > 0)
		ns->next_other = (ns->next_other + 1) % ns->users.count;
	free(open);
	return r;
}

static int learn_identity(struct net_worker *w, struct net_session *ns)
{
	char *login = NULL;
	int already = 0;
	/* Our key is registered: asking to register it again answers with its
	 * login ("already registered"), and registers nothing. */
	int r = api_register(&ns->s, "?", &login, &already, ns->err, sizeof(ns->err));

	/* get_users worked, so we are registered even if the login stays unknown. */
	ns->registered = 1;
	if (r != RC_OK)
		return after_failure(w, ns, r, "identity");
	post_text(w, NET_EV_IDENTITY, login);
	free(login);
	return RC_OK;
}

static void request_poll(struct net_worker *w)
{
	pthread_mutex_lock(&w->lock);
	w->poll_now = 1;
	pthread_mutex_unlock(&w->lock);
}

static int do_register(struct net_worker *w, struct net_session *ns, const char *login)
{
	char *known = NULL;
	int already = 0;
	int r = api_register(&ns->s, login, &known, &already, ns->err, sizeof(ns->err));

	if (r == RC_ERR_SERVER) {
		post_text(w, NET_EV_REGISTER_FAILED, ns->err);
		return RC_OK;
	}
	if (r != RC_OK)
		return after_failure(w, ns, r, "register");
	ns->registered = 1;
	post_text(w, NET_EV_IDENTITY, known);
	free(known);
	request_poll(w);
	return fetch_users(w, ns);
}

static int do_send(struct net_worker *w, struct net_session *ns, struct net_job *job)
{
	const struct api_user *to = api_users_find(&ns->users, job->contact);
	struct net_event *ev;
	int r;

	/* A contact newer than our list: look again before giving up. */
	if (to == NULL) {
		if ((r = fetch_users(w, ns)) != RC_OK)
			return r;
		to = api_users_find(&ns->users, job->contact);
	}
	if (to == NULL) {
		r = RC_ERR_SERVER;
		snprintf(ns->err, sizeof(ns->err), "%s", PROTO_ERR_NO_SUCH_USER);
	} else {
		/* A retry after a lost connection resumes after the acknowledged copies. */
		r = api_send_text_resume(&ns->s, to->login, &to->key, job->text, strlen(job->text), 1, &job->acked, ns->err,
		                         sizeof(ns->err));
	}
	if (is_network_error(r) || ns->s.fd < 0)
		return is_network_error(r) ? r : RC_ERR_EOF;
	ev = event_new(NET_EV_SEND_DONE, r == RC_OK ? NULL : ns->err);
	if (ev != NULL)
		ev->id = job->id;
	post(w, ev);
	request_poll(w);
	return RC_OK;
}

/* Runs one connected session until quit (NET_QUIT) or a network error. */
static int run_session(struct net_worker *w, struct net_session *ns, struct decrypt_cache *cache)
{
	struct api_users users;
	int64_t next_poll;
	int r;

	r = api_get_users(&ns->s, &users, ns->err, sizeof(ns->err));
	if (r == RC_OK) {
		ns->users = users;
		post_users(w, &ns->users);
		r = learn_identity(w, ns);
	} else if (r == RC_ERR_SERVER && strcmp(ns->err, PROTO_ERR_NO_AUTH) == 0) {
		/* Our key is not registered yet: the UI asks for a login, unless
		 * --login gave one (whose refusal then shows after the question). */
		post_text(w, NET_EV_NEED_LOGIN, NULL);
		r = w->cfg.auto_login != NULL ? do_register(w, ns, w->cfg.auto_login) : RC_OK;
	} else if (!is_network_error(r)) {
		/* Without knowing who we are nothing else works: try again later. */
		post_state(w, NET_STATE_ONLINE, "identify: %s", ns->err[0] ? ns->err : rc_strerror(r));
		r = RC_ERR_PROTOCOL;
	}
	if (r != RC_OK)
		return r;
	next_poll = clock_now_ms();
	for (;;) {
		struct net_job *job;
		int poll_due;

		pthread_mutex_lock(&w->lock);
		if (w->quit) {
			pthread_mutex_unlock(&w->lock);
			return NET_QUIT;
		}
		job = runnable_job(w, ns->registered);
		poll_due = ns->registered && (w->poll_now || clock_now_ms() >= next_poll);
		pthread_mutex_unlock(&w->lock);
		if (job != NULL) {
			switch (job->kind) {
			case NET_JOB_REGISTER:
				r = do_register(w, ns, job->text);
				break;
			case NET_JOB_SEND:
				r = do_send(w, ns, job);
				break;
			case NET_JOB_REFRESH:
				r = poll_once(w, ns, cache, 1);
				break;
			}
			/* A job cut short by the network stays queued for the next session. */
			if (r != RC_OK)
				return r;
			remove_job(w, job);
			continue;
		}
		if (poll_due) {
			if ((r = poll_once(w, ns, cache, ns->polls == 0)) != RC_OK)
				return r;
			next_poll = clock_now_ms() + w->cfg.poll_ms;
			continue;
		}
		wait_until(w, ns->registered ? next_poll : clock_now_ms() + w->cfg.poll_ms, ns->registered, 1);
	}
}

static void set_session_fd(struct net_worker *w, int fd)
{
	pthread_mutex_lock(&w->lock);
	w->session_fd = fd;
	pthread_mutex_unlock(&w->lock);
}

static void *worker_main(void *arg)
{
	struct net_worker *w = arg;
	struct decrypt_cache cache;
	int backoff_ms = NET_BACKOFF_FIRST_MS;

	decrypt_cache_init(&cache);
	while (!quitting(w)) {
		struct net_session ns;
		struct connect_result res;
		struct net_event *ev;
		int64_t started;
		int r;

		memset(&ns, 0, sizeof(ns));
		post_state(w, NET_STATE_CONNECTING, NULL);
		r = connect_server(&ns.s, &w->cfg.connect, w->cfg.key, &res, ns.err, sizeof(ns.err));
		if (r == RC_OK || r == RC_ERR_KEY) {
			ev = event_new(NET_EV_SERVER_KEY, res.server_fp);
			if (ev != NULL) {
				ev->trust = (int)res.trust;
				if (res.trust == KNOWN_SERVER_CHANGED)
					ev->text2 = strdup(res.pinned_fp);
			}
			post(w, ev);
		}
		if (r == RC_ERR_KEY) {
			post_state(w, NET_STATE_REFUSED, "%s", ns.err);
			break;
		}
		if (r != RC_OK) {
			post_state(w, NET_STATE_OFFLINE, "%s (retrying in %d s)", ns.err, backoff_ms / 1000);
			wait_until(w, clock_now_ms() + backoff_ms, 0, 0);
			backoff_ms = clock_backoff_next(backoff_ms, NET_BACKOFF_MAX_MS);
			continue;
		}
		set_session_fd(w, ns.s.fd);
		post_state(w, NET_STATE_ONLINE, NULL);
		started = clock_now_ms();
		r = run_session(w, &ns, &cache);
		/* A session that lasted proves the server healthy; one that failed at
		 * once (a server that answers nonsense) keeps the pauses growing. */
		if (clock_now_ms() - started > NET_BACKOFF_MAX_MS)
			backoff_ms = NET_BACKOFF_FIRST_MS;
		if (r == NET_QUIT)
			api_goodbye(&ns.s);
		set_session_fd(w, -1);
		session_close(&ns.s);
		api_users_free(&ns.users);
		if (r != NET_QUIT) {
			post_state(w, NET_STATE_OFFLINE, "connection lost: %s (reconnecting in %d s)", rc_strerror(r),
			           backoff_ms / 1000);
			wait_until(w, clock_now_ms() + backoff_ms, 0, 0);
			backoff_ms = clock_backoff_next(backoff_ms, NET_BACKOFF_MAX_MS);
		}
	}
	decrypt_cache_free(&cache);
	return NULL;
}

int net_worker_start(struct net_worker *w, const struct net_worker_config *cfg)
{
	memset(w, 0, sizeof(*w));
	w->cfg = *cfg;
	w->session_fd = -1;
	if (pipe2(w->pipe_fds, O_CLOEXEC | O_NONBLOCK) != 0)
		return RC_ERR_IO;
	{
		pthread_condattr_t ca;
		pthread_condattr_init(&ca);
		pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
		pthread_cond_init(&w->wake, &ca);
		pthread_condattr_destroy(&ca);
	}
	pthread_mutex_init(&w->lock, NULL);
	if (pthread_create(&w->thread, NULL, worker_main, w) != 0) {
		close(w->pipe_fds[0]);
		close(w->pipe_fds[1]);
		pthread_mutex_destroy(&w->lock);
		pthread_cond_destroy(&w->wake);
		return RC_ERR_IO;
	}
	w->started = 1;
	return RC_OK;
}

/* Waits for the thread up to ms; 1 when it ended. */
static int join_within(struct net_worker *w, int ms)
{
	struct timespec ts;

	clock_timespec_after(CLOCK_REALTIME, ms, &ts);
	return pthread_timedjoin_np(w->thread, NULL, &ts) == 0;
}

int net_worker_stop(struct net_worker *w, int wait_ms)
{
	int joined;

	if (!w->started)
		return 1;
	pthread_mutex_lock(&w->lock);
	w->quit = 1;
	pthread_cond_signal(&w->wake);
	pthread_mutex_unlock(&w->lock);
	joined = join_within(w, NET_STOP_GRACE_MS);
	if (!joined) {
		/* Stuck in a slow request: cut the socket so it returns at once. */
		pthread_mutex_lock(&w->lock);
		if (w->session_fd >= 0)
			shutdown(w->session_fd, SHUT_RDWR);
		pthread_mutex_unlock(&w->lock);
		joined = join_within(w, wait_ms);
	}
	w->started = 0;
	if (!joined) {
		/* Still connecting somewhere: leave it; the process is ending. */
		pthread_detach(w->thread);
		return 0;
	}
	net_event_free_all(w->events);
	while (w->jobs != NULL) {
		struct net_job *next = w->jobs->next;
		job_free(w->jobs);
		w->jobs = next;
	}
	free(w->open_contact);
	close(w->pipe_fds[0]);
	close(w->pipe_fds[1]);
	pthread_mutex_destroy(&w->lock);
	pthread_cond_destroy(&w->wake);
	return 1;
}

int net_worker_event_fd(const struct net_worker *w)
{
	return w->pipe_fds[0];
}

struct net_event *net_worker_take_events(struct net_worker *w)
{
	struct net_event *ev;
	char drain[64];

	while (read(w->pipe_fds[0], drain, sizeof(drain)) > 0)
		;
	pthread_mutex_lock(&w->lock);
	ev = w->events;
	w->events = w->events_tail = NULL;
	pthread_mutex_unlock(&w->lock);
	return ev;
}
