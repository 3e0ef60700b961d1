# Sourced by client tests after tests/lib/harness.sh: starting and stopping
# tests/stress/hostile-server (a fake server, hostile or well-behaved; see
# the comment at its top). Its key is $RC_TMP/server.key (made when absent),
# its stderr goes to $RC_TMP/hostile.log.
HOSTILE=$top_builddir/tests/stress/hostile-server
HOSTILE_PID=

hostile_stop() {
	[ -n "$HOSTILE_PID" ] || return 0
	kill "$HOSTILE_PID" 2>/dev/null
	wait "$HOSTILE_PID" 2>/dev/null
	HOSTILE_PID=
}

# hostile [--handshake KIND] [--arrive K] ACTION...: a fresh fake server; sets PORT.
hostile() {
	hostile_stop
	[ -f "$RC_TMP/server.key" ] || rc_genkey 1024 "$RC_TMP/server.key"
	rm -f "$RC_TMP/port"
	"$HOSTILE" --key "$RC_TMP/server.key" --port-file "$RC_TMP/port" "$@" >>"$RC_TMP/hostile.log" 2>&1 &
	HOSTILE_PID=$!
	tries=0
	until [ -s "$RC_TMP/port" ]; do
		tries=$((tries + 1))
		[ $tries -lt 100 ] && kill -0 "$HOSTILE_PID" 2>/dev/null ||
			rc_fail "hostile-server did not start: $(cat "$RC_TMP/hostile.log")"
		sleep 0.1
	done
	PORT=$(cat "$RC_TMP/port")
}
