#!/bin/sh
# Two servers on one database: what goes in through one comes out of the
# other, and racing registrations through both end with one winner.
. "$top_srcdir/tests/lib/harness.sh"

rc_pg_start
rc_server_start
A="$top_builddir/tests/server/test-client --port $RC_PORT"
rc_server_start --response-chunk original
B="$top_builddir/tests/server/test-client --port $RC_PORT"
for u in alice bob c1 c2 d; do
	rc_genkey 1024 "$RC_TMP/$u"
done
OK='{"state":"ok","data":'

rc_expect "alice registers through A" "${OK}\"welcome\"}" "$($A --key "$RC_TMP/alice" req '{"cmd":"register","login":"alice"}')"
rc_expect "bob registers and sends through B" "${OK}\"welcome\"}
${OK}\"sent\"}" "$($B --key "$RC_TMP/bob" req '{"cmd":"register","login":"bob"}' \
	'{"cmd":"send_message","user":"alice","content":"via B"}')"
rc_expect "alice reads through A, answers with a self copy" \
"${OK}[{\"user\":\"bob\",\"created_at\":\"T\",\"content\":\"via B\"}]}
${OK}\"sent\"}
${OK}\"sent\"}" "$($A --key "$RC_TMP/alice" req '{"cmd":"get_messages","user":"bob"}' \
	'{"cmd":"send_message","user":"bob","content":"via A"}' \
	'{"cmd":"send_message","user":"bob","content":"via A self","self_copy":true}')"
rc_expect "bob reads through B" "${OK}[{\"user\":\"alice\",\"created_at\":\"T\",\"content\":\"via A\"}]}" \
	"$($B --key "$RC_TMP/bob" req '{"cmd":"get_messages","user":"alice"}')"
rc_expect "alice's self copy through B" "${OK}[{\"user\":\"bob\",\"created_at\":\"T\",\"content\":\"via B\"},{\"user\":\"alice\",\"created_at\":\"T\",\"content\":\"via A self\"}]}" \
	"$($B --key "$RC_TMP/alice" req '{"cmd":"get_messages","user":"bob"}')"

# Two keys race for one login, one key races for two logins.
$A --key "$RC_TMP/c1" req '{"cmd":"register","login":"carol"}' >"$RC_TMP/r1" &
p1=$!
$B --key "$RC_TMP/c2" req '{"cmd":"register","login":"carol"}' >"$RC_TMP/r2" &
p2=$!
$A --key "$RC_TMP/d" req '{"cmd":"register","login":"d1"}' >"$RC_TMP/r3" &
p3=$!
$B --key "$RC_TMP/d" req '{"cmd":"register","login":"d2"}' >"$RC_TMP/r4" &
p4=$!
wait $p1 $p2 $p3 $p4
rc_expect "one login, two keys: one winner" "${OK}\"welcome\"}
{\"state\":\"error\",\"error\":\"login exists\"}" "$(cat "$RC_TMP/r1" "$RC_TMP/r2" | sort -r)"
winner=$(rc_psql -A -t -c "SELECT login FROM \"user\" WHERE login IN ('d1', 'd2')")
rc_expect "one key, two logins: one winner" "${OK}\"welcome\"}
{\"state\":\"error\",\"error\":\"already registered\",\"login\":\"$winner\"}" "$(cat "$RC_TMP/r3" "$RC_TMP/r4" | sort -r)"
