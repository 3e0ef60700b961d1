# client/: rsa-chat, the terminal client (TUI) and its scriptable mode.
# Everything but main.c and the curses UI sits in a library, so the unit
# tests link the same code the program runs.
noinst_LIBRARIES += client/librsachatclient.a
client_librsachatclient_a_SOURCES = \
	client/paths.h client/paths.c \
	client/textfile.h client/textfile.c \
	client/known_servers.h client/known_servers.c \
	client/seen_state.h client/seen_state.c \
	client/wtext.h client/wtext.c \
	client/line_editor.h client/line_editor.c \
	client/chat_model.h client/chat_model.c

CLIENT_LIBS = client/librsachatclient.a $(COMMON_LIBS)

# Unit tests (cmocka, no terminal, no network).
CLIENT_UNIT_TESTS = \
	tests/client/test_chat_model \
	tests/client/test_line_editor \
	tests/client/test_known_servers
check_PROGRAMS += $(CLIENT_UNIT_TESTS)
TESTS += $(CLIENT_UNIT_TESTS)

tests_client_test_chat_model_SOURCES = tests/client/test_chat_model.c
tests_client_test_chat_model_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_client_test_chat_model_LDADD = $(CLIENT_LIBS) $(CMOCKA_LIBS)
tests_client_test_line_editor_SOURCES = tests/client/test_line_editor.c
tests_client_test_line_editor_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_client_test_line_editor_LDADD = $(CLIENT_LIBS) $(CMOCKA_LIBS)
tests_client_test_known_servers_SOURCES = tests/client/test_known_servers.c
tests_client_test_known_servers_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
tests_client_test_known_servers_LDADD = $(CLIENT_LIBS) $(CMOCKA_LIBS)
