/* The event loop alone: readiness callbacks, unwatching inside callbacks,
 * write interest, the periodic tick, the before-poll hook and wakeups from
 * another thread. */
#include "config.h"

#include <stdarg.h>
#include <setjmp.h>
#include <stddef.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
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
};

static void pipe_or_fail(int p[2])
{
	assert_int_equal(pipe(p), 0);
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
	struct event_loop *loop;
	struct counts c = { 0 };
	int p[2];

	(void)state;
	pipe_or_fail(p);
	assert_int_equal(event_loop_new(&loop), RC_OK);
	assert_int_equal(event_loop_watch(loop, p[0], EVENT_READABLE, on_readable_stop, &c), RC_OK);
	assert_int_equal(write(p[1], "x", 1), 1);
	assert_int_equal(event_loop_run(loop), RC_OK);
	assert_int_equal(c.readable, 1);
	event_loop_free(loop);
	close(p[0]);
	close(p[1]);
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
	struct event_loop *loop;
	struct counts c = { 0 };
	int a[2], b[2];

	(void)state;
	pipe_or_fail(a);
	pipe_or_fail(b);
	assert_int_equal(event_loop_new(&loop), RC_OK);
	assert_int_equal(event_loop_watch(loop, a[0], EVENT_READABLE, on_readable_unwatch_other, &c), RC_OK);
	assert_int_equal(event_loop_watch(loop, b[0], EVENT_READABLE, on_readable_unwatch_other, &c), RC_OK);
	assert_int_equal(write(a[1], "x", 1), 1);
	assert_int_equal(write(b[1], "y", 1), 1);
	/* a's watch comes first in the round and removes b's. */
	c.other_fd = b[0];
	assert_int_equal(event_loop_run(loop), RC_OK);
	assert_int_equal(c.readable, 1);
	event_loop_free(loop);
	close(a[0]);
	close(a[1]);
	close(b[0]);
	close(b[1]);
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
	struct event_loop *loop;
	struct counts c = { 0 };
	int p[2];

	(void)state;
	pipe_or_fail(p);
	c.stop_after_ticks = 3;
	assert_int_equal(event_loop_new(&loop), RC_OK);
	assert_int_equal(event_loop_watch(loop, p[0], EVENT_READABLE, on_any, &c), RC_OK);
	event_loop_set_events(loop, p[0], 0);
	assert_int_equal(write(p[1], "x", 1), 1);
	event_loop_set_tick(loop, 5, on_tick, &c);
	event_loop_set_before_poll(loop, on_before_poll, &c);
	assert_int_equal(event_loop_run(loop), RC_OK);
	assert_int_equal(c.ticks, 3);
	assert_int_equal(c.readable, 0);
	assert_true(c.before_poll >= 3);
	event_loop_free(loop);
	close(p[0]);
	close(p[1]);
}

/* Write interest reports a writable pipe until it is turned off. */
static void test_write_interest(void **state)
{
	struct event_loop *loop;
	struct counts c = { 0 };
	int p[2];

	(void)state;
	pipe_or_fail(p);
	c.stop_after_ticks = 1;
	assert_int_equal(event_loop_new(&loop), RC_OK);
	assert_int_equal(event_loop_watch(loop, p[1], EVENT_WRITABLE, on_any, &c), RC_OK);
	event_loop_set_tick(loop, 20, on_tick, &c);
	assert_int_equal(event_loop_run(loop), RC_OK);
	assert_true(c.writable > 0);
	c.writable = 0;
	c.ticks = 0;
	event_loop_set_events(loop, p[1], 0);
	event_loop_set_tick(loop, 20, on_tick, &c);
	assert_int_equal(event_loop_run(loop), RC_OK);
	assert_int_equal(c.writable, 0);
	event_loop_free(loop);
	close(p[0]);
	close(p[1]);
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
	struct event_loop *loop;
	struct counts c = { 0 };
	pthread_t t;

	(void)state;
	assert_int_equal(event_loop_new(&loop), RC_OK);
	event_loop_set_wakeup(loop, on_wakeup, &c);
	assert_int_equal(pthread_create(&t, NULL, wake_later, loop), 0);
	assert_int_equal(event_loop_run(loop), RC_OK);
	pthread_join(t, NULL);
	assert_int_equal(c.wakeups, 1);
	event_loop_free(loop);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_readable_fires),
		cmocka_unit_test(test_unwatch_inside_callback),
		cmocka_unit_test(test_no_interest_and_tick),
		cmocka_unit_test(test_write_interest),
		cmocka_unit_test(test_wakeup_from_thread),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
