/* The client's settings file: the top and profiles in their order of
 * precedence, "~" in paths, the default file that may be missing, and
 * each error naming its file and line. */
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

#include "client/config_file.h"
#include "errors.h"

struct fixture {
	char dir[64];
	char path[256];
};

static int setup(void **state)
{
	struct fixture *f = calloc(1, sizeof(*f));

	if (f == NULL)
		return -1;
	strcpy(f->dir, "/tmp/rc-config-XXXXXX");
	if (mkdtemp(f->dir) == NULL)
		return -1;
	snprintf(f->path, sizeof(f->path), "%s/config", f->dir);
	*state = f;
	return 0;
}

static int teardown(void **state)
{
	struct fixture *f = *state;

	unlink(f->path);
	rmdir(f->dir);
	free(f);
	return 0;
}

static void write_text(const char *path, const char *text, size_t len)
{
	FILE *fp = fopen(path, "w");

	assert_non_null(fp);
	assert_int_equal(fwrite(text, 1, len, fp), len);
	assert_int_equal(fclose(fp), 0);
}

static void write_file(const char *path, const char *text)
{
	write_text(path, text, strlen(text));
}

/* The built-in defaults, as main.c sets them. */
static void defaults(struct client_options *o)
{
	memset(o, 0, sizeof(*o));
	o->host = "127.0.0.1";
	o->port = "9090";
	o->bell = 1;
	o->self_copy = 1;
	o->poll_interval_ms = OPTIONS_DEFAULT_POLL_MS;
}

static const char sample[] =
	"# defaults for every server\n"
	"  port = 9191  \n"
	"bell = no\r\n"
	"notify-cmd = notify-send \"$RC_FROM\"\n"
	"default-profile = work\n"
	"\n"
	"[profile work]\n"
	"host = chat.example.org\n"
	"key = ~/keys/work\n"
	"login = alice\n"
	"[ profile\thome ]\n"
	"host = 10.0.0.2\n"
	"port = 9000\n"
	"notify-cmd =\n"
	"self-copy = no\n"
	"poll-interval = 0.5\n"
	"known-servers = /srv/known\n";

static void test_profiles_and_precedence(void **state)
{
	struct fixture *f = *state;
	struct config_file cf;
	struct client_options o;
	char err[1024];

	write_file(f->path, sample);
	setenv("HOME", "/home/alice", 1);
	assert_int_equal(config_file_load(&cf, f->path, err, sizeof(err)), RC_OK);
	assert_string_equal(cf.default_profile, "work");

	/* No --profile: the top, then default-profile over it. */
	defaults(&o);
	assert_int_equal(config_file_apply(&cf, NULL, &o, err, sizeof(err)), RC_OK);
	assert_string_equal(o.host, "chat.example.org");
	assert_string_equal(o.port, "9191");
	assert_string_equal(o.key_path, "/home/alice/keys/work");
	assert_string_equal(o.login, "alice");
	assert_string_equal(o.notify_cmd, "notify-send \"$RC_FROM\"");
	assert_int_equal(o.bell, 0);
	assert_int_equal(o.self_copy, 1);
	assert_int_equal(o.poll_interval_ms, OPTIONS_DEFAULT_POLL_MS);
	assert_string_equal(o.known_servers, "");

	/* Another profile: its values win, an empty notify-cmd unsets the top's. */
	defaults(&o);
	assert_int_equal(config_file_apply(&cf, "home", &o, err, sizeof(err)), RC_OK);
	assert_string_equal(o.host, "10.0.0.2");
	assert_string_equal(o.port, "9000");
	assert_string_equal(o.key_path, "");
	assert_null(o.login);
	assert_null(o.notify_cmd);
	assert_int_equal(o.bell, 0);
	assert_int_equal(o.self_copy, 0);
	assert_int_equal(o.poll_interval_ms, 500);
	assert_string_equal(o.known_servers, "/srv/known");

	/* An unknown profile names the known ones. */
	defaults(&o);
	assert_int_equal(config_file_apply(&cf, "play", &o, err, sizeof(err)), RC_ERR_NOTFOUND);
	assert_non_null(strstr(err, "no profile 'play'; the profiles: work, home"));
	assert_non_null(strstr(err, f->path));
	config_file_free(&cf);
}

static void test_list_profiles(void **state)
{
	struct fixture *f = *state;
	struct config_file cf;
	struct client_options o;
	char err[1024], *out = NULL;
	size_t outlen = 0, listed;
	FILE *mem;

	write_file(f->path, sample);
	setenv("HOME", "/home/alice", 1);
	assert_int_equal(config_file_load(&cf, f->path, err, sizeof(err)), RC_OK);
	defaults(&o);
	mem = open_memstream(&out, &outlen);
	assert_non_null(mem);
	assert_int_equal(config_file_list_profiles(&cf, &o, mem, &listed), RC_OK);
	fclose(mem);
	assert_int_equal(listed, 2);
	assert_string_equal(out, "work\tchat.example.org:9191\t/home/alice/keys/work\t(default)\n"
	                         "home\t10.0.0.2:9000\t-\n");
	free(out);
	config_file_free(&cf);
}

static void test_top_only(void **state)
{
	struct fixture *f = *state;
	struct config_file cf;
	struct client_options o;
	char err[1024];

	write_file(f->path, "host = h.example\nkey = ~\n[profile x]\nport = 1\n");
	setenv("HOME", "/home/bob", 1);
	assert_int_equal(config_file_load(&cf, f->path, err, sizeof(err)), RC_OK);
	assert_null(cf.default_profile);
	defaults(&o);
	assert_int_equal(config_file_apply(&cf, NULL, &o, err, sizeof(err)), RC_OK);
	assert_string_equal(o.host, "h.example");
	assert_string_equal(o.port, "9090");
	assert_string_equal(o.key_path, "/home/bob");
	config_file_free(&cf);
}

static void test_default_file(void **state)
{
	struct fixture *f = *state;
	struct config_file cf;
	struct client_options o;
	char err[1024], dir[128];

	(void)f;
	/* Missing: not an error, and nothing changes. */
	setenv("XDG_CONFIG_HOME", f->dir, 1);
	assert_int_equal(config_file_load(&cf, NULL, err, sizeof(err)), RC_OK);
	assert_int_equal(cf.kv.count, 0);
	defaults(&o);
	assert_int_equal(config_file_apply(&cf, NULL, &o, err, sizeof(err)), RC_OK);
	assert_string_equal(o.host, "127.0.0.1");
	assert_int_equal(config_file_apply(&cf, "work", &o, err, sizeof(err)), RC_ERR_NOTFOUND);
	assert_non_null(strstr(err, "no profile 'work'"));
	config_file_free(&cf);

	/* Present: $XDG_CONFIG_HOME/rsa-chat/config. */
	snprintf(dir, sizeof(dir), "%s/rsa-chat", f->dir);
	assert_int_equal(mkdir(dir, 0700), 0);
	snprintf(f->path, sizeof(f->path), "%s/config", dir);
	write_file(f->path, "port = 7000\n");
	assert_int_equal(config_file_load(&cf, NULL, err, sizeof(err)), RC_OK);
	assert_string_equal(cf.path, f->path);
	defaults(&o);
	assert_int_equal(config_file_apply(&cf, NULL, &o, err, sizeof(err)), RC_OK);
	assert_string_equal(o.port, "7000");
	config_file_free(&cf);
	unlink(f->path);
	rmdir(dir);
	snprintf(f->path, sizeof(f->path), "%s/config", f->dir);

	/* A relative XDG_CONFIG_HOME is ignored: ~/.config. */
	setenv("XDG_CONFIG_HOME", "relative", 1);
	setenv("HOME", f->dir, 1);
	assert_int_equal(config_file_load(&cf, NULL, err, sizeof(err)), RC_OK);
	snprintf(dir, sizeof(dir), "%s/.config/rsa-chat/config", f->dir);
	assert_string_equal(cf.path, dir);
	config_file_free(&cf);
	unsetenv("XDG_CONFIG_HOME");

	/* A file given by --config must exist. */
	assert_int_equal(config_file_load(&cf, "/nonexistent/rsa-chat.conf", err, sizeof(err)), RC_ERR_NOTFOUND);
	assert_non_null(strstr(err, "/nonexistent/rsa-chat.conf"));
}

/* Loading text fails with status, and err holds message. */
static void expect_error(const char *path, const char *text, size_t len, int status, const char *message)
{
	struct config_file cf;
	char err[1024] = "";

	write_text(path, text, len);
	assert_int_equal(config_file_load(&cf, path, err, sizeof(err)), status);
	if (strstr(err, message) == NULL || strstr(err, path) == NULL)
		fail_msg("'%s' (and the path) not in '%s'", message, err);
	assert_null(cf.kv.entries);
	assert_null(cf.kv.text);
}

#define EXPECT_ERROR(path, text, status, message) expect_error(path, text, sizeof(text) - 1, status, message)

static void test_errors(void **state)
{
	struct fixture *f = *state;
	char *big;

	EXPECT_ERROR(f->path, "port = 1\n\ncolour = red\n", RC_ERR_FORMAT, ":3: unknown key 'colour' (the keys: ");
	EXPECT_ERROR(f->path, "bell = maybe\n", RC_ERR_FORMAT, ":1: bell: want 'yes' or 'no', got 'maybe'");
	EXPECT_ERROR(f->path, "self-copy = 1\n", RC_ERR_FORMAT, ":1: self-copy: want 'yes' or 'no'");
	EXPECT_ERROR(f->path, "port = 70000\n", RC_ERR_FORMAT, ":1: port: want a port from 1 to 65535, got '70000'");
	EXPECT_ERROR(f->path, "port = http\n", RC_ERR_FORMAT, ":1: port: want a port");
	EXPECT_ERROR(f->path, "host =\n", RC_ERR_FORMAT, ":1: host: wants a value");
	EXPECT_ERROR(f->path, "key =\n", RC_ERR_FORMAT, ":1: key: want a path");
	EXPECT_ERROR(f->path, "poll-interval = 0\n", RC_ERR_FORMAT, ":1: poll-interval: want seconds");
	EXPECT_ERROR(f->path, "poll-interval = 2s\n", RC_ERR_FORMAT, ":1: poll-interval: want seconds");
	EXPECT_ERROR(f->path, "just words\n", RC_ERR_FORMAT, ":1: expected 'name = value'");
	EXPECT_ERROR(f->path, "= value\n", RC_ERR_FORMAT, ":1: a value without a name");
	EXPECT_ERROR(f->path, "[profile a\n", RC_ERR_FORMAT, ":1: expected '[name]'");
	EXPECT_ERROR(f->path, "[ ]\n", RC_ERR_FORMAT, ":1: a section without a name");
	EXPECT_ERROR(f->path, "[server a]\n", RC_ERR_FORMAT, ":1: unknown section '[server a]'; want '[profile NAME]'");
	EXPECT_ERROR(f->path, "[profile]\n", RC_ERR_FORMAT, ":1: unknown section '[profile]'");
	EXPECT_ERROR(f->path, "[profile a b]\n", RC_ERR_FORMAT, ":1: unknown section '[profile a b]'");
	EXPECT_ERROR(f->path, "[profile a]\nport = 1\n[profile b]\n[profile a]\n", RC_ERR_FORMAT,
	             ":4: profile 'a' again (first at line 1)");
	EXPECT_ERROR(f->path, "[profile a]\nport = 1\n[profile b]\nbell = loud\n", RC_ERR_FORMAT,
	             ":4: bell: want 'yes' or 'no'");
	EXPECT_ERROR(f->path, "[profile a]\ndefault-profile = a\n", RC_ERR_FORMAT,
	             ":2: default-profile belongs at the top of the file");
	EXPECT_ERROR(f->path, "default-profile = c\n[profile a]\n[profile b]\n", RC_ERR_FORMAT,
	             ":1: default-profile: no profile 'c'; the profiles: a, b");
	EXPECT_ERROR(f->path, "default-profile = c\n", RC_ERR_FORMAT, "no profile 'c'; it has no [profile NAME]");
	EXPECT_ERROR(f->path, "port = 1\nhost = a\0b\n", RC_ERR_FORMAT, ":2: a NUL byte");

	big = malloc(CONFIG_FILE_MAX_BYTES + 2);
	assert_non_null(big);
	/* One line too long, then a whole file too large. */
	memset(big, 'a', KVFILE_MAX_LINE_BYTES + 10);
	memcpy(big, "host = ", 7);
	big[KVFILE_MAX_LINE_BYTES + 10] = '\n';
	expect_error(f->path, big, KVFILE_MAX_LINE_BYTES + 11, RC_ERR_FORMAT, ":1: line too long");
	for (size_t i = 0; i + 1 < CONFIG_FILE_MAX_BYTES + 2; i += 2)
		memcpy(big + i, "#\n", 2);
	expect_error(f->path, big, CONFIG_FILE_MAX_BYTES + 2, RC_ERR_TOO_LARGE, "larger than");
	free(big);
}

/* Others may change the file: refused, as notify-cmd would run their
 * commands; our own group may (umask 002); a file that is not a regular one
 * (/dev/null, writable by all) is not checked. */
static void test_permissions(void **state)
{
	struct fixture *f = *state;
	struct config_file cf;
	char err[1024] = "";

	write_file(f->path, "host = h\n");
	assert_int_equal(chmod(f->path, 0602), 0);
	assert_int_equal(config_file_load(&cf, f->path, err, sizeof(err)), RC_ERR_PERM);
	assert_non_null(strstr(err, "permissions 0602 for '"));
	assert_non_null(strstr(err, "let others change it; run: chmod go-w "));
	assert_int_equal(chmod(f->path, 0664), 0);
	assert_int_equal(config_file_load(&cf, f->path, err, sizeof(err)), RC_OK);
	config_file_free(&cf);
	assert_int_equal(config_file_load(&cf, "/dev/null", err, sizeof(err)), RC_OK);
	assert_int_equal(cf.kv.count, 0);
	config_file_free(&cf);
}

static void test_poll_ms(void **state)
{
	int ms = 0;

	(void)state;
	assert_int_equal(config_file_poll_ms("2", &ms), RC_OK);
	assert_int_equal(ms, 2000);
	assert_int_equal(config_file_poll_ms("0.01", &ms), RC_OK);
	assert_int_equal(ms, 100);
	assert_int_equal(config_file_poll_ms("3600", &ms), RC_OK);
	assert_int_equal(ms, 3600000);
	ms = 7;
	assert_int_equal(config_file_poll_ms("3601", &ms), RC_ERR_FORMAT);
	assert_int_equal(config_file_poll_ms("0", &ms), RC_ERR_FORMAT);
	assert_int_equal(config_file_poll_ms("-1", &ms), RC_ERR_FORMAT);
	assert_int_equal(config_file_poll_ms("", &ms), RC_ERR_FORMAT);
	assert_int_equal(config_file_poll_ms("nan", &ms), RC_ERR_FORMAT);
	assert_int_equal(ms, 7);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_profiles_and_precedence, setup, teardown),
		cmocka_unit_test_setup_teardown(test_list_profiles, setup, teardown),
		cmocka_unit_test_setup_teardown(test_top_only, setup, teardown),
		cmocka_unit_test_setup_teardown(test_default_file, setup, teardown),
		cmocka_unit_test_setup_teardown(test_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_permissions, setup, teardown),
		cmocka_unit_test(test_poll_ms),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
