/* Small text files read whole under a size cap (key files, the client's
 * trust and state files), and the lines of such a text. */
#ifndef RC_TEXTFILE_H
#define RC_TEXTFILE_H

#include <stddef.h>

#include "bytebuf.h"

/* What textfile_read_into refuses besides a size over max. */
enum textfile_check {
	TEXTFILE_ANY = 0,
	TEXTFILE_REGULAR = 1,     /* not a regular file: RC_ERR_FORMAT */
	TEXTFILE_OWNER_ONLY = 2,  /* group or others may access it: RC_ERR_PERM (err suggests chmod 600) */
	/* A regular file others may write, or a group other than our own
	 * (Debian's umask 002 gives files to the user's private group):
	 * RC_ERR_PERM (err suggests chmod go-w). */
	TEXTFILE_OWNER_WRITES = 4,
};

/* Appends the whole file to buf (whose own maximum should be max; a
 * bytebuf_init_secret buffer for secrets, the read chunks are wiped too).
 * checks is a set of enum textfile_check flags. RC_ERR_NOTFOUND when
 * missing, RC_ERR_TOO_LARGE past max bytes, RC_ERR_IO; err (may be NULL)
 * gets a reason that names the file. */
int textfile_read_into(const char *path, size_t max, unsigned checks, struct bytebuf *buf, char *err, size_t errlen);
/* Reads path into *text (malloc'd, NUL-terminated, caller frees), at most
 * max bytes, no other check. Errors as textfile_read_into. */
int textfile_read(const char *path, size_t max, char **text, size_t *len);
/* The next line of text[*pos..len) without its newline: *line points into
 * text, *line_len is its length; returns 0 at the end of the text. */
int textfile_next_line(const char *text, size_t len, size_t *pos, const char **line, size_t *line_len);

#endif
