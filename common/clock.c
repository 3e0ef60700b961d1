#include "config.h"

#include "clock.h"

#define CLOCK_NS_PER_MS 1000000L
#define CLOCK_NS_PER_S 1000000000L

int64_t clock_now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / CLOCK_NS_PER_MS;
}

void clock_timespec_after(clockid_t clock, int64_t ms, struct timespec *ts)
{
	if (ms < 0)
		ms = 0;
	clock_gettime(clock, ts);
	ts->tv_sec += (time_t)(ms / 1000);
	ts->tv_nsec += (long)(ms % 1000) * CLOCK_NS_PER_MS;
	if (ts->tv_nsec >= CLOCK_NS_PER_S) {
		ts->tv_sec++;
		ts->tv_nsec -= CLOCK_NS_PER_S;
	}
}

int clock_backoff_next(int delay_ms, int max_ms)
{
	return delay_ms > max_ms / 2 ? max_ms : delay_ms * 2;
}
