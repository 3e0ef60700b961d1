#!/bin/sh
# 200 concurrent clients (one thread each, fresh 1024-bit keys) register,
# ping, list users, send messages to a neighbour with and without self
# copies, and read back exactly what they should, in order.
. "$top_srcdir/tests/lib/harness.sh"

rc_pg_start
# Every client comes from 127.0.0.1 and registers there: lift the per-address limits.
rc_server_start --log-level warn --max-connections-per-address 1000 --registrations-per-hour 0
result=$("$top_builddir/tests/server/test-client" --port "$RC_PORT" --timeout 120000 load 200 3) ||
	rc_fail "load: $result"
rc_expect "200 concurrent clients" "load ok" "$result"
rc_expect "every message stored once" 800 "$(rc_psql -A -t -c 'SELECT count(*) FROM message')"
rc_server_stop
