/* Server settings: defaults, one setting at a time, and config files with
 * comments, spacing, and errors that name their line. */
#include "config.h"

#include <stdarg.h>
#include <setjmp.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "errors.h"
#include "protocol.h"
#include "server_config.h"

/* Writes text to a new temporary file; *path is malloc'd. */
static char *write_temp(const char *text)
{
	const char *dir = getenv("TMPDIR");
	char *path;
	FILE *f;
	int fd;

	assert_true(asprintf(&path, "%s/server-config.XXXXXX", dir && *dir ? dir : "/tmp") > 0);
	fd = mkstemp(path);
	assert_true(fd >= 0);
	f = fdopen(fd, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	return path;
}

static void test_defaults(void **state)
{
	struct server_config cfg;

	(void)state;
	setenv("RSA_CHAT_HOME", "/some/home", 1);
	assert_int_equal(config_init(&cfg), RC_OK);
	assert_string_equal(cfg.listen, "127.0.0.1");
	assert_string_equal(cfg.port, PROTO_DEFAULT_PORT);
	assert_string_equal(cfg.key_path, "/some/home/server.key");
	assert_null(cfg.database);
	assert_true(cfg.workers >= 2 && cfg.workers % 2 == 0);
	assert_int_equal(cfg.response_chunk_wide, 1);
	assert_int_equal(cfg.max_frame_bytes, PROTO_DEFAULT_MAX_FRAME_BYTES);
	assert_int_equal(cfg.max_blocks, PROTO_DEFAULT_MAX_BLOCKS);
	assert_int_equal(cfg.max_request_bytes, PROTO_DEFAULT_MAX_REQUEST_BYTES);
	assert_int_equal(cfg.idle_timeout_ms, CONFIG_DEFAULT_IDLE_TIMEOUT_MS);
	assert_int_equal(cfg.require_key_proof, 0);
	assert_int_equal(cfg.registrations_per_hour, CONFIG_DEFAULT_REGISTRATIONS_PER_HOUR);
	assert_null(cfg.allowed_keys_path);
	assert_int_equal(cfg.statement_timeout_ms, CONFIG_DEFAULT_STATEMENT_TIMEOUT_MS);
	config_free(&cfg);
	unsetenv("RSA_CHAT_HOME");
	assert_int_equal(config_init(&cfg), RC_OK);
	assert_string_equal(cfg.key_path, CONFIG_DEFAULT_KEY_DIR "/server.key");
	config_free(&cfg);
	config_free(&cfg); /* twice is harmless */
}

static void test_set(void **state)
{
	struct server_config cfg;
	char err[256];

	(void)state;
	assert_int_equal(config_init(&cfg), RC_OK);
	assert_int_equal(config_set(&cfg, "workers", "7", err, sizeof err), RC_OK);
	assert_int_equal(cfg.workers, 7);
	assert_int_equal(config_set(&cfg, "max-request", "123456", err, sizeof err), RC_OK);
	assert_int_equal(cfg.max_request_bytes, 123456);
	assert_int_equal(config_set(&cfg, "max-frame", "4294967295", err, sizeof err), RC_OK);
	assert_int_equal(cfg.max_frame_bytes, 4294967295u);
	assert_int_equal(config_set(&cfg, "port", "0", err, sizeof err), RC_OK);
	assert_string_equal(cfg.port, "0");
	assert_int_equal(config_set(&cfg, "response-chunk", "original", err, sizeof err), RC_OK);
	assert_int_equal(cfg.response_chunk_wide, 0);
	assert_int_equal(config_set(&cfg, "log-level", "debug", err, sizeof err), RC_OK);
	assert_int_equal(cfg.log_level, LOG_LEVEL_DEBUG);
	assert_int_equal(config_set(&cfg, "database", "dbname=x", err, sizeof err), RC_OK);
	assert_string_equal(cfg.database, "dbname=x");
	assert_int_equal(config_set(&cfg, "require-key-proof", "yes", err, sizeof err), RC_OK);
	assert_int_equal(cfg.require_key_proof, 1);
	assert_int_equal(config_set(&cfg, "require-key-proof", "no", err, sizeof err), RC_OK);
	assert_int_equal(cfg.require_key_proof, 0);
	assert_int_equal(config_set(&cfg, "registrations-per-hour", "0", err, sizeof err), RC_OK);
	assert_int_equal(cfg.registrations_per_hour, 0);
	assert_int_equal(config_set(&cfg, "registrations-per-hour", "1000000", err, sizeof err), RC_OK);
	assert_int_equal(cfg.registrations_per_hour, 1000000);
	assert_int_equal(config_set(&cfg, "allowed-keys", "/etc/keys", err, sizeof err), RC_OK);
	assert_string_equal(cfg.allowed_keys_path, "/etc/keys");
	assert_int_equal(config_set(&cfg, "statement-timeout", "0", err, sizeof err), RC_OK);
	assert_int_equal(cfg.statement_timeout_ms, 0);
	assert_int_equal(config_set(&cfg, "statement-timeout", "250", err, sizeof err), RC_OK);
	assert_int_equal(cfg.statement_timeout_ms, 250);

	assert_int_equal(config_set(&cfg, "colour", "blue", err, sizeof err), RC_ERR_NOTFOUND);
	assert_non_null(strstr(err, "unknown setting 'colour'"));
	assert_int_equal(config_set(&cfg, "workers", "0", err, sizeof err), RC_ERR_FORMAT);
	assert_int_equal(config_set(&cfg, "workers", "257", err, sizeof err), RC_ERR_FORMAT);
	assert_int_equal(config_set(&cfg, "workers", "-1", err, sizeof err), RC_ERR_FORMAT);
	assert_int_equal(config_set(&cfg, "workers", "3x", err, sizeof err), RC_ERR_FORMAT);
	assert_int_equal(config_set(&cfg, "workers", "", err, sizeof err), RC_ERR_FORMAT);
	assert_int_equal(config_set(&cfg, "max-frame", "4294967296", err, sizeof err), RC_ERR_FORMAT);
	assert_int_equal(config_set(&cfg, "port", "65536", err, sizeof err), RC_ERR_FORMAT);
	assert_int_equal(config_set(&cfg, "idle-timeout", "99999999999999999999", err, sizeof err), RC_ERR_FORMAT);
	assert_int_equal(config_set(&cfg, "registrations-per-hour", "-1", err, sizeof err), RC_ERR_FORMAT);
	assert_int_equal(config_set(&cfg, "registrations-per-hour", "1000001", err, sizeof err), RC_ERR_FORMAT);
	assert_int_equal(config_set(&cfg, "statement-timeout", "2147483647", err, sizeof err), RC_ERR_FORMAT);
	assert_int_equal(config_set(&cfg, "require-key-proof", "1", err, sizeof err), RC_ERR_FORMAT);
	assert_non_null(strstr(err, "require-key-proof: want 'yes' or 'no', got '1'"));
	assert_int_equal(cfg.require_key_proof, 0);
	assert_int_equal(cfg.workers, 7); /* failures change nothing */
	config_free(&cfg);
}

static void test_file(void **state)
{
	struct server_config cfg;
	char err[512];
	char *path = write_temp("# a comment\n\n  listen = ::1  \nport=0\r\n\tworkers =\t3\n"
	                        "key = /k with spaces/server.key\n");

	(void)state;
	assert_int_equal(config_init(&cfg), RC_OK);
	assert_int_equal(config_load_file(&cfg, path, err, sizeof err), RC_OK);
	assert_string_equal(cfg.listen, "::1");
	assert_string_equal(cfg.port, "0");
	assert_int_equal(cfg.workers, 3);
	assert_string_equal(cfg.key_path, "/k with spaces/server.key");
	config_free(&cfg);
	unlink(path);
	free(path);
}

static void expect_file_error(const char *text, int status, const char *message)
{
	struct server_config cfg;
	char err[512];
	char *path = write_temp(text);

	assert_int_equal(config_init(&cfg), RC_OK);
	assert_int_equal(config_load_file(&cfg, path, err, sizeof err), status);
	if (!strstr(err, message))
		fail_msg("'%s' not in '%s'", message, err);
	config_free(&cfg);
	unlink(path);
	free(path);
}

static void test_file_errors(void **state)
{
	char *long_line;

	(void)state;
	expect_file_error("port = 1\n\nnonsense = 2\n", RC_ERR_NOTFOUND, ":3: unknown setting 'nonsense'");
	expect_file_error("# ok\nworkers = many\n", RC_ERR_FORMAT, ":2: workers: want a whole number");
	expect_file_error("just words\n", RC_ERR_FORMAT, ":1: expected 'name = value'");
	long_line = malloc(CONFIG_MAX_LINE_BYTES * 2);
	assert_non_null(long_line);
	memset(long_line, 'a', CONFIG_MAX_LINE_BYTES * 2 - 2);
	long_line[CONFIG_MAX_LINE_BYTES * 2 - 2] = '\n';
	long_line[CONFIG_MAX_LINE_BYTES * 2 - 1] = '\0';
	expect_file_error(long_line, RC_ERR_FORMAT, ":1: line too long");
	free(long_line);
}

static void test_missing_file(void **state)
{
	struct server_config cfg;
	char err[512];

	(void)state;
	assert_int_equal(config_init(&cfg), RC_OK);
	assert_int_equal(config_load_file(&cfg, "/nonexistent/server.conf", err, sizeof err), RC_ERR_NOTFOUND);
	assert_non_null(strstr(err, "/nonexistent/server.conf"));
	config_free(&cfg);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_set),
		cmocka_unit_test(test_file),
		cmocka_unit_test(test_file_errors),
		cmocka_unit_test(test_missing_file),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
