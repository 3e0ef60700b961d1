# tests/bench: performance tools. They are built in every build (so they stay
# healthy) but never run as tests, except two smoke tests that check the load
# generator and the sync benchmark against real servers report no errors
# (correctness, not speed).
# tests/bench/run-bench runs the measurements by hand.
noinst_PROGRAMS += tests/bench/rsa-chat-loadgen tests/bench/rsa-bench tests/bench/rsa-chat-syncbench

tests_bench_rsa_chat_loadgen_SOURCES = tests/bench/loadgen.c \
	tests/bench/benchlib.h tests/bench/benchlib.c \
	tests/bench/exchange.h tests/bench/exchange.c \
	tests/bench/procstat.h tests/bench/procstat.c
tests_bench_rsa_chat_loadgen_LDADD = $(COMMON_LIBS)

tests_bench_rsa_chat_syncbench_SOURCES = tests/bench/syncbench.c \
	tests/bench/benchlib.h tests/bench/benchlib.c \
	tests/bench/procstat.h tests/bench/procstat.c
tests_bench_rsa_chat_syncbench_LDADD = $(COMMON_LIBS)

tests_bench_rsa_bench_SOURCES = tests/bench/rsa-bench.c \
	tests/bench/benchlib.h tests/bench/benchlib.c
tests_bench_rsa_bench_LDADD = $(COMMON_LIBS)

dist_noinst_SCRIPTS += tests/bench/run-bench tests/bench/idle-beside-load tests/bench/sync-client tests/bench/sync-latency
EXTRA_DIST += tests/bench/results.md tests/bench/README.md
TESTS += tests/bench/loadgen-smoke.sh tests/bench/syncbench-smoke.sh
EXTRA_DIST += tests/bench/loadgen-smoke.sh tests/bench/syncbench-smoke.sh
