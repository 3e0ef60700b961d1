#!/bin/sh
# The TUI's remaining first-ten-minutes items and irssi/weechat habits
# (issue 15), in tmux against a real server and PostgreSQL: Tab completes
# commands and contacts (cycling); Alt+digits, Alt+Left/Right and Alt+a
# switch contacts; a "new messages" line where the unread begin (40x10, and
# at start); names in stable colours, none with NO_COLOR; dates in the
# times of older messages; /register with a registered key says under
# which login; a "database unavailable" (in a session, or at start when
# the server cannot say who we are) goes once PostgreSQL is back,
# without a key pressed; a port that is not an rsa-chat server says so and
# never "not registered".
. "$top_srcdir/tests/lib/harness.sh"
. "$top_srcdir/tests/client/tmuxlib"

tui_alice_bob
rc_genkey 1024 "$RC_TMP/alex.key"
rc_genkey 1024 "$RC_TMP/carol.key"
alex() {
	"$CHAT" --port "$RC_PORT" --key "$RC_TMP/alex.key" "$@"
}
alex register alex >/dev/null 2>&1 || rc_fail "register alex"
"$CHAT" --port "$RC_PORT" --key "$RC_TMP/carol.key" register carol >/dev/null 2>&1 || rc_fail "register carol"
alice send bob "hello bob" >/dev/null 2>&1 || rc_fail "send hello"

# tui_script NAME PORT [ARGS]: $RC_TMP/NAME.sh runs bob's TUI (or
# $TUI_KEY's) on PORT.
tui_script() {
	name=$1
	port=$2
	shift 2
	cat >"$RC_TMP/$name.sh" <<EOS
#!/bin/sh
TERM=screen LC_ALL=C.UTF-8 HOME='$HOME' XDG_DATA_HOME='$XDG_DATA_HOME'
export TERM LC_ALL HOME XDG_DATA_HOME
${TUI_ENV:-} '$CHAT' --port '$port' --key '$RC_TMP/${TUI_KEY:-bob}.key' --poll-interval 0.5 $* 2>'$RC_TMP/$name.err'
echo \$? >'$RC_TMP/$name.status'
EOS
}

tui_script tui "$RC_PORT"
SESSION=tui
$TMUX_CMD new-session -d -s tui -x 80 -y 24 "sh '$RC_TMP/tui.sh'" || rc_fail "tmux new-session"
wait_for ">alice"
wait_for "hello bob"

# title_is NAME: the open conversation is NAME's (its title, row 1).
title_is() {
	screen | head -n 1 | grep -q "│ $1\( \|\$\)"
}
# row_selected N: the N-th contact in the list is the open one.
row_selected() {
	screen | sed -n "$(($1 + 1))p" | grep -q "^>"
}

# Tab completes a command at the start of the line, then contact logins:
# several matches cycle (irssi style).
$TMUX_CMD send-keys -t tui "/op" Tab
wait_for "> /open"
$TMUX_CMD send-keys -t tui "al" Tab
wait_for "Tab: 2 matches, Tab again for the next"
first=$(screen | sed -n 's/^> \/open \(al[a-z]*\) *$/\1/p')
case $first in alex | alice) ;; *) rc_fail "Tab did not complete al: $(screen)" ;; esac
$TMUX_CMD send-keys -t tui Tab
poll_until "a second Tab did not cycle" gone "> /open $first"
second=$(screen | sed -n 's/^> \/open \(al[a-z]*\) *$/\1/p')
[ "$second" = alex ] || [ "$second" = alice ] || rc_fail "the second Tab put '$second'"
[ "$second" != "$first" ] || rc_fail "the second Tab put the same"
$TMUX_CMD send-keys -t tui Tab
wait_for "> /open $first"
$TMUX_CMD send-keys -t tui Enter
poll_until "/open after Tab did not open $first" title_is "$first"
echo "ok - Tab completes commands and contacts, cycling"
$TMUX_CMD send-keys -t tui "hi ca" Tab
wait_for "> hi carol"
$TMUX_CMD send-keys -t tui C-u

# Alt+1..9 open the n-th contact; Alt+Left/Right the previous/next one.
for n in 3 1 2; do
	$TMUX_CMD send-keys -t tui "M-$n"
	poll_until "Alt+$n did not open contact $n" row_selected "$n"
done
$TMUX_CMD send-keys -t tui M-Right
poll_until "Alt+Right did not open the next contact" row_selected 3
$TMUX_CMD send-keys -t tui M-Left
poll_until "Alt+Left did not open the previous contact" row_selected 2
echo "ok - Alt+digits and Alt+Left/Right switch contacts"
# Alt+a: the next contact with unread messages.
$TMUX_CMD send-keys -t tui M-3
poll_until "Alt+3 did not open carol" title_is carol
alex send bob "news from alex" >/dev/null 2>&1 || rc_fail "send news"
wait_for "alex (1)"
$TMUX_CMD send-keys -t tui M-a
poll_until "Alt+a did not open alex" title_is alex
wait_for "news from alex"
$TMUX_CMD send-keys -t tui M-a
wait_for "no unread messages"
echo "ok - Alt+a opens the next contact with unread messages"

# Item: a "new messages" line where the unread begin, at 40x10; gone once
# the conversation was left and opened again.
alice send bob "after the line" >/dev/null 2>&1 || rc_fail "send after the line"
wait_for "alice (1)"
$TMUX_CMD resize-window -t tui -x 40 -y 10 || rc_fail "tmux resize-window"
$TMUX_CMD send-keys -t tui M-1
wait_for "after the line"
# line_of TEXT: the first row showing TEXT.
line_of() {
	screen | grep -nF -- "$1" | head -n 1 | cut -d: -f1
}
wait_for "── new messages ──"
[ "$(line_of "hello bob")" -lt "$(line_of "new messages")" ] &&
	[ "$(line_of "new messages")" -lt "$(line_of "after the line")" ] ||
	rc_fail "the new messages line is not between the read and the unread: $(screen)"
echo "ok - the new messages line is where the unread begin (40x10)"
$TMUX_CMD send-keys -t tui M-2
poll_until "Alt+2 did not open alex" title_is alex
$TMUX_CMD send-keys -t tui M-1
wait_for "after the line"
gone "new messages" || rc_fail "the new messages line stays after leaving: $(screen)"
echo "ok - the new messages line goes once the conversation was left"
$TMUX_CMD resize-window -t tui -x 80 -y 24 || rc_fail "tmux resize-window"
wait_for "Alt+Enter new line, F1 help"

# Names in colours: each login its own, the same in the list and in the
# conversation (and in the next run, below).
ESC=$(printf '\033')
# list_colour NAME / header_colour NAME: the foreground colour (SGR 30-37)
# NAME has in the contact list / in a message header; empty for none.
list_colour() {
	$TMUX_CMD capture-pane -e -p -t "$SESSION" | sed -n "s/^[^│]*$ESC\[3\([0-7]\)m$1\($ESC.*\)*\$/\1/p" | head -n 1
}
header_colour() {
	$TMUX_CMD capture-pane -e -p -t "$SESSION" | sed -n "s/.*$ESC\[3\([0-7]\)m[0-9:]* $1\($ESC.*\)*\$/\1/p" | head -n 1
}
has_colour() {
	[ -n "$("$1" "$2")" ]
}
poll_until "alice's header has no colour" has_colour header_colour alice
for name in alice alex carol; do
	poll_until "$name in the list has no colour" has_colour list_colour "$name"
done
alice_colour=$(header_colour alice)
[ -n "$alice_colour" ] || rc_fail "alice's header has no colour: $($TMUX_CMD capture-pane -e -p -t tui | cat -v)"
rc_expect "alice's colour in the list" "$alice_colour" "$(list_colour alice)"
alex_colour=$(list_colour alex)
carol_colour=$(list_colour carol)
[ -n "$alex_colour" ] && [ -n "$carol_colour" ] || rc_fail "names in the list without colour: $($TMUX_CMD capture-pane -e -p -t tui | cat -v)"
[ "$alex_colour" != "$alice_colour" ] && [ "$carol_colour" != "$alice_colour" ] && [ "$alex_colour" != "$carol_colour" ] ||
	rc_fail "alice, alex and carol share colours: $alice_colour $alex_colour $carol_colour"
echo "ok - each name its colour, the same in the list and the conversation"

# Item 3: /register with a key already registered says as whom, at once.
$TMUX_CMD send-keys -t tui "/register bob2" Enter
wait_for "register: already registered (as bob)"
echo "ok - /register with a registered key says so"

# A refused registration ends "registering as ..." (here at 40x10): the
# reason shows, another login registers.
rc_genkey 1024 "$RC_TMP/dave.key"
TUI_KEY=dave tui_script dave "$RC_PORT"
SESSION=dave
$TMUX_CMD new-session -d -s dave -x 40 -y 10 "sh '$RC_TMP/dave.sh'" || rc_fail "tmux new-session"
wait_for "not registered"
$TMUX_CMD send-keys -t dave "alice" Enter
poll_until "a refused login does not say why" flat_has "register: login exists - pick another login"
gone "registering as" || rc_fail "still registering after a refusal: $(screen)"
$TMUX_CMD send-keys -t dave "dave" Enter
wait_for "registered as dave"
echo "ok - a refused registration says why and ends; another login registers"
$TMUX_CMD send-keys -t dave "/quit" Enter
poll_until "the TUI did not quit" test -s "$RC_TMP/dave.status"
SESSION=tui

# Item 2: an error goes when its cause does. PostgreSQL stops: a refresh
# reports the database; it starts again: the report goes by itself.
rc_pg_stop
$TMUX_CMD send-keys -t tui "/refresh" Enter
wait_for "database unavailable"
rc_pg_start_again
# The parked wait (25 s) or the idle poll (at most 30 s) brings the first
# answer after the outage.
slow_poll_until 90 "database unavailable stays after PostgreSQL is back" gone "database unavailable"
echo "ok - database unavailable goes once PostgreSQL is back"
$TMUX_CMD send-keys -t tui "/quit" Enter
poll_until "the TUI did not quit" test -s "$RC_TMP/tui.status"
rc_expect "exit status after /quit" 0 "$(cat "$RC_TMP/tui.status")"

# The conversation open at start (alice, the first) gets its line too, when
# its history arrives after it was opened.
alice send bob "while away" >/dev/null 2>&1 || rc_fail "send while away"
rm -f "$RC_TMP/tui.status"
SESSION=again
$TMUX_CMD new-session -d -s again -x 80 -y 24 "sh '$RC_TMP/tui.sh'" || rc_fail "tmux new-session"
wait_for "while away"
wait_for "── new messages ──"
[ "$(line_of "after the line")" -lt "$(line_of "new messages")" ] &&
	[ "$(line_of "new messages")" -lt "$(line_of "while away")" ] ||
	rc_fail "the new messages line at start is not above the unread: $(screen)"
echo "ok - the new messages line in the conversation open at start"
[ "$(header_colour alice)" = "$alice_colour" ] || rc_fail "alice's colour in the next run: $($TMUX_CMD capture-pane -e -p -t again | cat -v)"
echo "ok - a name keeps its colour from run to run"
$TMUX_CMD send-keys -t again "/quit" Enter
poll_until "the TUI did not quit" test -s "$RC_TMP/tui.status"

# PostgreSQL down when the TUI starts: the server cannot say who we are;
# the screen says why (not "connection lost"), and it goes once PostgreSQL
# is back and the next attempt (backoff at most 30 s) gets through.
rc_pg_stop
rm -f "$RC_TMP/tui.status"
SESSION=nodb
$TMUX_CMD new-session -d -s nodb -x 80 -y 24 "sh '$RC_TMP/tui.sh'" || rc_fail "tmux new-session"
wait_for "identify: database unavailable (retrying in"
gone "connection lost" || rc_fail "a database down is called a lost connection: $(screen)"
rc_pg_start_again
slow_poll_until 90 "identify: database unavailable stays after PostgreSQL is back" gone "database unavailable"
wait_for ">alice"
echo "ok - PostgreSQL down at start: said so, gone once it is back"
$TMUX_CMD send-keys -t nodb "/quit" Enter
poll_until "the TUI did not quit" test -s "$RC_TMP/tui.status"

# Dates: a message of another day this year shows "Jan 01 10:00", of
# another year "Nov 28 2025 10:00" (the server's clock: the stamps moved).
first_id="(SELECT min(id) FROM message WHERE sender = 'alice' AND receiver = 'bob' AND NOT self_copy)"
rc_psql -q -c "UPDATE message SET created_on = created_on - interval '400 days' WHERE id = $first_id"
rc_psql -q -c "UPDATE message SET created_on = date_trunc('year', now()) + interval '10 hours'
	WHERE id = (SELECT min(id) FROM message WHERE sender = 'alice' AND receiver = 'bob' AND NOT self_copy AND id > $first_id)"
stamps=$(rc_psql -At -c "SELECT to_char(created_on, 'Mon DD YYYY HH24:MI') FROM message
	WHERE sender = 'alice' AND receiver = 'bob' AND NOT self_copy ORDER BY id LIMIT 2")
last_year=$(echo "$stamps" | head -n 1)
this_year=$(echo "$stamps" | sed -n 2p | sed 's/ [0-9]\{4\} / /')

# NO_COLOR set (not empty): no colours at all (https://no-color.org).
TUI_ENV=NO_COLOR=1 tui_script mono "$RC_PORT"
SESSION=mono
$TMUX_CMD new-session -d -s mono -x 80 -y 24 "sh '$RC_TMP/mono.sh'" || rc_fail "tmux new-session"
wait_for "while away"
wait_for "carol"
wait_for "$last_year alice"
# (On January 1st the second message is from today: "10:00".)
[ "$(date +%m%d)" = 0101 ] || wait_for "$this_year alice"
echo "ok - dates in the times of messages not from today"
$TMUX_CMD capture-pane -e -p -t mono | grep -q "$ESC\[\(3[0-7]\|4[0-7]\)m" &&
	rc_fail "colours with NO_COLOR=1: $($TMUX_CMD capture-pane -e -p -t mono | cat -v)"
echo "ok - NO_COLOR: no colours"
$TMUX_CMD send-keys -t mono "/quit" Enter
poll_until "the TUI did not quit" test -s "$RC_TMP/mono.status"

# Item 4: a login with a space (any login the database holds) opens by
# /open, typed as it is or in its escaped form as shown.
rc_psql -c "UPDATE \"user\" SET login = 'carol smith' WHERE login = 'carol'"
tui_script spaced "$RC_PORT"
SESSION=spaced
$TMUX_CMD new-session -d -s spaced -x 80 -y 24 "sh '$RC_TMP/spaced.sh'" || rc_fail "tmux new-session"
wait_for 'carol\u{0020}sm'
$TMUX_CMD send-keys -t spaced '/open carol\u{0020}smith' Enter
poll_until "/open of the shown form did not open it" title_is 'carol\\u{0020}smith'
$TMUX_CMD send-keys -t spaced "/open alice" Enter
poll_until "/open alice" title_is alice
$TMUX_CMD send-keys -t spaced "/open carol smith" Enter
poll_until "/open of the login typed as it is did not open it" title_is 'carol\\u{0020}smith'
echo "ok - a login with a space opens as shown and as typed"
$TMUX_CMD send-keys -t spaced "/quit" Enter
poll_until "the TUI did not quit" test -s "$RC_TMP/spaced.status"

# Item 10: PostgreSQL's port is no rsa-chat server: after the handshake's
# timeout (15 s) the screen says so, and never "not registered".
tui_script wrong "$PGPORT"
SESSION=wrong
$TMUX_CMD new-session -d -s wrong -x 80 -y 24 "sh '$RC_TMP/wrong.sh'" || rc_fail "tmux new-session"
wait_for "not connected"
slow_poll_until 60 "a silent port is not called the wrong port" \
	flat_has "an rsa-chat server sends its key at once: is this the right host and port?"
screen | grep -qF "not registered" && rc_fail "a wrong port shows 'not registered': $(screen)"
echo "ok - a wrong port says it may not be an rsa-chat server"
# It stays while the client tries again.
wait_for "connecting"
flat_has "is this the right host and port?" || rc_fail "the reason went while reconnecting: $(screen)"
echo "ok - the reason stays while reconnecting"
$TMUX_CMD send-keys -t wrong "/quit" Enter
poll_until "the TUI on a wrong port did not quit" test -s "$RC_TMP/wrong.status"
for f in "$RC_TMP/tui.err" "$RC_TMP/wrong.err"; do
	grep -q "Sanitizer" "$f" && rc_fail "sanitizer report: $(cat "$f")"
done
exit 0
