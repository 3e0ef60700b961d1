#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "errors.h"
#include "fake_store.h"
#include "fuzz_common.h"
#include "protocol.h"
#include "utf8.h"

struct store {
	struct fake_user *users;
	size_t user_count;
	struct fake_message *messages;
	size_t message_count;
	int down;
};

/* What PostgreSQL would refuse (it stores no NUL and no invalid UTF-8) is a
 * server bug: the text came from a request the server should have refused. */
static void fake_check_text(const char *s)
{
	FUZZ_CHECK(s != NULL);
	FUZZ_CHECK(utf8_check_text((const uint8_t *)s, strlen(s)) == RC_OK);
}

static char *fake_strdup(const char *s)
{
	char *copy = strdup(s);

	FUZZ_CHECK(copy != NULL);
	return copy;
}

int store_new(const char *conninfo, int statement_timeout_ms, unsigned worker_id, struct store **out)
{
	(void)conninfo;
	(void)statement_timeout_ms;
	(void)worker_id;
	*out = calloc(1, sizeof(**out));
	return *out ? RC_OK : RC_ERR_NOMEM;
}

void store_free(struct store *st)
{
	size_t i;

	if (st == NULL)
		return;
	for (i = 0; i < st->user_count; i++) {
		free(st->users[i].login);
		free(st->users[i].e_dec);
		free(st->users[i].n_dec);
		free(st->users[i].skeleton);
		free(st->users[i].from);
	}
	for (i = 0; i < st->message_count; i++) {
		free(st->messages[i].sender);
		free(st->messages[i].receiver);
		free(st->messages[i].content);
		free(st->messages[i].msg_id);
	}
	free(st->users);
	free(st->messages);
	free(st);
}

int store_ensure(struct store *st)
{
	return st->down ? RC_ERR_DB : RC_OK;
}

int store_connected(const struct store *st)
{
	return !st->down;
}

int64_t store_next_attempt_ms(const struct store *st)
{
	(void)st;
	return 0;
}

void fake_store_set_down(struct store *st, int down)
{
	st->down = down;
}

size_t fake_store_user_count(const struct store *st)
{
	return st->user_count;
}

const struct fake_user *fake_store_user(const struct store *st, size_t i)
{
	return i < st->user_count ? &st->users[i] : NULL;
}

size_t fake_store_message_count(const struct store *st)
{
	return st->message_count;
}

const struct fake_message *fake_store_message(const struct store *st, size_t i)
{
	return i < st->message_count ? &st->messages[i] : NULL;
}

static const struct fake_user *fake_find_login(const struct store *st, const char *login)
{
	size_t i;

	for (i = 0; i < st->user_count; i++)
		if (strcmp(st->users[i].login, login) == 0)
			return &st->users[i];
	return NULL;
}

static const struct fake_user *fake_find_key(const struct store *st, const char *e_dec, const char *n_dec)
{
	size_t i;

	for (i = 0; i < st->user_count; i++)
		if (strcmp(st->users[i].e_dec, e_dec) == 0 && strcmp(st->users[i].n_dec, n_dec) == 0)
			return &st->users[i];
	return NULL;
}

int store_find_login_by_key(struct store *st, const char *e_dec, const char *n_dec, char **login)
{
	const struct fake_user *u;

	*login = NULL;
	fake_check_text(e_dec);
	fake_check_text(n_dec);
	if (st->down)
		return RC_ERR_DB;
	if ((u = fake_find_key(st, e_dec, n_dec)) != NULL)
		*login = fake_strdup(u->login);
	return RC_OK;
}

static int fake_skeleton_taken(const struct store *st, const char *skeleton)
{
	for (size_t i = 0; i < st->user_count; i++)
		if (strcmp(st->users[i].skeleton, skeleton) == 0)
			return 1;
	return 0;
}

int store_insert_user(struct store *st, const char *login, const char *e_dec, const char *n_dec,
                      const struct store_registration *reg, int *inserted)
{
	struct fake_user *users;

	*inserted = 0;
	fake_check_text(login);
	fake_check_text(e_dec);
	fake_check_text(n_dec);
	fake_check_text(reg->skeleton);
	if (st->down)
		return RC_ERR_DB;
	if (fake_find_login(st, login) || fake_find_key(st, e_dec, n_dec) || fake_skeleton_taken(st, reg->skeleton))
		return RC_OK;
	users = realloc(st->users, (st->user_count + 1) * sizeof(*users));
	FUZZ_CHECK(users != NULL);
	st->users = users;
	users[st->user_count].login = fake_strdup(login);
	users[st->user_count].e_dec = fake_strdup(e_dec);
	users[st->user_count].n_dec = fake_strdup(n_dec);
	users[st->user_count].skeleton = fake_strdup(reg->skeleton);
	users[st->user_count].from = reg->from ? fake_strdup(reg->from) : NULL;
	st->user_count++;
	*inserted = 1;
	return RC_OK;
}

int store_user_exists(struct store *st, const char *login, int *exists)
{
	*exists = 0;
	fake_check_text(login);
	if (st->down)
		return RC_ERR_DB;
	*exists = fake_find_login(st, login) != NULL;
	return RC_OK;
}

/* Every registration counts as recent: a fuzz session lasts less than an hour. */
int store_count_recent_registrations(struct store *st, const char *from, long *count)
{
	*count = 0;
	fake_check_text(from);
	if (st->down)
		return RC_ERR_DB;
	for (size_t i = 0; i < st->user_count; i++)
		if (st->users[i].from && strcmp(st->users[i].from, from) == 0)
			++*count;
	return RC_OK;
}

int store_get_user(struct store *st, const char *login, store_user_fn fn, void *arg)
{
	const struct fake_user *u;

	fake_check_text(login);
	if (st->down)
		return RC_ERR_DB;
	u = fake_find_login(st, login);
	return u ? fn(arg, u->login, u->e_dec, u->n_dec) : RC_OK;
}

/* Every fake row is written by the dispatcher, with a skeleton. */
int store_list_unskeletoned_logins(struct store *st, store_user_fn fn, void *arg)
{
	(void)fn;
	(void)arg;
	return st->down ? RC_ERR_DB : RC_OK;
}

int store_list_other_users(struct store *st, const char *me, store_user_fn fn, void *arg)
{
	size_t i;
	int r;

	fake_check_text(me);
	if (st->down)
		return RC_ERR_DB;
	for (i = 0; i < st->user_count; i++)
		if (strcmp(st->users[i].login, me) != 0 &&
		    (r = fn(arg, st->users[i].login, st->users[i].e_dec, st->users[i].n_dec)) != 0)
			return r;
	return RC_OK;
}

/* store.c's history query: what `other` sent me (not self copies), and my
 * self copies of what I sent `other` (unless other is me). */
static int fake_in_history(const struct fake_message *m, const char *me, const char *other)
{
	return (strcmp(m->sender, other) == 0 && strcmp(m->receiver, me) == 0 && !m->self_copy) ||
	       (strcmp(me, other) != 0 && strcmp(m->sender, me) == 0 && strcmp(m->receiver, other) == 0 && m->self_copy);
}

/* Message i as a row; its id is i + 1, its time made up from i. */
static int fake_emit(const struct store *st, size_t i, store_message_row_fn fn, void *arg)
{
	const struct fake_message *m = &st->messages[i];
	char id[24], created_at[48];
	struct store_message row = { id, m->sender, m->self_copy ? m->receiver : m->sender, created_at, m->content };

	snprintf(id, sizeof(id), "%zu", i + 1);
	snprintf(created_at, sizeof(created_at), "2026-11-24T16:30:%02zu.%06zu", i % 60, i % 1000000);
	return fn(arg, &row);
}

/* A v1 history callback behind a row callback. */
struct fake_history_target {
	store_message_fn fn;
	void *arg;
};

static int fake_emit_history(void *arg, const struct store_message *m)
{
	struct fake_history_target *t = arg;

	return t->fn(t->arg, m->sender, m->created_at, m->content);
}

int store_list_history(struct store *st, const char *me, const char *other, store_message_fn fn, void *arg)
{
	struct fake_history_target target = { fn, arg };
	size_t i;
	int r;

	fake_check_text(me);
	fake_check_text(other);
	if (st->down)
		return RC_ERR_DB;
	for (i = 0; i < st->message_count; i++)
		if (fake_in_history(&st->messages[i], me, other) && (r = fake_emit(st, i, fake_emit_history, &target)) != 0)
			return r;
	return RC_OK;
}

int store_list_page(struct store *st, const char *me, const char *other, const struct store_page *page,
                    store_message_row_fn fn, void *arg)
{
	size_t i, first = 0, in_range = 0, taken = 0;
	int r;

	fake_check_text(me);
	fake_check_text(other);
	if (st->down)
		return RC_ERR_DB;
	FUZZ_CHECK(page->limit >= 1 && page->limit <= PROTO_PAGE_MAX_LIMIT);
	for (i = 0; i < st->message_count; i++)
		in_range += fake_in_history(&st->messages[i], me, other) && (int64_t)i + 1 > page->after_id &&
		            (int64_t)i + 1 < page->before_id;
	/* The newest `limit` of the range skip the older ones. */
	if (!page->oldest_first && in_range > (size_t)page->limit)
		first = in_range - (size_t)page->limit;
	for (i = 0, in_range = 0; i < st->message_count && taken < (size_t)page->limit; i++) {
		if (!fake_in_history(&st->messages[i], me, other) || (int64_t)i + 1 <= page->after_id ||
		    (int64_t)i + 1 >= page->before_id || in_range++ < first)
			continue;
		taken++;
		if ((r = fake_emit(st, i, fn, arg)) != 0)
			return r;
	}
	return RC_OK;
}

int fake_store_in_inbox(const struct fake_message *m, const char *me)
{
	return (strcmp(m->receiver, me) == 0 && !m->self_copy) ||
	       (strcmp(m->sender, me) == 0 && m->self_copy && strcmp(m->receiver, me) != 0);
}

int store_list_inbox(struct store *st, const char *me, int64_t after_id, int limit, store_message_row_fn fn,
                     void *arg)
{
	size_t i;
	int taken = 0, r;

	fake_check_text(me);
	if (st->down)
		return RC_ERR_DB;
	FUZZ_CHECK(limit >= 1 && limit <= PROTO_PAGE_MAX_LIMIT);
	for (i = 0; i < st->message_count && taken < limit; i++) {
		if ((int64_t)i + 1 <= after_id || !fake_store_in_inbox(&st->messages[i], me))
			continue;
		taken++;
		if ((r = fake_emit(st, i, fn, arg)) != 0)
			return r;
	}
	return RC_OK;
}

int store_last_message_id(struct store *st, const char *me, int64_t *id)
{
	*id = 0;
	fake_check_text(me);
	if (st->down)
		return RC_ERR_DB;
	for (size_t i = 0; i < st->message_count; i++)
		if (fake_store_in_inbox(&st->messages[i], me))
			*id = (int64_t)i + 1;
	return RC_OK;
}

/* The stored message named msg_id by sender, like the unique index of
 * migration 005. */
static const struct fake_message *fake_find_named(const struct store *st, const char *sender, const char *msg_id)
{
	for (size_t i = 0; i < st->message_count; i++)
		if (st->messages[i].msg_id && strcmp(st->messages[i].msg_id, msg_id) == 0 &&
		    strcmp(st->messages[i].sender, sender) == 0)
			return &st->messages[i];
	return NULL;
}

int store_insert_message(struct store *st, const struct store_outgoing *m, enum store_send_outcome *outcome)
{
	struct fake_message *messages;
	const struct fake_message *named;

	*outcome = STORE_SEND_NO_RECEIVER;
	fake_check_text(m->sender);
	fake_check_text(m->receiver);
	fake_check_text(m->content);
	if (m->msg_id)
		fake_check_text(m->msg_id);
	if (st->down)
		return RC_ERR_DB;
	/* The message table's foreign key: only registered users send. */
	FUZZ_CHECK(fake_find_login(st, m->sender) != NULL);
	if (m->msg_id && (named = fake_find_named(st, m->sender, m->msg_id)) != NULL) {
		*outcome = strcmp(named->content, m->content) == 0 && strcmp(named->receiver, m->receiver) == 0 &&
		                   named->self_copy == (m->self_copy != 0)
		                   ? STORE_SEND_DUPLICATE
		                   : STORE_SEND_REUSED;
		return RC_OK;
	}
	if (!fake_find_login(st, m->receiver))
		return RC_OK;
	messages = realloc(st->messages, (st->message_count + 1) * sizeof(*messages));
	FUZZ_CHECK(messages != NULL);
	st->messages = messages;
	messages[st->message_count].sender = fake_strdup(m->sender);
	messages[st->message_count].receiver = fake_strdup(m->receiver);
	messages[st->message_count].content = fake_strdup(m->content);
	messages[st->message_count].self_copy = m->self_copy != 0;
	messages[st->message_count].msg_id = m->msg_id ? fake_strdup(m->msg_id) : NULL;
	st->message_count++;
	*outcome = STORE_SEND_STORED;
	return RC_OK;
}
