#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "atomic_file.h"
#include "bigint.h"
#include "errors.h"
#include "keyfile.h"
#include "protocol.h"
#include "secure.h"
#include "textfile.h"

#define KEYFILE_NATIVE_PRIVATE_TAG "rsa-chat-private-key-v1"
#define KEYFILE_NATIVE_PUBLIC_TAG "rsa-chat-public-key-v1"
#define KEYFILE_ORIGINAL_PUBLIC "PUBLIC_KEY"
#define KEYFILE_ORIGINAL_PRIVATE "PRIVATE_KEY"
#define KEYFILE_DEFAULT_DIR ".rsa-chat"
#define KEYFILE_DEFAULT_NAME "id_rsa_chat"
#define KEYFILE_PUB_SUFFIX ".pub"
/* A 16384-bit number has 4933 decimal digits. */

/* One line of text: [p, p + len), without its newline. */
struct keyfile_line {
	const char *p;
	size_t len;
	unsigned number;
};

/* Steps *pos to the next line (without a final '\r'); 0 at the end of the text. */
static int keyfile_next_line(const char *text, size_t len, size_t *pos, struct keyfile_line *line)
{
	if (!textfile_next_line(text, len, pos, &line->p, &line->len))
		return 0;
	if (line->len > 0 && line->p[line->len - 1] == '\r')
		line->len--;
	line->number++;
	return 1;
}

static int keyfile_is_space(char c)
{
	return c == ' ' || c == '\t';
}

static void keyfile_trim(struct keyfile_line *l)
{
	while (l->len > 0 && keyfile_is_space(l->p[0])) {
		l->p++;
		l->len--;
	}
	while (l->len > 0 && keyfile_is_space(l->p[l->len - 1]))
		l->len--;
}

static int keyfile_line_is(const struct keyfile_line *l, const char *s)
{
	return l->len == strlen(s) && memcmp(l->p, s, l->len) == 0;
}

/* ---- native format ---- */

enum keyfile_field {
	KEYFILE_FIELD_E,
	KEYFILE_FIELD_N,
	KEYFILE_FIELD_D,
	KEYFILE_FIELD_P,
	KEYFILE_FIELD_Q,
	KEYFILE_FIELD_DP,
	KEYFILE_FIELD_DQ,
	KEYFILE_FIELD_QINV,
	KEYFILE_FIELD_COUNT,
};

static const char *const keyfile_field_names[KEYFILE_FIELD_COUNT] = {
	"e", "n", "d", "p", "q", "dp", "dq", "qinv",
};

struct keyfile_fields {
	mpz_t v[KEYFILE_FIELD_COUNT];
	int seen[KEYFILE_FIELD_COUNT];
	int private_file;
};

static void keyfile_fields_init(struct keyfile_fields *f)
{
	size_t i;

	for (i = 0; i < KEYFILE_FIELD_COUNT; i++) {
		mpz_init(f->v[i]);
		f->seen[i] = 0;
	}
	f->private_file = 0;
}

static void keyfile_fields_clear(struct keyfile_fields *f)
{
	size_t i;

	for (i = 0; i < KEYFILE_FIELD_COUNT; i++) {
		mpz_set_ui(f->v[i], 0);
		mpz_clear(f->v[i]);
	}
}

/* The first line that is neither blank nor a comment, trimmed. */
static int keyfile_first_line(const char *text, size_t len, struct keyfile_line *line, size_t *pos)
{
	memset(line, 0, sizeof(*line));
	*pos = 0;
	while (keyfile_next_line(text, len, pos, line)) {
		keyfile_trim(line);
		if (line->len > 0 && line->p[0] != '#')
			return 1;
	}
	return 0;
}

/* Reads "name value" lines after the tag line; unknown or repeated names and
 * bad numbers are errors. */
static int keyfile_parse_native(const char *text, size_t len, struct keyfile_fields *f, char *err, size_t errlen)
{
	struct keyfile_line line;
	size_t pos, name_len, i;
	int rc;

	if (!keyfile_first_line(text, len, &line, &pos))
		return RC_ERR_FORMAT;
	f->private_file = keyfile_line_is(&line, KEYFILE_NATIVE_PRIVATE_TAG);
	while (keyfile_next_line(text, len, &pos, &line)) {
		keyfile_trim(&line);
		if (line.len == 0 || line.p[0] == '#')
			continue;
		for (name_len = 0; name_len < line.len && !keyfile_is_space(line.p[name_len]); name_len++)
			;
		for (i = 0; i < KEYFILE_FIELD_COUNT; i++)
			if (strlen(keyfile_field_names[i]) == name_len && memcmp(line.p, keyfile_field_names[i], name_len) == 0)
				break;
		if (i == KEYFILE_FIELD_COUNT || (!f->private_file && i > KEYFILE_FIELD_N)) {
			rc_errf(err, errlen, "line %u: unknown field '%.*s'", line.number, (int)(name_len > 32 ? 32 : name_len), line.p);
			return RC_ERR_FORMAT;
		}
		if (f->seen[i]) {
			rc_errf(err, errlen, "line %u: field '%s' given twice", line.number, keyfile_field_names[i]);
			return RC_ERR_FORMAT;
		}
		while (name_len < line.len && keyfile_is_space(line.p[name_len]))
			name_len++;
		rc = bigint_from_decimal(f->v[i], line.p + name_len, line.len - name_len, PROTO_MAX_KEY_DIGITS);
		if (rc != RC_OK) {
			rc_errf(err, errlen, "line %u: bad number for %s", line.number, keyfile_field_names[i]);
			return RC_ERR_FORMAT;
		}
		f->seen[i] = 1;
	}
	for (i = 0; i < (f->private_file ? KEYFILE_FIELD_COUNT : KEYFILE_FIELD_D); i++) {
		if (!f->seen[i]) {
			rc_errf(err, errlen, "missing field '%s'", keyfile_field_names[i]);
			return RC_ERR_FORMAT;
		}
	}
	return RC_OK;
}

/* ---- the original's config.py format ---- */

/* Skips spaces, then expects the character c. */
static int keyfile_expect(const struct keyfile_line *l, size_t *i, char c)
{
	while (*i < l->len && keyfile_is_space(l->p[*i]))
		(*i)++;
	if (*i >= l->len || l->p[*i] != c)
		return 0;
	(*i)++;
	return 1;
}

/* Skips spaces, then reads a decimal number. */
static int keyfile_expect_number(const struct keyfile_line *l, size_t *i, mpz_t out)
{
	size_t start;

	while (*i < l->len && keyfile_is_space(l->p[*i]))
		(*i)++;
	start = *i;
	while (*i < l->len && l->p[*i] >= '0' && l->p[*i] <= '9')
		(*i)++;
	return bigint_from_decimal(out, l->p + start, *i - start, PROTO_MAX_KEY_DIGITS) == RC_OK;
}

/* Finds the lines `NAME = (a, b)` and reads a and b from the last one, as
 * Python would. RC_ERR_NOTFOUND when no line assigns NAME; other lines of a
 * config.py are ignored. */
static int keyfile_parse_original_pair(const char *text, size_t len, const char *name, mpz_t a, mpz_t b,
                                       char *err, size_t errlen)
{
	struct keyfile_line line;
	size_t pos = 0, i, name_len = strlen(name);
	int rc = RC_ERR_NOTFOUND;

	memset(&line, 0, sizeof(line));
	while (keyfile_next_line(text, len, &pos, &line)) {
		keyfile_trim(&line);
		if (line.len <= name_len || memcmp(line.p, name, name_len) != 0)
			continue;
		i = name_len;
		if (!keyfile_expect(&line, &i, '='))
			continue;
		if (!keyfile_expect(&line, &i, '(') || !keyfile_expect_number(&line, &i, a) || !keyfile_expect(&line, &i, ',') ||
		    !keyfile_expect_number(&line, &i, b) || !keyfile_expect(&line, &i, ')')) {
			rc_errf(err, errlen, "line %u: %s must be (number, number)", line.number, name);
			return RC_ERR_FORMAT;
		}
		while (i < line.len && keyfile_is_space(line.p[i]))
			i++;
		if (i < line.len && line.p[i] != '#') {
			rc_errf(err, errlen, "line %u: unexpected text after %s", line.number, name);
			return RC_ERR_FORMAT;
		}
		rc = RC_OK;
	}
	return rc;
}

static int keyfile_is_native(const char *text, size_t len, int *private_file)
{
	struct keyfile_line line;
	size_t pos;

	*private_file = 0;
	if (!keyfile_first_line(text, len, &line, &pos))
		return 0;
	if (keyfile_line_is(&line, KEYFILE_NATIVE_PRIVATE_TAG)) {
		*private_file = 1;
		return 1;
	}
	return keyfile_line_is(&line, KEYFILE_NATIVE_PUBLIC_TAG);
}

static int keyfile_check_public(const struct rsa_public *k, char *err, size_t errlen)
{
	if (rsa_public_check(k) == RC_OK)
		return RC_OK;
	rc_errf(err, errlen, "unusable key: need an odd modulus of %u..%u bits and an odd e >= 3 below it",
	            PROTO_MIN_MODULUS_BITS, PROTO_MAX_MODULUS_BITS);
	return RC_ERR_KEY;
}

static int keyfile_parse_private_native(const char *text, size_t len, struct rsa_private *k, char *err, size_t errlen)
{
	struct keyfile_fields f;
	int rc;

	keyfile_fields_init(&f);
	if ((rc = keyfile_parse_native(text, len, &f, err, errlen)) != RC_OK)
		goto out;
	if (!f.private_file) {
		rc_errf(err, errlen, "this is a public key file, not a private key");
		rc = RC_ERR_FORMAT;
		goto out;
	}
	mpz_set(k->pub.e, f.v[KEYFILE_FIELD_E]);
	mpz_set(k->pub.n, f.v[KEYFILE_FIELD_N]);
	if ((rc = keyfile_check_public(&k->pub, err, errlen)) != RC_OK)
		goto out;
	mpz_set(k->d, f.v[KEYFILE_FIELD_D]);
	mpz_set(k->p, f.v[KEYFILE_FIELD_P]);
	mpz_set(k->q, f.v[KEYFILE_FIELD_Q]);
	if (rsa_private_complete(k) != RC_OK) {
		rc_errf(err, errlen, "inconsistent key: n, p, q, e and d do not belong together");
		rc = RC_ERR_KEY;
		goto out;
	}
	/* The stored CRT parts must be the ones the key implies. */
	if (mpz_cmp(k->dp, f.v[KEYFILE_FIELD_DP]) != 0 || mpz_cmp(k->dq, f.v[KEYFILE_FIELD_DQ]) != 0 ||
	    mpz_cmp(k->qinv, f.v[KEYFILE_FIELD_QINV]) != 0) {
		rc_errf(err, errlen, "inconsistent key: dp, dq or qinv is wrong");
		rc = RC_ERR_KEY;
		goto out;
	}
	rc = RC_OK;
out:
	keyfile_fields_clear(&f);
	return rc;
}

static int keyfile_parse_private_original(const char *text, size_t len, struct rsa_private *k, char *err, size_t errlen)
{
	mpz_t e, n, d, n2;
	int rc;

	mpz_inits(e, n, d, n2, NULL);
	rc = keyfile_parse_original_pair(text, len, KEYFILE_ORIGINAL_PUBLIC, e, n, err, errlen);
	if (rc == RC_OK)
		rc = keyfile_parse_original_pair(text, len, KEYFILE_ORIGINAL_PRIVATE, d, n2, err, errlen);
	if (rc == RC_ERR_NOTFOUND) {
		rc_errf(err, errlen, "not a key file: expected '%s' or both PUBLIC_KEY = (e, n) and PRIVATE_KEY = (d, n)",
		            KEYFILE_NATIVE_PRIVATE_TAG);
		rc = RC_ERR_FORMAT;
	}
	if (rc != RC_OK)
		goto out;
	if (mpz_cmp(n, n2) != 0) {
		rc_errf(err, errlen, "PUBLIC_KEY and PRIVATE_KEY have different moduli");
		rc = RC_ERR_KEY;
		goto out;
	}
	mpz_set(k->pub.e, e);
	mpz_set(k->pub.n, n);
	if ((rc = keyfile_check_public(&k->pub, err, errlen)) != RC_OK)
		goto out;
	if ((rc = rsa_private_from_edn(k, e, d, n)) != RC_OK) {
		rc_errf(err, errlen, "inconsistent key: d does not match (e, n)");
		rc = RC_ERR_KEY;
	}
out:
	mpz_set_ui(d, 0);
	mpz_clears(e, n, d, n2, NULL);
	return rc;
}

int keyfile_parse_private(const char *text, size_t len, struct rsa_private *k, char *err, size_t errlen)
{
	int private_file;

	rc_errf(err, errlen, "%s", "");
	if (len > KEYFILE_MAX_BYTES) {
		rc_errf(err, errlen, "larger than %u bytes", KEYFILE_MAX_BYTES);
		return RC_ERR_TOO_LARGE;
	}
	if (keyfile_is_native(text, len, &private_file))
		return keyfile_parse_private_native(text, len, k, err, errlen);
	return keyfile_parse_private_original(text, len, k, err, errlen);
}

int keyfile_parse_public(const char *text, size_t len, struct rsa_public *k, char *err, size_t errlen)
{
	struct keyfile_fields f;
	int private_file, rc;
	mpz_t e, n;

	rc_errf(err, errlen, "%s", "");
	if (len > KEYFILE_MAX_BYTES) {
		rc_errf(err, errlen, "larger than %u bytes", KEYFILE_MAX_BYTES);
		return RC_ERR_TOO_LARGE;
	}
	mpz_inits(e, n, NULL);
	keyfile_fields_init(&f);
	if (keyfile_is_native(text, len, &private_file)) {
		if ((rc = keyfile_parse_native(text, len, &f, err, errlen)) != RC_OK)
			goto out;
		mpz_set(e, f.v[KEYFILE_FIELD_E]);
		mpz_set(n, f.v[KEYFILE_FIELD_N]);
	} else {
		rc = keyfile_parse_original_pair(text, len, KEYFILE_ORIGINAL_PUBLIC, e, n, err, errlen);
		if (rc == RC_ERR_NOTFOUND) {
			rc_errf(err, errlen, "not a public key: expected '%s' or PUBLIC_KEY = (e, n)", KEYFILE_NATIVE_PUBLIC_TAG);
			rc = RC_ERR_FORMAT;
		}
		if (rc != RC_OK)
			goto out;
	}
	mpz_set(k->e, e);
	mpz_set(k->n, n);
	rc = keyfile_check_public(k, err, errlen);
out:
	keyfile_fields_clear(&f);
	mpz_clears(e, n, NULL);
	return rc;
}

/* ---- files ---- */

/* Prefixes err with the path: "FILE: reason". */
static void keyfile_err_prefix_path(char *err, size_t errlen, const char *path)
{
	char reason[256];

	if (err == NULL || errlen == 0)
		return;
	snprintf(reason, sizeof(reason), "%s", err);
	rc_errf(err, errlen, "%s: %s", path, reason);
}

typedef int (*keyfile_parse_fn)(const char *text, size_t len, void *key, char *err, size_t errlen);

static int keyfile_parse_private_any(const char *text, size_t len, void *key, char *err, size_t errlen)
{
	return keyfile_parse_private(text, len, key, err, errlen);
}

static int keyfile_parse_public_any(const char *text, size_t len, void *key, char *err, size_t errlen)
{
	return keyfile_parse_public(text, len, key, err, errlen);
}

/* 1 when path is a key file of ours that holds no private part: what a
 * user gives for a private key by mistake (the .pub next to it). */
static int keyfile_is_public_file(const char *path)
{
	struct keyfile_fields f;
	struct bytebuf buf;
	char ignored[16];
	int public_only = 0;

	keyfile_fields_init(&f);
	bytebuf_init_secret(&buf, KEYFILE_MAX_BYTES);
	if (textfile_read_into(path, KEYFILE_MAX_BYTES, TEXTFILE_REGULAR, &buf, ignored, sizeof ignored) == RC_OK &&
	    keyfile_parse_native((const char *)buf.data, buf.len, &f, ignored, sizeof ignored) == RC_OK)
		public_only = !f.private_file;
	bytebuf_free(&buf);
	keyfile_fields_clear(&f);
	return public_only;
}

/* Reads path and parses it into key; errors name the file. */
static int keyfile_load(const char *path, int private_key, keyfile_parse_fn parse, void *key, char *err, size_t errlen)
{
	struct bytebuf buf;
	int rc;

	rc_errf(err, errlen, "%s", "");
	bytebuf_init_secret(&buf, KEYFILE_MAX_BYTES);
	rc = textfile_read_into(path, KEYFILE_MAX_BYTES, TEXTFILE_REGULAR | (private_key ? TEXTFILE_OWNER_ONLY : 0), &buf, err,
	                        errlen);
	/* A public key file given for the private key: say that first, not
	 * that its (rightly) readable permissions are too open. */
	if (rc == RC_ERR_PERM && keyfile_is_public_file(path)) {
		rc_errf(err, errlen, "this is a public key file, not a private key");
		keyfile_err_prefix_path(err, errlen, path);
		rc = RC_ERR_FORMAT;
	}
	if (rc != RC_OK)
		goto out;
	if ((rc = parse((const char *)buf.data, buf.len, key, err, errlen)) != RC_OK)
		keyfile_err_prefix_path(err, errlen, path);
out:
	bytebuf_free(&buf);
	return rc;
}

int keyfile_load_private(const char *path, struct rsa_private *k, char *err, size_t errlen)
{
	return keyfile_load(path, 1, keyfile_parse_private_any, k, err, errlen);
}

int keyfile_load_public(const char *path, struct rsa_public *k, char *err, size_t errlen)
{
	return keyfile_load(path, 0, keyfile_parse_public_any, k, err, errlen);
}

/* Appends "name <decimal>\n". */
static int keyfile_put_field(struct bytebuf *out, const char *name, const mpz_t v)
{
	char *digits = bigint_to_decimal(v);
	int rc;

	if (digits == NULL)
		return RC_ERR_NOMEM;
	if ((rc = bytebuf_append_str(out, name)) == RC_OK && (rc = bytebuf_put_u8(out, ' ')) == RC_OK &&
	    (rc = bytebuf_append_str(out, digits)) == RC_OK)
		rc = bytebuf_put_u8(out, '\n');
	secure_wipe(digits, strlen(digits));
	free(digits);
	return rc;
}

/* Appends "NAME = (a, b)\n", the original's config.py syntax. */
static int keyfile_put_original(struct bytebuf *out, const char *name, const mpz_t a, const mpz_t b)
{
	char *da = bigint_to_decimal(a), *db = bigint_to_decimal(b);
	int rc = RC_ERR_NOMEM;

	if (da && db && (rc = bytebuf_append_str(out, name)) == RC_OK && (rc = bytebuf_append_str(out, " = (")) == RC_OK &&
	    (rc = bytebuf_append_str(out, da)) == RC_OK && (rc = bytebuf_append_str(out, ", ")) == RC_OK &&
	    (rc = bytebuf_append_str(out, db)) == RC_OK)
		rc = bytebuf_append_str(out, ")\n");
	if (da) {
		secure_wipe(da, strlen(da));
		free(da);
	}
	if (db) {
		secure_wipe(db, strlen(db));
		free(db);
	}
	return rc;
}

int keyfile_format_public(const struct rsa_public *k, enum keyfile_format fmt, struct bytebuf *out)
{
	int rc;

	if (fmt == KEYFILE_ORIGINAL)
		return keyfile_put_original(out, KEYFILE_ORIGINAL_PUBLIC, k->e, k->n);
	if ((rc = bytebuf_append_str(out, KEYFILE_NATIVE_PUBLIC_TAG "\n")) != RC_OK ||
	    (rc = keyfile_put_field(out, "e", k->e)) != RC_OK)
		return rc;
	return keyfile_put_field(out, "n", k->n);
}

int keyfile_format_private(const struct rsa_private *k, enum keyfile_format fmt, struct bytebuf *out)
{
	const mpz_srcptr fields[KEYFILE_FIELD_COUNT] = {
		k->pub.e, k->pub.n, k->d, k->p, k->q, k->dp, k->dq, k->qinv,
	};
	size_t i;
	int rc;

	if (fmt == KEYFILE_ORIGINAL) {
		if ((rc = keyfile_put_original(out, KEYFILE_ORIGINAL_PUBLIC, k->pub.e, k->pub.n)) != RC_OK)
			return rc;
		return keyfile_put_original(out, KEYFILE_ORIGINAL_PRIVATE, k->d, k->pub.n);
	}
	if (!k->has_crt)
		return RC_ERR_KEY;
	if ((rc = bytebuf_append_str(out, KEYFILE_NATIVE_PRIVATE_TAG "\n")) != RC_OK)
		return rc;
	for (i = 0; i < KEYFILE_FIELD_COUNT; i++)
		if ((rc = keyfile_put_field(out, keyfile_field_names[i], fields[i])) != RC_OK)
			return rc;
	return RC_OK;
}

int keyfile_save_pair(const char *path, const struct rsa_private *k, enum keyfile_format fmt, int force, char *err,
                      size_t errlen)
{
	struct bytebuf priv, pub;
	char *pub_path = NULL;
	int rc;

	rc_errf(err, errlen, "%s", "");
	bytebuf_init_secret(&priv, BYTEBUF_UNBOUNDED);
	bytebuf_init(&pub, BYTEBUF_UNBOUNDED);
	if (asprintf(&pub_path, "%s%s", path, KEYFILE_PUB_SUFFIX) < 0) {
		pub_path = NULL;
		rc = RC_ERR_NOMEM;
		goto out;
	}
	/* Check both before writing either, so a refusal leaves nothing behind. */
	if (!force && (access(path, F_OK) == 0 || access(pub_path, F_OK) == 0)) {
		rc_errf(err, errlen, "%s already exists", access(path, F_OK) == 0 ? path : pub_path);
		rc = RC_ERR_EXISTS;
		goto out;
	}
	if ((rc = keyfile_format_private(k, fmt, &priv)) != RC_OK || (rc = keyfile_format_public(&k->pub, fmt, &pub)) != RC_OK)
		goto out;
	if ((rc = atomic_file_write(path, priv.data, priv.len, 0600, force, err, errlen)) != RC_OK)
		goto out;
	rc = atomic_file_write(pub_path, pub.data, pub.len, 0644, force, err, errlen);
out:
	bytebuf_free(&priv);
	bytebuf_free(&pub);
	free(pub_path);
	return rc;
}

/* snprintf that reports truncation as RC_ERR_TOO_LARGE. */
__attribute__((format(printf, 3, 4)))
static int keyfile_path_printf(char *out, size_t outlen, const char *fmt, ...)
{
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(out, outlen, fmt, ap);
	va_end(ap);
	return n < 0 || (size_t)n >= outlen ? RC_ERR_TOO_LARGE : RC_OK;
}

int keyfile_default_path(char *path, size_t pathlen, char *dir, size_t dirlen, int create)
{
	const char *home = getenv("RSA_CHAT_HOME");
	char folder[4096];
	int rc;

	if (pathlen > 0)
		path[0] = 0;
	if (dir && dirlen > 0)
		dir[0] = 0;
	if (home && home[0]) {
		rc = keyfile_path_printf(folder, sizeof(folder), "%s", home);
	} else {
		home = getenv("HOME");
		if (home == NULL || home[0] == 0)
			return RC_ERR_NOTFOUND;
		rc = keyfile_path_printf(folder, sizeof(folder), "%s/%s", home, KEYFILE_DEFAULT_DIR);
	}
	if (rc != RC_OK)
		return rc;
	if ((rc = keyfile_path_printf(path, pathlen, "%s/%s", folder, KEYFILE_DEFAULT_NAME)) != RC_OK)
		return rc;
	if (dir && dirlen > 0 && (rc = keyfile_path_printf(dir, dirlen, "%s", folder)) != RC_OK)
		return rc;
	if (create && mkdir(folder, 0700) != 0 && errno != EEXIST)
		return RC_ERR_IO;
	return RC_OK;
}
