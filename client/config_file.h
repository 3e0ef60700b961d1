/* The client's settings file, so that `rsa-chat` alone connects where the
 * user wants. `key = value` lines (common/kvfile.h) at the top are the
 * defaults; `[profile NAME]` sections hold one server's settings each
 * (host, port, key, or any other key) and override the top for the
 * profile chosen by --profile or by the top-level `default-profile = NAME`.
 * Keys: host, port, key, login, known-servers, notify-cmd, bell, poll-interval,
 * self-copy (the long options' names); `~` at the start of a path is $HOME.
 * The command line overrides the file (main.c applies it afterwards). */
#ifndef RC_CLIENT_CONFIG_FILE_H
#define RC_CLIENT_CONFIG_FILE_H

#include <stddef.h>
#include <stdio.h>

#include "kvfile.h"
#include "options.h"
#include "paths.h"

#define CONFIG_FILE_MAX_BYTES (64u * 1024u)

struct config_file {
	char path[PATHS_MAX];
	struct kvfile kv;      /* empty when there is no file */
	const char *default_profile; /* the top's default-profile, or NULL */
};

/* Reads and checks path (NULL: the default file, which may be missing: an
 * empty config_file then). Every line is checked, the profiles not chosen
 * too: RC_ERR_FORMAT (a malformed line, unknown key or section, bad value,
 * a profile twice, an unknown default-profile), RC_ERR_NOTFOUND (path given
 * but missing), RC_ERR_PERM (a regular file others may write, see
 * TEXTFILE_OWNER_WRITES),
 * RC_ERR_TOO_LARGE, RC_ERR_IO; err names file:line. */
int config_file_load(struct config_file *cf, const char *path, char *err, size_t errlen);
/* Sets o's fields from the top, then from profile (NULL: default-profile,
 * or none). o's strings then point into cf, which must outlive o.
 * RC_ERR_NOTFOUND for an unknown profile (err lists the known ones). */
int config_file_apply(const struct config_file *cf, const char *profile, struct client_options *o, char *err,
                      size_t errlen);
/* Prints one line per profile, tab-separated: its name, host:port and key
 * ("-": the default key) as they are with o's values under the file's,
 * then "(default)" for the default one; *listed gets their number. */
int config_file_list_profiles(const struct config_file *cf, const struct client_options *o, FILE *out,
                              size_t *listed);
void config_file_free(struct config_file *cf);
/* Turns seconds (0 < s <= 3600, fractions allowed) into the poll
 * interval in ms (at least 100); RC_ERR_FORMAT for anything else. */
int config_file_poll_ms(const char *seconds, int *ms);

#endif
