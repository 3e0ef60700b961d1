#!/bin/sh
# The man pages render without a single groff warning, and each agrees with
# its program's --help: every option (long and short) the program's --help
# offers (for rsa-chat, with each subcommand's --help) is documented in the
# page, every option the page names is in a --help, and rsa-chat's
# subcommands are the same in both. The example server configuration shows
# every setting.
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

	help_options "$tmp/help" >"$tmp/help-options"
	man_options "$src" "$name" >"$tmp/man-options"
	[ -s "$tmp/help-options" ] || fail "$name --help shows no options"
	if ! cmp -s "$tmp/help-options" "$tmp/man-options"; then
		diff "$tmp/help-options" "$tmp/man-options" >&2 || true
		fail "options differ between $name --help (<) and $page (>)"
	fi
	echo "ok: $page renders cleanly and documents exactly the $(wc -l <"$tmp/help-options") options of $name --help"
done

# The example configuration shows every setting of the server: its long
# options but --config, --help and --version.
"$top_builddir/server/rsa-chat-server" --help >"$tmp/help" 2>&1 || fail "rsa-chat-server --help failed"
help_options "$tmp/help" | sed -n 's/^--//p' | grep -v -x -e config -e help -e version >"$tmp/settings"
sed -n 's/^#\{0,1\}\([a-z][a-z-]*\) = .*/\1/p' "$top_srcdir/utils/server.conf.example" | sort -u >"$tmp/example"
if ! cmp -s "$tmp/settings" "$tmp/example"; then
	diff "$tmp/settings" "$tmp/example" >&2 || true
	fail "settings differ between rsa-chat-server --help (<) and utils/server.conf.example (>)"
fi
echo "ok: utils/server.conf.example shows all $(wc -l <"$tmp/settings") settings"
