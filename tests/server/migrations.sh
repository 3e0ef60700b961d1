#!/bin/sh
# Migrations: an empty database (done by rc_pg_start), a second run that
# applies nothing, a database laid out by the original server WITH rows
# (rows survive, the server serves those users; 003 leaves their
# registration record empty and their logins still block look-alikes), and
# a database with duplicate logins (the migration stops and lists them,
# changing nothing).
. "$top_srcdir/tests/lib/harness.sh"

MIGRATE="$top_srcdir/utils/rsa-chat-migrate"
rc_pg_start
rc_expect "empty database: every migration applied" "001_original_schema
002_integrity
003_registrations
004_sync
005_msg_id" "$(rc_psql -A -t -c 'SELECT version FROM schema_migrations ORDER BY version')"
"$MIGRATE" --database "$DATABASE_URL" --dir "$top_srcdir/migrations" 2>"$RC_TMP/again.log" ||
	rc_fail "second run failed"
rc_expect "second run applies nothing" "rsa-chat-migrate: 0 migration(s) applied, database is up to date" \
	"$(cat "$RC_TMP/again.log")"

for u in alice bob carol; do
	rc_genkey 1024 "$RC_TMP/$u"
done
key_part() {
	sed -n "s/^$2 \([0-9]*\)$/\1/p" "$RC_TMP/$1"
}
legacy_url="postgresql://postgres@127.0.0.1:$PGPORT/legacy"

# The original's tables, created the way it created them, with its data.
original_layout() {
	rc_psql -c "CREATE DATABASE $1"
	"$PG_BINDIR/psql" -X -q -v ON_ERROR_STOP=1 -d "postgresql://postgres@127.0.0.1:$PGPORT/$1" <<SQL || rc_fail "original layout"
CREATE TABLE "user" (id serial PRIMARY KEY, login varchar(255), open_exponent text, module text,
	created_on timestamp DEFAULT now());
CREATE TABLE message (id serial PRIMARY KEY, content text, sender varchar(255), receiver varchar(255),
	created_on timestamp DEFAULT now(), self_copy boolean DEFAULT false);
INSERT INTO "user" (login, open_exponent, module) VALUES
	('alice', '$(key_part alice e)', '$(key_part alice n)'),
	('bob', '$(key_part bob e)', '$(key_part bob n)');
INSERT INTO message (content, sender, receiver, self_copy, created_on) VALUES
	('old b1', 'bob', 'alice', false, '2021-10-28 19:37:38.46367'),
	('old b1 self', 'bob', 'alice', true, '2021-10-28 19:37:38.5'),
	('old a1', 'alice', 'bob', false, '2021-10-28 19:38:00');
SQL
}
original_layout legacy
"$MIGRATE" --database "$legacy_url" --dir "$top_srcdir/migrations" 2>"$RC_TMP/legacy.log" ||
	rc_fail "migrating the original's database failed: $(cat "$RC_TMP/legacy.log")"
legacy_psql() {
	"$PG_BINDIR/psql" -X -q -A -t -v ON_ERROR_STOP=1 -d "$legacy_url" "$@"
}
rc_expect "rows survive" "2 3" "$(legacy_psql -c 'SELECT (SELECT count(*) FROM "user") || $$ $$ || (SELECT count(*) FROM message)')"
rc_expect "unique indexes exist" "user_key_digest_key
user_login_key
user_login_skeleton_key" "$(legacy_psql -c "SELECT indexname FROM pg_indexes WHERE tablename = 'user' AND indexdef LIKE 'CREATE UNIQUE%' AND indexname <> 'user_pkey' ORDER BY 1")"

rc_server_start --database "$legacy_url"
TC="$top_builddir/tests/server/test-client --port $RC_PORT"
rc_expect "an existing user is recognised by key" \
'{"state":"error","error":"already registered","login":"alice"}
{"state":"ok","data":[{"user":"bob","created_at":"2021-10-28T19:37:38.463670","content":"old b1"}]}
{"state":"ok","data":"sent"}' \
	"$($TC --keep-times --key "$RC_TMP/alice" req '{"cmd":"register","login":"x"}' \
	'{"cmd":"get_messages","user":"bob"}' '{"cmd":"send_message","user":"bob","content":"new a2"}')"
rc_expect "old and new messages, in order" \
'{"state":"ok","data":[{"user":"bob","created_at":"T","content":"old b1 self"},{"user":"alice","created_at":"T","content":"old a1"},{"user":"alice","created_at":"T","content":"new a2"}]}' \
	"$($TC --key "$RC_TMP/bob" req '{"cmd":"get_messages","user":"alice"}')"
rc_expect "the original's timestamps are kept" "2021-10-28 19:37:38.46367" \
	"$(legacy_psql -c "SELECT created_on FROM message WHERE content = 'old b1'")"

# 004: the sync extension's indexes, and its queries over the original's rows.
rc_expect "sync indexes exist" "message_receiver_id_idx
message_sender_self_copy_id_idx" "$(legacy_psql -c "SELECT indexname FROM pg_indexes WHERE tablename = 'message' AND indexname IN ('message_receiver_id_idx', 'message_sender_self_copy_id_idx') ORDER BY 1")"
rc_expect "pages and waits over the original's rows" \
'{"state":"ok","data":[{"user":"bob","created_at":"T","content":"old b1 self","id":2},{"user":"alice","created_at":"T","content":"old a1","id":3},{"user":"alice","created_at":"T","content":"new a2","id":4}]}
{"state":"ok","data":[{"id":2,"user":"bob","peer":"alice","created_at":"T","content":"old b1 self"},{"id":3,"user":"alice","peer":"alice","created_at":"T","content":"old a1"},{"id":4,"user":"alice","peer":"alice","created_at":"T","content":"new a2"}]}
{"state":"ok","data":4}' \
	"$($TC --key "$RC_TMP/bob" req '{"cmd":"get_messages","user":"alice","limit":10}' \
	'{"cmd":"wait_messages","after_id":0}' '{"cmd":"last_message_id"}')"

# 005: the original's rows have no msg_id, its kind of INSERT still works,
# and a named send stores once over them.
rc_expect "older rows: no msg_id" "0" "$(legacy_psql -c 'SELECT count(msg_id) FROM message')"
legacy_psql -c "INSERT INTO message (content, sender, receiver) VALUES ('raw', 'bob', 'alice')" ||
	rc_fail "the original's message insert fails after 005"
rc_expect "a named send and its retry over the original's rows" '{"state":"ok","data":"sent"}
{"state":"ok","data":"sent"}
1' "$($TC --key "$RC_TMP/bob" req '{"cmd":"send_message","user":"alice","content":"named","msg_id":"n1"}' \
	'{"cmd":"send_message","user":"alice","content":"named","msg_id":"n1"}'; legacy_psql -c "SELECT count(*) FROM message WHERE msg_id = 'n1'")"

# 003: the original's rows have no registration record and no skeleton
# (NULL, not the time of the migration); its kind of INSERT still works; a
# login that looks like one of its logins is refused all the same.
rc_expect "older rows: nothing recorded" "2|0" \
	"$(legacy_psql -c 'SELECT count(*), count(registered_at) + count(registered_from) + count(login_skeleton) FROM "user"')"
legacy_psql -c "INSERT INTO \"user\" (login, open_exponent, module) VALUES ('dora', '3', '55')" ||
	rc_fail "the original's insert fails after 003"
rc_expect "look-alikes of older rows, then a new user" \
'{"state":"error","error":"login exists"}
{"state":"error","error":"login exists"}
{"state":"ok","data":"welcome"}' \
	"$($TC --key "$RC_TMP/carol" req '{"cmd":"register","login":"ALICE"}' '{"cmd":"register","login":"d\u043era"}' \
	'{"cmd":"register","login":"carol"}')"
rc_expect "a new row records its registration" "carol|127.0.0.1|carol|t" \
	"$(legacy_psql -c "SELECT login, host(registered_from), login_skeleton, registered_at IS NOT NULL FROM \"user\" WHERE login = 'carol'")"

# Duplicates: refuse, list them, change nothing.
original_layout dups
dups_url="postgresql://postgres@127.0.0.1:$PGPORT/dups"
"$PG_BINDIR/psql" -X -q -v ON_ERROR_STOP=1 -d "$dups_url" \
	-c "INSERT INTO \"user\" (login, open_exponent, module) VALUES ('alice', '3', '35')" || rc_fail "insert"
if "$MIGRATE" --database "$dups_url" --dir "$top_srcdir/migrations" 2>"$RC_TMP/dups.log"; then
	rc_fail "migration succeeded despite duplicate logins"
fi
grep -q "duplicate logins in table \"user\": login 'alice' (ids 1, 3)" "$RC_TMP/dups.log" ||
	rc_fail "the duplicates are not listed: $(cat "$RC_TMP/dups.log")"
rc_expect "a failed migration changes nothing" "3 001_original_schema" \
	"$("$PG_BINDIR/psql" -X -q -A -t -d "$dups_url" -c 'SELECT (SELECT count(*) FROM "user") || $$ $$ || (SELECT string_agg(version, $$,$$) FROM schema_migrations)')"
rc_expect "no index was left behind" 0 \
	"$("$PG_BINDIR/psql" -X -q -A -t -d "$dups_url" -c "SELECT count(*) FROM pg_indexes WHERE indexname = 'user_login_key'")"
