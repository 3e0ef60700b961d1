/* Small text files read whole: state and trust files of the client. */
#ifndef RC_CLIENT_TEXTFILE_H
#define RC_CLIENT_TEXTFILE_H

#include <stddef.h>

/* Reads path into *text (malloc'd, NUL-terminated, caller frees).
 * RC_ERR_NOTFOUND when missing, RC_ERR_TOO_LARGE past max bytes. */
int textfile_read(const char *path, size_t max, char **text, size_t *len);
/* The next line of text[*pos..len) without its newline: *line points into
 * text, *line_len is its length; returns 0 at the end of the text. */
int textfile_next_line(const char *text, size_t len, size_t *pos, const char **line, size_t *line_len);

#endif
