# client/: rsa-chat, the terminal client (TUI) and its scriptable mode.
# Everything but main.c and the curses UI sits in a library, so the unit
# tests link the same code the program runs.
noinst_LIBRARIES += client/librsachatclient.a
client_librsachatclient_a_SOURCES = \
	client/paths.h client/paths.c \
	client/keyline.h client/keyline.c \
	client/config_file.h client/config_file.c \
	client/known_servers.h client/known_servers.c \
	client/contacts.h client/contacts.c \
	client/seen_state.h client/seen_state.c \
	client/outbox_store.h client/outbox_store.c \
	client/wtext.h client/wtext.c \
	client/line_editor.h client/line_editor.c \
	client/chat_model.h client/chat_model.c \
	client/envelope.h client/envelope.c \
	client/decrypt_cache.h client/decrypt_cache.c \
	client/digest_set.h client/digest_set.c \
	client/timefmt.h client/timefmt.c \
	client/options.h \
	client/api.h client/api.c \
	client/connect.h client/connect.c \
	client/commands.h client/commands.c \
	client/notify.h client/notify.c \
	client/net_worker.h client/net_worker.c \
	client/cli.h client/cli.c

CLIENT_LIBS = client/librsachatclient.a $(COMMON_LIBS)

bin_PROGRAMS += client/rsa-chat
client_rsa_chat_SOURCES = client/main.c client/ui.h client/ui_internal.h client/ui.c client/ui_draw.c \
	client/ui_state.c client/ui_events.c client/ui_input.c client/ui_term.h client/ui_term.c
client_rsa_chat_CFLAGS = $(AM_CFLAGS) $(NCURSESW_CFLAGS)
client_rsa_chat_LDADD = $(CLIENT_LIBS) $(NCURSESW_LIBS)

# Unit tests (cmocka, no terminal, no network but the fake servers of test-api).
CLIENT_UNIT_TESTS = \
	tests/client/test-chat-model \
	tests/client/test-line-editor \
	tests/client/test-known-servers \
	tests/client/test-contacts \
	tests/client/test-api \
	tests/client/test-envelope \
	tests/client/test-text \
	tests/client/test-outbox-store \
	tests/client/test-config-file
check_PROGRAMS += $(CLIENT_UNIT_TESTS)
TESTS += $(CLIENT_UNIT_TESTS)

tests_client_test_chat_model_SOURCES = tests/client/test-chat-model.c
tests_client_test_chat_model_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_client_test_chat_model_LDADD = $(CLIENT_LIBS) $(CMOCKA_LIBS)
tests_client_test_line_editor_SOURCES = tests/client/test-line-editor.c
tests_client_test_line_editor_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_client_test_line_editor_LDADD = $(CLIENT_LIBS) $(CMOCKA_LIBS)
tests_client_test_known_servers_SOURCES = tests/client/test-known-servers.c
tests_client_test_known_servers_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_client_test_known_servers_LDADD = $(CLIENT_LIBS) $(CMOCKA_LIBS)
tests_client_test_contacts_SOURCES = tests/client/test-contacts.c
tests_client_test_contacts_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_client_test_contacts_LDADD = $(CLIENT_LIBS) $(CMOCKA_LIBS)
tests_client_test_api_SOURCES = tests/client/test-api.c
tests_client_test_api_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_client_test_api_LDADD = client/librsachatclient.a $(TESTNET_LIBS) $(CMOCKA_LIBS)
tests_client_test_envelope_SOURCES = tests/client/test-envelope.c
tests_client_test_envelope_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_client_test_envelope_LDADD = client/librsachatclient.a tests/common/libtestutil.a $(TESTNET_LIBS) $(CMOCKA_LIBS)
tests_client_test_text_SOURCES = tests/client/test-text.c
tests_client_test_text_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_client_test_text_LDADD = $(CLIENT_LIBS) $(CMOCKA_LIBS)
tests_client_test_outbox_store_SOURCES = tests/client/test-outbox-store.c
tests_client_test_outbox_store_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_client_test_outbox_store_LDADD = $(CLIENT_LIBS) $(CMOCKA_LIBS)
tests_client_test_config_file_SOURCES = tests/client/test-config-file.c
tests_client_test_config_file_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_client_test_config_file_LDADD = $(CLIENT_LIBS) $(CMOCKA_LIBS)

# End to end with PostgreSQL and the server (tests/lib/harness.sh).
check_PROGRAMS += tests/client/jsonl_fields
tests_client_jsonl_fields_SOURCES = tests/client/jsonl_fields.c
tests_client_jsonl_fields_LDADD = $(JSONC_LIBS)
TESTS += tests/client/cli_e2e.sh tests/client/tui_tmux.sh tests/client/tui-first-minutes.sh tests/client/tui-habits.sh \
	tests/client/contact_keys.sh tests/client/tui-contact-keys.sh tests/client/msgv2.sh tests/client/tui-msgv2.sh \
	tests/client/tui-outbox.sh tests/client/config-file.sh tests/client/tui-page-retry.sh
dist_noinst_SCRIPTS += tests/client/cli_e2e.sh tests/client/tui_tmux.sh tests/client/tui-first-minutes.sh \
	tests/client/tui-habits.sh tests/client/contact_keys.sh tests/client/tui-contact-keys.sh tests/client/msgv2.sh \
	tests/client/tui-msgv2.sh tests/client/tui-outbox.sh tests/client/config-file.sh tests/client/tui-page-retry.sh
EXTRA_DIST += tests/client/hostile.sh tests/client/tmuxlib
