#!/bin/sh
# Checks an installed rsa-chat: the programs run (--version prints this
# version), the man pages render without warnings, the migrations, the
# completion (and its links), the systemd unit, the sysusers entry and the
# example config are where they belong, and rsa-chat-migrate finds the
# installed migrations by itself.
#
# Run by `make installcheck` (with the folders in RC_* variables, see
# utils/install.mk) and by tests/install/destdir.sh for a DESTDIR install.
# RC_INSTALL_ROOT is the DESTDIR (may be empty); RC_SRCDIR the source tree.
set -eu

fail() {
	echo "FAIL: $*" >&2
	exit 1
}

root=${RC_INSTALL_ROOT:-}
src=${RC_SRCDIR:?}
: "${RC_BINDIR:?}" "${RC_SBINDIR:?}" "${RC_MANDIR:?}" "${RC_PKGDATADIR:?}"
: "${RC_COMPLETIONDIR:?}" "${RC_UNITDIR:?}" "${RC_SYSUSERSDIR:?}" "${RC_EXAMPLESDIR:?}"
: "${RC_VERSION:?}"

for prog in "$RC_BINDIR/rsa-chat" "$RC_BINDIR/generate-keys" "$RC_SBINDIR/rsa-chat-server"; do
	[ -x "$root$prog" ] || fail "$root$prog is not installed"
	out=$("$root$prog" --version 2>&1) || fail "$root$prog --version exits with status $?: $out"
	case $out in
	*"$RC_VERSION"*) ;;
	*) fail "$root$prog --version does not show $RC_VERSION: $out" ;;
	esac
done
echo "ok: the installed programs run and show version $RC_VERSION"

for page in man1/rsa-chat.1 man1/generate-keys.1 man8/rsa-chat-server.8; do
	file=$root$RC_MANDIR/$page
	[ -f "$file" ] || fail "$file is not installed"
	warnings=$(LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -l -Tutf8 "$file" 2>&1 >/dev/null) ||
		fail "man -l $file failed: $warnings"
	[ -z "$warnings" ] || fail "man --warnings -l $file warns: $warnings"
	text=$(LC_ALL=C.UTF-8 MANWIDTH=80 man -l -Tutf8 "$file" 2>/dev/null | col -bx)
	case $text in
	*NAME*SYNOPSIS*OPTIONS*ENVIRONMENT*FILES*"EXIT STATUS"*EXAMPLES*) ;;
	*) fail "$file does not render its sections" ;;
	esac
done
echo "ok: the installed man pages render without warnings"

# The migrations: exactly the source tree's files, byte for byte.
migrations=$root$RC_PKGDATADIR/migrations
[ -d "$migrations" ] || fail "$migrations is not installed"
expected=$(cd "$src/migrations" && ls -- *.sql)
installed=$(cd "$migrations" && ls -- *.sql)
[ "$expected" = "$installed" ] ||
	fail "installed migrations ($installed) differ from the source's ($expected)"
for f in $expected; do
	cmp -s "$src/migrations/$f" "$migrations/$f" || fail "$migrations/$f differs from the source"
done
echo "ok: $(echo "$installed" | wc -l) migrations in $migrations"

# rsa-chat-migrate, run from where it is installed, finds them by itself.
migrate=$root$RC_BINDIR/rsa-chat-migrate
[ -x "$migrate" ] || fail "$migrate is not installed"
"$migrate" --help >/dev/null || fail "$migrate --help exits with status $?"

completion=$root$RC_COMPLETIONDIR
[ -f "$completion/rsa-chat" ] || fail "$completion/rsa-chat is not installed"
for name in rsa-chat-server generate-keys; do
	[ "$(readlink "$completion/$name")" = rsa-chat ] ||
		fail "$completion/$name is not a link to rsa-chat"
done
for name in rsa-chat rsa-chat-server generate-keys; do
	bash -c '. "$1" && complete -p "$2"' _ "$completion/$name" "$name" >/dev/null ||
		fail "sourcing $completion/$name does not define a completion for $name"
done
# bash-completion (when installed here) loads them on demand by command name
# from share/bash-completion/completions under a folder of XDG_DATA_DIRS.
framework=/usr/share/bash-completion/bash_completion
if [ -f "$framework" ]; then
	for name in rsa-chat rsa-chat-server generate-keys; do
		XDG_DATA_DIRS=${completion%/bash-completion/completions} bash --norc --noprofile -c '
			. "$1" && __load_completion "$2" && complete -p "$2"' _ "$framework" "$name" >/dev/null ||
			fail "bash-completion does not load the installed completion of $name"
	done
fi
echo "ok: bash completion in $completion"

unit=$root$RC_UNITDIR/rsa-chat-server.service
[ -f "$unit" ] || fail "$unit is not installed"
grep -qx "ExecStart=$RC_SBINDIR/rsa-chat-server -c .*/rsa-chat/server.conf" "$unit" ||
	fail "$unit does not start $RC_SBINDIR/rsa-chat-server"
sysusers=$root$RC_SYSUSERSDIR/rsa-chat.conf
grep -q '^u rsa-chat ' "$sysusers" || fail "$sysusers does not create the user rsa-chat"
example=$root$RC_EXAMPLESDIR/server.conf.example
cmp -s "$src/utils/server.conf.example" "$example" || fail "$example is not installed"
echo "ok: systemd unit, sysusers entry and example config installed"
