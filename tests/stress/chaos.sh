#!/bin/sh
# Random bytes, truncated frames and disconnects at every point of a
# request (every byte offset of a valid handshake and request, closed,
# half-closed or reset there; and in the middle of a response), in many
# short connections, while a normal client keeps pinging and sending: no
# crash, no leak (the sanitizers' report at exit), no growth of memory, and
# the normal client's messages all arrive.
. "$top_srcdir/tests/lib/harness.sh"

rc_pg_start
rc_server_start --handshake-timeout 5000 --idle-timeout 5000 --log-level warn
out=$("$top_builddir/tests/stress/rc-stress" --port "$RC_PORT" --timeout 20000 --server-pid "$RC_SERVER_PID" \
	--random 300 --seed 1 --max-growth-kb 65536 chaos) || { echo "$out"; rc_fail "rc-stress chaos failed"; }
echo "$out"
kill -0 "$RC_SERVER_PID" || rc_fail "the server exited"
grep -q 'internal error' "$RC_SERVER_LOG" && rc_fail "the server reported an internal error"
rc_genkey 1024 "$RC_TMP/after"
rc_expect "a new client is served after the chaos" '{"state":"ok","data":"pong"}' \
	"$("$top_builddir/tests/server/test-client" --port "$RC_PORT" --key "$RC_TMP/after" req '{"cmd":"ping"}')"
# SIGTERM, exit status 0: under the sanitizers, no leak and no error.
rc_server_stop

# And a server stopped in the middle of the chaos exits cleanly too (the
# driver then fails to connect: its status does not matter).
rc_server_start --log-level warn
"$top_builddir/tests/stress/rc-stress" --port "$RC_PORT" --timeout 5000 --server-pid "$RC_SERVER_PID" \
	--random 100000 chaos >"$RC_TMP/interrupted.out" 2>&1 &
driver=$!
sleep 2
kill -0 "$driver" 2>/dev/null || rc_fail "the chaos was over before the server was stopped: $(cat "$RC_TMP/interrupted.out")"
rc_server_stop
wait "$driver" || true
echo "ok - stopped in the middle of the chaos, exit status 0"
