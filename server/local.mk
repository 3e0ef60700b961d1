# server/: rsa-chat-server, its database migrations and its tests.
# Every module but main.c, built once: the program and the tests link it.
noinst_LIBRARIES += server/librsachatserver.a
server_librsachatserver_a_SOURCES = \
	server/server.h server/server.c \
	server/server_config.h server/server_config.c \
	server/event_loop.h server/event_loop.c \
	server/conn.h server/conn.c \
	server/address.h server/address.c \
	server/worker_pool.h server/worker_pool.c \
	server/request.h server/request.c \
	server/dispatch.h server/dispatch.c \
	server/allowed_keys.h server/allowed_keys.c \
	server/store.h server/store.c \
	server/notify_listener.h server/notify_listener.c
server_librsachatserver_a_CFLAGS = $(AM_CFLAGS) $(PQ_CFLAGS)
SERVER_LIBS = server/librsachatserver.a $(COMMON_LIBS) $(PQ_LIBS)

sbin_PROGRAMS += server/rsa-chat-server
server_rsa_chat_server_SOURCES = server/main.c
server_rsa_chat_server_LDADD = $(SERVER_LIBS)

migrationsdir = $(pkgdatadir)/migrations
dist_migrations_DATA = \
	migrations/001_original_schema.sql \
	migrations/002_integrity.sql \
	migrations/003_registrations.sql \
	migrations/004_sync.sql \
	migrations/005_msg_id.sql

# The shared test harness (sourced by every part's shell tests).
EXTRA_DIST += tests/lib/harness.sh

check_PROGRAMS += tests/server/test-client
tests_server_test_client_SOURCES = tests/server/test-client.c
tests_server_test_client_LDADD = $(TESTNET_LIBS)

# Unit tests of server modules that need neither sockets nor a database.
SERVER_UNIT_TESTS = tests/server/test-event-loop tests/server/test-server-config tests/server/test-address
check_PROGRAMS += $(SERVER_UNIT_TESTS)
TESTS += $(SERVER_UNIT_TESTS)
SERVER_UNIT_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/server
SERVER_UNIT_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
SERVER_UNIT_LDADD = $(SERVER_LIBS) $(CMOCKA_LIBS)
tests_server_test_event_loop_SOURCES = tests/server/test-event-loop.c
tests_server_test_event_loop_CPPFLAGS = $(SERVER_UNIT_CPPFLAGS)
tests_server_test_event_loop_CFLAGS = $(SERVER_UNIT_CFLAGS)
tests_server_test_event_loop_LDADD = $(SERVER_UNIT_LDADD)
tests_server_test_server_config_SOURCES = tests/server/test-server-config.c
tests_server_test_address_SOURCES = tests/server/test-address.c
tests_server_test_address_CPPFLAGS = $(SERVER_UNIT_CPPFLAGS)
tests_server_test_address_CFLAGS = $(SERVER_UNIT_CFLAGS)
tests_server_test_address_LDADD = $(SERVER_UNIT_LDADD)
tests_server_test_server_config_CPPFLAGS = $(SERVER_UNIT_CPPFLAGS)
tests_server_test_server_config_CFLAGS = $(SERVER_UNIT_CFLAGS)
tests_server_test_server_config_LDADD = $(SERVER_UNIT_LDADD)
SERVER_TESTS = \
	tests/server/commands.sh \
	tests/server/abuse.sh \
	tests/server/load.sh \
	tests/server/migrations.sh \
	tests/server/two-servers.sh \
	tests/server/db-outage.sh \
	tests/server/options.sh \
	tests/server/shutdown.sh \
	tests/server/key-proof.sh \
	tests/server/registration.sh \
	tests/server/statement-timeout.sh \
	tests/server/admin.sh \
	tests/server/sync.sh \
	tests/server/sync-servers.sh \
	tests/server/exactly-once.sh
TESTS += $(SERVER_TESTS)
EXTRA_DIST += $(SERVER_TESTS) tests/server/synclib
