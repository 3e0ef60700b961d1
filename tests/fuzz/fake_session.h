/* A stand-in for the network half of common/session.c (session_request and
 * session_close, linked instead of it) so the fuzzer can play a hostile
 * server to the client's protocol calls (client/api.c). Each request gets
 * the next line of a script as the server's answer; every request the client
 * sends is checked to be a protocol command in valid UTF-8 JSON. Only the
 * fuzz targets use it. */
#ifndef RC_FUZZ_FAKE_SESSION_H
#define RC_FUZZ_FAKE_SESSION_H

#include <stddef.h>
#include <stdint.h>

/* Answers to the coming requests: p[0..n) split at newlines (borrowed; the
 * requests after the last answer fail with RC_ERR_EOF). */
void fake_session_script(const uint8_t *p, size_t n);
/* Requests sent since the script was set. */
unsigned fake_session_requests(void);

#endif
