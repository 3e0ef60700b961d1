/* An in-memory stand-in for server/store.c (same store.h interface, linked
 * instead of it) so the fuzzer can drive the server's dispatcher without
 * PostgreSQL. It keeps the semantics of store.c's SQL (unique logins and
 * keys, history visibility, registration order) and checks what the server
 * hands it: every string must be valid UTF-8 text, as PostgreSQL would
 * insist. Only the fuzz targets use it. */
#ifndef RC_FUZZ_FAKE_STORE_H
#define RC_FUZZ_FAKE_STORE_H

#include <stddef.h>

#include "store.h"

struct fake_user {
	char *login;
	char *e_dec;
	char *n_dec;
	char *skeleton;
	char *from;   /* NULL: not recorded */
};

struct fake_message {
	char *sender;
	char *receiver;
	char *content;
	int self_copy;
	char *msg_id;  /* NULL: sent without one */
};

/* While set, every query fails with RC_ERR_DB (the database went away). */
void fake_store_set_down(struct store *st, int down);
size_t fake_store_user_count(const struct store *st);
const struct fake_user *fake_store_user(const struct store *st, size_t i);
size_t fake_store_message_count(const struct store *st);
const struct fake_message *fake_store_message(const struct store *st, size_t i);
/* Whether message m is for me in wait_messages and last_message_id (its id
 * is its index + 1). */
int fake_store_in_inbox(const struct fake_message *m, const char *me);

#endif
