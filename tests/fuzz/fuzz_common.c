#include "config.h"

#include <gmp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "errors.h"
#include "fuzz_common.h"
#include "log.h"
#include "secure.h"

/* Key 2 of tests/vectors/wire-v1.json, made by the original's generate_keys. */
static const char fuzz_key_e[] = "7069";
static const char fuzz_key_n[] =
	"1358624379371603185661569869199808080817886055748612752122763681213389802595247839954867810635616781334877478"
	"2324382727020182787474828785649865198432591329718014396393983699182657789065930179324491077894458206202510061"
	"8647756953740548499849608424275632197470463067283672754774961212201441448759655461699755401";
static const char fuzz_key_d[] =
	"3298061161411332673072929545263645022893609381333455202493510364920323809949703343277059220612135233796364058"
	"0660122732446786905229602767258691017838911752401113224356085297149391887431761372955765237891868845845689816"
	"484411167125569576653302345931758585136994205236490243766835776799690782548953295096479237";

void fuzz_fail(const char *file, int line, const char *what)
{
	fprintf(stderr, "%s:%d: fuzz invariant failed: %s\n", file, line, what);
	abort();
}

void fuzz_setup(void)
{
	static int done;

	if (done)
		return;
	FUZZ_CHECK(secure_init() == RC_OK);
	log_set_level(LOG_LEVEL_ERROR);
	done = 1;
}

const struct rsa_private *fuzz_key(void)
{
	static struct rsa_private key;
	static int ready;
	mpz_t e, d, n;

	if (ready)
		return &key;
	fuzz_setup();
	mpz_inits(e, d, n, NULL);
	FUZZ_CHECK(mpz_set_str(e, fuzz_key_e, 10) == 0);
	FUZZ_CHECK(mpz_set_str(d, fuzz_key_d, 10) == 0);
	FUZZ_CHECK(mpz_set_str(n, fuzz_key_n, 10) == 0);
	rsa_private_init(&key);
	FUZZ_CHECK(rsa_private_from_edn(&key, e, d, n) == RC_OK);
	FUZZ_CHECK(key.has_crt);
	mpz_clears(e, d, n, NULL);
	ready = 1;
	return &key;
}

char *fuzz_copy_exact(const uint8_t *p, size_t len)
{
	char *copy = malloc(len ? len : 1);

	FUZZ_CHECK(copy != NULL);
	if (len)
		memcpy(copy, p, len);
	return copy;
}

uint8_t fuzz_take_u8(struct fuzz_input *in)
{
	uint8_t v;

	if (in->n == 0)
		return 0;
	v = in->p[0];
	in->p++;
	in->n--;
	return v;
}

const uint8_t *fuzz_take_bytes(struct fuzz_input *in, size_t want, size_t *got)
{
	const uint8_t *p = in->p;

	*got = want < in->n ? want : in->n;
	in->p += *got;
	in->n -= *got;
	return p;
}
