# shellcheck shell=sh
# Helpers of the tests that run utils/quickstart for real (sourced after
# tests/lib/harness.sh and rc_init): each quickstart in its own process
# group with SIGINT not ignored, as when typed in a terminal; waiting for a
# line of its output and for its end; and, on any exit, the quickstarts
# still running and their cluster stopped by their ids.

QS_PIDS=
QS_PG_DIRS=   # the clusters' folders, set by the test

# qs_start LOG DIR COMMAND...: runs COMMAND (env-style VAR=VALUE words
# first allowed) in DIR, in the background, its output in LOG, its pid (and
# process group, setsid) in $qs_pid. It starts with SIGINT ignored, as
# any background job of sh: quickstart must stop on SIGINT all the same.
qs_start() {
	qs_log=$1 qs_dir=$2
	shift 2
	(cd "$qs_dir" && exec setsid env --ignore-signal=INT "$@") >"$qs_log" 2>&1 &
	qs_pid=$!
	QS_PIDS="$QS_PIDS $qs_pid"
}

# qs_wait_for LABEL LOG TEXT PID SECONDS: waits until LOG holds TEXT; fails
# when PID ends first or after SECONDS.
qs_wait_for() {
	tries=0
	until grep -qsF -- "$3" "$2"; do
		kill -0 "$4" 2>/dev/null || rc_fail "$1: exited before '$3': $(tail -n 40 "$2")"
		[ $tries -lt $(($5 * 10)) ] || rc_fail "$1: no '$3' within $5 s: $(tail -n 40 "$2")"
		sleep 0.1
		tries=$((tries + 1))
	done
}

# qs_wait_exit LABEL PID SECONDS: waits for PID to end (fails after
# SECONDS); its exit status in $st.
# shellcheck disable=SC2034 # st is the caller's
qs_wait_exit() {
	tries=0
	while kill -0 "$2" 2>/dev/null; do
		[ $tries -lt $(($3 * 10)) ] || rc_fail "$1: still running $3 s later"
		sleep 0.1
		tries=$((tries + 1))
	done
	st=0
	wait "$2" || st=$?
	QS_PIDS=$(echo "$QS_PIDS" | tr ' ' '\n' | grep -vx "$2" | tr '\n' ' ')
}

qs_cleanup() {
	status=$?
	for pid in $QS_PIDS; do
		kill -s TERM -- "-$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	done
	for dir in $QS_PG_DIRS; do
		[ -f "$dir/postmaster.pid" ] && kill -INT "$(head -n 1 "$dir/postmaster.pid")" 2>/dev/null
	done
	# rc_cleanup takes the test's status from $?.
	(exit "$status")
	rc_cleanup
}
trap qs_cleanup EXIT
