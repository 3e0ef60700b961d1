/* Fuzz target: the key-file parsers (common/keyfile.c), both formats.
 *
 * The input is the file's text (not NUL-terminated: the parsers get a
 * length). Both parsers run on it. A parsed private key must be consistent
 * (CRT and plain private operations agree and undo the public one), must
 * also parse as a public key with the same (e, n), and must come back
 * unchanged from being written in either format and parsed again; the same
 * round trip holds for a parsed public key. A refusal must come with a
 * reason in err, NUL-terminated within errlen. */
#include "config.h"

#include <gmp.h>
#include <stdlib.h>
#include <string.h>

#include "bytebuf.h"
#include "errors.h"
#include "fuzz_common.h"
#include "keyfile.h"
#include "rsa.h"

/* Small on purpose: messages longer than this must be cut, not overflow. */
#define KEYFILE_ERRLEN 48

static void check_error(int rc, const char *err)
{
	FUZZ_CHECK(rc < 0);
	FUZZ_CHECK(memchr(err, '\0', KEYFILE_ERRLEN) != NULL);
	FUZZ_CHECK(err[0] != '\0');
}

/* m -> m^e -> (m^e)^d gives m back, with and without CRT. */
static void check_private_consistent(const struct rsa_private *k)
{
	mpz_t m, c, crt, plain;

	FUZZ_CHECK(k->has_crt);
	FUZZ_CHECK(rsa_public_check(&k->pub) == RC_OK);
	mpz_inits(m, c, crt, plain, NULL);
	mpz_set_ui(m, 0x1234567u);
	rsa_public_op(c, m, &k->pub);
	rsa_private_op(crt, c, k);
	rsa_private_op_plain(plain, c, k);
	FUZZ_CHECK(mpz_cmp(crt, m) == 0);
	FUZZ_CHECK(mpz_cmp(plain, m) == 0);
	mpz_clears(m, c, crt, plain, NULL);
}

static void check_private_round_trip(const struct rsa_private *k, enum keyfile_format fmt)
{
	struct rsa_private again;
	struct bytebuf text;
	char err[KEYFILE_ERRLEN];

	bytebuf_init(&text, BYTEBUF_UNBOUNDED);
	FUZZ_CHECK(keyfile_format_private(k, fmt, &text) == RC_OK);
	rsa_private_init(&again);
	FUZZ_CHECK(keyfile_parse_private((const char *)text.data, text.len, &again, err, sizeof(err)) == RC_OK);
	FUZZ_CHECK(rsa_public_equal(&again.pub, &k->pub));
	FUZZ_CHECK(mpz_cmp(again.d, k->d) == 0);
	FUZZ_CHECK(mpz_cmp(again.p, k->p) == 0 && mpz_cmp(again.q, k->q) == 0);
	FUZZ_CHECK(mpz_cmp(again.dp, k->dp) == 0 && mpz_cmp(again.dq, k->dq) == 0);
	FUZZ_CHECK(mpz_cmp(again.qinv, k->qinv) == 0);
	rsa_private_clear(&again);
	bytebuf_free(&text);
}

static void check_public_round_trip(const struct rsa_public *k, enum keyfile_format fmt)
{
	struct rsa_public again;
	struct bytebuf text;
	char err[KEYFILE_ERRLEN];

	bytebuf_init(&text, BYTEBUF_UNBOUNDED);
	FUZZ_CHECK(keyfile_format_public(k, fmt, &text) == RC_OK);
	rsa_public_init(&again);
	FUZZ_CHECK(keyfile_parse_public((const char *)text.data, text.len, &again, err, sizeof(err)) == RC_OK);
	FUZZ_CHECK(rsa_public_equal(&again, k));
	rsa_public_clear(&again);
	bytebuf_free(&text);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rsa_private priv;
	struct rsa_public pub;
	char err[KEYFILE_ERRLEN];
	char *text;
	int rc, priv_rc;

	fuzz_setup();
	text = fuzz_copy_exact(data, size);

	rsa_private_init(&priv);
	priv_rc = keyfile_parse_private(text, size, &priv, err, sizeof(err));
	if (priv_rc == RC_OK) {
		check_private_consistent(&priv);
		check_private_round_trip(&priv, KEYFILE_NATIVE);
		check_private_round_trip(&priv, KEYFILE_ORIGINAL);
	} else {
		check_error(priv_rc, err);
	}

	rsa_public_init(&pub);
	rc = keyfile_parse_public(text, size, &pub, err, sizeof(err));
	if (rc == RC_OK) {
		check_public_round_trip(&pub, KEYFILE_NATIVE);
		check_public_round_trip(&pub, KEYFILE_ORIGINAL);
		if (priv_rc == RC_OK)
			FUZZ_CHECK(rsa_public_equal(&pub, &priv.pub));
	} else {
		check_error(rc, err);
		/* Every private key file also names its public key. */
		FUZZ_CHECK(priv_rc != RC_OK);
	}
	rsa_public_clear(&pub);
	rsa_private_clear(&priv);
	free(text);
	return 0;
}
