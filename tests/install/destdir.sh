#!/bin/sh
# `make install DESTDIR=...` from this build: the installed tree passes
# installed.sh (programs run, man pages render, files in place); the installed
# rsa-chat-migrate sets up an empty database from the installed migrations
# without being told where they are; the installed server starts with the
# installed example config (-c, as the systemd unit runs it; every example
# value uncommented) on that database; and `make uninstall` leaves no file behind.
set -eu
. "$top_srcdir/tests/install/lib.sh"
. "$top_srcdir/tests/lib/harness.sh"

rc_init
dest=$RC_TMP/destdir
load_install_dirs

submake install DESTDIR="$dest" >"$RC_TMP/install.log" 2>&1 ||
	rc_fail "make install DESTDIR=$dest failed: $(tail -n 20 "$RC_TMP/install.log")"
RC_INSTALL_ROOT=$dest RC_SRCDIR=$top_srcdir sh "$top_srcdir/tests/install/installed.sh" ||
	rc_fail "the DESTDIR install is broken"

# An empty database, set up by the installed helper alone.
rc_pg_start
"$PG_BINDIR/psql" -X -q -d postgres -c "CREATE DATABASE fresh" || rc_fail "CREATE DATABASE fresh failed"
fresh="postgresql://postgres@127.0.0.1:$PGPORT/fresh"
"$dest$RC_BINDIR/rsa-chat-migrate" --database "$fresh" >"$RC_TMP/migrate.log" 2>&1 ||
	rc_fail "the installed rsa-chat-migrate failed: $(cat "$RC_TMP/migrate.log")"
applied=$("$PG_BINDIR/psql" -X -A -t -d "$fresh" -c "SELECT count(*) FROM schema_migrations")
expected=$(find "$dest$RC_PKGDATADIR/migrations" -name '*.sql' | wc -l)
[ "$expected" -gt 0 ] || rc_fail "no migrations installed"
[ "$applied" -eq "$expected" ] ||
	rc_fail "rsa-chat-migrate applied $applied migrations, $expected are installed"
echo "ok: the installed rsa-chat-migrate applied the $applied installed migrations"

# The installed server with the installed example config, as the unit runs
# it; with every setting of the example uncommented, so each example value
# must be valid (the command line overrides the address, key and database).
key=$RC_TMP/server.key
"$dest$RC_BINDIR/generate-keys" --bits 1024 -o "$key" --quiet ||
	rc_fail "the installed generate-keys failed"
config=$RC_TMP/server.conf
sed 's/^#\([a-z][a-z-]*\) = /\1 = /' "$dest$RC_EXAMPLESDIR/server.conf.example" >"$config"
grep -q '^workers = ' "$config" || rc_fail "uncommenting the example's settings failed"
log=$RC_TMP/installed-server.log
"$dest$RC_SBINDIR/rsa-chat-server" -c "$config" \
	--listen 127.0.0.1 --port 0 --key "$key" --database "$fresh" 2>"$log" &
RC_SERVER_PID=$!
RC_SERVER_PIDS="$RC_SERVER_PIDS $RC_SERVER_PID"
tries=0
until grep -q 'listening on' "$log"; do
	kill -0 "$RC_SERVER_PID" 2>/dev/null || rc_fail "the installed server exited: $(cat "$log")"
	tries=$((tries + 1))
	[ $tries -lt 300 ] || rc_fail "the installed server did not start within 30 s"
	sleep 0.1
done
rc_server_stop "$RC_SERVER_PID"
echo "ok: the installed server runs with the installed example config"

submake uninstall DESTDIR="$dest" >"$RC_TMP/uninstall.log" 2>&1 ||
	rc_fail "make uninstall DESTDIR=$dest failed: $(tail -n 20 "$RC_TMP/uninstall.log")"
left=$(find "$dest" ! -type d)
[ -z "$left" ] || rc_fail "make uninstall left files behind: $left"
echo "ok: make uninstall removed every installed file"
