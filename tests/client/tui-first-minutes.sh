#!/bin/sh
# The TUI's first minutes (issue 15), at 80x24 in tmux against a real
# server: a paste is sent without its final newline; a paste too long to
# send says so in full and where it went (history, Up); a notice longer
# than the status bar shows whole; search names the message and the match
# and highlights the term alone; SGR (1006) wheel reports scroll; below
# 40x10 the screen says the size needed and the size there is, at 40x10 the
# help is boxed and scrolls; Ctrl-C with a draft asks first, with an empty
# input quits at once.
. "$top_srcdir/tests/lib/harness.sh"
. "$top_srcdir/tests/client/tmuxlib"

tui_alice_bob
for word in "apple pie" banana "green apple"; do
	alice send bob "$word" >/dev/null 2>&1 || rc_fail "send $word"
done
i=1
while [ $i -le 16 ]; do
	alice send bob "filler $i" >/dev/null 2>&1 || rc_fail "send filler $i"
	i=$((i + 1))
done

# TERM=screen: its terminfo names X10 mouse reports, so SGR ones reach the
# client's own parser rather than ncurses'.
cat >"$RC_TMP/tui.sh" <<EOS
#!/bin/sh
TERM=screen LC_ALL=C.UTF-8 HOME='$HOME' XDG_DATA_HOME='$XDG_DATA_HOME'
export TERM LC_ALL HOME XDG_DATA_HOME
# Ctrl-C reaches this shell too: it stays to write the client's status.
trap : INT
'$CHAT' --port '$RC_PORT' --key '$RC_TMP/bob.key' --poll-interval 0.5 2>'$RC_TMP/tui.err'
echo \$? >'$RC_TMP/tui.status'
EOS
SESSION=fm
$TMUX_CMD new-session -d -s fm -x 80 -y 24 "sh '$RC_TMP/tui.sh'" || rc_fail "tmux new-session"
wait_for ">alice"
wait_for "filler 16"


# Item 14: a pasted line keeps no final newline.
$TMUX_CMD set-buffer -b rc "pasted line
" || rc_fail "tmux set-buffer"
$TMUX_CMD paste-buffer -p -b rc -t fm || rc_fail "tmux paste-buffer"
wait_for "> pasted line"
$TMUX_CMD send-keys -t fm Enter
wait_for "bob  [sent]"
alice --json history bob >"$RC_TMP/hist" 2>&1 || rc_fail "history"
grep -qF '"pasted line"' "$RC_TMP/hist" || rc_fail "the paste was not sent as one line: $(grep pasted "$RC_TMP/hist")"
echo "ok - a paste is sent without its final newline"

# Item 9: a paste too long to send says so, whole, and Up brings it back.
$TMUX_CMD set-buffer -b rc "$(head -c 9000 /dev/zero | tr '\0' x)" || rc_fail "tmux set-buffer"
$TMUX_CMD paste-buffer -p -b rc -t fm || rc_fail "tmux paste-buffer"
wait_for "xxxxxxxxxxxxxxxx"
$TMUX_CMD send-keys -t fm Enter
poll_until "no full notice for a message too long" \
	flat_has "message too long: 9000 bytes, at most 8192; the text is kept in history (Up)"
echo "ok - a message too long says so and where it went"
screen | grep -qF "xxxxxxxx" && rc_fail "the input line still holds the long paste: $(screen)"
$TMUX_CMD send-keys -t fm Up
wait_for "xxxxxxxxxxxxxxxx"
$TMUX_CMD send-keys -t fm C-u

# Item 1: a notice longer than the status bar shows whole (wrapped).
long=/no_such_command_whose_notice_is_longer_than_the_status_bar
$TMUX_CMD send-keys -t fm "$long" Enter
poll_until "the notice is cut" flat_has "unknown command $long (try /help)"
echo "ok - a long notice shows whole"

# Item 13: search names the message and the match.
$TMUX_CMD send-keys -t fm "/search apple" Enter
wait_for "message 3 of 20 (match 2 of 2)"
# The term alone in reverse video (SGR 7), the rest of the message as it was.
term_reversed() {
	$TMUX_CMD capture-pane -e -p -t "$SESSION" | grep -q "   $1$(printf '\033')\\[7m$2\\($(printf '\033')\\|\$\\)"
}
poll_until "the term is not highlighted alone" term_reversed "green " apple
echo "ok - the term alone is highlighted"
$TMUX_CMD send-keys -t fm n
wait_for "message 1 of 20 (match 1 of 2)"
poll_until "the older match is not highlighted" term_reversed "" apple
$TMUX_CMD send-keys -t fm Escape
poll_until "Esc did not end the search" gone "search: apple"

# Item 18: SGR (1006) wheel reports scroll the conversation up and back.
$TMUX_CMD send-keys -t fm NPage NPage NPage
wait_for "pasted line"
sgr_wheel() {
	for _ in 1 2 3 4 5; do
		$TMUX_CMD send-keys -t fm -l "$(printf '\033[<%s;40;10M' "$1")"
	done
}
sgr_wheel 64
poll_until "the SGR wheel did not scroll up" gone "pasted line"
echo "ok - SGR wheel up scrolls"
sgr_wheel 65
wait_for "pasted line"
echo "ok - SGR wheel down scrolls back"

# Item 12: below 40x10 the screen says what is needed and what there is.
$TMUX_CMD resize-window -t fm -x 20 -y 5 || rc_fail "tmux resize-window"
poll_until "no size needed below 40x10" flat_has "Terminal too small for rsa-chat: need 40x10, have 20x5."
echo "ok - too small: need 40x10, have 20x5"
# At 40x10 the help is boxed on all sides and scrolls to its end.
$TMUX_CMD resize-window -t fm -x 40 -y 10 || rc_fail "tmux resize-window"
wait_for "Message (Enter sends"
$TMUX_CMD send-keys -t fm F1
wait_for "│ rsa-chat keys"
screen | grep -q "┌─*┐" && screen | grep -q "└─.*┘" || rc_fail "the help has no box: $(screen)"
wait_for "1-8 of "
# The help's length in rows at this width (it grows with the commands).
total=$(screen | sed -n 's/.* 1-8 of \([0-9]*\), PgUp\/PgDn.*/\1/p')
[ -n "$total" ] || rc_fail "the help does not say its length: $(screen)"
screen | grep -qF "any other key closes" && rc_fail "the whole help fits at 40x10?: $(screen)"
$TMUX_CMD send-keys -t fm NPage NPage NPage NPage NPage NPage NPage NPage
right_border() {
	screen | grep -q "│ help; any other key closes it\. *│"
}
poll_until "PgDn did not reach the end of the help, in its box" right_border
$TMUX_CMD send-keys -t fm Up
wait_for "$((total - 8))-$((total - 1)) of $total"
echo "ok - the help scrolls at 40x10"
$TMUX_CMD send-keys -t fm q
poll_until "q did not close the help" gone "rsa-chat keys"
$TMUX_CMD resize-window -t fm -x 80 -y 24 || rc_fail "tmux resize-window"
wait_for "Alt+Enter new line, F1 help"

# Item 11: Ctrl-C with a draft asks; another key keeps the draft; y quits.
# (A second Ctrl-C within 2 s quits too: not tested, a loaded machine may
# take longer between the two.)
$TMUX_CMD send-keys -t fm "a draft"
wait_for "> a draft"
$TMUX_CMD send-keys -t fm C-c
wait_for "Quit and drop the draft? y (or Ctrl-C within 2 s) quits, any other key stays."
[ -e "$RC_TMP/tui.status" ] && rc_fail "Ctrl-C with a draft quit at once"
$TMUX_CMD send-keys -t fm End
poll_until "the question stays after another key" gone "Quit and drop"
wait_for "> a draft"
echo "ok - Ctrl-C with a draft asks, another key stays"
$TMUX_CMD send-keys -t fm C-c
wait_for "Quit and drop the draft?"
$TMUX_CMD send-keys -t fm y
poll_until "y after Ctrl-C did not quit" test -s "$RC_TMP/tui.status"
rc_expect "exit status after Ctrl-C and y" 0 "$(cat "$RC_TMP/tui.status")"
grep -q "Sanitizer" "$RC_TMP/tui.err" && rc_fail "sanitizer report: $(cat "$RC_TMP/tui.err")"

# With an empty input, Ctrl-C quits at once.
rm -f "$RC_TMP/tui.status"
SESSION=empty
$TMUX_CMD new-session -d -s empty -x 80 -y 24 "sh '$RC_TMP/tui.sh'" || rc_fail "tmux new-session"
wait_for ">alice"
$TMUX_CMD send-keys -t empty C-c
poll_until "Ctrl-C with an empty input did not quit" test -s "$RC_TMP/tui.status"
rc_expect "exit status after Ctrl-C" 0 "$(cat "$RC_TMP/tui.status")"
echo "ok - Ctrl-C with an empty input quits at once"
