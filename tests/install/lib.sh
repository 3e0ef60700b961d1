# shellcheck shell=sh
# Helpers for the tests in tests/install/ (sourced; POSIX sh).
# The test environment of `make check` sets top_srcdir and top_builddir.

: "${top_builddir:?top_builddir must be set (run through make check)}"
: "${top_srcdir:?top_srcdir must be set (run through make check)}"

fail() {
	echo "FAIL: $*" >&2
	exit 1
}

# The lines on stdin joined by spaces, for messages.
one_line() {
	tr '\n' ' ' | sed 's/ *$//'
}

# make in the build tree, clean of the jobserver of the make running the
# tests (not ours to use).
submake() {
	env -u MAKEFLAGS -u MFLAGS -u MAKELEVEL "${MAKE:-make}" -s -C "$top_builddir" "$@"
}

# Sets and exports RC_BINDIR, RC_SBINDIR... (this build's installation
# folders, see utils/install.mk).
load_install_dirs() {
	dirs=$(submake rc-install-dirs) || fail "make rc-install-dirs failed"
	eval "$dirs"
	for assignment in $dirs; do
		export "${assignment%%=*}"
	done
}

# The three programs, as "PROGRAM BUILT-PATH MAN-PAGE" lines.
rc_programs() {
	cat <<PROGRAMS
rsa-chat client/rsa-chat client/rsa-chat.1
rsa-chat-server server/rsa-chat-server server/rsa-chat-server.8
generate-keys utils/generate-keys utils/generate-keys.1
PROGRAMS
}

# Formats a man page with man-db and with groff (all warnings on); fails when
# either prints a warning or the page comes out empty.
render_man() {
	page=$1
	warnings=$(LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -l -Tutf8 "$page" 2>&1 >/dev/null) ||
		fail "man -l $page failed: $warnings"
	[ -z "$warnings" ] || fail "man --warnings -l $page warns: $warnings"
	warnings=$(groff -man -ww -z -Tutf8 "$page" 2>&1) ||
		fail "groff -man $page failed: $warnings"
	[ -z "$warnings" ] || fail "groff -man -ww $page warns: $warnings"
	text=$(LC_ALL=C.UTF-8 MANWIDTH=80 man -l -Tutf8 "$page" 2>/dev/null | col -bx)
	case $text in
	*NAME*SYNOPSIS*DESCRIPTION*) ;;
	*) fail "$page does not render NAME, SYNOPSIS and DESCRIPTION" ;;
	esac
}

# The text of a man page's source that documents NAME's own interface: the
# page minus comments and minus example blocks (.EX/.EE), except the example
# lines that run NAME itself ("$ NAME ..." or "# NAME ...", with their "\e"
# continuation lines); roff escapes for - and fonts undone.
man_own_text() {
	awk -v name="$2" '
		/^\.\\"/ { next }
		/^\.EX/ { ex = 1; cont = 0; next }
		/^\.EE/ { ex = 0; next }
		!ex { print; next }
		{
			line = $0
			gsub(/\\-/, "-", line)
			if (cont || line ~ ("^[$#] +" name "( |$)")) {
				print
				cont = ($0 ~ /\\e$/)
			}
		}' "$1" | sed -e 's/\\-/-/g' -e 's/\\f[BIRP]//g' -e 's/\\&//g' -e 's/\\e/\\/g'
}

# Long options (--name) in the text on stdin, one per line, sorted.
long_options() {
	grep -o -e '--[a-z][a-z0-9-]*[a-z0-9]' | sort -u
}

# Short options (-x) in the text on stdin, one per line, sorted.
short_options() {
	grep -o -E '(^|[][ ,|("])-[A-Za-z0-9]([][ ,|)="]|$)' | sed -e 's/^.*-\([A-Za-z0-9]\).*$/-\1/' | sort -u
}

# The options a --help text (file $1) offers, one per line, sorted: every
# long option it names, and the short options of its "Usage:" lines and at
# the start of its option rows ("  -c, --config FILE   text..."); a short
# option merely mentioned in an explanation (another program's, say) does
# not count.
help_options() {
	rows=$(awk '
		/^[Uu]sage:/ { print; next }
		/^[ \t]+-/ {
			row = $0
			sub(/^[ \t]+/, "", row)
			sub(/  .*$/, "", row)
			print row
		}' "$1")
	{ long_options <"$1"; echo "$rows" | short_options; } | sort -u
}

# Every option (long and short) that man page $1 documents for program $2.
man_options() {
	text=$(man_own_text "$1" "$2")
	{ echo "$text" | long_options; echo "$text" | short_options; } | sort -u
}

# The subcommands in rsa-chat's --help (file $1): the first word of each row
# of its "Commands:" list, sorted.
rsa_chat_subcommands() {
	awk '
		/^Commands:/ { inside = 1; next }
		inside && /^$/ { inside = 0 }
		inside && /^  [a-z]/ { print $1 }' "$1" | sort -u
}

# The subcommands man page $1 documents: the tags of its COMMANDS section.
man_subcommands() {
	awk '
		/^\.SH/ { inside = ($0 ~ /^\.SH "?COMMANDS"?$/); next }
		inside && /^\.TP/ { tag = 1; next }
		inside && tag {
			tag = 0
			line = $0
			sub(/^\.[A-Z]+ +/, "", line)
			gsub(/"/, "", line)
			split(line, words, " ")
			print words[1]
		}' "$1" | sort -u
}
