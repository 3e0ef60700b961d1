#!/bin/sh
# Command line and config file: --help, --version, a missing key, bad
# values, unknown settings (with their line), and options overriding the file.
. "$top_srcdir/tests/lib/harness.sh"
rc_init

SERVER="$top_builddir/server/rsa-chat-server"
# No config file of the machine may leak into these runs.
NOCONF="-c /dev/null"

"$SERVER" --help >"$RC_TMP/help.txt" || rc_fail "--help failed"
for opt in --config --listen --port --key --database --workers --response-chunk --max-frame --max-blocks \
	--max-request --max-connections --handshake-timeout --idle-timeout --log-level --require-key-proof \
	--registrations-per-hour --allowed-keys --statement-timeout --version; do
	grep -q -- "$opt" "$RC_TMP/help.txt" || rc_fail "--help does not mention $opt"
done
echo "ok - --help"
version=$(sed -n 's/^AC_INIT(\[rsa-chat\], \[\([^]]*\)\].*/\1/p' "$top_srcdir/configure.ac")
rc_expect "--version" "rsa-chat-server (rsa-chat) $version" "$("$SERVER" --version)"

status=0
"$SERVER" $NOCONF --key "$RC_TMP/missing.key" 2>"$RC_TMP/err.txt" || status=$?
rc_expect "missing key exits 1" 1 "$status"
grep -q "$RC_TMP/missing.key" "$RC_TMP/err.txt" && grep -q "generate-keys -o $RC_TMP/missing.key" "$RC_TMP/err.txt" ||
	rc_fail "the message does not name the file and generate-keys: $(cat "$RC_TMP/err.txt")"
echo "ok - missing key"

usage_error() {
	label=$1
	want=$2
	shift 2
	status=0
	"$SERVER" "$@" 2>"$RC_TMP/err.txt" >/dev/null || status=$?
	[ "$status" -eq 2 ] || rc_fail "$label: exit status $status, want 2"
	grep -q -- "$want" "$RC_TMP/err.txt" || rc_fail "$label: no '$want' in: $(cat "$RC_TMP/err.txt")"
	echo "ok - $label"
}
usage_error "unknown option" "Try 'rsa-chat-server --help'" $NOCONF --frobnicate
usage_error "bad number" "workers: want a whole number from 1 to 256" $NOCONF --workers 0
usage_error "bad port" "port: want a whole number" $NOCONF --port 70000
usage_error "bad chunk" "response-chunk: want 'original' or 'wide'" $NOCONF --response-chunk huge
usage_error "bad log level" "log-level: want error, warn, info or debug" $NOCONF --log-level loud
usage_error "bad registration limit" "registrations-per-hour: want a whole number from 0 to 1000000" $NOCONF \
	--registrations-per-hour many
usage_error "bad statement timeout" "statement-timeout: want a whole number from 0 to" $NOCONF --statement-timeout -5
usage_error "missing config file" "$RC_TMP/none.conf" -c "$RC_TMP/none.conf"
printf 'port = 0\n# comment\n\nfrobnicate = 1\n' >"$RC_TMP/bad.conf"
usage_error "unknown setting with its line" "bad.conf:4: unknown setting 'frobnicate'" -c "$RC_TMP/bad.conf"
printf 'idle-timeout = soon\n' >"$RC_TMP/bad2.conf"
usage_error "bad value with its line" "bad2.conf:1: idle-timeout: want a whole number" -c "$RC_TMP/bad2.conf"
printf 'require-key-proof = maybe\n' >"$RC_TMP/bad4.conf"
usage_error "bad yes/no with its line" "bad4.conf:1: require-key-proof: want 'yes' or 'no'" -c "$RC_TMP/bad4.conf"
printf 'just words\n' >"$RC_TMP/bad3.conf"
usage_error "not name = value" "bad3.conf:1: expected 'name = value'" --config "$RC_TMP/bad3.conf"

# Settings come from the file, options win over it. The server runs
# without a database here: the settings are what is tested.
printf 'SHA256:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\n' >"$RC_TMP/allowed"
printf '# test\nlog-level = debug\n  workers = 3\nidle-timeout=500\nrequire-key-proof = yes\nallowed-keys = %s\n' \
	"$RC_TMP/allowed" >"$RC_TMP/good.conf"
rc_server_start -c "$RC_TMP/good.conf" --database "postgresql://nobody@127.0.0.1:1/none"
grep -q 'worker threads: 3' "$RC_SERVER_LOG" || rc_fail "workers from the file not applied"
grep -q 'clients must prove they hold their key' "$RC_SERVER_LOG" || rc_fail "require-key-proof from the file not applied"
grep -q 'registration is closed but for 1 allowed key' "$RC_SERVER_LOG" || rc_fail "allowed-keys from the file not applied"
rc_genkey 1024 "$RC_TMP/k"
"$top_builddir/tests/server/test-client" --port "$RC_PORT" --key "$RC_TMP/k" abuse stall >/dev/null 2>&1
grep -q 'DEBUG' "$RC_SERVER_LOG" || rc_fail "log-level from the file not applied"
grep -q 'stalled in the middle of a frame' "$RC_SERVER_LOG" || rc_fail "idle-timeout from the file not applied"
echo "ok - settings from the file"
rc_server_start -c "$RC_TMP/good.conf" --workers 1 --log-level warn --database "postgresql://nobody@127.0.0.1:1/none"
grep -q 'worker threads: 1' "$RC_SERVER_LOG" || rc_fail "--workers does not override the file"
if grep -q 'INFO\|DEBUG' "$RC_SERVER_LOG"; then
	rc_fail "--log-level does not override the file"
fi
echo "ok - options override the file"
