/* One request/response exchange over a connected session, split in two so
 * a benchmark can time the server alone: the round trip (send a sealed
 * request frame, receive the whole response frame) and the client's own work
 * (decrypting and parsing the response) are separate calls. */
#ifndef RC_EXCHANGE_H
#define RC_EXCHANGE_H

#include <json-c/json.h>
#include <stddef.h>

#include "blocklist.h"
#include "bytebuf.h"
#include "session.h"

/* Encrypts a request's JSON text for the session's server into frame (the
 * bytes to send). Requests never change, so callers seal them once. */
int exchange_seal(const struct session *s, const char *json, size_t len, struct bytebuf *frame);
/* Number of RSA blocks in a sealed frame. */
size_t exchange_frame_blocks(const struct bytebuf *frame);
/* Sends frame and receives the next response frame's blocks into resp
 * (initialised here; the caller frees it), within the session's timeout. */
int exchange_roundtrip(struct session *s, const struct bytebuf *frame, struct blocklist *resp);
/* Decrypts and parses a response. RC_OK: *resp is the response object and
 * *data its "data" member (borrowed from *resp). RC_ERR_SERVER: the server
 * answered {"state": "error"}; err holds its error text. Other errors:
 * err says what was wrong with the response. The caller puts *resp. */
int exchange_decode(const struct session *s, const struct blocklist *blocks, struct json_object **resp,
                    struct json_object **data, char *err, size_t errlen);

#endif
