#!/bin/sh
# The sync extension across servers: a message stored through B wakes a
# waiter parked on A (A's LISTEN connection), and after the database
# restarts, A's listener reconnects and looks again for every parked wait
# (catch-up): a message committed without a notification reaches its
# waiter, and so does one sent after the outage.
. "$top_srcdir/tests/lib/harness.sh"
. "$top_srcdir/tests/server/synclib"

rc_pg_start
rc_server_start --log-level debug
A="$top_builddir/tests/server/test-client --port $RC_PORT"
A_LOG=$RC_SERVER_LOG
A_PID=$RC_SERVER_PID
rc_server_start
B="$top_builddir/tests/server/test-client --port $RC_PORT"
for u in alice bob; do
	rc_genkey 1024 "$RC_TMP/$u"
done
# Starts one waiter for alice on A after id $1 (its output in $RC_TMP/w$1)
# and waits until A has parked it.
wait_on_a() {
	parked_before=$(count_in "$A_LOG" 'wait parked')
	$A --timeout 90000 --key "$RC_TMP/alice" waiters 1 "{\"cmd\":\"wait_messages\",\"after_id\":$1,\"timeout_ms\":60000}" \
		>"$RC_TMP/w$1" &
	waiter=$!
	await 30 "parking the wait on A" more_than "$A_LOG" 'wait parked' "$parked_before"
}

$A --key "$RC_TMP/alice" req '{"cmd":"register","login":"alice"}' >/dev/null
$B --key "$RC_TMP/bob" req '{"cmd":"register","login":"bob"}' >/dev/null

wait_on_a 0
$B --key "$RC_TMP/bob" req '{"cmd":"send_message","user":"alice","content":"through B"}' >/dev/null
wait $waiter
rc_expect "a message stored through B wakes a waiter on A" "waiting 1
1 ${OK}[$(wm 1 bob bob "through B")]}" "$(cat "$RC_TMP/w0")"

# A row the original server would write: no notification. Only the
# catch-up after the restart can find it before the wait's 60 s are up
# (the workers retry at once then, whatever their backoff).
wait_on_a 1
rc_psql -c "INSERT INTO message (content, sender, receiver) VALUES ('without a notification', 'bob', 'alice')"
start=$(date +%s)
rc_pg_stop
await 30 "losing the listener" grep -q 'notification listener: lost the database connection' "$A_LOG"
# Requests during the outage make A's workers notice it; they retry in the
# background with a growing backoff (seconds after a while): the catch-up
# must not find them still waiting it out.
for i in 1 2 3 4 5 6 7 8; do
	$A --key "$RC_TMP/bob" req '{"cmd":"get_users"}' >/dev/null
done
sleep 8
rc_pg_start_again
wait $waiter
rc_expect "caught up after the restart" "waiting 1
1 ${OK}[$(wm 2 bob bob "without a notification")]}" "$(cat "$RC_TMP/w1")"
[ $(($(date +%s) - start)) -lt 50 ] || rc_fail "the waiter was answered by its timeout, not the catch-up"
grep -q 'notification listener: back, checking the parked waits again' "$A_LOG" || rc_fail "the listener's return is not logged"

# Parked during the outage's aftermath, a message sent through B once it is back.
wait_on_a 2
send_after() {
	[ "$($B --key "$RC_TMP/bob" req '{"cmd":"send_message","user":"alice","content":"after the outage"}')" = "${OK}\"sent\"}" ]
}
await 30 "sending through B after the outage" send_after
wait $waiter
rc_expect "a message sent after the outage" "waiting 1
1 ${OK}[$(wm 3 bob bob "after the outage")]}" "$(cat "$RC_TMP/w2")"
rc_server_stop
rc_server_stop "$A_PID"
