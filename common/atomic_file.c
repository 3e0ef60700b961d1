#include "config.h"

#include "atomic_file.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "errors.h"

static int atomic_file_write_all(int fd, const uint8_t *p, size_t n)
{
	ssize_t w;

	while (n > 0) {
		w = write(fd, p, n);
		if (w < 0 && errno == EINTR)
			continue;
		if (w < 0)
			return -1;
		p += w;
		n -= (size_t)w;
	}
	return 0;
}

/* Makes the rename durable. */
static void atomic_file_sync_dir(const char *dir)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);

	if (fd >= 0) {
		fsync(fd);
		close(fd);
	}
}

/* Puts the finished temporary file in place. Without force, link(2) fails
 * if path appeared meanwhile, so nothing is ever overwritten by accident. */
static int atomic_file_install(const char *tmp, const char *path, int force, char *err, size_t errlen)
{
	if (!force) {
		if (link(tmp, path) == 0) {
			unlink(tmp);
			return RC_OK;
		}
		if (errno == EEXIST) {
			rc_errf(err, errlen, "%s already exists", path);
			return RC_ERR_EXISTS;
		}
		/* file systems without hard links: fall back to a checked rename */
		if (access(path, F_OK) == 0) {
			rc_errf(err, errlen, "%s already exists", path);
			return RC_ERR_EXISTS;
		}
	}
	if (rename(tmp, path) != 0) {
		rc_errf(err, errlen, "%s: %s", path, strerror(errno));
		return RC_ERR_IO;
	}
	return RC_OK;
}

int atomic_file_write(const char *path, const uint8_t *data, size_t len, unsigned mode, int force, char *err,
                      size_t errlen)
{
	char *tmp = NULL, *dir = NULL, *slash;
	int fd = -1, created = 0, rc;

	rc_errf(err, errlen, "%s", "");
	if (!force && access(path, F_OK) == 0) {
		rc_errf(err, errlen, "%s already exists", path);
		return RC_ERR_EXISTS;
	}
	if (asprintf(&tmp, "%s.tmp.XXXXXX", path) < 0) {
		tmp = NULL;
		rc = RC_ERR_NOMEM;
		goto out;
	}
	if ((dir = strdup(path)) == NULL) {
		rc = RC_ERR_NOMEM;
		goto out;
	}
	slash = strrchr(dir, '/');
	if (slash == NULL)
		strcpy(dir, ".");
	else if (slash == dir)
		dir[1] = 0;
	else
		*slash = 0;
	/* mkstemp creates the file 0600: nobody else can open it before fchmod. */
	if ((fd = mkstemp(tmp)) < 0) {
		rc_errf(err, errlen, "%s: cannot create a temporary file: %s", dir, strerror(errno));
		rc = RC_ERR_IO;
		goto out;
	}
	created = 1;
	if (fchmod(fd, (mode_t)mode) != 0 || atomic_file_write_all(fd, data, len) != 0 || fsync(fd) != 0) {
		rc_errf(err, errlen, "%s: %s", tmp, strerror(errno));
		rc = RC_ERR_IO;
		goto out;
	}
	if (close(fd) != 0) {
		fd = -1;
		rc_errf(err, errlen, "%s: %s", tmp, strerror(errno));
		rc = RC_ERR_IO;
		goto out;
	}
	fd = -1;
	if ((rc = atomic_file_install(tmp, path, force, err, errlen)) == RC_OK)
		atomic_file_sync_dir(dir);
out:
	if (fd >= 0)
		close(fd);
	if (rc != RC_OK && created)
		unlink(tmp);
	free(tmp);
	free(dir);
	return rc;
}
