/* The event loop alone: readiness callbacks, unwatching inside callbacks,
 * an fd number closed and reused inside a round, one ready fd among many,
 * a quiet fd among many served while another is busy, an fd far above the
 * others, write interest, the periodic tick, the before-poll hook and
 * wakeups from another thread. */
#include "config.h"

#include <stdarg.h>
#include <setjmp.h>
#include <stddef.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <unistd.h>

#include <cmocka.h>

#include "errors.h"
#include "event_loop.h"

struct counts {
	int readable;
	int writable;
	int ticks;
	int before_poll;
	int wakeups;
	int other_fd;       /* a watch the callback removes */
	int stop_after_ticks;
	int feed_fd;         /* a pipe's write end a callback writes to */
};

/* Every test gets a loop and two pipes. */
struct fixture {
	struct event_loop *loop;
	int a[2];
	int b[2];
	struct counts c;
};

static int fixture_setup(void **state)
{
	struct fixture *f = calloc(1, sizeof *f);

	assert_non_null(f);
	assert_int_equal(pipe(f->a), 0);
	assert_int_equal(pipe(f->b), 0);
	assert_int_equal(event_loop_new(&f->loop), RC_OK);
	*state = f;
	return 0;
}

static int fixture_teardown(void **state)
{
	struct fixture *f = *state;

	event_loop_free(f->loop);
	close(f->a[0]);
	close(f->a[1]);
	close(f->b[0]);
	close(f->b[1]);
	free(f);
	return 0;
}

static void on_readable_stop(struct event_loop *loop, int fd, unsigned events, void *arg)
{
	struct counts *c = arg;
	char buf[16];

	if (events & EVENT_READABLE) {
		c->readable++;
		assert_true(read(fd, buf, sizeof buf) > 0);
	}
	event_loop_stop(loop);
}

static void test_readable_fires(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(event_loop_watch(f->loop, f->a[0], EVENT_READABLE, on_readable_stop, &f->c), RC_OK);
	assert_int_equal(write(f->a[1], "x", 1), 1);
	assert_int_equal(event_loop_run(f->loop), RC_OK);
	assert_int_equal(f->c.readable, 1);
}

/* The first callback of a round removes the other watch: it must not run,
 * although its fd was ready in the same poll(). */
static void on_readable_unwatch_other(struct event_loop *loop, int fd, unsigned events, void *arg)
{
	struct counts *c = arg;
	char buf[16];

	(void)events;
	c->readable++;
	assert_true(read(fd, buf, sizeof buf) > 0);
	event_loop_unwatch(loop, c->other_fd);
	event_loop_unwatch(loop, fd);
	event_loop_stop(loop);
}

static void test_unwatch_inside_callback(void **state)
{
	struct fixture *f = *state;

	assert_int_equal(event_loop_watch(f->loop, f->a[0], EVENT_READABLE, on_readable_unwatch_other, &f->c), RC_OK);
	assert_int_equal(event_loop_watch(f->loop, f->b[0], EVENT_READABLE, on_readable_unwatch_other, &f->c), RC_OK);
	assert_int_equal(write(f->a[1], "x", 1), 1);
	assert_int_equal(write(f->b[1], "y", 1), 1);
	/* a's watch comes first in the round and removes b's. */
	f->c.other_fd = f->b[0];
	assert_int_equal(event_loop_run(f->loop), RC_OK);
	assert_int_equal(f->c.readable, 1);
}

static void on_never(struct event_loop *loop, int fd, unsigned events, void *arg)
{
	(void)loop;
	(void)fd;
	(void)events;
	(void)arg;
	fail_msg("a removed watch was called back");
}

static void on_readable_count_stop(struct event_loop *loop, int fd, unsigned events, void *arg)
{
	struct counts *c = arg;
	char buf[16];

	assert_int_equal(fd, c->other_fd);
	assert_true(events & EVENT_READABLE);
	assert_true(read(fd, buf, sizeof buf) > 0);
	c->readable++;
	event_loop_stop(loop);
}

/* The first callback of a round removes b's watch (ready too), closes b
 * and opens a pipe, which gets b's fd number: the new watch must not get
 * b's readiness in this round (its pipe is empty, a read would fail), and
 * gets its own in the next (the before-poll hook writes to it). */
static int third[2];

static void on_readable_replace_other(struct event_loop *loop, int fd, unsigned events, void *arg)
{
	struct counts *c = arg;
	char buf[16];
	int old = c->other_fd;

	(void)events;
	assert_true(read(fd, buf, sizeof buf) > 0);
	event_loop_unwatch(loop, fd);
	event_loop_unwatch(loop, old);
	close(old);
	assert_int_equal(pipe2(third, O_NONBLOCK), 0);
	assert_int_equal(third[0], old);
	c->other_fd = third[0];
	assert_int_equal(event_loop_watch(loop, third[0], EVENT_READABLE, on_readable_count_stop, c), RC_OK);
}

static void on_before_poll_feed_third(struct event_loop *loop, void *arg)
{
	struct counts *c = arg;

	(void)loop;
	if (c->other_fd == third[0] && c->before_poll++ == 0)
		assert_int_equal(write(third[1], "z", 1), 1);
}

static void test_fd_reused_inside_callback(void **state)
{
	struct fixture *f = *state;

	third[0] = third[1] = -1;
	assert_int_equal(event_loop_watch(f->loop, f->a[0], EVENT_READABLE, on_readable_replace_other, &f->c), RC_OK);
	assert_int_equal(event_loop_watch(f->loop, f->b[0], EVENT_READABLE, on_never, &f->c), RC_OK);
	event_loop_set_before_poll(f->loop, on_before_poll_feed_third, &f->c);
	assert_int_equal(write(f->a[1], "x", 1), 1);
	assert_int_equal(write(f->b[1], "y", 1), 1);
	/* a's fd is below b's, so a's callback runs first in the round. */
	assert_true(f->a[0] < f->b[0]);
	f->c.other_fd = f->b[0];
	assert_int_equal(event_loop_run(f->loop), RC_OK);
	assert_int_equal(f->c.readable, 1);
	event_loop_unwatch(f->loop, third[0]);
	f->b[0] = -1; /* closed by the callback; third[0] holds its number */
	close(third[0]);
	close(third[1]);
}

/* An fd far above every other (the table grows to it) is served; its
 * callback unwatches it and makes a low one ready, which is served next. */
static void on_high_readable(struct event_loop *loop, int fd, unsigned events, void *arg)
{
	struct counts *c = arg;
	char buf[16];

	assert_true(events & EVENT_READABLE);
	assert_true(read(fd, buf, sizeof buf) > 0);
	c->readable++;
	event_loop_unwatch(loop, fd);
	close(fd);
	assert_int_equal(write(c->feed_fd, "y", 1), 1);
}

static void test_high_fd(void **state)
{
	struct fixture *f = *state;
	int high = dup2(f->a[0], 900);

	assert_int_equal(high, 900);
	assert_int_equal(event_loop_watch(f->loop, high, EVENT_READABLE, on_high_readable, &f->c), RC_OK);
	assert_int_equal(event_loop_watch(f->loop, f->b[0], EVENT_READABLE, on_readable_count_stop, &f->c), RC_OK);
	f->c.other_fd = f->b[0];
	f->c.feed_fd = f->b[1];
	assert_int_equal(write(f->a[1], "x", 1), 1);
	assert_int_equal(event_loop_run(f->loop), RC_OK);
	assert_int_equal(f->c.readable, 2);
}

/* Many watches, some of them removed and one watched again: only the
 * ready one is called back, with its own fd. */
#define MANY_PIPES 40

static void test_one_ready_among_many(void **state)
{
	struct fixture *f = *state;
	int pipes[MANY_PIPES][2];

	for (int i = 0; i < MANY_PIPES; i++) {
		assert_int_equal(pipe(pipes[i]), 0);
		assert_int_equal(event_loop_watch(f->loop, pipes[i][0], EVENT_READABLE, on_never, &f->c), RC_OK);
	}
	for (int i = 0; i < MANY_PIPES; i += 3)
		event_loop_unwatch(f->loop, pipes[i][0]);
	/* pipes[0] is watched again, with another callback. */
	f->c.other_fd = pipes[0][0];
	assert_int_equal(event_loop_watch(f->loop, pipes[0][0], EVENT_READABLE, on_readable_count_stop, &f->c), RC_OK);
	assert_int_equal(write(pipes[0][1], "x", 1), 1);
	assert_int_equal(event_loop_run(f->loop), RC_OK);
	assert_int_equal(f->c.readable, 1);
	for (int i = 0; i < MANY_PIPES; i++) {
		event_loop_unwatch(f->loop, pipes[i][0]);
		close(pipes[i][0]);
		close(pipes[i][1]);
	}
}

/* Beside many quiet watches, one that is ready every round: a quiet pipe
 * that becomes readable meanwhile is served too. */
#define SPLIT_PIPES 70
static int split_pipes[SPLIT_PIPES][2];

static void on_busy(struct event_loop *loop, int fd, unsigned events, void *arg)
{
	struct counts *c = arg;

	(void)loop;
	(void)events;
	(void)fd;
	/* Stays readable: the byte is never read. On the 5th round the quiet
	 * pipe gets its byte. */
	if (++c->writable == 5)
		assert_int_equal(write(split_pipes[SPLIT_PIPES - 1][1], "q", 1), 1);
}

static void test_quiet_watch_served_while_busy(void **state)
{
	struct fixture *f = *state;

	for (int i = 0; i < SPLIT_PIPES; i++) {
		assert_int_equal(pipe(split_pipes[i]), 0);
		assert_int_equal(event_loop_watch(f->loop, split_pipes[i][0], EVENT_READABLE, on_never, &f->c), RC_OK);
	}
	assert_int_equal(event_loop_watch(f->loop, split_pipes[0][0], EVENT_READABLE, on_busy, &f->c), RC_OK);
	assert_int_equal(write(split_pipes[0][1], "b", 1), 1);
	f->c.other_fd = split_pipes[SPLIT_PIPES - 1][0];
	assert_int_equal(event_loop_watch(f->loop, f->c.other_fd, EVENT_READABLE, on_readable_count_stop, &f->c),
	                 RC_OK);
	assert_int_equal(event_loop_run(f->loop), RC_OK);
	assert_int_equal(f->c.readable, 1);
	assert_true(f->c.writable >= 5);
	for (int i = 0; i < SPLIT_PIPES; i++) {
		event_loop_unwatch(f->loop, split_pipes[i][0]);
		close(split_pipes[i][0]);
		close(split_pipes[i][1]);
	}
}

static void on_tick(struct event_loop *loop, void *arg)
{
	struct counts *c = arg;

	if (++c->ticks >= c->stop_after_ticks)
		event_loop_stop(loop);
}

static void on_before_poll(struct event_loop *loop, void *arg)
{
	struct counts *c = arg;

	(void)loop;
	c->before_poll++;
}

static void on_any(struct event_loop *loop, int fd, unsigned events, void *arg)
{
	struct counts *c = arg;

	(void)loop;
	(void)fd;
	if (events & EVENT_READABLE)
		c->readable++;
	if (events & EVENT_WRITABLE)
		c->writable++;
}

/* With no interest, a ready fd is not reported; the tick and the hook run. */
static void test_no_interest_and_tick(void **state)
{
	struct fixture *f = *state;

	f->c.stop_after_ticks = 3;
	assert_int_equal(event_loop_watch(f->loop, f->a[0], EVENT_READABLE, on_any, &f->c), RC_OK);
	event_loop_set_events(f->loop, f->a[0], 0);
	assert_int_equal(write(f->a[1], "x", 1), 1);
	event_loop_set_tick(f->loop, 5, on_tick, &f->c);
	event_loop_set_before_poll(f->loop, on_before_poll, &f->c);
	assert_int_equal(event_loop_run(f->loop), RC_OK);
	assert_int_equal(f->c.ticks, 3);
	assert_int_equal(f->c.readable, 0);
	assert_true(f->c.before_poll >= 3);
}

/* Write interest reports a writable pipe until it is turned off. */
static void test_write_interest(void **state)
{
	struct fixture *f = *state;

	f->c.stop_after_ticks = 1;
	assert_int_equal(event_loop_watch(f->loop, f->a[1], EVENT_WRITABLE, on_any, &f->c), RC_OK);
	event_loop_set_tick(f->loop, 20, on_tick, &f->c);
	assert_int_equal(event_loop_run(f->loop), RC_OK);
	assert_true(f->c.writable > 0);
	f->c.writable = 0;
	f->c.ticks = 0;
	event_loop_set_events(f->loop, f->a[1], 0);
	event_loop_set_tick(f->loop, 20, on_tick, &f->c);
	assert_int_equal(event_loop_run(f->loop), RC_OK);
	assert_int_equal(f->c.writable, 0);
}

static void on_wakeup(struct event_loop *loop, void *arg)
{
	struct counts *c = arg;

	c->wakeups++;
	event_loop_stop(loop);
}

static void *wake_later(void *arg)
{
	usleep(20000);
	event_loop_wakeup(arg);
	return NULL;
}

static void test_wakeup_from_thread(void **state)
{
	struct fixture *f = *state;
	pthread_t t;

	event_loop_set_wakeup(f->loop, on_wakeup, &f->c);
	assert_int_equal(pthread_create(&t, NULL, wake_later, f->loop), 0);
	assert_int_equal(event_loop_run(f->loop), RC_OK);
	pthread_join(t, NULL);
	assert_int_equal(f->c.wakeups, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_readable_fires, fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_unwatch_inside_callback, fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_fd_reused_inside_callback, fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_high_fd, fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_one_ready_among_many, fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_quiet_watch_served_while_busy, fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_no_interest_and_tick, fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_write_interest, fixture_setup, fixture_teardown),
		cmocka_unit_test_setup_teardown(test_wakeup_from_thread, fixture_setup, fixture_teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
