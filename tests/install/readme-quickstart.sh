#!/bin/sh
# The README's quick start, followed word for word on a fresh clone (issue
# 15): the shell blocks of README.md's "Quick start" section, up to the one
# that runs every test (utils/test-all), are run as they are written, with
# two changes only: the first block (utils/quickstart, the server in the
# foreground) runs in the background, and everything runs with a private
# HOME whose settings file names the server's port (the ports are random,
# through RSA_CHAT_PORT and RSA_CHAT_PG_PORT, so a developer's quickstart
# does not get in the way). The clients' files are made under umask 002, a
# Debian or Ubuntu user's default. It passes when the last command, bob reading
# his conversation with alice, prints the message alice sent, and when
# README.ru.md's quick start gives the same commands. Then Ctrl-C (SIGINT
# to the process group) stops the server and PostgreSQL.
#
# It builds the clone from scratch (minutes), so utils/test-all runs it,
# not make check: top_srcdir=. top_builddir=BUILD tests/install/readme-quickstart.sh
. "$top_srcdir/tests/lib/harness.sh"

rc_init
command -v git >/dev/null 2>&1 || rc_fail "git is needed to clone the working tree"

# quickstart_blocks README HEADING: the sh blocks of the section HEADING, up
# to the utils/test-all one (which must be there), each followed by a line
# "#--- end of block".
quickstart_blocks() {
	awk -v heading="$2" '
		$0 == heading { inside = 1; next }
		inside && /^## / { exit }
		!inside { next }
		/^```sh$/ { block = 1; text = ""; next }
		block && /^```$/ {
			block = 0
			if (text == "utils/test-all\n") { found = 1; exit }
			printf "%s#--- end of block\n", text
			next
		}
		block { text = text $0 "\n" }
		END { if (!found) exit 1 }
	' "$1"
}

quickstart_blocks "$top_srcdir/README.md" "## Quick start" >"$RC_TMP/blocks.en" ||
	rc_fail "README.md: no 'Quick start' section with a utils/test-all block"
quickstart_blocks "$top_srcdir/README.ru.md" "## Быстрый старт" >"$RC_TMP/blocks.ru" ||
	rc_fail "README.ru.md: no 'Быстрый старт' section with a utils/test-all block"
# The same commands; the comments are translated.
for lang in en ru; do
	sed -e 's/[[:space:]]*#.*$//' -e '/^$/d' "$RC_TMP/blocks.$lang" >"$RC_TMP/commands.$lang"
done
if ! cmp -s "$RC_TMP/commands.en" "$RC_TMP/commands.ru"; then
	diff "$RC_TMP/commands.en" "$RC_TMP/commands.ru" >&2 || true
	rc_fail "the quick starts of README.md (<) and README.ru.md (>) give different commands"
fi
echo "ok - README.md and README.ru.md give the same quick start commands"

# The first block starts the server; the others are the clients' steps.
server_block=$(sed -n '1,/^#--- end of block$/p' "$RC_TMP/blocks.en" | sed '$d')
[ "$server_block" = "utils/quickstart" ] || rc_fail "the quick start's first block is not 'utils/quickstart': $server_block"
sed '1,/^#--- end of block$/d' "$RC_TMP/blocks.en" >"$RC_TMP/steps.sh"
message=$(sed -n 's/.*rsa-chat send bob "\([^"]*\)".*/\1/p' "$RC_TMP/steps.sh")
[ -n "$message" ] || rc_fail "the quick start sends bob no message"

clone=$RC_TMP/rsa-chat
git clone -q "$top_srcdir" "$clone" || rc_fail "git clone $top_srcdir failed"
git -C "$clone" checkout -q "$(git -C "$top_srcdir" rev-parse HEAD)" || rc_fail "cannot check out HEAD in the clone"
echo "ok - a fresh clone of $(git -C "$clone" rev-parse --short HEAD)"

HOME=$RC_TMP/home
export HOME
unset XDG_CONFIG_HOME XDG_DATA_HOME RSA_CHAT_HOME RSA_CHAT_BUILD_DIR
port=$(rc_random_port)
pg_port=$(rc_random_port)
(
	umask 002
	mkdir -p "$HOME/.config/rsa-chat"
	printf 'port = %s\n' "$port" >"$HOME/.config/rsa-chat/config"
)

QS_PG_DIRS="$clone/.local/pg /var/tmp/rsa-chat-quickstart/pg"
. "$top_srcdir/tests/install/quickstartlib.sh"
qs_start "$RC_TMP/quickstart.log" "$clone" RSA_CHAT_PORT="$port" RSA_CHAT_PG_PORT="$pg_port" sh -c "$server_block"
# The build of a fresh clone: generous on a loaded machine.
qs_wait_for "quickstart" "$RC_TMP/quickstart.log" "listening on 127.0.0.1:$port" "$qs_pid" 1800
echo "ok - utils/quickstart built the clone and runs the server on port $port"

(cd "$clone" && umask 002 && sh -ex "$RC_TMP/steps.sh") >"$RC_TMP/steps.out" 2>"$RC_TMP/steps.err" ||
	rc_fail "the quick start's steps failed: $(cat "$RC_TMP/steps.err")"
last=$(tail -n 1 "$RC_TMP/steps.out")
case "$last" in
*alice*"$message"*) echo "ok - bob reads alice's message: $last" ;;
*) rc_fail "bob's history does not end with alice's '$message': $(cat "$RC_TMP/steps.out")" ;;
esac

# Ctrl-C in quickstart's terminal.
kill -s INT -- "-$qs_pid" || rc_fail "cannot send SIGINT to quickstart's process group"
qs_wait_exit "quickstart after Ctrl-C" "$qs_pid" 60
[ ! -f "$clone/.local/pg/postmaster.pid" ] || rc_fail "PostgreSQL still runs after Ctrl-C"
echo "ok - Ctrl-C stopped the server and PostgreSQL"
