/* rsa-bench: what RSA itself costs here, so a server's CPU per request can be
 * judged against the floor set by its private-key operations.
 *
 * For each modulus size: key generation, the private operation without and
 * with CRT, and the public operation (e = 65537), each timed call by call.
 * Then a whole request as a server opens it: a typical send_message (a text
 * of --text bytes encrypted for a 2048-bit recipient, the JSON around it
 * sealed for the server), decrypted with wire_open and parsed.
 * Times are the thread's CPU time, comparable with a server's CPU time even
 * while other processes compete for the CPUs. */
#include "config.h"

#include <getopt.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "benchlib.h"
#include "bigint.h"
#include "blocklist.h"
#include "content.h"
#include "errors.h"
#include "jsonx.h"
#include "protocol.h"
#include "rsa.h"
#include "secure.h"
#include "wire.h"

#define RB_RECIPIENT_BITS 2048u
#define RB_RECIPIENT_LOGIN "bench_recipient_0001"

struct rb_options {
	unsigned iterations;
	unsigned keygens;
	unsigned text_bytes;
	unsigned bits[4];
	unsigned nbits;
	int json;
	int flat;
};

typedef void (*rb_op_fn)(mpz_t out, const mpz_t in, const struct rsa_private *k);

static void rb_private_crt(mpz_t out, const mpz_t in, const struct rsa_private *k)
{
	rsa_private_op(out, in, k);
}

static void rb_private_plain(mpz_t out, const mpz_t in, const struct rsa_private *k)
{
	rsa_private_op_plain(out, in, k);
}

static void rb_public(mpz_t out, const mpz_t in, const struct rsa_private *k)
{
	rsa_public_op(out, in, &k->pub);
}

/* {"median_us", "mean_us"} of samples in seconds. */
static struct json_object *rb_json_us(struct bench_samples *s)
{
	struct json_object *o = json_object_new_object();
	struct bench_summary sum;

	bench_summarise(s, &sum);
	json_object_object_add(o, "median_us", json_object_new_double(sum.p50 * 1e6));
	json_object_object_add(o, "mean_us", json_object_new_double(sum.mean * 1e6));
	json_object_object_add(o, "count", json_object_new_int64((int64_t)sum.count));
	return o;
}

/* A random integer below k's modulus (one byte shorter, so certainly < n). */
static void rb_random_input(mpz_t out, const struct rsa_private *k)
{
	uint8_t buf[PROTO_MAX_MODULUS_BITS / 8];
	size_t len = rsa_modulus_bytes(&k->pub) - 1;

	secure_random(buf, len);
	bigint_from_bytes(out, buf, len);
}

/* Times op call by call, each on a fresh random input. */
static int rb_time_op(rb_op_fn op, const struct rsa_private *k, unsigned iterations, struct json_object **out)
{
	struct bench_samples s = {0};
	mpz_t in, res;
	double t0;
	unsigned i;
	int rc = RC_OK;

	mpz_inits(in, res, NULL);
	for (i = 0; i < iterations && rc == RC_OK; i++) {
		rb_random_input(in, k);
		t0 = bench_thread_cpu();
		op(res, in, k);
		rc = bench_samples_add(&s, bench_thread_cpu() - t0);
	}
	*out = rc == RC_OK ? rb_json_us(&s) : NULL;
	bench_samples_free(&s);
	mpz_clears(in, res, NULL);
	return rc;
}

/* Key generation (median of o->keygens) and the three operations for one size. */
static int rb_bench_bits(const struct rb_options *o, unsigned bits, struct json_object *keys)
{
	struct json_object *entry = json_object_new_object(), *v = NULL;
	struct bench_samples gen = {0};
	struct rsa_private k;
	unsigned i;
	double t0;
	int rc = RC_OK;

	rsa_private_init(&k);
	json_object_object_add(entry, "bits", json_object_new_int64(bits));
	for (i = 0; i < o->keygens && rc == RC_OK; i++) {
		rsa_private_clear(&k);
		rsa_private_init(&k);
		t0 = bench_thread_cpu();
		if ((rc = rsa_generate(&k, bits, NULL, NULL)) == RC_OK)
			rc = bench_samples_add(&gen, bench_thread_cpu() - t0);
	}
	if (rc != RC_OK)
		goto out;
	json_object_object_add(entry, "keygen", rb_json_us(&gen));
	if ((rc = rb_time_op(rb_private_plain, &k, o->iterations, &v)) != RC_OK)
		goto out;
	json_object_object_add(entry, "private_plain", v);
	if ((rc = rb_time_op(rb_private_crt, &k, o->iterations, &v)) != RC_OK)
		goto out;
	json_object_object_add(entry, "private_crt", v);
	if ((rc = rb_time_op(rb_public, &k, o->iterations, &v)) != RC_OK)
		goto out;
	json_object_object_add(entry, "public", v);
out:
	if (rc == RC_OK)
		json_object_array_add(keys, entry);
	else
		json_object_put(entry);
	bench_samples_free(&gen);
	rsa_private_clear(&k);
	return rc;
}

/* The JSON text of a typical send_message: o->text_bytes of text encrypted
 * for a fresh 2048-bit recipient, as the original client sends it. */
static int rb_typical_request(const struct rb_options *o, char **json, size_t *len)
{
	struct rsa_private recipient;
	char *text = NULL, *content = NULL;
	int rc;

	rsa_private_init(&recipient);
	if ((rc = bench_make_text(o->text_bytes, &text)) != RC_OK ||
	    (rc = rsa_generate(&recipient, RB_RECIPIENT_BITS, NULL, NULL)) != RC_OK ||
	    (rc = content_encode(&recipient.pub, text, o->text_bytes, rsa_chunk_original(&recipient.pub), &content)) !=
	            RC_OK)
		goto out;
	rc = bench_request_send_message(RB_RECIPIENT_LOGIN, content, 0, json, len);
out:
	free(content);
	free(text);
	rsa_private_clear(&recipient);
	return rc;
}

/* wire_open of the request sealed for server with the given chunk size, and
 * wire_open followed by parsing, as a server does for every request. */
static int rb_bench_request(const struct rb_options *o, const struct rsa_private *server, const char *chunk_name,
                            size_t chunk, const char *json, size_t len, struct json_object *requests)
{
	struct json_object *entry = NULL, *parsed;
	struct bench_samples open = {0}, open_parse = {0};
	struct blocklist blocks;
	char *text;
	size_t text_len;
	unsigned i;
	double t0, t1;
	int rc;

	blocklist_init(&blocks);
	if ((rc = rsa_encrypt(&server->pub, (const uint8_t *)json, len, chunk, &blocks)) != RC_OK)
		goto out;
	for (i = 0; i < o->iterations && rc == RC_OK; i++) {
		t0 = bench_thread_cpu();
		if ((rc = wire_open(server, &blocks, PROTO_DEFAULT_MAX_REQUEST_BYTES, &text, &text_len)) != RC_OK)
			break;
		t1 = bench_thread_cpu();
		rc = jsonx_parse(text, text_len, &parsed);
		json_object_put(parsed);
		free(text);
		if (rc == RC_OK && (rc = bench_samples_add(&open, t1 - t0)) == RC_OK)
			rc = bench_samples_add(&open_parse, bench_thread_cpu() - t0);
	}
	if (rc != RC_OK)
		goto out;
	entry = json_object_new_object();
	json_object_object_add(entry, "server_bits", json_object_new_int64((int64_t)mpz_sizeinbase(server->pub.n, 2)));
	json_object_object_add(entry, "chunk", json_object_new_string(chunk_name));
	json_object_object_add(entry, "request_bytes", json_object_new_int64((int64_t)len));
	json_object_object_add(entry, "blocks", json_object_new_int64((int64_t)blocks.count));
	json_object_object_add(entry, "wire_open", rb_json_us(&open));
	json_object_object_add(entry, "wire_open_and_parse", rb_json_us(&open_parse));
	json_object_array_add(requests, entry);
out:
	bench_samples_free(&open);
	bench_samples_free(&open_parse);
	blocklist_free(&blocks);
	return rc;
}

static int rb_bench_requests(const struct rb_options *o, struct json_object *requests)
{
	struct rsa_private server;
	char *json = NULL;
	size_t len = 0;
	unsigned i;
	int rc;

	rsa_private_init(&server);
	if ((rc = rb_typical_request(o, &json, &len)) != RC_OK)
		goto out;
	for (i = 0; i < o->nbits && rc == RC_OK; i++) {
		rsa_private_clear(&server);
		rsa_private_init(&server);
		if ((rc = rsa_generate(&server, o->bits[i], NULL, NULL)) != RC_OK ||
		    (rc = rb_bench_request(o, &server, "original", rsa_chunk_original(&server.pub), json, len, requests)) !=
		            RC_OK)
			break;
		rc = rb_bench_request(o, &server, "wide", rsa_chunk_wide(&server.pub), json, len, requests);
	}
out:
	free(json);
	rsa_private_clear(&server);
	return rc;
}

static void rb_print_text(struct json_object *report)
{
	struct json_object *keys, *requests, *e, *v;
	size_t i;

#define RB_US(obj, name) \
	(json_object_object_get_ex((obj), (name), &v) && json_object_object_get_ex(v, "median_us", &v) ? \
	         json_object_get_double(v) : 0.0)
	json_object_object_get_ex(report, "keys", &keys);
	json_object_object_get_ex(report, "requests", &requests);
	printf("median microseconds (%d iterations)\n", json_object_get_int(json_object_object_get(report, "iterations")));
	printf("%6s %12s %14s %12s %14s\n", "bits", "keygen ms", "private plain", "private CRT", "public 65537");
	for (i = 0; i < json_object_array_length(keys); i++) {
		e = json_object_array_get_idx(keys, i);
		printf("%6d %12.1f %14.1f %12.1f %14.1f\n", json_object_get_int(json_object_object_get(e, "bits")),
		       RB_US(e, "keygen") / 1e3, RB_US(e, "private_plain"), RB_US(e, "private_crt"),
		       RB_US(e, "public"));
	}
	printf("\na typical send_message as the server opens it\n");
	printf("%6s %9s %7s %7s %14s %16s\n", "bits", "chunks", "bytes", "blocks", "wire_open us", "open+parse us");
	for (i = 0; i < json_object_array_length(requests); i++) {
		e = json_object_array_get_idx(requests, i);
		printf("%6d %9s %7d %7d %14.1f %16.1f\n", json_object_get_int(json_object_object_get(e, "server_bits")),
		       json_object_get_string(json_object_object_get(e, "chunk")),
		       json_object_get_int(json_object_object_get(e, "request_bytes")),
		       json_object_get_int(json_object_object_get(e, "blocks")), RB_US(e, "wire_open"),
		       RB_US(e, "wire_open_and_parse"));
	}
#undef RB_US
}

static void rb_usage(FILE *f)
{
	fprintf(f, "usage: rsa-bench [-n ITERATIONS] [--keygens N] [--text BYTES] [--bits B]... [--json | --flat]\n"
	           "  -n N         timed calls per operation (default 200)\n"
	           "  --keygens N  keys generated per size for the key generation time (default 5)\n"
	           "  --text B     message text bytes in the typical request (default 100)\n"
	           "  --bits B     a modulus size (repeatable; default 1024 and 2048)\n");
}

static int rb_parse_options(int argc, char **argv, struct rb_options *o)
{
	static const struct option longopts[] = {
		{"keygens", required_argument, NULL, 'K'},
		{"text", required_argument, NULL, 'T'},
		{"bits", required_argument, NULL, 'B'},
		{"json", no_argument, NULL, 'J'},
		{"flat", no_argument, NULL, 'F'},
		{"help", no_argument, NULL, 'h'},
		{NULL, 0, NULL, 0},
	};
	int c, rc = RC_OK;

	memset(o, 0, sizeof(*o));
	o->iterations = 200;
	o->keygens = 5;
	o->text_bytes = 100;
	while (rc == RC_OK && (c = getopt_long(argc, argv, "n:", longopts, NULL)) != -1) {
		switch (c) {
		case 'n': rc = bench_parse_unsigned(optarg, 1, 10000000, &o->iterations); break;
		case 'K': rc = bench_parse_unsigned(optarg, 1, 10000, &o->keygens); break;
		case 'T': rc = bench_parse_unsigned(optarg, 1, 100000, &o->text_bytes); break;
		case 'B':
			if (o->nbits == sizeof(o->bits) / sizeof(o->bits[0]))
				rc = RC_ERR_TOO_LARGE;
			else
				rc = bench_parse_unsigned(optarg, PROTO_MIN_MODULUS_BITS, 8192, &o->bits[o->nbits++]);
			break;
		case 'J': o->json = 1; break;
		case 'F': o->flat = 1; break;
		case 'h': rb_usage(stdout); exit(0);
		default: rc = RC_ERR_INVAL; break;
		}
	}
	if (rc == RC_OK && optind < argc)
		rc = RC_ERR_INVAL;
	if (o->nbits == 0) {
		o->bits[o->nbits++] = 1024;
		o->bits[o->nbits++] = 2048;
	}
	return rc;
}

int main(int argc, char **argv)
{
	struct rb_options o;
	struct json_object *report, *keys, *requests;
	unsigned i;
	int rc;

	if (rb_parse_options(argc, argv, &o) != RC_OK) {
		rb_usage(stderr);
		return 2;
	}
	if ((rc = secure_init()) != RC_OK) {
		fprintf(stderr, "rsa-bench: initialisation failed: %s\n", rc_strerror(rc));
		return 1;
	}
	report = json_object_new_object();
	keys = json_object_new_array();
	requests = json_object_new_array();
	json_object_object_add(report, "iterations", json_object_new_int64(o.iterations));
	json_object_object_add(report, "keys", keys);
	json_object_object_add(report, "requests", requests);
	for (i = 0; i < o.nbits && rc == RC_OK; i++)
		rc = rb_bench_bits(&o, o.bits[i], keys);
	if (rc == RC_OK)
		rc = rb_bench_requests(&o, requests);
	if (rc != RC_OK)
		fprintf(stderr, "rsa-bench: %s\n", rc_strerror(rc));
	else if (o.json || o.flat)
		bench_print_report(stdout, report, o.flat);
	else
		rb_print_text(report);
	json_object_put(report);
	return rc == RC_OK ? 0 : 1;
}
