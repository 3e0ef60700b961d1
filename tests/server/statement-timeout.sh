#!/bin/sh
# A hung database does not hold the workers (issue 11): a statement blocked
# by a lock is cancelled by the database after --statement-timeout, and a
# database that does not answer at all (its backend stopped) is given up a
# little later; both answer "database unavailable", and the server serves
# again once the database does.
. "$top_srcdir/tests/lib/harness.sh"

rc_pg_start
rc_server_start --workers 1 --statement-timeout 1000
# A test-client timeout well under the lock's 60 s: a server waiting for
# the lock would fail the test.
TC="$top_builddir/tests/server/test-client --port $RC_PORT --timeout 20000"
rc_genkey 1024 "$RC_TMP/alice"
OK='{"state":"ok","data":'
UNAVAILABLE='{"state":"error","error":"database unavailable"}'
rc_expect "before" "${OK}\"welcome\"}" "$($TC --key "$RC_TMP/alice" req '{"cmd":"register","login":"alice"}')"

# Someone holds the user table for a minute.
PGAPPNAME=locker "$PG_BINDIR/psql" -X -q -d "$DATABASE_URL" \
	-c 'BEGIN; LOCK TABLE "user" IN ACCESS EXCLUSIVE MODE; SELECT pg_sleep(60); COMMIT;' >/dev/null 2>&1 &
locker=$!
tries=0
until [ "$(rc_psql -A -t -c "SELECT count(*) FROM pg_locks WHERE relation = '\"user\"'::regclass AND mode = 'AccessExclusiveLock' AND granted")" = 1 ]; do
	tries=$((tries + 1))
	[ $tries -lt 100 ] || rc_fail "the lock was not taken"
	sleep 0.1
done
rc_expect "a locked table: cancelled by the statement timeout" "${UNAVAILABLE}
${OK}\"pong\"}" "$($TC --key "$RC_TMP/alice" req '{"cmd":"get_users"}' '{"cmd":"ping"}')"
grep -q "canceling statement due to statement timeout" "$RC_SERVER_LOG" || rc_fail "the cancel is not logged"
rc_psql -A -t -c "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'locker'" >/dev/null
wait "$locker" 2>/dev/null
rc_expect "the lock is gone" "${OK}[]}" "$($TC --key "$RC_TMP/alice" req '{"cmd":"get_users"}')"

# The worker's backend stops answering: no statement timeout can fire.
backend=$(rc_psql -A -t -c "SELECT pid FROM pg_stat_activity WHERE application_name = 'rsa-chat-server'")
[ -n "$backend" ] || rc_fail "no backend of the server"
kill -STOP "$backend"
rc_expect "a database that does not answer" "${UNAVAILABLE}" "$($TC --key "$RC_TMP/alice" req '{"cmd":"get_users"}')"
kill -CONT "$backend"
grep -q "no answer from the database in 3000 ms" "$RC_SERVER_LOG" || rc_fail "the hang is not logged"
tries=0
until [ "$($TC --key "$RC_TMP/alice" req '{"cmd":"get_users"}')" = "${OK}[]}" ]; do
	tries=$((tries + 1))
	[ $tries -lt 100 ] || rc_fail "the server did not recover within 20 s"
	sleep 0.2
done
echo "ok - recovered"
rc_server_stop
