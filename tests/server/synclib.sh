# Helpers of the sync extension's tests (sync.sh, sync-servers.sh), sourced
# after tests/lib/harness.sh.

OK='{"state":"ok","data":'
# A get_messages element of a page: USER CONTENT ID.
pm() {
	printf '{"user":"%s","created_at":"T","content":"%s","id":%s}' "$1" "$2" "$3"
}
# A wait_messages element: ID USER PEER CONTENT.
wm() {
	printf '{"id":%s,"user":"%s","peer":"%s","created_at":"T","content":"%s"}' "$1" "$2" "$3" "$4"
}
# Lines of FILE matching PATTERN.
count_in() {
	grep -c "$2" "$1" || true
}
# Runs COMMAND... every 0.1 s until it succeeds; fails after SECONDS with
# "WHAT did not happen".
await() {
	seconds=$1
	what=$2
	shift 2
	tries=0
	until "$@"; do
		tries=$((tries + 1))
		[ $tries -lt $((seconds * 10)) ] || rc_fail "$what did not happen within $seconds s"
		sleep 0.1
	done
}
# Whether FILE has more than N lines matching PATTERN.
more_than() {
	[ "$(count_in "$1" "$2")" -gt "$3" ]
}
