/* Where the client keeps its files. Keys: common's keyfile_default_path
 * ($RSA_CHAT_HOME or ~/.rsa-chat). Everything else lives in one data folder,
 * $XDG_DATA_HOME/rsa-chat or else ~/.local/share/rsa-chat:
 *   known_servers   pinned server keys (see known_servers.h)
 *   contacts        pinned contact keys, verified marks (see contacts.h),
 *                   and contacts.lock, which orders its writers
 *   seen            what was last read per conversation (see seen_state.h)
 *   outbox/         the TUI's queued messages per server and key (see outbox_store.h)
 * The settings file (see config_file.h) is $XDG_CONFIG_HOME/rsa-chat/config
 * or else ~/.config/rsa-chat/config. */
#ifndef RC_CLIENT_PATHS_H
#define RC_CLIENT_PATHS_H

#include <stddef.h>

#define PATHS_MAX 4096
#define PATHS_CONFIG_NAME "config"

/* Fills dir with the data folder, created (mode 0700, parents too) when create is set. */
int paths_data_dir(char *dir, size_t dirlen, int create);
/* Fills path with the default settings file's path (nothing is created). */
int paths_config_file(char *path, size_t pathlen);
/* Fills path with given, a leading "~" or "~/" replaced by $HOME
 * (RC_ERR_NOTFOUND without HOME, RC_ERR_TOO_LARGE when it does not fit). */
int paths_expand_home(char *path, size_t pathlen, const char *given);
/* Fills path with dir + "/" + name; RC_ERR_TOO_LARGE when it does not fit. */
int paths_join(char *path, size_t pathlen, const char *dir, const char *name);
/* Creates dir and its missing parents with the given mode. */
int paths_mkdirs(const char *dir, unsigned mode);
/* Creates the folder holding path (mode 0700 for new folders). */
int paths_mkdirs_parent(const char *path);
/* Fills cmd with how to run generate-keys, for hints a user pastes:
 * "generate-keys" when it is on PATH, else its full path beside this
 * program (installed in the same folder, or the build tree's utils/, as
 * after quickstart), else "generate-keys". */
void paths_generate_keys(char *cmd, size_t cmdlen);

#endif
