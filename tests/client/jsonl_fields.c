/* Test helper: reads JSON Lines from a file and prints, per line, the named
 * members separated by tabs (strings as they are, null as "null", other
 * values as JSON). Exits 1 when a line is not a JSON object, so shell tests
 * can check --json output without python or jq. */
#include "config.h"

#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	long lineno = 0;
	FILE *f;

	if (argc < 3) {
		fprintf(stderr, "usage: jsonl_fields FILE MEMBER...\n");
		return 2;
	}
	if ((f = fopen(argv[1], "r")) == NULL) {
		perror(argv[1]);
		return 2;
	}
	while ((len = getline(&line, &cap, f)) > 0) {
		struct json_tokener *tok = json_tokener_new();
		struct json_object *o;

		lineno++;
		o = json_tokener_parse_ex(tok, line, (int)len);
		if (o == NULL || json_tokener_get_error(tok) != json_tokener_success ||
		    !json_object_is_type(o, json_type_object)) {
			fprintf(stderr, "line %ld is not a JSON object: %s", lineno, line);
			return 1;
		}
		for (int i = 2; i < argc; i++) {
			struct json_object *v = NULL;
			const char *s;
			if (!json_object_object_get_ex(o, argv[i], &v)) {
				fprintf(stderr, "line %ld has no member %s\n", lineno, argv[i]);
				return 1;
			}
			s = v == NULL ? "null"
			    : json_object_is_type(v, json_type_string) ? json_object_get_string(v)
			    : json_object_to_json_string_ext(v, JSON_C_TO_STRING_PLAIN);
			printf("%s%s", i > 2 ? "\t" : "", s);
		}
		putchar('\n');
		json_object_put(o);
		json_tokener_free(tok);
	}
	free(line);
	fclose(f);
	return 0;
}
