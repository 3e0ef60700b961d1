# rules for utils/
# Developer scripts: dependency installer and the one command that runs every test.
dist_noinst_SCRIPTS += utils/install-deps utils/test-all
EXTRA_DIST += .ci/run
# Database migrations helper and the one-command local start (server helper's lines).
dist_bin_SCRIPTS += utils/rsa-chat-migrate
dist_noinst_SCRIPTS += utils/quickstart utils/cluster
EXTRA_DIST += utils/devlib.sh
# Key generation (common helper's lines).
bin_PROGRAMS += utils/generate-keys
utils_generate_keys_SOURCES = utils/generate-keys.c
utils_generate_keys_LDADD = $(COMMON_LIBS)
