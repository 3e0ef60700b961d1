#include "config.h"

#include <json-c/json.h>
#include <string.h>

#include "errors.h"
#include "fake_session.h"
#include "fuzz_common.h"
#include "jsonx.h"
#include "protocol.h"
#include "session.h"
#include "utf8.h"

static struct fuzz_input fake_script;
static unsigned fake_requests;

void fake_session_script(const uint8_t *p, size_t n)
{
	fake_script.p = p;
	fake_script.n = n;
	fake_requests = 0;
}

unsigned fake_session_requests(void)
{
	return fake_requests;
}

/* What a client may send: an object whose cmd is a protocol command. */
static void fake_check_request(struct json_object *req)
{
	static const char *const cmds[] = {PROTO_CMD_PING, PROTO_CMD_GOODBYE, PROTO_CMD_REGISTER,
	                                   PROTO_CMD_GET_USERS, PROTO_CMD_GET_MESSAGES, PROTO_CMD_SEND_MESSAGE};
	const char *cmd = jsonx_get_string(req, "cmd"), *text;
	size_t i, len;

	FUZZ_CHECK(cmd != NULL);
	for (i = 0; i < sizeof(cmds) / sizeof(cmds[0]) && strcmp(cmd, cmds[i]) != 0; i++)
		;
	FUZZ_CHECK(i < sizeof(cmds) / sizeof(cmds[0]));
	text = jsonx_to_string(req, &len);
	FUZZ_CHECK(utf8_check_text((const uint8_t *)text, len) == RC_OK);
}

/* The next scripted answer, like session.c: its text through jsonx_parse,
 * RC_ERR_PROTOCOL when it is not JSON. */
static int fake_answer(struct json_object **resp)
{
	const uint8_t *line, *nl;
	size_t len;
	int rc;

	*resp = NULL;
	if (fake_script.n == 0)
		return RC_ERR_EOF;
	nl = memchr(fake_script.p, '\n', fake_script.n);
	line = fuzz_take_bytes(&fake_script, nl ? (size_t)(nl - fake_script.p) : fake_script.n, &len);
	if (nl)
		fuzz_take_u8(&fake_script);
	rc = jsonx_parse((const char *)line, len, resp);
	return rc == RC_OK || rc == RC_ERR_NOMEM ? rc : RC_ERR_PROTOCOL;
}

int session_request(struct session *s, struct json_object *req, struct json_object **resp)
{
	(void)s;
	fake_check_request(req);
	fake_requests++;
	return fake_answer(resp);
}

/* The halves of a request (api_wait_send, api_wait_read), so the real
 * session.c stays out of the link. */
int session_send_request(struct session *s, const char *req, size_t req_len)
{
	struct json_object *parsed = NULL;

	(void)s;
	FUZZ_CHECK(jsonx_parse(req, req_len, &parsed) == RC_OK);
	fake_check_request(parsed);
	json_object_put(parsed);
	fake_requests++;
	return RC_OK;
}

int session_read_json(struct session *s, int timeout_ms, struct json_object **resp)
{
	(void)s;
	(void)timeout_ms;
	return fake_answer(resp);
}

void session_close(struct session *s)
{
	s->fd = -1;
}
