/* The TUI's outbox on disk: the messages of one (server, own key) that the
 * server has neither accepted nor refused yet, so that a TUI started again
 * sends them under the same msg_id, with the same sealed bytes and after the
 * copies already acknowledged: a server of the exactly-once extension
 * (README "Exactly-once extension") stores each of them once.
 *
 * One file per (server, own key) in the data folder's outbox/ folder, mode
 * 0600, replaced whole (temporary file + rename) at every change, one JSON
 * object a line:
 *   {"outbox":1,"server":"host:port","key":"SHA256:..."}          the header
 *   {"order":N,"contact":L,"msg_id":B,"acked":A,"text":T,"to_recipient":R,"to_self":S}
 * in outbox order; the strings are JSON strings, whose escapes carry any
 * login. T is the text sealed for our own public key (v1 content,
 * which only our private key reads), so the file holds no readable text; R
 * and S are the copies once sealed (absent before). A damaged line is
 * skipped (the file as found is kept beside it as "<file>.damaged").
 *
 * One TUI at a time: the store holds an flock on "<file>.lock" while open,
 * and a second TUI of the same user and server finds it held and runs
 * without an outbox, so no message is sent by both. The store's calls are
 * safe from several threads (the UI adds, the network thread updates). */
#ifndef RC_CLIENT_OUTBOX_STORE_H
#define RC_CLIENT_OUTBOX_STORE_H

#include <stddef.h>
#include <stdint.h>

#include "api.h"
#include "rsa.h"

/* The file's size and number of entries are capped; adding past either is
 * RC_ERR_TOO_LARGE (the outbox is full), and a larger file is not read. */
#define OUTBOX_STORE_MAX_BYTES (16u * 1024u * 1024u)
#define OUTBOX_STORE_MAX_ENTRIES 1000u

/* One message of the outbox as its sender handles it. */
struct outbox_entry {
	uint64_t order;           /* its place in the outbox (ascending: send order), set by outbox_store_add */
	char *contact;            /* the recipient's login */
	char msg_id[API_MSG_ID_BASE_MAX + 1]; /* the copies' base id */
	int acked;                /* copies the server acknowledged (see api_send_sealed_resume) */
	struct api_sealed sealed; /* the copies once sealed; to_recipient NULL before */
	char *text;               /* the plain text (memory only; wiped when freed) */
};

struct outbox_store;

/* Frees the entries' strings (the texts wiped) and the array itself. */
void outbox_entries_free(struct outbox_entry *v, size_t n);

/* Fills path with the outbox file of (server, own key fingerprint) in the
 * data folder dir: dir/outbox/<32 hex digits naming the pair>. */
int outbox_store_path(char *path, size_t pathlen, const char *dir, const char *server, const char *key_fp);

/* Opens the outbox at path for server and our key (borrowed: it must
 * outlive the store), creating its folder (0700) as needed, takes its lock
 * and reads it: *loaded (caller frees with outbox_entries_free) gets its
 * messages in order, the texts decrypted. RC_OK with *out NULL when another
 * process holds the lock (note says so). A note also tells of damaged
 * entries skipped. Errors (RC_ERR_IO, RC_ERR_TOO_LARGE for a file over
 * OUTBOX_STORE_MAX_BYTES, which is left as it is) say why in note. */
int outbox_store_open(const char *path, const char *server, const struct rsa_private *key, struct outbox_store **out,
                      struct outbox_entry **loaded, size_t *n_loaded, char *note, size_t notelen);
/* Releases the lock and frees the store (NULL is fine). */
void outbox_store_close(struct outbox_store *st);

/* Writes a new message (contact, msg_id, text; acked and sealed as they
 * are) at the end of the outbox and sets e->order. Nothing is kept when it
 * cannot be written: RC_ERR_TOO_LARGE when the outbox is full. */
int outbox_store_add(struct outbox_store *st, struct outbox_entry *e);
/* Records the sealed copies and the acknowledged count of message order.
 * The store keeps the change even when writing fails (the next write
 * carries it). */
int outbox_store_update(struct outbox_store *st, uint64_t order, int acked, const struct api_sealed *sealed);
/* Drops message order (accepted or refused for good); RC_ERR_NOTFOUND when
 * it is not there. As with an update, the change stays even when writing
 * fails. */
int outbox_store_remove(struct outbox_store *st, uint64_t order);

#endif
