# rules for utils/
# Developer scripts: dependency installer and the one command that runs every test.
dist_noinst_SCRIPTS += utils/install-deps utils/test-all
EXTRA_DIST += .ci/run
# Database migrations helper and the one-command local start (server helper's lines).
dist_bin_SCRIPTS += utils/rsa-chat-migrate
dist_noinst_SCRIPTS += utils/quickstart utils/cluster
EXTRA_DIST += utils/devlib.sh
# The users of a database: list, delete (an operator's tool, beside rsa-chat-migrate).
bin_PROGRAMS += utils/rsa-chat-admin
utils_rsa_chat_admin_SOURCES = utils/rsa-chat-admin.c
utils_rsa_chat_admin_CFLAGS = $(AM_CFLAGS) $(PQ_CFLAGS)
utils_rsa_chat_admin_LDADD = $(COMMON_LIBS) $(PQ_LIBS)
# Key generation (common helper's lines).
bin_PROGRAMS += utils/generate-keys
utils_generate_keys_SOURCES = utils/generate-keys.c
utils_generate_keys_LDADD = $(COMMON_LIBS)
