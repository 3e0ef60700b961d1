#!/bin/sh
# Protocol abuse: oversized lengths and counts, a block >= n, garbage,
# invalid UTF-8, non-objects, stalls, bad keys, the connection limit. Each
# gets the documented treatment while the server keeps serving others and
# its memory stays bounded.
. "$top_srcdir/tests/lib/harness.sh"

rc_pg_start
rc_server_start --handshake-timeout 800 --idle-timeout 800 --max-frame 1024 --max-blocks 64 --max-request 16384
TC="$top_builddir/tests/server/test-client --port $RC_PORT --timeout 10000"
rc_genkey 1024 "$RC_TMP/anon"
rc_genkey 1024 "$RC_TMP/user"
abuse() {
	$TC --key "$RC_TMP/$1" abuse "$2" 2>/dev/null || rc_fail "test-client abuse $2 failed"
}
rss_kb() {
	sed -n 's/^VmRSS:[^0-9]*\([0-9]*\).*/\1/p' "/proc/$RC_SERVER_PID/status"
}
ping_works() {
	rc_expect "$1: another client is served" '{"state":"ok","data":"pong"}' \
		"$($TC --key "$RC_TMP/user" req '{"cmd":"ping"}')"
}

rc_expect "register" '{"state":"ok","data":"welcome"}' \
	"$($TC --key "$RC_TMP/user" req '{"cmd":"register","login":"user"}')"

# A stalled handshake and a stalled frame hold connections open meanwhile.
abuse anon handshake-stall >"$RC_TMP/stall1.out" &
stall1=$!
abuse anon stall >"$RC_TMP/stall2.out" &
stall2=$!
sleep 0.2
ping_works "during stalls"
wait $stall1
wait $stall2
rc_expect "stalled handshake is closed" closed "$(cat "$RC_TMP/stall1.out")"
rc_expect "stalled frame is closed" closed "$(cat "$RC_TMP/stall2.out")"
rc_expect "a frame trickling in is closed" closed "$(abuse anon trickle)"

rss_before=$(rss_kb)
for scenario in handshake-length small-key even-exponent request-length block-count block-too-big garbage; do
	rc_expect "$scenario closes the connection" closed "$(abuse anon "$scenario")"
	ping_works "$scenario"
done
rc_expect "invalid UTF-8, anonymous" '{"state":"error","error":"no auth"}
{"state":"ok","data":"pong"}' "$(abuse anon bad-utf8)"
rc_expect "invalid UTF-8, registered" '{"state":"error","error":"incorrect cmd"}
{"state":"ok","data":"pong"}' "$(abuse user bad-utf8)"
rc_expect "no blocks at all" '{"state":"error","error":"no auth"}' "$(abuse anon zero-blocks)"
rc_expect "JSON that is not an object" \
'{"state":"error","error":"incorrect cmd"}
{"state":"error","error":"incorrect cmd"}
{"state":"error","error":"incorrect cmd"}
{"state":"error","error":"incorrect cmd"}
{"state":"ok","data":"pong"}' \
	"$($TC --key "$RC_TMP/user" req '[]' '"cmd"' 'null' '{"cmd":"ping"' '{"cmd":"ping"}')"
rc_expect "pipelined requests are answered in order" \
'{"state":"ok","data":"pong"}
{"state":"error","error":"no auth"}
{"state":"ok","data":"goodbye"}
closed' "$(abuse anon pipeline)"
big=$(printf '%020000d' 0)
rc_expect "a request over --max-request closes" closed \
	"$($TC --key "$RC_TMP/user" req "{\"cmd\":\"ping\",\"pad\":\"$big\"}")"

# The same again, many times: memory must not grow with abuse.
i=0
while [ $i -lt 10 ]; do
	for scenario in handshake-length request-length block-count block-too-big garbage; do
		abuse anon "$scenario" >/dev/null
	done
	i=$((i + 1))
done
ping_works "after repeated abuse"
rss_after=$(rss_kb)
echo "VmRSS before: $rss_before kB, after: $rss_after kB"
[ $((rss_after - rss_before)) -lt 65536 ] || rc_fail "VmRSS grew by $((rss_after - rss_before)) kB"

grep -q 'limit violation' "$RC_SERVER_LOG" || rc_fail "limit violations are not logged"
grep -q 'handshake timeout' "$RC_SERVER_LOG" || rc_fail "handshake timeouts are not logged"
grep -q 'stalled in the middle of a frame' "$RC_SERVER_LOG" || rc_fail "stalls are not logged"
grep -q 'RSA block >= n' "$RC_SERVER_LOG" || rc_fail "a block >= n is not logged"

# The connection limit: the third connection is accepted and closed.
rc_server_start --max-connections 2 --handshake-timeout 3000
TC2="$top_builddir/tests/server/test-client --port $RC_PORT --timeout 10000"
$TC2 --key "$RC_TMP/anon" abuse handshake-stall >/dev/null 2>&1 &
hold1=$!
$TC2 --key "$RC_TMP/anon" abuse handshake-stall >/dev/null 2>&1 &
hold2=$!
sleep 0.5
rc_expect "over --max-connections is closed" closed "$($TC2 --key "$RC_TMP/anon" abuse handshake-stall 2>/dev/null)"
wait $hold1 $hold2
grep -q 'connection limit (2) reached' "$RC_SERVER_LOG" || rc_fail "the connection limit is not logged"
rc_expect "served again below the limit" '{"state":"ok","data":"pong"}' \
	"$($TC2 --key "$RC_TMP/user" req '{"cmd":"ping"}')"
