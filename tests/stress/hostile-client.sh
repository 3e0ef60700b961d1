#!/bin/sh
# The real rsa-chat (users, history, send) against a hostile fake server
# (tests/stress/hostile-server.c): huge frame announcements in the handshake
# and in answers, a server key too small, garbage instead of a handshake,
# blocks above our modulus or not decrypting to UTF-8, JSON of the wrong
# shape, 600-digit fields that are not numbers. Each run must end within its
# time limit with exit status 3 (the server's answer is refused) or 4 (the
# connection failed), one clear line on stderr, and no sanitizer report.
# Messages whose contents are garbage show the placeholder instead.
# Decryption bombs (issue 11, finding 6): an answer of 4M tiny blocks, or of
# blocks too many to decrypt, ends within the request deadline (15 s) with
# exit 4; a message of 110,000 blocks is shown unread, the rest of the
# conversation as usual.
. "$top_srcdir/tests/lib/harness.sh"

rc_init
HOSTILE=$top_builddir/tests/stress/hostile-server
CHAT=$top_builddir/client/rsa-chat
HOME=$RC_TMP/home
XDG_DATA_HOME=$RC_TMP/data
export HOME XDG_DATA_HOME
mkdir -p "$HOME"
rc_genkey 1024 "$RC_TMP/server.key"
rc_genkey 1024 "$RC_TMP/me.key"
rc_genkey 1024 "$RC_TMP/bob.key"
key_part() {
	sed -n "s/^$2 \([0-9]*\)$/\1/p" "$RC_TMP/$1"
}
BOB_E=$(key_part bob.key e)
BOB_N=$(key_part bob.key n)
[ -n "$BOB_E" ] && [ -n "$BOB_N" ] || rc_fail "cannot read bob's key"
USERS="json:{\"state\":\"ok\",\"data\":[{\"login\":\"bob\",\"open_exponent\":$BOB_E,\"module\":$BOB_N}]}"
D600=$(printf '%0600d' 0 | tr 0 7)
HOSTILE_PID=

hostile_stop() {
	[ -n "$HOSTILE_PID" ] || return 0
	kill "$HOSTILE_PID" 2>/dev/null
	wait "$HOSTILE_PID" 2>/dev/null
	HOSTILE_PID=
}

# hostile [--handshake KIND] ACTION...: a fresh hostile server; sets PORT.
hostile() {
	hostile_stop
	rm -f "$RC_TMP/port"
	"$HOSTILE" --key "$RC_TMP/server.key" --port-file "$RC_TMP/port" "$@" >>"$RC_TMP/hostile.log" 2>&1 &
	HOSTILE_PID=$!
	tries=0
	until [ -s "$RC_TMP/port" ]; do
		tries=$((tries + 1))
		[ $tries -lt 100 ] && kill -0 "$HOSTILE_PID" 2>/dev/null ||
			rc_fail "hostile-server did not start: $(cat "$RC_TMP/hostile.log")"
		sleep 0.1
	done
	PORT=$(cat "$RC_TMP/port")
}

# run LABEL COMMAND...: the client against the hostile server, which must
# end with status 3 or 4, a clear message and no sanitizer report.
run() {
	label=$1
	shift
	st=0
	timeout 60 "$CHAT" --port "$PORT" --key "$RC_TMP/me.key" --known-servers "$RC_TMP/known" \
		--accept-new-server-key "$@" >"$RC_TMP/out" 2>"$RC_TMP/err" || st=$?
	[ $st -ne 124 ] || rc_fail "$label: the client hung (killed after 60 s)"
	grep -q 'Sanitizer\|runtime error' "$RC_TMP/err" && rc_fail "$label: sanitizer report: $(cat "$RC_TMP/err")"
	case $st in
	3 | 4) ;;
	*) rc_fail "$label: exit status $st, expected 3 or 4; stderr: $(cat "$RC_TMP/err")" ;;
	esac
	[ "$(grep -c . "$RC_TMP/err")" -ge 1 ] && grep -q '^rsa-chat: ' "$RC_TMP/err" ||
		rc_fail "$label: no clear message; stderr: $(cat "$RC_TMP/err")"
	echo "ok - $label (exit $st: $(grep '^rsa-chat: ' "$RC_TMP/err" | tail -n 1))"
}

# Every command meets each hostile answer to its first request.
for action in huge-count huge-block truncated block-too-big not-utf8 close \
	'json:not json at all' 'json:[1,2,3]' 'json:"pong"' 'json:{"state":5,"data":"x"}' \
	'json:{"state":"ok","data":{"login":"bob"}}' 'json:{"state":"ok","data":[7,null,"x"]}' \
	"json:{\"state\":\"ok\",\"data\":[{\"login\":\"bob\",\"open_exponent\":\"${D600}x\",\"module\":\"${D600}y\"}]}" \
	"json:{\"state\":\"ok\",\"data\":[{\"login\":\"bob\",\"open_exponent\":$D600.5,\"module\":-$D600}]}" \
	"json:{\"state\":\"ok\",\"data\":[{\"login\":\"bob\",\"open_exponent\":${D600}e9999,\"module\":$D600}]}" \
	"json:{\"state\":\"ok\",\"data\":[{\"login\":$D600,\"open_exponent\":3,\"module\":$BOB_N}]}" \
	"json:{\"state\":\"error\",\"error\":$D600}" \
	"json:{\"state\":\"ok\",\"data\":[{\"user\":\"bob\",\"created_at\":$D600,\"content\":${D600}x}]}" \
	"json:{\"state\":\"ok\",\"data\":[{\"user\":$D600,\"created_at\":\"2026-11-24T10:00:00.000001\",\"content\":\"x\"}]}" \
	"json:{\"state\":\"ok\",\"data\":[{\"user\":\"bob\",\"created_at\":\"${D600}x\",\"content\":[$D600]}]}"; do
	hostile "$action"
	short=$(printf '%.40s' "$action")
	run "users, answer $short" users
	run "history, answer $short" history bob
	run "send, answer $short" send bob hello
done

# The user list is fine; the answer to send_message is not.
for action in huge-count block-too-big not-utf8 close 'json:{"state":"ok","data":7}' \
	"json:{\"state\":\"ok\",\"data\":${D600}x}" "json:{\"state\":\"error\",\"error\":{\"x\":$D600}}"; do
	hostile "$USERS" "$action"
	run "send, then answer $(printf '%.40s' "$action")" send bob hello
done

# Hostile answers to the client's proof of key possession.
for action in huge-count block-too-big not-utf8 close 'json:{"state":"ok","data":7}' \
	"json:{\"state\":\"ok\",\"data\":\"${D600}x\"}" "json:{\"state\":\"ok\",\"data\":$D600}"; do
	hostile --challenge "$action" "$USERS"
	run "users, challenge answered $(printf '%.40s' "$action")" users
done

# Hostile handshakes.
for kind in huge small-key garbage; do
	hostile --handshake "$kind" "$USERS"
	run "users, handshake $kind" users
	run "history, handshake $kind" history bob
	run "send, handshake $kind" send bob hello
done

# Contents that are garbage blocks: the placeholder, not a failure.
GARBAGE_B64=$(printf '\377\377\377\377' | base64)
hostile "json:{\"state\":\"ok\",\"data\":[{\"user\":\"bob\",\"created_at\":\"2026-11-24T10:00:00.000001\",\"content\":\"[\\\"$GARBAGE_B64\\\"]\"},{\"user\":\"bob\",\"created_at\":\"2026-11-24T10:00:01.000001\",\"content\":\"$D600\"},{\"user\":\"bob\",\"created_at\":\"2026-11-24T10:00:02.000001\",\"content\":\"[\\\"$(printf '%0900d' 0 | tr 0 A)\\\"]\"}]}"
st=0
timeout 60 "$CHAT" --port "$PORT" --key "$RC_TMP/me.key" --known-servers "$RC_TMP/known" --accept-new-server-key \
	history bob >"$RC_TMP/out" 2>"$RC_TMP/err" || st=$?
[ $st -eq 0 ] || rc_fail "history of garbage contents: exit $st; stderr: $(cat "$RC_TMP/err")"
grep -q 'Sanitizer\|runtime error' "$RC_TMP/err" && rc_fail "sanitizer report: $(cat "$RC_TMP/err")"
rc_expect "garbage contents show the placeholder" 3 "$(grep -c 'bob: ' "$RC_TMP/out")"

# Decryption bombs. Each run must end well within 40 s (the request deadline
# is 15 s; without it these took minutes).
timed() {
	label=$1
	shift
	started=$(date +%s)
	"$@"
	took=$(($(date +%s) - started))
	[ $took -le 40 ] || rc_fail "$label: took $took s; the request deadline is 15 s"
	echo "ok - $label within 40 s ($took s)"
}
hostile "block-bomb:4194304"
timed "users, an answer of 4M one-byte blocks" run "users, an answer of 4M one-byte blocks" users
hostile "dense-bomb:600000"
timed "users, an answer of 600,000 half-modulus blocks" run "users, an answer of 600,000 half-modulus blocks" users
expect_timeout() {
	grep -q 'timed out' "$RC_TMP/err" || rc_fail "dense bomb: not the deadline: $(cat "$RC_TMP/err")"
}
expect_timeout
hostile history-bomb
history_bomb() {
	st=0
	timeout 60 "$CHAT" --port "$PORT" --key "$RC_TMP/me.key" --known-servers "$RC_TMP/known" --accept-new-server-key \
		history bob >"$RC_TMP/out" 2>"$RC_TMP/err" || st=$?
	[ $st -eq 0 ] || rc_fail "history with bombs: exit $st; stderr: $(cat "$RC_TMP/err")"
}
timed "history with two bomb messages" history_bomb
grep -q 'Sanitizer\|runtime error' "$RC_TMP/err" && rc_fail "sanitizer report: $(cat "$RC_TMP/err")"
rc_expect "bombs shown unread, the rest read" "$(printf 'bob: before\nbob: [unreadable: too many blocks]\nbob: [unreadable: too many blocks]\nbob: after')" \
	"$(sed 's/^\[[^]]*\] //' "$RC_TMP/out")"
hostile_stop
