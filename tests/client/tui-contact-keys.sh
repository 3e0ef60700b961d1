#!/bin/sh
# Pinned contact keys in the TUI (issue 13), at 80x24 in tmux with NO_COLOR,
# against the fake server (tests/stress/hostile-server, store mode) that
# swaps bob's key on SIGUSR1: opening bob's conversation pins his key; once
# the key is swapped, his conversation shows the banner and the contact
# list a "!", a message typed there is refused with a notice and the server
# gets no send_message; /safety shows the safety number with the new key,
# /accept-key accepts it (the banner goes, sending works), /verify marks him
# with a check mark.
. "$top_srcdir/tests/lib/harness.sh"
. "$top_srcdir/tests/client/tmuxlib"
. "$top_srcdir/tests/client/hostile.sh"
tui_home
rc_genkey 1024 "$RC_TMP/mallory.key"
CONTACTS=$XDG_DATA_HOME/rsa-chat/contacts

# Starts swapping; the first SIGUSR1 turns the swap off.
hostile --swap-key bob:"$RC_TMP/mallory.key" store:3
kill -USR1 "$HOSTILE_PID"

cat >"$RC_TMP/tui.sh" <<EOS
#!/bin/sh
TERM=screen LC_ALL=C.UTF-8 NO_COLOR=1 HOME='$HOME' XDG_DATA_HOME='$XDG_DATA_HOME'
export TERM LC_ALL NO_COLOR HOME XDG_DATA_HOME
# Ctrl-C reaches this shell too: it stays to write the client's status.
trap : INT
'$CHAT' --port '$PORT' --key '$RC_TMP/alice.key' --poll-interval 0.5 2>'$RC_TMP/tui.err'
echo \$? >'$RC_TMP/tui.status'
EOS
SESSION=keys
$TMUX_CMD new-session -d -s keys -x 80 -y 24 "sh '$RC_TMP/tui.sh'" || rc_fail "tmux new-session"
wait_for ">bob"
wait_for "message 3"

pinned() {
	grep -q "^127.0.0.1:$PORT bob SHA256:" "$CONTACTS" 2>/dev/null
}
poll_until "bob's key was not pinned on opening his conversation" pinned
echo "ok - opening bob's conversation pins his key"
PIN=$(cat "$CONTACTS")
sends() {
	grep -c '^request: {"cmd":"send_message"' "$RC_TMP/hostile.log"
}
type_line() {
	$TMUX_CMD send-keys -t keys -l "$1" && $TMUX_CMD send-keys -t keys Enter || rc_fail "tmux send-keys"
}

# The server swaps bob's key; /refresh fetches the user list at once.
kill -USR1 "$HOSTILE_PID"
: >"$RC_TMP/hostile.log"
type_line /refresh
poll_until "no banner on bob's conversation" flat_has "!!! THE KEY OF bob CHANGED"
poll_until "the banner is not whole" flat_has "Nothing will be sent to bob."
poll_until "no ! mark for bob" flat_has ">bob !"
echo "ok - the banner and the ! mark"
$TMUX_CMD capture-pane -p -t keys >"$RC_TMP/banner.screen"
echo "--- the screen with the banner:"
cat "$RC_TMP/banner.screen"

type_line "for bob only"
poll_until "no refusal notice" flat_has "not sent: the key of bob changed."
screen | grep -qF "for bob only" && rc_fail "the refused text shows as a message: $(screen)"
sleep 1
rc_expect "nothing sent to the swapped key" 0 "$(sends)"
rc_expect "the pin stays" "$PIN" "$(cat "$CONTACTS")"

type_line /safety
poll_until "/safety shows no safety number" flat_has "Safety number with the NEW key of bob:"
flat | grep -q "[0-9]\{5\} [0-9]\{5\} [0-9]\{5\} [0-9]\{5\} [0-9]\{5\} [0-9]\{5\}" ||
	rc_fail "no safety number groups: $(screen)"
echo "ok - /safety shows the safety number with the new key"
echo "--- the screen after /safety:"
screen
type_line /verify
poll_until "/verify of a changed key not refused" flat_has "Not verified: the key changed."
grep -q ' verified' "$CONTACTS" && rc_fail "verified a swapped key"

type_line /accept-key
poll_until "/accept-key not confirmed" flat_has "New key accepted."
poll_until "the banner stays after /accept-key" sh -c "! $TMUX_CMD capture-pane -p -t keys | grep -qF 'THE KEY OF bob CHANGED'"
echo "ok - /accept-key accepts the new key"
type_line "hello again"
wait_for "[sent]"
rc_expect "sent after accepting (and its self copy)" 2 "$(sends)"
type_line /verify
poll_until "/verify not confirmed" flat_has "Verified"
poll_until "no check mark for bob" flat_has ">bob ✓"
grep -q " verified$" "$CONTACTS" || rc_fail "not verified in the file: $(cat "$CONTACTS")"
echo "ok - /verify marks bob verified"
$TMUX_CMD send-keys -t keys C-c
poll_until "the client did not quit" test -s "$RC_TMP/tui.status"
rc_expect "the client's exit status" 0 "$(cat "$RC_TMP/tui.status")"
grep -q 'Sanitizer\|runtime error' "$RC_TMP/tui.err" && rc_fail "sanitizer report: $(cat "$RC_TMP/tui.err")"
hostile_stop
echo "ok - done"
