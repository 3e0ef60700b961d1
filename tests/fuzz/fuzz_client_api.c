/* Fuzz target: the client's protocol calls (client/api.c) against a hostile
 * or broken server, played by fake_session.c.
 *
 * Byte 0 picks the call (ping, register, get_users, get_messages, send_text
 * with a self copy, goodbye); the rest are the server's answers, one per
 * line. Whatever the answers, a call returns RC_OK only with complete
 * results, an error otherwise with a NUL-terminated reason in err, and a
 * server's error text reaches err without control characters. */
#include "config.h"

#include <string.h>

#include "api.h"
#include "errors.h"
#include "fake_session.h"
#include "fuzz_common.h"
#include "session.h"

/* Small on purpose: long server texts must be cut, not overflow. */
#define CLIENT_ERRLEN 40

enum client_call {
	CALL_PING,
	CALL_REGISTER,
	CALL_GET_USERS,
	CALL_GET_MESSAGES,
	CALL_SEND_TEXT,
	CALL_GOODBYE,
	CALL_COUNT,
};

static void check_err(int rc, const char *err)
{
	size_t i, len;

	FUZZ_CHECK(rc == RC_OK || rc == RC_ERR_SERVER || rc == RC_ERR_PROTOCOL || rc == RC_ERR_EOF);
	FUZZ_CHECK((len = strnlen(err, CLIENT_ERRLEN)) < CLIENT_ERRLEN);
	if (rc == RC_OK)
		return;
	FUZZ_CHECK(len > 0 || rc == RC_ERR_SERVER);
	for (i = 0; i < len; i++)
		FUZZ_CHECK((unsigned char)err[i] >= 0x20 && err[i] != 0x7f);
}

static void call_register(struct session *s, char *err)
{
	char *registered = NULL;
	int already = -1, rc;

	rc = api_register(s, "alice", &registered, &already, err, CLIENT_ERRLEN);
	check_err(rc, err);
	if (rc == RC_OK) {
		FUZZ_CHECK(registered != NULL && (already == 1 || strcmp(registered, "alice") == 0));
	} else {
		FUZZ_CHECK(registered == NULL && already == 0);
	}
	free(registered);
}

/* "hello" to bob with a self copy (both copies sealed for our own key). */
static int call_send_text(struct session *s, char *err)
{
	struct api_sealed sealed;
	int acked = 0, rc;

	if ((rc = api_seal_v1("bob", &s->me->pub, &s->me->pub, "hello", 5, &sealed, err, CLIENT_ERRLEN)) != RC_OK)
		return rc;
	rc = api_send_sealed_resume(s, "bob", &sealed, "fuzz", &acked, err, CLIENT_ERRLEN);
	api_sealed_free(&sealed);
	return rc;
}

static void call_get_users(struct session *s, char *err)
{
	struct api_users users = {NULL, 0};
	size_t i;
	int rc;

	rc = api_get_users(s, &users, err, CLIENT_ERRLEN);
	check_err(rc, err);
	if (rc != RC_OK) {
		FUZZ_CHECK(users.v == NULL && users.count == 0);
		return;
	}
	for (i = 0; i < users.count; i++) {
		FUZZ_CHECK(users.v[i].login != NULL && users.v[i].login[0] != '\0');
		FUZZ_CHECK(mpz_sgn(users.v[i].key.e) >= 0 && mpz_sgn(users.v[i].key.n) >= 0);
		FUZZ_CHECK(api_users_find(&users, users.v[i].login) != NULL);
	}
	api_users_free(&users);
}

static void call_get_messages(struct session *s, char *err)
{
	struct api_messages msgs = {NULL, 0};
	size_t i;
	int rc;

	rc = api_get_messages(s, "bob", &msgs, err, CLIENT_ERRLEN);
	check_err(rc, err);
	if (rc != RC_OK) {
		FUZZ_CHECK(msgs.v == NULL && msgs.count == 0);
		return;
	}
	for (i = 0; i < msgs.count; i++) {
		FUZZ_CHECK(msgs.v[i].sender && msgs.v[i].created_at && msgs.v[i].content);
		FUZZ_CHECK(msgs.v[i].content[msgs.v[i].content_len] == '\0');
	}
	api_messages_free(&msgs);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_input in = {data, size};
	struct session s;
	char err[CLIENT_ERRLEN];
	enum client_call call;
	int rc;

	memset(&s, 0, sizeof(s));
	s.fd = -1;
	s.me = fuzz_key();
	memset(err, 'X', sizeof(err));
	call = (enum client_call)(fuzz_take_u8(&in) % CALL_COUNT);
	fake_session_script(in.p, in.n);
	switch (call) {
	case CALL_PING:
		check_err(api_ping(&s, err, sizeof(err)), err);
		break;
	case CALL_REGISTER:
		call_register(&s, err);
		break;
	case CALL_GET_USERS:
		call_get_users(&s, err);
		break;
	case CALL_GET_MESSAGES:
		call_get_messages(&s, err);
		break;
	case CALL_SEND_TEXT:
		rc = call_send_text(&s, err);
		check_err(rc, err);
		/* The self copy only goes out once the recipient's copy is sent. */
		FUZZ_CHECK(rc != RC_OK || fake_session_requests() == 2);
		break;
	case CALL_GOODBYE:
		s.fd = 0;  /* "connected": goodbye is sent, then session_close */
		api_goodbye(&s);
		FUZZ_CHECK(s.fd == -1 && fake_session_requests() == 1);
		break;
	case CALL_COUNT:
		break;
	}
	FUZZ_CHECK(fake_session_requests() <= 2);
	return 0;
}
