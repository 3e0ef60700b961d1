#!/bin/sh
# utils/generate-keys end to end: files and modes, refusing to overwrite,
# --force, the original format, the default path, and usage errors.
set -eu

prog="${top_builddir:?run through make check}/utils/generate-keys"
tmp=$(mktemp -d "${TMPDIR:-/tmp}/generate-keys.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

fail() {
	echo "FAIL: $*" >&2
	exit 1
}

mode_of() {
	stat -c %a "$1"
}

# expect STATUS COMMAND...: runs COMMAND, output in $tmp/out and $tmp/err
expect() {
	want=$1
	shift
	set +e
	"$@" >"$tmp/out" 2>"$tmp/err"
	got=$?
	set -e
	[ "$got" -eq "$want" ] || {
		cat "$tmp/out" "$tmp/err" >&2
		fail "'$*' exited $got, expected $want"
	}
}

umask 022

# A key with the defaults of everything but the file.
expect 0 "$prog" --bits 1024 -o "$tmp/k"
[ "$(mode_of "$tmp/k")" = 600 ] || fail "private key mode $(mode_of "$tmp/k")"
[ "$(mode_of "$tmp/k.pub")" = 644 ] || fail "public key mode $(mode_of "$tmp/k.pub")"
head -n 1 "$tmp/k" | grep -qx 'rsa-chat-private-key-v1' || fail "private key header"
head -n 1 "$tmp/k.pub" | grep -qx 'rsa-chat-public-key-v1' || fail "public key header"
grep -qx 'e 65537' "$tmp/k.pub" || fail "public exponent"
grep -q "^Fingerprint: SHA256:[A-Za-z0-9+/]\{43\}\$" "$tmp/out" || fail "no fingerprint in: $(cat "$tmp/out")"
grep -qF "$tmp/k.pub" "$tmp/out" || fail "public key path not printed"
[ "$(ls "$tmp")" = "$(printf 'err\nk\nk.pub\nout')" ] || fail "stray files: $(ls "$tmp")"
fp=$(sed -n 's/^Fingerprint: //p' "$tmp/out")
cp "$tmp/k" "$tmp/k.saved"

# No overwrite without --force, and the old key is intact.
expect 1 "$prog" --bits 1024 -o "$tmp/k"
grep -q "^generate-keys: .*$tmp/k already exists.*--force" "$tmp/err" || fail "refusal message: $(cat "$tmp/err")"
cmp -s "$tmp/k" "$tmp/k.saved" || fail "key changed without --force"
# A lone .pub blocks too.
rm -f "$tmp/lone"
touch "$tmp/lone.pub"
expect 1 "$prog" --bits 1024 -o "$tmp/lone"
[ ! -e "$tmp/lone" ] || fail "private key written next to an existing .pub"

# --force replaces both files, keeping the modes.
expect 0 "$prog" --bits 1024 -o "$tmp/k" --force
cmp -s "$tmp/k" "$tmp/k.saved" && fail "--force did not replace the key"
[ "$(mode_of "$tmp/k")" = 600 ] || fail "mode after --force"
fp2=$(sed -n 's/^Fingerprint: //p' "$tmp/out")
[ "$fp" != "$fp2" ] || fail "two keys with one fingerprint"

# The original's format, and the config.py lines on stdout.
expect 0 "$prog" --bits 1024 --format original -o "$tmp/orig"
grep -qE '^PUBLIC_KEY = \(65537, [0-9]+\)$' "$tmp/orig" || fail "original public line"
grep -qE '^PRIVATE_KEY = \([0-9]+, [0-9]+\)$' "$tmp/orig" || fail "original private line"
[ "$(wc -l <"$tmp/orig")" -eq 2 ] || fail "original key file has extra lines"
grep -qE '^PUBLIC_KEY = \(65537, [0-9]+\)$' "$tmp/orig.pub" || fail "original .pub"
grep -qxF "$(sed -n 1p "$tmp/orig")" "$tmp/out" || fail "PUBLIC_KEY line not printed"
grep -qxF "$(sed -n 2p "$tmp/orig")" "$tmp/out" || fail "PRIVATE_KEY line not printed"
[ "$(mode_of "$tmp/orig")" = 600 ] || fail "original private key mode"
n_pub=$(sed -n 's/^PUBLIC_KEY = (65537, \([0-9]*\))$/\1/p' "$tmp/orig")
[ "$(printf '%s' "$n_pub" | wc -c)" -ge 300 ] || fail "1024-bit modulus too short"

# Default path under $RSA_CHAT_HOME, folder created 0700; --quiet prints nothing.
expect 0 env RSA_CHAT_HOME="$tmp/home" "$prog" --bits 1024 --quiet
[ -f "$tmp/home/id_rsa_chat" ] && [ -f "$tmp/home/id_rsa_chat.pub" ] || fail "default path not used"
[ "$(mode_of "$tmp/home")" = 700 ] || fail "key folder mode $(mode_of "$tmp/home")"
[ ! -s "$tmp/out" ] && [ ! -s "$tmp/err" ] || fail "--quiet printed something"
# ... else $HOME/.rsa-chat
env -u RSA_CHAT_HOME HOME="$tmp/h2" sh -c 'mkdir -p "$HOME" && exec "$0" --bits 1024 -q' "$prog" || fail "HOME default"
[ -f "$tmp/h2/.rsa-chat/id_rsa_chat" ] || fail "no key under \$HOME/.rsa-chat"

# Usage errors exit 2 with a message.
for args in "--bits 1000x" "--bits 511" "--bits 1025" "--bits 16386" "--bits" "--format pem" \
	"--nope" "-x" "extra-argument" "-o"; do
	# shellcheck disable=SC2086
	expect 2 "$prog" $args
	grep -q '^generate-keys: ' "$tmp/err" || fail "no message for '$args'"
done
expect 0 "$prog" --help
grep -q -- '--bits' "$tmp/out" || fail "--help"
expect 0 "$prog" --version
grep -qE '^generate-keys \(rsa-chat\) [0-9]' "$tmp/out" || fail "--version: $(cat "$tmp/out")"

# An unwritable destination is a runtime error.
expect 1 "$prog" --bits 1024 -o "$tmp/no-such-dir/k"
grep -q '^generate-keys: ' "$tmp/err" || fail "no message for an unwritable path"

echo "generate-keys: all checks passed"
