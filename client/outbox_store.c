#include "config.h"

#include "outbox_store.h"

#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <sodium.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <unistd.h>

#include "array.h"
#include "atomic_file.h"
#include "bytebuf.h"
#include "content.h"
#include "envelope.h"
#include "errors.h"
#include "fingerprint.h"
#include "jsonx.h"
#include "paths.h"
#include "protocol.h"
#include "secure.h"
#include "textfile.h"

#define OUTBOX_STORE_VERSION 1
/* A login has at most PROTO_MAX_LOGIN_CHARS characters of up to 4 bytes. */
#define OUTBOX_STORE_MAX_LOGIN_BYTES (4u * PROTO_MAX_LOGIN_CHARS)
/* Orders count messages queued one by one: far below this. */
#define OUTBOX_STORE_MAX_ORDER (INT64_C(1) << 53)
/* Bytes of the (server, key) hash that name the file (32 hex digits). */
#define OUTBOX_STORE_NAME_BYTES 16
#define OUTBOX_STORE_DIR "outbox/"
#define OUTBOX_STORE_LOCK_SUFFIX ".lock"
#define OUTBOX_STORE_DAMAGED_SUFFIX ".damaged"

/* One message as the file holds it: no plain text. */
struct outbox_record {
	uint64_t order;
	char *contact;
	char msg_id[API_MSG_ID_BASE_MAX + 1];
	int acked;
	char *to_recipient;  /* NULL until sealed */
	char *to_self;
	char *text_sealed;   /* the text sealed for our own key */
};

struct outbox_store {
	pthread_mutex_t lock;  /* guards the records (the UI adds, the network thread updates) */
	char path[PATHS_MAX];
	char *server;
	char key_fp[FINGERPRINT_MAX];
	const struct rsa_private *key;
	int lock_fd;           /* holds the flock while the store is open */
	struct outbox_record *v;
	size_t count;
	size_t cap;
	uint64_t last_order;
};

static void outbox_record_free(struct outbox_record *r)
{
	free(r->contact);
	free(r->to_recipient);
	free(r->to_self);
	free(r->text_sealed);
	memset(r, 0, sizeof(*r));
}

static void outbox_entry_clear(struct outbox_entry *e)
{
	free(e->contact);
	api_sealed_free(&e->sealed);
	if (e->text != NULL)
		secure_wipe(e->text, strlen(e->text));
	free(e->text);
	memset(e, 0, sizeof(*e));
}

void outbox_entries_free(struct outbox_entry *v, size_t n)
{
	for (size_t i = 0; v != NULL && i < n; i++)
		outbox_entry_clear(&v[i]);
	free(v);
}

int outbox_store_path(char *path, size_t pathlen, const char *dir, const char *server, const char *key_fp)
{
	crypto_hash_sha256_state h;
	unsigned char hash[crypto_hash_sha256_BYTES];
	char name[sizeof(OUTBOX_STORE_DIR) + 2 * OUTBOX_STORE_NAME_BYTES];
	size_t prefix = sizeof(OUTBOX_STORE_DIR) - 1;

	crypto_hash_sha256_init(&h);
	/* The server's NUL keeps ("a", "bc") apart from ("ab", "c"). */
	crypto_hash_sha256_update(&h, (const unsigned char *)server, strlen(server) + 1);
	crypto_hash_sha256_update(&h, (const unsigned char *)key_fp, strlen(key_fp));
	crypto_hash_sha256_final(&h, hash);
	memcpy(name, OUTBOX_STORE_DIR, prefix);
	sodium_bin2hex(name + prefix, sizeof(name) - prefix, hash, OUTBOX_STORE_NAME_BYTES);
	return paths_join(path, pathlen, dir, name);
}

/* ---- writing ---- */

/* Adds val (taken, may be NULL from a failed allocation) to o as key. */
static int outbox_store_put(struct json_object *o, const char *key, struct json_object *val)
{
	if (val == NULL || json_object_object_add(o, key, val) != 0) {
		json_object_put(val);
		return RC_ERR_NOMEM;
	}
	return RC_OK;
}

/* Appends o as one line and puts it. */
static int outbox_store_append_line(struct bytebuf *b, struct json_object *o)
{
	size_t len;
	const char *s = jsonx_to_string(o, &len);
	int r = s == NULL ? RC_ERR_NOMEM : bytebuf_append(b, s, len);

	if (r == RC_OK)
		r = bytebuf_put_u8(b, '\n');
	json_object_put(o);
	return r;
}

static int outbox_store_append_header(struct bytebuf *b, const struct outbox_store *st)
{
	struct json_object *o = json_object_new_object();

	if (o == NULL)
		return RC_ERR_NOMEM;
	if (outbox_store_put(o, "outbox", json_object_new_int(OUTBOX_STORE_VERSION)) != RC_OK ||
	    outbox_store_put(o, "server", json_object_new_string(st->server)) != RC_OK ||
	    outbox_store_put(o, "key", json_object_new_string(st->key_fp)) != RC_OK) {
		json_object_put(o);
		return RC_ERR_NOMEM;
	}
	return outbox_store_append_line(b, o);
}

static int outbox_store_append_record(struct bytebuf *b, const struct outbox_record *rec)
{
	struct json_object *o = json_object_new_object();

	if (o == NULL)
		return RC_ERR_NOMEM;
	if (outbox_store_put(o, "order", json_object_new_int64((int64_t)rec->order)) != RC_OK ||
	    outbox_store_put(o, "contact", json_object_new_string(rec->contact)) != RC_OK ||
	    outbox_store_put(o, "msg_id", json_object_new_string(rec->msg_id)) != RC_OK ||
	    outbox_store_put(o, "acked", json_object_new_int(rec->acked)) != RC_OK ||
	    outbox_store_put(o, "text", json_object_new_string(rec->text_sealed)) != RC_OK ||
	    (rec->to_recipient != NULL &&
	     outbox_store_put(o, "to_recipient", json_object_new_string(rec->to_recipient)) != RC_OK) ||
	    (rec->to_self != NULL && outbox_store_put(o, "to_self", json_object_new_string(rec->to_self)) != RC_OK)) {
		json_object_put(o);
		return RC_ERR_NOMEM;
	}
	return outbox_store_append_line(b, o);
}

/* Replaces the file with the records. Called with the lock held. */
static int outbox_store_write(struct outbox_store *st)
{
	struct bytebuf b;
	int r;

	bytebuf_init(&b, OUTBOX_STORE_MAX_BYTES);
	r = outbox_store_append_header(&b, st);
	for (size_t i = 0; i < st->count && r == RC_OK; i++)
		r = outbox_store_append_record(&b, &st->v[i]);
	if (r == RC_OK)
		r = atomic_file_write(st->path, b.data, b.len, 0600, 1, NULL, 0);
	bytebuf_free(&b);
	return r;
}

/* ---- reading ---- */

/* A string member without NUL (which would cut a login short), or NULL. */
static const char *outbox_store_get_string(struct json_object *o, const char *key)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string) ||
	    (size_t)json_object_get_string_len(v) != strlen(json_object_get_string(v)))
		return NULL;
	return json_object_get_string(v);
}

/* An integer member within [min, max]. */
static int outbox_store_get_int(struct json_object *o, const char *key, int64_t min, int64_t max, int64_t *out)
{
	struct json_object *v;

	if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_int))
		return RC_ERR_FORMAT;
	*out = json_object_get_int64(v);
	return *out >= min && *out <= max ? RC_OK : RC_ERR_FORMAT;
}

static int outbox_store_copy(char **slot, const char *s)
{
	if (s != NULL && (*slot = strdup(s)) == NULL)
		return RC_ERR_NOMEM;
	return RC_OK;
}

/* Is this line the header of our outbox? */
static int outbox_store_header_matches(const struct outbox_store *st, const char *line, size_t len)
{
	struct json_object *o = NULL;
	const char *server, *key;
	int64_t version;
	int ok;

	if (jsonx_parse(line, len, &o) != RC_OK)
		return 0;
	server = outbox_store_get_string(o, "server");
	key = outbox_store_get_string(o, "key");
	ok = json_object_is_type(o, json_type_object) &&
	     outbox_store_get_int(o, "outbox", OUTBOX_STORE_VERSION, OUTBOX_STORE_VERSION, &version) == RC_OK &&
	     server != NULL && strcmp(server, st->server) == 0 && key != NULL && strcmp(key, st->key_fp) == 0;
	json_object_put(o);
	return ok;
}

/* Fills rec and e from the fields of one entry; RC_ERR_FORMAT when they do
 * not make a message we could have written. */
static int outbox_store_parse_fields(struct outbox_store *st, struct json_object *o,
                                     struct outbox_record *rec, struct outbox_entry *e)
{
	const char *contact = outbox_store_get_string(o, "contact"), *msg_id = outbox_store_get_string(o, "msg_id");
	const char *text = outbox_store_get_string(o, "text"), *to_r = outbox_store_get_string(o, "to_recipient");
	const char *to_s = outbox_store_get_string(o, "to_self");
	struct envelope_opened plain = { 0 };
	int64_t order, acked;
	int r;

	if (outbox_store_get_int(o, "order", (int64_t)st->last_order + 1, OUTBOX_STORE_MAX_ORDER, &order) != RC_OK ||
	    outbox_store_get_int(o, "acked", 0, 2, &acked) != RC_OK || contact == NULL || contact[0] == '\0' ||
	    strlen(contact) > OUTBOX_STORE_MAX_LOGIN_BYTES || msg_id == NULL || api_msg_id_check(msg_id, NULL, 0) != RC_OK ||
	    text == NULL || (to_s != NULL && to_r == NULL) || (acked >= 1 && to_r == NULL) || (acked == 2 && to_s == NULL))
		return RC_ERR_FORMAT;
	/* A decryption bomb is refused before any private-key operation. */
	if ((r = envelope_open_v1(st->key, text, strlen(text), &plain)) != RC_OK)
		return r;
	if (plain.text == NULL || api_check_text(plain.text, strlen(plain.text), NULL, 0) != RC_OK) {
		envelope_opened_free(&plain);
		return RC_ERR_FORMAT;
	}
	rec->order = e->order = (uint64_t)order;
	rec->acked = e->acked = (int)acked;
	snprintf(rec->msg_id, sizeof(rec->msg_id), "%s", msg_id);
	snprintf(e->msg_id, sizeof(e->msg_id), "%s", msg_id);
	if ((r = outbox_store_copy(&rec->contact, contact)) != RC_OK || (r = outbox_store_copy(&e->contact, contact)) != RC_OK ||
	    (r = outbox_store_copy(&rec->text_sealed, text)) != RC_OK || (r = outbox_store_copy(&e->text, plain.text)) != RC_OK ||
	    (r = outbox_store_copy(&rec->to_recipient, to_r)) != RC_OK ||
	    (r = outbox_store_copy(&e->sealed.to_recipient, to_r)) != RC_OK ||
	    (r = outbox_store_copy(&rec->to_self, to_s)) != RC_OK || (r = outbox_store_copy(&e->sealed.to_self, to_s)) != RC_OK) {
		envelope_opened_free(&plain);
		return r;
	}
	envelope_opened_free(&plain);
	return RC_OK;
}

/* Reads one entry line into rec and e (both cleared first; freed by the
 * caller either way). */
static int outbox_store_parse_entry(struct outbox_store *st, const char *line, size_t len,
                                    struct outbox_record *rec, struct outbox_entry *e)
{
	struct json_object *o = NULL;
	int r;

	memset(rec, 0, sizeof(*rec));
	memset(e, 0, sizeof(*e));
	if (jsonx_parse(line, len, &o) != RC_OK)
		return RC_ERR_FORMAT;
	r = json_object_is_type(o, json_type_object) ? outbox_store_parse_fields(st, o, rec, e) : RC_ERR_FORMAT;
	json_object_put(o);
	return r;
}

/* Takes rec into the store's records and e into *loaded. */
static int outbox_store_keep(struct outbox_store *st, struct outbox_record *rec, struct outbox_entry **loaded,
                             size_t *n_loaded, size_t *loaded_cap, struct outbox_entry *e)
{
	struct outbox_record *v = array_grow(st->v, &st->cap, st->count, sizeof(*v), 8);
	struct outbox_entry *ev;

	if (v == NULL)
		return RC_ERR_NOMEM;
	st->v = v;
	if ((ev = array_grow(*loaded, loaded_cap, *n_loaded, sizeof(*ev), 8)) == NULL)
		return RC_ERR_NOMEM;
	*loaded = ev;
	st->v[st->count++] = *rec;
	(*loaded)[(*n_loaded)++] = *e;
	st->last_order = rec->order;
	return RC_OK;
}

/* Reads the file's entries (in order) into the store and *loaded; *damaged
 * counts the lines skipped. A missing file is an empty outbox. */
static int outbox_store_load(struct outbox_store *st, struct outbox_entry **loaded, size_t *n_loaded, size_t *damaged,
                             struct bytebuf *raw, char *note, size_t notelen)
{
	size_t pos = 0, line_len, cap = 0;
	const char *line, *text;
	int r, header_ok = -1;

	r = textfile_read_into(st->path, OUTBOX_STORE_MAX_BYTES, TEXTFILE_REGULAR, raw, note, notelen);
	if (r == RC_ERR_NOTFOUND) {
		rc_errf(note, notelen, "%s", "");
		return RC_OK;
	}
	if (r != RC_OK)
		return r;
	text = raw->len > 0 ? (const char *)raw->data : "";
	while (r == RC_OK && textfile_next_line(text, raw->len, &pos, &line, &line_len)) {
		struct outbox_record rec;
		struct outbox_entry e;
		if (line_len == 0)
			continue;
		if (header_ok < 0) {
			/* Another outbox's or an unknown version's entries are not ours to send. */
			header_ok = outbox_store_header_matches(st, line, line_len);
			*damaged += !header_ok;
			continue;
		}
		if (!header_ok || st->count >= OUTBOX_STORE_MAX_ENTRIES) {
			(*damaged)++;
			continue;
		}
		if ((r = outbox_store_parse_entry(st, line, line_len, &rec, &e)) == RC_OK &&
		    (r = outbox_store_keep(st, &rec, loaded, n_loaded, &cap, &e)) == RC_OK)
			continue;
		outbox_record_free(&rec);
		outbox_entry_clear(&e);
		if (r == RC_ERR_FORMAT) {
			(*damaged)++;
			r = RC_OK;
		}
	}
	return r;
}

/* ---- opening ---- */

/* Takes the flock of "<path>.lock" (a file of its own: the outbox file is
 * replaced by rename, which a lock on it would not survive). *held when
 * another process has it. */
static int outbox_store_take_lock(struct outbox_store *st, int *held, char *note, size_t notelen)
{
	char lock_path[PATHS_MAX + sizeof(OUTBOX_STORE_LOCK_SUFFIX)];

	*held = 0;
	snprintf(lock_path, sizeof(lock_path), "%s%s", st->path, OUTBOX_STORE_LOCK_SUFFIX);
	if ((st->lock_fd = open(lock_path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600)) < 0) {
		rc_errf(note, notelen, "cannot open %s: %s", lock_path, strerror(errno));
		return RC_ERR_IO;
	}
	if (flock(st->lock_fd, LOCK_EX | LOCK_NB) == 0)
		return RC_OK;
	if (errno == EWOULDBLOCK) {
		*held = 1;
		rc_errf(note, notelen, "the outbox is in use by another rsa-chat (same key and server): "
		                       "messages typed here are not kept if you quit");
		return RC_OK;
	}
	rc_errf(note, notelen, "cannot lock %s: %s", lock_path, strerror(errno));
	return RC_ERR_IO;
}

/* Damaged entries were skipped: keeps the file as found beside it, then
 * rewrites the outbox without them. */
static int outbox_store_set_aside(struct outbox_store *st, const struct bytebuf *raw, size_t damaged, char *note,
                                  size_t notelen)
{
	char aside[PATHS_MAX + sizeof(OUTBOX_STORE_DAMAGED_SUFFIX)];
	int r;

	snprintf(aside, sizeof(aside), "%s%s", st->path, OUTBOX_STORE_DAMAGED_SUFFIX);
	if ((r = atomic_file_write(aside, raw->data, raw->len, 0600, 1, note, notelen)) != RC_OK)
		return r;
	if ((r = outbox_store_write(st)) != RC_OK) {
		rc_errf(note, notelen, "cannot write %s: %s", st->path, rc_strerror(r));
		return r;
	}
	rc_errf(note, notelen, "outbox: %zu damaged line%s skipped (the file as found is kept as %s)", damaged,
	        damaged == 1 ? "" : "s", aside);
	return RC_OK;
}

int outbox_store_open(const char *path, const char *server, const struct rsa_private *key, struct outbox_store **out,
                      struct outbox_entry **loaded, size_t *n_loaded, char *note, size_t notelen)
{
	struct outbox_store *st = calloc(1, sizeof(*st));
	struct bytebuf raw;
	size_t damaged = 0;
	int r, held = 0;

	*out = NULL;
	*loaded = NULL;
	*n_loaded = 0;
	rc_errf(note, notelen, "%s", "");
	if (st == NULL)
		return RC_ERR_NOMEM;
	bytebuf_init(&raw, OUTBOX_STORE_MAX_BYTES);
	st->lock_fd = -1;
	st->key = key;
	pthread_mutex_init(&st->lock, NULL);
	if (strlen(path) >= sizeof(st->path)) {
		r = RC_ERR_TOO_LARGE;
		goto out;
	}
	strcpy(st->path, path);
	if ((st->server = strdup(server)) == NULL) {
		r = RC_ERR_NOMEM;
		goto out;
	}
	if ((r = fingerprint_public(&key->pub, st->key_fp)) != RC_OK)
		goto out;
	if ((r = paths_mkdirs_parent(path)) != RC_OK) {
		rc_errf(note, notelen, "cannot create the folder of %s", path);
		goto out;
	}
	if ((r = outbox_store_take_lock(st, &held, note, notelen)) != RC_OK || held)
		goto out;
	if ((r = outbox_store_load(st, loaded, n_loaded, &damaged, &raw, note, notelen)) == RC_OK && damaged > 0)
		r = outbox_store_set_aside(st, &raw, damaged, note, notelen);
out:
	bytebuf_free(&raw);
	if (r != RC_OK || held) {
		outbox_entries_free(*loaded, *n_loaded);
		*loaded = NULL;
		*n_loaded = 0;
		outbox_store_close(st);
		return r;
	}
	*out = st;
	return RC_OK;
}

void outbox_store_close(struct outbox_store *st)
{
	if (st == NULL)
		return;
	for (size_t i = 0; i < st->count; i++)
		outbox_record_free(&st->v[i]);
	free(st->v);
	free(st->server);
	/* Closing the descriptor releases the flock. */
	if (st->lock_fd >= 0)
		close(st->lock_fd);
	pthread_mutex_destroy(&st->lock);
	free(st);
}

/* ---- changes ---- */

int outbox_store_add(struct outbox_store *st, struct outbox_entry *e)
{
	const struct rsa_public *me = &st->key->pub;
	struct outbox_record rec, *v;
	int r;

	memset(&rec, 0, sizeof(rec));
	if (api_msg_id_check(e->msg_id, NULL, 0) != RC_OK || e->contact == NULL || e->text == NULL)
		return RC_ERR_INVAL;
	rec.acked = e->acked;
	snprintf(rec.msg_id, sizeof(rec.msg_id), "%s", e->msg_id);
	if ((r = outbox_store_copy(&rec.contact, e->contact)) != RC_OK ||
	    (r = outbox_store_copy(&rec.to_recipient, e->sealed.to_recipient)) != RC_OK ||
	    (r = outbox_store_copy(&rec.to_self, e->sealed.to_self)) != RC_OK ||
	    (r = content_encode(me, e->text, strlen(e->text), rsa_chunk_wide(me), &rec.text_sealed)) != RC_OK)
		goto out;
	pthread_mutex_lock(&st->lock);
	if (st->count >= OUTBOX_STORE_MAX_ENTRIES) {
		r = RC_ERR_TOO_LARGE;
	} else if ((v = array_grow(st->v, &st->cap, st->count, sizeof(*v), 8)) == NULL) {
		r = RC_ERR_NOMEM;
	} else {
		st->v = v;
		rec.order = st->last_order + 1;
		st->v[st->count++] = rec;
		if ((r = outbox_store_write(st)) == RC_OK) {
			st->last_order = rec.order;
			e->order = rec.order;
		} else {
			st->count--;
		}
	}
	pthread_mutex_unlock(&st->lock);
out:
	if (r != RC_OK)
		outbox_record_free(&rec);
	return r;
}

/* The record of message order, or NULL. Called with the lock held. */
static struct outbox_record *outbox_store_find(struct outbox_store *st, uint64_t order)
{
	for (size_t i = 0; i < st->count; i++)
		if (st->v[i].order == order)
			return &st->v[i];
	return NULL;
}

int outbox_store_update(struct outbox_store *st, uint64_t order, int acked, const struct api_sealed *sealed)
{
	char *to_r = NULL, *to_s = NULL;
	struct outbox_record *rec;
	int r;

	if ((r = outbox_store_copy(&to_r, sealed->to_recipient)) != RC_OK ||
	    (r = outbox_store_copy(&to_s, sealed->to_self)) != RC_OK) {
		free(to_r);
		return r;
	}
	pthread_mutex_lock(&st->lock);
	if ((rec = outbox_store_find(st, order)) == NULL) {
		r = RC_ERR_NOTFOUND;
	} else {
		free(rec->to_recipient);
		free(rec->to_self);
		rec->to_recipient = to_r;
		rec->to_self = to_s;
		rec->acked = acked;
		to_r = to_s = NULL;
		r = outbox_store_write(st);
	}
	pthread_mutex_unlock(&st->lock);
	free(to_r);
	free(to_s);
	return r;
}

int outbox_store_remove(struct outbox_store *st, uint64_t order)
{
	struct outbox_record *rec;
	int r = RC_ERR_NOTFOUND;

	pthread_mutex_lock(&st->lock);
	if ((rec = outbox_store_find(st, order)) != NULL) {
		size_t at = (size_t)(rec - st->v);
		outbox_record_free(rec);
		memmove(st->v + at, st->v + at + 1, (st->count - at - 1) * sizeof(*st->v));
		st->count--;
		r = outbox_store_write(st);
	}
	pthread_mutex_unlock(&st->lock);
	return r;
}
