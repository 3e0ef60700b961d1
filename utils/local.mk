# rules for utils/
# Developer scripts: dependency installer and the one command that runs every test.
dist_noinst_SCRIPTS += utils/install-deps utils/test-all
EXTRA_DIST += .ci/run
# Database migrations helper (server helper's lines).
dist_bin_SCRIPTS += utils/rsa-chat-migrate
