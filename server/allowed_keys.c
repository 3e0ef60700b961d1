#include "config.h"

#include "allowed_keys.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "array.h"
#include "bytebuf.h"
#include "errors.h"
#include "fingerprint.h"
#include "protocol.h"
#include "rsa.h"
#include "textfile.h"

/* "SHA256:" and 43 base64 characters. */
#define ALLOWED_KEYS_FINGERPRINT_CHARS 50u
/* A line holding "E N" of the largest key we accept, and some blanks. */
#define ALLOWED_KEYS_MAX_LINE_BYTES (2u * PROTO_MAX_KEY_DIGITS + 64u)
/* The whole list: a hundred thousand fingerprint lines. */
#define ALLOWED_KEYS_MAX_FILE_BYTES 8388608u

struct allowed_keys {
	char (*fingerprints)[FINGERPRINT_MAX];  /* sorted, for bsearch */
	size_t count, cap;
};

static int allowed_keys_compare(const void *a, const void *b)
{
	return strcmp(a, b);
}

/* One line's key as a fingerprint; RC_ERR_FORMAT when it is neither form. */
static int allowed_keys_parse_line(const char *line, char out[FINGERPRINT_MAX])
{
	size_t e_len = strspn(line, "0123456789"), gap, n_len;

	if (strncmp(line, "SHA256:", 7) == 0) {
		if (strlen(line) != ALLOWED_KEYS_FINGERPRINT_CHARS)
			return RC_ERR_FORMAT;
		memcpy(out, line, ALLOWED_KEYS_FINGERPRINT_CHARS + 1);
		return RC_OK;
	}
	gap = strspn(line + e_len, " \t");
	n_len = strspn(line + e_len + gap, "0123456789");
	if (e_len == 0 || gap == 0 || n_len == 0 || line[e_len + gap + n_len] != '\0')
		return RC_ERR_FORMAT;
	return fingerprint_decimal(line, e_len, line + e_len + gap, n_len, out);
}

static int allowed_keys_add(struct allowed_keys *keys, const char fingerprint[FINGERPRINT_MAX])
{
	char(*grown)[FINGERPRINT_MAX] = array_grow(keys->fingerprints, &keys->cap, keys->count,
	                                           sizeof *keys->fingerprints, 16);

	if (!grown)
		return RC_ERR_NOMEM;
	keys->fingerprints = grown;
	memcpy(keys->fingerprints[keys->count++], fingerprint, FINGERPRINT_MAX);
	return RC_OK;
}

/* Cuts blanks and the line end off both sides. */
static char *allowed_keys_trim(char *s)
{
	char *end;

	s += strspn(s, " \t");
	end = s + strlen(s);
	while (end > s && strchr(" \t\r\n", end[-1]))
		*--end = '\0';
	return s;
}

int allowed_keys_load(const char *path, struct allowed_keys **out, char *err, size_t errlen)
{
	struct allowed_keys *keys;
	struct bytebuf buf;
	uint8_t *data;
	char *text, fp[FINGERPRINT_MAX];
	const char *line;
	size_t len = 0, pos = 0, line_len;
	unsigned lineno = 0;
	int r;

	*out = NULL;
	bytebuf_init(&buf, ALLOWED_KEYS_MAX_FILE_BYTES);
	if ((r = textfile_read_into(path, ALLOWED_KEYS_MAX_FILE_BYTES, TEXTFILE_ANY, &buf, err, errlen)) == RC_OK)
		r = bytebuf_take(&buf, &data, &len);
	bytebuf_free(&buf);
	if (r != RC_OK)
		return r;
	text = (char *)data;
	keys = calloc(1, sizeof *keys);
	if (!keys) {
		free(text);
		return RC_ERR_NOMEM;
	}
	while (r == RC_OK && textfile_next_line(text, len, &pos, &line, &line_len)) {
		char *cut;

		lineno++;
		if (line_len > ALLOWED_KEYS_MAX_LINE_BYTES) {
			snprintf(err, errlen, "%s:%u: line too long", path, lineno);
			r = RC_ERR_FORMAT;
			break;
		}
		/* The text is ours: end the line where its newline (or the text's NUL) is. */
		cut = text + (line - text);
		cut[line_len] = '\0';
		cut = allowed_keys_trim(cut);
		if (*cut == '\0' || *cut == '#')
			continue;
		r = allowed_keys_parse_line(cut, fp);
		if (r == RC_ERR_FORMAT || r == RC_ERR_TOO_LARGE)
			snprintf(err, errlen, "%s:%u: want a fingerprint (SHA256:...) or 'E N' in decimal", path, lineno);
		if (r == RC_OK)
			r = allowed_keys_add(keys, fp);
	}
	free(text);
	if (r != RC_OK) {
		allowed_keys_free(keys);
		return r;
	}
	if (keys->count)
		qsort(keys->fingerprints, keys->count, sizeof *keys->fingerprints, allowed_keys_compare);
	*out = keys;
	return RC_OK;
}

void allowed_keys_free(struct allowed_keys *keys)
{
	if (!keys)
		return;
	free(keys->fingerprints);
	free(keys);
}

size_t allowed_keys_count(const struct allowed_keys *keys)
{
	return keys->count;
}

int allowed_keys_contains(const struct allowed_keys *keys, const char *e_dec, const char *n_dec, int *allowed)
{
	char fp[FINGERPRINT_MAX];
	int r;

	*allowed = 0;
	if ((r = fingerprint_decimal(e_dec, strlen(e_dec), n_dec, strlen(n_dec), fp)) != RC_OK)
		return r;
	*allowed = keys->count &&
	           bsearch(fp, keys->fingerprints, keys->count, sizeof *keys->fingerprints, allowed_keys_compare);
	return RC_OK;
}
