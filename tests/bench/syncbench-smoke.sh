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
# Every message delivered, nothing wrong.
for want in messages=40 lost=0 errors=0 latency.count=40; do
	key=${want%%=*}
	got=$(echo "$out" | sed -n "s/^$key=//p")
	[ "$got" = "${want#*=}" ] || rc_fail "$key: $got, expected ${want#*=}"
done
echo "$out" | grep -q '^idle_server_cpu_ms_per_s=' || rc_fail "no idle CPU reported"
rc_server_stop
rc_server_stop "$a_pid"
echo "syncbench smoke test passed"
