#!/bin/sh
# The TUI in a real terminal (tmux): register by typing a login, open a
# contact, send a line with Cyrillic, CJK and emoji and see it sent, see a
# message from another client appear with no key pressed (and the notify
# command run), see a look-alike login escaped and marked and its
# decryption bomb shown unread while sending goes on, survive a resize, quit
# cleanly (exit 0, nothing from the sanitizers); and a changed server key
# stops everything behind a warning.
. "$top_srcdir/tests/lib/harness.sh"
. "$top_srcdir/tests/client/tmuxlib"

rc_pg_start
rc_server_start
tui_home
"$CHAT" --port "$RC_PORT" --key "$RC_TMP/alice.key" register alice >/dev/null 2>&1 || rc_fail "register alice"

# The client's own script, so the terminal and locale are set inside tmux.
cat >"$RC_TMP/tui.sh" <<EOS
#!/bin/sh
TERM=xterm-256color LC_ALL=C.UTF-8 HOME='$HOME' XDG_DATA_HOME='$XDG_DATA_HOME'
export TERM LC_ALL HOME XDG_DATA_HOME
'$CHAT' --port '$RC_PORT' --key '$RC_TMP/bob.key' --poll-interval 0.5 \\
	--notify-cmd 'echo "\$RC_FROM" >>"$RC_TMP/notified"' "\$@" 2>'$RC_TMP/tui.err'
echo \$? >'$RC_TMP/tui.status'
EOS
$TMUX_CMD new-session -d -s rc -x 120 -y 40 "sh '$RC_TMP/tui.sh'" || rc_fail "tmux new-session"

SESSION=rc
wait_for "Choose a login"
$TMUX_CMD send-keys -t rc "bob" Enter
wait_for "registered as bob"
# The only contact, alice, opens by itself; Tab cycles back to her.
wait_for ">alice"
$TMUX_CMD send-keys -t rc Tab
TEXT="Привет, alice! 日本 👋"
$TMUX_CMD send-keys -t rc "$TEXT" Enter
wait_for "$TEXT"
wait_for "bob  [sent]"
"$CHAT" --port "$RC_PORT" --key "$RC_TMP/alice.key" history bob >"$RC_TMP/hist" 2>&1 || rc_fail "history"
grep -qF "bob: $TEXT" "$RC_TMP/hist" || rc_fail "alice did not get the TUI's message: $(cat "$RC_TMP/hist")"
echo "ok - alice received it"

# A message from another client shows up without any key press.
"$CHAT" --port "$RC_PORT" --key "$RC_TMP/alice.key" send bob "Hello from the CLI, Боб" >/dev/null 2>&1 ||
	rc_fail "send from the CLI"
wait_for "Hello from the CLI, Боб"
poll_until "the notify command did not run with RC_FROM=alice" grep -qx alice "$RC_TMP/notified"
echo "ok - notify command ran with RC_FROM=alice"

# A new contact writes: the contact list shows it with its unread count,
# and opening the conversation (Tab) reads it.
rc_genkey 1024 "$RC_TMP/carol.key"
"$CHAT" --port "$RC_PORT" --key "$RC_TMP/carol.key" register carol >/dev/null 2>&1 || rc_fail "register carol"
"$CHAT" --port "$RC_PORT" --key "$RC_TMP/carol.key" send bob "Carol here" >/dev/null 2>&1 || rc_fail "send from carol"
wait_for " carol (1)"
$TMUX_CMD send-keys -t rc Tab
wait_for "Carol here"
wait_for ">carol"
screen | grep -qF "carol (1)" && rc_fail "carol's message still counts as unread: $(screen)"
"$CHAT" --port "$RC_PORT" --key "$RC_TMP/bob.key" unread >"$RC_TMP/unread" 2>&1 || rc_fail "unread"
grep -qx "carol 0" "$RC_TMP/unread" || rc_fail "the TUI did not record what was read: $(cat "$RC_TMP/unread")"
echo "ok - reading in the TUI is remembered for 'unread'"

# Issue 11: a look-alike of carol (carol and a zero width space) shows
# escaped, both carols marked; its message of 110,000 blocks (a decryption
# bomb) shows unread and does not hold up sending.
rc_genkey 1024 "$RC_TMP/mallory.key"
"$CHAT" --port "$RC_PORT" --key "$RC_TMP/mallory.key" register mallory >/dev/null 2>&1 || rc_fail "register mallory"
rc_psql -c "UPDATE \"user\" SET login = U&'carol\200B' WHERE login = 'mallory';
	INSERT INTO message (content, sender, receiver)
	SELECT '[' || string_agg('\"Ag==\"', ', ') || ']', U&'carol\200B', 'bob' FROM generate_series(1, 110000);
	SELECT pg_notify('rsa_chat_message', 'bob')" >/dev/null
# A row written straight into the database wakes no parked wait: the
# notification is what the server's own insert sends. Without the sync
# extension idle polls slow down (up to 30 s apart); a key press brings
# them back to --poll-interval.
$TMUX_CMD send-keys -t rc End
wait_for ' ≈carol\u{200B} (1)'
wait_for '>≈carol'
$TMUX_CMD send-keys -t rc Tab
wait_for '≈carol\u{200B}  (≈ looks like another login)'
wait_for "[unreadable: too many blocks]"
screen | grep -q '[0-9][0-9]:[0-9][0-9] carol\\u{200B}$' || rc_fail "the sender is not shown escaped: $(screen)"
$TMUX_CMD send-keys -t rc "to the look-alike" Enter
wait_for "to the look-alike"
wait_for "bob  [sent]"
screen | grep -qF "queued" && rc_fail "a message stays queued: $(screen)"
echo "ok - sending is not held up by the bomb"
$TMUX_CMD send-keys -t rc "/open alice" Enter
$TMUX_CMD send-keys -t rc "/search from the CLI" Enter
wait_for "search: from the CLI"
wait_for "message 2 of 2 (match 1 of 1)"
$TMUX_CMD send-keys -t rc Escape

# Layout at 120x40: the status bar is the last row; after a resize to 80x24 too.
# status_at ROW: the status bar is on that row.
status_at() {
	screen | sed -n "$1p" | grep -qF "127.0.0.1:$RC_PORT | bob"
}
status_at 40 || rc_fail "no status bar on row 40: $(screen)"
$TMUX_CMD resize-window -t rc -x 80 -y 24 || rc_fail "tmux resize-window"
poll_until "after the resize the status bar is not on row 24" status_at 24
rows=$(screen | wc -l)
[ "$rows" -eq 24 ] || rc_fail "the pane has $rows rows after the resize"
screen | sed -n 1p | grep -q "^Contacts" || rc_fail "the contacts pane is not redrawn: $(screen)"
wait_for "Hello from the CLI, Боб"
echo "ok - redrawn at 80x24"

$TMUX_CMD send-keys -t rc "/quit" Enter
poll_until "the TUI did not quit" test -s "$RC_TMP/tui.status"
rc_expect "TUI exit status" 0 "$(cat "$RC_TMP/tui.status")"
if grep -q "Sanitizer" "$RC_TMP/tui.err"; then
	rc_fail "sanitizer report: $(cat "$RC_TMP/tui.err")"
fi
echo "ok - clean exit"

# A pinned key that differs from the server's: a blocking warning, nothing
# sent, any key quits with status 5.
sed "s/^\(127.0.0.1:$RC_PORT [^ ]*\) 65537 /\1 3 /" "$XDG_DATA_HOME/rsa-chat/known_servers" >"$RC_TMP/bad_known"
grep -q " 3 " "$RC_TMP/bad_known" || rc_fail "could not make a wrong pin: $(cat "$RC_TMP/bad_known")"
rm -f "$RC_TMP/tui.status"
$TMUX_CMD new-session -d -s bad -x 100 -y 30 "sh '$RC_TMP/tui.sh' --known-servers '$RC_TMP/bad_known'" ||
	rc_fail "tmux new-session"
SESSION=bad
poll_until "no warning for a changed key" screen_has "SERVER KEY CHANGED"
echo "ok - changed key warning"
$TMUX_CMD send-keys -t bad q
poll_until "the TUI did not quit after the warning" test -s "$RC_TMP/tui.status"
rc_expect "exit status after a changed key" 5 "$(cat "$RC_TMP/tui.status")"

# The sync extension (issue 12) against a fake server (hostile-server
# store:200, tests/client/hostile.sh): the conversation opens at its newest
# page, scrolling up past the oldest loaded message loads the pages before
# it down to message 1, messages arriving come by wait_messages (the only
# get_messages are pages), and a line typed is sent at once while a wait is
# parked (waits last 25 s: the server answers the parked one [] first).
# Against the same conversation served as the original does (store-v1): the
# same screen, from polls of the whole conversation.
. "$top_srcdir/tests/client/hostile.sh"
# top_is_first: the oldest message shows.
top_is_first() {
	screen | grep -q ' message 1$'
}
none_queued() {
	! screen | grep -qF queued
}
# parked_now: the fake server's last word is a wait parked.
parked_now() {
	tail -n 1 "$RC_TMP/hostile.log" | grep -q '^parked:'
}
# sent_while_parked: the fake server answered a parked wait [] for a send_message.
sent_while_parked() {
	grep -A1 '^unparked:' "$RC_TMP/hostile.log" | grep -q '^request: {"cmd":"send_message"'
}
for mode in store store-v1; do
	: >"$RC_TMP/hostile.log"
	hostile --arrive 2 "$mode:200"
	rm -f "$RC_TMP/tui.status"
	$TMUX_CMD new-session -d -s "$mode" -x 100 -y 30 "sh '$RC_TMP/tui.sh' --port $PORT --accept-new-server-key" ||
		rc_fail "tmux new-session"
	SESSION=$mode
	wait_for "message 202"
	n=0
	until top_is_first; do
		n=$((n + 1))
		[ $n -lt 100 ] || rc_fail "$mode: scrolling up never reached message 1; the screen shows:
$(screen)"
		$TMUX_CMD send-keys -t "$mode" PPage
		sleep 0.2
	done
	echo "ok - $mode: scrolled up to message 1"
	$TMUX_CMD send-keys -t "$mode" End
	[ "$mode" = store ] && poll_until "store: the TUI parks no wait" parked_now
	$TMUX_CMD send-keys -t "$mode" "typed in the $mode TUI" Enter
	wait_for "typed in the $mode TUI"
	poll_until "$mode: the typed line was not sent" grep -q '"cmd":"send_message"' "$RC_TMP/hostile.log"
	poll_until "$mode: the typed line stays queued" none_queued
	screen | grep -qF "[not sent" && rc_fail "$mode: the typed line was refused: $(screen)"
	if [ "$mode" = store ]; then
		poll_until "store: the typed line did not go out during a parked wait" sent_while_parked
		echo "ok - store: the typed line went out while a wait was parked"
	fi
	$TMUX_CMD send-keys -t "$mode" "/quit" Enter
	poll_until "$mode: the TUI did not quit" test -s "$RC_TMP/tui.status"
	rc_expect "$mode: TUI exit status" 0 "$(cat "$RC_TMP/tui.status")"
	grep -q "Sanitizer" "$RC_TMP/tui.err" && rc_fail "$mode: sanitizer report: $(cat "$RC_TMP/tui.err")"
	cp "$RC_TMP/hostile.log" "$RC_TMP/$mode.log"
done
hostile_stop
# With the extension: pages of 50 from the newest end, never the whole conversation.
grep '"cmd":"get_messages"' "$RC_TMP/store.log" | grep -qv '"limit":50' &&
	rc_fail "the TUI asked for a whole conversation: $(grep get_messages "$RC_TMP/store.log")"
grep -q '"cmd":"get_messages","user":"bob","before_id":151,"limit":50' "$RC_TMP/store.log" ||
	rc_fail "no page before message 151: $(grep get_messages "$RC_TMP/store.log")"
grep -q '"cmd":"wait_messages","after_id":200,' "$RC_TMP/store.log" || rc_fail "the TUI does not wait from message 200"
echo "ok - with the extension: newest page first, older pages on scrolling, waits"
grep -q '"cmd":"last_message_id"' "$RC_TMP/store-v1.log" || rc_fail "the TUI never asked the v1 server for the extension"
grep -q '"cmd":"get_messages","user":"bob"}' "$RC_TMP/store-v1.log" || rc_fail "the TUI did not fall back to v1 polls"
echo "ok - without it: the same screen from v1 polls"
