#!/bin/sh
# The man pages render without a single groff warning, and each agrees with
# its program's --help: every long option the program accepts (in its --help,
# and for rsa-chat in each subcommand's --help) is documented in the page,
# every long option the page documents is in a --help, and rsa-chat's
# subcommands are the same in both.
set -eu
. "$top_srcdir/tests/install/lib.sh"

tmp=$(mktemp -d "${TMPDIR:-/tmp}/rc-manpages.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

rc_programs | while read -r name built page; do
	prog=$top_builddir/$built
	src=$top_srcdir/$page
	[ -x "$prog" ] || fail "$prog is not built"
	render_man "$src"

	"$prog" --help >"$tmp/help" 2>&1 || fail "$name --help exits with status $?"
	if [ "$name" = rsa-chat ]; then
		rsa_chat_subcommands "$tmp/help" >"$tmp/subcommands"
		[ -s "$tmp/subcommands" ] || fail "rsa-chat --help lists no subcommands"
		while read -r sub; do
			"$prog" "$sub" --help >>"$tmp/help" 2>&1 ||
				fail "rsa-chat $sub --help exits with status $?"
		done <"$tmp/subcommands"
		man_subcommands "$src" >"$tmp/man-subcommands"
		if ! cmp -s "$tmp/subcommands" "$tmp/man-subcommands"; then
			diff "$tmp/subcommands" "$tmp/man-subcommands" >&2 || true
			fail "rsa-chat subcommands differ between --help (<) and $page (>)"
		fi
	fi

	long_options <"$tmp/help" >"$tmp/help-options"
	man_long_options "$src" "$name" >"$tmp/man-options"
	[ -s "$tmp/help-options" ] || fail "$name --help shows no long options"
	if ! cmp -s "$tmp/help-options" "$tmp/man-options"; then
		diff "$tmp/help-options" "$tmp/man-options" >&2 || true
		fail "long options differ between $name --help (<) and $page (>)"
	fi

	short_options <"$tmp/help" >"$tmp/help-short"
	man_short_options "$src" "$name" >"$tmp/man-short"
	if ! cmp -s "$tmp/help-short" "$tmp/man-short"; then
		diff "$tmp/help-short" "$tmp/man-short" >&2 || true
		fail "short options differ between $name --help (<) and $page (>)"
	fi
	echo "ok: $page renders cleanly and matches $name --help ($(wc -l <"$tmp/help-options") long options)"
done
