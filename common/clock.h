/* Time as the programs need it: a monotonic millisecond clock for deadlines
 * and timeouts, absolute timespecs for the pthread calls that take them, and
 * the doubling of a retry delay. */
#ifndef RC_CLOCK_H
#define RC_CLOCK_H

#include <stdint.h>
#include <time.h>

/* Milliseconds on CLOCK_MONOTONIC (never jumps with the wall clock). */
int64_t clock_now_ms(void);
/* *ts = now on `clock` plus ms (ms < 0 counts as 0), normalised: the form
 * pthread_cond_timedwait (CLOCK_MONOTONIC condition attribute) and
 * pthread_timedjoin_np (CLOCK_REALTIME) want. */
void clock_timespec_after(clockid_t clock, int64_t ms, struct timespec *ts);
/* The next retry delay after `delay_ms`: doubled, at most max_ms. */
int clock_backoff_next(int delay_ms, int max_ms);

#endif
