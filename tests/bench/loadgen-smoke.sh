#!/bin/sh
# The load generator against a real server: a few clients, a few messages,
# self copies and a history read back. Checks correctness (zero errors, the
# exact number of requests and messages), never speed.
set -eu
# The harness reads RC_SERVER_WRAPPER (optional) without a default; we run with set -u.
RC_SERVER_WRAPPER=${RC_SERVER_WRAPPER:-}
. "$top_srcdir/tests/lib/harness.sh"

loadgen=$top_builddir/tests/bench/rsa-chat-loadgen
out=

rc_pg_start
rc_server_start

# Three clients: a pair, and one talking to the passive extra user.
out=$("$loadgen" --host 127.0.0.1 --port "$RC_PORT" -k 3 -m 4 -l 60 -g 2 --self-copy \
	--key-bits 1024 --server-pid "$RC_SERVER_PID" --flat) ||
	rc_fail "loadgen reported errors: $(echo "$out" | grep '^first_error=')"

value() {
	echo "$out" | sed -n "s/^$1=//p"
}

[ "$(value errors)" = 0 ] || rc_fail "errors: $(value errors)"
# 3 register + 12 send_message + 6 get_messages + 3 goodbye.
[ "$(value requests)" = 24 ] || rc_fail "expected 24 requests, got $(value requests)"
[ "$(value latency.send_message.count)" = 12 ] || rc_fail "send_message count: $(value latency.send_message.count)"
# A client of the pair reads 2 messages from its partner and its 2 self copies.
[ "$(value history_messages)" = 4 ] || rc_fail "history: $(value history_messages) messages, expected 4"
server_cpu=$(value whole_run.server_cpu_s)
[ -n "$server_cpu" ] || rc_fail "no server CPU reported for --server-pid"

# Idle mode: connections that stay open and still answer after a pause.
out=$("$loadgen" --host 127.0.0.1 --port "$RC_PORT" --idle 5 --hold 1 --key-bits 1024 \
	--server-pid "$RC_SERVER_PID" --flat) ||
	rc_fail "idle mode reported errors: $(echo "$out" | grep '^first_error=')"
[ "$(value opened)" = 5 ] || rc_fail "idle: opened $(value opened) of 5"
[ "$(value alive_after_hold)" = 5 ] || rc_fail "idle: $(value alive_after_hold) of 5 alive after the hold"

# A server that is not there: errors, reported, and a failing exit status.
rc_server_stop
status=0
out=$("$loadgen" --host 127.0.0.1 --port "$RC_PORT" -k 2 -m 1 --key-bits 1024 --flat --timeout-ms 5000) ||
	status=$?
[ "$status" -eq 1 ] || rc_fail "loadgen exit status $status against a stopped server, expected 1"
[ "$(value errors)" -ge 1 ] || rc_fail "no error reported against a stopped server"
echo "loadgen smoke test passed"
