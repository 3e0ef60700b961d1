/* Replays inputs through a fuzz target without libFuzzer, so make check (and
 * sanitizer builds) run every seed and regression: each argument is a file,
 * or a folder whose regular files are all replayed in name order. */
#include "config.h"

#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "fuzz_common.h"

/* Seeds and regressions are small; anything bigger is a mistake. */
#define REPLAY_MAX_BYTES (1024 * 1024)

/* Runs one file through the target from an exact-size heap copy, so reading
 * past the input is caught by ASan as it is under libFuzzer. */
static int replay_file(const char *path, size_t *count)
{
	FILE *f = fopen(path, "rb");
	uint8_t *data = NULL;
	struct stat st;
	size_t len;
	int ok = 0;

	if (f == NULL || fstat(fileno(f), &st) != 0) {
		perror(path);
		goto out;
	}
	if (st.st_size > REPLAY_MAX_BYTES) {
		fprintf(stderr, "%s: over %d bytes\n", path, REPLAY_MAX_BYTES);
		goto out;
	}
	len = (size_t)st.st_size;
	if ((data = malloc(len ? len : 1)) == NULL || fread(data, 1, len, f) != len) {
		fprintf(stderr, "%s: cannot read\n", path);
		goto out;
	}
	LLVMFuzzerTestOneInput(data, len);
	(*count)++;
	ok = 1;
out:
	free(data);
	if (f)
		fclose(f);
	return ok;
}

static int replay_dir(const char *dir, size_t *count)
{
	struct dirent **names = NULL;
	int n, i, ok = 1;

	if ((n = scandir(dir, &names, NULL, alphasort)) < 0) {
		perror(dir);
		return 0;
	}
	for (i = 0; i < n; i++) {
		char path[4096];
		struct stat st;

		if (names[i]->d_name[0] != '.' &&
		    snprintf(path, sizeof(path), "%s/%s", dir, names[i]->d_name) < (int)sizeof(path) &&
		    stat(path, &st) == 0 && S_ISREG(st.st_mode) && !replay_file(path, count))
			ok = 0;
		free(names[i]);
	}
	free(names);
	return ok;
}

int main(int argc, char **argv)
{
	size_t count = 0;
	struct stat st;
	int i, ok = 1;

	for (i = 1; i < argc; i++) {
		if (stat(argv[i], &st) != 0) {
			perror(argv[i]);
			ok = 0;
		} else if (S_ISDIR(st.st_mode)) {
			ok &= replay_dir(argv[i], &count);
		} else {
			ok &= replay_file(argv[i], &count);
		}
	}
	printf("%s: %zu inputs replayed\n", argv[0], count);
	return ok ? 0 : 1;
}
