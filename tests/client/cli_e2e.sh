#!/bin/sh
# End to end through the scriptable mode with a real PostgreSQL and server:
# registration, users, messages with self copies (Cyrillic, CJK, emoji, 5 KB),
# errors and their exit statuses, unread counts, tail, --json, a server
# whose key changed, and one that requires a proof of key possession.
. "$top_srcdir/tests/lib/harness.sh"

JSONL=$top_builddir/tests/client/jsonl_fields
rc_pg_start
rc_server_start
FIRST_PORT=$RC_PORT
CHAT=$top_builddir/client/rsa-chat
HOME=$RC_TMP/home
XDG_DATA_HOME=$RC_TMP/data
export HOME XDG_DATA_HOME
mkdir -p "$HOME"
for who in alice bob carol dave; do
	rc_genkey 1024 "$RC_TMP/$who.key"
done

# as WHO [ARGS]: runs the client as WHO; stdout in $RC_TMP/out, stderr in
# $RC_TMP/err, exit status in $st.
as() {
	who=$1
	shift
	"$CHAT" --port "${PORT:-$RC_PORT}" --key "$RC_TMP/$who.key" "$@" >"$RC_TMP/out" 2>"$RC_TMP/err"
	st=$?
}

# expect_status LABEL STATUS: the last run ended with STATUS.
expect_status() {
	[ "$st" -eq "$2" ] || rc_fail "$1: exit status $st, expected $2; stderr: $(cat "$RC_TMP/err")"
	echo "ok - $1 (exit $2)"
}

# expect_in LABEL FILE TEXT: FILE holds TEXT.
expect_in() {
	grep -qF -- "$3" "$2" || rc_fail "$1: '$3' not in $(cat "$2")"
	echo "ok - $1"
}

HOME=$RC_TMP/nokey "$CHAT" --port "$RC_PORT" users >"$RC_TMP/out" 2>"$RC_TMP/err"
st=$?
expect_status "no key" 1
# generate-keys is not on the tests' PATH: the hint names it by its path (issue 15, item 5).
expect_in "the no-key hint is ready to paste" "$RC_TMP/err" \
	"make one with: $(cd "$top_builddir/utils" && pwd -P)/generate-keys -o $RC_TMP/nokey/.rsa-chat/id_rsa_chat"

as alice fingerprint
expect_status "fingerprint without a server" 0
expect_in "fingerprint format" "$RC_TMP/out" "SHA256:"

as alice register alice
expect_status "register alice" 0
rc_expect "register output" "registered as alice" "$(cat "$RC_TMP/out")"
expect_in "new server key pinned" "$RC_TMP/err" "pinned the key of new server"
as bob register bob
expect_status "register bob" 0
as alice register alice
expect_status "register again" 0
rc_expect "already registered" "already registered as alice" "$(cat "$RC_TMP/out")"
as alice register alicia
expect_status "register under another name" 3
expect_in "another name refused" "$RC_TMP/err" "already registered (as alice)"
as carol register bob
expect_status "login taken" 3
expect_in "login exists" "$RC_TMP/err" "login exists"

# What a new user trips over (issue 15): short options, a message to
# oneself, the real size of a long text, the .pub given as the key.
as alice -h
expect_status "-h" 0
expect_in "-h prints the usage" "$RC_TMP/out" "Usage: rsa-chat"
as alice -V
expect_status "-V" 0
expect_in "-V prints the version" "$RC_TMP/out" "rsa-chat"
as alice send alice "to me"
expect_status "a message to oneself" 2
expect_in "a message to oneself is named" "$RC_TMP/err" "send: alice is you"
head -c 10000 /dev/zero | tr '\0' x >"$RC_TMP/long.txt"
"$CHAT" --port "$RC_PORT" --key "$RC_TMP/alice.key" send bob - <"$RC_TMP/long.txt" >"$RC_TMP/out" 2>"$RC_TMP/err"
st=$?
expect_status "a text over the limit" 2
expect_in "its real size" "$RC_TMP/err" "message too long: 10000 bytes, at most 8192"
chmod 644 "$RC_TMP/alice.key.pub"
as alice --key "$RC_TMP/alice.key.pub" users
expect_status "the public key file given as the key" 1
expect_in "says it is the public key file" "$RC_TMP/err" "this is a public key file, not a private key"
as alice --json send nobody "hi"
expect_status "--json: an unknown user" 3
rc_expect "--json: the error is a JSON object on stderr" '{"error":"send: no such user","exit":3}' "$(cat "$RC_TMP/err")"
as alice --json nope
expect_status "--json: an unknown command" 2
rc_expect "--json: usage errors too" "{\"error\":\"unknown command 'nope' (see --help)\",\"exit\":2}" "$(cat "$RC_TMP/err")"

as carol users
expect_status "users while not registered" 3
expect_in "no auth" "$RC_TMP/err" "no auth"

as alice users
expect_status "users" 0
expect_in "users lists bob" "$RC_TMP/out" "bob SHA256:"

TEXT='Привет, Bob! 日本語 👋 emoji'
as alice send bob "$TEXT"
expect_status "send" 0
rc_expect "send output" "sent" "$(cat "$RC_TMP/out")"
as bob history alice
expect_status "history at the recipient" 0
expect_in "recipient reads it" "$RC_TMP/out" "alice: $TEXT"
as alice history bob
expect_status "history at the sender" 0
expect_in "sender reads its self copy" "$RC_TMP/out" "alice: $TEXT"
as bob send alice "Здравствуй" --no-self-copy
expect_status "send without self copy" 0
as bob history alice
if grep -qF "Здравствуй" "$RC_TMP/out"; then
	rc_fail "a message sent with --no-self-copy shows in the sender's history"
fi
echo "ok - no self copy, no own history entry"

# About 5 KB of mixed text through stdin, checked byte for byte via --json.
line='Съешь же ещё этих мягких французских булок, 日本語 🎉 0123456789'
i=0
while [ $i -lt 50 ]; do
	printf '%s\n' "$line"
	i=$((i + 1))
done >"$RC_TMP/big.txt"
as alice send bob - <"$RC_TMP/big.txt"
expect_status "send 5 KB from stdin" 0
as bob --json history alice
expect_status "history --json" 0
"$JSONL" "$RC_TMP/out" from decrypted >"$RC_TMP/rows" || rc_fail "history --json does not parse: $(cat "$RC_TMP/out")"
rc_expect "history --json rows" "$(printf 'alice\ttrue\nalice\ttrue')" "$(cat "$RC_TMP/rows")"
"$JSONL" "$RC_TMP/out" text >"$RC_TMP/texts" || rc_fail "history --json texts"
{ printf '%s\n' "$TEXT"; cat "$RC_TMP/big.txt"; } >"$RC_TMP/expected"
cmp -s "$RC_TMP/expected" "$RC_TMP/texts" || rc_fail "the 5 KB text did not round-trip: $(diff "$RC_TMP/expected" "$RC_TMP/texts")"
echo "ok - --json parses and $(wc -c <"$RC_TMP/big.txt") bytes round-trip"

as alice send nobody hello
expect_status "send to an unknown user" 3
expect_in "no such user" "$RC_TMP/err" "no such user"
printf 'a\000b' >"$RC_TMP/nul.txt"
as alice send bob - <"$RC_TMP/nul.txt"
expect_status "NUL refused" 2
expect_in "NUL message" "$RC_TMP/err" "NUL"
head -c 9000 /dev/zero | tr '\000' x >"$RC_TMP/long.txt"
as alice send bob - <"$RC_TMP/long.txt"
expect_status "over-long text refused" 2
expect_in "too long message" "$RC_TMP/err" "too long"
as alice send bob
expect_status "usage error" 2
as alice frobnicate
expect_status "unknown command" 2

# Unread: bob has read everything (history above); two more arrive.
as bob unread
expect_status "unread" 0
rc_expect "nothing unread" "alice 0" "$(cat "$RC_TMP/out")"
as alice send bob "one more"
as alice send bob "and another"
as bob --json unread
expect_status "unread --json" 0
rc_expect "two unread" '{"login":"alice","unread":2}' "$(cat "$RC_TMP/out")"
as bob history alice
as bob unread
rc_expect "read after history" "alice 0" "$(cat "$RC_TMP/out")"

# tail: waits for its start-up notice, then two messages arrive.
"$CHAT" --port "$RC_PORT" --key "$RC_TMP/bob.key" --poll-interval 0.2 --json tail --count 2 \
	>"$RC_TMP/tail.out" 2>"$RC_TMP/tail.err" &
TAIL_PID=$!
tries=0
until grep -q "following" "$RC_TMP/tail.err"; do
	tries=$((tries + 1))
	[ $tries -lt 100 ] || rc_fail "tail did not start: $(cat "$RC_TMP/tail.err")"
	sleep 0.1
done
as alice send bob "tail 1"
as carol register carol
as carol send bob "tail 2 от Кэрол"
tries=0
while kill -0 $TAIL_PID 2>/dev/null; do
	tries=$((tries + 1))
	[ $tries -lt 200 ] || { kill $TAIL_PID; rc_fail "tail --count 2 did not end: $(cat "$RC_TMP/tail.out")"; }
	sleep 0.1
done
wait $TAIL_PID || rc_fail "tail exited with status $?: $(cat "$RC_TMP/tail.err")"
"$JSONL" "$RC_TMP/tail.out" from text >"$RC_TMP/rows" || rc_fail "tail --json does not parse: $(cat "$RC_TMP/tail.out")"
rc_expect "tail output" "$(printf 'alice\ttail 1\ncarol\ttail 2 от Кэрол')" "$(cat "$RC_TMP/rows")"
echo "ok - tail --count 2 prints the two new messages"

as dave --login dave users
expect_status "--login registers a fresh key on the way" 0
expect_in "registered on the way" "$RC_TMP/err" "registered as dave"
as dave --login dave users
expect_status "--login with a registered key" 0

# Issue 11, finding 8: logins and texts from others cannot forge output
# lines or hide; look-alikes are marked. The hostile logins are written into
# the database, whatever a server would let register: a newline and a forged
# line, a zero width space, a C1 CSI, a right-to-left override.
for who in mallory zoe yann xena; do
	rc_genkey 1024 "$RC_TMP/$who.key"
	as $who register $who
	expect_status "register $who" 0
done
FORGED_LINE='[2026-01-01 00:00:00] bob: pay mallory'
rc_psql -c "UPDATE \"user\" SET login = E'bob\\n$FORGED_LINE' WHERE login = 'mallory';
	UPDATE \"user\" SET login = U&'carol\\200B' WHERE login = 'zoe';
	UPDATE \"user\" SET login = U&'csi\\009B2J' WHERE login = 'yann';
	UPDATE \"user\" SET login = U&'\\202Eecilrama' WHERE login = 'xena'"
as alice users
expect_status "users with hostile logins" 0
as alice --json users
cp "$RC_TMP/out" "$RC_TMP/users.json"
"$JSONL" "$RC_TMP/users.json" login lookalike >"$RC_TMP/rows" || rc_fail "users --json: $(cat "$RC_TMP/users.json")"
as alice users
rc_expect "one plain line per user" "$(grep -c . "$RC_TMP/users.json")" "$(grep -c . "$RC_TMP/out")"
grep -v '^[^ ]* SHA256:[^ ]*$' "$RC_TMP/out" && rc_fail "users: a line that is not 'LOGIN FINGERPRINT'"
rc_expect "only the real bob line starts with bob" 1 "$(grep -c '^bob SHA256:' "$RC_TMP/out")"
expect_in "a newline in a login is escaped" "$RC_TMP/out" 'bob\u{000A}[2026-01-01\u{0020}00:00:00]\u{0020}bob:\u{0020}pay\u{0020}mallory SHA256:'
expect_in "a zero width space is shown, and marked" "$RC_TMP/out" '≈carol\u{200B} SHA256:'
expect_in "the real carol is marked too" "$RC_TMP/out" '≈carol SHA256:'
expect_in "C1 escaped" "$RC_TMP/out" 'csi\u{009B}2J SHA256:'
expect_in "bidi override escaped" "$RC_TMP/out" '\u{202E}ecilrama SHA256:'
LC_ALL=C grep -q "$(printf '\302\233\|\342\200\256\|\342\200\213')" "$RC_TMP/out" && rc_fail "raw C1, RLO or ZWSP in users"
rc_expect "look-alikes in --json" "$(printf 'carol\ttrue')" "$(grep '^carol	' "$RC_TMP/rows")"
LC_ALL=C grep -q "$(printf '\302\233\|\342\200\256')" "$RC_TMP/users.json" && rc_fail "raw C1 or RLO in users --json"
expect_in "--json escapes C1" "$RC_TMP/users.json" 'csi\u009B2J'
expect_in "--json escapes bidi overrides" "$RC_TMP/users.json" '\u202Eecilrama'
"$JSONL" "$RC_TMP/users.json" login | grep -q "$(printf '^\342\200\256ecilrama$')" ||
	rc_fail "--json users: the exact login does not round-trip"
echo "ok - --json keeps the exact logins"
# A login in its escaped form, as shown (and as the key-change hint prints
# it), names that login: a message to 'carol\u{200B}' goes to the look-alike
# (zoe's key), not to carol.
as alice send 'carol\u{200B}' "to the look-alike"
expect_status "send to a login given as shown" 0
as zoe history alice
expect_in "the look-alike got it" "$RC_TMP/out" "to the look-alike"
as alice history 'carol\u{200B}'
expect_in "history by the shown login" "$RC_TMP/out" "to the look-alike"
as alice history carol
grep -q "to the look-alike" "$RC_TMP/out" && rc_fail "the message went to the real carol"
echo "ok - the real carol did not get it"

# A text with a newline and a forged message line, from a login with one.
as mallory send alice "$(printf 'hello\n%s\nbye' "$FORGED_LINE")"
expect_status "a message with a forged line" 0
as alice history "$(printf 'bob\n%s' "$FORGED_LINE")"
expect_status "history of the hostile login" 0
rc_expect "one message, one header line" 1 "$(grep -c '^\[' "$RC_TMP/out")"
grep -v '^\[\|^  ' "$RC_TMP/out" && rc_fail "history: a line that is neither a header nor a continuation"
expect_in "the forged line is a continuation" "$RC_TMP/out" "  $FORGED_LINE"
as alice unread
LC_ALL=C grep -q "$(printf '\342\200\256')" "$RC_TMP/out" && rc_fail "raw RLO in unread"
expect_in "unread escapes bidi overrides" "$RC_TMP/out" '\u{202E}ecilrama 0'
# send finds one user's key (get_user, or get_users on a server without it).
as alice send "$(printf 'carol\342\200\213')" "to the look-alike"
expect_status "send to a login with a zero width space" 0
as zoe history alice
expect_in "the look-alike got it" "$RC_TMP/out" "to the look-alike"
rc_psql -c "DELETE FROM \"user\" WHERE login NOT IN ('alice', 'bob', 'carol', 'dave')"

# Contents that cannot be decrypted (another key's block, not even JSON)
# show as a marked placeholder, never as garbage.
rc_psql -c "INSERT INTO message (content, sender, receiver) VALUES
	('[\"aGVsbG8gd29ybGQhISE=\"]', 'alice', 'bob'), ('not json', 'alice', 'bob')"
as bob history alice
expect_status "history with undecryptable messages" 0
n=$(grep -c "alice: \[cannot decrypt: not for this key or corrupted\]$" "$RC_TMP/out")
rc_expect "two placeholders" 2 "$n"
as bob --json history alice
"$JSONL" "$RC_TMP/out" decrypted text | tail -n 2 >"$RC_TMP/rows" || rc_fail "history --json"
rc_expect "placeholders in JSON" "$(printf 'false\tnull\nfalse\tnull')" "$(cat "$RC_TMP/rows")"

# Network errors: nobody listens on the port of a stopped server.
rc_server_stop "$RC_SERVER_PID"
PORT=$FIRST_PORT as alice users
expect_status "server down" 4

# A server at a known address with another key: refused, until accepted.
rm -f "$RC_TMP/server.key" "$RC_TMP/server.key.pub"
rc_server_start
KNOWN=$XDG_DATA_HOME/rsa-chat/known_servers
sed -n "s/^127.0.0.1:$FIRST_PORT /127.0.0.1:$RC_PORT /p" "$KNOWN" >>"$KNOWN"
as alice users
expect_status "changed server key" 5
expect_in "loud warning" "$RC_TMP/err" "SERVER KEY CHANGED"
as alice --accept-new-server-key users
expect_status "changed key accepted on request" 0
expect_in "replacement reported" "$RC_TMP/err" "replaced the pinned key"
as alice users
expect_status "accepted key is pinned" 0
expect_in "same database behind the new key" "$RC_TMP/out" "bob SHA256:"

# A server that requires a proof of key possession: the client proves its
# key by itself (every run above proved it too, unasked) and works as before.
rc_server_start --require-key-proof --log-level debug
as alice users
expect_status "users on a server requiring a key proof" 0
expect_in "the same users" "$RC_TMP/out" "bob SHA256:"
# The pins and v2 marks are kept per server address, so this server's are
# new: bob reads alice first to learn again that she reads v2 (else his v1
# after his own v2 messages is shown to alice as suspect, msgv2.sh).
as bob history alice
as bob send alice "proven hello"
expect_status "send on a server requiring a key proof" 0
as alice history bob
expect_in "history on a server requiring a key proof" "$RC_TMP/out" "bob: proven hello"
rc_genkey 1024 "$RC_TMP/erin.key"
as erin --login erin users
expect_status "--login registers on a server requiring a key proof" 0
expect_in "registered after the proof" "$RC_TMP/err" "registered as erin"
proofs=$(grep -c 'the client proved it holds its key' "$RC_SERVER_LOG")
rc_expect "every connection proved its key" 5 "$proofs"
if grep -q 'key proof failed' "$RC_SERVER_LOG"; then
	rc_fail "a proof failed: $(grep 'key proof' "$RC_SERVER_LOG")"
fi
