#!/bin/sh
# rsa-chat-admin against a real database: users lists every user with its
# login escaped (an odd login written by an older server shows its
# invisible characters), key fingerprint, registration record and message
# count; delete asks for --yes, then removes the user and its messages in
# one go; --id reaches a login that is hard to type.
. "$top_srcdir/tests/lib/harness.sh"

rc_pg_start
rc_server_start
TC="$top_builddir/tests/server/test-client --port $RC_PORT"
ADMIN="$top_builddir/utils/rsa-chat-admin"
for u in alice bob; do
	"$top_builddir/utils/generate-keys" --bits 1024 -o "$RC_TMP/$u" --force | sed -n 's/^Fingerprint: //p' >"$RC_TMP/$u.fp" ||
		rc_fail "generate-keys"
done
$TC --key "$RC_TMP/alice" req '{"cmd":"register","login":"alice"}' \
	'{"cmd":"send_message","user":"alice","content":"note to self"}' >/dev/null || rc_fail "alice"
$TC --key "$RC_TMP/bob" req '{"cmd":"register","login":"bob"}' '{"cmd":"send_message","user":"alice","content":"hi"}' \
	'{"cmd":"send_message","user":"alice","content":"hi","self_copy":true}' >/dev/null || rc_fail "bob"
# What an older server let in, before migration 003 (nothing recorded): a
# zero-width space, a newline, a trailing space.
rc_psql -c "INSERT INTO \"user\" (login, open_exponent, module, registered_at) VALUES (E'ev\\u200be\\nx ', '3', 'junk', NULL)" ||
	rc_fail "insert"

"$ADMIN" --database "$DATABASE_URL" users >"$RC_TMP/users" || rc_fail "users failed"
rc_expect "users" \
"id	login	fingerprint	registered	from	messages
1	alice	$(cat "$RC_TMP/alice.fp")	T	127.0.0.1	3
2	bob	$(cat "$RC_TMP/bob.fp")	T	127.0.0.1	2
3	ev\\u{200B}e\\u{000A}x\\u{0020}	-	-	-	0" \
	"$(sed 's/	[0-9-]*T[0-9:]*Z	/	T	/' "$RC_TMP/users")"

status=0
"$ADMIN" --database "$DATABASE_URL" delete alice >"$RC_TMP/out" || status=$?
rc_expect "delete without --yes" "2 would delete user 1 (login alice) and its messages; add --yes to do it" \
	"$status $(cat "$RC_TMP/out")"
rc_expect "nothing deleted yet" "3 3" "$(rc_psql -A -t -c 'SELECT (SELECT count(*) FROM "user") || $$ $$ || (SELECT count(*) FROM message)')"
rc_expect "delete --yes" "deleted user 1 and 3 message(s)" "$("$ADMIN" --database "$DATABASE_URL" delete --yes alice)"
rc_expect "alice and her messages are gone" "bob 0" \
	"$(rc_psql -A -t -c 'SELECT string_agg(login, $$,$$) || $$ $$ || (SELECT count(*) FROM message) FROM "user" WHERE id < 3')"
rc_expect "delete by id" "deleted user 3 and 0 message(s)" "$(DATABASE_URL=$DATABASE_URL "$ADMIN" delete -y --id 3)"
status=0
"$ADMIN" --database "$DATABASE_URL" delete --yes zed 2>"$RC_TMP/err" || status=$?
rc_expect "no such user" "1 rsa-chat-admin: no such user" "$status $(cat "$RC_TMP/err")"
status=0
"$ADMIN" --database "$DATABASE_URL" frobnicate 2>/dev/null || status=$?
rc_expect "unknown command" 2 "$status"
rc_expect "what is left" "bob" "$(rc_psql -A -t -c 'SELECT login FROM "user"')"
# The deleted key may register again.
rc_expect "a deleted user registers anew" '{"state":"ok","data":"welcome"}' \
	"$($TC --key "$RC_TMP/alice" req '{"cmd":"register","login":"alice"}')"
