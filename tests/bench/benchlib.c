#include "config.h"

#include <errno.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "benchlib.h"
#include "errors.h"
#include "jsonx.h"
#include "protocol.h"

double bench_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

double bench_thread_cpu(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

int bench_samples_add(struct bench_samples *s, double x)
{
	double *v;
	size_t cap;

	if (s->n == s->cap) {
		cap = s->cap ? s->cap * 2 : 256;
		v = realloc(s->v, cap * sizeof(*v));
		if (v == NULL)
			return RC_ERR_NOMEM;
		s->v = v;
		s->cap = cap;
	}
	s->v[s->n++] = x;
	return RC_OK;
}

int bench_samples_merge(struct bench_samples *dst, const struct bench_samples *src)
{
	size_t i;
	int rc;

	for (i = 0; i < src->n; i++) {
		rc = bench_samples_add(dst, src->v[i]);
		if (rc != RC_OK)
			return rc;
	}
	return RC_OK;
}

void bench_samples_free(struct bench_samples *s)
{
	free(s->v);
	memset(s, 0, sizeof(*s));
}

static int bench_cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return (x > y) - (x < y);
}

/* Nearest rank: the smallest sample with at least p of the samples at or below it. */
static double bench_percentile(const struct bench_samples *sorted, double p)
{
	size_t rank = (size_t)(p * (double)sorted->n + 0.999999);

	if (rank == 0)
		rank = 1;
	if (rank > sorted->n)
		rank = sorted->n;
	return sorted->v[rank - 1];
}

void bench_summarise(struct bench_samples *s, struct bench_summary *out)
{
	double sum = 0;
	size_t i;

	memset(out, 0, sizeof(*out));
	if (s->n == 0)
		return;
	qsort(s->v, s->n, sizeof(*s->v), bench_cmp_double);
	for (i = 0; i < s->n; i++)
		sum += s->v[i];
	out->count = s->n;
	out->mean = sum / (double)s->n;
	out->p50 = bench_percentile(s, 0.50);
	out->p99 = bench_percentile(s, 0.99);
	out->max = s->v[s->n - 1];
}

int bench_make_text(size_t len, char **text)
{
	static const char prose[] =
		"Hi! Are we still meeting at the station tomorrow at nine? "
		"I will bring the maps and the tickets, you bring coffee. ";
	char *t;
	size_t i;

	*text = NULL;
	t = malloc(len + 1);
	if (t == NULL)
		return RC_ERR_NOMEM;
	for (i = 0; i < len; i++)
		t[i] = prose[i % (sizeof(prose) - 1)];
	t[len] = '\0';
	*text = t;
	return RC_OK;
}

/* Serialises req (which it releases) into a malloc'd string. */
static int bench_request_finish(struct json_object *req, char **json, size_t *len)
{
	const char *s;
	size_t n = 0;
	int rc = RC_ERR_NOMEM;

	*json = NULL;
	*len = 0;
	if (req == NULL)
		goto out;
	s = jsonx_to_string(req, &n);
	if (s == NULL)
		goto out;
	*json = strndup(s, n);
	if (*json == NULL)
		goto out;
	*len = n;
	rc = RC_OK;
out:
	json_object_put(req);
	return rc;
}

/* A request object {"cmd": cmd, field: value}, or NULL when out of memory. */
static struct json_object *bench_request_new(const char *cmd, const char *field, const char *value)
{
	struct json_object *req = json_object_new_object();

	if (req == NULL)
		return NULL;
	if (json_object_object_add(req, "cmd", json_object_new_string(cmd)) != 0 ||
	    json_object_object_add(req, field, json_object_new_string(value)) != 0) {
		json_object_put(req);
		return NULL;
	}
	return req;
}

int bench_request_register(const char *login, char **json, size_t *len)
{
	return bench_request_finish(bench_request_new(PROTO_CMD_REGISTER, "login", login), json, len);
}

int bench_request_get_messages(const char *with, char **json, size_t *len)
{
	return bench_request_finish(bench_request_new(PROTO_CMD_GET_MESSAGES, "user", with), json, len);
}

int bench_request_send_message(const char *to, const char *content, int self_copy, char **json, size_t *len)
{
	struct json_object *req = bench_request_new(PROTO_CMD_SEND_MESSAGE, "user", to);

	if (req != NULL &&
	    (json_object_object_add(req, "content", json_object_new_string(content)) != 0 ||
	     json_object_object_add(req, "self_copy", json_object_new_boolean(self_copy)) != 0)) {
		json_object_put(req);
		req = NULL;
	}
	return bench_request_finish(req, json, len);
}

int bench_parse_unsigned(const char *s, unsigned min, unsigned max, unsigned *out)
{
	unsigned long v;
	char *end;

	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno != 0 || end == s || *end != '\0' || s[0] == '-' || v < min || v > max)
		return RC_ERR_INVAL;
	*out = (unsigned)v;
	return RC_OK;
}

static void bench_print_flat(FILE *f, struct json_object *v, const char *path)
{
	char sub[256];

	if (json_object_is_type(v, json_type_object)) {
		json_object_object_foreach(v, key, member) {
			snprintf(sub, sizeof(sub), "%s%s%s", path, path[0] ? "." : "", key);
			bench_print_flat(f, member, sub);
		}
	} else if (json_object_is_type(v, json_type_array)) {
		size_t i, n = json_object_array_length(v);

		for (i = 0; i < n; i++) {
			snprintf(sub, sizeof(sub), "%s%s%zu", path, path[0] ? "." : "", i);
			bench_print_flat(f, json_object_array_get_idx(v, i), sub);
		}
	} else {
		fprintf(f, "%s=%s\n", path, v ? json_object_get_string(v) : "");
	}
}

void bench_print_report(FILE *f, struct json_object *report, int flat)
{
	if (flat)
		bench_print_flat(f, report, "");
	else
		fprintf(f, "%s\n",
		        json_object_to_json_string_ext(report, JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_NOSLASHESCAPE));
	fflush(f);
}
