#include "config.h"

#include "known_servers.h"

#include <stdlib.h>
#include <string.h>

#include "atomic_file.h"
#include "bytebuf.h"
#include "errors.h"
#include "keyline.h"
#include "textfile.h"

/* Does this line pin `server`? */
static int known_servers_line_is_for(const char *line, size_t len, const char *server)
{
	size_t pos = 0, flen;
	const char *f;

	if (len == 0 || line[0] == '#' || !keyline_next_field(line, len, &pos, &f, &flen))
		return 0;
	return flen == strlen(server) && memcmp(f, server, flen) == 0;
}

static int known_servers_line_parse_key(const char *line, size_t len, struct rsa_public *key)
{
	size_t pos = 0, flen;
	const char *f;

	if (!keyline_next_field(line, len, &pos, &f, &flen))
		return RC_ERR_FORMAT;
	return keyline_parse_key(line, len, &pos, key);
}

int known_servers_lookup(const char *path, const char *server, const struct rsa_public *key,
                         enum known_server_status *status, struct rsa_public *stored)
{
	char *text = NULL;
	size_t len = 0, pos = 0, line_len;
	const char *line;
	struct rsa_public pinned;
	int r;

	*status = KNOWN_SERVER_NEW;
	rsa_public_init(&pinned);
	r = textfile_read(path, KNOWN_SERVERS_MAX_BYTES, &text, &len);
	if (r == RC_ERR_NOTFOUND) {
		r = RC_OK;
		goto out;
	}
	if (r != RC_OK)
		goto out;
	while (textfile_next_line(text, len, &pos, &line, &line_len)) {
		if (!known_servers_line_is_for(line, line_len, server))
			continue;
		/* An unreadable entry for this server cannot vouch for any key. */
		if (known_servers_line_parse_key(line, line_len, &pinned) != RC_OK || !rsa_public_equal(&pinned, key)) {
			*status = KNOWN_SERVER_CHANGED;
			if (stored != NULL)
				r = rsa_public_copy(stored, &pinned);
			goto out;
		}
		*status = KNOWN_SERVER_OK;
		goto out;
	}
out:
	rsa_public_clear(&pinned);
	free(text);
	return r;
}

static int known_servers_append_entry(struct bytebuf *out, const char *server, const struct rsa_public *key)
{
	int r;

	if ((r = bytebuf_append_str(out, server)) != RC_OK || (r = bytebuf_append_str(out, " ")) != RC_OK ||
	    (r = keyline_append_key(out, key)) != RC_OK)
		return r;
	return bytebuf_append_str(out, "\n");
}

int known_servers_store(const char *path, const char *server, const struct rsa_public *key,
                        char *err, size_t errlen)
{
	char *text = NULL;
	size_t len = 0, pos = 0, line_len;
	const char *line;
	struct bytebuf out;
	int r;

	if (errlen > 0)
		err[0] = '\0';
	bytebuf_init(&out, 2 * KNOWN_SERVERS_MAX_BYTES);
	if (server[0] == '\0' || strpbrk(server, " \t\r\n") != NULL)
		return RC_ERR_INVAL;
	r = textfile_read(path, KNOWN_SERVERS_MAX_BYTES, &text, &len);
	if (r != RC_OK && r != RC_ERR_NOTFOUND)
		goto out;
	/* Keep every other line as it is; drop the old entries for this server. */
	while (textfile_next_line(text, len, &pos, &line, &line_len)) {
		if (known_servers_line_is_for(line, line_len, server))
			continue;
		if ((r = bytebuf_append(&out, line, line_len)) != RC_OK || (r = bytebuf_append_str(&out, "\n")) != RC_OK)
			goto out;
	}
	if ((r = known_servers_append_entry(&out, server, key)) != RC_OK)
		goto out;
	r = atomic_file_write(path, out.data, out.len, 0600, 1, err, errlen);
out:
	bytebuf_free(&out);
	free(text);
	return r;
}
