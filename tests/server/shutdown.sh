#!/bin/sh
# SIGTERM while a request is in flight: the server stops accepting, still
# answers that request, and exits 0.
. "$top_srcdir/tests/lib/harness.sh"

rc_pg_start
rc_server_start --workers 1
rc_genkey 1024 "$RC_TMP/k"
TC="$top_builddir/tests/server/test-client --port $RC_PORT --key $RC_TMP/k"
pad=$(printf '%0800d' 0)
# One RSA block per byte: 800 private-key operations keep the worker busy.
$TC --chunk 1 req "{\"cmd\":\"ping\",\"pad\":\"$pad\"}" >"$RC_TMP/slow.out" 2>&1 &
slow=$!
tries=0
until grep -q 'connection from' "$RC_SERVER_LOG"; do
	tries=$((tries + 1))
	[ $tries -lt 100 ] || rc_fail "the slow client did not connect"
	sleep 0.1
done
sleep 0.3
kill -TERM "$RC_SERVER_PID"
wait "$slow" || rc_fail "the slow client failed: $(cat "$RC_TMP/slow.out")"
rc_expect "the request in flight is answered" '{"state":"ok","data":"pong"}' "$(cat "$RC_TMP/slow.out")"
if $TC req '{"cmd":"ping"}' >/dev/null 2>&1; then
	rc_fail "a new connection was accepted after SIGTERM"
fi
echo "ok - no new connections after SIGTERM"
status=0
wait "$RC_SERVER_PID" || status=$?
RC_SERVER_PIDS=
rc_expect "exit status after SIGTERM" 0 "$status"
grep -q 'shutting down: no new connections, finishing 1 open' "$RC_SERVER_LOG" ||
	rc_fail "the request was not in flight at SIGTERM, or the shutdown is not logged"
