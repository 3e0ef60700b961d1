/* Socket and frame helpers the test programs share (fake servers and raw
 * clients): listening on a free loopback port, sending a whole buffer,
 * reading exactly one frame, and a number as a bytes frame. */
#ifndef RC_TESTNET_H
#define RC_TESTNET_H

#include <gmp.h>
#include <stddef.h>

#include "blocklist.h"
#include "bytebuf.h"
#include "frame.h"

/* A socket listening on 127.0.0.1 at a port the system picks (*port gets
 * it); -1 with errno on failure. */
int testnet_listen_loopback(int backlog, unsigned *port);
/* Sends all n bytes (retrying after signals); -1 when the peer has gone
 * (no SIGPIPE). */
int testnet_send_all(int fd, const void *p, size_t n);
/* Reads one frame of kind within limits into out, one byte at a time so
 * nothing of the next frame is taken from the socket. RC_OK, RC_ERR_EOF when
 * the stream ends first, or the frame reader's error. */
int testnet_read_frame(int fd, enum frame_kind kind, const struct frame_limits *limits, struct blocklist *out);
/* Appends v's minimal big-endian bytes as a bytes frame (a handshake's key
 * component). */
int testnet_frame_number(struct bytebuf *out, const mpz_t v);

#endif
