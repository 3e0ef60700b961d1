/* The loop keeps its watches in an array parallel to the pollfd array it
 * hands to poll(). A watch keeps its slot for life, and its pollfd is only
 * written when the watch changes, so a wakeup costs poll() itself plus a
 * walk that stops at the last ready descriptor: nothing is rebuilt per
 * round for a thousand idle connections. Unwatching empties the slot (fd
 * -1, which poll() skips) for the next watch to reuse; callbacks may add
 * and remove watches freely (even their own) while the loop walks the
 * array, since a slot's revents are cleared whenever it changes hands.
 *
 * poll() itself is O(descriptors), and a poll() that sleeps also hangs a
 * wait-queue entry on every one of them and takes it down again: beside a
 * thousand idle connections that was ~0.6 ms of kernel time per wakeup,
 * 15 % of the server's CPU under load. So while some watches are busy
 * (fired or re-armed within EVENT_LOOP_HOT_MS) and there are many watches,
 * a round polls only the busy ("hot") ones, and every
 * EVENT_LOOP_COLD_CHECK_MS one non-blocking poll() over everything (a
 * single cheap pass, no wait queues) picks up what the others have: an
 * idle connection's next request waits at most that long, and only while
 * the server is busy. With nothing hot the loop sleeps in one poll() over
 * everything, as before. */
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

struct watch {
	int fd;
	unsigned events;
	event_fd_fn fn;
	void *arg;
	int alive;
	int next_free;        /* the next empty slot after this one, or -1 */
	unsigned gen;         /* counts the watches this slot has held */
	int hot;              /* listed in loop->hot */
	int64_t active_ms;    /* last fired or re-armed */
};

struct event_loop {
	struct watch *watches;
	struct pollfd *pfds;
	size_t count;
	size_t cap;
	int *slot_by_fd;      /* fd -> index in watches, -1 when not watched */
	size_t slot_by_fd_len;
	int free_slot;        /* first empty slot (linked by next_free), or -1 */
	int *hot;             /* slots active lately (each once), cap entries */
	size_t hot_count;
	struct pollfd *hot_pfds; /* this round's copy of the hot slots' pollfds */
	unsigned *hot_gen;    /* and the watch each of them held */
	size_t hot_polled;
	int64_t now_ms;       /* the clock at the start of this round */
	int64_t next_cold_ms; /* the next poll() over everything while busy */
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
	loop->free_slot = -1;
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
	free(loop->slot_by_fd);
	free(loop->hot);
	free(loop->hot_pfds);
	free(loop->hot_gen);
	free(loop);
}

static int event_loop_map_fd(struct event_loop *loop, int fd)
{
	size_t need = (size_t)fd + 1, len;
	int *grown;

	if (need <= loop->slot_by_fd_len)
		return RC_OK;
	len = loop->slot_by_fd_len ? loop->slot_by_fd_len : 64;
	while (len < need)
		len *= 2;
	grown = realloc(loop->slot_by_fd, len * sizeof *grown);
	if (!grown)
		return RC_ERR_NOMEM;
	for (size_t i = loop->slot_by_fd_len; i < len; i++)
		grown[i] = -1;
	loop->slot_by_fd = grown;
	loop->slot_by_fd_len = len;
	return RC_OK;
}

static short event_loop_poll_events(unsigned events)
{
	return (short)(((events & EVENT_READABLE) ? POLLIN : 0) | ((events & EVENT_WRITABLE) ? POLLOUT : 0));
}

/* An empty slot for a new watch: a freed one, else one more at the end. */
static int event_loop_new_slot(struct event_loop *loop, int *slot)
{
	if (loop->free_slot >= 0) {
		*slot = loop->free_slot;
		loop->free_slot = loop->watches[*slot].next_free;
		return RC_OK;
	}
	if (loop->count == loop->cap) {
		size_t cap = loop->cap ? loop->cap * 2 : 64;
		struct watch *watches = realloc(loop->watches, cap * sizeof *watches);
		struct pollfd *pfds, *hot_pfds;
		unsigned *hot_gen;
		int *hot;

		if (!watches)
			return RC_ERR_NOMEM;
		loop->watches = watches;
		if (!(pfds = realloc(loop->pfds, cap * sizeof *pfds)))
			return RC_ERR_NOMEM;
		loop->pfds = pfds;
		if (!(hot = realloc(loop->hot, cap * sizeof *hot)))
			return RC_ERR_NOMEM;
		loop->hot = hot;
		if (!(hot_pfds = realloc(loop->hot_pfds, cap * sizeof *hot_pfds)))
			return RC_ERR_NOMEM;
		loop->hot_pfds = hot_pfds;
		if (!(hot_gen = realloc(loop->hot_gen, cap * sizeof *hot_gen)))
			return RC_ERR_NOMEM;
		loop->hot_gen = hot_gen;
		memset(watches + loop->cap, 0, (cap - loop->cap) * sizeof *watches);
		loop->cap = cap;
	}
	*slot = (int)loop->count++;
	return RC_OK;
}

/* The watch in slot is busy: poll it every round for a while. */
static void event_loop_touch(struct event_loop *loop, int slot)
{
	struct watch *w = &loop->watches[slot];

	w->active_ms = loop->now_ms;
	if (!w->hot) {
		w->hot = 1;
		loop->hot[loop->hot_count++] = slot;
	}
}

static struct watch *event_loop_find(struct event_loop *loop, int fd)
{
	int slot;

	if (fd < 0 || (size_t)fd >= loop->slot_by_fd_len)
		return NULL;
	slot = loop->slot_by_fd[fd];
	if (slot < 0 || !loop->watches[slot].alive)
		return NULL;
	return &loop->watches[slot];
}

int event_loop_watch(struct event_loop *loop, int fd, unsigned events, event_fd_fn fn, void *arg)
{
	struct watch *w;
	int r;

	if (fd < 0 || !fn)
		return RC_ERR_INVAL;
	w = event_loop_find(loop, fd);
	if (!w) {
		int slot;

		if ((r = event_loop_map_fd(loop, fd)) != RC_OK || (r = event_loop_new_slot(loop, &slot)) != RC_OK)
			return r;
		loop->slot_by_fd[fd] = slot;
		w = &loop->watches[slot];
		w->gen++;
		loop->pfds[slot].fd = fd;
		loop->pfds[slot].revents = 0; /* a previous owner's, if any */
		event_loop_touch(loop, slot);
	}
	loop->pfds[loop->slot_by_fd[fd]].events = event_loop_poll_events(events);
	w->fd = fd;
	w->events = events;
	w->fn = fn;
	w->arg = arg;
	w->alive = 1;
	return RC_OK;
}

void event_loop_set_events(struct event_loop *loop, int fd, unsigned events)
{
	struct watch *w = event_loop_find(loop, fd);

	if (w && w->events != events) {
		w->events = events;
		loop->pfds[loop->slot_by_fd[fd]].events = event_loop_poll_events(events);
		/* Re-armed: what it waits for is likely to come soon. */
		if (events)
			event_loop_touch(loop, loop->slot_by_fd[fd]);
	}
}

void event_loop_unwatch(struct event_loop *loop, int fd)
{
	struct watch *w = event_loop_find(loop, fd);
	int slot;

	if (!w)
		return;
	slot = loop->slot_by_fd[fd];
	w->alive = 0;
	w->next_free = loop->free_slot;
	loop->free_slot = slot;
	loop->slot_by_fd[fd] = -1;
	loop->pfds[slot].fd = -1;
	loop->pfds[slot].events = 0;
	loop->pfds[slot].revents = 0;
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

/* Calls back the watch in slot for what poll() reported. */
static void event_loop_fire(struct event_loop *loop, int slot, short re)
{
	struct watch *w = &loop->watches[slot];
	unsigned fired = 0;

	if (re & POLLIN)
		fired |= EVENT_READABLE;
	if (re & POLLOUT)
		fired |= EVENT_WRITABLE;
	if (re & (POLLERR | POLLHUP | POLLNVAL))
		fired |= EVENT_ERROR;
	event_loop_touch(loop, slot);
	w->fn(loop, w->fd, fired, w->arg);
}

/* Calls back the `ready` descriptors a poll() over every slot reported,
 * stopping after the last of them. */
static void event_loop_dispatch_all(struct event_loop *loop, size_t polled, int ready)
{
	for (size_t i = 0; i < polled && ready > 0; i++) {
		short re = loop->pfds[i].revents;

		if (!re)
			continue;
		ready--;
		loop->pfds[i].revents = 0;
		if (loop->watches[i].alive && loop->watches[i].fd == loop->pfds[i].fd)
			event_loop_fire(loop, (int)i, re);
	}
}

/* The same after a poll() over the hot slots; a slot that changed hands
 * since (another generation) is skipped. */
static void event_loop_dispatch_hot(struct event_loop *loop, int ready)
{
	for (size_t i = 0; i < loop->hot_polled && ready > 0; i++) {
		short re = loop->hot_pfds[i].revents;
		int slot = loop->hot[i];

		if (!re)
			continue;
		ready--;
		if (loop->watches[slot].alive && loop->watches[slot].gen == loop->hot_gen[i])
			event_loop_fire(loop, slot, re);
	}
}

/* Drops the slots idle for EVENT_LOOP_HOT_MS (or emptied) from the hot
 * list and copies the others' pollfds for this round. */
static void event_loop_gather_hot(struct event_loop *loop)
{
	size_t kept = 0;

	for (size_t i = 0; i < loop->hot_count; i++) {
		int slot = loop->hot[i];
		struct watch *w = &loop->watches[slot];

		/* The wakeup fd stays: finished jobs must not wait for a cold check. */
		if (!w->alive || (loop->now_ms - w->active_ms > EVENT_LOOP_HOT_MS && w->fd != loop->wake_fd)) {
			w->hot = 0;
			continue;
		}
		loop->hot[kept] = slot;
		loop->hot_pfds[kept] = loop->pfds[slot];
		loop->hot_gen[kept] = w->gen;
		kept++;
	}
	loop->hot_count = loop->hot_polled = kept;
}

/* One poll() and its callbacks: over the hot slots while some are busy
 * among many, else (or when the cold check is due) over every slot.
 * RC_ERR_IO if poll() fails (not for a signal's EINTR). */
static int event_loop_poll_once(struct event_loop *loop)
{
	size_t polled = loop->count;
	int timeout = event_loop_timeout_ms(loop), n;

	loop->now_ms = clock_now_ms();
	event_loop_gather_hot(loop);
	if (polled >= EVENT_LOOP_SPLIT_MIN && loop->hot_polled > 0 && loop->now_ms < loop->next_cold_ms) {
		int64_t cold_in = loop->next_cold_ms - loop->now_ms;

		if (timeout < 0 || cold_in < timeout)
			timeout = (int)cold_in;
		if ((n = poll(loop->hot_pfds, loop->hot_polled, timeout)) < 0)
			return errno == EINTR ? RC_OK : RC_ERR_IO;
		event_loop_dispatch_hot(loop, n);
		return RC_OK;
	}
	if (polled >= EVENT_LOOP_SPLIT_MIN && loop->hot_polled > 0)
		timeout = 0;
	if ((n = poll(loop->pfds, polled, timeout)) < 0)
		return errno == EINTR ? RC_OK : RC_ERR_IO;
	loop->next_cold_ms = clock_now_ms() + EVENT_LOOP_COLD_CHECK_MS;
	event_loop_dispatch_all(loop, polled, n);
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
