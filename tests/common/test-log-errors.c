/* Log lines (format, levels, escaping, whole lines under threads) and the
 * error descriptions. */
#include "config.h"

#include <stdarg.h>
#include <setjmp.h>
#include <stddef.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "errors.h"
#include "log.h"
#include "secure.h"

#define THREADS 4
#define LINES_PER_THREAD 200

/* Runs fn with stderr going to a temporary file; returns what it wrote. */
static char *capture_stderr(void (*fn)(void))
{
	FILE *f = tmpfile();
	int saved = dup(STDERR_FILENO);
	char *buf;
	long n;

	assert_non_null(f);
	assert_true(saved >= 0);
	fflush(stderr);
	assert_true(dup2(fileno(f), STDERR_FILENO) >= 0);
	fn();
	assert_true(dup2(saved, STDERR_FILENO) >= 0);
	close(saved);
	n = ftell(f) >= 0 ? lseek(fileno(f), 0, SEEK_END) : 0;
	buf = calloc(1, (size_t)n + 1);
	assert_non_null(buf);
	assert_int_equal(pread(fileno(f), buf, (size_t)n, 0), n);
	fclose(f);
	return buf;
}

static void write_some_lines(void)
{
	log_set_level(LOG_LEVEL_INFO);
	log_info(0, "server started on port %d", 9090);
	log_warn(42, "slow client");
	log_debug(1, "not shown at info");
	log_error(7, "%s", "broken");
}

static void test_log_format(void **state)
{
	char *out = capture_stderr(write_some_lines);
	char *line2, *line3;

	(void)state;
	/* 2026-11-24T16:30:03.123Z INFO message */
	assert_int_equal(strlen(out) > 25, 1);
	assert_true(out[4] == '-' && out[7] == '-' && out[10] == 'T' && out[13] == ':' && out[16] == ':' && out[19] == '.');
	assert_true(out[23] == 'Z' && out[24] == ' ');
	assert_true(strncmp(out + 25, "INFO server started on port 9090\n", 33) == 0);
	line2 = strchr(out, '\n') + 1;
	assert_true(strncmp(line2 + 25, "WARN [c42] slow client\n", 23) == 0);
	line3 = strchr(line2, '\n') + 1;
	assert_true(strncmp(line3 + 25, "ERROR [c7] broken\n", 18) == 0);
	assert_null(strstr(out, "not shown"));
	free(out);
}

static void write_long_line(void)
{
	char *big = malloc(10000);

	assert_non_null(big);
	memset(big, 'x', 9999);
	big[9999] = 0;
	log_info(3, "%s", big);
	free(big);
}

static void test_log_long_line(void **state)
{
	char *out = capture_stderr(write_long_line);
	size_t len = strlen(out);

	(void)state;
	/* cut, marked, and still one line */
	assert_true(len <= 4096);
	assert_true(len > 4000);
	assert_string_equal(out + len - 4, "...\n");
	assert_ptr_equal(strchr(out, '\n'), out + len - 1);
	free(out);
}

static void *log_thread(void *arg)
{
	int i;

	for (i = 0; i < LINES_PER_THREAD; i++)
		log_info((uint64_t)(uintptr_t)arg, "line %d from a thread with some padding to make it longer", i);
	return NULL;
}

static void write_from_threads(void)
{
	pthread_t t[THREADS];
	uintptr_t i;

	for (i = 0; i < THREADS; i++)
		assert_int_equal(pthread_create(&t[i], NULL, log_thread, (void *)(i + 1)), 0);
	for (i = 0; i < THREADS; i++)
		pthread_join(t[i], NULL);
}

static void test_log_threads(void **state)
{
	char *out = capture_stderr(write_from_threads), *line, *save = NULL;
	int lines = 0;

	(void)state;
	for (line = strtok_r(out, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		/* every line is whole: prefix, id, message, nothing mixed in */
		assert_non_null(strstr(line, " INFO [c"));
		assert_non_null(strstr(line, "from a thread with some padding to make it longer"));
		assert_null(strstr(strstr(line, "Z INFO") + 1, "Z INFO"));
		lines++;
	}
	assert_int_equal(lines, THREADS * LINES_PER_THREAD);
	free(out);
}

static void test_log_levels(void **state)
{
	enum log_level level;

	(void)state;
	assert_int_equal(log_level_parse("debug", &level), RC_OK);
	assert_int_equal(level, LOG_LEVEL_DEBUG);
	assert_int_equal(log_level_parse("error", &level), RC_OK);
	assert_int_equal(level, LOG_LEVEL_ERROR);
	assert_int_equal(log_level_parse("warn", &level), RC_OK);
	assert_int_equal(log_level_parse("info", &level), RC_OK);
	assert_int_equal(log_level_parse("verbose", &level), RC_ERR_INVAL);
	assert_int_equal(log_level_parse("", &level), RC_ERR_INVAL);
	log_set_level(LOG_LEVEL_WARN);
	assert_int_equal(log_get_level(), LOG_LEVEL_WARN);
	log_set_level(LOG_LEVEL_INFO);
}

static void test_log_escape(void **state)
{
	char out[64];

	(void)state;
	log_escape((const uint8_t *)"plain text", 10, out, sizeof(out));
	assert_string_equal(out, "plain text");
	log_escape((const uint8_t *)"a\nb\x00\xff\\", 6, out, sizeof(out));
	assert_string_equal(out, "a\\x0ab\\x00\\xff\\x5c");
	/* truncated on a whole character or escape, always terminated */
	log_escape((const uint8_t *)"\x01\x02\x03", 3, out, 10);
	assert_string_equal(out, "\\x01\\x02");
	log_escape((const uint8_t *)"abcdef", 6, out, 4);
	assert_string_equal(out, "abc");
	log_escape((const uint8_t *)"abc", 3, out, 1);
	assert_string_equal(out, "");
}

static void test_error_strings(void **state)
{
	int code;

	(void)state;
	assert_string_equal(rc_strerror(RC_OK), "success");
	for (code = RC_ERR_DB; code < 0; code++) {
		const char *s = rc_strerror(code);

		assert_non_null(s);
		assert_string_not_equal(s, "unknown error");
		assert_string_not_equal(s, rc_strerror(code + 1));
	}
	assert_string_equal(rc_strerror(RC_ERR_DB - 1), "unknown error");
	assert_string_equal(rc_strerror(1), "unknown error");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_log_format),
		cmocka_unit_test(test_log_long_line),
		cmocka_unit_test(test_log_threads),
		cmocka_unit_test(test_log_levels),
		cmocka_unit_test(test_log_escape),
		cmocka_unit_test(test_error_strings),
	};

	if (secure_init() != RC_OK)
		return 1;
	return cmocka_run_group_tests(tests, NULL, NULL);
}
