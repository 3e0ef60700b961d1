#!/bin/sh
# Pinned contact keys and safety numbers through the scriptable mode (issue
# 13). Against a fake server (tests/stress/hostile-server) that swaps bob's
# key in get_users: the first send pins bob's key; with the key swapped, send
# exits 6, says so (plain and --json) and the server is sent no
# send_message; users marks the change, safety and verify refuse; accept-key
# pins the new key and send works again. With a real server and PostgreSQL:
# the safety numbers alice's and bob's clients print for each other are
# equal, differ for any other pair, and verify marks a contact.
. "$top_srcdir/tests/lib/harness.sh"

rc_init
. "$top_srcdir/tests/client/hostile.sh"
JSONL=$top_builddir/tests/client/jsonl_fields
CHAT=$top_builddir/client/rsa-chat
HOME=$RC_TMP/home
XDG_DATA_HOME=$RC_TMP/data
export HOME XDG_DATA_HOME
mkdir -p "$HOME"
for who in server me mallory alice bob carol; do
	rc_genkey 1024 "$RC_TMP/$who.key"
done

# chat COMMAND...: the client as "me" against the fake server; $st, $RC_TMP/out, $RC_TMP/err.
chat() {
	st=0
	timeout 60 "$CHAT" --port "$PORT" --key "$RC_TMP/me.key" "$@" >"$RC_TMP/out" 2>"$RC_TMP/err" || st=$?
	grep -q 'Sanitizer\|runtime error' "$RC_TMP/err" && rc_fail "sanitizer report: $(cat "$RC_TMP/err")"
	return 0
}
expect_status() {
	[ "$st" -eq "$2" ] || rc_fail "$1: exit status $st, expected $2; stderr: $(cat "$RC_TMP/err"); stdout: $(cat "$RC_TMP/out")"
	echo "ok - $1 (exit $2)"
}
expect_in() {
	grep -qF -- "$3" "$2" || rc_fail "$1: '$3' not in $(cat "$2")"
	echo "ok - $1"
}
sends() {
	grep -c '^request: {"cmd":"send_message"' "$RC_TMP/hostile.log"
}
store() {
	: >"$RC_TMP/hostile.log"
	hostile "$@"
}

# swap: the fake server hands out mallory's key for bob, or (again) his own.
swap() {
	kill -USR1 "$HOSTILE_PID" || rc_fail "hostile-server is gone"
	: >"$RC_TMP/hostile.log"
}

# ---- a server that swaps bob's key ----
# Started swapping; the first swap() turns it off.
store --swap-key bob:"$RC_TMP/mallory.key" store:0
swap
chat send bob "first"
expect_status "first send to bob" 0
expect_in "bob's key pinned on first sight" "$RC_TMP/err" "pinned the key of bob: SHA256:"
rc_expect "the first send reached the server (and its self copy)" 2 "$(sends)"
PINNED_FP=$(sed -n 's/.*pinned the key of bob: \(SHA256:[^ ]*\).*/\1/p' "$RC_TMP/err")
grep -q "^127.0.0.1:$PORT bob $PINNED_FP " "$XDG_DATA_HOME/rsa-chat/contacts" ||
	rc_fail "contacts file: $(cat "$XDG_DATA_HOME/rsa-chat/contacts")"
chat send bob "second"
expect_status "send to the same key" 0
[ -s "$RC_TMP/err" ] && rc_fail "a note for a known key: $(cat "$RC_TMP/err")"

swap
chat send bob "for bob only"
expect_status "send to a swapped key" 6
rc_expect "nothing sent to the swapped key" 0 "$(sends)"
expect_in "says the key changed" "$RC_TMP/err" "rsa-chat: THE KEY OF bob CHANGED: nothing was sent."
expect_in "names the pinned key" "$RC_TMP/err" "pinned key:       $PINNED_FP"
expect_in "tells how to accept" "$RC_TMP/err" "accept the new key: rsa-chat --host 127.0.0.1 --port $PORT accept-key bob"
chat --json send bob "for bob only"
expect_status "--json: send to a swapped key" 6
"$JSONL" "$RC_TMP/err" exit contact pinned_fingerprint fingerprint safety_number >"$RC_TMP/rows" ||
	rc_fail "--json refusal: $(cat "$RC_TMP/err")"
set -- $(cat "$RC_TMP/rows")
rc_expect "--json refusal fields" "6 bob $PINNED_FP" "$1 $2 $3"
[ "$4" != "$PINNED_FP" ] || rc_fail "--json: the new fingerprint is the pinned one"
rc_expect "still nothing sent" 0 "$(sends)"
chat users
expect_status "users with a swapped key" 0
expect_in "users marks the change" "$RC_TMP/out" " !key-changed"
grep -q '^carol SHA256:[^ ]*$' "$RC_TMP/out" || rc_fail "carol marked: $(cat "$RC_TMP/out")"
chat safety bob
expect_status "safety with a swapped key" 6
chat verify bob
expect_status "verify refuses a swapped key" 6
grep -q ' verified' "$XDG_DATA_HOME/rsa-chat/contacts" && rc_fail "verified a swapped key"

chat accept-key bob
expect_status "accept-key" 0
expect_in "accept-key prints the new safety number" "$RC_TMP/out" "safety number:"
chat send bob "after accepting"
expect_status "send after accepting" 0
rc_expect "sent after accepting (and its self copy)" 2 "$(sends)"
# Now the true key is the stranger.
swap
chat send bob "back to the old key"
expect_status "the old key after accepting another" 6
rc_expect "nothing sent to it" 0 "$(sends)"
hostile_stop

# ---- safety numbers between two real users ----
rc_pg_start
rc_server_start
as() {
	who=$1
	shift
	st=0
	"$CHAT" --port "$RC_PORT" --key "$RC_TMP/$who.key" "$@" >"$RC_TMP/out" 2>"$RC_TMP/err" || st=$?
}
for who in alice bob carol; do
	as $who register $who
	expect_status "register $who" 0
done
safety() {
	as "$1" --json safety "$2"
	expect_status "$1: safety $2" 0 >&2
	"$JSONL" "$RC_TMP/out" safety_number | tr -d ' '
}
AB=$(safety alice bob)
BA=$(safety bob alice)
AC=$(safety alice carol)
CB=$(safety carol bob)
[ "${#AB}" -eq 60 ] || rc_fail "a safety number of 60 digits: '$AB'"
rc_expect "alice and bob see the same safety number" "$AB" "$BA"
[ "$AB" != "$AC" ] && [ "$AB" != "$CB" ] && [ "$AC" != "$CB" ] || rc_fail "safety numbers of other pairs alike: $AB $AC $CB"
echo "ok - other pairs have other safety numbers"
as alice safety bob
expect_status "plain safety" 0
expect_in "plain safety shows the number" "$RC_TMP/out" "$(echo "$AB" | cut -c1-5) "
expect_in "not verified yet" "$RC_TMP/out" "not verified"
as alice verify bob
expect_status "verify bob" 0
expect_in "bob verified" "$RC_TMP/out" "bob is verified"
as alice users
expect_in "users marks bob verified" "$RC_TMP/out" " verified"
grep -q '^carol SHA256:[^ ]*$' "$RC_TMP/out" || rc_fail "carol marked verified: $(cat "$RC_TMP/out")"
as alice --json users
"$JSONL" "$RC_TMP/out" login key >"$RC_TMP/rows"
expect_in "--json users: bob verified" "$RC_TMP/rows" "$(printf 'bob\tverified')"
