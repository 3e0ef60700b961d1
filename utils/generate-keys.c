/* generate-keys: makes an RSA key pair for rsa-chat (FILE, mode 0600, and
 * FILE.pub), in our native format or the original's config.py format. */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "errors.h"
#include "fingerprint.h"
#include "keyfile.h"
#include "protocol.h"
#include "rsa.h"
#include "secure.h"

#define PROG "generate-keys"
#define EXIT_USAGE 2
/* Keys above this size take long enough to deserve progress dots. */
#define GENKEYS_PROGRESS_MIN_BITS 2048u
#define GENKEYS_PATH_MAX 4096

struct genkeys_options {
	unsigned bits;
	const char *output;
	enum keyfile_format format;
	int force;
	int quiet;
};

static void genkeys_usage(FILE *f)
{
	fprintf(f,
	        "Usage: " PROG " [--bits N] [-o FILE] [--format native|original] [--force] [--quiet]\n"
	        "Makes an RSA key pair for rsa-chat: FILE (private, mode 0600) and FILE.pub.\n"
	        "\n"
	        "  -b, --bits N        modulus size in bits, even, %u..%u (default %u)\n"
	        "  -o, --output FILE   private key file (default $RSA_CHAT_HOME/id_rsa_chat,\n"
	        "                      else ~/.rsa-chat/id_rsa_chat)\n"
	        "      --format F      native (default) or original (the original client's\n"
	        "                      PUBLIC_KEY/PRIVATE_KEY lines)\n"
	        "  -f, --force         overwrite existing key files\n"
	        "  -q, --quiet         print nothing but errors\n"
	        "  -h, --help          show this help\n"
	        "  -V, --version       show the version\n",
	        PROTO_MIN_MODULUS_BITS, PROTO_MAX_MODULUS_BITS, RSA_DEFAULT_BITS);
}

__attribute__((format(printf, 1, 2)))
static int genkeys_usage_error(const char *fmt, ...)
{
	va_list ap;

	fputs(PROG ": ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputs("\nTry '" PROG " --help' for more information.\n", stderr);
	return EXIT_USAGE;
}

static int genkeys_parse_bits(const char *s, unsigned *bits)
{
	char *end;
	unsigned long v;

	if (s[0] < '0' || s[0] > '9')
		return -1;
	errno = 0;
	v = strtoul(s, &end, 10);
	if (errno != 0 || *end != 0 || v < PROTO_MIN_MODULUS_BITS || v > PROTO_MAX_MODULUS_BITS || v % 2 != 0)
		return -1;
	*bits = (unsigned)v;
	return 0;
}

/* Fills o from argv; returns -1 to go on, else the exit status. */
static int genkeys_parse_args(int argc, char **argv, struct genkeys_options *o)
{
	enum { OPT_FORMAT = 256 };
	static const struct option longopts[] = {
		{ "bits", required_argument, NULL, 'b' },
		{ "output", required_argument, NULL, 'o' },
		{ "format", required_argument, NULL, OPT_FORMAT },
		{ "force", no_argument, NULL, 'f' },
		{ "quiet", no_argument, NULL, 'q' },
		{ "help", no_argument, NULL, 'h' },
		{ "version", no_argument, NULL, 'V' },
		{ NULL, 0, NULL, 0 },
	};
	int c;

	o->bits = RSA_DEFAULT_BITS;
	o->output = NULL;
	o->format = KEYFILE_NATIVE;
	o->force = 0;
	o->quiet = 0;
	opterr = 0;
	while ((c = getopt_long(argc, argv, ":b:o:fqhV", longopts, NULL)) != -1) {
		switch (c) {
		case 'b':
			if (genkeys_parse_bits(optarg, &o->bits) != 0)
				return genkeys_usage_error("invalid --bits '%s': need an even number from %u to %u", optarg,
				                           PROTO_MIN_MODULUS_BITS, PROTO_MAX_MODULUS_BITS);
			break;
		case 'o':
			if (optarg[0] == 0)
				return genkeys_usage_error("-o needs a file name");
			o->output = optarg;
			break;
		case OPT_FORMAT:
			if (strcmp(optarg, "native") == 0)
				o->format = KEYFILE_NATIVE;
			else if (strcmp(optarg, "original") == 0)
				o->format = KEYFILE_ORIGINAL;
			else
				return genkeys_usage_error("invalid --format '%s': use native or original", optarg);
			break;
		case 'f':
			o->force = 1;
			break;
		case 'q':
			o->quiet = 1;
			break;
		case 'h':
			genkeys_usage(stdout);
			return EXIT_SUCCESS;
		case 'V':
			printf(PROG " (rsa-chat) %s\n", PACKAGE_VERSION);
			return EXIT_SUCCESS;
		case ':':
			return genkeys_usage_error("option '%s' needs an argument", argv[optind - 1]);
		default:
			if (optopt != 0)
				return genkeys_usage_error("unknown option '-%c'", optopt);
			return genkeys_usage_error("unknown option '%s'", argv[optind - 1]);
		}
	}
	if (optind < argc)
		return genkeys_usage_error("unexpected argument '%s'", argv[optind]);
	return -1;
}

static void genkeys_progress(void *arg, int stage)
{
	(void)arg;
	(void)stage;
	fputc('.', stderr);
	fflush(stderr);
}

/* Prints the two lines the original client's config.py expects. */
static int genkeys_print_original(const struct rsa_private *k)
{
	struct bytebuf text;
	int rc;

	bytebuf_init_secret(&text, BYTEBUF_UNBOUNDED);
	if ((rc = keyfile_format_private(k, KEYFILE_ORIGINAL, &text)) == RC_OK) {
		printf("Lines for the original client's config.py:\n");
		fwrite(text.data, 1, text.len, stdout);
	}
	bytebuf_free(&text);
	return rc;
}

static int genkeys_run(const struct genkeys_options *o)
{
	char path[GENKEYS_PATH_MAX], dir[GENKEYS_PATH_MAX], err[512], fp[FINGERPRINT_MAX];
	struct rsa_private k;
	int rc, status = EXIT_FAILURE, show_progress = !o->quiet && o->bits > GENKEYS_PROGRESS_MIN_BITS;

	rsa_private_init(&k);
	if (o->output) {
		if (snprintf(path, sizeof(path), "%s", o->output) >= (int)sizeof(path)) {
			fprintf(stderr, PROG ": output path too long\n");
			goto out;
		}
	} else if ((rc = keyfile_default_path(path, sizeof(path), dir, sizeof(dir), 1)) != RC_OK) {
		fprintf(stderr, PROG ": cannot set up the key folder%s%s: %s\n", dir[0] ? " " : "", dir,
		        rc == RC_ERR_IO ? strerror(errno) : rc_strerror(rc));
		goto out;
	}
	/* Fail before the slow part when the files are there. */
	if (!o->force) {
		char pub[GENKEYS_PATH_MAX + 8];

		snprintf(pub, sizeof(pub), "%s.pub", path);
		if (access(path, F_OK) == 0 || access(pub, F_OK) == 0) {
			fprintf(stderr, PROG ": %s already exists; use --force to overwrite it\n",
			        access(path, F_OK) == 0 ? path : pub);
			goto out;
		}
	}
	if (show_progress)
		fprintf(stderr, "Generating a %u-bit key", o->bits);
	rc = rsa_generate(&k, o->bits, show_progress ? genkeys_progress : NULL, NULL);
	if (show_progress)
		fputc('\n', stderr);
	if (rc != RC_OK) {
		fprintf(stderr, PROG ": key generation failed: %s\n", rc_strerror(rc));
		goto out;
	}
	if ((rc = keyfile_save_pair(path, &k, o->format, o->force, err, sizeof(err))) != RC_OK) {
		fprintf(stderr, PROG ": %s%s\n", err[0] ? err : rc_strerror(rc),
		        rc == RC_ERR_EXISTS ? "; use --force to overwrite it" : "");
		goto out;
	}
	if ((rc = fingerprint_public(&k.pub, fp)) != RC_OK) {
		fprintf(stderr, PROG ": %s\n", rc_strerror(rc));
		goto out;
	}
	if (!o->quiet) {
		printf("Private key: %s\nPublic key:  %s.pub\nFingerprint: %s\n", path, path, fp);
		if (o->format == KEYFILE_ORIGINAL && genkeys_print_original(&k) != RC_OK)
			goto out;
	}
	status = fflush(stdout) == 0 ? EXIT_SUCCESS : EXIT_FAILURE;
out:
	rsa_private_clear(&k);
	return status;
}

int main(int argc, char **argv)
{
	struct genkeys_options o;
	int status;

	if (secure_init() != RC_OK) {
		fprintf(stderr, PROG ": cannot initialise libsodium\n");
		return EXIT_FAILURE;
	}
	if ((status = genkeys_parse_args(argc, argv, &o)) >= 0)
		return status;
	return genkeys_run(&o);
}
