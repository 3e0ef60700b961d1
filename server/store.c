/* SQL lives here and only here, as constant prepared statements with
 * parameters. All statements are single statements in autocommit mode, so
 * a result means the row is committed (send_message answers "sent" only
 * after that). */
#include "config.h"

#include "store.h"

#include <errno.h>
#include <libpq-fe.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "errors.h"
#include "log.h"
#include "event_loop.h"

/* Type OIDs from PostgreSQL's pg_type.dat (stable across versions). */
#define STORE_OID_BOOL 16
#define STORE_OID_TEXT 25
#define STORE_OID_INT4 23
#define STORE_OID_INT8 20

enum store_stmt {
	STMT_FIND_LOGIN_BY_KEY,
	STMT_INSERT_USER,
	STMT_USER_EXISTS,
	STMT_COUNT_RECENT_REGISTRATIONS,
	STMT_LIST_OTHER_USERS,
	STMT_GET_USER,
	STMT_LIST_UNSKELETONED_LOGINS,
	STMT_LIST_HISTORY,
	STMT_INSERT_MESSAGE,
	STMT_SAME_NAMED_MESSAGE,
	STMT_LIST_PAGE_NEWEST,
	STMT_LIST_PAGE_OLDEST,
	STMT_LIST_INBOX,
	STMT_LAST_MESSAGE_ID,
	STMT_COUNT,
};

struct store_statement {
	const char *name;
	const char *sql;
	int nparams;
	Oid types[5];
};

/* A page of a conversation: $1 = me, $2 = other, ids in ($3, $4), $5
 * rows, the first of the range in ORDER (" DESC": the newest), given back
 * ascending. list_history's two halves, each walked down
 * message_history_idx (migration 002) from the end it wants. */
#define STORE_PAGE_SQL(ORDER) \
	"SELECT id, sender, receiver, to_char(created_on, 'YYYY-MM-DD\"T\"HH24:MI:SS.US'), content FROM (" \
	"(SELECT * FROM message WHERE sender = $2 AND receiver = $1 AND self_copy IS NOT TRUE" \
	" AND id > $3 AND id < $4 ORDER BY id" ORDER " LIMIT $5)" \
	" UNION ALL (SELECT * FROM message WHERE $1 <> $2 AND sender = $1 AND receiver = $2 AND self_copy IS TRUE" \
	" AND id > $3 AND id < $4 ORDER BY id" ORDER " LIMIT $5)" \
	" ORDER BY id" ORDER " LIMIT $5) page ORDER BY id"

static const struct store_statement store_statements[STMT_COUNT] = {
	/* The digest comparison uses the unique index user_key_digest_key
	 * (migration 002); the text comparison makes a collision harmless. */
	[STMT_FIND_LOGIN_BY_KEY] = { "find_login_by_key",
		"SELECT login FROM \"user\""
		" WHERE md5(open_exponent || ':' || module) = md5($1 || ':' || $2)"
		" AND open_exponent = $1 AND module = $2 AND login IS NOT NULL LIMIT 1",
		2, { STORE_OID_TEXT, STORE_OID_TEXT } },
	/* A taken login, skeleton or key conflicts with a unique index: no row
	 * back. registered_at takes its default (migration 003). */
	[STMT_INSERT_USER] = { "insert_user",
		"INSERT INTO \"user\" (login, open_exponent, module, login_skeleton, registered_from)"
		" VALUES ($1, $2, $3, $4, $5::inet) ON CONFLICT DO NOTHING RETURNING id",
		5, { STORE_OID_TEXT, STORE_OID_TEXT, STORE_OID_TEXT, STORE_OID_TEXT, STORE_OID_TEXT } },
	[STMT_USER_EXISTS] = { "user_exists",
		"SELECT 1 FROM \"user\" WHERE login = $1",
		1, { STORE_OID_TEXT } },
	/* Uses user_registered_from_idx (migration 003). */
	[STMT_COUNT_RECENT_REGISTRATIONS] = { "count_recent_registrations",
		"SELECT count(*) FROM \"user\""
		" WHERE registered_from = $1::inet AND registered_at > now() - interval '1 hour'",
		1, { STORE_OID_TEXT } },
	[STMT_LIST_OTHER_USERS] = { "list_other_users",
		"SELECT login, open_exponent, module FROM \"user\""
		" WHERE login IS NOT NULL AND login <> $1 ORDER BY id",
		1, { STORE_OID_TEXT } },
	[STMT_GET_USER] = { "get_user",
		"SELECT login, open_exponent, module FROM \"user\" WHERE login = $1",
		1, { STORE_OID_TEXT } },
	[STMT_LIST_UNSKELETONED_LOGINS] = { "list_unskeletoned_logins",
		"SELECT login, '', '' FROM \"user\" WHERE login IS NOT NULL AND login_skeleton IS NULL",
		0, { 0 } },
	/* $1 = me, $2 = other: what other sent me (not self copies) and the
	 * self copies of what I sent other, in insertion (id) order. In a chat
	 * with oneself both halves would list every message twice (once per
	 * copy, both readable by me); we keep the first half only. */
	[STMT_LIST_HISTORY] = { "list_history",
		"SELECT sender, to_char(created_on, 'YYYY-MM-DD\"T\"HH24:MI:SS.US'), content FROM message"
		" WHERE (sender = $2 AND receiver = $1 AND self_copy IS NOT TRUE)"
		" OR ($1 <> $2 AND sender = $1 AND receiver = $2 AND self_copy IS TRUE)"
		" ORDER BY id",
		2, { STORE_OID_TEXT, STORE_OID_TEXT } },
	/* The notification is sent when the insert commits (one statement in
	 * autocommit): its payload is the login whose waiters should look, the
	 * receiver, or the sender of a self copy. A notification payload must
	 * stay under 8000 bytes: a longer login wakes everyone (""). A named
	 * message already stored (migration 005's unique index) returns no row,
	 * so it is neither stored nor announced again. */
	[STMT_INSERT_MESSAGE] = { "insert_message",
		"WITH ins AS (INSERT INTO message (content, sender, receiver, self_copy, msg_id)"
		" SELECT $1, $2, $3, $4, $5 WHERE EXISTS (SELECT 1 FROM \"user\" WHERE login = $3)"
		" ON CONFLICT (sender, msg_id) WHERE msg_id IS NOT NULL DO NOTHING"
		" RETURNING id, CASE WHEN self_copy THEN sender ELSE receiver END AS reader)"
		" SELECT id, pg_notify('" STORE_NOTIFY_CHANNEL "',"
		" CASE WHEN octet_length(reader) > 7000 THEN '' ELSE reader END) FROM ins",
		5, { STORE_OID_TEXT, STORE_OID_TEXT, STORE_OID_TEXT, STORE_OID_BOOL, STORE_OID_TEXT } },
	/* After an insert that stored nothing: whether (sender $1, msg_id $2)
	 * holds this very message. A new statement sees what a racing insert
	 * committed (the conflict waited for that commit). */
	[STMT_SAME_NAMED_MESSAGE] = { "same_named_message",
		"SELECT content = $3 AND receiver = $4 AND self_copy IS NOT DISTINCT FROM $5 FROM message"
		" WHERE sender = $1 AND msg_id = $2",
		5, { STORE_OID_TEXT, STORE_OID_TEXT, STORE_OID_TEXT, STORE_OID_TEXT, STORE_OID_BOOL } },
	[STMT_LIST_PAGE_NEWEST] = { "list_page_newest", STORE_PAGE_SQL(" DESC"), 5,
		{ STORE_OID_TEXT, STORE_OID_TEXT, STORE_OID_INT8, STORE_OID_INT8, STORE_OID_INT4 } },
	[STMT_LIST_PAGE_OLDEST] = { "list_page_oldest", STORE_PAGE_SQL(""), 5,
		{ STORE_OID_TEXT, STORE_OID_TEXT, STORE_OID_INT8, STORE_OID_INT8, STORE_OID_INT4 } },
	/* $1 = me, after $2, $3 rows: what others sent me, and my self copies
	 * of what I sent others (a self copy to myself is the message itself,
	 * listed once as in list_history). Each half walks its index of
	 * migration 004, as last_message_id's two maxima do. */
	[STMT_LIST_INBOX] = { "list_inbox",
		"SELECT id, sender, peer, to_char(created_on, 'YYYY-MM-DD\"T\"HH24:MI:SS.US'), content FROM ("
		"(SELECT id, sender, sender AS peer, created_on, content FROM message"
		" WHERE receiver = $1 AND self_copy IS NOT TRUE AND id > $2 ORDER BY id LIMIT $3)"
		" UNION ALL (SELECT id, sender, receiver, created_on, content FROM message"
		" WHERE sender = $1 AND self_copy IS TRUE AND receiver <> $1 AND id > $2 ORDER BY id LIMIT $3)"
		" ORDER BY id LIMIT $3) inbox ORDER BY id",
		3, { STORE_OID_TEXT, STORE_OID_INT8, STORE_OID_INT4 } },
	[STMT_LAST_MESSAGE_ID] = { "last_message_id",
		"SELECT coalesce(greatest("
		"(SELECT max(id) FROM message WHERE receiver = $1 AND self_copy IS NOT TRUE),"
		" (SELECT max(id) FROM message WHERE sender = $1 AND self_copy IS TRUE AND receiver <> $1)), 0)",
		1, { STORE_OID_TEXT } },
};

struct store {
	char *conninfo;
	int statement_timeout_ms;  /* 0: none */
	unsigned worker_id;
	PGconn *pg;
	int64_t next_attempt_ms;
	int backoff_ms;
	int warned_down;       /* logged that the database is unreachable */
};

int store_new(const char *conninfo, int statement_timeout_ms, unsigned worker_id, struct store **out)
{
	struct store *st;

	*out = NULL;
	st = calloc(1, sizeof *st);
	if (!st)
		return RC_ERR_NOMEM;
	st->conninfo = strdup(conninfo ? conninfo : "");
	if (!st->conninfo) {
		free(st);
		return RC_ERR_NOMEM;
	}
	st->statement_timeout_ms = statement_timeout_ms;
	st->worker_id = worker_id;
	st->backoff_ms = STORE_BACKOFF_MIN_MS;
	*out = st;
	return RC_OK;
}

static void store_disconnect(struct store *st)
{
	if (st->pg) {
		PQfinish(st->pg);
		st->pg = NULL;
	}
}

void store_free(struct store *st)
{
	if (!st)
		return;
	store_disconnect(st);
	free(st->conninfo);
	free(st);
}

int store_connected(const struct store *st)
{
	return st->pg != NULL;
}

int64_t store_next_attempt_ms(const struct store *st)
{
	return st->next_attempt_ms;
}

void store_retry_now(struct store *st)
{
	st->next_attempt_ms = 0;
	st->backoff_ms = STORE_BACKOFF_MIN_MS;
}

int store_message_len(const char *message)
{
	size_t len = strlen(message);

	while (len > 0 && (message[len - 1] == '\n' || message[len - 1] == ' '))
		len--;
	return (int)len;
}

static void store_log_failure(struct store *st, const char *what, const char *message)
{
	log_warn(0, "worker %u: %s: %.*s", st->worker_id, what, store_message_len(message), message);
}

/* The database cancels a statement running past the timeout itself
 * (a lock held elsewhere, a slow disk); see also store_wait. */
static int store_set_statement_timeout(struct store *st)
{
	char ms[24];
	const char *params[] = { ms };
	PGresult *res;
	int ok;

	snprintf(ms, sizeof ms, "%d", st->statement_timeout_ms);
	res = PQexecParams(st->pg, "SELECT set_config('statement_timeout', $1, false)", 1, NULL, params, NULL,
	                   NULL, 0);
	ok = res && PQresultStatus(res) == PGRES_TUPLES_OK;
	if (!ok && !st->warned_down)
		store_log_failure(st, "setting the statement timeout",
		                  res ? PQresultErrorMessage(res) : PQerrorMessage(st->pg));
	PQclear(res);
	return ok ? RC_OK : RC_ERR_DB;
}

static int store_prepare_all(struct store *st)
{
	for (int i = 0; i < STMT_COUNT; i++) {
		const struct store_statement *s = &store_statements[i];
		PGresult *res = PQprepare(st->pg, s->name, s->sql, s->nparams, s->types);
		int ok = res && PQresultStatus(res) == PGRES_COMMAND_OK;

		/* Logged once per outage, like an unreachable database: a
		 * database without the migrations would otherwise flood the log
		 * at every retry of every worker. */
		if (!ok && !st->warned_down)
			store_log_failure(st, "preparing statements (are the migrations applied?)",
			                  res ? PQresultErrorMessage(res) : PQerrorMessage(st->pg));
		PQclear(res);
		if (!ok)
			return RC_ERR_DB;
	}
	return RC_OK;
}

static void store_schedule_retry(struct store *st)
{
	st->next_attempt_ms = clock_now_ms() + st->backoff_ms;
	st->backoff_ms = clock_backoff_next(st->backoff_ms, STORE_BACKOFF_MAX_MS);
}

/* A connection whose server went away (restart, admin shutdown) has input
 * waiting while idle; reading it tells libpq the connection is dead, so
 * we reconnect before a query rather than failing the query. */
static void store_drop_if_dead(struct store *st)
{
	struct pollfd p;

	if (!st->pg)
		return;
	p.fd = PQsocket(st->pg);
	p.events = POLLIN;
	p.revents = 0;
	/* A server shutting down sends a FATAL message, then closes: the first
	 * read takes the message, only a second one meets the end. */
	for (int reads = 0; reads < 2 && p.fd >= 0 && poll(&p, 1, 0) > 0 && PQstatus(st->pg) == CONNECTION_OK; reads++)
		PQconsumeInput(st->pg);
	if (PQstatus(st->pg) != CONNECTION_OK) {
		log_warn(0, "worker %u: lost the database connection", st->worker_id);
		store_disconnect(st);
		st->next_attempt_ms = 0;
	}
}

int store_ensure(struct store *st)
{
	/* TCP keepalives notice a database host that vanished without a word
	 * (a worker would otherwise wait on it for as long as TCP retries). */
	const char *keys[] = { "connect_timeout", "keepalives_idle", "keepalives_interval", "keepalives_count",
	                       "application_name", "dbname", NULL };
	const char *values[] = { STORE_CONNECT_TIMEOUT_S, "30", "10", "3", "rsa-chat-server", st->conninfo, NULL };

	store_drop_if_dead(st);
	if (st->pg)
		return RC_OK;
	if (clock_now_ms() < st->next_attempt_ms)
		return RC_ERR_DB;
	/* dbname is expanded as a conninfo string or URI; its settings
	 * override the defaults before it. */
	st->pg = PQconnectdbParams(keys, values, 1);
	if (!st->pg || PQstatus(st->pg) != CONNECTION_OK) {
		if (!st->warned_down)
			store_log_failure(st, "database unavailable, retrying",
			                  st->pg ? PQerrorMessage(st->pg) : "out of memory");
		st->warned_down = 1;
		store_disconnect(st);
		store_schedule_retry(st);
		return RC_ERR_DB;
	}
	if (store_set_statement_timeout(st) != RC_OK || store_prepare_all(st) != RC_OK) {
		st->warned_down = 1;
		store_disconnect(st);
		store_schedule_retry(st);
		return RC_ERR_DB;
	}
	if (st->warned_down)
		log_info(0, "worker %u: database connection restored", st->worker_id);
	st->warned_down = 0;
	st->backoff_ms = STORE_BACKOFF_MIN_MS;
	return RC_OK;
}

/* The result of the statement just sent (NULL when the connection
 * failed). A database that does not answer within its own statement
 * timeout plus STORE_TIMEOUT_GRACE_MS (a hung host, a stopped server) is
 * given up: RC_ERR_TIMEOUT, and the caller drops the connection. */
static int store_wait(struct store *st, PGresult **out)
{
	int64_t deadline = st->statement_timeout_ms ? clock_now_ms() + st->statement_timeout_ms + STORE_TIMEOUT_GRACE_MS
	                                            : 0;
	PGresult *r;

	*out = NULL;
	while (PQisBusy(st->pg)) {
		struct pollfd p = { PQsocket(st->pg), POLLIN, 0 };
		int64_t left = deadline ? deadline - clock_now_ms() : -1;

		if (deadline && left <= 0)
			return RC_ERR_TIMEOUT;
		if (poll(&p, 1, (int)left) < 0 && errno != EINTR)
			return RC_ERR_IO;
		if (!PQconsumeInput(st->pg))
			return RC_ERR_IO;
	}
	/* One statement, one result; the NULL after it ends the query. */
	while ((r = PQgetResult(st->pg)) != NULL) {
		PQclear(*out);
		*out = r;
	}
	return RC_OK;
}

/* Runs a prepared statement; *res holds its tuples on success (caller clears). */
static int store_exec(struct store *st, enum store_stmt which, const char *const *params, PGresult **res)
{
	const struct store_statement *s = &store_statements[which];
	PGresult *r = NULL;
	int waited = RC_ERR_IO;

	*res = NULL;
	if (store_ensure(st) != RC_OK)
		return RC_ERR_DB;
	if (PQsendQueryPrepared(st->pg, s->name, s->nparams, params, NULL, NULL, 0))
		waited = store_wait(st, &r);
	if (waited == RC_OK && r && PQresultStatus(r) == PGRES_TUPLES_OK) {
		*res = r;
		return RC_OK;
	}
	if (waited == RC_ERR_TIMEOUT) {
		log_warn(0, "worker %u: %s: no answer from the database in %d ms; reconnecting later", st->worker_id,
		         s->name, st->statement_timeout_ms + STORE_TIMEOUT_GRACE_MS);
		PQclear(r);
		store_disconnect(st);
		store_schedule_retry(st);
		return RC_ERR_DB;
	}
	store_log_failure(st, s->name, r ? PQresultErrorMessage(r) : PQerrorMessage(st->pg));
	PQclear(r);
	if (PQstatus(st->pg) != CONNECTION_OK) {
		store_disconnect(st);
		st->next_attempt_ms = 0;
	}
	return RC_ERR_DB;
}

int store_find_login_by_key(struct store *st, const char *e_dec, const char *n_dec, char **login)
{
	const char *params[] = { e_dec, n_dec };
	PGresult *res;
	int r;

	*login = NULL;
	if ((r = store_exec(st, STMT_FIND_LOGIN_BY_KEY, params, &res)) != RC_OK)
		return r;
	if (PQntuples(res) > 0) {
		*login = strdup(PQgetvalue(res, 0, 0));
		if (!*login)
			r = RC_ERR_NOMEM;
	}
	PQclear(res);
	return r;
}

/* Runs a statement and tells whether it returned a row. */
static int store_exec_found(struct store *st, enum store_stmt which, const char *const *params, int *found)
{
	PGresult *res;
	int r;

	*found = 0;
	if ((r = store_exec(st, which, params, &res)) != RC_OK)
		return r;
	*found = PQntuples(res) > 0;
	PQclear(res);
	return RC_OK;
}

/* Runs a statement of three columns and hands each row to fn. */
static int store_exec_rows(struct store *st, enum store_stmt which, const char *const *params,
                           int (*fn)(void *, const char *, const char *, const char *), void *arg)
{
	PGresult *res;
	int r;

	if ((r = store_exec(st, which, params, &res)) != RC_OK)
		return r;
	for (int i = 0; i < PQntuples(res) && r == RC_OK; i++)
		r = fn(arg, PQgetvalue(res, i, 0), PQgetvalue(res, i, 1), PQgetvalue(res, i, 2));
	PQclear(res);
	return r;
}

int store_insert_user(struct store *st, const char *login, const char *e_dec, const char *n_dec,
                      const struct store_registration *reg, int *inserted)
{
	const char *params[] = { login, e_dec, n_dec, reg->skeleton, reg->from };

	return store_exec_found(st, STMT_INSERT_USER, params, inserted);
}

/* Runs a statement that answers one number. */
static int store_exec_number(struct store *st, enum store_stmt which, const char *const *params, long long *value)
{
	PGresult *res;
	int r;

	*value = 0;
	if ((r = store_exec(st, which, params, &res)) != RC_OK)
		return r;
	if (PQntuples(res) == 1)
		*value = strtoll(PQgetvalue(res, 0, 0), NULL, 10);
	PQclear(res);
	return RC_OK;
}

int store_count_recent_registrations(struct store *st, const char *from, long *count)
{
	const char *params[] = { from };
	long long value;
	int r = store_exec_number(st, STMT_COUNT_RECENT_REGISTRATIONS, params, &value);

	*count = (long)value;
	return r;
}

int store_user_exists(struct store *st, const char *login, int *exists)
{
	const char *params[] = { login };

	return store_exec_found(st, STMT_USER_EXISTS, params, exists);
}

int store_list_other_users(struct store *st, const char *me, store_user_fn fn, void *arg)
{
	const char *params[] = { me };

	return store_exec_rows(st, STMT_LIST_OTHER_USERS, params, fn, arg);
}

int store_get_user(struct store *st, const char *login, store_user_fn fn, void *arg)
{
	const char *params[] = { login };

	return store_exec_rows(st, STMT_GET_USER, params, fn, arg);
}

int store_list_unskeletoned_logins(struct store *st, store_user_fn fn, void *arg)
{
	return store_exec_rows(st, STMT_LIST_UNSKELETONED_LOGINS, NULL, fn, arg);
}

int store_list_history(struct store *st, const char *me, const char *other, store_message_fn fn, void *arg)
{
	const char *params[] = { me, other };

	return store_exec_rows(st, STMT_LIST_HISTORY, params, fn, arg);
}

/* The outcome of an insert of a named message that stored nothing. */
static int store_named_outcome(struct store *st, const struct store_outgoing *m, enum store_send_outcome *outcome)
{
	const char *params[] = { m->sender, m->msg_id, m->content, m->receiver, m->self_copy ? "t" : "f" };
	PGresult *res;
	int r;

	if ((r = store_exec(st, STMT_SAME_NAMED_MESSAGE, params, &res)) != RC_OK)
		return r;
	if (PQntuples(res) == 0)
		*outcome = STORE_SEND_NO_RECEIVER;
	else
		*outcome = strcmp(PQgetvalue(res, 0, 0), "t") == 0 ? STORE_SEND_DUPLICATE : STORE_SEND_REUSED;
	PQclear(res);
	return RC_OK;
}

int store_insert_message(struct store *st, const struct store_outgoing *m, enum store_send_outcome *outcome)
{
	const char *params[] = { m->content, m->sender, m->receiver, m->self_copy ? "t" : "f", m->msg_id };
	int stored, r;

	*outcome = STORE_SEND_NO_RECEIVER;
	if ((r = store_exec_found(st, STMT_INSERT_MESSAGE, params, &stored)) != RC_OK)
		return r;
	if (stored)
		*outcome = STORE_SEND_STORED;
	else if (m->msg_id)
		r = store_named_outcome(st, m, outcome);
	return r;
}

/* Runs a statement of the five columns of struct store_message. */
static int store_exec_messages(struct store *st, enum store_stmt which, const char *const *params,
                               store_message_row_fn fn, void *arg)
{
	PGresult *res;
	int r;

	if ((r = store_exec(st, which, params, &res)) != RC_OK)
		return r;
	for (int i = 0; i < PQntuples(res) && r == RC_OK; i++) {
		struct store_message m = { PQgetvalue(res, i, 0), PQgetvalue(res, i, 1), PQgetvalue(res, i, 2),
		                           PQgetvalue(res, i, 3), PQgetvalue(res, i, 4) };

		r = fn(arg, &m);
	}
	PQclear(res);
	return r;
}

int store_list_page(struct store *st, const char *me, const char *other, const struct store_page *page,
                    store_message_row_fn fn, void *arg)
{
	char after[24], before[24], limit[16];
	const char *params[] = { me, other, after, before, limit };

	snprintf(after, sizeof after, "%lld", (long long)page->after_id);
	snprintf(before, sizeof before, "%lld", (long long)page->before_id);
	snprintf(limit, sizeof limit, "%d", page->limit);
	return store_exec_messages(st, page->oldest_first ? STMT_LIST_PAGE_OLDEST : STMT_LIST_PAGE_NEWEST, params,
	                           fn, arg);
}

int store_list_inbox(struct store *st, const char *me, int64_t after_id, int limit, store_message_row_fn fn,
                     void *arg)
{
	char after[24], rows[16];
	const char *params[] = { me, after, rows };

	snprintf(after, sizeof after, "%lld", (long long)after_id);
	snprintf(rows, sizeof rows, "%d", limit);
	return store_exec_messages(st, STMT_LIST_INBOX, params, fn, arg);
}

int store_last_message_id(struct store *st, const char *me, int64_t *id)
{
	const char *params[] = { me };
	long long value;
	int r = store_exec_number(st, STMT_LAST_MESSAGE_ID, params, &value);

	*id = value;
	return r;
}
