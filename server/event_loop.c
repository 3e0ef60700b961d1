/* Watches live in a table indexed by fd (as in Redis's ae.c), beside the
 * pollfd array handed to poll(), also indexed by fd: an unwatched fd is -1
 * there, which poll() skips. Nothing is rebuilt per round; a round polls
 * descriptors 0..max_fd and walks them until the last ready one.
 * Callbacks may add and remove watches freely (even their own): an fd's
 * revents are cleared whenever its watch is added or removed, so an fd
 * number reused within a round never hears its previous owner's events.
 *
 * poll() costs O(descriptors) per wakeup. Beside 950 to 3,000 idle
 * connections that is about 0.5 ms of server CPU per 4-block send_message
 * (~14 %, tests/bench/results.md); polling only the busy descriptors saved
 * it, at the price of six parallel arrays and up to 25 ms of delay for an
 * idle connection's next request while others were busy. */
#include "config.h"

#include "event_loop.h"

#include <errno.h>
#include <poll.h>
#include <stdlib.h>
#include <string.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include "clock.h"
#include "errors.h"

struct event_watch {
	unsigned events;
	event_fd_fn fn;      /* NULL: fd not watched */
	void *arg;
};

struct event_loop {
	struct event_watch *watches; /* by fd */
	struct pollfd *pfds;         /* by fd; fd -1 when not watched */
	size_t cap;                  /* entries in both */
	int max_fd;                  /* highest watched fd, or -1 */
	int wake_fd;
	volatile int stopping;
	int tick_interval_ms;
	int64_t next_tick_ms;
	event_hook_fn tick_fn;
	void *tick_arg;
	event_hook_fn before_poll_fn;
	void *before_poll_arg;
	event_hook_fn wakeup_fn;
	void *wakeup_arg;
};

static void event_loop_drain_wakeup(struct event_loop *loop, int fd, unsigned events, void *arg)
{
	uint64_t value;

	(void)events;
	(void)arg;
	while (read(fd, &value, sizeof value) > 0)
		;
	if (loop->wakeup_fn)
		loop->wakeup_fn(loop, loop->wakeup_arg);
}

int event_loop_new(struct event_loop **out)
{
	struct event_loop *loop;
	int r;

	*out = NULL;
	loop = calloc(1, sizeof *loop);
	if (!loop)
		return RC_ERR_NOMEM;
	loop->max_fd = -1;
	loop->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (loop->wake_fd < 0) {
		free(loop);
		return RC_ERR_IO;
	}
	r = event_loop_watch(loop, loop->wake_fd, EVENT_READABLE, event_loop_drain_wakeup, NULL);
	if (r != RC_OK) {
		event_loop_free(loop);
		return r;
	}
	*out = loop;
	return RC_OK;
}

void event_loop_free(struct event_loop *loop)
{
	if (!loop)
		return;
	if (loop->wake_fd >= 0)
		close(loop->wake_fd);
	free(loop->watches);
	free(loop->pfds);
	free(loop);
}

/* Grows both tables to hold fd. */
static int event_loop_reserve(struct event_loop *loop, int fd)
{
	size_t need = (size_t)fd + 1, cap = loop->cap ? loop->cap : 64;
	struct event_watch *watches;
	struct pollfd *pfds;

	if (need <= loop->cap)
		return RC_OK;
	while (cap < need)
		cap *= 2;
	if (!(watches = realloc(loop->watches, cap * sizeof *watches)))
		return RC_ERR_NOMEM;
	loop->watches = watches;
	if (!(pfds = realloc(loop->pfds, cap * sizeof *pfds)))
		return RC_ERR_NOMEM;
	loop->pfds = pfds;
	for (size_t i = loop->cap; i < cap; i++) {
		memset(&watches[i], 0, sizeof watches[i]);
		pfds[i].fd = -1;
		pfds[i].events = pfds[i].revents = 0;
	}
	loop->cap = cap;
	return RC_OK;
}

static short event_loop_poll_events(unsigned events)
{
	return (short)(((events & EVENT_READABLE) ? POLLIN : 0) | ((events & EVENT_WRITABLE) ? POLLOUT : 0));
}

static int event_loop_watched(const struct event_loop *loop, int fd)
{
	return fd >= 0 && (size_t)fd < loop->cap && loop->watches[fd].fn;
}

int event_loop_watch(struct event_loop *loop, int fd, unsigned events, event_fd_fn fn, void *arg)
{
	int r;

	if (fd < 0 || !fn)
		return RC_ERR_INVAL;
	if ((r = event_loop_reserve(loop, fd)) != RC_OK)
		return r;
	if (!loop->watches[fd].fn)
		loop->pfds[fd].revents = 0; /* a previous owner's, if any */
	loop->watches[fd] = (struct event_watch){ events, fn, arg };
	loop->pfds[fd].fd = fd;
	loop->pfds[fd].events = event_loop_poll_events(events);
	if (fd > loop->max_fd)
		loop->max_fd = fd;
	return RC_OK;
}

void event_loop_set_events(struct event_loop *loop, int fd, unsigned events)
{
	if (!event_loop_watched(loop, fd))
		return;
	loop->watches[fd].events = events;
	loop->pfds[fd].events = event_loop_poll_events(events);
}

void event_loop_unwatch(struct event_loop *loop, int fd)
{
	if (!event_loop_watched(loop, fd))
		return;
	memset(&loop->watches[fd], 0, sizeof loop->watches[fd]);
	loop->pfds[fd].fd = -1;
	loop->pfds[fd].events = loop->pfds[fd].revents = 0;
	while (loop->max_fd >= 0 && !loop->watches[loop->max_fd].fn)
		loop->max_fd--;
}

void event_loop_set_tick(struct event_loop *loop, int interval_ms, event_hook_fn fn, void *arg)
{
	loop->tick_interval_ms = interval_ms > 0 ? interval_ms : 1000;
	loop->next_tick_ms = clock_now_ms() + loop->tick_interval_ms;
	loop->tick_fn = fn;
	loop->tick_arg = arg;
}

void event_loop_set_before_poll(struct event_loop *loop, event_hook_fn fn, void *arg)
{
	loop->before_poll_fn = fn;
	loop->before_poll_arg = arg;
}

void event_loop_set_wakeup(struct event_loop *loop, event_hook_fn fn, void *arg)
{
	loop->wakeup_fn = fn;
	loop->wakeup_arg = arg;
}

void event_loop_wakeup(struct event_loop *loop)
{
	uint64_t one = 1;
	int saved = errno;

	/* EAGAIN means the counter is already non-zero: the loop will wake. */
	if (write(loop->wake_fd, &one, sizeof one) < 0) {
		/* nothing to do */
	}
	errno = saved;
}

void event_loop_stop(struct event_loop *loop)
{
	loop->stopping = 1;
}

static int event_loop_timeout_ms(struct event_loop *loop)
{
	int64_t wait;

	if (!loop->tick_fn)
		return -1;
	wait = loop->next_tick_ms - clock_now_ms();
	if (wait < 0)
		return 0;
	return wait > 60000 ? 60000 : (int)wait;
}

/* Calls back fd's watch for what poll() reported. */
static void event_loop_fire(struct event_loop *loop, int fd, short re)
{
	struct event_watch *w = &loop->watches[fd];
	unsigned fired = 0;

	if (re & POLLIN)
		fired |= EVENT_READABLE;
	if (re & POLLOUT)
		fired |= EVENT_WRITABLE;
	if (re & (POLLERR | POLLHUP | POLLNVAL))
		fired |= EVENT_ERROR;
	w->fn(loop, fd, fired, w->arg);
}

/* One poll() over every watched fd and its callbacks, stopping after the
 * last ready one. RC_ERR_IO if poll() fails (not for a signal's EINTR). */
static int event_loop_poll_once(struct event_loop *loop)
{
	size_t polled = (size_t)(loop->max_fd + 1);
	int ready = poll(loop->pfds, polled, event_loop_timeout_ms(loop));

	if (ready < 0)
		return errno == EINTR ? RC_OK : RC_ERR_IO;
	for (size_t fd = 0; fd < polled && ready > 0; fd++) {
		short re = loop->pfds[fd].revents;

		if (!re)
			continue;
		ready--;
		loop->pfds[fd].revents = 0;
		/* Unwatched by an earlier callback of this round: revents were cleared. */
		event_loop_fire(loop, (int)fd, re);
	}
	return RC_OK;
}

int event_loop_run(struct event_loop *loop)
{
	while (!loop->stopping) {
		int r;

		if (loop->before_poll_fn)
			loop->before_poll_fn(loop, loop->before_poll_arg);
		if (loop->stopping)
			break;
		if ((r = event_loop_poll_once(loop)) != RC_OK)
			return r;
		if (loop->tick_fn && clock_now_ms() >= loop->next_tick_ms) {
			loop->next_tick_ms = clock_now_ms() + loop->tick_interval_ms;
			loop->tick_fn(loop, loop->tick_arg);
		}
	}
	return RC_OK;
}
