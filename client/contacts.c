#include "config.h"

#include "contacts.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "array.h"
#include "atomic_file.h"
#include "bytebuf.h"
#include "errors.h"
#include "keyline.h"
#include "login.h"
#include "paths.h"
#include "textfile.h"

static void contacts_clear_entries(struct contacts *c)
{
	for (size_t i = 0; i < c->count; i++) {
		free(c->v[i].login);
		rsa_public_clear(&c->v[i].key);
	}
	c->count = 0;
}

void contacts_free(struct contacts *c)
{
	contacts_clear_entries(c);
	free(c->v);
	free(c->path);
	free(c->server_name);
	memset(c, 0, sizeof(*c));
}

const struct contact *contacts_find(const struct contacts *c, const char *login)
{
	for (size_t i = 0; i < c->count; i++)
		if (strcmp(c->v[i].login, login) == 0)
			return &c->v[i];
	return NULL;
}

static int contacts_flag_is(const char *f, size_t len, const char *name)
{
	return len == strlen(name) && memcmp(f, name, len) == 0;
}

/* Reads the flags field; words we do not know (a later version's) are left out. */
static int contacts_parse_flags(const char *f, size_t len, struct contact *ct)
{
	size_t start = 0;

	if (contacts_flag_is(f, len, "-"))
		return RC_OK;
	while (start <= len) {
		const char *comma = memchr(f + start, ',', len - start);
		size_t wlen = comma != NULL ? (size_t)(comma - (f + start)) : len - start;

		if (wlen == 0)
			return RC_ERR_FORMAT;
		if (contacts_flag_is(f + start, wlen, "verified"))
			ct->verified = 1;
		else if (contacts_flag_is(f + start, wlen, "v2"))
			ct->v2_capable = 1;
		else if (contacts_flag_is(f + start, wlen, "v2-seen"))
			ct->v2_seen = 1;
		start += wlen + 1;
	}
	return RC_OK;
}

/* RC_OK and *ct filled (caller clears it) when the line is an entry for
 * server (damaged when only its server and login fields are readable);
 * RC_ERR_NOTFOUND for another server's line or a comment;
 * RC_ERR_FORMAT (or a parse error) for a line we cannot read. */
static int contacts_parse_line(const char *line, size_t len, const char *server, struct contact *ct)
{
	size_t pos = 0, flen;
	const char *f;
	int r;

	memset(ct, 0, sizeof(*ct));
	rsa_public_init(&ct->key);
	if (len == 0 || line[0] == '#')
		return RC_ERR_NOTFOUND;
	if (!keyline_next_field(line, len, &pos, &f, &flen))
		return RC_ERR_FORMAT;
	if (flen != strlen(server) || memcmp(f, server, flen) != 0)
		return RC_ERR_NOTFOUND;
	if (!keyline_next_field(line, len, &pos, &f, &flen))
		return RC_ERR_FORMAT;
	if ((r = login_unescape(f, flen, &ct->login)) != RC_OK)
		return r;
	if ((r = keyline_parse_key(line, len, &pos, &ct->key)) == RC_OK) {
		if (!keyline_next_field(line, len, &pos, &f, &flen))
			r = RC_ERR_FORMAT;
		else if ((r = contacts_parse_flags(f, flen, ct)) == RC_OK && keyline_next_field(line, len, &pos, &f, &flen))
			r = RC_ERR_FORMAT;
	}
	if (r == RC_ERR_NOMEM)
		return r;
	if (r != RC_OK) {
		/* Still this login's entry: it must not let another key in unnoticed. */
		mpz_set_ui(ct->key.e, 0);
		mpz_set_ui(ct->key.n, 0);
		ct->verified = ct->v2_capable = ct->v2_seen = 0;
		ct->damaged = 1;
	}
	return RC_OK;
}

static void contacts_entry_clear(struct contact *ct)
{
	free(ct->login);
	rsa_public_clear(&ct->key);
}

/* Replaces the entries in memory with those of text (the file's contents);
 * the first entry for a login counts. */
static int contacts_parse_text(struct contacts *c, const char *text, size_t len)
{
	size_t pos = 0, line_len;
	const char *line;
	struct contact ct;
	struct contact *grown;

	contacts_clear_entries(c);
	while (textfile_next_line(text, len, &pos, &line, &line_len)) {
		int r = contacts_parse_line(line, line_len, c->server_name, &ct);

		if (r == RC_ERR_NOMEM) {
			contacts_entry_clear(&ct);
			return r;
		}
		if (r != RC_OK || contacts_find(c, ct.login) != NULL) {
			contacts_entry_clear(&ct);
			continue;
		}
		if ((grown = array_grow(c->v, &c->cap, c->count, sizeof(*c->v), 16)) == NULL) {
			contacts_entry_clear(&ct);
			return RC_ERR_NOMEM;
		}
		c->v = grown;
		c->v[c->count++] = ct;
	}
	return RC_OK;
}

/* Reads the file into text (empty when missing) and memory from it. */
static int contacts_reload(struct contacts *c, struct bytebuf *text, char *err, size_t errlen)
{
	int r;

	bytebuf_reset(text);
	r = textfile_read_into(c->path, CONTACTS_MAX_BYTES, TEXTFILE_REGULAR, text, err, errlen);
	if (r == RC_ERR_NOTFOUND) {
		if (errlen > 0)
			err[0] = '\0';
		r = RC_OK;
	}
	if (r != RC_OK)
		return r;
	if ((r = contacts_parse_text(c, (const char *)text->data, text->len)) != RC_OK)
		rc_errf(err, errlen, "%s: %s", c->path, rc_strerror(r));
	return r;
}

/* Takes the lock that orders writers (a file beside the contacts file: the
 * contacts file itself is replaced by rename, which a lock on it would not
 * survive). */
static int contacts_lock(const struct contacts *c, int *fd, char *err, size_t errlen)
{
	char lock_path[PATHS_MAX + 8];

	if ((size_t)snprintf(lock_path, sizeof(lock_path), "%s.lock", c->path) >= sizeof(lock_path)) {
		rc_errf(err, errlen, "%s: path too long", c->path);
		return RC_ERR_TOO_LARGE;
	}
	if ((*fd = open(lock_path, O_RDWR | O_CREAT | O_CLOEXEC, 0600)) < 0) {
		rc_errf(err, errlen, "%s: %s", lock_path, strerror(errno));
		return RC_ERR_IO;
	}
	while (flock(*fd, LOCK_EX) != 0) {
		if (errno == EINTR)
			continue;
		rc_errf(err, errlen, "%s: %s", lock_path, strerror(errno));
		close(*fd);
		*fd = -1;
		return RC_ERR_IO;
	}
	return RC_OK;
}

static void contacts_unlock(int fd)
{
	if (fd >= 0)
		close(fd); /* releases the flock */
}

static int contacts_append_entry(struct bytebuf *out, const char *server, const struct contact *ct)
{
	char *escaped = NULL;
	int r, any = 0;

	if ((r = login_escape(ct->login, strlen(ct->login), &escaped)) != RC_OK)
		return r;
	if ((r = bytebuf_append_str(out, server)) != RC_OK || (r = bytebuf_put_u8(out, ' ')) != RC_OK ||
	    (r = bytebuf_append_str(out, escaped)) != RC_OK || (r = bytebuf_put_u8(out, ' ')) != RC_OK ||
	    (r = keyline_append_key(out, &ct->key)) != RC_OK || (r = bytebuf_put_u8(out, ' ')) != RC_OK)
		goto out;
	if (ct->verified && (r = bytebuf_append_str(out, any++ ? ",verified" : "verified")) != RC_OK)
		goto out;
	if (ct->v2_capable && (r = bytebuf_append_str(out, any++ ? ",v2" : "v2")) != RC_OK)
		goto out;
	if (ct->v2_seen && (r = bytebuf_append_str(out, any++ ? ",v2-seen" : "v2-seen")) != RC_OK)
		goto out;
	if (!any && (r = bytebuf_put_u8(out, '-')) != RC_OK)
		goto out;
	r = bytebuf_put_u8(out, '\n');
out:
	free(escaped);
	return r;
}

/* With the lock held and text the file as just read: writes the file with
 * ct in place of login's line (appended when it had none), every other line
 * as it was, and reloads memory from what was written. */
static int contacts_write_entry(struct contacts *c, const struct bytebuf *text, const struct contact *ct, char *err,
                                size_t errlen)
{
	size_t pos = 0, line_len;
	const char *line;
	struct bytebuf out;
	struct contact old;
	int r = RC_OK, written = 0;

	bytebuf_init(&out, CONTACTS_MAX_BYTES);
	while (r == RC_OK && textfile_next_line((const char *)text->data, text->len, &pos, &line, &line_len)) {
		int mine = contacts_parse_line(line, line_len, c->server_name, &old) == RC_OK &&
		           strcmp(old.login, ct->login) == 0;

		contacts_entry_clear(&old);
		if (!mine) {
			if ((r = bytebuf_append(&out, line, line_len)) == RC_OK)
				r = bytebuf_put_u8(&out, '\n');
		} else if (!written++) {
			r = contacts_append_entry(&out, c->server_name, ct);
		}
	}
	if (r == RC_OK && !written)
		r = contacts_append_entry(&out, c->server_name, ct);
	if (r != RC_OK) {
		rc_errf(err, errlen, "%s: %s", c->path,
		        r == RC_ERR_TOO_LARGE ? "would grow past its size limit" : rc_strerror(r));
		goto out;
	}
	if ((r = atomic_file_write(c->path, out.data, out.len, 0600, 1, err, errlen)) != RC_OK)
		goto out;
	if ((r = contacts_parse_text(c, (const char *)out.data, out.len)) != RC_OK)
		rc_errf(err, errlen, "%s: %s", c->path, rc_strerror(r));
out:
	bytebuf_free(&out);
	return r;
}

int contacts_load(struct contacts *c, const char *path, const char *server_name, char *err, size_t errlen)
{
	struct bytebuf text;
	int r;

	memset(c, 0, sizeof(*c));
	if (errlen > 0)
		err[0] = '\0';
	if (server_name[0] == '\0' || strpbrk(server_name, " \t\r\n") != NULL) {
		rc_errf(err, errlen, "contacts: bad server name");
		return RC_ERR_INVAL;
	}
	c->path = strdup(path);
	c->server_name = strdup(server_name);
	if (c->path == NULL || c->server_name == NULL) {
		contacts_free(c);
		rc_errf(err, errlen, "%s", rc_strerror(RC_ERR_NOMEM));
		return RC_ERR_NOMEM;
	}
	bytebuf_init(&text, CONTACTS_MAX_BYTES);
	if ((r = contacts_reload(c, &text, err, errlen)) != RC_OK)
		contacts_free(c);
	bytebuf_free(&text);
	return r;
}

static int contacts_login_usable(const char *login, char *err, size_t errlen)
{
	if (login[0] == '\0') {
		rc_errf(err, errlen, "contacts: empty login");
		return RC_ERR_INVAL;
	}
	return RC_OK;
}

/* The change each public function makes to one contact, under the lock. */
enum contacts_change {
	CONTACTS_PIN_NEW,  /* pin key when login has no entry */
	CONTACTS_ACCEPT,   /* pin key, flags reset */
	CONTACTS_VERIFIED, /* set verified to value */
	CONTACTS_V2,       /* raise v2_capable and v2_seen to capable, seen */
};

struct contacts_edit {
	enum contacts_change change;
	const struct rsa_public *key;
	int value, capable, seen;
};

/* Locks, re-reads the file, applies edit to login's entry and writes it
 * when that changes anything. *existed tells whether login was pinned. */
static int contacts_edit(struct contacts *c, const char *login, const struct contacts_edit *edit, int *existed,
                         char *err, size_t errlen)
{
	struct bytebuf text;
	struct contact ct;
	const struct contact *cur;
	int fd = -1, r, dirty = 0;

	memset(&ct, 0, sizeof(ct));
	rsa_public_init(&ct.key);
	bytebuf_init(&text, CONTACTS_MAX_BYTES);
	if ((r = contacts_lock(c, &fd, err, errlen)) != RC_OK || (r = contacts_reload(c, &text, err, errlen)) != RC_OK)
		goto out;
	cur = contacts_find(c, login);
	*existed = cur != NULL;
	if ((ct.login = strdup(login)) == NULL) {
		r = RC_ERR_NOMEM;
		goto out;
	}
	if (cur != NULL) {
		if ((r = rsa_public_copy(&ct.key, &cur->key)) != RC_OK)
			goto out;
		ct.verified = cur->verified;
		ct.v2_capable = cur->v2_capable;
		ct.v2_seen = cur->v2_seen;
	}
	if (cur != NULL && cur->damaged && edit->change != CONTACTS_PIN_NEW && edit->change != CONTACTS_ACCEPT) {
		/* Its line stays as found until a key is accepted. */
		rc_errf(err, errlen, "%s: the entry for this contact is damaged: accept a key first", c->path);
		r = RC_ERR_FORMAT;
		goto out;
	}
	switch (edit->change) {
	case CONTACTS_PIN_NEW:
	case CONTACTS_ACCEPT:
		if (cur != NULL && edit->change == CONTACTS_PIN_NEW)
			break;
		if ((r = rsa_public_copy(&ct.key, edit->key)) != RC_OK)
			goto out;
		ct.verified = ct.v2_capable = ct.v2_seen = 0;
		dirty = 1;
		break;
	case CONTACTS_VERIFIED:
		dirty = cur != NULL && ct.verified != (edit->value != 0);
		ct.verified = edit->value != 0;
		break;
	case CONTACTS_V2:
		dirty = cur != NULL && ((edit->capable && !ct.v2_capable) || (edit->seen && !ct.v2_seen));
		ct.v2_capable |= edit->capable != 0;
		ct.v2_seen |= edit->seen != 0;
		break;
	}
	if (dirty)
		r = contacts_write_entry(c, &text, &ct, err, errlen);
out:
	if (r == RC_ERR_NOMEM)
		rc_errf(err, errlen, "%s", rc_strerror(r));
	contacts_entry_clear(&ct);
	bytebuf_free(&text);
	contacts_unlock(fd);
	return r;
}

int contacts_refresh(struct contacts *c, char *err, size_t errlen)
{
	struct bytebuf text;
	int r;

	if (errlen > 0)
		err[0] = '\0';
	bytebuf_init(&text, CONTACTS_MAX_BYTES);
	r = contacts_reload(c, &text, err, errlen);
	bytebuf_free(&text);
	return r;
}

enum contact_key_verdict contacts_compare(const struct contacts *c, const char *login, const struct rsa_public *key)
{
	const struct contact *ct = contacts_find(c, login);

	if (ct == NULL)
		return CONTACT_KEY_NEW;
	return rsa_public_equal(&ct->key, key) ? CONTACT_KEY_SAME : CONTACT_KEY_CHANGED;
}

int contacts_check_key(struct contacts *c, const char *login, const struct rsa_public *key,
                       enum contact_key_verdict *verdict, char *err, size_t errlen)
{
	struct contacts_edit edit = { .change = CONTACTS_PIN_NEW, .key = key };
	int r, existed = 0, pinned_now = 0;

	if (errlen > 0)
		err[0] = '\0';
	if ((r = contacts_login_usable(login, err, errlen)) != RC_OK)
		return r;
	/* Another client may have pinned or accepted a key since we last looked. */
	if ((r = contacts_refresh(c, err, errlen)) != RC_OK)
		return r;
	if (contacts_find(c, login) == NULL) {
		if ((r = contacts_edit(c, login, &edit, &existed, err, errlen)) != RC_OK)
			return r;
		pinned_now = !existed;
	}
	if (contacts_find(c, login) == NULL) {
		rc_errf(err, errlen, "%s: the new entry did not read back", c->path);
		return RC_ERR_FORMAT;
	}
	*verdict = contacts_compare(c, login, key);
	if (*verdict == CONTACT_KEY_SAME && pinned_now)
		*verdict = CONTACT_KEY_NEW;
	return RC_OK;
}

int contacts_accept_key(struct contacts *c, const char *login, const struct rsa_public *key, char *err, size_t errlen)
{
	struct contacts_edit edit = { .change = CONTACTS_ACCEPT, .key = key };
	int r, existed;

	if (errlen > 0)
		err[0] = '\0';
	if ((r = contacts_login_usable(login, err, errlen)) != RC_OK)
		return r;
	return contacts_edit(c, login, &edit, &existed, err, errlen);
}

/* contacts_edit for a change that needs login pinned already. */
static int contacts_edit_pinned(struct contacts *c, const char *login, const struct contacts_edit *edit, char *err,
                                size_t errlen)
{
	int r, existed = 0;

	if (errlen > 0)
		err[0] = '\0';
	if ((r = contacts_login_usable(login, err, errlen)) != RC_OK ||
	    (r = contacts_edit(c, login, edit, &existed, err, errlen)) != RC_OK)
		return r;
	if (!existed) {
		rc_errf(err, errlen, "no key is pinned for this contact yet");
		return RC_ERR_NOTFOUND;
	}
	return RC_OK;
}

int contacts_set_verified(struct contacts *c, const char *login, int verified, char *err, size_t errlen)
{
	struct contacts_edit edit = { .change = CONTACTS_VERIFIED, .value = verified };

	return contacts_edit_pinned(c, login, &edit, err, errlen);
}

int contacts_note_v2(struct contacts *c, const char *login, int capable, int seen, char *err, size_t errlen)
{
	struct contacts_edit edit = { .change = CONTACTS_V2, .capable = capable, .seen = seen };

	return contacts_edit_pinned(c, login, &edit, err, errlen);
}
