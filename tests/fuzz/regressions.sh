#!/bin/sh
# Replays every fuzz seed (tests/fuzz/corpus/<target>/) and every input that
# once crashed a target (tests/fuzz/regressions/<target>/) through the fuzz
# targets built without libFuzzer. A broken invariant, a sanitizer report or
# a leak (ASan builds) fails the test.
set -u

: "${top_srcdir:?run through make check}"
: "${top_builddir:?run through make check}"
dir="$top_srcdir/tests/fuzz"
status=0

for corpus in "$dir"/corpus/*/; do
	target=$(basename "$corpus")
	prog="$top_builddir/tests/fuzz/fuzz-$target"
	if [ ! -x "$prog" ]; then
		echo "FAIL: $target: $prog is not built" >&2
		status=1
		continue
	fi
	set -- "$corpus"
	[ -d "$dir/regressions/$target" ] && set -- "$@" "$dir/regressions/$target"
	if ! "$prog" "$@"; then
		echo "FAIL: $target: an input above broke the target" >&2
		status=1
	fi
done
# A regression folder without seeds would silently never be replayed.
for reg in "$dir"/regressions/*/; do
	[ -d "$reg" ] || continue
	target=$(basename "$reg")
	if [ ! -d "$dir/corpus/$target" ]; then
		echo "FAIL: regressions/$target has no corpus/$target" >&2
		status=1
	fi
done
exit $status
