#!/bin/sh
# Message format v2 (issue 13, part 2) through the command line.
# Against the hostile fake server: a v2 message "from bob" signed by another
# key shows as forged, bob's v2 message for carol passed on to us as wrong
# recipient, a message from carol in bob's conversation as not of it, a v1
# one from bob after his v2 as suspect: never their texts. The original's
# v1 (no marker) reads as v1 from a fresh contact.
# With a real server and PostgreSQL: two of our clients switch to v2 on their
# own (alice's first message is v1 with the marker, bob's answer and all after
# are v2, checked in the database); the same text twice in v2 is stored as two
# different contents; a v1 message injected "from bob" after that shows as
# suspect; bob's v2 message for alice moved into carol's conversation (psql)
# is never shown to carol as text.
. "$top_srcdir/tests/lib/harness.sh"

rc_init
. "$top_srcdir/tests/client/hostile.sh"
JSONL=$top_builddir/tests/client/jsonl_fields
CHAT=$top_builddir/client/rsa-chat
HOME=$RC_TMP/home
export HOME
mkdir -p "$HOME"
for who in me alice bob carol; do
	rc_genkey 1024 "$RC_TMP/$who.key"
done

# as WHO [ARGS]: the client as WHO (on $PORT, with WHO's own data folder:
# pins and v2 flags); stdout in $RC_TMP/out, stderr in $RC_TMP/err, exit
# status in $st.
as() {
	who=$1
	shift
	st=0
	XDG_DATA_HOME=$RC_TMP/data-$who timeout 120 "$CHAT" --port "$PORT" --key "$RC_TMP/$who.key" --known-servers "$RC_TMP/known" \
		--accept-new-server-key "$@" >"$RC_TMP/out" 2>"$RC_TMP/err" || st=$?
	grep -q 'Sanitizer\|runtime error' "$RC_TMP/err" && rc_fail "sanitizer report: $(cat "$RC_TMP/err")"
	return 0
}
ok() {
	label=$1
	shift
	as "$@"
	[ "$st" -eq 0 ] || rc_fail "$label: exit status $st; stderr: $(cat "$RC_TMP/err")"
}
# fields FILE MEMBER...: one tab-separated line per JSON line.
fields() {
	"$JSONL" "$@" || rc_fail "not JSON lines: $(cat "$1")"
}

# ---- the hostile server ----
hostile --arrive 1 --inject v2,v2-forged,v2-passed-on,from-carol,v1 store:2
ok "history with injected messages" me --json history bob
rc_expect "each message judged" "$(printf '%s\n' \
	'bob	v1	message 1' \
	'bob	v1	message 2' \
	'bob	v2	v2 from bob' \
	'bob	forged	null' \
	'bob	wrong_recipient	null' \
	'carol	foreign_sender	null' \
	'bob	suspect	null')" "$(fields "$RC_TMP/out" from verdict text)"
ok "plain history with injected messages" me history bob
for text in "forged v2" "bob to carol" "carol in bob" "v1 from bob"; do
	grep -qF "$text" "$RC_TMP/out" && rc_fail "the text '$text' was shown: $(cat "$RC_TMP/out")"
done
echo "ok - no flagged text shown"
grep -q '^\[[^]]*\] bob: \[forged: not signed by' "$RC_TMP/out" || rc_fail "no forged line: $(cat "$RC_TMP/out")"
grep -q '^\[[^]]*\] carol: \[not of this conversation' "$RC_TMP/out" || rc_fail "carol's is not flagged: $(cat "$RC_TMP/out")"
echo "ok - flagged lines say why"
# bob's valid v2 made him v2-capable and seen: a later v1 is suspect for good.
grep -q ' bob .* v2,v2-seen$' "$RC_TMP/data-me/rsa-chat/contacts" ||
	rc_fail "bob's v2 flags not stored: $(cat "$RC_TMP/data-me/rsa-chat/contacts")"
echo "ok - bob is v2-capable and his v2 was seen"
# A new v1 message from bob (tail) is judged by the stored flag alone.
ok "tail after bob's v2" me --json tail --count 1
rc_expect "a new v1 from bob is suspect once his v2 was seen" "bob	suspect	null" "$(fields "$RC_TMP/out" from verdict text)"

# A fresh contact writing as the original client does: plain v1.
rm -rf "$RC_TMP/data-me"
: >"$RC_TMP/hostile.log"
hostile --inject v1 store:2
ok "v1 from a fresh contact" me --json history bob
rc_expect "the original's v1 reads as v1" "$(printf 'v1\tmessage 1\nv1\tmessage 2\nv1\tv1 from bob')" \
	"$(fields "$RC_TMP/out" verdict text)"
grep -q '"cmd":"register"' "$RC_TMP/hostile.log" && rc_fail "a v1 conversation with bob alone asked for our login"
echo "ok - plain v1 costs no extra request"
hostile_stop

# ---- a real server ----
rc_pg_start
rc_server_start
PORT=$RC_PORT
for who in alice bob carol; do
	ok "register $who" "$who" register "$who"
done
# contents LIKE: the recipients' copies from sender to receiver, oldest first.
contents() {
	rc_psql -At -c "SELECT content FROM message WHERE sender = '$1' AND receiver = '$2' AND NOT self_copy ORDER BY id"
}

ok "alice's first message" alice --json send bob "hello bob"
rc_expect "alice's first message is v1" "v1" "$(fields "$RC_TMP/out" format)"
contents alice bob | head -c 1 | grep -q '\[' || rc_fail "stored content is not v1: $(contents alice bob)"
ok "bob reads it" bob --json history alice
rc_expect "bob reads it as v1, marker cut" "alice	v1	hello bob" "$(fields "$RC_TMP/out" from verdict text)"
ok "bob answers" bob --json send alice "hi alice"
rc_expect "bob's answer is v2" "v2" "$(fields "$RC_TMP/out" format)"
ok "alice reads it" alice --json history bob
rc_expect "alice reads bob's v2" "$(printf 'alice\tv1\thello bob\nbob\tv2\thi alice')" "$(fields "$RC_TMP/out" from verdict text)"
ok "alice again" alice --json send bob "same"
rc_expect "alice now sends v2" "v2" "$(fields "$RC_TMP/out" format)"
ok "alice once more" alice --json send bob "same"
contents alice bob >"$RC_TMP/stored"
rc_expect "alice's messages: v1, then v2 from the switch on" "[ { {" "$(cut -c1 "$RC_TMP/stored" | tr '\n' ' ' | sed 's/ $//')"
[ "$(sed -n 2p "$RC_TMP/stored")" != "$(sed -n 3p "$RC_TMP/stored")" ] || rc_fail "the same text twice in v2 is stored the same"
echo "ok - the same text twice in v2: two different contents"
contents bob alice | grep -q '^{"v":2,' || rc_fail "bob's answer is not stored as v2: $(contents bob alice)"
echo "ok - bob's answer is stored as v2"
ok "bob reads" bob --json history alice
rc_expect "bob reads all" "$(printf 'v1\thello bob\nv2\thi alice\nv2\tsame\nv2\tsame')" "$(fields "$RC_TMP/out" verdict text)"

# A v1 message "from bob" after his v2: alice's own v1 self copy (which only
# her key opens), stored as if bob had sent it.
rc_psql -c "INSERT INTO message (content, sender, receiver, self_copy)
	SELECT content, 'bob', 'alice', false FROM message
	 WHERE sender = 'alice' AND receiver = 'bob' AND self_copy ORDER BY id LIMIT 1"
ok "alice reads the injected v1" alice --json history bob
rc_expect "the injected v1 after bob's v2 is suspect" "bob	suspect	null" "$(fields "$RC_TMP/out" from verdict text | tail -n 1)"

# bob's v2 message for alice moved into carol's conversation with bob.
rc_psql -c "UPDATE message SET receiver = 'carol' WHERE sender = 'bob' AND receiver = 'alice' AND NOT self_copy
	AND content LIKE '{%'"
ok "carol reads the moved message" carol --json history bob
rc_expect "carol never sees alice's text" "bob	unreadable	null" "$(fields "$RC_TMP/out" from verdict text)"
