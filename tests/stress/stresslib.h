/* What the stress programs (rc-stress, hostile-server) share besides the
 * socket helpers of tests/lib/testnet.h: dying with a message. */
#ifndef RC_STRESSLIB_H
#define RC_STRESSLIB_H

/* The program's name in messages; set it first thing in main. */
extern const char *stress_prog;

/* Prints "PROG: message" and exits 2 (a broken test setup, not a finding). */
void stress_die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));

#endif
