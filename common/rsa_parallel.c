#include "config.h"

#include "rsa_parallel.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#include "errors.h"

/* One slice: p[0..n) is a whole number of chunks (the last slice may end
 * with a short one), encrypted into its own list. */
struct rsa_slice {
	const struct rsa_public *key;
	const uint8_t *p;
	size_t n;
	size_t chunk;
	struct blocklist blocks;
	pthread_t thread;
	int started;
	int rc;
};

static void *rsa_slice_run(void *arg)
{
	struct rsa_slice *s = arg;

	s->rc = rsa_encrypt(s->key, s->p, s->n, s->chunk, &s->blocks);
	return NULL;
}

/* Moves the slices' blocks, in order, to the end of out (no copies of the
 * block bytes). On failure out is unchanged and the slices keep theirs. */
static int rsa_slices_join(struct rsa_slice *slices, unsigned count, struct blocklist *out)
{
	size_t total = out->count;
	struct block *v;

	for (unsigned i = 0; i < count; i++)
		total += slices[i].blocks.count;
	if (total > out->cap) {
		v = realloc(out->v, total * sizeof *v);
		if (!v)
			return RC_ERR_NOMEM;
		out->v = v;
		out->cap = total;
	}
	for (unsigned i = 0; i < count; i++) {
		memcpy(out->v + out->count, slices[i].blocks.v, slices[i].blocks.count * sizeof *v);
		out->count += slices[i].blocks.count;
		/* The blocks belong to out now: only the array is freed. */
		slices[i].blocks.count = 0;
	}
	return RC_OK;
}

int rsa_encrypt_parallel(const struct rsa_public *k, const uint8_t *p, size_t n, size_t chunk, unsigned threads,
                         struct blocklist *out)
{
	struct rsa_slice *slices;
	size_t chunks, per, off = 0;
	unsigned count;
	int rc = RC_OK;

	if (chunk < 1 || chunk >= rsa_modulus_bytes(k))
		return RC_ERR_INVAL;
	chunks = n / chunk + (n % chunk != 0);
	count = threads;
	if (count > chunks / RSA_PARALLEL_MIN_CHUNKS)
		count = (unsigned)(chunks / RSA_PARALLEL_MIN_CHUNKS);
	if (count < 2)
		return rsa_encrypt(k, p, n, chunk, out);
	slices = calloc(count, sizeof *slices);
	if (!slices)
		return RC_ERR_NOMEM;
	/* Equal whole chunks per slice; the first chunks % count slices get one more. */
	per = chunks / count;
	for (unsigned i = 0; i < count; i++) {
		struct rsa_slice *s = &slices[i];
		size_t take = (per + (i < chunks % count)) * chunk;

		s->key = k;
		s->p = p + off;
		s->n = take < n - off ? take : n - off;
		s->chunk = chunk;
		blocklist_init(&s->blocks);
		off += s->n;
	}
	/* Slice 0 runs here; a slice whose thread does not start runs here too. */
	for (unsigned i = 1; i < count; i++)
		slices[i].started = pthread_create(&slices[i].thread, NULL, rsa_slice_run, &slices[i]) == 0;
	rsa_slice_run(&slices[0]);
	for (unsigned i = 1; i < count; i++) {
		if (slices[i].started)
			pthread_join(slices[i].thread, NULL);
		else
			rsa_slice_run(&slices[i]);
	}
	/* The first failing slice is the failure rsa_encrypt would have met first. */
	for (unsigned i = 0; i < count && rc == RC_OK; i++)
		rc = slices[i].rc;
	if (rc == RC_OK)
		rc = rsa_slices_join(slices, count, out);
	for (unsigned i = 0; i < count; i++)
		blocklist_free(&slices[i].blocks);
	free(slices);
	return rc;
}
