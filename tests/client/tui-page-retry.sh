#!/bin/sh
# A conversation whose first page fails (the database away for a moment:
# "database unavailable") is asked again after a pause, without the user
# doing anything: it does not stay "(loading...)" for the rest of the
# session, and the complaint goes once the page came (issue 15, item 2).
# The TUI against the hostile fake server's well-behaved store, which fails
# carol's first get_messages.
. "$top_srcdir/tests/lib/harness.sh"
. "$top_srcdir/tests/client/tmuxlib"

tui_home
. "$top_srcdir/tests/client/hostile.sh"
hostile --fail-pages carol:1 store:2

tui_hostile_start retry 100 24

# carol_pages: how many get_messages of carol's conversation the server got.
carol_pages() {
	grep '"cmd":"get_messages"' "$RC_TMP/hostile.log" | grep -c '"user":"carol"'
}
carol_asked() {
	[ "$(carol_pages)" -ge 1 ]
}
poll_until "carol's conversation was never asked for" carol_asked
echo "ok - carol's first page asked (and refused: database unavailable)"
# The retry comes at the first step after the pause: when the parked wait
# (25 s at most) ends. Generous bound: 90 s.
carol_asked_again() {
	[ "$(carol_pages)" -ge 2 ]
}
slow_poll_until 90 "carol's conversation was not asked for again" carol_asked_again
echo "ok - carol's page asked again after the failure"
# Alt+2: the second contact, carol.
$TMUX_CMD send-keys -t retry M-2
wait_for "carol"
poll_until "carol's conversation stays loading" gone "(loading...)"
echo "ok - carol's conversation loaded"
poll_until "the complaint stays after the page came" gone "database unavailable"
echo "ok - the complaint went"
$TMUX_CMD send-keys -t retry "/quit" Enter
poll_until "the TUI did not quit" test -s "$RC_TMP/tui.status"
rc_expect "TUI exit status" 0 "$(cat "$RC_TMP/tui.status")"
grep -q "Sanitizer" "$RC_TMP/tui.err" && rc_fail "sanitizer report: $(cat "$RC_TMP/tui.err")"
hostile_stop
