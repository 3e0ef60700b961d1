/* known_servers: first use, match, change, replacement and rewrite; and the
 * seen state file that shares its way of rewriting. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "client/known_servers.h"
#include "client/seen_state.h"
#include "textfile.h"
#include "errors.h"

struct fixture {
	char dir[64];
	char path[128];
	struct rsa_public a, b, got;
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (f == NULL)
		return -1;
	strcpy(f->dir, "/tmp/rc-known-XXXXXX");
	if (mkdtemp(f->dir) == NULL)
		return -1;
	snprintf(f->path, sizeof(f->path), "%s/known_servers", f->dir);
	rsa_public_init(&f->a);
	rsa_public_init(&f->b);
	rsa_public_init(&f->got);
	mpz_set_ui(f->a.e, 65537);
	mpz_set_str(f->a.n, "1000000000000000000000000000000000000000000000000000000000000000000000000000000007", 10);
	mpz_set_ui(f->b.e, 3);
	mpz_set_str(f->b.n, "2000000000000000000000000000000000000000000000000000000000000000000000000000000009", 10);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;
	char path[160];

	rsa_public_clear(&f->a);
	rsa_public_clear(&f->b);
	rsa_public_clear(&f->got);
	unlink(f->path);
	snprintf(path, sizeof(path), "%s/seen", f->dir);
	unlink(path);
	rmdir(f->dir);
	free(f);
	return 0;
}

static enum known_server_status lookup(struct fixture *f, const char *server, const struct rsa_public *key)
{
	enum known_server_status st;

	assert_int_equal(known_servers_lookup(f->path, server, key, &st, &f->got), 0);
	return st;
}

static void test_tofu(void **state)
{
	struct fixture *f = *state;
	char err[256];
	char *text;
	size_t len;

	/* No file yet. */
	assert_int_equal(lookup(f, "h:1", &f->a), KNOWN_SERVER_NEW);
	assert_int_equal(known_servers_store(f->path, "h:1", &f->a, err, sizeof(err)), 0);
	assert_int_equal(known_servers_store(f->path, "h:2", &f->b, err, sizeof(err)), 0);
	assert_int_equal(lookup(f, "h:1", &f->a), KNOWN_SERVER_OK);
	assert_int_equal(lookup(f, "h:2", &f->b), KNOWN_SERVER_OK);
	assert_int_equal(lookup(f, "h:3", &f->a), KNOWN_SERVER_NEW);
	/* Another key on a known server: CHANGED, and the pinned key comes back. */
	assert_int_equal(lookup(f, "h:1", &f->b), KNOWN_SERVER_CHANGED);
	assert_true(rsa_public_equal(&f->got, &f->a));
	/* A prefix of a name is another name. */
	assert_int_equal(lookup(f, "h:", &f->b), KNOWN_SERVER_NEW);
	/* Replacing deliberately rewrites the one line and keeps the rest. */
	assert_int_equal(known_servers_store(f->path, "h:1", &f->b, err, sizeof(err)), 0);
	assert_int_equal(lookup(f, "h:1", &f->b), KNOWN_SERVER_OK);
	assert_int_equal(lookup(f, "h:2", &f->b), KNOWN_SERVER_OK);
	assert_int_equal(textfile_read(f->path, 1 << 20, &text, &len), 0);
	assert_non_null(strstr(text, "h:1 SHA256:"));
	assert_null(strstr(text + (strstr(text, "h:1 ") - text) + 1, "h:1 "));
	assert_int_equal(known_servers_store(f->path, "bad name", &f->b, err, sizeof(err)), RC_ERR_INVAL);
	free(text);
}

static void test_kept_lines_and_damage(void **state)
{
	struct fixture *f = *state;
	char err[256];
	char *text;
	size_t len;
	FILE *fp = fopen(f->path, "w");

	assert_non_null(fp);
	fputs("# my servers\nother:9 garbage\nh:1 SHA256:x 3 notanumber\n", fp);
	fclose(fp);
	/* A damaged entry vouches for nothing. */
	assert_int_equal(lookup(f, "h:1", &f->a), KNOWN_SERVER_CHANGED);
	assert_int_equal(known_servers_store(f->path, "h:1", &f->a, err, sizeof(err)), 0);
	assert_int_equal(lookup(f, "h:1", &f->a), KNOWN_SERVER_OK);
	assert_int_equal(textfile_read(f->path, 1 << 20, &text, &len), 0);
	assert_non_null(strstr(text, "# my servers\nother:9 garbage\nh:1 "));
	assert_null(strstr(text, "notanumber"));
	free(text);
}

static void test_seen_state(void **state)
{
	struct fixture *f = *state;
	struct seen_state st;
	char path[160];
	char *at;

	snprintf(path, sizeof(path), "%s/seen", f->dir);
	assert_int_equal(seen_state_update(path, "h:1", "al ice", "bob%", "2026-11-24T10:00:00.000001"), 0);
	assert_int_equal(seen_state_update(path, "h:1", "al ice", "carol", "2026-11-24T11:00:00.000001"), 0);
	assert_int_equal(seen_state_update(path, "h:1", "al ice", "bob%", "2026-11-24T12:00:00.000001"), 0);
	seen_state_init(&st);
	assert_int_equal(seen_state_load(path, &st), 0);
	assert_int_equal(st.count, 2);
	assert_int_equal(seen_state_get(&st, "h:1", "al ice", "bob%", &at), 0);
	assert_string_equal(at, "2026-11-24T12:00:00.000001");
	free(at);
	assert_int_equal(seen_state_get(&st, "h:1", "al ice", "carol", &at), 0);
	assert_string_equal(at, "2026-11-24T11:00:00.000001");
	free(at);
	assert_int_equal(seen_state_get(&st, "h:2", "al ice", "carol", &at), 0);
	assert_null(at);
	seen_state_free(&st);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_tofu, setup, teardown),
		cmocka_unit_test_setup_teardown(test_kept_lines_and_damage, setup, teardown),
		cmocka_unit_test_setup_teardown(test_seen_state, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
