#!/bin/sh
# utils/quickstart's signals and second runs (issue 15, item 6), for real:
# its own ports, a copy of the scripts it needs in a temporary folder (so
# its .local is not the developer's), the programs of this build
# (RSA_CHAT_BUILD_DIR). A second quickstart on the same ports reuses the
# running cluster and ends with the taken-port hint; one with another
# RSA_CHAT_PG_PORT reuses the running cluster on its port and leaves it
# running when stopped by SIGTERM; SIGINT sent to the first script's own
# process (not to its process group, as Ctrl-C would) stops its server and
# PostgreSQL.
. "$top_srcdir/tests/lib/harness.sh"

rc_init
co=$RC_TMP/checkout
mkdir -p "$co/utils"
cp "$top_srcdir/utils/quickstart" "$top_srcdir/utils/devlib.sh" "$top_srcdir/utils/rsa-chat-migrate" "$co/utils/"
cp -R "$top_srcdir/migrations" "$co/"
chmod -R u+w "$co"
pg_data=$co/.local/pg
port=$(rc_random_port)
port2=$((port + 1))
pg_port=$(rc_random_port)
pg_port2=$((pg_port + 1))
rc_genkey 1024 "$RC_TMP/alice.key"
QS_PG_DIRS=$pg_data
. "$top_srcdir/tests/install/quickstartlib.sh"

# qs NAME PORT PG_PORT: quickstart on these ports, its output in
# $RC_TMP/NAME.log, its pid in $qs_pid.
qs() {
	qs_start "$RC_TMP/$1.log" "$co" RSA_CHAT_PORT="$2" RSA_CHAT_PG_PORT="$3" \
		RSA_CHAT_BUILD_DIR="$top_builddir" utils/quickstart
}

expect_log() {
	grep -qF -- "$3" "$RC_TMP/$2.log" || rc_fail "$1: '$3' not in: $(cat "$RC_TMP/$2.log")"
	echo "ok - $1"
}

pg_answers() {
	psql -X -q -A -t -d "postgresql://postgres@127.0.0.1:$pg_port/rsachat" -c "SELECT 1" >/dev/null 2>&1
}

# A server answers on port $1: the client registers alice there (again:
# "already registered"), which exits 4 when nothing answers.
server_answers() {
	"$top_builddir/client/rsa-chat" --port "$1" --key "$RC_TMP/alice.key" \
		--known-servers "$RC_TMP/known" register alice >/dev/null 2>"$RC_TMP/client.err"
}

qs first "$port" "$pg_port"
first=$qs_pid
qs_wait_for "first quickstart" "$RC_TMP/first.log" "listening on 127.0.0.1:$port" "$first" 120
server_answers "$port" || rc_fail "the first quickstart's server does not answer: $(cat "$RC_TMP/client.err")"
expect_log "first: its own cluster" first "starting PostgreSQL on 127.0.0.1:$pg_port"
server_pid=$(pgrep -P "$first") || rc_fail "the first quickstart has no child process"

# The same ports again: the cluster is reused, the server port is taken.
qs second "$port" "$pg_port"
qs_wait_exit "second quickstart" "$qs_pid" 60
[ "$st" -ne 0 ] || rc_fail "the second quickstart exited 0: $(cat "$RC_TMP/second.log")"
expect_log "second: the running cluster is reused" second "PostgreSQL is already running in $pg_data (left running at exit)"
expect_log "second: the taken port is named" second "'Address already in use' means port $port is taken"
expect_log "second: how to choose another" second "RSA_CHAT_PORT=9091 utils/quickstart"
pg_answers || rc_fail "the second quickstart stopped the first one's PostgreSQL"
server_answers "$port" || rc_fail "the first server stopped answering after the second quickstart"
echo "ok - the first quickstart still serves"

# Another RSA_CHAT_PG_PORT while the cluster runs: it is used on its port.
qs third "$port2" "$pg_port2"
third=$qs_pid
qs_wait_for "third quickstart" "$RC_TMP/third.log" "listening on 127.0.0.1:$port2" "$third" 120
expect_log "third: the cluster's real port is used" third \
	"PostgreSQL already runs in $pg_data on port $pg_port (not $pg_port2): using it"
server_answers "$port2" || rc_fail "the third quickstart's server does not answer: $(cat "$RC_TMP/client.err")"
echo "ok - the third quickstart serves through the running cluster"
kill -TERM "$third"
qs_wait_exit "third quickstart after SIGTERM" "$third" 60
! server_answers "$port2" || rc_fail "the third server still answers after SIGTERM"
pg_answers || rc_fail "SIGTERM to the third quickstart stopped a cluster it did not start"
echo "ok - SIGTERM stops the third server and leaves the cluster it did not start"

# SIGINT to the first script's process only.
kill -INT "$first"
qs_wait_exit "first quickstart after SIGINT" "$first" 60
! kill -0 "$server_pid" 2>/dev/null || rc_fail "the server ($server_pid) still runs after SIGINT to quickstart"
! server_answers "$port" || rc_fail "a server still answers on port $port"
! pg_answers || rc_fail "PostgreSQL still answers after SIGINT to quickstart"
[ ! -f "$pg_data/postmaster.pid" ] || rc_fail "PostgreSQL's postmaster.pid is still there"
expect_log "first: PostgreSQL stopped" first "stopping PostgreSQL"
echo "ok - SIGINT to quickstart stopped the server and PostgreSQL (exit $st)"
