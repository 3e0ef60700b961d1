#!/bin/sh
# Fair under attack: each attack runs from 127.0.0.2 (rc-stress attack)
# while a normal client from 127.0.0.1 pings, sends and reads its history;
# every ping must be answered within 5 s, sends and reads must get done, and
# the server's VmRSS stays under 256 MiB. The attacks: handshakes with a
# huge exponent and requests of tiny blocks (both refused), connect / 1 MB
# request / reset in a loop, clients that ask for an 8 MB history and never
# read it, 1,000 held connections, requests stuck in a stopped PostgreSQL.
# Last, SIGTERM with workers stuck in the stopped database, and SIGTERM with
# queued work, must each stop the server within 5 s.
. "$top_srcdir/tests/lib/harness.sh"

RS=$top_builddir/tests/stress/rc-stress
# 1,000 held connections need as many descriptors on both sides.
[ "$(ulimit -n)" = unlimited ] || [ "$(ulimit -n)" -ge 2048 ] || ulimit -n 2048 2>/dev/null ||
	ulimit -n "$(ulimit -H -n)" 2>/dev/null || true
limit=$(ulimit -n)
[ "$limit" = unlimited ] || [ "$limit" -ge 1100 ] ||
	rc_fail "the open file limit is $limit (hard: $(ulimit -H -n)); this test needs 1100"
# The sanitizers' allocator keeps freed memory in a quarantine (256 MB by
# default): a small one lets VmRSS show what the server itself holds.
ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}quarantine_size_mb=16
export ASAN_OPTIONS

rc_pg_start
rc_server_start --log-level warn --write-timeout 20000

# An 8 MB history for the non-reader: 80 messages of 100 KB to "hog".
rc_genkey 1024 "$RC_TMP/hog.key"
hog_e=$(sed -n 's/^e \([0-9]*\)$/\1/p' "$RC_TMP/hog.key")
hog_n=$(sed -n 's/^n \([0-9]*\)$/\1/p' "$RC_TMP/hog.key")
[ -n "$hog_e" ] && [ -n "$hog_n" ] || rc_fail "cannot read hog.key"
rc_psql -c "INSERT INTO \"user\" (login, open_exponent, module) VALUES ('hog', '$hog_e', '$hog_n'), ('hogpeer', '3', '5')" \
	-c "INSERT INTO message (content, sender, receiver, self_copy) SELECT repeat('x', 102400), 'hogpeer', 'hog', false FROM generate_series(1, 80)" >/dev/null

# attack KIND SECONDS [ARGS]: one attack; its report line goes to the log.
attack() {
	kind=$1
	seconds=$2
	shift 2
	out=$("$RS" --port "$RC_PORT" --server-pid "$RC_SERVER_PID" --timeout 30000 attack "$kind" --seconds "$seconds" "$@" 2>&1) ||
		{ echo "$out"; rc_fail "attack $kind: the normal client was not served fairly"; }
	echo "$out"
	kill -0 "$RC_SERVER_PID" || rc_fail "the server died during $kind"
}

attack huge-e 8 --conns 48
grep -q 'refused client key: 16384-bit modulus, 16384-bit exponent' "$RC_SERVER_LOG" ||
	rc_fail "no log line for the huge exponent"
attack tiny-blocks 8 --conns 48
grep -q 'limit violation: 4096 blocks in a request of 4096 bytes' "$RC_SERVER_LOG" ||
	rc_fail "no log line for the request of tiny blocks"
attack reset-flood 8 --conns 16
# Long enough for the unsent answers to reach --max-output-total.
attack non-reader 20 --conns 40 --key "$RC_TMP/hog.key" --user hogpeer
grep -q 'does not fit: .* bytes of responses wait to be sent' "$RC_SERVER_LOG" ||
	rc_fail "the non-readers' answers were not bounded by --max-output-total"
attack held 8 --conns 1000
grep -q 'connection limit per address (64) reached' "$RC_SERVER_LOG" ||
	rc_fail "no log line for the limit per address"

# PostgreSQL stopped (SIGSTOP, so connections hang rather than fail): pings
# are still answered while requests wait for the database.
pg_pids="$(head -n 1 "$RC_PG_DATA/postmaster.pid") $(pgrep -P "$(head -n 1 "$RC_PG_DATA/postmaster.pid")" | tr '\n' ' ')"
# Then SIGTERM while workers still wait on it: the server exits within 5 s
# anyway (leaving those workers behind), with status 0. PostgreSQL is
# continued before any check, so the cleanup can stop it.
kill -STOP $pg_pids
st=0
out=$("$RS" --port "$RC_PORT" --server-pid "$RC_SERVER_PID" --timeout 30000 attack db-stall --seconds 8 --conns 16 2>&1) || st=$?
t0=$(date +%s%N)
kill -TERM "$RC_SERVER_PID"
tries=0
while kill -0 "$RC_SERVER_PID" 2>/dev/null && [ $tries -lt 100 ]; do
	sleep 0.1
	tries=$((tries + 1))
done
ms=$((($(date +%s%N) - t0) / 1000000))
kill -CONT $pg_pids
echo "$out"
[ $st -eq 0 ] || rc_fail "attack db-stall: pings were not answered while the database was stopped"
kill -0 "$RC_SERVER_PID" 2>/dev/null && rc_fail "SIGTERM with workers stuck in the database: still running after $ms ms"
stop_status=0
wait "$RC_SERVER_PID" || stop_status=$?
echo "SIGTERM with workers waiting on a stopped database: exited in $ms ms with status $stop_status"
[ $stop_status -eq 0 ] || rc_fail "the server exited with status $stop_status"
[ "$ms" -lt 5000 ] || rc_fail "SIGTERM took $ms ms with workers stuck in the database (bound 5000 ms)"
grep -q 'still busy (in the database?)' "$RC_SERVER_LOG" || rc_fail "no worker was left waiting on the database"

# SIGTERM while 1 MB requests from three addresses wait: the server exits
# within 5 s (its grace period is 3 s), with status 0.
rc_server_start --log-level info
for from in 127.0.0.2 127.0.0.3 127.0.0.4; do
	"$RS" --port "$RC_PORT" --server-pid "$RC_SERVER_PID" --from "$from" attack queue --seconds 30 --conns 20 \
		>>"$RC_TMP/queue.log" 2>&1 &
	eval "queue_$(echo "$from" | tr -d .)=\$!"
done
sleep 4
queued=$(grep -c 'connection from 127.0.0.[234]' "$RC_SERVER_LOG")
[ "$queued" -ge 30 ] || rc_fail "only $queued attacking connections reached the server"
t0=$(date +%s%N)
rc_server_stop
ms=$((($(date +%s%N) - t0) / 1000000))
for pid in "$queue_127002" "$queue_127003" "$queue_127004"; do
	kill "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
done
echo "SIGTERM with $queued connections' requests queued or running: exited in $ms ms"
[ "$ms" -lt 5000 ] || rc_fail "SIGTERM took $ms ms with queued work (bound 5000 ms)"
