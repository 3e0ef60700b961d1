/* The only user of libpq: one PostgreSQL connection (one per worker thread)
 * with prepared statements, reconnecting with a backoff when the database
 * goes away. Every query returns RC_OK or RC_ERR_DB (already logged): the
 * caller answers "database unavailable" and carries on. */
#ifndef RC_SERVER_STORE_H
#define RC_SERVER_STORE_H

#include <stdint.h>

#define STORE_BACKOFF_MIN_MS 250
#define STORE_BACKOFF_MAX_MS 8000
#define STORE_CONNECT_TIMEOUT_S "5"
/* A statement gets its statement timeout on the database side; when the
 * database does not even answer that (a hung host), we give up this much
 * later, drop the connection and answer "database unavailable". */
#define STORE_TIMEOUT_GRACE_MS 2000
/* The channel every stored message is announced on (the payload: the login
 * it is for, or "" for "everyone" when that login is too long for one). */
#define STORE_NOTIFY_CHANNEL "rsa_chat_message"

struct store;

/* A store for conninfo ("" means the PG* environment) whose statements may
 * run statement_timeout_ms each (0: no limit). Does not connect yet. */
int store_new(const char *conninfo, int statement_timeout_ms, unsigned worker_id, struct store **out);
void store_free(struct store *st);
/* Connects unless connected or the backoff has not passed yet. RC_OK when connected. */
int store_ensure(struct store *st);
/* The length of a libpq message without its trailing newline (log lines
 * must not end with one), for "%.*s". */
int store_message_len(const char *message);
/* Whether a connection is up right now. */
int store_connected(const struct store *st);
/* When store_ensure may try to connect again (monotonic ms). */
int64_t store_next_attempt_ms(const struct store *st);
/* Forgets the backoff: the database is known to be back, so the next
 * store_ensure connects at once. */
void store_retry_now(struct store *st);

/* *login (malloc'd) is the login registered with this key, or NULL. */
int store_find_login_by_key(struct store *st, const char *e_dec, const char *n_dec, char **login);
/* What a new user row records beside its login and key. */
struct store_registration {
	const char *skeleton;  /* the login's look-alike skeleton (login.h) */
	const char *from;      /* the registering address, or NULL when unknown */
};
/* *inserted is 1, or 0 when the login, its skeleton or the key is taken (a
 * unique index). */
int store_insert_user(struct store *st, const char *login, const char *e_dec, const char *n_dec,
                      const struct store_registration *reg, int *inserted);
int store_user_exists(struct store *st, const char *login, int *exists);
/* *count: users registered from address `from` in the last hour. */
int store_count_recent_registrations(struct store *st, const char *from, long *count);

/* Row callbacks: a non-zero return stops the walk and is returned. */
typedef int (*store_user_fn)(void *arg, const char *login, const char *e_dec, const char *n_dec);
typedef int (*store_message_fn)(void *arg, const char *sender, const char *created_at, const char *content);

/* One message row of the sync extension's queries (all text, id in decimal). */
struct store_message {
	const char *id;
	const char *sender;
	const char *peer;        /* the other party of the conversation, for the reader */
	const char *created_at;
	const char *content;
};
typedef int (*store_message_row_fn)(void *arg, const struct store_message *m);

/* A page of a conversation: ids in (after_id, before_id), at most limit,
 * the oldest of the range when oldest_first, else the newest. */
struct store_page {
	int64_t after_id;
	int64_t before_id;
	int limit;
	int oldest_first;
};

/* Every user but `me`, in registration order. */
int store_list_other_users(struct store *st, const char *me, store_user_fn fn, void *arg);
/* The user of this login: fn is called once, or not at all when there is none. */
int store_get_user(struct store *st, const char *login, store_user_fn fn, void *arg);
/* The logins of rows without a skeleton (written before migration 003 or by
 * another server): fn(arg, login, "", "") for each. */
int store_list_unskeletoned_logins(struct store *st, store_user_fn fn, void *arg);
/* The messages `me` may read in the chat with `other`, in the order stored. */
int store_list_history(struct store *st, const char *me, const char *other, store_message_fn fn, void *arg);
/* The page of the messages `me` may read in the chat with `other`,
 * ascending by id. */
int store_list_page(struct store *st, const char *me, const char *other, const struct store_page *page,
                    store_message_row_fn fn, void *arg);
/* The oldest `limit` messages addressed to `me` after after_id: from anyone,
 * not self copies, and my self copies of what I sent to others. */
int store_list_inbox(struct store *st, const char *me, int64_t after_id, int limit, store_message_row_fn fn,
                     void *arg);
/* *id: the largest id store_list_inbox could return for `me` (0: none). */
int store_last_message_id(struct store *st, const char *me, int64_t *id);
/* A message to store: msg_id (the exactly-once extension) is NULL for an
 * unnamed message, else the sender's name for it (checked by the caller). */
struct store_outgoing {
	const char *sender;
	const char *receiver;
	const char *content;
	int self_copy;
	const char *msg_id;
};
/* What store_insert_message did. */
enum store_send_outcome {
	STORE_SEND_STORED,       /* a new row, announced */
	STORE_SEND_DUPLICATE,    /* this (sender, msg_id) holds this very message: nothing stored */
	STORE_SEND_REUSED,       /* this (sender, msg_id) holds another message: nothing stored */
	STORE_SEND_NO_RECEIVER,  /* the receiver does not exist: nothing stored */
};
/* Stores a message and notifies STORE_NOTIFY_CHANNEL in the same
 * transaction (a duplicate is not announced again). */
int store_insert_message(struct store *st, const struct store_outgoing *m, enum store_send_outcome *outcome);

#endif
