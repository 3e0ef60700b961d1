#!/bin/sh
# 1,000 simultaneous connections: 900 idle after the handshake, 50 stalled
# in the middle of it, 50 trickling one byte a second into a request. A
# normal client's pings are answered promptly meanwhile; every one of the
# 1,000 is closed by the server after its timeout, not before; the server's
# memory stays bounded and it serves on afterwards.
. "$top_srcdir/tests/lib/harness.sh"

HANDSHAKE_MS=3000
IDLE_MS=5000
# The driver needs 1,000 descriptors and more; so does the server (it
# raises its own soft limit to the hard one and lowers --max-connections
# when that is not enough, which the log would show).
[ "$(ulimit -n)" = unlimited ] || [ "$(ulimit -n)" -ge 2048 ] || ulimit -n 2048 2>/dev/null ||
	ulimit -n "$(ulimit -H -n)" 2>/dev/null || true
limit=$(ulimit -n)
[ "$limit" = unlimited ] || [ "$limit" -ge 1100 ] ||
	rc_fail "the open file limit is $limit (hard: $(ulimit -H -n)); this test needs 1100"

rc_pg_start
rc_server_start --max-connections 1100 --max-connections-per-address 1100 --handshake-timeout $HANDSHAKE_MS --idle-timeout $IDLE_MS --log-level warn
grep -q 'max-connections lowered' "$RC_SERVER_LOG" && rc_fail "the server lowered --max-connections: $(cat "$RC_SERVER_LOG")"
out=$("$top_builddir/tests/stress/rc-stress" --port "$RC_PORT" --timeout 20000 connections \
	--server-pid "$RC_SERVER_PID" --idle 900 --stall 50 --trickle 50 \
	--handshake-timeout $HANDSHAKE_MS --idle-timeout $IDLE_MS) || { echo "$out"; rc_fail "rc-stress connections failed"; }
echo "$out"

# Memory: bounded with 1,000 connections open, and not growing after.
set -- $(echo "$out" | sed -n 's/^server VmRSS: before \([0-9]*\) kB, with [0-9]* connections \([0-9]*\) kB, after \([0-9]*\) kB$/\1 \2 \3/p')
[ $# -eq 3 ] || rc_fail "no VmRSS report"
[ $(($2 - $1)) -lt 102400 ] || rc_fail "VmRSS grew by $(($2 - $1)) kB with 1,000 connections (bound 100 MB)"
[ $(($3 - $1)) -lt 65536 ] || rc_fail "VmRSS stayed $(($3 - $1)) kB above its start after the connections closed"
echo "ok - VmRSS +$(($2 - $1)) kB with 1,000 connections, +$(($3 - $1)) kB after"
grep -q 'connection limit' "$RC_SERVER_LOG" && rc_fail "the connection limit was reached"
kill -0 "$RC_SERVER_PID" || rc_fail "the server exited"
rc_server_stop
