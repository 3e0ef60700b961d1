/* What the stress programs (rc-stress, hostile-server) share: dying with a
 * message, writing a whole buffer to a socket, and a number as a bytes
 * frame (a handshake's key component). */
#ifndef RC_STRESSLIB_H
#define RC_STRESSLIB_H

#include <gmp.h>
#include <stddef.h>

#include "bytebuf.h"

/* The program's name in messages; set it first thing in main. */
extern const char *stress_prog;

/* Prints "PROG: message" and exits 2 (a broken test setup, not a finding). */
void stress_die(const char *fmt, ...) __attribute__((format(printf, 1, 2), noreturn));
/* Sends all n bytes; -1 when the peer has gone (no SIGPIPE). */
int stress_send_all(int fd, const void *p, size_t n);
/* Appends v's minimal big-endian bytes as a bytes frame. */
void stress_frame_number(struct bytebuf *out, const mpz_t v);

#endif
