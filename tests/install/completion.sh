#!/bin/sh
# bash completion: sourcing the file (without bash-completion, as on a bare
# system) defines completions for the three programs, completing a few
# command lines gives the expected words, and the options (and rsa-chat's
# commands) the completion offers are exactly those of each program's --help.
set -eu
. "$top_srcdir/tests/install/lib.sh"

command -v bash >/dev/null 2>&1 || fail "bash is needed to test the bash completion"
file=$top_srcdir/utils/completion/rsa-chat.bash

# complete_line WORD... : the candidates bash offers for the command line
# made of the words, the cursor at the end of the last one, one per line,
# sorted; with bash-completion's framework loaded first when $framework
# names it.
complete_line() {
	bash --norc --noprofile -c '
		if [ -n "$2" ]; then
			. "$2" || exit 1
		fi
		set -u
		. "$1" || exit 1
		shift 2
		spec=$(complete -p "$1") || exit 1
		fn=${spec#*-F }
		fn=${fn%% *}
		COMP_WORDS=("$@")
		COMP_CWORD=$(($# - 1))
		# As typed: a lone "=" word was glued to its neighbours.
		COMP_LINE="$*"
		COMP_LINE=${COMP_LINE// = /=}
		[[ $COMP_LINE == *" =" ]] && COMP_LINE="${COMP_LINE% =}="
		COMP_POINT=${#COMP_LINE}
		COMPREPLY=()
		prev=
		[ "$COMP_CWORD" -gt 0 ] && prev=${COMP_WORDS[COMP_CWORD - 1]}
		"$fn" "$1" "${COMP_WORDS[COMP_CWORD]}" "$prev" || exit 1
		[ "${#COMPREPLY[@]}" -eq 0 ] || printf "%s\n" "${COMPREPLY[@]}"
	' _ "$file" "$framework" "$@" | sort
}

# expect "EXPECTED WORDS" WORD... : the candidates are exactly these words.
expect() {
	want=$(echo "$1" | tr ' ' '\n' | sed '/^$/d' | sort)
	shift
	got=$(complete_line "$@") || fail "completing '$*' failed"
	[ "$got" = "$want" ] || fail "completing '$*': got '$(echo "$got" | one_line)', want '$(echo "$want" | one_line)'"
	echo "ok: '$*' completes to: $(echo "$got" | one_line)"
}

run_cases() {
	expect "--port" rsa-chat-server --po
	expect "--max-frame --max-blocks --max-request --max-connections --max-connections-per-address --max-output --max-output-total" rsa-chat-server --max
	expect "debug" rsa-chat-server --log-level d
	expect "wide" rsa-chat-server --response-chunk w
	expect "native original" generate-keys --format ''
	expect "--force --format" generate-keys --f
	expect "2048" generate-keys --bits 20
	expect "send" rsa-chat se
	expect "send" rsa-chat --host example.org --json se
	expect "unread users" rsa-chat --port 9090 u
	# bash splits "--name=value" at "=".
	expect "debug" rsa-chat-server --log-level = d
	expect "error warn info debug" rsa-chat-server --log-level =
	expect "send" rsa-chat --host = example.org se
	expect "--no-bell --no-self-copy --notify-cmd" rsa-chat send --no

	# File names after options that take a file.
	expect "$tmp/server.key $tmp/server.key.pub" rsa-chat-server --key "$tmp/server"
	expect "$tmp/server.key.pub" generate-keys -o "$tmp/server.key."
	expect "$tmp/server.key.pub" rsa-chat --key "$tmp/server.key.p"
	expect "--config" rsa-chat --conf

	# Profile names from the settings file: --config's, else the default one.
	expect "work" rsa-chat --config "$tmp/client.conf" --profile wo
	expect "work weekend" rsa-chat --config = "$tmp/client.conf" send --profile ''
	expect "home" rsa-chat --profile ''
	(
		XDG_CONFIG_HOME=$tmp/xdg
		export XDG_CONFIG_HOME
		expect "xdg" rsa-chat --profile ''
	)
}

tmp=$(mktemp -d "${TMPDIR:-/tmp}/rc-completion.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
: >"$tmp/server.key"
: >"$tmp/server.key.pub"
printf '# top\nport = 1\n[profile work]\n  [ profile\tweekend ]  \n[server x]\n' >"$tmp/client.conf"
mkdir -p "$tmp/home/.config/rsa-chat" "$tmp/xdg/rsa-chat"
printf '[profile home]\n' >"$tmp/home/.config/rsa-chat/config"
printf '[profile xdg]\n' >"$tmp/xdg/rsa-chat/config"
HOME=$tmp/home
unset XDG_CONFIG_HOME
export HOME

# Without bash-completion, and with it when this machine has it (then
# _init_completion splits "--name=value" words itself).
bash_completion=/usr/share/bash-completion/bash_completion
for framework in "" "$bash_completion"; do
	if [ -n "$framework" ] && [ ! -f "$framework" ]; then
		echo "note: no $framework here; tested without bash-completion only"
		continue
	fi
	echo "# with framework: ${framework:-none}"
	run_cases
done
framework=

# The lists agree with --help: every option (and rsa-chat subcommand) a
# program's --help offers is offered, and nothing else.
rc_programs | while read -r name built page; do
	prog=$top_builddir/$built
	"$prog" --help >"$tmp/help" 2>&1 || fail "$name --help exits with status $?"
	want=$(help_options "$tmp/help")
	got=$(complete_line "$name" -)
	[ "$got" = "$want" ] ||
		fail "$name: completion offers '$(echo "$got" | one_line)', --help has '$(echo "$want" | one_line)'"
	if [ "$name" = rsa-chat ]; then
		subs=$(rsa_chat_subcommands "$tmp/help")
		got=$(complete_line rsa-chat '')
		[ "$got" = "$subs" ] ||
			fail "rsa-chat commands: completion offers '$(echo "$got" | one_line)', --help has '$(echo "$subs" | one_line)'"
		# Options after the command, too; no second command.
		for sub in $subs; do
			[ "$(complete_line rsa-chat "$sub" -)" = "$want" ] ||
				fail "rsa-chat $sub -: completion does not offer the options"
		done
		[ -z "$(complete_line rsa-chat --host h send '')" ] ||
			fail "rsa-chat --host h send: completion offers a second command"
	fi
	echo "ok: $name completion offers exactly what its --help lists"
done
