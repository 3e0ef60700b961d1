/* outbox_store: round trip in order with every field, no readable text on
 * disk, one holder at a time, damaged lines skipped (and kept aside),
 * another outbox's file, and the bounds on size, entries and blocks. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <json-c/json.h>

#include "client/outbox_store.h"
#include "bytebuf.h"
#include "content.h"
#include "errors.h"
#include "rsa.h"
#include "secure.h"
#include "textfile.h"

#define SERVER "127.0.0.1:5000"
#define ODD_LOGIN "bob \"the\" \\builder\n\t\x01 Боб ≈"
#define SECRET_TEXT "meet me at the old mill at noon"

static struct rsa_private me, other;

struct fixture {
	char dir[64];
	char path[256];
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (f == NULL)
		return -1;
	strcpy(f->dir, "/tmp/rc-outbox-XXXXXX");
	if (mkdtemp(f->dir) == NULL || outbox_store_path(f->path, sizeof(f->path), f->dir, SERVER, "SHA256:me") != RC_OK)
		return -1;
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", f->dir);
	if (system(cmd) != 0)
		return -1;
	free(f);
	return 0;
}

static struct outbox_store *open_ok(struct fixture *f, struct outbox_entry **loaded, size_t *n, char *note,
                                    size_t notelen)
{
	struct outbox_store *st = NULL;

	assert_int_equal(outbox_store_open(f->path, SERVER, &me, &st, loaded, n, note, notelen), RC_OK);
	assert_non_null(st);
	return st;
}

static uint64_t add(struct outbox_store *st, const char *contact, const char *msg_id, const char *text)
{
	struct outbox_entry e;

	memset(&e, 0, sizeof(e));
	e.contact = (char *)contact;
	e.text = (char *)text;
	snprintf(e.msg_id, sizeof(e.msg_id), "%s", msg_id);
	assert_int_equal(outbox_store_add(st, &e), RC_OK);
	assert_true(e.order > 0);
	return e.order;
}

/* *text: the file's bytes (malloc'd, NUL-terminated). */
static void read_file(const char *path, char **text)
{
	size_t len;

	*text = NULL;
	assert_int_equal(textfile_read(path, 64u << 20, text, &len), RC_OK);
}

static void write_file(const char *path, const char *text)
{
	FILE *fp = fopen(path, "w");

	assert_non_null(fp);
	assert_int_equal(fputs(text, fp) >= 0, 1);
	assert_int_equal(fclose(fp), 0);
}

static void test_round_trip(void **state)
{
	struct fixture *f = *state;
	struct outbox_entry *loaded;
	struct outbox_store *st;
	struct api_sealed sealed = { "[\"Zm9y IGJvYg==\"]", "[\"Zm9yIG1l\"]" };
	struct stat sb;
	char note[300], *disk;
	uint64_t o1, o2, o3;
	size_t n;

	st = open_ok(f, &loaded, &n, note, sizeof(note));
	assert_int_equal(n, 0);
	assert_string_equal(note, "");
	o1 = add(st, "alice", "m1", "first");
	o2 = add(st, ODD_LOGIN, "m2", SECRET_TEXT);
	o3 = add(st, "carol", "m3", "third");
	assert_true(o1 < o2 && o2 < o3);
	assert_int_equal(outbox_store_update(st, o2, 1, &sealed), RC_OK);
	assert_int_equal(outbox_store_remove(st, o1), RC_OK);
	assert_int_equal(outbox_store_remove(st, o1), RC_ERR_NOTFOUND);
	assert_int_equal(outbox_store_update(st, o1, 1, &sealed), RC_ERR_NOTFOUND);
	/* Private, and no readable text, only what is sealed. */
	assert_int_equal(stat(f->path, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	read_file(f->path, &disk);
	assert_null(strstr(disk, SECRET_TEXT));
	assert_null(strstr(disk, "third"));
	assert_non_null(strstr(disk, "\"to_recipient\""));
	free(disk);
	outbox_store_close(st);

	st = open_ok(f, &loaded, &n, note, sizeof(note));
	assert_string_equal(note, "");
	assert_int_equal(n, 2);
	assert_int_equal(loaded[0].order, o2);
	assert_string_equal(loaded[0].contact, ODD_LOGIN);
	assert_string_equal(loaded[0].msg_id, "m2");
	assert_string_equal(loaded[0].text, SECRET_TEXT);
	assert_int_equal(loaded[0].acked, 1);
	assert_string_equal(loaded[0].sealed.to_recipient, sealed.to_recipient);
	assert_string_equal(loaded[0].sealed.to_self, sealed.to_self);
	assert_int_equal(loaded[1].order, o3);
	assert_string_equal(loaded[1].contact, "carol");
	assert_string_equal(loaded[1].text, "third");
	assert_int_equal(loaded[1].acked, 0);
	assert_null(loaded[1].sealed.to_recipient);
	assert_null(loaded[1].sealed.to_self);
	outbox_entries_free(loaded, n);
	/* New messages come after the ones found. */
	assert_true(add(st, "dave", "m4", "fourth") > o3);
	outbox_store_close(st);
}

static void test_one_holder(void **state)
{
	struct fixture *f = *state;
	struct outbox_entry *loaded;
	struct outbox_store *st, *second = (struct outbox_store *)1;
	char note[300];
	size_t n;

	st = open_ok(f, &loaded, &n, note, sizeof(note));
	add(st, "alice", "m1", "mine");
	assert_int_equal(outbox_store_open(f->path, SERVER, &me, &second, &loaded, &n, note, sizeof(note)), RC_OK);
	assert_null(second);
	assert_int_equal(n, 0);
	assert_non_null(strstr(note, "in use by another rsa-chat"));
	outbox_store_close(st);
	st = open_ok(f, &loaded, &n, note, sizeof(note));
	assert_int_equal(n, 1);
	outbox_entries_free(loaded, n);
	outbox_store_close(st);
}

/* Each kind of damage in one file: every damaged line is skipped, the good
 * entry stays. */
static void test_damaged_lines(void **state)
{
	struct fixture *f = *state;
	struct outbox_entry *loaded;
	struct outbox_store *st;
	struct bytebuf b;
	char note[300], aside[300], *good, *foreign = NULL, *disk, *kept, *nl;
	size_t n;

	st = open_ok(f, &loaded, &n, note, sizeof(note));
	add(st, "alice", "m1", "kept one");
	outbox_store_close(st);
	read_file(f->path, &good);
	/* A text sealed for another key cannot be ours. */
	assert_int_equal(content_encode(&other.pub, "x", 1, rsa_chunk_wide(&other.pub), &foreign), RC_OK);
	bytebuf_init(&b, BYTEBUF_UNBOUNDED);
	assert_int_equal(bytebuf_append_str(&b, good), RC_OK);
	nl = strchr(good, '\n');
	assert_non_null(nl);
	assert_int_equal(bytebuf_append_str(&b, "not json at all\n"
	                                        "[1, 2]\n"
	                                        "{\"order\": 9}\n"
	                                        "{\"order\":5,\"contact\":\"bob\",\"msg_id\":\"a b\",\"acked\":0,\"text\":\"[]\"}\n"
	                                        "{\"order\":6,\"contact\":\"bo\\u0000b\",\"msg_id\":\"m6\",\"acked\":0,\"text\":\"[]\"}\n"
	                                        "{\"order\":7,\"contact\":\"bob\",\"msg_id\":\"m7\",\"acked\":3,\"text\":\"[]\"}\n"
	                                        "{\"order\":8,\"contact\":\"bob\",\"msg_id\":\"m8\",\"acked\":1,\"text\":\"[]\"}\n"
	                                        "{\"order\":9,\"contact\":\"bob\",\"msg_id\":\"m9\",\"acked\":0,"
	                                        "\"to_self\":\"[]\",\"text\":\"[]\"}\n"
	                                        "{\"order\":10,\"contact\":\"bob\",\"msg_id\":\"m10\",\"acked\":0,\"text\":\"\\\""),
	                 RC_OK);
	assert_int_equal(bytebuf_append_str(&b, "\"}\n{\"order\":11,\"contact\":\"bob\",\"msg_id\":\"m11\",\"acked\":0,\"text\":"),
	                 RC_OK);
	{
		/* The foreign text, as a JSON string. */
		struct json_object *s = json_object_new_string(foreign);
		assert_int_equal(bytebuf_append_str(&b, json_object_to_json_string(s)), RC_OK);
		json_object_put(s);
	}
	assert_int_equal(bytebuf_append_str(&b, "}\n"), RC_OK);
	/* The kept entry again, with the same order: not after the last one. */
	assert_int_equal(bytebuf_append_str(&b, nl + 1), RC_OK);
	assert_int_equal(bytebuf_put_u8(&b, 0), RC_OK);
	write_file(f->path, (const char *)b.data);

	st = open_ok(f, &loaded, &n, note, sizeof(note));
	assert_int_equal(n, 1);
	assert_string_equal(loaded[0].text, "kept one");
	outbox_entries_free(loaded, n);
	assert_non_null(strstr(note, "11 damaged lines skipped"));
	outbox_store_close(st);
	/* The file as found is kept aside; the outbox holds the good entry only. */
	snprintf(aside, sizeof(aside), "%s.damaged", f->path);
	read_file(aside, &kept);
	assert_string_equal(kept, (const char *)b.data);
	read_file(f->path, &disk);
	assert_string_equal(disk, good);
	free(kept);
	free(disk);
	free(good);
	free(foreign);
	bytebuf_free(&b);
}

static void test_other_outbox(void **state)
{
	struct fixture *f = *state;
	struct outbox_entry *loaded;
	struct outbox_store *st;
	char note[300];
	size_t n;

	st = open_ok(f, &loaded, &n, note, sizeof(note));
	add(st, "alice", "m1", "for 5000");
	outbox_store_close(st);
	/* The same file opened for another server: its entries are not ours. */
	assert_int_equal(outbox_store_open(f->path, "127.0.0.1:5001", &me, &st, &loaded, &n, note, sizeof(note)), RC_OK);
	assert_non_null(st);
	assert_int_equal(n, 0);
	assert_non_null(strstr(note, "2 damaged lines skipped"));
	outbox_store_close(st);
	/* Two servers, two keys: four files. */
	{
		char a[256], b[256], c[256];
		assert_int_equal(outbox_store_path(a, sizeof(a), f->dir, SERVER, "SHA256:other"), RC_OK);
		assert_int_equal(outbox_store_path(b, sizeof(b), f->dir, "127.0.0.1:5001", "SHA256:me"), RC_OK);
		assert_int_equal(outbox_store_path(c, sizeof(c), f->dir, "127.0.0.1:500", "1SHA256:me"), RC_OK);
		assert_string_not_equal(a, f->path);
		assert_string_not_equal(b, f->path);
		assert_string_not_equal(a, b);
		assert_string_not_equal(c, f->path);
	}
}

static void test_bounds(void **state)
{
	struct fixture *f = *state;
	struct outbox_entry *loaded, e;
	struct outbox_store *st;
	struct bytebuf b;
	char note[300], line[2048], *header, *text = NULL, *bomb, *disk;
	FILE *fp;
	size_t n;

	/* Entries: past the cap the rest is skipped, and adding is refused. */
	assert_int_equal(content_encode(&me.pub, "again", 5, rsa_chunk_wide(&me.pub), &text), RC_OK);
	st = open_ok(f, &loaded, &n, note, sizeof(note));
	assert_int_equal(outbox_store_remove(st, add(st, "bob", "m0", "gone")), RC_OK);
	outbox_store_close(st);
	read_file(f->path, &header);
	bytebuf_init(&b, BYTEBUF_UNBOUNDED);
	assert_int_equal(bytebuf_append_str(&b, header), RC_OK);
	for (unsigned i = 1; i <= OUTBOX_STORE_MAX_ENTRIES + 1; i++) {
		struct json_object *s = json_object_new_string(text);
		snprintf(line, sizeof(line), "{\"order\":%u,\"contact\":\"bob\",\"msg_id\":\"m%u\",\"acked\":0,\"text\":%s}\n", i,
		         i, json_object_to_json_string(s));
		json_object_put(s);
		assert_int_equal(bytebuf_append_str(&b, line), RC_OK);
	}
	assert_int_equal(bytebuf_put_u8(&b, 0), RC_OK);
	write_file(f->path, (const char *)b.data);
	bytebuf_free(&b);
	st = open_ok(f, &loaded, &n, note, sizeof(note));
	assert_int_equal(n, OUTBOX_STORE_MAX_ENTRIES);
	assert_string_equal(loaded[n - 1].msg_id, "m1000");
	outbox_entries_free(loaded, n);
	assert_non_null(strstr(note, "1 damaged line skipped"));
	memset(&e, 0, sizeof(e));
	e.contact = "bob";
	e.text = "one too many";
	strcpy(e.msg_id, "full");
	assert_int_equal(outbox_store_add(st, &e), RC_ERR_TOO_LARGE);
	outbox_store_close(st);
	st = open_ok(f, &loaded, &n, note, sizeof(note));
	assert_int_equal(n, OUTBOX_STORE_MAX_ENTRIES);
	assert_string_equal(note, "");
	outbox_entries_free(loaded, n);
	outbox_store_close(st);

	/* A decryption bomb (a million one-byte blocks) is refused unread. */
	bytebuf_init(&b, BYTEBUF_UNBOUNDED);
	assert_int_equal(bytebuf_append_str(&b, header), RC_OK);
	assert_int_equal(bytebuf_append_str(&b, "{\"order\":1,\"contact\":\"bob\",\"msg_id\":\"m1\",\"acked\":0,\"text\":\"["), RC_OK);
	for (unsigned i = 0; i < 1000000; i++)
		assert_int_equal(bytebuf_append_str(&b, i ? ", \\\"Ag==\\\"" : "\\\"Ag==\\\""), RC_OK);
	assert_int_equal(bytebuf_append_str(&b, "]\"}\n"), RC_OK);
	assert_int_equal(bytebuf_put_u8(&b, 0), RC_OK);
	bomb = (char *)b.data;
	write_file(f->path, bomb);
	st = open_ok(f, &loaded, &n, note, sizeof(note));
	assert_int_equal(n, 0);
	assert_non_null(strstr(note, "1 damaged line skipped"));
	outbox_store_close(st);
	bytebuf_free(&b);

	/* A file over the size cap is not read, and left as it is. */
	fp = fopen(f->path, "w");
	assert_non_null(fp);
	assert_int_equal(fputs(header, fp) >= 0, 1);
	assert_int_equal(ftruncate(fileno(fp), (off_t)OUTBOX_STORE_MAX_BYTES + 1), 0);
	assert_int_equal(fclose(fp), 0);
	st = (struct outbox_store *)1;
	assert_int_equal(outbox_store_open(f->path, SERVER, &me, &st, &loaded, &n, note, sizeof(note)), RC_ERR_TOO_LARGE);
	assert_null(st);
	assert_int_equal(n, 0);
	read_file(f->path, &disk);
	assert_string_equal(disk, header);
	free(disk);
	free(header);
	free(text);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_round_trip, setup, teardown),
		cmocka_unit_test_setup_teardown(test_one_holder, setup, teardown),
		cmocka_unit_test_setup_teardown(test_damaged_lines, setup, teardown),
		cmocka_unit_test_setup_teardown(test_other_outbox, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bounds, setup, teardown),
	};
	int r;

	if (secure_init() != RC_OK)
		return 1;
	rsa_private_init(&me);
	rsa_private_init(&other);
	if (rsa_generate(&me, 1024, NULL, NULL) != RC_OK || rsa_generate(&other, 1024, NULL, NULL) != RC_OK)
		return 1;
	r = cmocka_run_group_tests(tests, NULL, NULL);
	rsa_private_clear(&me);
	rsa_private_clear(&other);
	return r;
}
