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
	--key | --config | -c | -o | --output | --identity)
		_rsa_chat_reply_files
		;;
	--host)
		mapfile -t COMPREPLY < <(compgen -A hostname -- "$cur")
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
	--bits)
		_rsa_chat_reply_words "1024 2048 3072 4096"
		;;
	--port | --database | --workers | --max-frame | --max-blocks | --max-request | \
		--max-connections | --handshake-timeout | --idle-timeout)
		# A number or a connection string: nothing sensible to offer.
		COMPREPLY=()
		;;
	*)
		return 1
		;;
	esac
	return 0
}

_rsa_chat_server() {
	local cur prev words cword split
	_rsa_chat_init || return
	_rsa_chat_complete_value && return
	_rsa_chat_reply_words "-c --config --listen --port --key --database --workers
		--response-chunk --max-frame --max-blocks --max-request --max-connections
		--handshake-timeout --idle-timeout --log-level --help --version"
}

_rsa_chat_generate_keys() {
	local cur prev words cword split
	_rsa_chat_init || return
	_rsa_chat_complete_value && return
	_rsa_chat_reply_words "--bits -o --format --force --quiet --help --version"
}

complete -F _rsa_chat_server rsa-chat-server
complete -F _rsa_chat_generate_keys generate-keys
