#!/bin/sh
# SIGTERM while a request is in flight: the server stops accepting, still
# answers that request, and exits 0. The request is held in flight by a
# table lock, so no timing decides the outcome.
. "$top_srcdir/tests/lib/harness.sh"

rc_pg_start
rc_server_start --workers 1
rc_genkey 1024 "$RC_TMP/k"
TC="$top_builddir/tests/server/test-client --port $RC_PORT --key $RC_TMP/k"
rc_expect "register" '{"state":"ok","data":"welcome"}' "$($TC req '{"cmd":"register","login":"k"}')"

# wait_for LABEL SQL: until the query answers 1.
wait_for() {
	tries=0
	until [ "$(rc_psql -A -t -c "$2")" = 1 ]; do
		tries=$((tries + 1))
		[ $tries -lt 300 ] || rc_fail "timed out waiting for $1"
		sleep 0.1
	done
}

mkfifo "$RC_TMP/sql"
rc_psql <"$RC_TMP/sql" >/dev/null &
locker=$!
exec 3>"$RC_TMP/sql"
echo "BEGIN; LOCK TABLE message IN ACCESS EXCLUSIVE MODE;" >&3
wait_for "the lock" "SELECT count(*) FROM pg_locks WHERE relation = 'message'::regclass AND granted"

$TC req '{"cmd":"send_message","user":"k","content":"in flight"}' >"$RC_TMP/slow.out" 2>&1 &
slow=$!
wait_for "the request to wait on the lock" \
	"SELECT count(*) FROM pg_stat_activity WHERE application_name = 'rsa-chat-server' AND wait_event_type = 'Lock'"
kill -TERM "$RC_SERVER_PID"
tries=0
until grep -q 'shutting down' "$RC_SERVER_LOG"; do
	tries=$((tries + 1))
	[ $tries -lt 100 ] || rc_fail "the server did not start shutting down"
	sleep 0.1
done
if $TC req '{"cmd":"ping"}' >/dev/null 2>&1; then
	rc_fail "a new connection was accepted after SIGTERM"
fi
echo "ok - no new connections after SIGTERM"

echo "COMMIT;" >&3
exec 3>&-
wait "$locker"
wait "$slow" || rc_fail "the client in flight failed: $(cat "$RC_TMP/slow.out")"
rc_expect "the request in flight is answered" '{"state":"ok","data":"sent"}' "$(cat "$RC_TMP/slow.out")"
status=0
wait "$RC_SERVER_PID" || status=$?
RC_SERVER_PIDS=
rc_expect "exit status after SIGTERM" 0 "$status"
grep -q 'shutting down: no new connections, finishing 1 open' "$RC_SERVER_LOG" ||
	rc_fail "the request was not in flight at SIGTERM"
rc_expect "the message was stored" 1 "$(rc_psql -A -t -c "SELECT count(*) FROM message WHERE content = 'in flight'")"
