/* Logging to stderr: "2026-11-24T16:30:03.123Z LEVEL [c42] message". Peer
 * bytes go through log_escape; plaintext and key material are never logged. */
#ifndef RC_LOG_H
#define RC_LOG_H

#include <stddef.h>
#include <stdint.h>

enum log_level {
	LOG_LEVEL_ERROR,
	LOG_LEVEL_WARN,
	LOG_LEVEL_INFO,
	LOG_LEVEL_DEBUG,
};

void log_set_level(enum log_level level);
enum log_level log_get_level(void);
/* "error", "warn", "info", "debug" -> level; RC_ERR_INVAL otherwise. */
int log_level_parse(const char *name, enum log_level *level);
/* conn_id 0 means "no connection". Thread-safe (one write per line). */
void log_msg(enum log_level level, uint64_t conn_id, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* Printable ASCII copy of p[0..n) with \xNN escapes, truncated to fit out. */
void log_escape(const uint8_t *p, size_t n, char *out, size_t outlen);

#define log_error(conn, ...) log_msg(LOG_LEVEL_ERROR, (conn), __VA_ARGS__)
#define log_warn(conn, ...) log_msg(LOG_LEVEL_WARN, (conn), __VA_ARGS__)
#define log_info(conn, ...) log_msg(LOG_LEVEL_INFO, (conn), __VA_ARGS__)
#define log_debug(conn, ...) log_msg(LOG_LEVEL_DEBUG, (conn), __VA_ARGS__)

#endif
