#include "config.h"

#include "textfile.h"

#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "errors.h"
#include "secure.h"

#define TEXTFILE_READ_CHUNK 4096u

/* Refuses what checks forbid for the open file fd. */
static int textfile_check_open(int fd, const char *path, unsigned checks, char *err, size_t errlen)
{
	struct stat st;

	if (checks == TEXTFILE_ANY)
		return RC_OK;
	if (fstat(fd, &st) != 0) {
		rc_errf(err, errlen, "%s: %s", path, strerror(errno));
		return RC_ERR_IO;
	}
	if ((checks & TEXTFILE_REGULAR) && !S_ISREG(st.st_mode)) {
		rc_errf(err, errlen, "%s: not a regular file", path);
		return RC_ERR_FORMAT;
	}
	if ((checks & TEXTFILE_OWNER_ONLY) && (st.st_mode & 077) != 0) {
		rc_errf(err, errlen, "permissions %04o for '%s' are too open; run: chmod 600 %s",
		        (unsigned)(st.st_mode & 07777), path, path);
		return RC_ERR_PERM;
	}
	if ((checks & TEXTFILE_OWNER_WRITES) && S_ISREG(st.st_mode) &&
	    ((st.st_mode & S_IWOTH) != 0 || ((st.st_mode & S_IWGRP) != 0 && st.st_gid != getgid()))) {
		rc_errf(err, errlen, "permissions %04o for '%s' let others change it; run: chmod go-w %s",
		        (unsigned)(st.st_mode & 07777), path, path);
		return RC_ERR_PERM;
	}
	return RC_OK;
}

int textfile_read_into(const char *path, size_t max, unsigned checks, struct bytebuf *buf, char *err, size_t errlen)
{
	uint8_t chunk[TEXTFILE_READ_CHUNK];
	size_t start = buf->len;
	ssize_t got;
	int fd, rc;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC)) < 0) {
		rc = errno == ENOENT ? RC_ERR_NOTFOUND : RC_ERR_IO;
		rc_errf(err, errlen, "%s: %s", path, strerror(errno));
		return rc;
	}
	if ((rc = textfile_check_open(fd, path, checks, err, errlen)) != RC_OK)
		goto out;
	for (;;) {
		got = read(fd, chunk, sizeof(chunk));
		if (got < 0 && errno == EINTR)
			continue;
		if (got < 0) {
			rc_errf(err, errlen, "%s: %s", path, strerror(errno));
			rc = RC_ERR_IO;
			goto out;
		}
		if (got == 0)
			break;
		if (buf->len - start + (size_t)got > max) {
			rc_errf(err, errlen, "%s: larger than %zu bytes", path, max);
			rc = RC_ERR_TOO_LARGE;
			goto out;
		}
		if ((rc = bytebuf_append(buf, chunk, (size_t)got)) != RC_OK) {
			if (rc == RC_ERR_TOO_LARGE)
				rc_errf(err, errlen, "%s: larger than %zu bytes", path, max);
			goto out;
		}
	}
	rc = RC_OK;
out:
	if (buf->wipe)
		secure_wipe(chunk, sizeof(chunk));
	close(fd);
	return rc;
}

int textfile_read(const char *path, size_t max, char **text, size_t *len)
{
	struct bytebuf buf;
	uint8_t *data;
	int rc;

	*text = NULL;
	*len = 0;
	bytebuf_init(&buf, max);
	/* bytebuf_take gives an empty file an empty string too. */
	if ((rc = textfile_read_into(path, max, TEXTFILE_ANY, &buf, NULL, 0)) == RC_OK &&
	    (rc = bytebuf_take(&buf, &data, len)) == RC_OK)
		*text = (char *)data;
	bytebuf_free(&buf);
	return rc;
}

int textfile_next_line(const char *text, size_t len, size_t *pos, const char **line, size_t *line_len)
{
	const char *nl;

	if (*pos >= len)
		return 0;
	*line = text + *pos;
	nl = memchr(*line, '\n', len - *pos);
	*line_len = nl != NULL ? (size_t)(nl - *line) : len - *pos;
	*pos += *line_len + (nl != NULL ? 1 : 0);
	return 1;
}
