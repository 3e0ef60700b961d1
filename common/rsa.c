#include "config.h"

#include <stdlib.h>
#include <string.h>

#include "bigint.h"
#include "clock.h"
#include "errors.h"
#include "protocol.h"
#include "rsa.h"
#include "secure.h"

/* mpz_probab_prime_p: GMP 6.2 runs Baillie-PSW plus (reps - 24) Miller-Rabin rounds. */
#define RSA_PRIME_REPS 30
/* Candidates tried between two progress callbacks. */
#define RSA_PROGRESS_EVERY 64u
/* Bases tried when recovering p and q from (e, d, n); each finds them with
 * probability >= 1/2 for a consistent key. */
#define RSA_RECOVERY_BASES 128u

void rsa_public_init(struct rsa_public *k)
{
	mpz_init(k->e);
	mpz_init(k->n);
}

void rsa_public_clear(struct rsa_public *k)
{
	mpz_clear(k->e);
	mpz_clear(k->n);
}

int rsa_public_copy(struct rsa_public *dst, const struct rsa_public *src)
{
	mpz_set(dst->e, src->e);
	mpz_set(dst->n, src->n);
	return RC_OK;
}

int rsa_public_equal(const struct rsa_public *a, const struct rsa_public *b)
{
	return mpz_cmp(a->e, b->e) == 0 && mpz_cmp(a->n, b->n) == 0;
}

void rsa_private_init(struct rsa_private *k)
{
	rsa_public_init(&k->pub);
	mpz_inits(k->d, k->p, k->q, k->dp, k->dq, k->qinv, NULL);
	k->has_crt = 0;
}

void rsa_private_clear(struct rsa_private *k)
{
	rsa_public_clear(&k->pub);
	mpz_clear(k->d);
	mpz_clear(k->p);
	mpz_clear(k->q);
	mpz_clear(k->dp);
	mpz_clear(k->dq);
	mpz_clear(k->qinv);
	k->has_crt = 0;
}

int rsa_public_check(const struct rsa_public *k)
{
	size_t bits;

	if (mpz_sgn(k->n) <= 0 || mpz_even_p(k->n))
		return RC_ERR_KEY;
	bits = mpz_sizeinbase(k->n, 2);
	if (bits < PROTO_MIN_MODULUS_BITS || bits > PROTO_MAX_MODULUS_BITS)
		return RC_ERR_KEY;
	if (mpz_cmp_ui(k->e, 3) < 0 || mpz_even_p(k->e) || mpz_cmp(k->e, k->n) >= 0 ||
	    mpz_sizeinbase(k->e, 2) > PROTO_MAX_PEER_E_BITS)
		return RC_ERR_KEY;
	return RC_OK;
}

/* A random odd number of exactly `bits` bits with its top two bits set, so
 * that the product of two such numbers has exactly 2 * bits bits. */
static int rsa_random_candidate(mpz_t out, unsigned bits)
{
	size_t nbytes = (bits + 7) / 8;
	uint8_t *buf = malloc(nbytes);
	unsigned excess = (unsigned)(nbytes * 8 - bits);

	if (buf == NULL)
		return RC_ERR_NOMEM;
	secure_random(buf, nbytes);
	buf[0] &= (uint8_t)(0xffu >> excess);
	bigint_from_bytes(out, buf, nbytes);
	secure_wipe(buf, nbytes);
	free(buf);
	mpz_setbit(out, bits - 1);
	mpz_setbit(out, bits - 2);
	mpz_setbit(out, 0);
	return RC_OK;
}

/* A prime of exactly `bits` bits (top two set) with gcd(e, p - 1) = 1. */
static int rsa_random_prime(mpz_t p, unsigned bits, const mpz_t e, rsa_progress_fn progress, void *arg, int stage)
{
	mpz_t pm1, g;
	unsigned tries = 0;
	int rc = RC_OK;

	mpz_inits(pm1, g, NULL);
	if (progress)
		progress(arg, stage);
	for (;;) {
		if ((rc = rsa_random_candidate(p, bits)) != RC_OK)
			break;
		if (progress && ++tries % RSA_PROGRESS_EVERY == 0)
			progress(arg, stage);
		mpz_sub_ui(pm1, p, 1);
		mpz_gcd(g, pm1, e);
		if (mpz_cmp_ui(g, 1) != 0)
			continue;
		if (mpz_probab_prime_p(p, RSA_PRIME_REPS) > 0)
			break;
	}
	mpz_clear(pm1);
	mpz_clear(g);
	return rc;
}

int rsa_generate(struct rsa_private *k, unsigned bits, rsa_progress_fn progress, void *arg)
{
	mpz_t pm1, qm1, lambda;
	int rc;

	if (bits < PROTO_MIN_MODULUS_BITS || bits > PROTO_MAX_MODULUS_BITS || bits % 2 != 0)
		return RC_ERR_INVAL;
	mpz_inits(pm1, qm1, lambda, NULL);
	k->has_crt = 0;
	mpz_set_ui(k->pub.e, RSA_DEFAULT_E);
	for (;;) {
		if ((rc = rsa_random_prime(k->p, bits / 2, k->pub.e, progress, arg, 1)) != RC_OK ||
		    (rc = rsa_random_prime(k->q, bits / 2, k->pub.e, progress, arg, 2)) != RC_OK)
			goto out;
		if (mpz_cmp(k->p, k->q) == 0)
			continue;
		if (mpz_cmp(k->p, k->q) < 0)
			mpz_swap(k->p, k->q);
		mpz_mul(k->pub.n, k->p, k->q);
		mpz_sub_ui(pm1, k->p, 1);
		mpz_sub_ui(qm1, k->q, 1);
		mpz_lcm(lambda, pm1, qm1);
		if (mpz_invert(k->d, k->pub.e, lambda) != 0)
			break;
	}
	rc = rsa_private_complete(k);
out:
	mpz_clear(pm1);
	mpz_clear(qm1);
	mpz_clear(lambda);
	return rc;
}

int rsa_private_complete(struct rsa_private *k)
{
	mpz_t t, pm1, qm1;
	int rc = RC_ERR_KEY;

	k->has_crt = 0;
	mpz_inits(t, pm1, qm1, NULL);
	if (rsa_public_check(&k->pub) != RC_OK)
		goto out;
	if (mpz_cmp_ui(k->q, 2) <= 0 || mpz_cmp_ui(k->p, 2) <= 0 || mpz_cmp(k->p, k->q) == 0)
		goto out;
	mpz_mul(t, k->p, k->q);
	if (mpz_cmp(t, k->pub.n) != 0)
		goto out;
	if (mpz_sgn(k->d) <= 0 || mpz_cmp(k->d, k->pub.n) >= 0)
		goto out;
	/* e * d = 1 modulo p - 1 and q - 1 is what makes decryption undo encryption. */
	mpz_sub_ui(pm1, k->p, 1);
	mpz_sub_ui(qm1, k->q, 1);
	mpz_mul(t, k->pub.e, k->d);
	mpz_mod(t, t, pm1);
	if (mpz_cmp_ui(t, 1) != 0)
		goto out;
	mpz_mul(t, k->pub.e, k->d);
	mpz_mod(t, t, qm1);
	if (mpz_cmp_ui(t, 1) != 0)
		goto out;
	if (mpz_probab_prime_p(k->p, RSA_PRIME_REPS) == 0 || mpz_probab_prime_p(k->q, RSA_PRIME_REPS) == 0)
		goto out;
	/* Every check above is symmetric in p and q: order them only now, so a
	 * refused key is left as it was given. */
	if (mpz_cmp(k->p, k->q) < 0) {
		mpz_swap(k->p, k->q);
		mpz_swap(pm1, qm1);
	}
	mpz_mod(k->dp, k->d, pm1);
	mpz_mod(k->dq, k->d, qm1);
	if (mpz_invert(k->qinv, k->q, k->p) == 0)
		goto out;
	k->has_crt = 1;
	rc = RC_OK;
out:
	mpz_clear(t);
	mpz_clear(pm1);
	mpz_clear(qm1);
	return rc;
}

/* Finds p with the classic method: for x = g^r (e*d - 1 = 2^s * r), a
 * square root of 1 other than +-1 among x, x^2, x^4... gives gcd(x - 1, n) = p. */
static int rsa_recover_factor(const mpz_t e, const mpz_t d, const mpz_t n, mpz_t p)
{
	mpz_t kk, r, x, y, nm1;
	mp_bitcnt_t s, i;
	unsigned long g;
	int rc = RC_ERR_KEY;

	mpz_inits(kk, r, x, y, nm1, NULL);
	mpz_mul(kk, e, d);
	mpz_sub_ui(kk, kk, 1);
	if (mpz_sgn(kk) <= 0 || mpz_odd_p(kk))
		goto out;
	s = mpz_scan1(kk, 0);
	mpz_tdiv_q_2exp(r, kk, s);
	mpz_sub_ui(nm1, n, 1);
	for (g = 2; g < 2 + RSA_RECOVERY_BASES; g++) {
		mpz_set_ui(x, g);
		mpz_powm(x, x, r, n);
		if (mpz_cmp_ui(x, 1) == 0 || mpz_cmp(x, nm1) == 0)
			continue;
		for (i = 0; i < s; i++) {
			mpz_powm_ui(y, x, 2, n);
			if (mpz_cmp_ui(y, 1) == 0) {
				mpz_sub_ui(x, x, 1);
				mpz_gcd(p, x, n);
				if (mpz_cmp_ui(p, 1) > 0 && mpz_cmp(p, n) < 0)
					rc = RC_OK;
				goto out;
			}
			if (mpz_cmp(y, nm1) == 0)
				break;
			mpz_swap(x, y);
		}
		if (i == s) /* x^(ed-1) != 1: d does not match e */
			goto out;
	}
out:
	mpz_clear(kk);
	mpz_clear(r);
	mpz_clear(x);
	mpz_clear(y);
	mpz_clear(nm1);
	return rc;
}

int rsa_private_from_edn(struct rsa_private *k, const mpz_t e, const mpz_t d, const mpz_t n)
{
	int rc;

	k->has_crt = 0;
	mpz_set(k->pub.e, e);
	mpz_set(k->pub.n, n);
	mpz_set(k->d, d);
	if (rsa_public_check(&k->pub) != RC_OK || mpz_sgn(d) <= 0 || mpz_cmp(d, n) >= 0)
		return RC_ERR_KEY;
	if ((rc = rsa_recover_factor(e, d, n, k->p)) != RC_OK)
		return rc;
	mpz_divexact(k->q, n, k->p);
	return rsa_private_complete(k);
}

void rsa_public_op(mpz_t out, const mpz_t in, const struct rsa_public *k)
{
	mpz_powm(out, in, k->e, k->n);
}

void rsa_private_op_plain(mpz_t out, const mpz_t in, const struct rsa_private *k)
{
	mpz_powm_sec(out, in, k->d, k->pub.n);
}

void rsa_private_op(mpz_t out, const mpz_t in, const struct rsa_private *k)
{
	mpz_t m1, m2;

	if (!k->has_crt) {
		rsa_private_op_plain(out, in, k);
		return;
	}
	/* Garner: m = m2 + q * (qinv * (m1 - m2) mod p), with m1, m2 the halves. */
	mpz_inits(m1, m2, NULL);
	mpz_mod(m1, in, k->p);
	mpz_powm_sec(m1, m1, k->dp, k->p);
	mpz_mod(m2, in, k->q);
	mpz_powm_sec(m2, m2, k->dq, k->q);
	mpz_sub(m1, m1, m2);
	mpz_mul(m1, m1, k->qinv);
	mpz_mod(m1, m1, k->p);
	mpz_mul(m1, m1, k->q);
	mpz_add(out, m1, m2);
	mpz_clear(m1);
	mpz_clear(m2);
}

size_t rsa_modulus_bytes(const struct rsa_public *k)
{
	return bigint_byte_len(k->n);
}

size_t rsa_chunk_original(const struct rsa_public *k)
{
	size_t len = rsa_modulus_bytes(k);

	return len ? (len - 1) / 2 : 0;
}

size_t rsa_chunk_wide(const struct rsa_public *k)
{
	size_t len = rsa_modulus_bytes(k);

	return len ? len - 1 : 0;
}

/* Encrypts one chunk (already known not to start with 0x00) into a new block. */
static int rsa_encrypt_chunk(const struct rsa_public *k, const uint8_t *p, size_t n, mpz_t m, struct blocklist *out)
{
	uint8_t *block;
	size_t len;
	int rc;

	bigint_from_bytes(m, p, n);
	rsa_public_op(m, m, k);
	if ((rc = bigint_to_bytes(m, &block, &len)) != RC_OK)
		return rc;
	return blocklist_push_owned(out, block, len);
}

int rsa_encrypt(const struct rsa_public *k, const uint8_t *p, size_t n, size_t chunk, struct blocklist *out)
{
	size_t keep = out->count, off, take;
	mpz_t m;
	int rc = RC_OK;

	if (chunk < 1 || chunk >= rsa_modulus_bytes(k))
		return RC_ERR_INVAL;
	if (n == 0)
		return blocklist_push_owned(out, NULL, 0);
	mpz_init(m);
	for (off = 0; off < n; off += take) {
		take = n - off < chunk ? n - off : chunk;
		if (p[off] == 0) {
			rc = RC_ERR_NUL;
			break;
		}
		if ((rc = rsa_encrypt_chunk(k, p + off, take, m, out)) != RC_OK)
			break;
	}
	mpz_clear(m);
	if (rc != RC_OK)
		blocklist_truncate(out, keep);
	return rc;
}

int rsa_decrypt_limited(const struct rsa_private *k, const struct blocklist *in, const struct rsa_decrypt_limits *lim,
                        struct bytebuf *out)
{
	size_t keep = out->len, i, first_len = 0;
	mpz_t c;
	int rc = RC_OK;

	mpz_init(c);
	for (i = 0; i < in->count; i++) {
		size_t before = out->len, got;

		if (lim && lim->gone && atomic_load(lim->gone)) {
			rc = RC_ERR_EOF;
			break;
		}
		if (lim && lim->deadline_ms != RSA_NO_DEADLINE && clock_now_ms() >= lim->deadline_ms) {
			rc = RC_ERR_TIMEOUT;
			break;
		}
		bigint_from_bytes(c, in->v[i].data, in->v[i].len);
		if (mpz_cmp(c, k->pub.n) >= 0) {
			rc = RC_ERR_RANGE;
			break;
		}
		rsa_private_op(c, c, k);
		if ((rc = bigint_append(out, c)) != RC_OK)
			break;
		got = out->len - before;
		if (i == 0)
			first_len = got;
		if (lim && lim->full_chunks && (got > first_len || (got < first_len && i + 1 < in->count))) {
			rc = RC_ERR_PROTOCOL;
			break;
		}
	}
	mpz_clear(c);
	if (rc != RC_OK && out->len > keep) {
		secure_wipe(out->data + keep, out->len - keep);
		out->len = keep;
	}
	return rc;
}

int rsa_decrypt(const struct rsa_private *k, const struct blocklist *in, struct bytebuf *out)
{
	return rsa_decrypt_limited(k, in, NULL, out);
}
