# bash completion for rsa-chat(1), rsa-chat-server(8) and generate-keys(1):
# subcommands, options, and the values of options that take a fixed set of
# words or a file. Installed as completions/rsa-chat, with rsa-chat-server
# and generate-keys as links to it, so bash-completion loads it for any of
# the three; it also works sourced on its own (without bash-completion).
#
# tests/install/completion.sh checks these lists against each program's
# --help: when a program gains an option, add it here.

# Sets cur and prev for the word being completed; with bash-completion, a
# "--name=value" word is split so that prev=--name and cur=value.
_rsa_chat_init() {
	if declare -F _init_completion >/dev/null; then
		_init_completion -s -n : || return 1
	else
		cur=${COMP_WORDS[COMP_CWORD]}
		prev=
		((COMP_CWORD > 0)) && prev=${COMP_WORDS[COMP_CWORD - 1]}
		split=false
		# "=" breaks words: "--name=value" comes as "--name" "=" "value".
		if [[ $cur == = ]]; then
			cur=
		elif [[ $prev == = ]] && ((COMP_CWORD > 1)); then
			prev=${COMP_WORDS[COMP_CWORD - 2]}
		fi
	fi
	return 0
}

# COMPREPLY = the words of $1 that start with $cur.
_rsa_chat_reply_words() {
	local IFS=$' \t\n'
	mapfile -t COMPREPLY < <(compgen -W "$1" -- "$cur")
}

# COMPREPLY = file names that start with $cur.
_rsa_chat_reply_files() {
	compopt -o filenames 2>/dev/null
	mapfile -t COMPREPLY < <(compgen -f -- "$cur")
}

# Completes the value of an option shared by the three programs; returns 1
# when prev is not such an option (or takes no value).
_rsa_chat_complete_value() {
	case $prev in
	--key | --config | -c | -o | --output | --known-servers | --allowed-keys)
		_rsa_chat_reply_files
		;;
	--host)
		mapfile -t COMPREPLY < <(compgen -A hostname -- "$cur")
		;;
	--profile)
		# The profiles of the settings file that the line names, else the default one.
		_rsa_chat_reply_words "$(_rsa_chat_profiles)"
		;;
	--listen)
		_rsa_chat_reply_words "127.0.0.1 0.0.0.0 :: ::1 localhost"
		;;
	--log-level)
		_rsa_chat_reply_words "error warn info debug"
		;;
	--response-chunk)
		_rsa_chat_reply_words "wide original"
		;;
	--format)
		_rsa_chat_reply_words "native original"
		;;
	--bits | -b)
		_rsa_chat_reply_words "1024 2048 3072 4096"
		;;
	--login | --notify-cmd | --poll-interval | --count | --msg-id | \
		--port | --database | --workers | --max-frame | --max-blocks | --max-request | \
		--max-connections | --handshake-timeout | --idle-timeout | --registrations-per-hour | \
		--statement-timeout | --max-connections-per-address | --max-output | --max-output-total | \
		--write-timeout)
		# A name, a number, a command or a connection string: nothing
		# sensible to offer.
		COMPREPLY=()
		;;
	*)
		return 1
		;;
	esac
	return 0
}

# The profile names of the settings file: the one after --config on the
# command line being completed, else the default file.
_rsa_chat_profiles() {
	local i file=$HOME/.config/rsa-chat/config
	[[ ${XDG_CONFIG_HOME:-} == /* ]] && file=$XDG_CONFIG_HOME/rsa-chat/config
	for ((i = 1; i < COMP_CWORD; i++)); do
		if [[ ${COMP_WORDS[i]} == --config ]]; then
			file=${COMP_WORDS[i + 1]}
			[[ $file == = ]] && file=${COMP_WORDS[i + 2]}
			file=${file/#\~/$HOME}
		fi
	done
	[[ -r $file ]] || return 0
	sed -n 's/^[[:space:]]*\[[[:space:]]*profile[[:space:]][[:space:]]*\([^][:space:]]*\)[[:space:]]*\][[:space:]]*$/\1/p' "$file"
}

_rsa_chat_client_options="--host --port --key --login --known-servers
	--accept-new-server-key --poll-interval --no-bell --notify-cmd --json
	--no-self-copy --msg-id --count --config --profile --list-profiles -h --help -V --version"
# Options of rsa-chat that take a value (the next word).
_rsa_chat_client_valued=" --host --port --key --login --known-servers --poll-interval --notify-cmd --msg-id --count "
_rsa_chat_client_valued+="--config --profile "
_rsa_chat_client_commands="register users send history unread tail fingerprint safety verify accept-key"

_rsa_chat_client() {
	# shellcheck disable=SC2034 # words, cword, split: set by _init_completion
	local cur prev words cword split
	_rsa_chat_init || return
	_rsa_chat_complete_value && return
	if [[ $cur == -* ]]; then
		# Options are accepted before and after the command.
		_rsa_chat_reply_words "$_rsa_chat_client_options"
		return
	fi
	# The command is the first word that is neither an option nor an
	# option's value.
	local i word command=
	for ((i = 1; i < COMP_CWORD; i++)); do
		word=${COMP_WORDS[i]}
		if [[ $word == -* ]]; then
			if [[ $_rsa_chat_client_valued == *" $word "* ]]; then
				((i++))
				[[ ${COMP_WORDS[i]} == = ]] && ((i++))
			fi
			continue
		fi
		command=$word
		break
	done
	if [[ -z $command ]]; then
		_rsa_chat_reply_words "$_rsa_chat_client_commands"
	else
		# Logins are only known to the server: nothing to offer.
		COMPREPLY=()
	fi
}

_rsa_chat_server() {
	# shellcheck disable=SC2034 # words, cword, split: set by _init_completion
	local cur prev words cword split
	_rsa_chat_init || return
	_rsa_chat_complete_value && return
	_rsa_chat_reply_words "-c --config --listen --port --key --database --workers
		--response-chunk --max-frame --max-blocks --max-request --max-connections
		--max-connections-per-address --max-output --max-output-total
		--handshake-timeout --idle-timeout --write-timeout --log-level --require-key-proof
		--registrations-per-hour --allowed-keys --statement-timeout
		-h --help -V --version"
}

_rsa_chat_generate_keys() {
	# shellcheck disable=SC2034 # words, cword, split: set by _init_completion
	local cur prev words cword split
	_rsa_chat_init || return
	_rsa_chat_complete_value && return
	_rsa_chat_reply_words "-b --bits -o --output --format -f --force -q --quiet
		-h --help -V --version"
}

complete -F _rsa_chat_client rsa-chat
complete -F _rsa_chat_server rsa-chat-server
complete -F _rsa_chat_generate_keys generate-keys
