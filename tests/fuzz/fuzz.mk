# tests/fuzz: libFuzzer targets for everything that reads peer or file input.
# make check replays every seed and regression input through each target
# linked with standalone_main.c (gcc, sanitizers when configured); `make fuzz`
# builds the targets with clang and libFuzzer and fuzzes each for FUZZ_TIME
# seconds (tests/fuzz/run-fuzzers does the work, outside this build).
# This file is the one list of targets: run-fuzzers reads the programs, their
# sources and their dictionaries from here (through make), so adding a target
# is one edit here plus its corpus/<name>/ folder. A target's dictionaries
# (dict/NAME.dict) are named by FUZZ_DICTS_<name with _ for ->.
FUZZ_COMMON_SOURCES = tests/fuzz/fuzz_common.h tests/fuzz/fuzz_common.c tests/fuzz/standalone_main.c

check_PROGRAMS += tests/fuzz/fuzz-frame tests/fuzz/fuzz-rsa-codec tests/fuzz/fuzz-keyfile \
	tests/fuzz/fuzz-content tests/fuzz/fuzz-jsonx tests/fuzz/fuzz-dispatch tests/fuzz/fuzz-client-api \
	tests/fuzz/fuzz-msgv2

tests_fuzz_fuzz_frame_SOURCES = tests/fuzz/fuzz_frame.c $(FUZZ_COMMON_SOURCES)
tests_fuzz_fuzz_frame_LDADD = $(COMMON_LIBS)
tests_fuzz_fuzz_rsa_codec_SOURCES = tests/fuzz/fuzz_rsa_codec.c $(FUZZ_COMMON_SOURCES)
tests_fuzz_fuzz_rsa_codec_LDADD = $(COMMON_LIBS)
tests_fuzz_fuzz_keyfile_SOURCES = tests/fuzz/fuzz_keyfile.c $(FUZZ_COMMON_SOURCES)
tests_fuzz_fuzz_keyfile_LDADD = $(COMMON_LIBS)
FUZZ_DICTS_keyfile = keyfile
tests_fuzz_fuzz_content_SOURCES = tests/fuzz/fuzz_content.c $(FUZZ_COMMON_SOURCES)
tests_fuzz_fuzz_content_LDADD = $(COMMON_LIBS)
FUZZ_DICTS_content = json content
tests_fuzz_fuzz_jsonx_SOURCES = tests/fuzz/fuzz_jsonx.c $(FUZZ_COMMON_SOURCES)
tests_fuzz_fuzz_jsonx_LDADD = $(COMMON_LIBS)
FUZZ_DICTS_jsonx = json
tests_fuzz_fuzz_msgv2_SOURCES = tests/fuzz/fuzz_msgv2.c $(FUZZ_COMMON_SOURCES)
tests_fuzz_fuzz_msgv2_LDADD = $(COMMON_LIBS)
FUZZ_DICTS_msgv2 = json
# The server's dispatcher and request path, with fake_store.c linked in place
# of server/store.c (the store.h interface is the seam): no PostgreSQL.
tests_fuzz_fuzz_dispatch_SOURCES = tests/fuzz/fuzz_dispatch.c tests/fuzz/fake_store.h tests/fuzz/fake_store.c \
	server/dispatch.h server/dispatch.c server/allowed_keys.h server/allowed_keys.c server/request.h server/request.c \
	server/store.h $(FUZZ_COMMON_SOURCES)
tests_fuzz_fuzz_dispatch_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/server
tests_fuzz_fuzz_dispatch_LDADD = $(COMMON_LIBS)
FUZZ_DICTS_dispatch = json dispatch
# The client's protocol calls against a scripted server: fake_session.c is
# linked in place of session.c's network half.
tests_fuzz_fuzz_client_api_SOURCES = tests/fuzz/fuzz_client_api.c tests/fuzz/fake_session.h tests/fuzz/fake_session.c \
	client/api.h client/api.c client/wtext.h client/wtext.c $(FUZZ_COMMON_SOURCES)
tests_fuzz_fuzz_client_api_CPPFLAGS = $(AM_CPPFLAGS) -I$(top_srcdir)/client
tests_fuzz_fuzz_client_api_LDADD = $(COMMON_LIBS)
FUZZ_DICTS_client_api = json dispatch

TESTS += tests/fuzz/regressions.sh
EXTRA_DIST += tests/fuzz/regressions.sh tests/fuzz/corpus tests/fuzz/regressions tests/fuzz/dict \
	tests/fuzz/make-seeds tests/fuzz/README.md
dist_noinst_SCRIPTS += tests/fuzz/run-fuzzers

# make fuzz [FUZZ_TIME=300 | FUZZ_RUNS=20000 FUZZ_SEED=1] [FUZZ_JOBS=1] [FUZZ_TARGETS='frame jsonx']
fuzz:
	$(SHELL) $(top_srcdir)/tests/fuzz/run-fuzzers --jobs "$${FUZZ_JOBS:-1}" \
		$$(if [ -n "$${FUZZ_RUNS:-}" ]; then echo --runs "$$FUZZ_RUNS" --seed "$${FUZZ_SEED:-1}"; \
		   else echo --time "$${FUZZ_TIME:-60}"; fi) $${FUZZ_TARGETS:-}
.PHONY: fuzz
