#!/bin/sh
# The exactly-once extension (send_message's msg_id): a retry answers "sent"
# and stores nothing, a reused name with another message is refused, names
# are per sender, bad names are refused, a send without one is as before,
# two servers racing one name store one row, and rsa-chat send names its
# copies (--msg-id for a script's retries).
. "$top_srcdir/tests/lib/harness.sh"

rc_pg_start
rc_server_start
A="$top_builddir/tests/server/test-client --port $RC_PORT"
rc_server_start
B="$top_builddir/tests/server/test-client --port $RC_PORT"
for u in alice bob carol; do
	rc_genkey 1024 "$RC_TMP/$u"
	$A --key "$RC_TMP/$u" req "{\"cmd\":\"register\",\"login\":\"$u\"}" >/dev/null || rc_fail "register $u"
done
OK='{"state":"ok","data":'
SENT="${OK}\"sent\"}"
rows() {
	rc_psql -A -t -c "SELECT count(*) FROM message WHERE $1"
}

rc_expect "a named message, its retry and its self copy" "$SENT
$SENT
$SENT
$SENT" "$($A --key "$RC_TMP/alice" req \
	'{"cmd":"send_message","user":"bob","content":"hi","msg_id":"m1-r"}' \
	'{"cmd":"send_message","user":"bob","content":"hi","msg_id":"m1-r"}' \
	'{"cmd":"send_message","user":"bob","content":"hi me","self_copy":true,"msg_id":"m1-s"}' \
	'{"cmd":"send_message","user":"bob","content":"hi me","self_copy":true,"msg_id":"m1-s"}')"
rc_expect "stored once each" "1|1" "$(rows "msg_id = 'm1-r'")|$(rows "msg_id = 'm1-s'")"
rc_expect "the retry through the other server" "$SENT" \
	"$($B --key "$RC_TMP/alice" req '{"cmd":"send_message","user":"bob","content":"hi","msg_id":"m1-r"}')"
rc_expect "bob reads it once" "${OK}[{\"user\":\"alice\",\"created_at\":\"T\",\"content\":\"hi\"}]}" \
	"$($A --key "$RC_TMP/bob" req '{"cmd":"get_messages","user":"alice"}')"

REUSED='{"state":"error","error":"msg_id reused"}'
rc_expect "a reused name: other content, receiver or self_copy" "$REUSED
$REUSED
$REUSED
$REUSED" "$($A --key "$RC_TMP/alice" req \
	'{"cmd":"send_message","user":"bob","content":"other","msg_id":"m1-r"}' \
	'{"cmd":"send_message","user":"carol","content":"hi","msg_id":"m1-r"}' \
	'{"cmd":"send_message","user":"bob","content":"hi","self_copy":true,"msg_id":"m1-r"}' \
	'{"cmd":"send_message","user":"nobody","content":"hi","msg_id":"m1-r"}')"
rc_expect "a name of a stored message, to a user that does not exist" \
	'{"state":"error","error":"no such user"}' \
	"$($A --key "$RC_TMP/alice" req '{"cmd":"send_message","user":"nobody","content":"x","msg_id":"m2"}')"
rc_expect "nothing more stored" "2" "$(rows "sender = 'alice'")"
rc_expect "another sender's name is its own" "$SENT" \
	"$($A --key "$RC_TMP/carol" req '{"cmd":"send_message","user":"bob","content":"yo","msg_id":"m1-r"}')"
rc_expect "one row per sender" "alice|hi
carol|yo" "$(rc_psql -A -t -c "SELECT sender, content FROM message WHERE msg_id = 'm1-r' ORDER BY sender")"

BAD='{"state":"error","error":"bad msg_id"}'
long=$(printf '%065d' 0)
rc_expect "bad names" "$BAD
$BAD
$BAD
$BAD
$BAD
$BAD
$BAD" "$($A --key "$RC_TMP/alice" req \
	'{"cmd":"send_message","user":"bob","content":"b","msg_id":""}' \
	"{\"cmd\":\"send_message\",\"user\":\"bob\",\"content\":\"b\",\"msg_id\":\"$long\"}" \
	'{"cmd":"send_message","user":"bob","content":"b","msg_id":"a b"}' \
	'{"cmd":"send_message","user":"bob","content":"b","msg_id":"a\u0000b"}' \
	'{"cmd":"send_message","user":"bob","content":"b","msg_id":"\u00e9"}' \
	'{"cmd":"send_message","user":"bob","content":"b","msg_id":7}' \
	'{"cmd":"send_message","user":"bob","content":"b","msg_id":null}')"
rc_expect "the longest name and every character" "$SENT" \
	"$($A --key "$RC_TMP/alice" req \
	"{\"cmd\":\"send_message\",\"user\":\"bob\",\"content\":\"b\",\"msg_id\":\"${long#0}\"}")"
rc_expect "ok" "$SENT" "$($A --key "$RC_TMP/alice" req \
	'{"cmd":"send_message","user":"bob","content":"b","msg_id":"AZaz09_-"}')"
rc_expect "a send without a name (old clients): stored every time" "$SENT
$SENT
2" "$($A --key "$RC_TMP/alice" req '{"cmd":"send_message","user":"bob","content":"plain"}' \
	'{"cmd":"send_message","user":"bob","content":"plain"}'; rows "content = 'plain' AND msg_id IS NULL")"

# Two servers race one name, many times: every send answers "sent", one row
# each; with other content the loser is told "msg_id reused".
# send_in_background CLIENT SENDER RECEIVER CONTENT MSG_ID OUT: adds its pid to $pids.
send_in_background() {
	$1 --key "$RC_TMP/$2" req "{\"cmd\":\"send_message\",\"user\":\"$3\",\"content\":\"$4\",\"msg_id\":\"$5\"}" \
		>"$RC_TMP/$6" &
	pids="$pids $!"
}
i=0
while [ $i -lt 20 ]; do
	pids=
	send_in_background "$A" carol bob "r$i" "race$i" "a$i"
	send_in_background "$B" carol bob "r$i" "race$i" "b$i"
	send_in_background "$B" bob carol "x$i" "clash$i" "c$i"
	send_in_background "$A" bob carol "y$i" "clash$i" "d$i"
	wait $pids
	rc_expect "race $i: both sent" "$SENT
$SENT" "$(cat "$RC_TMP/a$i" "$RC_TMP/b$i")"
	rc_expect "clash $i: one sent, one reused" "$REUSED
$SENT" "$(cat "$RC_TMP/c$i" "$RC_TMP/d$i" | sort)"
	i=$((i + 1))
done
rc_expect "one row per raced name" "40|40|40" \
	"$(rows "msg_id LIKE 'race%' OR msg_id LIKE 'clash%'")|$(rc_psql -A -t -c \
	"SELECT count(DISTINCT (sender, msg_id)) FROM message WHERE msg_id LIKE 'race%' OR msg_id LIKE 'clash%'")|$(rows \
	"(msg_id LIKE 'race%' AND content = 'r' || substr(msg_id, 5)) OR msg_id LIKE 'clash%'")"

# rsa-chat send names every copy; --msg-id lets a script retry exactly once.
HOME=$RC_TMP/home XDG_DATA_HOME=$RC_TMP/data
export HOME XDG_DATA_HOME
mkdir -p "$HOME"
chat_as() {
	who=$1
	shift
	"$top_builddir/client/rsa-chat" --port "$RC_PORT" --key "$RC_TMP/$who" "$@"
}
rc_expect "send --msg-id twice" "sent
sent
1|1" "$(chat_as carol send --msg-id script-1 bob "retried"; chat_as carol send bob "retried" --msg-id script-1
	rows "sender = 'carol' AND msg_id = 'script-1-r'")|$(rows "sender = 'carol' AND msg_id = 'script-1-s'")"
rc_expect "--json shows a fresh name" "1" \
	"$(chat_as carol --json send bob "fresh" | sed -n 's/.*"msg_id":"\([0-9a-f]\{32\}\)".*/\1/p' | wc -l)"
chat_as carol send --msg-id "no good" bob "x" 2>"$RC_TMP/err" && rc_fail "a bad --msg-id was sent"
rc_expect "a bad --msg-id is a usage error" "2" "$(chat_as carol send --msg-id "no good" bob "x" 2>/dev/null; echo $?)"
grep -q "bad message id" "$RC_TMP/err" || rc_fail "no reason for the bad --msg-id: $(cat "$RC_TMP/err")"
