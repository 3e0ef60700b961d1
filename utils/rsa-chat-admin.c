/* rsa-chat-admin: looks after the users of an rsa-chat database (the one
 * rsa-chat-migrate set up): lists them with their logins escaped (a
 * database taken over from the original server may hold any text), and
 * deletes one with its messages. */
#include "config.h"

#include <getopt.h>
#include <gmp.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "errors.h"
#include "fingerprint.h"
#include "login.h"
#include "protocol.h"
#include "rsa.h"
#include "secure.h"

#define PROG "rsa-chat-admin"

enum admin_exit {
	ADMIN_EXIT_OK = 0,
	ADMIN_EXIT_FAILURE = 1,
	ADMIN_EXIT_USAGE = 2,
};

/* Every user with what we know of its registration and its number of
 * messages (sent or received); registered_* come from migration 003. */
#define ADMIN_SQL_USERS                                                                                        \
	"SELECT u.id, u.login, u.open_exponent, u.module,"                                                     \
	" to_char(u.registered_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'), host(u.registered_from)," \
	" (SELECT count(*) FROM message m WHERE m.sender = u.login OR m.receiver = u.login)"                  \
	" FROM \"user\" u ORDER BY u.id"
#define ADMIN_SQL_FIND "SELECT id, login FROM \"user\" WHERE login = $1 OR id::text = $2"
#define ADMIN_SQL_DELETE_MESSAGES "DELETE FROM message WHERE sender = $1 OR receiver = $1"
#define ADMIN_SQL_DELETE_USER "DELETE FROM \"user\" WHERE id = $1::integer"

static void admin_usage(FILE *f)
{
	fprintf(f,
	        "Usage: " PROG " [--database CONNINFO] users\n"
	        "       " PROG " [--database CONNINFO] delete [--yes] LOGIN\n"
	        "       " PROG " [--database CONNINFO] delete [--yes] --id ID\n"
	        "Looks after the users of an rsa-chat database.\n"
	        "\n"
	        "  users               one line per user, tab-separated: id, login (escaped:\n"
	        "                      \\u{XXXX} for invisible and control characters and for\n"
	        "                      a space at either end, \\\\ for a backslash), key\n"
	        "                      fingerprint, registration time (UTC) and address ('-'\n"
	        "                      when not recorded), messages sent and received\n"
	        "  delete LOGIN        deletes the user of exactly this login and every message\n"
	        "                      it sent or received; without --yes only says what it\n"
	        "                      would delete\n"
	        "      --id ID         the user by its id (for logins hard to type)\n"
	        "  -y, --yes           really delete\n"
	        "      --database CONNINFO  libpq connection string or URI (default:\n"
	        "                      $DATABASE_URL, else the PG* environment variables)\n"
	        "  -h, --help          show this help\n"
	        "  -V, --version       show the version\n");
}

static PGconn *admin_connect(const char *conninfo)
{
	const char *keys[] = { "dbname", "application_name", NULL };
	const char *values[] = { conninfo ? conninfo : "", PROG, NULL };
	PGconn *pg = PQconnectdbParams(keys, values, 1);

	if (!pg || PQstatus(pg) != CONNECTION_OK) {
		fprintf(stderr, PROG ": cannot connect to the database: %s", pg ? PQerrorMessage(pg) : "out of memory\n");
		PQfinish(pg);
		return NULL;
	}
	return pg;
}

/* Runs sql; NULL (reported) unless it gave want. */
static PGresult *admin_exec(PGconn *pg, const char *sql, int nparams, const char *const *params, ExecStatusType want)
{
	PGresult *res = PQexecParams(pg, sql, nparams, NULL, params, NULL, NULL, 0);

	if (res && PQresultStatus(res) == want)
		return res;
	fprintf(stderr, PROG ": %s", res ? PQresultErrorMessage(res) : PQerrorMessage(pg));
	if (strstr(sql, "registered_at"))
		fprintf(stderr, PROG ": (are the migrations applied? run rsa-chat-migrate)\n");
	PQclear(res);
	return NULL;
}

/* A stored key's fingerprint, or "-" when the row holds no decimal key. */
static void admin_fingerprint(const char *e_dec, const char *n_dec, char out[FINGERPRINT_MAX])
{
	if (fingerprint_decimal(e_dec, strlen(e_dec), n_dec, strlen(n_dec), out) != RC_OK)
		snprintf(out, FINGERPRINT_MAX, "-");
}

/* A login as it is safe to print; NULL login (the original allowed it) is "-". */
static char *admin_escape(PGresult *res, int row, int col)
{
	char *out = NULL;

	if (PQgetisnull(res, row, col))
		return strdup("-");
	if (login_escape(PQgetvalue(res, row, col), (size_t)PQgetlength(res, row, col), &out) != RC_OK)
		return NULL;
	return out;
}

static const char *admin_value(PGresult *res, int row, int col)
{
	return PQgetisnull(res, row, col) ? "-" : PQgetvalue(res, row, col);
}

static int admin_users(PGconn *pg)
{
	PGresult *res = admin_exec(pg, ADMIN_SQL_USERS, 0, NULL, PGRES_TUPLES_OK);
	char fp[FINGERPRINT_MAX];

	if (!res)
		return ADMIN_EXIT_FAILURE;
	printf("id\tlogin\tfingerprint\tregistered\tfrom\tmessages\n");
	for (int i = 0; i < PQntuples(res); i++) {
		char *login = admin_escape(res, i, 1);

		if (!login) {
			fprintf(stderr, PROG ": out of memory\n");
			PQclear(res);
			return ADMIN_EXIT_FAILURE;
		}
		admin_fingerprint(admin_value(res, i, 2), admin_value(res, i, 3), fp);
		printf("%s\t%s\t%s\t%s\t%s\t%s\n", PQgetvalue(res, i, 0), login, fp, admin_value(res, i, 4),
		       admin_value(res, i, 5), PQgetvalue(res, i, 6));
		free(login);
	}
	PQclear(res);
	return ADMIN_EXIT_OK;
}

/* Deletes the user and its messages in one transaction. */
static int admin_delete_rows(PGconn *pg, const char *id, const char *login)
{
	const char *login_param[] = { login }, *id_param[] = { id };
	PGresult *begin = admin_exec(pg, "BEGIN", 0, NULL, PGRES_COMMAND_OK), *messages = NULL, *user = NULL,
	         *commit = NULL;
	int ok;

	if (begin && (messages = admin_exec(pg, ADMIN_SQL_DELETE_MESSAGES, 1, login_param, PGRES_COMMAND_OK)) &&
	    (user = admin_exec(pg, ADMIN_SQL_DELETE_USER, 1, id_param, PGRES_COMMAND_OK)))
		commit = admin_exec(pg, "COMMIT", 0, NULL, PGRES_COMMAND_OK);
	ok = commit != NULL;
	if (ok)
		printf("deleted user %s and %s message(s)\n", id, PQcmdTuples(messages));
	PQclear(begin);
	PQclear(messages);
	PQclear(user);
	PQclear(commit);
	return ok ? ADMIN_EXIT_OK : ADMIN_EXIT_FAILURE;
}

/* by_id: target is an id, else the exact login. */
static int admin_delete(PGconn *pg, const char *target, int by_id, int yes)
{
	const char *params[] = { by_id ? NULL : target, by_id ? target : NULL };
	PGresult *res = admin_exec(pg, ADMIN_SQL_FIND, 2, params, PGRES_TUPLES_OK);
	char *shown;
	int status;

	if (!res)
		return ADMIN_EXIT_FAILURE;
	if (PQntuples(res) != 1) {
		fprintf(stderr, PROG ": no such user\n");
		PQclear(res);
		return ADMIN_EXIT_FAILURE;
	}
	shown = admin_escape(res, 0, 1);
	if (!shown) {
		PQclear(res);
		return ADMIN_EXIT_FAILURE;
	}
	if (!yes) {
		printf("would delete user %s (login %s) and its messages; add --yes to do it\n", PQgetvalue(res, 0, 0),
		       shown);
		status = ADMIN_EXIT_USAGE;
	} else if (PQgetisnull(res, 0, 1)) {
		fprintf(stderr, PROG ": user %s has no login; delete it with psql\n", PQgetvalue(res, 0, 0));
		status = ADMIN_EXIT_FAILURE;
	} else {
		status = admin_delete_rows(pg, PQgetvalue(res, 0, 0), PQgetvalue(res, 0, 1));
	}
	free(shown);
	PQclear(res);
	return status;
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{ "database", required_argument, NULL, 'd' },
		{ "id", required_argument, NULL, 'i' },
		{ "yes", no_argument, NULL, 'y' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	const char *conninfo = getenv("DATABASE_URL"), *id = NULL, *cmd;
	int opt, yes = 0, status;
	PGconn *pg;

	while ((opt = getopt_long(argc, argv, "yhV", opts, NULL)) != -1) {
		switch (opt) {
		case 'd': conninfo = optarg; break;
		case 'i': id = optarg; break;
		case 'y': yes = 1; break;
		case 'h': admin_usage(stdout); return ADMIN_EXIT_OK;
		case 'V': printf(PROG " (rsa-chat) %s\n", PACKAGE_VERSION); return ADMIN_EXIT_OK;
		default: fprintf(stderr, "Try '" PROG " --help'.\n"); return ADMIN_EXIT_USAGE;
		}
	}
	cmd = optind < argc ? argv[optind] : NULL;
	if (!cmd || (strcmp(cmd, "users") == 0 && (argc - optind != 1 || id || yes)) ||
	    (strcmp(cmd, "delete") == 0 && argc - optind != (id ? 1 : 2)) ||
	    (strcmp(cmd, "users") != 0 && strcmp(cmd, "delete") != 0)) {
		admin_usage(stderr);
		return ADMIN_EXIT_USAGE;
	}
	if (secure_init() != RC_OK) {
		fprintf(stderr, PROG ": cannot initialise libsodium\n");
		return ADMIN_EXIT_FAILURE;
	}
	pg = admin_connect(conninfo);
	if (!pg)
		return ADMIN_EXIT_FAILURE;
	if (strcmp(cmd, "users") == 0)
		status = admin_users(pg);
	else
		status = admin_delete(pg, id ? id : argv[optind + 1], id != NULL, yes);
	PQfinish(pg);
	return status;
}
