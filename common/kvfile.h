/* Settings files of `key = value` lines: '#' comments and blank lines are
 * skipped, spaces around keys and values trimmed, and (when asked for)
 * `[NAME]` lines start sections. Read whole under a size cap; the
 * meaning of the keys is the caller's (the server's config, the client's
 * profiles). */
#ifndef RC_KVFILE_H
#define RC_KVFILE_H

#include <stddef.h>

#define KVFILE_MAX_LINE_BYTES 4096u

enum kvfile_flags {
	KVFILE_FLAT = 0,
	KVFILE_SECTIONS = 1,  /* `[NAME]` lines start sections; without it they are errors */
};

/* One line that says something: a `key = value` (key and value set), or a
 * section header (key NULL, section its NAME). */
struct kvfile_entry {
	const char *section;  /* the section the line is in; NULL before the first */
	const char *key;
	const char *value;
	unsigned line;        /* 1-based */
};

/* A parsed file; the entries point into text. */
struct kvfile {
	char *text;
	struct kvfile_entry *entries;
	size_t count;
};

/* Reads and parses path (at most max_bytes; lines under
 * KVFILE_MAX_LINE_BYTES); checks is a set of enum textfile_check flags.
 * RC_ERR_NOTFOUND when the file does not exist, RC_ERR_FORMAT for a
 * malformed line, RC_ERR_TOO_LARGE, RC_ERR_PERM, RC_ERR_IO; err names the
 * file (and line) and the problem. kv is empty on failure. */
int kvfile_load(const char *path, size_t max_bytes, unsigned flags, unsigned checks, struct kvfile *kv, char *err,
                size_t errlen);
void kvfile_free(struct kvfile *kv);
/* A yes/no value of key into *flag (1 or 0); otherwise RC_ERR_FORMAT and
 * why says what was wanted. */
int kvfile_yes_no(const char *key, const char *value, int *flag, char *why, size_t whylen);

#endif
