#!/bin/sh
# bash completion: sourcing the file (without bash-completion, as on a bare
# system) defines completions for the three programs, and completing a few
# command lines gives the expected words; the option (and subcommand) lists
# of the completion are exactly those of each program's --help.
set -eu
. "$top_srcdir/tests/install/lib.sh"

command -v bash >/dev/null 2>&1 || fail "bash is needed to test the bash completion"
file=$top_srcdir/utils/completion/rsa-chat.bash

# complete WORD... : the candidates bash offers for the command line made of
# the words, the cursor at the end of the last one, one per line, sorted.
complete_line() {
	bash --norc --noprofile -c '
		set -u
		. "$1" || exit 1
		shift
		spec=$(complete -p "$1") || exit 1
		fn=${spec#*-F }
		fn=${fn%% *}
		COMP_WORDS=("$@")
		COMP_CWORD=$(($# - 1))
		COMP_LINE="$*"
		COMP_POINT=${#COMP_LINE}
		COMPREPLY=()
		prev=
		[ "$COMP_CWORD" -gt 0 ] && prev=${COMP_WORDS[COMP_CWORD - 1]}
		"$fn" "$1" "${COMP_WORDS[COMP_CWORD]}" "$prev" || exit 1
		[ "${#COMPREPLY[@]}" -eq 0 ] || printf "%s\n" "${COMPREPLY[@]}"
	' _ "$file" "$@" | sort
}

# expect "EXPECTED WORDS" WORD... : the candidates are exactly these words.
expect() {
	want=$(printf '%s\n' $1 | sort)
	shift
	got=$(complete_line "$@") || fail "completing '$*' failed"
	[ "$got" = "$want" ] || fail "completing '$*': got '$(echo $got)', want '$(echo $want)'"
	echo "ok: '$*' completes to: $(echo $got)"
}

expect "--port" rsa-chat-server --po
expect "--max-frame --max-blocks --max-request --max-connections" rsa-chat-server --max
expect "debug" rsa-chat-server --log-level d
expect "wide" rsa-chat-server --response-chunk w
expect "native original" generate-keys --format ''
expect "--force --format" generate-keys --f
expect "2048" generate-keys --bits 20
expect "send" rsa-chat se

# File names after options that take a file.
tmp=$(mktemp -d "${TMPDIR:-/tmp}/rc-completion.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
: >"$tmp/server.key"
: >"$tmp/server.key.pub"
expect "$tmp/server.key $tmp/server.key.pub" rsa-chat-server --key "$tmp/server"
expect "$tmp/server.key" generate-keys -o "$tmp/server.key"

# The lists agree with --help: every option of a program's --help (and of
# rsa-chat's subcommands' --help) is offered, and nothing else.
rc_programs | while read -r name built page; do
	prog=$top_builddir/$built
	"$prog" --help >"$tmp/help" 2>&1 || fail "$name --help exits with status $?"
	offered=$(complete_line "$name" -)
	if [ "$name" = rsa-chat ]; then
		subs=$(rsa_chat_subcommands "$tmp/help")
		[ "$(complete_line rsa-chat '')" = "$(printf '%s\n' $subs | sort)" ] ||
			fail "rsa-chat subcommands: completion offers '$(complete_line rsa-chat '' | tr '\n' ' ')', --help lists '$(echo $subs)'"
		for sub in $subs; do
			"$prog" "$sub" --help >"$tmp/sub-help" 2>&1 || fail "rsa-chat $sub --help failed"
			want=$( { long_options <"$tmp/sub-help"; short_options <"$tmp/sub-help"; } | sort -u)
			got=$(complete_line rsa-chat "$sub" - | sort -u)
			[ "$got" = "$want" ] ||
				fail "rsa-chat $sub: completion offers '$(echo $got)', its --help has '$(echo $want)'"
		done
		long_options <"$tmp/help" >"$tmp/want-long"
		short_options <"$tmp/help" >"$tmp/want-short"
		# The main --help also shows the subcommands' options: compare the
		# options valid before a subcommand.
		want=$(rsa_chat_global_options "$tmp/help")
	else
		want=$( { long_options <"$tmp/help"; short_options <"$tmp/help"; } | sort -u)
	fi
	[ "$offered" = "$want" ] ||
		fail "$name: completion offers '$(echo $offered)', --help has '$(echo $want)'"
	echo "ok: $name completion offers exactly the options of its --help"
done
