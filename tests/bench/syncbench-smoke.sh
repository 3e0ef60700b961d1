#!/bin/sh
# rsa-chat-syncbench against two real servers on one database: 20 followers
# waiting on A, 4 senders on B. Checks correctness (every message delivered,
# no errors, the idle measurement reported), never speed.
set -eu
RC_SERVER_WRAPPER=${RC_SERVER_WRAPPER:-}
. "$top_srcdir/tests/lib/harness.sh"

bench=$top_builddir/tests/bench/rsa-chat-syncbench
rc_pg_start
rc_server_start --registrations-per-hour 0
a_port=$RC_PORT
a_pid=$RC_SERVER_PID
rc_server_start --registrations-per-hour 0
out=$("$bench" --port "$a_port" --send-port "$RC_PORT" --followers 20 --senders 4 --rate 20 --seconds 2 \
	--follower-bits 512 --idle-seconds 1 --server-pid "$a_pid" --flat) || rc_fail "syncbench failed: $out"
value() {
	echo "$out" | sed -n "s/^$1=//p"
}
[ "$(value messages)" = 40 ] || rc_fail "messages: $(value messages), expected 40"
[ "$(value lost)" = 0 ] || rc_fail "lost: $(value lost)"
[ "$(value errors)" = 0 ] || rc_fail "errors: $(value errors)"
[ "$(value latency.count)" = 40 ] || rc_fail "latency samples: $(value latency.count)"
[ -n "$(value idle_server_cpu_ms_per_s)" ] || rc_fail "no idle CPU reported"
rc_server_stop
rc_server_stop "$a_pid"
echo "syncbench smoke test passed"
