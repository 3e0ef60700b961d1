#include "config.h"

#include "paths.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "errors.h"

int paths_join(char *path, size_t pathlen, const char *dir, const char *name)
{
	int n = snprintf(path, pathlen, "%s/%s", dir, name);

	if (n < 0 || (size_t)n >= pathlen)
		return RC_ERR_TOO_LARGE;
	return RC_OK;
}

int paths_mkdirs(const char *dir, unsigned mode)
{
	char buf[PATHS_MAX];
	size_t len = strlen(dir);

	if (len == 0 || len >= sizeof(buf))
		return RC_ERR_INVAL;
	memcpy(buf, dir, len + 1);
	/* Create each prefix in turn; existing folders are fine. */
	for (size_t i = 1; i <= len; i++) {
		if (buf[i] != '/' && buf[i] != '\0')
			continue;
		char saved = buf[i];
		buf[i] = '\0';
		if (mkdir(buf, (mode_t)mode) != 0 && errno != EEXIST)
			return RC_ERR_IO;
		buf[i] = saved;
	}
	return RC_OK;
}

int paths_mkdirs_parent(const char *path)
{
	char dir[PATHS_MAX];
	const char *slash = strrchr(path, '/');
	size_t len;

	if (slash == NULL || slash == path)
		return RC_OK;
	len = (size_t)(slash - path);
	if (len >= sizeof(dir))
		return RC_ERR_TOO_LARGE;
	memcpy(dir, path, len);
	dir[len] = '\0';
	return paths_mkdirs(dir, 0700);
}

/* $env/rsa-chat, else ~/fallback/rsa-chat. */
static int paths_xdg_dir(char *dir, size_t dirlen, const char *env, const char *fallback, int create)
{
	const char *xdg = getenv(env);
	const char *home = getenv("HOME");
	int n;

	if (dirlen > 0)
		dir[0] = '\0';
	/* The XDG spec says a relative XDG_*_HOME is invalid and must be ignored. */
	if (xdg != NULL && xdg[0] == '/')
		n = snprintf(dir, dirlen, "%s/rsa-chat", xdg);
	else if (home != NULL && home[0] != '\0')
		n = snprintf(dir, dirlen, "%s/%s/rsa-chat", home, fallback);
	else
		return RC_ERR_NOTFOUND;
	if (n < 0 || (size_t)n >= dirlen)
		return RC_ERR_TOO_LARGE;
	if (create)
		return paths_mkdirs(dir, 0700);
	return RC_OK;
}

int paths_data_dir(char *dir, size_t dirlen, int create)
{
	return paths_xdg_dir(dir, dirlen, "XDG_DATA_HOME", ".local/share", create);
}

int paths_config_file(char *path, size_t pathlen)
{
	char dir[PATHS_MAX];
	int r;

	if ((r = paths_xdg_dir(dir, sizeof(dir), "XDG_CONFIG_HOME", ".config", 0)) != RC_OK)
		return r;
	return paths_join(path, pathlen, dir, PATHS_CONFIG_NAME);
}

int paths_expand_home(char *path, size_t pathlen, const char *given)
{
	const char *home = getenv("HOME");
	int n;

	if (given[0] == '~' && (given[1] == '/' || given[1] == '\0')) {
		if (home == NULL || home[0] == '\0')
			return RC_ERR_NOTFOUND;
		n = snprintf(path, pathlen, "%s%s", home, given + 1);
	} else {
		n = snprintf(path, pathlen, "%s", given);
	}
	if (n < 0 || (size_t)n >= pathlen)
		return RC_ERR_TOO_LARGE;
	return RC_OK;
}

#define PATHS_GENERATE_KEYS "generate-keys"

/* 1 when dir/name is an executable file. */
static int paths_is_program(const char *dir, const char *name)
{
	char path[PATHS_MAX];

	return paths_join(path, sizeof(path), dir, name) == RC_OK && access(path, X_OK) == 0;
}

static int paths_on_path(const char *name)
{
	const char *path = getenv("PATH");
	char dir[PATHS_MAX];

	while (path != NULL && *path != '\0') {
		size_t n = strcspn(path, ":");
		if (n > 0 && n < sizeof(dir)) {
			memcpy(dir, path, n);
			dir[n] = '\0';
			if (paths_is_program(dir, name))
				return 1;
		}
		path += n + (path[n] == ':');
	}
	return 0;
}

void paths_generate_keys(char *cmd, size_t cmdlen)
{
	static const char *const beside[] = { ".", "../utils" };
	char self[PATHS_MAX], dir[PATHS_MAX], *slash;
	ssize_t n;

	snprintf(cmd, cmdlen, "%s", PATHS_GENERATE_KEYS);
	if (paths_on_path(PATHS_GENERATE_KEYS))
		return;
	if ((n = readlink("/proc/self/exe", self, sizeof(self) - 1)) <= 0)
		return;
	self[n] = '\0';
	if ((slash = strrchr(self, '/')) == NULL)
		return;
	*slash = '\0';
	for (size_t i = 0; i < sizeof(beside) / sizeof(beside[0]); i++) {
		char found[PATHS_MAX];
		if (paths_join(dir, sizeof(dir), self, beside[i]) == RC_OK && paths_is_program(dir, PATHS_GENERATE_KEYS) &&
		    realpath(dir, found) != NULL && strlen(found) + sizeof("/" PATHS_GENERATE_KEYS) <= cmdlen) {
			snprintf(cmd, cmdlen, "%s/%s", found, PATHS_GENERATE_KEYS);
			return;
		}
	}
}
