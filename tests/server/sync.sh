#!/bin/sh
# The sync extension (issue 12) on one server: get_messages pages (edges,
# other users' ids, bad values), wait_messages answered at once, timing
# out, ended by a new request ([] first), woken by a message (one waiter
# and 200), a waiter that hangs up, last_message_id, and the bounds of
# every new field, a wait parked at shutdown. Old requests are unchanged
# (commands.sh).
. "$top_srcdir/tests/lib/harness.sh"
. "$top_srcdir/tests/server/synclib"

rc_pg_start
rc_server_start --log-level debug --max-connections-per-address 300
TC="$top_builddir/tests/server/test-client --port $RC_PORT"
for u in alice bob carol; do
	rc_genkey 1024 "$RC_TMP/$u"
done
BAD='{"state":"error","error":"bad page"}'
SENT="${OK}\"sent\"}"
# Waits until the server log shows more than N parked waits in all.
parked() {
	await 30 "more than $1 parked waits" more_than "$RC_SERVER_LOG" 'wait parked' "$1"
}
# Waits for a background test-client's "waiting" line in FILE.
sent_all() {
	await 60 "connecting the waiters" grep -q '^waiting' "$1"
}

rc_expect "anonymous" '{"state":"error","error":"no auth"}
{"state":"error","error":"no auth"}' \
	"$(rc_as alice '{"cmd":"wait_messages","after_id":0}' '{"cmd":"last_message_id"}')"
for u in alice bob carol; do
	rc_as $u "{\"cmd\":\"register\",\"login\":\"$u\"}" >/dev/null
done
rc_expect "nothing yet" "${OK}0}
${OK}[]}
${OK}[]}" "$(rc_as alice '{"cmd":"last_message_id"}' '{"cmd":"get_messages","user":"bob","limit":5}' \
	'{"cmd":"wait_messages","after_id":0,"timeout_ms":0}')"

# ids 1-5 bob to alice, 6 alice to bob and 7 its self copy, 8 carol to alice.
rc_as bob '{"cmd":"send_message","user":"alice","content":"m1"}' '{"cmd":"send_message","user":"alice","content":"m2"}' \
	'{"cmd":"send_message","user":"alice","content":"m3"}' '{"cmd":"send_message","user":"alice","content":"m4"}' \
	'{"cmd":"send_message","user":"alice","content":"m5"}' >/dev/null
rc_as alice '{"cmd":"send_message","user":"bob","content":"a1"}' \
	'{"cmd":"send_message","user":"bob","content":"a1","self_copy":true}' >/dev/null
rc_as carol '{"cmd":"send_message","user":"alice","content":"c1"}' >/dev/null
rc_expect "ids are what this test assumes" "8" "$(rc_psql -A -t -c 'SELECT max(id) FROM message')"

rc_expect "v1 get_messages: no ids, as ever" \
	"${OK}[{\"user\":\"bob\",\"created_at\":\"T\",\"content\":\"m1\"},{\"user\":\"bob\",\"created_at\":\"T\",\"content\":\"m2\"},{\"user\":\"bob\",\"created_at\":\"T\",\"content\":\"m3\"},{\"user\":\"bob\",\"created_at\":\"T\",\"content\":\"m4\"},{\"user\":\"bob\",\"created_at\":\"T\",\"content\":\"m5\"},{\"user\":\"alice\",\"created_at\":\"T\",\"content\":\"a1\"}]}" \
	"$(rc_as alice '{"cmd":"get_messages","user":"bob"}')"
rc_expect "pages" "${OK}[$(pm bob m5 5),$(pm alice a1 7)]}
${OK}[$(pm bob m1 1),$(pm bob m2 2),$(pm bob m3 3)]}
${OK}[$(pm bob m1 1),$(pm bob m2 2)]}
${OK}[$(pm bob m3 3),$(pm bob m4 4),$(pm bob m5 5)]}
${OK}[$(pm bob m4 4),$(pm bob m5 5)]}
${OK}[$(pm bob m1 1),$(pm bob m2 2),$(pm bob m3 3),$(pm bob m4 4),$(pm bob m5 5),$(pm alice a1 7)]}
${OK}[$(pm bob m1 1),$(pm bob m2 2),$(pm bob m3 3),$(pm bob m4 4),$(pm bob m5 5),$(pm alice a1 7)]}" \
	"$(rc_as alice '{"cmd":"get_messages","user":"bob","limit":2}' \
		'{"cmd":"get_messages","user":"bob","after_id":0,"limit":3}' \
		'{"cmd":"get_messages","user":"bob","before_id":3}' \
		'{"cmd":"get_messages","user":"bob","after_id":2,"before_id":7}' \
		'{"cmd":"get_messages","user":"bob","after_id":2,"before_id":7,"limit":2}' \
		'{"cmd":"get_messages","user":"bob","after_id":0,"limit":6}' \
		'{"cmd":"get_messages","user":"bob","limit":500}')"
rc_expect "empty pages, ids that do not exist or are another conversation's" "${OK}[]}
${OK}[]}
${OK}[]}
${OK}[]}
${OK}[$(pm alice a1 7)]}
${OK}[$(pm bob m4 4),$(pm bob m5 5)]}
${OK}[]}" \
	"$(rc_as alice '{"cmd":"get_messages","user":"bob","after_id":7}' \
		'{"cmd":"get_messages","user":"bob","after_id":8}' \
		'{"cmd":"get_messages","user":"bob","before_id":1}' \
		'{"cmd":"get_messages","user":"bob","after_id":1000}' \
		'{"cmd":"get_messages","user":"bob","before_id":1000,"limit":1}' \
		'{"cmd":"get_messages","user":"bob","after_id":3,"before_id":6}' \
		'{"cmd":"get_messages","user":"bob","after_id":9007199254740992}')"
rc_expect "another user's view: bob sees a1 once, not alice's self copy" "${OK}[$(pm alice a1 6)]}" \
	"$(rc_as bob '{"cmd":"get_messages","user":"alice","after_id":5}')"
rc_expect "bad pages" "$BAD
$BAD
$BAD
$BAD
$BAD
$BAD
$BAD
$BAD
$BAD
{\"state\":\"error\",\"error\":\"no such user\"}" \
	"$(rc_as alice '{"cmd":"get_messages","user":"bob","limit":0}' \
		'{"cmd":"get_messages","user":"bob","limit":501}' \
		'{"cmd":"get_messages","user":"bob","limit":"5"}' \
		'{"cmd":"get_messages","user":"bob","limit":2.5}' \
		'{"cmd":"get_messages","user":"bob","after_id":-1}' \
		'{"cmd":"get_messages","user":"bob","after_id":9007199254740993}' \
		'{"cmd":"get_messages","user":"bob","before_id":true}' \
		'{"cmd":"get_messages","user":"bob","before_id":null}' \
		'{"cmd":"get_messages","user":"bob","after_id":123456789012345678901234567890}' \
		'{"cmd":"get_messages","user":"nobody","limit":1}')"

rc_expect "waits answered at once" "${OK}[$(wm 1 bob bob m1),$(wm 2 bob bob m2),$(wm 3 bob bob m3)]}
${OK}[$(wm 7 alice bob a1),$(wm 8 carol carol c1)]}
${OK}[]}" "$(rc_as alice '{"cmd":"wait_messages","after_id":0,"limit":3}' \
	'{"cmd":"wait_messages","after_id":5}' '{"cmd":"wait_messages","after_id":8,"timeout_ms":0}')"
rc_expect "bob's inbox" "${OK}[$(wm 6 alice alice a1)]}
${OK}6}" "$(rc_as bob '{"cmd":"wait_messages","after_id":0}' '{"cmd":"last_message_id"}')"
rc_expect "last_message_id" "${OK}8}
${OK}0}" "$(rc_as alice '{"cmd":"last_message_id"}')
$(rc_as carol '{"cmd":"last_message_id"}')"
rc_expect "bad waits" "$BAD
$BAD
$BAD
$BAD
$BAD
$BAD
$BAD" "$(rc_as alice '{"cmd":"wait_messages"}' '{"cmd":"wait_messages","after_id":"1"}' \
	'{"cmd":"wait_messages","after_id":-1}' '{"cmd":"wait_messages","after_id":1,"timeout_ms":-1}' \
	'{"cmd":"wait_messages","after_id":1,"timeout_ms":"x"}' '{"cmd":"wait_messages","after_id":1,"limit":0}' \
	'{"cmd":"wait_messages","after_id":1,"limit":501}')"

rc_expect "a wait that times out" "${OK}[]}" "$(rc_as alice '{"cmd":"wait_messages","after_id":8,"timeout_ms":1000}')"
parked 0

# A wait ended by a new request: [] first, then the answer, long before
# the wait's own time (clamped to the server's bound) would end.
start=$(date +%s)
rc_expect "a wait ended by a new request" "${OK}[]}
${OK}\"pong\"}
${OK}[]}
${OK}8}" "$($TC --key "$RC_TMP/alice" pipe '{"cmd":"wait_messages","after_id":8,"timeout_ms":999999999}' \
	'{"cmd":"ping"}' '{"cmd":"wait_messages","after_id":8,"timeout_ms":30000}' '{"cmd":"last_message_id"}')"
[ $(($(date +%s) - start)) -lt 25 ] || rc_fail "the new requests waited for the parked waits to time out"

# One waiter woken by a message.
$TC --timeout 60000 --key "$RC_TMP/alice" waiters 1 '{"cmd":"wait_messages","after_id":8,"timeout_ms":50000}' \
	>"$RC_TMP/one" &
one=$!
sent_all "$RC_TMP/one"
rc_as bob '{"cmd":"send_message","user":"alice","content":"wake"}' >/dev/null
wait $one
rc_expect "a waiter woken by a message" "waiting 1
1 ${OK}[$(wm 9 bob bob wake)]}" "$(cat "$RC_TMP/one")"

# 200 waiters, one message: everyone gets it.
before=$(count_in "$RC_SERVER_LOG" 'wait parked')
$TC --timeout 60000 --key "$RC_TMP/carol" waiters 200 '{"cmd":"wait_messages","after_id":9,"timeout_ms":50000}' \
	>"$RC_TMP/many" &
many=$!
sent_all "$RC_TMP/many"
parked $((before + 199))
rc_as alice '{"cmd":"send_message","user":"carol","content":"to all of you"}' >/dev/null
wait $many
rc_expect "200 waiters woken by one message" "waiting 200
200 ${OK}[$(wm 10 alice alice "to all of you")]}" "$(cat "$RC_TMP/many")"

# A waiter that hangs up costs nothing: the server carries on.
before=$(count_in "$RC_SERVER_LOG" 'peer closed')
rc_expect "a waiter hangs up" "hung up" \
	"$($TC --key "$RC_TMP/alice" hangup '{"cmd":"wait_messages","after_id":10,"timeout_ms":50000}')"
await 10 "noticing the waiter hang up" more_than "$RC_SERVER_LOG" 'peer closed' "$before"
rc_expect "after the hang-up" "${SENT}
${OK}[$(wm 11 bob bob after)]}" "$(rc_as bob '{"cmd":"send_message","user":"alice","content":"after"}')
$(rc_as alice '{"cmd":"wait_messages","after_id":10}')"

# Shutting down with a wait parked: the waiter's connection is closed, the
# server exits 0 at once (rc_server_stop) without waiting for the wait.
before=$(count_in "$RC_SERVER_LOG" 'wait parked')
$TC --timeout 60000 --key "$RC_TMP/alice" waiters 1 '{"cmd":"wait_messages","after_id":11,"timeout_ms":50000}' \
	>"$RC_TMP/last" &
last=$!
parked "$before"
start=$(date +%s)
rc_server_stop
wait $last
rc_expect "a parked wait at shutdown" "waiting 1
1 closed" "$(cat "$RC_TMP/last")"
[ $(($(date +%s) - start)) -lt 20 ] || rc_fail "the shutdown waited for the parked wait"
