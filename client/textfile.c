#include "config.h"

#include "textfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "bytebuf.h"
#include "errors.h"

int textfile_read(const char *path, size_t max, char **text, size_t *len)
{
	struct bytebuf buf;
	uint8_t chunk[4096];
	int fd, r = RC_OK;

	*text = NULL;
	*len = 0;
	bytebuf_init(&buf, max);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return errno == ENOENT ? RC_ERR_NOTFOUND : RC_ERR_IO;
	for (;;) {
		ssize_t n = read(fd, chunk, sizeof(chunk));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			r = RC_ERR_IO;
			goto out;
		}
		if (n == 0)
			break;
		if ((r = bytebuf_append(&buf, chunk, (size_t)n)) != RC_OK)
			goto out;
	}
	if ((r = bytebuf_reserve(&buf, 1)) != RC_OK)
		goto out;
	{
		uint8_t *data;
		if ((r = bytebuf_take(&buf, &data, len)) != RC_OK)
			goto out;
		if (data == NULL) {
			/* An empty file: hand back an empty string all the same. */
			data = calloc(1, 1);
			if (data == NULL) {
				r = RC_ERR_NOMEM;
				goto out;
			}
		}
		*text = (char *)data;
	}
out:
	close(fd);
	bytebuf_free(&buf);
	return r;
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
