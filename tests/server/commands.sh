#!/bin/sh
# Every command, response and error text of wire-protocol.md section 5
# against a real server and PostgreSQL, including the original's example
# scenario (two users chatting, with and without self copies).
. "$top_srcdir/tests/lib/harness.sh"

rc_pg_start
rc_server_start
TC="$top_builddir/tests/server/test-client --port $RC_PORT"
for u in alice bob carol dave; do
	rc_genkey 1024 "$RC_TMP/$u"
done
# A key file's decimal e or n.
key_part() {
	sed -n "s/^$2 \([0-9]*\)$/\1/p" "$RC_TMP/$1"
}
OK='{"state":"ok","data":'
ERR='{"state":"error","error":'

rc_expect "anonymous connection" \
"${OK}\"pong\"}
${ERR}\"no auth\"}
${ERR}\"no auth\"}
${ERR}\"no auth\"}
${ERR}\"no auth\"}
${ERR}\"no auth\"}
${ERR}\"no auth\"}
${ERR}\"no login\"}
${ERR}\"no login\"}
${ERR}\"no login\"}
${ERR}\"no login\"}
${OK}\"welcome\"}
${ERR}\"already registered\",\"login\":\"alice\"}
${OK}[]}
${ERR}\"incorrect cmd\"}
${ERR}\"incorrect cmd\"}
${ERR}\"incorrect cmd\"}
${ERR}\"incorrect cmd\"}
${OK}\"pong\"}
${OK}\"goodbye\"}
closed" \
"$(rc_as alice '{"cmd":"ping"}' '{"cmd":"get_users"}' \
	'{"cmd":"send_message","user":"x","content":"y"}' '[1,2]' 'not json' '{"cmd":5}' '{}' \
	'{"cmd":"register"}' '{"cmd":"register","login":""}' '{"cmd":"register","login":5}' \
	'{"cmd":"register","login":null}' \
	'{"cmd":"register","login":"alice"}' '{"cmd":"register","login":"alice"}' \
	'{"cmd":"get_users"}' '{"cmd":"nope"}' '"get_users"' '{}' '{"cmd":["ping"]}' \
	'{"cmd":"ping","extra":[1,2,3]}' '{"cmd":"goodbye"}' '{"cmd":"ping"}')"

# A new connection with the same key is alice at once.
rc_expect "key is identity" "${ERR}\"already registered\",\"login\":\"alice\"}" \
	"$(rc_as alice '{"cmd":"register","login":"other"}')"

rc_expect "login exists, then register" \
"${ERR}\"login exists\"}
${OK}\"welcome\"}
${OK}[{\"login\":\"alice\",\"open_exponent\":$(key_part alice e),\"module\":$(key_part alice n)}]}" \
"$(rc_as bob '{"cmd":"register","login":"alice"}' '{"cmd":"register","login":"bob"}' '{"cmd":"get_users"}')"

rc_expect "message errors" \
"${ERR}\"no user or content\"}
${ERR}\"no user or content\"}
${ERR}\"no user or content\"}
${ERR}\"no user or content\"}
${ERR}\"no user or content\"}
${ERR}\"no user or content\"}
${ERR}\"no such user\"}
${ERR}\"no user\"}
${ERR}\"no user\"}
${ERR}\"no user\"}
${ERR}\"no such user\"}" \
"$(rc_as bob '{"cmd":"send_message","content":"hi"}' '{"cmd":"send_message","user":"","content":"hi"}' \
	'{"cmd":"send_message","user":"alice"}' '{"cmd":"send_message","user":"alice","content":""}' \
	'{"cmd":"send_message","user":"alice","content":5}' '{"cmd":"send_message","user":7,"content":"hi"}' \
	'{"cmd":"send_message","user":"zed","content":"hi"}' \
	'{"cmd":"get_messages"}' '{"cmd":"get_messages","user":""}' '{"cmd":"get_messages","user":1}' \
	'{"cmd":"get_messages","user":"zed"}')"

# The example scenario. self_copy is read with Python truthiness.
rc_expect "bob sends" \
"${OK}\"sent\"}
${OK}\"sent\"}" \
"$(rc_as bob '{"cmd":"send_message","user":"alice","content":"b1"}' \
	'{"cmd":"send_message","user":"alice","content":"b1 self","self_copy":true}')"
rc_expect "alice sends" \
"${OK}\"sent\"}
${OK}\"sent\"}" \
"$(rc_as alice '{"cmd":"send_message","user":"bob","content":"a1","self_copy":false}' \
	'{"cmd":"send_message","user":"bob","content":"a1 self","self_copy":true}')"
rc_expect "bob sends with odd self_copy values" \
"${OK}\"sent\"}
${OK}\"sent\"}
${OK}\"sent\"}" \
"$(rc_as bob '{"cmd":"send_message","user":"alice","content":"b2","self_copy":0}' \
	'{"cmd":"send_message","user":"alice","content":"b2 self","self_copy":"yes"}' \
	'{"cmd":"send_message","user":"alice","content":"b3","self_copy":null}')"

rc_expect "alice reads bob" \
"${OK}[{\"user\":\"bob\",\"created_at\":\"T\",\"content\":\"b1\"},{\"user\":\"alice\",\"created_at\":\"T\",\"content\":\"a1 self\"},{\"user\":\"bob\",\"created_at\":\"T\",\"content\":\"b2\"},{\"user\":\"bob\",\"created_at\":\"T\",\"content\":\"b3\"}]}" \
"$(rc_as alice '{"cmd":"get_messages","user":"bob"}')"
rc_expect "bob reads alice" \
"${OK}[{\"user\":\"bob\",\"created_at\":\"T\",\"content\":\"b1 self\"},{\"user\":\"alice\",\"created_at\":\"T\",\"content\":\"a1\"},{\"user\":\"bob\",\"created_at\":\"T\",\"content\":\"b2 self\"}]}" \
"$(rc_as bob '{"cmd":"get_messages","user":"alice"}')"

# Stored stamps are real insert times, in id order.
rc_expect "created_on follows id" "t" \
	"$(rc_psql -A -t -c 'SELECT bool_and(ok) FROM (SELECT created_on >= lag(created_on, 1, created_on) OVER (ORDER BY id) AS ok FROM message) s')"

rc_expect "carol sees nothing of others' chats" \
"${OK}\"welcome\"}
${OK}[]}
${OK}[]}" \
"$(rc_as carol '{"cmd":"register","login":"carol"}' '{"cmd":"get_messages","user":"alice"}' '{"cmd":"get_messages","user":"bob"}')"

rc_expect "get_users lists every other user, exact numbers" \
"${OK}[{\"login\":\"alice\",\"open_exponent\":$(key_part alice e),\"module\":$(key_part alice n)},{\"login\":\"bob\",\"open_exponent\":$(key_part bob e),\"module\":$(key_part bob n)}]}" \
"$(rc_as carol '{"cmd":"get_users"}')"
fingerprint_of() {
	HOME=$RC_TMP "$top_builddir/client/rsa-chat" --key "$RC_TMP/$1" fingerprint
}
rc_expect "get_users with fingerprints (ours): the keys' fingerprints instead of the keys" \
"${OK}[{\"login\":\"alice\",\"fingerprint\":\"$(fingerprint_of alice)\"},{\"login\":\"bob\",\"fingerprint\":\"$(fingerprint_of bob)\"}]}
${OK}[{\"login\":\"alice\",\"open_exponent\":$(key_part alice e),\"module\":$(key_part alice n)},{\"login\":\"bob\",\"open_exponent\":$(key_part bob e),\"module\":$(key_part bob n)}]}" \
"$(rc_as carol '{"cmd":"get_users","fingerprints":true}' '{"cmd":"get_users","fingerprints":"yes"}')"

# A chat with oneself: stored, and shown once per message (no self copies).
rc_expect "chat with oneself" \
"${OK}\"sent\"}
${OK}\"sent\"}
${OK}[{\"user\":\"carol\",\"created_at\":\"T\",\"content\":\"note\"}]}" \
"$(rc_as carol '{"cmd":"send_message","user":"carol","content":"note"}' \
	'{"cmd":"send_message","user":"carol","content":"note self","self_copy":true}' \
	'{"cmd":"get_messages","user":"carol"}')"

long255=$(printf '%0255d' 0 | tr 0 x)
rc_expect "login length counts characters" \
"${ERR}\"login too long\"}
${OK}\"welcome\"}
${ERR}\"already registered\",\"login\":\"$long255\"}" \
"$(rc_as dave "{\"cmd\":\"register\",\"login\":\"y$long255\"}" "{\"cmd\":\"register\",\"login\":\"$long255\"}" \
	'{"cmd":"register","login":"dave"}')"

rc_expect "unicode login and content" \
"${OK}\"welcome\"}
${OK}\"sent\"}" \
"$(rm -f "$RC_TMP/dave"*; rc_genkey 1024 "$RC_TMP/dave"; \
	rc_as dave '{"cmd":"register","login":"Зоя"}' '{"cmd":"send_message","user":"alice","content":"привет ✓"}')"
rc_expect "alice reads Зоя" \
"${OK}[{\"user\":\"Зоя\",\"created_at\":\"T\",\"content\":\"привет ✓\"}]}" \
"$(rc_as alice '{"cmd":"get_messages","user":"Зоя"}')"

# Content comes back exactly as sent: quotes, backslashes, control
# characters, a slash and UTF-8 (the history's JSON text is written by
# hand, dispatch.c).
rc_genkey 1024 "$RC_TMP/erin"
rc_expect "odd characters round trip" \
"${OK}\"sent\"}
${OK}[{\"user\":\"erin\",\"created_at\":\"T\",\"content\":\"q\\\"b\\\\s/t\\tn\\nr\\rf\\fb\\bc\\u0001\\u001f é 😀\"}]}" \
"$(rc_as erin '{"cmd":"register","login":"erin"}' >/dev/null
	rc_as erin '{"cmd":"send_message","user":"erin","content":"q\"b\\s\/t\tn\nr\rf\fb\bc\u0001\u001f é 😀"}' \
	'{"cmd":"get_messages","user":"erin"}')"

# An answer far larger than the socket buffers (5 MB), to a client that
# does not read at once, goes out in many writes.
rc_psql -c "INSERT INTO message (content, sender, receiver) SELECT repeat('x', 1000), 'carol', 'alice' FROM generate_series(1, 5000)"
$TC --key "$RC_TMP/alice" --timeout 60000 abuse slow-reader >"$RC_TMP/big.out" ||
	rc_fail "test-client failed"
blocks=$(sed -n 's/^blocks //p' "$RC_TMP/big.out")
[ "${blocks:-0}" -gt 40000 ] || rc_fail "a 5 MB answer in only ${blocks:-0} blocks"
grep -q '^tail x*"}]}$' "$RC_TMP/big.out" || rc_fail "the 5 MB answer does not end as it should: $(tail -c 300 "$RC_TMP/big.out")"
echo "ok - a 5 MB answer to a slow reader arrives whole ($blocks blocks)"

rc_server_stop
grep -q 'registered a new user' "$RC_SERVER_LOG" || rc_fail "registrations are not logged"
if grep -q 'alice\|b1 self' "$RC_SERVER_LOG"; then
	rc_fail "the log holds logins or message contents"
fi
