# Shared helpers for shell tests that need a real PostgreSQL and a real
# rsa-chat-server. Source it, then:
#
#   rc_pg_start            private cluster in a fresh temporary folder, database
#                          "rsachat" with the migrations applied; exports PGHOST
#                          PGPORT PGUSER PGDATABASE DATABASE_URL
#   rc_server_start [ARGS] a server on a free port with a fresh 2048-bit key;
#                          exports RC_PORT RC_SERVER_PID RC_SERVER_LOG (may be
#                          called again for a second server); run under
#                          $RC_SERVER_WRAPPER when set (tests/stress/valgrind-server)
#   rc_server_stop [PID]   SIGTERM, and fails unless the server exits with 0
#   rc_pg_stop / rc_pg_start_again   stop / restart the same cluster, same port
#   rc_fail MESSAGE        prints the message and the logs, exits 1
#   rc_expect LABEL EXPECTED ACTUAL   fails with a diff unless equal
#   rc_genkey BITS FILE    a key pair made by the built generate-keys
#   rc_psql ARGS           psql on the test database, stopping on errors
#   rc_cleanup             stops everything and removes the folder (installed
#                          as the EXIT trap by rc_init)
#
# Tests need top_builddir and top_srcdir (set by `make check`). PostgreSQL
# that cannot start FAILS the test: a skip would hide a broken installation.
# When run as root (initdb refuses root), the cluster belongs to the
# unprivileged system user rsachat-test, created on first use.

RC_PG_USER_SYSTEM=rsachat-test
RC_TMP=
RC_PG_DATA=
RC_PG_LOG=
RC_SERVER_PIDS=
RC_SERVER_COUNT=0
RC_CLEANED=

: "${top_builddir:?top_builddir must be set (run through make check)}"
: "${top_srcdir:?top_srcdir must be set (run through make check)}"
PG_BINDIR=${PG_BINDIR:-$(pg_config --bindir 2>/dev/null || echo /usr/lib/postgresql/15/bin)}

rc_log() {
	echo "[harness] $*" >&2
}

# Prints MESSAGE and exits 1; the EXIT trap then prints every log we have.
rc_fail() {
	echo "FAIL: $*" >&2
	exit 1
}

rc_dump_logs() {
	[ -n "$RC_TMP" ] || return 0
	for f in "$RC_TMP"/*.log; do
		[ -f "$f" ] || continue
		echo "----- $f (last 60 lines)" >&2
		tail -n 60 "$f" >&2
	done
}

rc_init() {
	[ -z "$RC_TMP" ] || return 0
	RC_TMP=$(mktemp -d "${TMPDIR:-/tmp}/rsachat-test.XXXXXX") ||
		{ echo "FAIL: mktemp -d failed" >&2; exit 1; }
	chmod 755 "$RC_TMP"
	trap 'rc_cleanup' EXIT
	trap 'exit 130' INT TERM
}

# Running as the clusters' owner (ourselves, or rsachat-test as root) is
# utils/devlib.sh's, shared with quickstart and cluster.
pg_user=$RC_PG_USER_SYSTEM
dev_prog=harness
. "$top_srcdir/utils/devlib.sh"
rc_as_pg() {
	as_pg "$@"
}

rc_ensure_pg_user() {
	(dev_ensure_pg_user) >/dev/null 2>&1
	[ "$(id -u)" -ne 0 ] || id -u "$RC_PG_USER_SYSTEM" >/dev/null 2>&1 ||
		rc_fail "cannot create the system user $RC_PG_USER_SYSTEM for PostgreSQL"
}

rc_random_port() {
	# From 20000 up to the kernel's ephemeral ports (which any client socket
	# may hold at any moment), from the kernel's randomness (POSIX sh has no
	# $RANDOM); 10 ports below the range stay free for port + N.
	low=$(cut -f 1 /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || echo 32768)
	[ "$low" -gt 21000 ] 2>/dev/null || low=32768
	n=$(od -An -N2 -tu2 /dev/urandom | tr -d ' ')
	echo $((20000 + n % (low - 20010)))
}

rc_pg_ctl_start() {
	rc_as_pg "$PG_BINDIR/pg_ctl" -D "$RC_PG_DATA" -l "$RC_PG_LOG" -w -t 60 \
		-o "-c listen_addresses=127.0.0.1 -p $PGPORT -k $RC_TMP -c fsync=off -c full_page_writes=off -c shared_buffers=16MB" \
		start >/dev/null
}

rc_pg_start() {
	rc_init
	rc_ensure_pg_user
	RC_PG_DATA=$RC_TMP/pgdata
	RC_PG_LOG=$RC_TMP/postgres.log
	mkdir -p "$RC_PG_DATA"
	if [ "$(id -u)" -eq 0 ]; then
		chown "$RC_PG_USER_SYSTEM" "$RC_TMP" "$RC_PG_DATA"
		runuser -u "$RC_PG_USER_SYSTEM" -- test -x "$RC_TMP" ||
			rc_fail "$RC_PG_USER_SYSTEM cannot reach $RC_TMP (a parent folder is not traversable); set TMPDIR to a folder it can reach, such as /tmp"
	fi
	chmod 700 "$RC_PG_DATA"
	rc_as_pg "$PG_BINDIR/initdb" -D "$RC_PG_DATA" -A trust -U postgres --no-sync \
		-E UTF8 --locale=C >"$RC_TMP/initdb.log" 2>&1 ||
		rc_fail "initdb failed (PG_BINDIR=$PG_BINDIR)"
	started=
	for attempt in 1 2 3 4 5; do
		PGPORT=$(rc_random_port)
		if rc_pg_ctl_start; then
			started=1
			break
		fi
		rc_log "PostgreSQL did not start on port $PGPORT (attempt $attempt)"
	done
	[ -n "$started" ] || rc_fail "PostgreSQL did not start"
	PGHOST=127.0.0.1
	PGUSER=postgres
	PGDATABASE=rsachat
	DATABASE_URL="postgresql://postgres@127.0.0.1:$PGPORT/rsachat"
	export PGHOST PGPORT PGUSER PGDATABASE DATABASE_URL
	"$PG_BINDIR/psql" -X -q -d postgres -c "CREATE DATABASE rsachat" ||
		rc_fail "CREATE DATABASE failed"
	"$top_srcdir/utils/rsa-chat-migrate" --database "$DATABASE_URL" \
		--dir "$top_srcdir/migrations" 2>"$RC_TMP/migrate.log" ||
		rc_fail "migrations failed: $(cat "$RC_TMP/migrate.log")"
}

rc_pg_stop() {
	rc_as_pg "$PG_BINDIR/pg_ctl" -D "$RC_PG_DATA" -m fast -w stop >/dev/null ||
		rc_fail "pg_ctl stop failed"
}

rc_pg_start_again() {
	rc_pg_ctl_start || rc_fail "PostgreSQL did not restart on port $PGPORT"
}

# Compares ACTUAL with EXPECTED (multi-line strings); fails with a diff.
rc_expect() {
	label=$1
	expected=$2
	actual=$3
	if [ "$expected" != "$actual" ]; then
		printf '%s\n' "$expected" >"$RC_TMP/expected.txt"
		printf '%s\n' "$actual" >"$RC_TMP/actual.txt"
		diff -u "$RC_TMP/expected.txt" "$RC_TMP/actual.txt" >&2 || true
		rc_fail "$label: unexpected output"
	fi
	echo "ok - $label"
}

# rc_as WHO REQUEST...: test-client's requests ($TC, set by the test) made
# with the key $RC_TMP/WHO; its output is the answers, one per line.
rc_as() {
	who=$1
	shift
	$TC --key "$RC_TMP/$who" req "$@" || rc_fail "test-client failed"
}

# psql on the test database, quiet and failing on errors.
rc_psql() {
	"$PG_BINDIR/psql" -X -q -v ON_ERROR_STOP=1 -d "$DATABASE_URL" "$@"
}

# Writes a private key (FILE and FILE.pub) of BITS bits.
rc_genkey() {
	"$top_builddir/utils/generate-keys" --bits "$1" -o "$2" --force --quiet ||
		rc_fail "generate-keys --bits $1 -o $2 failed"
}

rc_server_start() {
	rc_init
	RC_SERVER_COUNT=$((RC_SERVER_COUNT + 1))
	key=$RC_TMP/server.key
	[ -f "$key" ] || rc_genkey 2048 "$key"
	RC_SERVER_LOG=$RC_TMP/server$RC_SERVER_COUNT.log
	: >"$RC_SERVER_LOG"
	# RC_SERVER_WRAPPER (words, e.g. "valgrind --error-exitcode=99") runs
	# the server under a tool in the same process, so the pid stays its.
	${RC_SERVER_WRAPPER:-} "$top_builddir/server/rsa-chat-server" --listen 127.0.0.1 --port 0 \
		--key "$key" "$@" 2>"$RC_SERVER_LOG" &
	RC_SERVER_PID=$!
	RC_SERVER_PIDS="$RC_SERVER_PIDS $RC_SERVER_PID"
	RC_PORT=
	tries=0
	while [ $tries -lt "${RC_SERVER_START_TRIES:-300}" ]; do
		RC_PORT=$(sed -n 's/.*listening on [^ ]*:\([0-9][0-9]*\).*/\1/p' "$RC_SERVER_LOG" | head -n 1)
		[ -n "$RC_PORT" ] && break
		kill -0 "$RC_SERVER_PID" 2>/dev/null || rc_fail "rsa-chat-server exited during start-up"
		sleep 0.1
		tries=$((tries + 1))
	done
	[ -n "$RC_PORT" ] || rc_fail "rsa-chat-server did not print 'listening on' within $((tries / 10)) s"
	export RC_PORT RC_SERVER_PID RC_SERVER_LOG
}

# Stops a server (default: the last one) with SIGTERM and checks it exits 0
# (under the sanitizers this also reports leaks).
rc_server_stop() {
	pid=${1:-$RC_SERVER_PID}
	kill -TERM "$pid" 2>/dev/null || rc_fail "server $pid is not running"
	status=0
	wait "$pid" || status=$?
	RC_SERVER_PIDS=$(echo "$RC_SERVER_PIDS" | tr ' ' '\n' | grep -vx "$pid" | tr '\n' ' ')
	[ "$status" -eq 0 ] || rc_fail "server $pid exited with status $status"
}

rc_cleanup() {
	status=$?
	[ -z "$RC_CLEANED" ] || return 0
	RC_CLEANED=1
	for pid in $RC_SERVER_PIDS; do
		kill -TERM "$pid" 2>/dev/null || continue
		server_status=0
		wait "$pid" || server_status=$?
		if [ "$server_status" -ne 0 ]; then
			echo "FAIL: server $pid exited with status $server_status at cleanup" >&2
			status=1
		fi
	done
	if [ -n "$RC_PG_DATA" ] && [ -f "$RC_PG_DATA/postmaster.pid" ]; then
		rc_as_pg "$PG_BINDIR/pg_ctl" -D "$RC_PG_DATA" -m immediate -w stop >/dev/null 2>&1 || true
	fi
	if [ "$status" -ne 0 ]; then
		rc_dump_logs
	fi
	if [ -n "$RC_TMP" ]; then
		rm -rf "$RC_TMP"
	fi
	exit "$status"
}
