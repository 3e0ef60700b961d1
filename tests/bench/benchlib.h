/* What the benchmark programs share: a monotonic clock, latency samples and
 * their summary, the text of a typical chat message and the JSON of the
 * requests a chat client sends. Nothing here talks to a server. */
#ifndef RC_BENCHLIB_H
#define RC_BENCHLIB_H

#include <json-c/json.h>
#include <stddef.h>
#include <stdio.h>

/* Seconds on the monotonic clock. */
double bench_now(void);
/* CPU seconds used by the calling thread: unlike wall time, it does not
 * count the time other processes had the CPU, so it compares with the CPU
 * time a server reports even on a busy machine. */
double bench_thread_cpu(void);

/* A growable array of measurements (seconds or microseconds: the caller's choice). */
struct bench_samples {
	double *v;
	size_t n;
	size_t cap;
};

int bench_samples_add(struct bench_samples *s, double x);
/* Appends every sample of src to dst. */
int bench_samples_merge(struct bench_samples *dst, const struct bench_samples *src);
void bench_samples_free(struct bench_samples *s);

struct bench_summary {
	size_t count;
	double mean;
	double p50;   /* nearest-rank percentiles */
	double p99;
	double max;
};

/* Summarises s (sorting it in place); all zero for no samples. */
void bench_summarise(struct bench_samples *s, struct bench_summary *out);

/* len bytes of printable ASCII prose (no NUL, never a leading space), the
 * same for every call: a stand-in for what people type. *text is malloc'd and
 * NUL-terminated. */
int bench_make_text(size_t len, char **text);

/* The JSON text (malloc'd, NUL-terminated) of the requests a chat client sends. */
int bench_request_register(const char *login, char **json, size_t *len);
int bench_request_send_message(const char *to, const char *content, int self_copy, char **json, size_t *len);
int bench_request_get_messages(const char *with, char **json, size_t *len);

/* Parses a decimal option value in [min, max]; RC_ERR_INVAL otherwise. */
int bench_parse_unsigned(const char *s, unsigned min, unsigned max, unsigned *out);

/* Prints a report: pretty JSON, or with flat set one "a.b.c=value" line per
 * leaf (for shell scripts: grep and cut, no JSON parser needed). */
void bench_print_report(FILE *f, struct json_object *report, int flat);

#endif
