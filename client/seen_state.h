/* What was last read in each conversation, so `unread` counts only newer
 * messages. Kept per (server, own login, contact) as the created_at of the
 * newest message seen, one line each in the data folder's "seen" file:
 *   <server> <own login> <contact> <created_at>
 * with spaces, control bytes and '%' in each field written as %XX. */
#ifndef RC_CLIENT_SEEN_STATE_H
#define RC_CLIENT_SEEN_STATE_H

#include <stddef.h>

#define SEEN_STATE_MAX_BYTES (4u * 1024u * 1024u)

struct seen_entry {
	char *key;        /* the three encoded fields, space-separated */
	char *created_at; /* encoded as well */
};

struct seen_state {
	struct seen_entry *v;
	size_t count;
	size_t cap;
};

void seen_state_init(struct seen_state *st);
void seen_state_free(struct seen_state *st);
/* Loads the file (a missing file is an empty state). */
int seen_state_load(const char *path, struct seen_state *st);
/* The created_at last seen for this conversation (malloc'd, caller frees),
 * or NULL with RC_OK when never seen. */
int seen_state_get(const struct seen_state *st, const char *server, const char *me, const char *contact,
                   char **created_at);
int seen_state_set(struct seen_state *st, const char *server, const char *me, const char *contact,
                   const char *created_at);
/* Loads the file, sets one entry and writes it back (temporary file + rename),
 * so two clients updating different conversations do not undo each other. */
int seen_state_update(const char *path, const char *server, const char *me, const char *contact,
                      const char *created_at);

#endif
