/* Key files (native and the original's config.py format), their
 * permissions, atomic writes, corrupted input, the default path, and
 * fingerprints. */
#include "config.h"

#include <stdarg.h>
#include <setjmp.h>
#include <stddef.h>
#include <dirent.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "atomic_file.h"
#include "bigint.h"
#include "errors.h"
#include "fingerprint.h"
#include "keyfile.h"
#include "secure.h"
#include "testutil.h"
#include "textfile.h"

static struct rsa_private key, other;
static struct json_object *vectors;
static char tmpdir[256];
static char err[512];

static int setup(void **state)
{
	const char *base = getenv("TMPDIR");

	(void)state;
	snprintf(tmpdir, sizeof(tmpdir), "%s/test-keyfile.XXXXXX", base && base[0] ? base : "/tmp");
	if (mkdtemp(tmpdir) == NULL)
		return -1;
	rsa_private_init(&key);
	rsa_private_init(&other);
	if (rsa_generate(&key, 1024, NULL, NULL) != RC_OK || rsa_generate(&other, 1024, NULL, NULL) != RC_OK)
		return -1;
	vectors = test_vectors_load();
	return 0;
}

static void remove_tree(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char path[512];

	if (d == NULL)
		return;
	while ((e = readdir(d)) != NULL) {
		struct stat st;

		if (strcmp(e->d_name, ".") == 0 || strcmp(e->d_name, "..") == 0)
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, e->d_name);
		if (lstat(path, &st) == 0 && S_ISDIR(st.st_mode))
			remove_tree(path);
		else
			unlink(path);
	}
	closedir(d);
	rmdir(dir);
}

static int teardown(void **state)
{
	(void)state;
	rsa_private_clear(&key);
	rsa_private_clear(&other);
	json_object_put(vectors);
	remove_tree(tmpdir);
	return 0;
}

static void tmp_path(char *out, size_t len, const char *name)
{
	snprintf(out, len, "%s/%s", tmpdir, name);
}

static void write_file(const char *path, const char *text, mode_t mode)
{
	int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, mode);

	assert_true(fd >= 0);
	assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
	assert_int_equal(fchmod(fd, mode), 0);
	close(fd);
}

static char *read_file(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf = calloc(1, KEYFILE_MAX_BYTES + 1);

	assert_non_null(f);
	assert_non_null(buf);
	assert_true(fread(buf, 1, KEYFILE_MAX_BYTES, f) > 0);
	fclose(f);
	return buf;
}

static unsigned file_mode(const char *path)
{
	struct stat st;

	assert_int_equal(stat(path, &st), 0);
	return (unsigned)(st.st_mode & 07777);
}

static void assert_same_private(const struct rsa_private *a, const struct rsa_private *b)
{
	assert_true(rsa_public_equal(&a->pub, &b->pub));
	assert_int_equal(mpz_cmp(a->d, b->d), 0);
	assert_true(a->has_crt && b->has_crt);
	assert_int_equal(mpz_cmp(a->p, b->p), 0);
	assert_int_equal(mpz_cmp(a->q, b->q), 0);
	assert_int_equal(mpz_cmp(a->dp, b->dp), 0);
	assert_int_equal(mpz_cmp(a->dq, b->dq), 0);
	assert_int_equal(mpz_cmp(a->qinv, b->qinv), 0);
}

/* Loads path as a private key and path_pub as a public key; both must be want. */
static void assert_loads_as(const char *path, const char *pub_path, const struct rsa_private *want)
{
	struct rsa_private k;
	struct rsa_public pub;

	rsa_private_init(&k);
	assert_int_equal(keyfile_load_private(path, &k, err, sizeof(err)), RC_OK);
	assert_same_private(&k, want);
	rsa_private_clear(&k);
	rsa_public_init(&pub);
	assert_int_equal(keyfile_load_public(pub_path, &pub, err, sizeof(err)), RC_OK);
	assert_true(rsa_public_equal(&pub, &want->pub));
	rsa_public_clear(&pub);
}

/* Number of entries in tmpdir whose name starts with prefix. */
static int count_entries(const char *prefix)
{
	DIR *d = opendir(tmpdir);
	struct dirent *e;
	int n = 0;

	assert_non_null(d);
	while ((e = readdir(d)) != NULL)
		if (strncmp(e->d_name, prefix, strlen(prefix)) == 0)
			n++;
	closedir(d);
	return n;
}

static void test_native_save_and_load(void **state)
{
	char path[512], pub_path[512];
	char *text;

	(void)state;
	tmp_path(path, sizeof(path), "native");
	tmp_path(pub_path, sizeof(pub_path), "native.pub");
	assert_int_equal(keyfile_save_pair(path, &key, KEYFILE_NATIVE, 0, err, sizeof(err)), RC_OK);
	assert_int_equal(file_mode(path), 0600);
	assert_int_equal(file_mode(pub_path), 0644);
	/* nothing but the two files is left behind */
	assert_int_equal(count_entries("native"), 2);
	text = read_file(path);
	assert_true(strncmp(text, "rsa-chat-private-key-v1\ne 65537\nn ", 34) == 0);
	free(text);
	text = read_file(pub_path);
	assert_true(strncmp(text, "rsa-chat-public-key-v1\ne 65537\nn ", 33) == 0);
	free(text);

	assert_loads_as(path, pub_path, &key);
	/* the public part of a private file */
	assert_loads_as(path, path, &key);

	/* no overwrite without force, and the old key stays */
	assert_int_equal(keyfile_save_pair(path, &other, KEYFILE_NATIVE, 0, err, sizeof(err)), RC_ERR_EXISTS);
	assert_non_null(strstr(err, path));
	assert_loads_as(path, pub_path, &key);
	/* with force it is replaced, modes kept */
	assert_int_equal(keyfile_save_pair(path, &other, KEYFILE_NATIVE, 1, err, sizeof(err)), RC_OK);
	assert_int_equal(file_mode(path), 0600);
	assert_int_equal(count_entries("native"), 2);
	assert_loads_as(path, pub_path, &other);
}

static void test_pub_exists_blocks_pair(void **state)
{
	char path[512], pub_path[512];

	(void)state;
	tmp_path(path, sizeof(path), "lonely");
	tmp_path(pub_path, sizeof(pub_path), "lonely.pub");
	write_file(pub_path, "x", 0644);
	assert_int_equal(keyfile_save_pair(path, &key, KEYFILE_NATIVE, 0, err, sizeof(err)), RC_ERR_EXISTS);
	assert_non_null(strstr(err, "lonely.pub"));
	/* nothing written */
	assert_int_not_equal(access(path, F_OK), 0);
}

static void test_permissions(void **state)
{
	char path[512];
	struct rsa_private k;
	struct rsa_public pub;
	char want[1200];

	(void)state;
	tmp_path(path, sizeof(path), "perm");
	assert_int_equal(keyfile_save_pair(path, &key, KEYFILE_NATIVE, 0, err, sizeof(err)), RC_OK);
	assert_int_equal(chmod(path, 0644), 0);
	rsa_private_init(&k);
	assert_int_equal(keyfile_load_private(path, &k, err, sizeof(err)), RC_ERR_PERM);
	snprintf(want, sizeof(want), "permissions 0644 for '%s' are too open; run: chmod 600 %s", path, path);
	assert_string_equal(err, want);
	assert_int_equal(chmod(path, 0640), 0);
	assert_int_equal(keyfile_load_private(path, &k, err, sizeof(err)), RC_ERR_PERM);
	assert_int_equal(chmod(path, 0604), 0);
	assert_int_equal(keyfile_load_private(path, &k, err, sizeof(err)), RC_ERR_PERM);
	/* public keys may be world-readable */
	rsa_public_init(&pub);
	assert_int_equal(keyfile_load_public(path, &pub, err, sizeof(err)), RC_OK);
	rsa_public_clear(&pub);
	assert_int_equal(chmod(path, 0400), 0);
	assert_int_equal(keyfile_load_private(path, &k, err, sizeof(err)), RC_OK);
	rsa_private_clear(&k);
	/* missing file */
	tmp_path(path, sizeof(path), "does-not-exist");
	rsa_private_init(&k);
	assert_int_equal(keyfile_load_private(path, &k, err, sizeof(err)), RC_ERR_NOTFOUND);
	assert_non_null(strstr(err, path));
	rsa_private_clear(&k);
}

static void test_original_format(void **state)
{
	char path[512], pub_path[512], *text, *e, *n, *d;
	char want[8192];

	(void)state;
	tmp_path(path, sizeof(path), "orig");
	tmp_path(pub_path, sizeof(pub_path), "orig.pub");
	assert_int_equal(keyfile_save_pair(path, &key, KEYFILE_ORIGINAL, 0, err, sizeof(err)), RC_OK);
	e = bigint_to_decimal(key.pub.e);
	n = bigint_to_decimal(key.pub.n);
	d = bigint_to_decimal(key.d);
	snprintf(want, sizeof(want), "PUBLIC_KEY = (%s, %s)\nPRIVATE_KEY = (%s, %s)\n", e, n, d, n);
	text = read_file(path);
	assert_string_equal(text, want);
	free(text);
	snprintf(want, sizeof(want), "PUBLIC_KEY = (%s, %s)\n", e, n);
	text = read_file(pub_path);
	assert_string_equal(text, want);
	free(text);
	/* loading recovers p and q */
	assert_loads_as(path, pub_path, &key);
	free(e);
	free(n);
	free(d);
}

/* A config.py of the original client holding the vectors' key 1. */
static void test_original_config_py(void **state)
{
	struct json_object *keys, *vk;
	struct rsa_private k, want_key;
	char text[8192];

	(void)state;
	assert_true(json_object_object_get_ex(vectors, "keys", &keys));
	vk = json_object_array_get_idx(keys, 1);
	snprintf(text, sizeof(text),
	         "# settings of the original client\n"
	         "SERVER_HOST = '127.0.0.1'\n"
	         "PUBLIC_KEY = (3, 35)  # replaced below, as in Python\n"
	         "SERVER_PORT = 9090\n"
	         "PUBLIC_KEY=(%s,%s)\n"
	         "   PRIVATE_KEY  =  ( %s ,  %s )   # keep secret\r\n"
	         "KEYSIZE = 1024\n",
	         json_object_get_string(json_object_object_get(vk, "e")), json_object_get_string(json_object_object_get(vk, "n")),
	         json_object_get_string(json_object_object_get(vk, "d")), json_object_get_string(json_object_object_get(vk, "n")));
	rsa_private_init(&k);
	rsa_private_init(&want_key);
	test_vector_key(vectors, 1, &want_key);
	assert_int_equal(keyfile_parse_private(text, strlen(text), &k, err, sizeof(err)), RC_OK);
	assert_same_private(&k, &want_key);
	rsa_private_clear(&k);
	rsa_private_clear(&want_key);
}

struct bad_key {
	const char *what;
	const char *text;   /* %E %N %D %P %Q %1 %2 %3 are replaced by the key's numbers */
	int rc;
	const char *err;    /* expected in the error text */
};

static const struct bad_key bad_keys[] = {
	{ "empty", "", RC_ERR_FORMAT, "not a key file" },
	{ "garbage", "hello world\n", RC_ERR_FORMAT, "not a key file" },
	{ "bad digit", "rsa-chat-private-key-v1\ne %E\nn %N\nd 12x4\np %P\nq %Q\ndp %1\ndq %2\nqinv %3\n", RC_ERR_FORMAT, "line 4: bad number for d" },
	{ "sign", "rsa-chat-private-key-v1\ne %E\nn -%N\nd %D\np %P\nq %Q\ndp %1\ndq %2\nqinv %3\n", RC_ERR_FORMAT, "line 3: bad number for n" },
	{ "no value", "rsa-chat-private-key-v1\ne %E\nn %N\nd\np %P\nq %Q\ndp %1\ndq %2\nqinv %3\n", RC_ERR_FORMAT, "bad number for d" },
	{ "missing q", "rsa-chat-private-key-v1\ne %E\nn %N\nd %D\np %P\ndp %1\ndq %2\nqinv %3\n", RC_ERR_FORMAT, "missing field 'q'" },
	{ "twice", "rsa-chat-private-key-v1\ne %E\ne %E\nn %N\nd %D\np %P\nq %Q\ndp %1\ndq %2\nqinv %3\n", RC_ERR_FORMAT, "line 3: field 'e' given twice" },
	{ "unknown", "rsa-chat-private-key-v1\ne %E\nn %N\nd %D\np %P\nq %Q\ndp %1\ndq %2\nqinv %3\nx 5\n", RC_ERR_FORMAT, "line 10: unknown field 'x'" },
	{ "n not pq", "rsa-chat-private-key-v1\ne %E\nn %N2\nd %D\np %P\nq %Q\ndp %1\ndq %2\nqinv %3\n", RC_ERR_KEY, "inconsistent key" },
	{ "p swapped", "rsa-chat-private-key-v1\ne %E\nn %N\nd %D\np %Q\nq %Q\ndp %1\ndq %2\nqinv %3\n", RC_ERR_KEY, "inconsistent key" },
	{ "d wrong", "rsa-chat-private-key-v1\ne %E\nn %N\nd %D2\np %P\nq %Q\ndp %1\ndq %2\nqinv %3\n", RC_ERR_KEY, "inconsistent key" },
	{ "dp wrong", "rsa-chat-private-key-v1\ne %E\nn %N\nd %D\np %P\nq %Q\ndp %12\ndq %2\nqinv %3\n", RC_ERR_KEY, "dp, dq or qinv" },
	{ "public file", "rsa-chat-public-key-v1\ne %E\nn %N\n", RC_ERR_FORMAT, "public key file" },
	{ "tiny key", "rsa-chat-private-key-v1\ne 3\nn 55\nd 27\np 11\nq 5\ndp 7\ndq 3\nqinv 9\n", RC_ERR_KEY, "unusable key" },
	{ "huge number", "rsa-chat-private-key-v1\ne %E\nn %BIG\n", RC_ERR_FORMAT, "line 3: bad number for n" },
	{ "only public line", "PUBLIC_KEY = (%E, %N)\n", RC_ERR_FORMAT, "not a key file" },
	{ "two moduli", "PUBLIC_KEY = (%E, %N)\nPRIVATE_KEY = (%D, %N2)\n", RC_ERR_KEY, "different moduli" },
	{ "original d wrong", "PUBLIC_KEY = (%E, %N)\nPRIVATE_KEY = (%D2, %N)\n", RC_ERR_KEY, "d does not match" },
	{ "original not numbers", "PUBLIC_KEY = (abc, %N)\nPRIVATE_KEY = (%D, %N)\n", RC_ERR_FORMAT, "line 1: PUBLIC_KEY must be (number, number)" },
	{ "original trailing", "PUBLIC_KEY = (%E, %N) + 1\nPRIVATE_KEY = (%D, %N)\n", RC_ERR_FORMAT, "unexpected text after PUBLIC_KEY" },
	{ "original unclosed", "PUBLIC_KEY = (%E, %N\nPRIVATE_KEY = (%D, %N)\n", RC_ERR_FORMAT, "PUBLIC_KEY must be" },
};

/* Expands the placeholders of a bad_key template with key's numbers. "%N2"
 * and "%D2" are n + 2 and d + 2; "%12" is dp + 2. */
static char *expand(const char *tpl)
{
	struct bytebuf out;
	uint8_t *data;
	size_t len, i;
	mpz_t t;

	bytebuf_init(&out, BYTEBUF_UNBOUNDED);
	mpz_init(t);
	for (i = 0; tpl[i]; i++) {
		char *num = NULL;

		if (tpl[i] != '%') {
			assert_int_equal(bytebuf_put_u8(&out, (uint8_t)tpl[i]), RC_OK);
			continue;
		}
		i++;
		if (strncmp(tpl + i, "BIG", 3) == 0) {
			for (int j = 0; j < 6000; j++)
				assert_int_equal(bytebuf_put_u8(&out, '7'), RC_OK);
			i += 2;
			continue;
		}
		switch (tpl[i]) {
		case 'E': mpz_set(t, key.pub.e); break;
		case 'N': mpz_set(t, key.pub.n); break;
		case 'D': mpz_set(t, key.d); break;
		case 'P': mpz_set(t, key.p); break;
		case 'Q': mpz_set(t, key.q); break;
		case '1': mpz_set(t, key.dp); break;
		case '2': mpz_set(t, key.dq); break;
		case '3': mpz_set(t, key.qinv); break;
		default: fail_msg("bad template %s", tpl);
		}
		if (tpl[i + 1] == '2') {
			mpz_add_ui(t, t, 2);
			i++;
		}
		num = bigint_to_decimal(t);
		assert_int_equal(bytebuf_append_str(&out, num), RC_OK);
		free(num);
	}
	mpz_clear(t);
	assert_int_equal(bytebuf_take(&out, &data, &len), RC_OK);
	return (char *)data;
}

static void test_corrupted_files(void **state)
{
	char path[512];
	size_t i;

	(void)state;
	tmp_path(path, sizeof(path), "bad");
	for (i = 0; i < sizeof(bad_keys) / sizeof(bad_keys[0]); i++) {
		char *text = expand(bad_keys[i].text);
		struct rsa_private k;

		print_message("bad key: %s\n", bad_keys[i].what);
		rsa_private_init(&k);
		err[0] = 0;
		assert_int_equal(keyfile_parse_private(text, strlen(text), &k, err, sizeof(err)), bad_keys[i].rc);
		if (strstr(err, bad_keys[i].err) == NULL)
			fail_msg("%s: error '%s' lacks '%s'", bad_keys[i].what, err, bad_keys[i].err);
		/* through a file: the same reason, prefixed with the path */
		unlink(path);
		write_file(path, text, 0600);
		assert_int_equal(keyfile_load_private(path, &k, err, sizeof(err)), bad_keys[i].rc);
		assert_true(strncmp(err, path, strlen(path)) == 0);
		assert_non_null(strstr(err, bad_keys[i].err));
		rsa_private_clear(&k);
		free(text);
	}
}

static void test_file_too_large(void **state)
{
	char path[512], *big;
	struct rsa_private k;

	(void)state;
	tmp_path(path, sizeof(path), "big");
	big = malloc(KEYFILE_MAX_BYTES + 2);
	assert_non_null(big);
	memset(big, '#', KEYFILE_MAX_BYTES + 1);
	big[KEYFILE_MAX_BYTES + 1] = 0;
	write_file(path, big, 0600);
	rsa_private_init(&k);
	assert_int_equal(keyfile_load_private(path, &k, err, sizeof(err)), RC_ERR_TOO_LARGE);
	assert_non_null(strstr(err, "larger than"));
	assert_int_equal(keyfile_parse_private(big, KEYFILE_MAX_BYTES + 1, &k, err, sizeof(err)), RC_ERR_TOO_LARGE);
	rsa_private_clear(&k);
	free(big);
	/* a directory is no key file */
	rsa_private_init(&k);
	assert_int_equal(keyfile_load_private(tmpdir, &k, err, sizeof(err)), RC_ERR_FORMAT);
	rsa_private_clear(&k);
}

/* common/textfile, which key files share with the client's state files: the
 * cap, an empty file, lines with and without a final newline, the checks. */
static void test_textfile(void **state)
{
	char path[512], *text;
	const char *line;
	size_t len, pos = 0, line_len;
	struct bytebuf buf;

	(void)state;
	tmp_path(path, sizeof(path), "lines");
	write_file(path, "one\r\n\ntwo", 0644);
	assert_int_equal(textfile_read(path, 9, &text, &len), RC_OK);
	assert_int_equal(len, 9);
	assert_true(textfile_next_line(text, len, &pos, &line, &line_len));
	assert_int_equal(line_len, 4); /* the '\r' is the caller's business */
	assert_true(textfile_next_line(text, len, &pos, &line, &line_len));
	assert_int_equal(line_len, 0);
	assert_true(textfile_next_line(text, len, &pos, &line, &line_len));
	assert_int_equal(line_len, 3);
	assert_memory_equal(line, "two", 3);
	assert_false(textfile_next_line(text, len, &pos, &line, &line_len));
	free(text);
	assert_int_equal(textfile_read(path, 8, &text, &len), RC_ERR_TOO_LARGE);
	assert_null(text);
	tmp_path(path, sizeof(path), "empty");
	write_file(path, "", 0644);
	assert_int_equal(textfile_read(path, 10, &text, &len), RC_OK);
	assert_string_equal(text, "");
	free(text);
	tmp_path(path, sizeof(path), "no-such-file");
	assert_int_equal(textfile_read(path, 10, &text, &len), RC_ERR_NOTFOUND);
	/* the checks, with errors naming the file */
	tmp_path(path, sizeof(path), "lines");
	bytebuf_init(&buf, 100);
	assert_int_equal(textfile_read_into(path, 100, TEXTFILE_OWNER_ONLY, &buf, err, sizeof(err)), RC_ERR_PERM);
	assert_non_null(strstr(err, "chmod 600"));
	assert_int_equal(textfile_read_into(path, 5, TEXTFILE_ANY, &buf, err, sizeof(err)), RC_ERR_TOO_LARGE);
	assert_non_null(strstr(err, path));
	assert_int_equal(textfile_read_into(tmpdir, 100, TEXTFILE_REGULAR, &buf, err, sizeof(err)), RC_ERR_FORMAT);
	assert_non_null(strstr(err, "not a regular file"));
	bytebuf_free(&buf);
}

static void test_write_atomic(void **state)
{
	char path[512], *text;

	(void)state;
	tmp_path(path, sizeof(path), "atomic");
	assert_int_equal(atomic_file_write(path, (const uint8_t *)"one\n", 4, 0640, 0, err, sizeof(err)), RC_OK);
	assert_int_equal(file_mode(path), 0640);
	assert_int_equal(atomic_file_write(path, (const uint8_t *)"two\n", 4, 0600, 0, err, sizeof(err)), RC_ERR_EXISTS);
	assert_non_null(strstr(err, "already exists"));
	text = read_file(path);
	assert_string_equal(text, "one\n");
	free(text);
	assert_int_equal(atomic_file_write(path, (const uint8_t *)"two\n", 4, 0600, 1, err, sizeof(err)), RC_OK);
	text = read_file(path);
	assert_string_equal(text, "two\n");
	free(text);
	assert_int_equal(file_mode(path), 0600);
	/* no temporary file is left, after success or refusal */
	assert_int_equal(count_entries("atomic"), 1);
	/* a folder that does not exist */
	tmp_path(path, sizeof(path), "no-such-dir/key");
	assert_int_equal(atomic_file_write(path, (const uint8_t *)"x", 1, 0600, 0, err, sizeof(err)), RC_ERR_IO);
	assert_non_null(strstr(err, "no-such-dir"));
}

static void test_default_path(void **state)
{
	char path[600], dir[600], want[600], home[512];
	const char *saved_home = getenv("HOME");
	char *saved = saved_home ? strdup(saved_home) : NULL;

	(void)state;
	tmp_path(home, sizeof(home), "chat-home");
	setenv("RSA_CHAT_HOME", home, 1);
	assert_int_equal(keyfile_default_path(path, sizeof(path), dir, sizeof(dir), 0), RC_OK);
	snprintf(want, sizeof(want), "%s/id_rsa_chat", home);
	assert_string_equal(path, want);
	assert_string_equal(dir, home);
	assert_int_not_equal(access(home, F_OK), 0);
	assert_int_equal(keyfile_default_path(path, sizeof(path), dir, sizeof(dir), 1), RC_OK);
	assert_int_equal(file_mode(home), 0700);
	/* too small a buffer is an error, not a truncated path */
	assert_int_equal(keyfile_default_path(path, 8, dir, sizeof(dir), 0), RC_ERR_TOO_LARGE);
	unsetenv("RSA_CHAT_HOME");
	setenv("HOME", tmpdir, 1);
	assert_int_equal(keyfile_default_path(path, sizeof(path), dir, sizeof(dir), 1), RC_OK);
	snprintf(want, sizeof(want), "%s/.rsa-chat/id_rsa_chat", tmpdir);
	assert_string_equal(path, want);
	snprintf(want, sizeof(want), "%s/.rsa-chat", tmpdir);
	assert_string_equal(dir, want);
	assert_int_equal(file_mode(want), 0700);
	if (saved)
		setenv("HOME", saved, 1);
	free(saved);
}

static void test_fingerprints(void **state)
{
	static const char *const expected[3] = {
		/* computed independently: base64(sha256(u32le(len e) e u32le(len n) n)) */
		"SHA256:xJN/13i4sBtSHwnm2saXBIIebyMGEstsS6H+Xt/ZFEA",
		"SHA256:mpaYvMgisXDSk1KZhME5LSWcrwcZuRZryWtb5f4rjSw",
		"SHA256:40UCfCuNg1XEE3Xn0oK4f/mhiRm2tqLI7J0av2Ke+4k",
	};
	char a[FINGERPRINT_MAX], b[FINGERPRINT_MAX], s[FINGERPRINT_MAX];
	size_t i;

	(void)state;
	for (i = 0; i < 3; i++) {
		struct rsa_private k;

		rsa_private_init(&k);
		test_vector_key(vectors, i, &k);
		assert_int_equal(fingerprint_public(&k.pub, a), RC_OK);
		assert_string_equal(a, expected[i]);
		rsa_private_clear(&k);
	}
	assert_int_equal(fingerprint_public(&key.pub, a), RC_OK);
	assert_int_equal(fingerprint_public(&key.pub, b), RC_OK);
	assert_string_equal(a, b);
	assert_int_equal(strlen(a), 7 + 43);
	assert_int_equal(fingerprint_public(&other.pub, b), RC_OK);
	assert_string_not_equal(a, b);
	assert_int_equal(fingerprint_public_short(&key.pub, s), RC_OK);
	assert_int_equal(strlen(s), 7 + FINGERPRINT_SHORT_CHARS);
	assert_true(strncmp(a, s, strlen(s)) == 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_native_save_and_load),
		cmocka_unit_test(test_pub_exists_blocks_pair),
		cmocka_unit_test(test_permissions),
		cmocka_unit_test(test_original_format),
		cmocka_unit_test(test_original_config_py),
		cmocka_unit_test(test_corrupted_files),
		cmocka_unit_test(test_file_too_large),
		cmocka_unit_test(test_textfile),
		cmocka_unit_test(test_write_atomic),
		cmocka_unit_test(test_default_path),
		cmocka_unit_test(test_fingerprints),
	};

	if (secure_init() != RC_OK)
		return 1;
	umask(022);
	return cmocka_run_group_tests(tests, setup, teardown);
}
