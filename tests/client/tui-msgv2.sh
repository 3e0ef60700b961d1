#!/bin/sh
# Format v2 in the TUI (tmux, against the hostile fake server): bob's
# conversation shows his valid v2 message as text, and a v2 message "from bob"
# signed by another key, bob's message for carol passed on to us, a message
# from carol put into bob's conversation and a v1 message from bob after his
# v2 one as flagged lines in the alert style (reverse, with NO_COLOR), never
# their texts; a line typed to bob then goes in v2.
. "$top_srcdir/tests/lib/harness.sh"
. "$top_srcdir/tests/client/tmuxlib"

tui_home
. "$top_srcdir/tests/client/hostile.sh"
hostile --inject v2,v2-forged,v2-passed-on,from-carol,v1 store:2

tui_hostile_start v2 120 30
wait_for "v2 from bob"
wait_for "[forged: not signed by the sender's pinned key"
wait_for "[rejected: signed for another recipient"
wait_for "[not of this conversation"
wait_for "[suspect: unsigned v1 message after signed v2"
for text in "forged v2" "bob to carol" "carol in bob" "v1 from bob"; do
	screen | grep -qF "$text" && rc_fail "the TUI shows the text '$text': $(screen)"
done
echo "ok - no flagged text on screen"
# carol's line is under her name, not bob's.
screen | grep -B1 -F "[not of this conversation" | head -n 1 | grep -q ' carol$' ||
	rc_fail "the foreign message is not shown under carol's name: $(screen)"
echo "ok - the foreign message stands under carol's name"
# The alert style: reverse video on every flagged line, none on text.
$TMUX_CMD capture-pane -e -p -t v2 >"$RC_TMP/styled"
for flag in "[forged:" "[rejected:" "[not of this" "[suspect:"; do
	grep -F "$flag" "$RC_TMP/styled" | grep -q "$(printf '\033')\[[0-9;]*7[;m]" ||
		rc_fail "'$flag' is not in reverse video: $(grep -F "$flag" "$RC_TMP/styled" | od -c | head)"
done
grep -F "v2 from bob" "$RC_TMP/styled" | grep -q "$(printf '\033')\[[0-9;]*7[;m]" && rc_fail "plain text in reverse video"
echo "ok - flagged lines in the alert style"
# bob's valid v2 made him v2-capable: what is typed to him goes in v2, and
# its self copy (v2 too) comes back readable.
$TMUX_CMD send-keys -t v2 "typed in v2" Enter
poll_until "nothing was sent" grep -q '"cmd":"send_message"' "$RC_TMP/hostile.log"
grep '"cmd":"send_message"' "$RC_TMP/hostile.log" | grep -qv '"content":"{\\"v\\":2,' &&
	rc_fail "the TUI sent bob something else than v2: $(grep '"cmd":"send_message"' "$RC_TMP/hostile.log")"
echo "ok - the TUI writes v2 to bob"
poll_until "the typed line stays queued" sh -c "! $TMUX_CMD capture-pane -p -t v2 | grep -qF queued"
screen | grep -qF "[not sent" && rc_fail "the typed line was refused: $(screen)"
echo "ok - sent in v2"
$TMUX_CMD send-keys -t v2 "/quit" Enter
poll_until "the TUI did not quit" test -s "$RC_TMP/tui.status"
rc_expect "TUI exit status" 0 "$(cat "$RC_TMP/tui.status")"
grep -q "Sanitizer" "$RC_TMP/tui.err" && rc_fail "sanitizer report: $(cat "$RC_TMP/tui.err")"
hostile_stop
