#!/bin/sh
# PostgreSQL goes away while the server runs: requests that need it get
# "database unavailable", ping still works, the server stays up and
# recovers by itself once the database is back. A server started while
# the database is down starts anyway.
. "$top_srcdir/tests/lib/harness.sh"

rc_pg_start
rc_server_start --workers 2
TC="$top_builddir/tests/server/test-client --port $RC_PORT"
for u in alice bob; do
	rc_genkey 1024 "$RC_TMP/$u"
done
OK='{"state":"ok","data":'
UNAVAILABLE='{"state":"error","error":"database unavailable"}'

rc_expect "before the outage" "${OK}\"welcome\"}" "$($TC --key "$RC_TMP/alice" req '{"cmd":"register","login":"alice"}')"

rc_pg_stop
rc_expect "during the outage" "${OK}\"pong\"}
${UNAVAILABLE}
${UNAVAILABLE}
${OK}\"pong\"}" "$($TC --key "$RC_TMP/alice" req '{"cmd":"ping"}' '{"cmd":"get_users"}' \
	'{"cmd":"send_message","user":"alice","content":"x"}' '{"cmd":"ping"}')"
rc_expect "anonymous during the outage" "${UNAVAILABLE}" \
	"$($TC --key "$RC_TMP/bob" req '{"cmd":"register","login":"bob"}')"
kill -0 "$RC_SERVER_PID" || rc_fail "the server died with the database"
first_pid=$RC_SERVER_PID

# A second server starts while the database is down.
rc_server_start --workers 1
rc_expect "started without a database" "${UNAVAILABLE}" \
	"$($TC --port "$RC_PORT" --key "$RC_TMP/alice" req '{"cmd":"get_users"}')"
second_port=$RC_PORT

rc_pg_start_again
for port in "$(sed -n 's/.*listening on [^ ]*:\([0-9][0-9]*\).*/\1/p' "$RC_TMP/server1.log")" "$second_port"; do
	tries=0
	while :; do
		out=$($TC --port "$port" --key "$RC_TMP/alice" req '{"cmd":"get_users"}')
		[ "$out" = "${OK}[]}" ] && break
		[ "$out" = "$UNAVAILABLE" ] || rc_fail "unexpected answer while recovering: $out"
		tries=$((tries + 1))
		[ $tries -lt 100 ] || rc_fail "server on port $port did not recover within 20 s"
		sleep 0.2
	done
	echo "ok - server on port $port recovered"
done
rc_expect "after the outage" "${OK}\"welcome\"}
${OK}\"sent\"}" "$($TC --port "$second_port" --key "$RC_TMP/bob" req '{"cmd":"register","login":"bob"}' \
	'{"cmd":"send_message","user":"alice","content":"back"}')"
rc_expect "read through the first server" "${OK}[{\"user\":\"bob\",\"created_at\":\"T\",\"content\":\"back\"}]}" \
	"$($TC --key "$RC_TMP/alice" --port "$(sed -n 's/.*listening on [^ ]*:\([0-9][0-9]*\).*/\1/p' "$RC_TMP/server1.log")" req '{"cmd":"get_messages","user":"bob"}')"
grep -q 'database unavailable, retrying' "$RC_TMP/server1.log" || rc_fail "the outage is not logged"
grep -q 'database connection restored' "$RC_TMP/server1.log" || rc_fail "the recovery is not logged"
rc_server_stop "$first_pid"
rc_server_stop
