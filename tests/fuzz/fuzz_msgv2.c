/* Fuzz target: message format v2 (common/msgv2.c) with the fixed key as
 * every party (sender, recipient and reader: the self copy's case).
 *
 * Byte 0, bit 0 picks the mode:
 * - 0, open: the rest is a content string. msgv2_open must reach a verdict
 *   (RC_OK), give text exactly on MSGV2_OK (valid NUL-free UTF-8), and say
 *   MSGV2_NOT_V2 for every content a v1 decoder (content_decode) accepts.
 * - 1, seal and open: byte 1 picks the byte of the content to alter, bytes 2
 *   and 3 the lengths of the sender's and the recipient's login, then the
 *   logins (cut at a NUL) and the text. msgv2_seal must accept exactly valid
 *   logins and valid UTF-8 text; the content and the self copy must open to
 *   the same text, named differently they must not open, and the altered
 *   content must never open to another text.
 * The seeds (corpus/msgv2/) are kept by hand, not by make-seeds: open-v2 and
 * open-v2-self-copy were sealed once with this key by msgv2_seal, from "me"
 * to "you" (OAEP and PSS are randomized: any seal serves). */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "content.h"
#include "errors.h"
#include "fuzz_common.h"
#include "msgv2.h"
#include "utf8.h"

/* Bounds the RSA operations one input may cost (62 text bytes per block). */
#define FUZZ_MSGV2_MAX_TEXT 600u

static enum msgv2_status fuzz_msgv2_open(const char *sender, const char *recipient, const char *content, size_t len,
                                         char **text, size_t *text_len)
{
	const struct rsa_private *k = fuzz_key();
	struct msgv2_party from = { sender, &k->pub }, to = { recipient, &k->pub };
	enum msgv2_status status;

	FUZZ_CHECK(msgv2_open(k, &from, &to, content, len, text, text_len, &status) == RC_OK);
	FUZZ_CHECK((status == MSGV2_OK) == (*text != NULL));
	if (status == MSGV2_OK) {
		FUZZ_CHECK((*text)[*text_len] == '\0' && *text_len <= MSGV2_MAX_TEXT_BYTES);
		FUZZ_CHECK(utf8_check_text((const uint8_t *)*text, *text_len) == RC_OK);
	}
	return status;
}

static void fuzz_open(struct fuzz_input *in)
{
	char *content = fuzz_copy_exact(in->p, in->n), *text = NULL, *v1 = NULL;
	size_t text_len = 0, v1_len = 0;
	enum msgv2_status status = fuzz_msgv2_open("me", "you", content, in->n, &text, &text_len);

	FUZZ_CHECK(status <= MSGV2_WRONG_RECIPIENT);
	if (content_decode(fuzz_key(), content, in->n, &v1, &v1_len) == RC_OK)
		FUZZ_CHECK(status == MSGV2_NOT_V2);
	free(v1);
	free(text);
	free(content);
}

/* A login from up to want input bytes, cut at the first NUL (malloc'd). */
static char *fuzz_login(struct fuzz_input *in, size_t want)
{
	size_t got;
	const uint8_t *p = fuzz_take_bytes(in, want, &got);
	char *login = malloc(got + 1);

	FUZZ_CHECK(login != NULL);
	memcpy(login, p, got);
	login[got] = 0;
	return login;
}

static void fuzz_round_trip(struct fuzz_input *in)
{
	size_t where = fuzz_take_u8(in), sender_len = fuzz_take_u8(in), recipient_len = fuzz_take_u8(in), len, text_len;
	char *sender = fuzz_login(in, sender_len), *recipient = fuzz_login(in, recipient_len), *content = NULL, *self = NULL;
	char *text = NULL;
	int valid, rc;

	len = in->n < FUZZ_MSGV2_MAX_TEXT ? in->n : FUZZ_MSGV2_MAX_TEXT;
	valid = sender[0] != 0 && recipient[0] != 0 && utf8_check_text(in->p, len) == RC_OK;
	rc = msgv2_seal(fuzz_key(), sender, &fuzz_key()->pub, recipient, (const char *)in->p, len, &content, &self);
	FUZZ_CHECK((rc == RC_OK) == valid);
	if (rc != RC_OK) {
		FUZZ_CHECK(content == NULL && self == NULL);
		goto out;
	}
	FUZZ_CHECK(fuzz_msgv2_open(sender, recipient, content, strlen(content), &text, &text_len) == MSGV2_OK);
	FUZZ_CHECK(text_len == len && memcmp(text, in->p, len) == 0);
	free(text);
	FUZZ_CHECK(fuzz_msgv2_open(sender, recipient, self, strlen(self), &text, &text_len) == MSGV2_OK);
	free(text);
	if (strcmp(sender, recipient) != 0) {
		/* the same key at both ends: only the logins tell them apart */
		FUZZ_CHECK(fuzz_msgv2_open(recipient, sender, content, strlen(content), &text, &text_len) == MSGV2_FORGED);
		FUZZ_CHECK(fuzz_msgv2_open(sender, sender, content, strlen(content), &text, &text_len) == MSGV2_WRONG_RECIPIENT);
	}
	content[where * 7 % strlen(content)] ^= 0x01;
	if (fuzz_msgv2_open(sender, recipient, content, strlen(content), &text, &text_len) == MSGV2_OK)
		FUZZ_CHECK(text_len == len && memcmp(text, in->p, len) == 0);
	free(text);
out:
	free(content);
	free(self);
	free(sender);
	free(recipient);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fuzz_input in = {data, size};

	fuzz_setup();
	if (fuzz_take_u8(&in) & 1)
		fuzz_round_trip(&in);
	else
		fuzz_open(&in);
	return 0;
}
