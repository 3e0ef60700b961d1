# tests/stress: the server under faults and load, and the client against a
# hostile server. rc-stress drives the server (outage, connections, chaos);
# hostile-server is a fake server that answers the real rsa-chat with
# garbage. The shell tests run in make check; `make check-valgrind` runs the
# server's integration tests with the server under valgrind memcheck.
check_PROGRAMS += tests/stress/rc-stress tests/stress/hostile-server
STRESS_LIB_SOURCES = tests/stress/stresslib.h tests/stress/stresslib.c
tests_stress_rc_stress_SOURCES = tests/stress/rc-stress.c $(STRESS_LIB_SOURCES) \
	tests/bench/procstat.h tests/bench/procstat.c
tests_stress_rc_stress_LDADD = $(TESTNET_LIBS)
tests_stress_hostile_server_SOURCES = tests/stress/hostile-server.c $(STRESS_LIB_SOURCES)
tests_stress_hostile_server_LDADD = $(TESTNET_LIBS)

STRESS_TESTS = \
	tests/stress/outage.sh \
	tests/stress/connections.sh \
	tests/stress/chaos.sh \
	tests/stress/hostile-client.sh \
	tests/stress/attacks.sh
TESTS += $(STRESS_TESTS)
EXTRA_DIST += $(STRESS_TESTS)
dist_noinst_SCRIPTS += tests/stress/valgrind-server

# The server's integration tests with the server under valgrind (slow).
check-valgrind: server/rsa-chat-server$(EXEEXT) utils/generate-keys$(EXEEXT) \
		tests/server/test-client$(EXEEXT) tests/stress/rc-stress$(EXEEXT)
	top_srcdir='$(abs_top_srcdir)' top_builddir='$(abs_top_builddir)' PG_BINDIR='$(PG_BINDIR)' \
		$(SHELL) $(srcdir)/tests/stress/valgrind-server
.PHONY: check-valgrind
