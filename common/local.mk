# common/: the library every program links (no sockets' owners, no UI).
noinst_LIBRARIES += common/librsachat.a
common_librsachat_a_SOURCES = \
	common/errors.h common/errors.c \
	common/array.h common/array.c \
	common/protocol.h \
	common/clock.h common/clock.c \
	common/bytebuf.h common/bytebuf.c \
	common/blocklist.h common/blocklist.c \
	common/frame.h common/frame.c \
	common/bigint.h common/bigint.c \
	common/rsa.h common/rsa.c \
	common/rsa_parallel.h common/rsa_parallel.c \
	common/textfile.h common/textfile.c \
	common/kvfile.h common/kvfile.c \
	common/atomic_file.h common/atomic_file.c \
	common/keyfile.h common/keyfile.c \
	common/fingerprint.h common/fingerprint.c \
	common/utf8.h common/utf8.c \
	common/login.h common/login.c \
	common/content.h common/content.c \
	common/jsonx.h common/jsonx.c \
	common/wire.h common/wire.c \
	common/log.h common/log.c \
	common/secure.h common/secure.c \
	common/session.h common/session.c \
	common/pkcs1.h common/pkcs1.c \
	common/oaep.h common/oaep.c \
	common/pss.h common/pss.c \
	common/safety.h common/safety.c \
	common/msgv2.h common/msgv2.c

# What a program needs to link the common library.
COMMON_LIBS = common/librsachat.a $(JSONC_LIBS) $(SODIUM_LIBS) $(GMP_LIBS) $(UNISTRING_LIBS) $(PTHREAD_LIBS)

# Unit tests of the common library (cmocka), plus the generate-keys script test.
COMMON_TEST_CFLAGS = $(AM_CFLAGS) $(CMOCKA_CFLAGS)
COMMON_TEST_LDADD = tests/common/libtestutil.a $(COMMON_LIBS) $(CMOCKA_LIBS)
check_LIBRARIES = tests/common/libtestutil.a
tests_common_libtestutil_a_SOURCES = tests/common/testutil.h tests/common/testutil.c
tests_common_libtestutil_a_CFLAGS = $(COMMON_TEST_CFLAGS)

COMMON_TESTS = \
	tests/common/test-vectors
check_PROGRAMS += $(COMMON_TESTS)
TESTS += $(COMMON_TESTS)

tests_common_test_vectors_SOURCES = tests/common/test-vectors.c
tests_common_test_vectors_CFLAGS = $(COMMON_TEST_CFLAGS)
tests_common_test_vectors_LDADD = $(COMMON_TEST_LDADD)

COMMON_TESTS += tests/common/test-frame
tests_common_test_frame_SOURCES = tests/common/test-frame.c
tests_common_test_frame_CFLAGS = $(COMMON_TEST_CFLAGS)
tests_common_test_frame_LDADD = $(COMMON_TEST_LDADD)

COMMON_TESTS += tests/common/test-rsa
tests_common_test_rsa_SOURCES = tests/common/test-rsa.c
tests_common_test_rsa_CFLAGS = $(COMMON_TEST_CFLAGS)
tests_common_test_rsa_LDADD = $(COMMON_TEST_LDADD)

COMMON_TESTS += tests/common/test-rsa-parallel
tests_common_test_rsa_parallel_SOURCES = tests/common/test-rsa-parallel.c
tests_common_test_rsa_parallel_CFLAGS = $(COMMON_TEST_CFLAGS)
tests_common_test_rsa_parallel_LDADD = $(COMMON_TEST_LDADD)

COMMON_TESTS += tests/common/test-keyfile
tests_common_test_keyfile_SOURCES = tests/common/test-keyfile.c
tests_common_test_keyfile_CFLAGS = $(COMMON_TEST_CFLAGS)
tests_common_test_keyfile_LDADD = $(COMMON_TEST_LDADD)

COMMON_TESTS += tests/common/test-content
tests_common_test_content_SOURCES = tests/common/test-content.c
tests_common_test_content_CFLAGS = $(COMMON_TEST_CFLAGS)
tests_common_test_content_LDADD = $(COMMON_TEST_LDADD)

COMMON_TESTS += tests/common/test-jsonx
tests_common_test_jsonx_SOURCES = tests/common/test-jsonx.c
tests_common_test_jsonx_CFLAGS = $(COMMON_TEST_CFLAGS)
tests_common_test_jsonx_LDADD = $(COMMON_TEST_LDADD)

COMMON_TESTS += tests/common/test-session
tests_common_test_session_SOURCES = tests/common/test-session.c
tests_common_test_session_CFLAGS = $(COMMON_TEST_CFLAGS)
tests_common_test_session_LDADD = tests/lib/libtestnet.a $(COMMON_TEST_LDADD)

TESTS += tests/common/generate-keys.sh
dist_noinst_SCRIPTS += tests/common/generate-keys.sh

COMMON_TESTS += tests/common/test-log-errors
tests_common_test_log_errors_SOURCES = tests/common/test-log-errors.c
tests_common_test_log_errors_CFLAGS = $(COMMON_TEST_CFLAGS)
tests_common_test_log_errors_LDADD = $(COMMON_TEST_LDADD)

COMMON_TESTS += tests/common/test-pkcs1
tests_common_test_pkcs1_SOURCES = tests/common/test-pkcs1.c
tests_common_test_pkcs1_CFLAGS = $(COMMON_TEST_CFLAGS)
tests_common_test_pkcs1_LDADD = $(COMMON_TEST_LDADD)

COMMON_TESTS += tests/common/test-msgv2
tests_common_test_msgv2_SOURCES = tests/common/test-msgv2.c
tests_common_test_msgv2_CFLAGS = $(COMMON_TEST_CFLAGS)
tests_common_test_msgv2_LDADD = $(COMMON_TEST_LDADD)

COMMON_TESTS += tests/common/test-safety
tests_common_test_safety_SOURCES = tests/common/test-safety.c
tests_common_test_safety_CFLAGS = $(COMMON_TEST_CFLAGS)
tests_common_test_safety_LDADD = $(COMMON_TEST_LDADD)

COMMON_TESTS += tests/common/test-login
tests_common_test_login_SOURCES = tests/common/test-login.c
tests_common_test_login_CFLAGS = $(COMMON_TEST_CFLAGS)
tests_common_test_login_LDADD = $(COMMON_TEST_LDADD)
