#!/bin/sh
# utils/cluster as a user runs it: HAProxy, three servers, a PostgreSQL
# primary and its synchronous standby. Checks that HAProxy's health check
# takes a hung (SIGSTOP) server out of rotation and back when it resumes,
# that clients carry on through the others when one server is killed, and
# that after the primary's immediate shutdown and `pg_ctl promote` of the
# standby the servers serve again, without a restart. Both happen under
# load (16 clients sending, each retrying a failed send under the same
# --msg-id): afterwards every message is stored exactly once on the new
# primary, and every acknowledged one is among them.
. "$top_srcdir/tests/lib/harness.sh"

rc_init
command -v haproxy >/dev/null 2>&1 || rc_fail "haproxy is not installed (RC_WITH_CLUSTER=1 utils/install-deps)"
dir=$RC_TMP/cluster
# Root runs the clusters as the tests' PostgreSQL user, as rc_as_pg does.
export RSA_CHAT_PG_USER="$RC_PG_USER_SYSTEM"
export RSA_CHAT_CLUSTER_DIR="$dir" RSA_CHAT_BUILD="$top_builddir"
load_pids=
cluster_stop() {
	# rc_cleanup takes the script's status from $?: keep it for that call.
	cluster_status=$?
	# The load clients (ours) stop retrying at once on a failure, and a
	# server stopped by the test must be able to take its SIGTERM.
	for pid in $load_pids; do
		kill "$pid" 2>/dev/null || true
	done
	[ -z "${CLUSTER_SERVER2_PID:-}" ] || kill -CONT "$CLUSTER_SERVER2_PID" 2>/dev/null || true
	"$top_srcdir/utils/cluster" stop >/dev/null 2>&1 || true
	# The cluster's logs, for rc_dump_logs on failure.
	for f in "$dir"/*.log; do
		[ -f "$f" ] && cp "$f" "$RC_TMP/cluster-$(basename "$f")"
	done
	(exit "$cluster_status")
	rc_cleanup
}
trap cluster_stop EXIT
# Six ports each time (HAProxy and three servers, the primary and the
# standby): another test may hold one, so a start that fails is tried again
# on fresh ports.
started=
for attempt in 1 2 3; do
	port=$(rc_random_port)
	pg_port=$(rc_random_port)
	export RSA_CHAT_PORT="$port" RSA_CHAT_PG_PORT="$pg_port"
	if "$top_srcdir/utils/cluster" start >"$RC_TMP/cluster-start.log" 2>&1; then
		started=1
		break
	fi
	rc_log "utils/cluster start failed on ports $port and $pg_port (attempt $attempt): $(tail -n 3 "$RC_TMP/cluster-start.log")"
	"$top_srcdir/utils/cluster" stop >/dev/null 2>&1 || true
	rc_as_pg rm -rf "$dir/primary" "$dir/standby"
	rm -rf "$dir"
done
[ -n "$started" ] || rc_fail "utils/cluster start failed: $(cat "$RC_TMP/cluster-start.log")"
. "$dir/cluster.env"
echo "ok - utils/cluster start"

export HOME="$RC_TMP/home"
mkdir -p "$HOME"
C="$top_builddir/client/rsa-chat --host 127.0.0.1 --port $port"
rc_genkey 2048 "$RC_TMP/alice"
rc_genkey 2048 "$RC_TMP/bob"
LOAD_CLIENTS="1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16"
LOAD_MIN=10   # messages each load client sends at least
LOAD_MAX=200  # and at most, while the failures go on
for i in $LOAD_CLIENTS; do
	rc_genkey 1024 "$RC_TMP/u$i"
done
A="$C --key $RC_TMP/alice"
B="$C --key $RC_TMP/bob"

# Runs a client command until it succeeds, for at most $1 tenths of a second.
within() {
	limit=$1
	shift
	tries=0
	until "$@" >"$RC_TMP/within.out" 2>&1; do
		echo "$(date +%T.%N) retry after: $* -> $(cat "$RC_TMP/within.out")" >>"$RC_TMP/retries.log"
		tries=$((tries + 1))
		[ "$tries" -lt "$limit" ] || return 1
		sleep 0.1
	done
}
# The number of times HAProxy's log says server $1 went to state $2 (UP/DOWN).
state_changes() {
	grep -ci "server rsa_chat_servers/$1 is $2" "$dir/haproxy.log" || true
}
wait_state() {
	tries=0
	until [ "$(state_changes "$1" "$2")" -ge "$3" ]; do
		tries=$((tries + 1))
		[ "$tries" -lt 200 ] || rc_fail "HAProxy did not mark $1 $2 within 20 s"
		sleep 0.1
	done
}

within 100 $A register alice || rc_fail "alice cannot register through HAProxy: $(cat "$RC_TMP/within.out")"
within 100 $B register bob || rc_fail "bob cannot register through HAProxy: $(cat "$RC_TMP/within.out")"
sent=0
send_one() {
	within "$1" $A send --msg-id "seq-$sent" bob "message $sent" ||
		rc_fail "send $sent failed: $(cat "$RC_TMP/within.out")"
	sent=$((sent + 1))
}
for i in 1 2 3 4 5 6; do send_one 10; done
echo "ok - clients register and send through HAProxy"

# A hung server: its port still accepts (the kernel's backlog), but the
# handshake never comes. The health check must take it out, and back.
kill -STOP "$CLUSTER_SERVER2_PID"
wait_state s2 DOWN 1
for i in 1 2 3 4 5 6; do send_one 50; done
kill -CONT "$CLUSTER_SERVER2_PID"
wait_state s2 UP 1
echo "ok - a hung server leaves the rotation and comes back"

# load_client I: u$I sends bob at least LOAD_MIN messages, and goes on
# until $RC_TMP/load.stop exists (at most LOAD_MAX), each under its own
# --msg-id; a failed send (killed server, database gone) is retried with the
# same id for up to 600 tries. Each acknowledged id goes to acked.I.
load_client() {
	n=0
	while [ $n -lt $LOAD_MIN ] || { [ ! -e "$RC_TMP/load.stop" ] && [ $n -lt $LOAD_MAX ]; }; do
		tries=0
		until $C --key "$RC_TMP/u$1" send --msg-id "u$1-$n" bob "u$1 load $n" >/dev/null 2>"$RC_TMP/load.$1.err"; do
			echo "u$1-$n $(tail -n 1 "$RC_TMP/load.$1.err")" >>"$RC_TMP/load-retries.log"
			tries=$((tries + 1))
			[ $tries -lt 600 ] || return 1
			sleep 0.2
		done
		echo "u$1-$n" >>"$RC_TMP/acked.$1"
		n=$((n + 1))
	done
}
acked_total() {
	cat "$RC_TMP"/acked.* 2>/dev/null | wc -l
}
# Waits (at most 120 s) until the load clients have $1 acknowledged sends.
wait_acked() {
	tries=0
	until [ "$(acked_total)" -ge "$1" ]; do
		tries=$((tries + 1))
		[ "$tries" -lt 1200 ] || rc_fail "the load clients have only $(acked_total) acknowledged sends after 120 s"
		sleep 0.1
	done
}
for i in $LOAD_CLIENTS; do
	within 100 $C --key "$RC_TMP/u$i" register "u$i" || rc_fail "u$i cannot register: $(cat "$RC_TMP/within.out")"
done
for i in $LOAD_CLIENTS; do
	load_client "$i" &
	load_pids="$load_pids $!"
done
wait_acked 16

kill -KILL "$CLUSTER_SERVER3_PID"
for i in 1 2 3 4 5 6; do send_one 50; done
wait_state s3 DOWN 1
echo "ok - clients carry on when a server is killed (under load: $(acked_total) sends acknowledged)"

as_pg_ctl() {
	rc_as_pg "$PG_BINDIR/pg_ctl" "$@" >/dev/null
}
as_pg_ctl -D "$CLUSTER_PRIMARY_DATA" -m immediate -w stop || rc_fail "cannot stop the primary"
as_pg_ctl -D "$CLUSTER_STANDBY_DATA" -w promote || rc_fail "cannot promote the standby"
# Service back within 10 s of the promotion, without restarting a server.
within 100 $A send bob "message $sent" || rc_fail "no service 10 s after the promotion: $(cat "$RC_TMP/within.out")"
sent=$((sent + 1))
echo "ok - the servers found the promoted standby"
# Some load on the new primary, then the load clients finish.
wait_acked $(($(acked_total) + 16))
touch "$RC_TMP/load.stop"
for pid in $load_pids; do
	wait "$pid" || rc_fail "a load client gave up on a send: $(cat "$RC_TMP/load-retries.log")"
done
new_primary() {
	"$PG_BINDIR/psql" -X -A -t -q -d "postgresql://postgres@127.0.0.1:$CLUSTER_STANDBY_PORT/rsachat" "$@"
}
# Each load message once, as the recipient's copy and as the self copy
# (by name and by content: a copy sent without its name would show), and
# every acknowledged one among them.
cat "$RC_TMP"/acked.* | sed 's/$/-r/' >"$RC_TMP/expected"
cat "$RC_TMP"/acked.* | sed 's/$/-s/' >>"$RC_TMP/expected"
sort -o "$RC_TMP/expected" "$RC_TMP/expected"
new_primary -c "SELECT msg_id FROM message WHERE sender ~ '^u[0-9]+$'" | sort >"$RC_TMP/stored"
cmp -s "$RC_TMP/expected" "$RC_TMP/stored" ||
	rc_fail "load messages stored differ from those acknowledged: $(diff "$RC_TMP/expected" "$RC_TMP/stored" | head -20)"
rc_expect "no load message stored twice" "" \
	"$(new_primary -c "SELECT sender, content, self_copy FROM message WHERE sender ~ '^u[0-9]+$' GROUP BY 1, 2, 3 HAVING count(*) > 1")"
load_retries=$(wc -l <"$RC_TMP/load-retries.log" 2>/dev/null || echo 0)
echo "ok - every load message is stored exactly once ($(acked_total) messages, $load_retries retried sends)"

stored=$(new_primary -c "SELECT count(*) FROM message WHERE sender = 'alice' AND receiver = 'bob' AND NOT self_copy")
new_primary -c "SELECT id, created_on, self_copy FROM message WHERE sender = 'alice'" >"$RC_TMP/messages.log"
# Every acknowledged message survived the primary's loss (the synchronous
# standby had it), and a retried `send` (the same --msg-id) stored nothing
# twice: exactly the acknowledged messages.
retries=$(grep -c 'retry after:.* send ' "$RC_TMP/retries.log" 2>/dev/null || true)
[ "$stored" -eq "$sent" ] || rc_fail "$sent messages acknowledged, $stored on the new primary"
echo "ok - every acknowledged message is on the new primary once ($sent sent, ${retries:-0} retries)"
[ "$($B history alice | grep -c 'message ')" -eq "$stored" ] || rc_fail "bob does not read the $stored messages"
echo "ok - bob reads them all"
