#!/bin/sh
# PostgreSQL stopped and restarted (twice: a clean stop, then a crash) while
# 20 clients send messages: the server never exits, every request during an
# outage gets an answer on its connection ("database unavailable"),
# afterwards each client sends again, and every message acknowledged "sent"
# is in the database exactly once.
. "$top_srcdir/tests/lib/harness.sh"

rc_pg_start
rc_server_start --workers 4
STOP=$RC_TMP/stop
ACKED=$RC_TMP/acked.txt
"$top_builddir/tests/stress/rc-stress" --port "$RC_PORT" --timeout 60000 outage 20 "$STOP" "$ACKED" \
	>"$RC_TMP/driver.out" 2>"$RC_TMP/driver.log" &
driver=$!

stored() {
	rc_psql -A -t -c 'SELECT count(*) FROM message'
}
# Waits until the database holds more than $1 messages (the clients are sending).
wait_for_messages() {
	tries=0
	until [ "$(stored)" -gt "$1" ]; do
		tries=$((tries + 1))
		[ $tries -lt 300 ] || rc_fail "fewer than $1 messages stored after 60 s"
		kill -0 "$driver" 2>/dev/null || rc_fail "the driver stopped early: $(cat "$RC_TMP/driver.log")"
		sleep 0.2
	done
}

# Two outages: a clean stop (sessions told to go), then a crash (backends
# killed, recovery from the WAL at restart).
wait_for_messages 40
for mode in fast immediate; do
	before=$(stored)
	rc_as_pg "$PG_BINDIR/pg_ctl" -D "$RC_PG_DATA" -m $mode -w stop >/dev/null || rc_fail "pg_ctl stop -m $mode failed"
	echo "ok - PostgreSQL stopped (-m $mode) with $before messages stored"
	sleep 3
	kill -0 "$RC_SERVER_PID" || rc_fail "the server exited during the outage"
	rc_pg_start_again
	echo "ok - PostgreSQL restarted"
	wait_for_messages $((before + 40))
done
: >"$STOP"
status=0
wait "$driver" || status=$?
cat "$RC_TMP/driver.out"
[ "$status" -eq 0 ] || rc_fail "rc-stress outage failed: $(cat "$RC_TMP/driver.log")"
kill -0 "$RC_SERVER_PID" || rc_fail "the server exited"

set -- $(cat "$RC_TMP/driver.out")
[ "$1" = acked ] && [ "$2" -gt 0 ] || rc_fail "nothing acknowledged"
[ "$4" -gt 0 ] || rc_fail "no request got \"database unavailable\": the outage was not exercised"
echo "ok - $2 messages acknowledged, $4 requests answered \"database unavailable\""

# Each acknowledged content exactly once; nothing stored twice.
rc_psql -A -t -c 'SELECT content FROM message' | sort >"$RC_TMP/stored.txt"
sort "$ACKED" >"$RC_TMP/acked.sorted"
rc_expect "no acknowledged message lost" "" "$(comm -23 "$RC_TMP/acked.sorted" "$RC_TMP/stored.txt" | head -n 5)"
rc_expect "no message stored twice" "" "$(uniq -d "$RC_TMP/stored.txt" | head -n 5)"
rc_expect "no content acknowledged twice" "" "$(uniq -d "$RC_TMP/acked.sorted" | head -n 5)"
grep -q 'database unavailable, retrying' "$RC_SERVER_LOG" || rc_fail "the outage is not logged"
grep -q 'database connection restored' "$RC_SERVER_LOG" || rc_fail "the recovery is not logged"
rc_server_stop
