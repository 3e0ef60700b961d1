#include "config.h"

#include <sodium.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "bytebuf.h"
#include "errors.h"
#include "fingerprint.h"
#include "frame.h"
#include "jsonx.h"
#include "msgv2.h"
#include "oaep.h"
#include "protocol.h"
#include "pss.h"
#include "secure.h"
#include "utf8.h"

#define MSGV2_CONTEXT "rsa-chat message v2"
#define MSGV2_B64 sodium_base64_VARIANT_ORIGINAL
#define MSGV2_FRAME_HEADER_BYTES 4u

/* The payload's fields, in order; the signature comes last. */
enum msgv2_field_index {
	MSGV2_FIELD_CONTEXT,
	MSGV2_FIELD_SENDER,
	MSGV2_FIELD_SENDER_KEY,
	MSGV2_FIELD_RECIPIENT,
	MSGV2_FIELD_RECIPIENT_KEY,
	MSGV2_FIELD_TEXT,
	MSGV2_FIELD_SIGNATURE,
	MSGV2_FIELD_COUNT
};

/* The longest payload: every field at its limit and the largest key's signature. */
#define MSGV2_MAX_PAYLOAD_BYTES                                                                                  \
	(MSGV2_FIELD_COUNT * MSGV2_FRAME_HEADER_BYTES + sizeof(MSGV2_CONTEXT) + 2u * MSGV2_MAX_LOGIN_BYTES +     \
	 2u * FINGERPRINT_MAX + MSGV2_MAX_TEXT_BYTES + PROTO_MAX_MODULUS_BITS / 8u)

/* One field of a payload, pointing into it. */
struct msgv2_field {
	const uint8_t *p;
	size_t len;
};

int msgv2_key_supported(const struct rsa_public *k)
{
	int rc;

	if ((rc = rsa_public_check(k)) != RC_OK || (rc = pss_key_supported(k)) != RC_OK)
		return rc;
	return oaep_max_message(k) > 0 ? RC_OK : RC_ERR_KEY;
}

static int msgv2_login_ok(const char *login)
{
	size_t n = login ? strlen(login) : 0;

	return n > 0 && n <= MSGV2_MAX_LOGIN_BYTES;
}

/* Appends `signed` (see msgv2.h) to out. */
static int msgv2_append_signed(struct bytebuf *out, const char *sender_login, const struct rsa_public *sender_key,
                               const char *recipient_login, const struct rsa_public *recipient_key, const char *text,
                               size_t len)
{
	char sender_fp[FINGERPRINT_MAX], recipient_fp[FINGERPRINT_MAX];
	int rc;

	if ((rc = fingerprint_public(sender_key, sender_fp)) != RC_OK ||
	    (rc = fingerprint_public(recipient_key, recipient_fp)) != RC_OK)
		return rc;
	if ((rc = frame_write_bytes(out, (const uint8_t *)MSGV2_CONTEXT, sizeof(MSGV2_CONTEXT) - 1)) != RC_OK ||
	    (rc = frame_write_bytes(out, (const uint8_t *)sender_login, strlen(sender_login))) != RC_OK ||
	    (rc = frame_write_bytes(out, (const uint8_t *)sender_fp, strlen(sender_fp))) != RC_OK ||
	    (rc = frame_write_bytes(out, (const uint8_t *)recipient_login, strlen(recipient_login))) != RC_OK ||
	    (rc = frame_write_bytes(out, (const uint8_t *)recipient_fp, strlen(recipient_fp))) != RC_OK)
		return rc;
	return frame_write_bytes(out, (const uint8_t *)text, len);
}

/* Encrypts the payload p[0..n) for `to`, OAEP block by OAEP block, into a
 * new content string {"v":2,"c":[...]}. */
static int msgv2_encrypt_payload(const struct rsa_public *to, const uint8_t *p, size_t n, char **content)
{
	size_t k = rsa_modulus_bytes(to), cap = oaep_max_message(to), b64_len = sodium_base64_ENCODED_LEN(k, MSGV2_B64);
	size_t done = 0, chunk, out_len;
	struct bytebuf out;
	uint8_t *block, *data;
	char *b64;
	int rc;

	*content = NULL;
	bytebuf_init(&out, BYTEBUF_UNBOUNDED);
	block = malloc(k);
	b64 = malloc(b64_len);
	if (block == NULL || b64 == NULL) {
		rc = RC_ERR_NOMEM;
		goto out;
	}
	if ((rc = bytebuf_append_str(&out, "{\"v\":2,\"c\":[")) != RC_OK)
		goto out;
	do {
		chunk = n - done < cap ? n - done : cap;
		if ((rc = oaep_encrypt(to, p + done, chunk, block)) != RC_OK)
			goto out;
		sodium_bin2base64(b64, b64_len, block, k, MSGV2_B64);
		if ((done > 0 && (rc = bytebuf_put_u8(&out, ',')) != RC_OK) || (rc = bytebuf_put_u8(&out, '"')) != RC_OK ||
		    (rc = bytebuf_append_str(&out, b64)) != RC_OK || (rc = bytebuf_put_u8(&out, '"')) != RC_OK)
			goto out;
		done += chunk;
	} while (done < n);
	if ((rc = bytebuf_append_str(&out, "]}")) != RC_OK || (rc = bytebuf_take(&out, &data, &out_len)) != RC_OK)
		goto out;
	*content = (char *)data;
out:
	free(block);
	free(b64);
	bytebuf_free(&out);
	return rc;
}

int msgv2_seal(const struct rsa_private *sender, const char *sender_login, const struct rsa_public *recipient,
               const char *recipient_login, const char *text, size_t len, char **content, char **self_copy)
{
	struct bytebuf payload, sig;
	int rc;

	*content = NULL;
	if (self_copy != NULL)
		*self_copy = NULL;
	if (!msgv2_login_ok(sender_login) || !msgv2_login_ok(recipient_login))
		return RC_ERR_INVAL;
	if (len > MSGV2_MAX_TEXT_BYTES)
		return RC_ERR_TOO_LARGE;
	if ((rc = utf8_check_text((const uint8_t *)text, len)) != RC_OK)
		return rc;
	if ((rc = msgv2_key_supported(&sender->pub)) != RC_OK || (rc = msgv2_key_supported(recipient)) != RC_OK)
		return rc;
	bytebuf_init_secret(&payload, BYTEBUF_UNBOUNDED);
	bytebuf_init_secret(&sig, BYTEBUF_UNBOUNDED);
	if ((rc = msgv2_append_signed(&payload, sender_login, &sender->pub, recipient_login, recipient, text, len)) != RC_OK ||
	    (rc = pss_sign(sender, payload.data, payload.len, &sig)) != RC_OK ||
	    (rc = frame_write_bytes(&payload, sig.data, sig.len)) != RC_OK)
		goto out;
	if ((rc = msgv2_encrypt_payload(recipient, payload.data, payload.len, content)) != RC_OK)
		goto out;
	if (self_copy != NULL && (rc = msgv2_encrypt_payload(&sender->pub, payload.data, payload.len, self_copy)) != RC_OK) {
		free(*content);
		*content = NULL;
	}
out:
	bytebuf_free(&payload);
	bytebuf_free(&sig);
	return rc;
}

/* Splits a payload into its MSGV2_FIELD_COUNT frames; *signed_len gets the
 * length of the signed part. RC_ERR_FORMAT unless the frames fill it exactly. */
static int msgv2_split_payload(const uint8_t *p, size_t n, struct msgv2_field fields[MSGV2_FIELD_COUNT], size_t *signed_len)
{
	size_t at = 0, i, len;

	for (i = 0; i < MSGV2_FIELD_COUNT; i++) {
		if (i == MSGV2_FIELD_SIGNATURE)
			*signed_len = at;
		if (n - at < MSGV2_FRAME_HEADER_BYTES)
			return RC_ERR_FORMAT;
		len = bytes_get_u32le(p + at);
		at += MSGV2_FRAME_HEADER_BYTES;
		if (len > n - at)
			return RC_ERR_FORMAT;
		fields[i].p = p + at;
		fields[i].len = len;
		at += len;
	}
	return at == n ? RC_OK : RC_ERR_FORMAT;
}

static int msgv2_field_is(const struct msgv2_field *f, const char *s)
{
	size_t n = strlen(s);

	return f->len == n && (n == 0 || memcmp(f->p, s, n) == 0);
}

/* One end of the message as the reader expects it: its login and its key's fingerprint. */
struct msgv2_expected {
	const char *login;
	char fingerprint[FINGERPRINT_MAX];
};

static int msgv2_expect(const struct msgv2_party *party, struct msgv2_expected *out)
{
	out->login = party->login;
	return fingerprint_public(party->key, out->fingerprint);
}

/* 1 when the login and key fields name this end. */
static int msgv2_fields_name(const struct msgv2_field *login, const struct msgv2_field *key, const struct msgv2_expected *end)
{
	return msgv2_field_is(login, end->login) && msgv2_field_is(key, end->fingerprint);
}

/* Decrypts the blocks of the array `blocks` with the reader's key into
 * payload. RC_ERR_FORMAT for a block that is not one OAEP block for this key. */
static int msgv2_decrypt_blocks(const struct rsa_private *reader, struct json_object *blocks, struct bytebuf *payload)
{
	size_t k = rsa_modulus_bytes(&reader->pub), b64_len = sodium_base64_ENCODED_LEN(k, MSGV2_B64) - 1;
	size_t count = json_object_array_length(blocks), i, bin_len, m_len;
	uint8_t *block = malloc(k), *m = malloc(k);
	int rc = RC_OK;

	if (block == NULL || m == NULL) {
		rc = RC_ERR_NOMEM;
		goto out;
	}
	for (i = 0; i < count && rc == RC_OK; i++) {
		struct json_object *el = json_object_array_get_idx(blocks, i);
		const char *b64 = json_object_get_string(el), *end = NULL;

		if (!json_object_is_type(el, json_type_string) || (size_t)json_object_get_string_len(el) != b64_len ||
		    sodium_base642bin(block, k, b64, b64_len, NULL, &bin_len, &end, MSGV2_B64) != 0 ||
		    end != b64 + b64_len || bin_len != k)
			rc = RC_ERR_FORMAT;
		else if ((rc = oaep_decrypt(reader, block, k, m, &m_len)) == RC_OK)
			rc = bytebuf_append(payload, m, m_len);
	}
out:
	if (m != NULL) {
		secure_wipe(m, k);
		free(m);
	}
	free(block);
	return rc;
}

/* The verdict on a decrypted payload; the text field on MSGV2_OK. */
static enum msgv2_status msgv2_check_payload(const struct bytebuf *payload, const struct rsa_public *sender_key,
                                             const struct msgv2_expected ends[2], struct msgv2_field *text)
{
	struct msgv2_field f[MSGV2_FIELD_COUNT];
	size_t signed_len = 0;

	if (msgv2_split_payload(payload->data, payload->len, f, &signed_len) != RC_OK ||
	    !msgv2_field_is(&f[MSGV2_FIELD_CONTEXT], MSGV2_CONTEXT) || f[MSGV2_FIELD_TEXT].len > MSGV2_MAX_TEXT_BYTES ||
	    utf8_check_text(f[MSGV2_FIELD_TEXT].p, f[MSGV2_FIELD_TEXT].len) != RC_OK)
		return MSGV2_MALFORMED;
	if (!msgv2_fields_name(&f[MSGV2_FIELD_SENDER], &f[MSGV2_FIELD_SENDER_KEY], &ends[0]) ||
	    pss_verify(sender_key, payload->data, signed_len, f[MSGV2_FIELD_SIGNATURE].p, f[MSGV2_FIELD_SIGNATURE].len) != RC_OK)
		return MSGV2_FORGED;
	if (!msgv2_fields_name(&f[MSGV2_FIELD_RECIPIENT], &f[MSGV2_FIELD_RECIPIENT_KEY], &ends[1]))
		return MSGV2_WRONG_RECIPIENT;
	*text = f[MSGV2_FIELD_TEXT];
	return MSGV2_OK;
}

/* Where a content's JSON text starts: v1 is an array, v2 an object. */
static int msgv2_looks_like_object(const char *content, size_t len)
{
	size_t i = 0;

	while (i < len && (content[i] == ' ' || content[i] == '\t' || content[i] == '\n' || content[i] == '\r'))
		i++;
	return i < len && content[i] == '{';
}

/* The verdict on the parsed object `obj`, as msgv2_open gives it, and on
 * MSGV2_OK the text, pointing into payload (where the blocks are decrypted). */
static int msgv2_open_object(const struct rsa_private *reader, const struct msgv2_party *sender,
                             const struct msgv2_party *recipient, struct json_object *obj, size_t max_blocks,
                             struct bytebuf *payload, struct msgv2_field *text, enum msgv2_status *status)
{
	struct json_object *version, *blocks;
	struct msgv2_expected ends[2];
	size_t count;
	int rc;

	*status = MSGV2_MALFORMED;
	if (!json_object_is_type(obj, json_type_object) || !json_object_object_get_ex(obj, "v", &version) ||
	    !json_object_is_type(version, json_type_int))
		return RC_OK;
	if (json_object_get_int64(version) != MSGV2_VERSION) {
		*status = MSGV2_UNKNOWN_VERSION;
		return RC_OK;
	}
	if (json_object_object_length(obj) != 2 || !json_object_object_get_ex(obj, "c", &blocks) ||
	    !json_object_is_type(blocks, json_type_array))
		return RC_OK;
	count = json_object_array_length(blocks);
	if (count == 0 || count > max_blocks)
		return RC_OK;
	if ((rc = msgv2_expect(sender, &ends[0])) != RC_OK || (rc = msgv2_expect(recipient, &ends[1])) != RC_OK)
		return rc;
	if ((rc = msgv2_decrypt_blocks(reader, blocks, payload)) != RC_OK)
		return rc == RC_ERR_FORMAT || rc == RC_ERR_TOO_LARGE ? RC_OK : rc;
	*status = msgv2_check_payload(payload, sender->key, ends, text);
	return RC_OK;
}

int msgv2_open(const struct rsa_private *reader, const struct msgv2_party *sender, const struct msgv2_party *recipient,
               const char *content, size_t len, char **text, size_t *text_len, enum msgv2_status *status)
{
	size_t cap = oaep_max_message(&reader->pub), max_blocks, max_content;
	struct json_object *obj = NULL;
	struct bytebuf payload;
	struct msgv2_field found = { NULL, 0 };
	int rc;

	*text = NULL;
	*text_len = 0;
	*status = MSGV2_MALFORMED;
	if (!rsa_public_equal(&reader->pub, recipient->key) && !rsa_public_equal(&reader->pub, sender->key))
		return RC_ERR_INVAL;
	if (!msgv2_looks_like_object(content, len)) {
		*status = MSGV2_NOT_V2;
		return RC_OK;
	}
	if (cap == 0)
		return RC_OK;  /* no v2 message can be for this key */
	if (msgv2_key_supported(sender->key) != RC_OK) {
		*status = MSGV2_FORGED;  /* that key cannot sign v2 */
		return RC_OK;
	}
	/* Bounds from the reader's key before parsing: each block carries cap
	 * payload bytes as k bytes in base64, between quotes and after a comma,
	 * with room for a writer that escapes '/' as "\/" (json-c does). */
	max_blocks = (MSGV2_MAX_PAYLOAD_BYTES + cap - 1) / cap;
	max_content = 64 + max_blocks * 2 * (sodium_base64_ENCODED_LEN(rsa_modulus_bytes(&reader->pub), MSGV2_B64) + 3);
	if (len > max_content)
		return RC_OK;
	if ((rc = jsonx_parse(content, len, &obj)) != RC_OK)
		return rc == RC_ERR_NOMEM ? rc : RC_OK;
	bytebuf_init_secret(&payload, MSGV2_MAX_PAYLOAD_BYTES);
	if ((rc = msgv2_open_object(reader, sender, recipient, obj, max_blocks, &payload, &found, status)) != RC_OK ||
	    *status != MSGV2_OK)
		goto out;
	if ((*text = malloc(found.len + 1)) == NULL) {
		*status = MSGV2_MALFORMED;
		rc = RC_ERR_NOMEM;
		goto out;
	}
	memcpy(*text, found.p, found.len);
	(*text)[found.len] = 0;
	*text_len = found.len;
out:
	bytebuf_free(&payload);
	json_object_put(obj);
	return rc;
}

const char *msgv2_status_text(enum msgv2_status status)
{
	switch (status) {
	case MSGV2_OK:
		return "signed by the sender, for this recipient";
	case MSGV2_NOT_V2:
		return "not a version 2 message";
	case MSGV2_UNKNOWN_VERSION:
		return "a newer message format";
	case MSGV2_MALFORMED:
		return "malformed or unreadable version 2 message";
	case MSGV2_FORGED:
		return "forged: not signed by the sender's key";
	case MSGV2_WRONG_RECIPIENT:
		return "signed for another recipient";
	}
	return "unknown status";
}

int msgv2_v1_text_with_marker(const char *text, size_t len, char **out, size_t *out_len)
{
	*out = NULL;
	*out_len = 0;
	if (len > SIZE_MAX - MSGV2_MARKER_BYTES - 1)
		return RC_ERR_TOO_LARGE;
	if ((*out = malloc(len + MSGV2_MARKER_BYTES + 1)) == NULL)
		return RC_ERR_NOMEM;
	memcpy(*out, text, len);
	memcpy(*out + len, MSGV2_MARKER, MSGV2_MARKER_BYTES + 1);
	*out_len = len + MSGV2_MARKER_BYTES;
	return RC_OK;
}

void msgv2_v1_text_strip_marker(char *text, size_t *len, int *has_marker)
{
	*has_marker = *len >= MSGV2_MARKER_BYTES && memcmp(text + *len - MSGV2_MARKER_BYTES, MSGV2_MARKER, MSGV2_MARKER_BYTES) == 0;
	if (*has_marker) {
		*len -= MSGV2_MARKER_BYTES;
		text[*len] = 0;
	}
}
