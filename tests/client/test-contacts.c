/* contacts: pinning on first sight, same and changed keys, accepting a new
 * key, the verified and v2 marks, lines kept as found, damaged entries, two
 * writers at once, logins of any shape, and the size cap. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "client/contacts.h"
#include "errors.h"
#include "textfile.h"

#define SERVER "127.0.0.1:7000"

struct fixture {
	char dir[64];
	char path[128];
	char lock[160];
	struct rsa_public a, b;
	char err[512];
};

/* Keys need not be real here: the store compares and prints them only. */
static void set_key(struct rsa_public *k, unsigned long e, const char *n)
{
	rsa_public_init(k);
	mpz_set_ui(k->e, e);
	mpz_set_str(k->n, n, 10);
}

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (f == NULL)
		return -1;
	strcpy(f->dir, "/tmp/rc-contacts-XXXXXX");
	if (mkdtemp(f->dir) == NULL)
		return -1;
	snprintf(f->path, sizeof(f->path), "%s/contacts", f->dir);
	snprintf(f->lock, sizeof(f->lock), "%s/contacts.lock", f->dir);
	set_key(&f->a, 65537, "1000000000000000000000000000000000000000000000000000000000000000000000000000000007");
	set_key(&f->b, 3, "2000000000000000000000000000000000000000000000000000000000000000000000000000000009");
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	rsa_public_clear(&f->a);
	rsa_public_clear(&f->b);
	unlink(f->path);
	unlink(f->lock);
	rmdir(f->dir);
	free(f);
	return 0;
}

static enum contact_key_verdict check(struct fixture *f, struct contacts *c, const char *login,
                                      const struct rsa_public *key)
{
	enum contact_key_verdict v;

	assert_int_equal(contacts_check_key(c, login, key, &v, f->err, sizeof(f->err)), RC_OK);
	return v;
}

static char *read_text(struct fixture *f)
{
	char *text;
	size_t len;

	assert_int_equal(textfile_read(f->path, CONTACTS_MAX_BYTES, &text, &len), RC_OK);
	return text;
}

static void write_text(struct fixture *f, const char *text)
{
	FILE *fp = fopen(f->path, "w");

	assert_non_null(fp);
	fputs(text, fp);
	fclose(fp);
}

static void test_pin_same_changed_accept(void **state)
{
	struct fixture *f = *state;
	struct contacts c, again;
	const struct contact *ct;
	struct stat st;

	/* No file yet: nobody is pinned. */
	assert_int_equal(contacts_load(&c, f->path, SERVER, f->err, sizeof(f->err)), RC_OK);
	assert_int_equal(c.count, 0);
	assert_null(contacts_find(&c, "bob"));
	assert_int_equal(check(f, &c, "bob", &f->a), CONTACT_KEY_NEW);
	assert_int_equal(check(f, &c, "bob", &f->a), CONTACT_KEY_SAME);
	assert_int_equal(check(f, &c, "bob", &f->b), CONTACT_KEY_CHANGED);
	/* A changed key does not replace the pin. */
	ct = contacts_find(&c, "bob");
	assert_non_null(ct);
	assert_true(rsa_public_equal(&ct->key, &f->a));
	assert_int_equal(stat(f->path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	/* Another server's bob is someone else. */
	assert_int_equal(contacts_load(&again, f->path, "127.0.0.1:7001", f->err, sizeof(f->err)), RC_OK);
	assert_null(contacts_find(&again, "bob"));
	assert_int_equal(check(f, &again, "bob", &f->b), CONTACT_KEY_NEW);
	contacts_free(&again);
	assert_int_equal(check(f, &c, "bob", &f->a), CONTACT_KEY_SAME);

	/* Accepting: the new key is pinned, the marks start over. */
	assert_int_equal(contacts_set_verified(&c, "bob", 1, f->err, sizeof(f->err)), RC_OK);
	assert_int_equal(contacts_note_v2(&c, "bob", 1, 1, f->err, sizeof(f->err)), RC_OK);
	assert_int_equal(contacts_accept_key(&c, "bob", &f->b, f->err, sizeof(f->err)), RC_OK);
	ct = contacts_find(&c, "bob");
	assert_true(rsa_public_equal(&ct->key, &f->b));
	assert_false(ct->verified);
	assert_false(ct->v2_capable);
	assert_false(ct->v2_seen);
	assert_int_equal(check(f, &c, "bob", &f->b), CONTACT_KEY_SAME);
	assert_int_equal(check(f, &c, "bob", &f->a), CONTACT_KEY_CHANGED);
	/* Accepting a login never seen pins it. */
	assert_int_equal(contacts_accept_key(&c, "dave", &f->a, f->err, sizeof(f->err)), RC_OK);
	assert_int_equal(check(f, &c, "dave", &f->a), CONTACT_KEY_SAME);
	contacts_free(&c);

	/* All of it survives a fresh load. */
	assert_int_equal(contacts_load(&c, f->path, SERVER, f->err, sizeof(f->err)), RC_OK);
	assert_int_equal(c.count, 2);
	assert_true(rsa_public_equal(&contacts_find(&c, "bob")->key, &f->b));
	assert_int_equal(check(f, &c, "bob", &f->b), CONTACT_KEY_SAME);
	contacts_free(&c);
	/* A bad server name, an empty login. */
	assert_int_equal(contacts_load(&c, f->path, "bad name", f->err, sizeof(f->err)), RC_ERR_INVAL);
	contacts_free(&c);
	assert_int_equal(contacts_load(&c, f->path, SERVER, f->err, sizeof(f->err)), RC_OK);
	assert_int_equal(contacts_accept_key(&c, "", &f->a, f->err, sizeof(f->err)), RC_ERR_INVAL);
	contacts_free(&c);
}

static void test_verified_and_v2_marks(void **state)
{
	struct fixture *f = *state;
	struct contacts c;
	const struct contact *ct;
	char *text;

	assert_int_equal(contacts_load(&c, f->path, SERVER, f->err, sizeof(f->err)), RC_OK);
	/* Only a pinned contact can be marked. */
	assert_int_equal(contacts_set_verified(&c, "bob", 1, f->err, sizeof(f->err)), RC_ERR_NOTFOUND);
	assert_int_equal(contacts_note_v2(&c, "bob", 1, 0, f->err, sizeof(f->err)), RC_ERR_NOTFOUND);
	assert_null(contacts_find(&c, "bob"));
	assert_int_equal(check(f, &c, "bob", &f->a), CONTACT_KEY_NEW);
	assert_int_equal(contacts_set_verified(&c, "bob", 1, f->err, sizeof(f->err)), RC_OK);
	assert_true(contacts_find(&c, "bob")->verified);
	/* v2 flags only go up. */
	assert_int_equal(contacts_note_v2(&c, "bob", 1, 0, f->err, sizeof(f->err)), RC_OK);
	ct = contacts_find(&c, "bob");
	assert_true(ct->v2_capable);
	assert_false(ct->v2_seen);
	assert_int_equal(contacts_note_v2(&c, "bob", 0, 1, f->err, sizeof(f->err)), RC_OK);
	ct = contacts_find(&c, "bob");
	assert_true(ct->v2_capable);
	assert_true(ct->v2_seen);
	assert_int_equal(contacts_note_v2(&c, "bob", 0, 0, f->err, sizeof(f->err)), RC_OK);
	assert_true(contacts_find(&c, "bob")->v2_capable);
	text = read_text(f);
	assert_non_null(strstr(text, SERVER " bob SHA256:"));
	assert_non_null(strstr(text, " verified,v2,v2-seen\n"));
	free(text);
	assert_int_equal(contacts_set_verified(&c, "bob", 0, f->err, sizeof(f->err)), RC_OK);
	assert_false(contacts_find(&c, "bob")->verified);
	contacts_free(&c);
	assert_int_equal(contacts_load(&c, f->path, SERVER, f->err, sizeof(f->err)), RC_OK);
	ct = contacts_find(&c, "bob");
	assert_false(ct->verified);
	assert_true(ct->v2_capable);
	assert_true(ct->v2_seen);
	contacts_free(&c);
}

static void test_kept_lines_and_damage(void **state)
{
	struct fixture *f = *state;
	struct contacts c;
	const struct contact *ct;
	char *text;

	write_text(f, "# my contacts\n"
	              "other:9 whatever this is\n"
	              SERVER " \\q{41} SHA256:x 3 5 -\n"
	              SERVER " carol SHA256:x 3 notanumber -\n"
	              SERVER " erin SHA256:x 3 7 verified,future-flag\n");
	assert_int_equal(contacts_load(&c, f->path, SERVER, f->err, sizeof(f->err)), RC_OK);
	/* Unknown flags are read past. */
	ct = contacts_find(&c, "erin");
	assert_non_null(ct);
	assert_true(ct->verified);
	assert_false(ct->damaged);
	/* A damaged entry vouches for no key, and cannot be marked. */
	ct = contacts_find(&c, "carol");
	assert_non_null(ct);
	assert_true(ct->damaged);
	assert_int_equal(check(f, &c, "carol", &f->a), CONTACT_KEY_CHANGED);
	assert_int_equal(contacts_set_verified(&c, "carol", 1, f->err, sizeof(f->err)), RC_ERR_FORMAT);
	assert_int_equal(contacts_note_v2(&c, "carol", 1, 1, f->err, sizeof(f->err)), RC_ERR_FORMAT);
	/* Writing another entry keeps every line as found. */
	assert_int_equal(check(f, &c, "bob", &f->a), CONTACT_KEY_NEW);
	text = read_text(f);
	assert_non_null(strstr(text, "# my contacts\nother:9 whatever this is\n" SERVER " \\q{41} SHA256:x 3 5 -\n" SERVER
	                             " carol SHA256:x 3 notanumber -\n"));
	free(text);
	/* Accepting replaces the damaged line in place. */
	assert_int_equal(contacts_accept_key(&c, "carol", &f->b, f->err, sizeof(f->err)), RC_OK);
	assert_int_equal(check(f, &c, "carol", &f->b), CONTACT_KEY_SAME);
	text = read_text(f);
	assert_null(strstr(text, "notanumber"));
	assert_non_null(strstr(text, "\\q{41} SHA256:x 3 5 -\n" SERVER " carol SHA256:"));
	free(text);
	contacts_free(&c);
}

static void test_two_writers_merge(void **state)
{
	struct fixture *f = *state;
	struct contacts c1, c2;
	char login[32];
	int status;
	pid_t pid[2];

	/* Two loads of one file, each pinning: neither loses the other's pin. */
	assert_int_equal(contacts_load(&c1, f->path, SERVER, f->err, sizeof(f->err)), RC_OK);
	assert_int_equal(contacts_load(&c2, f->path, SERVER, f->err, sizeof(f->err)), RC_OK);
	assert_int_equal(check(f, &c1, "bob", &f->a), CONTACT_KEY_NEW);
	assert_int_equal(contacts_set_verified(&c2, "bob", 1, f->err, sizeof(f->err)), RC_OK);
	assert_int_equal(check(f, &c2, "carol", &f->b), CONTACT_KEY_NEW);
	/* Comparing pins nothing and sees the file as last read. */
	assert_int_equal(contacts_compare(&c1, "carol", &f->b), CONTACT_KEY_NEW);
	assert_int_equal(contacts_refresh(&c1, f->err, sizeof(f->err)), RC_OK);
	assert_int_equal(contacts_compare(&c1, "carol", &f->b), CONTACT_KEY_SAME);
	assert_int_equal(contacts_compare(&c1, "carol", &f->a), CONTACT_KEY_CHANGED);
	assert_int_equal(contacts_compare(&c1, "dave", &f->a), CONTACT_KEY_NEW);
	assert_null(contacts_find(&c1, "dave"));
	/* c2 pinned bob's key first seen by c1: c2 sees bob as c1 pinned him. */
	assert_int_equal(check(f, &c2, "bob", &f->b), CONTACT_KEY_CHANGED);
	assert_int_equal(contacts_note_v2(&c1, "carol", 1, 0, f->err, sizeof(f->err)), RC_OK);
	assert_true(contacts_find(&c1, "bob")->verified);
	contacts_free(&c1);
	contacts_free(&c2);

	/* Two processes pinning at the same time: every pin is there. */
	for (int p = 0; p < 2; p++) {
		pid[p] = fork();
		assert_true(pid[p] >= 0);
		if (pid[p] == 0) {
			struct contacts c;
			enum contact_key_verdict v;
			char err[512];
			int bad = contacts_load(&c, f->path, SERVER, err, sizeof(err)) != RC_OK;

			for (int i = 0; i < 40 && !bad; i++) {
				snprintf(login, sizeof(login), "user-%d-%d", p, i);
				bad = contacts_check_key(&c, login, p ? &f->a : &f->b, &v, err, sizeof(err)) != RC_OK ||
				      v != CONTACT_KEY_NEW;
			}
			contacts_free(&c);
			_exit(bad);
		}
	}
	for (int p = 0; p < 2; p++) {
		assert_int_equal(waitpid(pid[p], &status, 0), pid[p]);
		assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	}
	assert_int_equal(contacts_load(&c1, f->path, SERVER, f->err, sizeof(f->err)), RC_OK);
	assert_int_equal(c1.count, 2 + 80);
	for (int p = 0; p < 2; p++)
		for (int i = 0; i < 40; i++) {
			snprintf(login, sizeof(login), "user-%d-%d", p, i);
			assert_non_null(contacts_find(&c1, login));
			assert_int_equal(check(f, &c1, login, p ? &f->a : &f->b), CONTACT_KEY_SAME);
		}
	contacts_free(&c1);
}

static void test_any_login_round_trips(void **state)
{
	struct fixture *f = *state;
	static const char *const logins[] = {
		"al ice", " lead", "tab\there", "new\nline", "back\\slash", "\\u{0041}", "\\x{41}", "\xff\xfe not utf-8",
		"\xe2\x89\x88" "bob", "zero\xe2\x80\x8bwidth", "\xd0\xb0lice", "#hash", "-", "%41", "\x7f\x01",
	};
	struct contacts c;
	char *text;

	assert_int_equal(contacts_load(&c, f->path, SERVER, f->err, sizeof(f->err)), RC_OK);
	for (size_t i = 0; i < sizeof(logins) / sizeof(logins[0]); i++)
		assert_int_equal(check(f, &c, logins[i], i % 2 ? &f->a : &f->b), CONTACT_KEY_NEW);
	contacts_free(&c);
	/* One line per login, each with all six fields. */
	text = read_text(f);
	{
		size_t lines = 0;
		for (const char *p = text; *p != '\0'; p++)
			lines += *p == '\n';
		assert_int_equal(lines, sizeof(logins) / sizeof(logins[0]));
	}
	free(text);
	assert_int_equal(contacts_load(&c, f->path, SERVER, f->err, sizeof(f->err)), RC_OK);
	assert_int_equal(c.count, sizeof(logins) / sizeof(logins[0]));
	for (size_t i = 0; i < sizeof(logins) / sizeof(logins[0]); i++) {
		const struct contact *ct = contacts_find(&c, logins[i]);

		assert_non_null(ct);
		assert_string_equal(ct->login, logins[i]);
		assert_true(rsa_public_equal(&ct->key, i % 2 ? &f->a : &f->b));
		assert_int_equal(check(f, &c, logins[i], i % 2 ? &f->a : &f->b), CONTACT_KEY_SAME);
	}
	contacts_free(&c);
}

static void test_bounds(void **state)
{
	struct fixture *f = *state;
	struct contacts c;
	enum contact_key_verdict v;
	FILE *fp;
	char *big;
	size_t fill;

	/* A file over the cap is refused with a reason, not read in part. */
	fp = fopen(f->path, "w");
	assert_non_null(fp);
	for (size_t i = 0; i <= CONTACTS_MAX_BYTES / 64; i++)
		fprintf(fp, "# %061zu\n", i);
	fclose(fp);
	assert_int_equal(contacts_load(&c, f->path, SERVER, f->err, sizeof(f->err)), RC_ERR_TOO_LARGE);
	assert_non_null(strstr(f->err, "contacts"));
	contacts_free(&c);

	/* A file just under the cap loads, but an entry that would push it past
	 * the cap is refused and the file stays as it was. */
	fill = CONTACTS_MAX_BYTES - 100;
	big = malloc(fill + 1);
	assert_non_null(big);
	memset(big, 'x', fill);
	big[0] = '#';
	big[fill - 1] = '\n';
	big[fill] = '\0';
	write_text(f, big);
	assert_int_equal(contacts_load(&c, f->path, SERVER, f->err, sizeof(f->err)), RC_OK);
	assert_int_equal(contacts_check_key(&c, "bob", &f->a, &v, f->err, sizeof(f->err)), RC_ERR_TOO_LARGE);
	assert_non_null(strstr(f->err, "size limit"));
	assert_null(contacts_find(&c, "bob"));
	contacts_free(&c);
	{
		char *text = read_text(f);

		assert_string_equal(text, big);
		free(text);
	}
	free(big);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_pin_same_changed_accept, setup, teardown),
		cmocka_unit_test_setup_teardown(test_verified_and_v2_marks, setup, teardown),
		cmocka_unit_test_setup_teardown(test_kept_lines_and_damage, setup, teardown),
		cmocka_unit_test_setup_teardown(test_two_writers_merge, setup, teardown),
		cmocka_unit_test_setup_teardown(test_any_login_round_trips, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bounds, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
