#!/bin/sh
# The settings file end to end (issue 15): the real client reaches a real
# server with host, port and key taken only from ~/.config/rsa-chat/config;
# default-profile, --profile, a flag over a profile, --config, XDG_CONFIG_HOME,
# --list-profiles, and each error's message and exit status.
. "$top_srcdir/tests/lib/harness.sh"

rc_pg_start
rc_server_start
CHAT=$top_builddir/client/rsa-chat
HOME=$RC_TMP/home
XDG_DATA_HOME=$RC_TMP/data
export HOME XDG_DATA_HOME
unset XDG_CONFIG_HOME RSA_CHAT_HOME
mkdir -p "$HOME/.config/rsa-chat"
rc_genkey 1024 "$HOME/alice.key"
rc_genkey 1024 "$HOME/bob.key"
CONF=$HOME/.config/rsa-chat/config

# expect LABEL STATUS TEXT [ARGS]: the client with ARGS (and nothing else)
# exits with STATUS and prints TEXT (on stdout or stderr; "" checks none).
# Its stdout stays in $RC_TMP/out.
expect() {
	label=$1 want=$2 text=$3
	shift 3
	st=0
	"$CHAT" "$@" >"$RC_TMP/out" 2>"$RC_TMP/err" || st=$?
	[ "$st" -eq "$want" ] || rc_fail "$label: exit status $st, expected $want; stderr: $(cat "$RC_TMP/err")"
	[ -z "$text" ] || cat "$RC_TMP/out" "$RC_TMP/err" | grep -qF -- "$text" ||
		rc_fail "$label: '$text' not in: $(cat "$RC_TMP/out" "$RC_TMP/err")"
	echo "ok - $label"
}

# The server listens on 127.0.0.1 only: 127.0.0.2 refuses, so the "away"
# profile fails unless a flag overrides its host.
cat >"$CONF" <<CONF
# the top: defaults for every profile
host = 127.0.0.1
port = $RC_PORT
key = ~/alice.key
default-profile = alice

[profile alice]
login = alice

[profile bob]
key = ~/bob.key

[profile away]
host = 127.0.0.2
CONF

expect "register with no option at all" 0 "registered as alice" register alice
expect "--profile bob: bob's key" 0 "registered as bob" --profile bob register bob
expect "send through a profile" 0 "" --profile bob send alice "hello from bob's profile"
expect "alice reads bob with no option" 0 "hello from bob's profile" history bob

expect "a profile's host is used" 4 "" --profile away users
expect "--host overrides the profile" 0 "bob" --profile away --host 127.0.0.1 users
expect "--key overrides the profile" 0 "SHA256:" --profile bob --key "$HOME/alice.key" fingerprint
mv "$RC_TMP/out" "$RC_TMP/fp-flag"
expect "the default profile's key" 0 "$(cat "$RC_TMP/fp-flag")" fingerprint
expect "bob's profile" 0 "SHA256:" --profile bob fingerprint
! cmp -s "$RC_TMP/out" "$RC_TMP/fp-flag" || rc_fail "bob's profile gave alice's key"

expect "--list-profiles" 0 "" --list-profiles
rc_expect "the profiles listed" "alice	127.0.0.1:$RC_PORT	$HOME/alice.key	(default)
bob	127.0.0.1:$RC_PORT	$HOME/bob.key
away	127.0.0.2:$RC_PORT	$HOME/alice.key" "$(cat "$RC_TMP/out")"

# --config FILE and $XDG_CONFIG_HOME instead of the default file.
printf 'port = %s\nkey = ~/bob.key\n' "$RC_PORT" >"$RC_TMP/other.conf"
mv "$CONF" "$RC_TMP/saved.conf"
expect "--config FILE" 0 "" --config "$RC_TMP/other.conf" send alice "via --config"
mkdir -p "$RC_TMP/xdg/rsa-chat"
cp "$RC_TMP/other.conf" "$RC_TMP/xdg/rsa-chat/config"
XDG_CONFIG_HOME=$RC_TMP/xdg
export XDG_CONFIG_HOME
expect "\$XDG_CONFIG_HOME/rsa-chat/config" 0 "" send alice "via XDG_CONFIG_HOME"
unset XDG_CONFIG_HOME
expect "no settings file is no error" 0 "via --config" --key "$HOME/alice.key" --port "$RC_PORT" history bob
grep -qF "via XDG_CONFIG_HOME" "$RC_TMP/out" || rc_fail "the XDG_CONFIG_HOME message did not arrive"
mv "$RC_TMP/saved.conf" "$CONF"

# Errors: usage (2), naming the file and line.
expect "an unknown profile lists the known ones" 2 "$CONF: no profile 'carol'; the profiles: alice, bob, away" \
	--profile carol users
expect "a missing --config file" 2 "$RC_TMP/missing.conf: No such file or directory" \
	--config "$RC_TMP/missing.conf" users
# expect_bad LABEL TEXT MESSAGE: a file holding TEXT is refused with MESSAGE.
expect_bad() {
	printf '%s\n' "$2" >"$RC_TMP/bad.conf"
	expect "$1" 2 "rsa-chat: $RC_TMP/bad.conf:$3" --config "$RC_TMP/bad.conf" users
}
expect_bad "an unknown key" "port = 1
colour = red" "2: unknown key 'colour' (the keys: default-profile, host, port, key,"
expect_bad "a bad yes/no" "bell = loud" "1: bell: want 'yes' or 'no', got 'loud'"
expect_bad "a bad port" "port = 99999" "1: port: want a port from 1 to 65535, got '99999'"
expect_bad "a bad poll interval" "poll-interval = soon" "1: poll-interval: want seconds between 0 and 3600"
expect_bad "a bad section" "[server x]" "1: unknown section '[server x]'; want '[profile NAME]'"
expect_bad "a profile twice" "[profile a]
[profile a]" "2: profile 'a' again (first at line 1)"
expect_bad "an unknown default profile" "default-profile = b
[profile a]" "1: default-profile: no profile 'b'; the profiles: a"
expect_bad "a line without =" "host 127.0.0.1" "1: expected 'name = value'"
head -c 70000 /dev/zero | tr '\0' '#' >"$RC_TMP/big.conf"
expect "a file too large" 2 "$RC_TMP/big.conf: larger than 65536 bytes" --config "$RC_TMP/big.conf" users
printf 'notify-cmd = touch /tmp/owned\n' >"$RC_TMP/shared.conf"
chmod 0646 "$RC_TMP/shared.conf"
expect "a file others may change" 2 "permissions 0646 for '$RC_TMP/shared.conf' let others change it; run: chmod go-w" \
	--config "$RC_TMP/shared.conf" users
expect "--config /dev/null: no settings" 0 "SHA256:" --config /dev/null --key "$HOME/alice.key" fingerprint
# The default file is checked too; --help and --version still work.
printf 'bell = loud\n' >"$CONF"
expect "a bad default file" 2 "$CONF:1: bell" users
expect "--help despite a bad file" 0 "--profile NAME" --help
expect "--version despite a bad file" 0 "rsa-chat" --version
expect "--list-profiles without profiles" 0 "no profiles: $RC_TMP/other.conf has none" \
	--list-profiles --config "$RC_TMP/other.conf"
echo "config-file: all passed"
