#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "errors.h"
#include "log.h"

/* Longest line written; longer messages are cut and end with "...". */
#define LOG_LINE_MAX 4096

static atomic_int log_level = LOG_LEVEL_INFO;

static const char *const log_level_names[] = {
	[LOG_LEVEL_ERROR] = "error",
	[LOG_LEVEL_WARN] = "warn",
	[LOG_LEVEL_INFO] = "info",
	[LOG_LEVEL_DEBUG] = "debug",
};

static const char *const log_level_labels[] = {
	[LOG_LEVEL_ERROR] = "ERROR",
	[LOG_LEVEL_WARN] = "WARN",
	[LOG_LEVEL_INFO] = "INFO",
	[LOG_LEVEL_DEBUG] = "DEBUG",
};

void log_set_level(enum log_level level)
{
	atomic_store(&log_level, (int)level);
}

enum log_level log_get_level(void)
{
	return (enum log_level)atomic_load(&log_level);
}

int log_level_parse(const char *name, enum log_level *level)
{
	size_t i;

	for (i = 0; i < sizeof(log_level_names) / sizeof(log_level_names[0]); i++) {
		if (strcmp(name, log_level_names[i]) == 0) {
			*level = (enum log_level)i;
			return RC_OK;
		}
	}
	return RC_ERR_INVAL;
}

/* Writes "2026-11-24T16:30:03.123Z LEVEL " to buf. */
static size_t log_format_prefix(char *buf, size_t len, enum log_level level)
{
	struct timespec ts;
	struct tm tm;
	size_t n;
	int w;

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);
	n = strftime(buf, len, "%Y-%m-%dT%H:%M:%S", &tm);
	w = snprintf(buf + n, len - n, ".%03ldZ %s ", ts.tv_nsec / 1000000L, log_level_labels[level]);
	return w > 0 ? n + (size_t)w : n;
}

void log_msg(enum log_level level, uint64_t conn_id, const char *fmt, ...)
{
	char line[LOG_LINE_MAX];
	size_t n, room;
	va_list ap;
	int w, saved_errno = errno;
	ssize_t put;

	if ((int)level > atomic_load(&log_level) || (int)level < 0 || level > LOG_LEVEL_DEBUG)
		return;
	/* Room for "...\n" is kept at the end for cut messages. */
	room = sizeof(line) - 4;
	n = log_format_prefix(line, room, level);
	if (conn_id != 0) {
		w = snprintf(line + n, room - n, "[c%llu] ", (unsigned long long)conn_id);
		if (w > 0)
			n += (size_t)w < room - n ? (size_t)w : room - n - 1;
	}
	va_start(ap, fmt);
	w = vsnprintf(line + n, room - n, fmt, ap);
	va_end(ap);
	if (w > 0 && (size_t)w >= room - n) {
		n = room - 1;
		memcpy(line + n, "...", 3);
		n += 3;
	} else if (w > 0) {
		n += (size_t)w;
	}
	line[n++] = '\n';
	/* One write per line, so lines from several threads never interleave. */
	do {
		put = write(STDERR_FILENO, line, n);
	} while (put < 0 && errno == EINTR);
	errno = saved_errno;
}

void log_escape(const uint8_t *p, size_t n, char *out, size_t outlen)
{
	static const char hex[] = "0123456789abcdef";
	size_t i, o = 0;

	if (outlen == 0)
		return;
	for (i = 0; i < n; i++) {
		uint8_t c = p[i];

		if (c >= 0x20 && c < 0x7f && c != '\\') {
			if (o + 1 >= outlen)
				break;
			out[o++] = (char)c;
		} else {
			if (o + 4 >= outlen)
				break;
			out[o++] = '\\';
			out[o++] = 'x';
			out[o++] = hex[c >> 4];
			out[o++] = hex[c & 0xf];
		}
	}
	out[o] = 0;
}
