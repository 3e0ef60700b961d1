# tests/: shared test helpers and data; each part's tests are listed in its own local.mk.
EXTRA_DIST += tests/vectors/wire-v1.json

# Socket and frame helpers for the test programs that play a server or a raw
# client (tests/lib/testnet.h). Link with $(TESTNET_LIBS) (it includes the
# common library, which the helpers use). reseal.h passes a v2 message on.
check_LIBRARIES += tests/lib/libtestnet.a
tests_lib_libtestnet_a_SOURCES = tests/lib/testnet.h tests/lib/testnet.c tests/lib/reseal.h tests/lib/reseal.c
TESTNET_LIBS = tests/lib/libtestnet.a $(COMMON_LIBS)

# utils/cluster end to end: HAProxy, three servers, a primary and its
# synchronous standby; a hung server, a killed one, a failover.
TESTS += tests/cluster/cluster.sh
dist_noinst_SCRIPTS += tests/cluster/cluster.sh
