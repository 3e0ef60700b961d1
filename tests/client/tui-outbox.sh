#!/bin/sh
# The TUI's outbox survives a restart (issue 14): messages queued while the
# server is down stay on disk (no readable text) when the TUI quits, and the
# next start sends them, each stored exactly once under the msg_id it got
# when it was typed; a message the server stored but whose answer was lost
# (the server stopped after its commit, then killed) is still stored once
# after a restart; a TUI killed between the two copies of a message does not
# send the first again; a message answered "database unavailable" stays
# queued; a second TUI of the same user runs without the outbox.
. "$top_srcdir/tests/lib/harness.sh"
# rc_init first: its EXIT trap would otherwise replace tmuxlib's, and a
# failure would leave the TUIs running.
rc_init
. "$top_srcdir/tests/client/tmuxlib"

rc_pg_start
rc_server_start
PORT=$RC_PORT
tui_home
for u in alice bob; do
	"$CHAT" --port "$PORT" --key "$RC_TMP/$u.key" register $u >/dev/null 2>&1 || rc_fail "register $u"
done
JSONL=$top_builddir/tests/client/jsonl_fields

cat >"$RC_TMP/tui.sh" <<EOS
#!/bin/sh
TERM=xterm-256color LC_ALL=C.UTF-8 HOME='$HOME' XDG_DATA_HOME='$XDG_DATA_HOME'
export TERM LC_ALL HOME XDG_DATA_HOME
# Ctrl-C is for the TUI: this shell stays to write the exit status.
trap : INT
'$CHAT' --port '$PORT' --key '$RC_TMP/bob.key' --poll-interval 0.5 2>"\$1.err"
echo \$? >"\$1.status"
EOS

# tui_start NAME: bob's TUI in tmux session NAME (its stderr in
# $RC_TMP/NAME.err, its exit status in $RC_TMP/NAME.status).
tui_start() {
	SESSION=$1
	rm -f "$RC_TMP/$1.status"
	$TMUX_CMD new-session -d -s "$1" -x 120 -y 30 "sh '$RC_TMP/tui.sh' '$RC_TMP/$1'" || rc_fail "tmux new-session"
}

# tui_quit: Ctrl-C, then y when the screen asks; waits for the exit status 0.
tui_quit() {
	$TMUX_CMD send-keys -t "$SESSION" C-c
	if [ -n "${1:-}" ]; then
		wait_for "$1"
		$TMUX_CMD send-keys -t "$SESSION" y
	fi
	poll_until "the TUI did not quit" test -s "$RC_TMP/$SESSION.status"
	[ "$(cat "$RC_TMP/$SESSION.status")" = 0 ] ||
		rc_fail "the TUI exited with $(cat "$RC_TMP/$SESSION.status"): $(cat "$RC_TMP/$SESSION.err")"
}

# The rows bob stored, by msg_id, in the order stored.
bob_rows() {
	rc_psql -A -t -c "SELECT msg_id FROM message WHERE sender = 'bob' ORDER BY id"
}

# The outbox entries' members $@ (the file's lines after its header).
entries() {
	tail -n +2 "$OUTBOX" >"$RC_TMP/entries"
	"$JSONL" "$RC_TMP/entries" "$@" || rc_fail "the outbox has a line that is not JSON: $(cat "$OUTBOX")"
}

# bob_rows_are N / outbox_entries_are N: checked anew on each try of
# poll_until (an argument "$(...)" would be worked out once, before it).
bob_rows_are() {
	[ "$(bob_rows | wc -l)" = "$1" ]
}
outbox_entries_are() {
	[ "$(($(wc -l <"$OUTBOX") - 1))" = "$1" ]
}

server_again() {
	rc_server_start --port "$PORT"
	[ "$RC_PORT" = "$PORT" ] || rc_fail "the server came back on port $RC_PORT, not $PORT"
}

# 1. Queued while the server is down, sent after a restart of both.
tui_start one
wait_for ">alice"
wait_for "online"
rc_server_stop
wait_for "offline"
$TMUX_CMD send-keys -t one "first while down" Enter
$TMUX_CMD send-keys -t one "second while down" Enter
wait_for "2 queued"
OUTBOX=$(ls "$XDG_DATA_HOME"/rsa-chat/outbox/* | grep -v '\.lock$')
[ "$(echo "$OUTBOX" | wc -l)" = 1 ] || rc_fail "one outbox file expected: $OUTBOX"
[ "$(stat -c %a "$OUTBOX")" = 600 ] || rc_fail "the outbox is not private: $(stat -c %a "$OUTBOX")"
grep -q "while down" "$OUTBOX" && rc_fail "the outbox holds readable text: $(cat "$OUTBOX")"
echo "ok - written when queued, mode 600, no readable text"
# A second TUI of bob's meanwhile: it runs, without the outbox.
tui_start two
# The notice says why; a connection error may replace it, the status bar's mark stays.
wait_for "outbox in memory"
tui_quit
grep -q "while down" "$RC_TMP/two.err" && rc_fail "the second TUI restored the first one's messages"
echo "ok - a second TUI leaves the outbox alone"
SESSION=one
tui_quit "sent next time"
grep -q "kept in the outbox" "$RC_TMP/one.err" || rc_fail "no word about the outbox on exit: $(cat "$RC_TMP/one.err")"
IDS=$(entries msg_id)
rc_expect "two entries, nothing acknowledged" "$(echo "$IDS" | sed 's/$/	0/')" "$(entries msg_id acked)"
ID1=$(echo "$IDS" | sed -n 1p)
ID2=$(echo "$IDS" | sed -n 2p)

server_again
tui_start three
wait_for "2 messages queued last time"
wait_for "second while down"
no_queued() {
	! screen_has "[queued]"
}
poll_until "the restored messages still show queued" no_queued
poll_until "bob's four copies were not stored" bob_rows_are 4
rc_expect "each copy stored once, in order, under its msg_id" "$ID1-r
$ID1-s
$ID2-r
$ID2-s" "$(bob_rows)"
"$CHAT" --port "$PORT" --key "$RC_TMP/alice.key" history bob >"$RC_TMP/hist" 2>&1 || rc_fail "history"
rc_expect "alice got them once, in order" "first while down
second while down" "$(sed -n 's/.*bob: //p' "$RC_TMP/hist")"
poll_until "the outbox still holds entries" outbox_entries_are 0
tui_quit

# 2. The server stores a copy and its answer is lost: the insert waits
# behind a table lock, the server is stopped, the lock released (the insert
# commits), and the server killed before it can answer.
tui_start four
wait_for ">alice"
wait_for "online"
rc_psql -v ON_ERROR_STOP=1 -c "SET application_name = 'locker'" \
	-c "BEGIN" -c "LOCK TABLE message IN EXCLUSIVE MODE" -c "SELECT pg_sleep(120)" >/dev/null 2>&1 &
LOCKER=$!
locked() {
	[ "$(rc_psql -A -t -c "SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a USING (pid)
		WHERE a.application_name = 'locker' AND l.locktype = 'relation' AND l.mode = 'ExclusiveLock'
		AND l.granted")" = 1 ]
}
poll_until "the lock was not taken" locked
$TMUX_CMD send-keys -t four "the answer is lost" Enter
insert_waits() {
	[ "$(rc_psql -A -t -c "SELECT count(*) FROM pg_stat_activity
		WHERE wait_event_type = 'Lock' AND query LIKE '%INSERT INTO message%'")" = 1 ]
}
poll_until "the server's insert did not wait for the lock" insert_waits
kill -STOP "$RC_SERVER_PID"
rc_psql -c "SELECT pg_cancel_backend(pid) FROM pg_stat_activity WHERE application_name = 'locker'" >/dev/null
wait "$LOCKER" 2>/dev/null || true
poll_until "the stopped server's insert did not commit" bob_rows_are 5
kill -KILL "$RC_SERVER_PID"
wait "$RC_SERVER_PID" 2>/dev/null || true
RC_SERVER_PIDS=$(echo "$RC_SERVER_PIDS" | tr ' ' '\n' | grep -vx "$RC_SERVER_PID" | tr '\n' ' ')
wait_for "offline"
wait_for "1 queued"
ID3=$(entries msg_id)
rc_expect "stored before the answer, which never came" "$ID3-r" "$(bob_rows | tail -n 1)"
rc_expect "the entry holds its sealed copies, none acknowledged" "0	yes	yes" \
	"$(entries acked to_recipient to_self | awk -F '\t' '{print $1 "\t" ($2 != "" ? "yes" : "no") "\t" ($3 != "" ? "yes" : "no")}')"
tui_quit "sent next time"

server_again
tui_start five
wait_for "1 message queued last time"
poll_until "the self copy was not stored" bob_rows_are 6
rc_expect "the retry stored only the missing self copy" "$ID3-r
$ID3-s" "$(bob_rows | tail -n 2)"
"$CHAT" --port "$PORT" --key "$RC_TMP/alice.key" history bob >"$RC_TMP/hist" 2>&1 || rc_fail "history"
rc_expect "alice got it once" "1" "$(grep -c "bob: the answer is lost" "$RC_TMP/hist")"
wait_for "the answer is lost"
poll_until "the outbox still holds the entry" outbox_entries_are 0
poll_until "the restored message still shows queued" no_queued
tui_quit

# 3. Each acknowledged copy is recorded at once: the self copy's insert
# waits (a trigger takes an advisory lock the test holds) after the
# recipient's copy was acknowledged; the TUI is killed there. The next
# start sends only the self copy (the trigger counts every insert tried).
rc_psql -c "CREATE TABLE attempts (msg_id text)" -c "CREATE FUNCTION hold_self_copies() RETURNS trigger
	LANGUAGE plpgsql AS \$\$ BEGIN
		INSERT INTO attempts VALUES (NEW.msg_id);
		IF NEW.self_copy THEN PERFORM pg_advisory_xact_lock_shared(42); END IF;
		RETURN NEW;
	END \$\$" -c "CREATE TRIGGER hold_self_copies BEFORE INSERT ON message
	FOR EACH ROW EXECUTE FUNCTION hold_self_copies()" >/dev/null
rc_psql -c "SET application_name = 'locker'" -c "SELECT pg_advisory_lock(42)" -c "SELECT pg_sleep(120)" \
	>/dev/null 2>&1 &
LOCKER=$!
advisory_held() {
	[ "$(rc_psql -A -t -c "SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a USING (pid)
		WHERE a.application_name = 'locker' AND l.locktype = 'advisory' AND l.granted")" = 1 ]
}
poll_until "the advisory lock was not taken" advisory_held
tui_start six
wait_for ">alice"
wait_for "online"
$TMUX_CMD send-keys -t six "acknowledged in halves" Enter
recipient_acked() {
	[ "$(entries acked)" = 1 ]
}
poll_until "the outbox did not record the recipient's copy as acknowledged" recipient_acked
ID4=$(entries msg_id)
TUI_PID=$(pgrep -P "$($TMUX_CMD list-panes -t six -F '#{pane_pid}')" rsa-chat)
[ -n "$TUI_PID" ] || rc_fail "cannot find the TUI's pid"
kill -KILL "$TUI_PID"
rc_psql -c "SELECT pg_cancel_backend(pid) FROM pg_stat_activity WHERE application_name = 'locker'" >/dev/null
wait "$LOCKER" 2>/dev/null || true
tui_start seven
wait_for "1 message queued last time"
poll_until "the outbox still holds the entry" outbox_entries_are 0
rc_expect "the recipient's copy tried once, the self copy again" "$ID4-r	1
$ID4-s	2" "$(rc_psql -A -t -F '	' -c "SELECT msg_id, count(*) FROM attempts WHERE msg_id LIKE '$ID4-%'
	GROUP BY msg_id ORDER BY msg_id")"
rc_expect "both stored once" "$ID4-r
$ID4-s" "$(bob_rows | tail -n 2)"
tui_quit

# 4. The server's database is away: "database unavailable" refuses
# nothing. The message stays queued (and in the outbox), and goes, once,
# when the database is back (the TUI reconnecting after its pause).
tui_start eight
wait_for ">alice"
wait_for "online"
rc_pg_stop
$TMUX_CMD send-keys -t eight "while the database is away" Enter
wait_for "send: database unavailable (retrying in"
wait_for "1 queued"
screen_has "[not sent" && rc_fail "refused for good while the database was away: $(screen)"
[ "$(wc -l <"$OUTBOX")" = 2 ] || rc_fail "the outbox dropped the message: $(cat "$OUTBOX")"
rc_pg_start_again
# The pause before reconnecting has grown meanwhile (up to 8 s): 40 s at most.
n=0
until [ "$(rc_psql -A -t -c "SELECT count(*) FROM message WHERE sender = 'bob' AND msg_id LIKE '%-s'
	AND id > (SELECT max(id) FROM message WHERE msg_id = '$ID4-s')")" = 1 ]; do
	n=$((n + 1))
	[ $n -lt 400 ] || rc_fail "not sent after the database came back: $(screen)"
	sleep 0.1
done
poll_until "the outbox still holds the entry" outbox_entries_are 0
rc_expect "stored once" "1" "$("$CHAT" --port "$PORT" --key "$RC_TMP/alice.key" history bob 2>&1 |
	grep -c "bob: while the database is away")"
tui_quit
echo "ok - exactly once across restarts"
