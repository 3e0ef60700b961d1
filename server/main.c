/* rsa-chat-server: the rsa-chat server (wire protocol version 1).
 *
 * Design. One thread runs a poll() event loop (event_loop.c) that owns every
 * socket: the listener (non-blocking, SO_REUSEADDR, backlog 511, accepting
 * until EAGAIN), a signalfd for SIGINT/SIGTERM, a wakeup eventfd, and the
 * client connections, in one table indexed by fd; every round polls
 * everything (what that costs beside thousands of idle connections is in
 * tests/bench/results.md). Each connection (conn.c) is a state machine fed
 * by the common incremental frame reader, with an output buffer written as the
 * socket allows (write interest only while output waits) and closing only at
 * a safe point before the next poll(). A periodic sweep closes connections
 * past their handshake or idle deadlines.
 *
 * A complete request becomes a job for a small pool of worker threads
 * (worker_pool.c; default 2 x cores), each with its own PostgreSQL connection
 * (store.c, the only libpq user). A worker decrypts the blocks with the
 * server key (CRT), parses the JSON, runs the command (dispatch.c), and seals
 * the response for the client's key (request.c; a long answer, such as a
 * big history, is encrypted on every core); the finished job returns
 * through a completion queue and the loop's wakeup fd. The loop never waits
 * on RSA or the database. Each connection has at most one request in flight
 * and reads nothing meanwhile, so responses keep the order of requests.
 *
 * Fair under attack: jobs wait in one lane per client address and the lanes
 * take turns; one address gets at most half the workers, and at most all
 * workers but one wait on the database, so ping and goodbye (answered
 * without it) go on when it stalls. Connections are limited per address,
 * and a closed one counts until its work is gone (queued work is dropped,
 * running work stops at its next block). A request with more blocks than its
 * bytes can need is refused before any private-key operation, and one whose
 * chunks are not full-size as soon as a short one decrypts. Unsent responses
 * have a memory budget (address.c, request.c).
 *
 * The client's public key is its identity: until it is known to belong to a
 * login, each request looks it up (indexed); then the login is cached in the
 * connection, as is whether the client proved it holds the private key (the
 * opt-in key proof extension, dispatch.c). The server keeps no other state,
 * so several servers can share one database. main.c only reads the settings
 * and the key. */
#include "config.h"

#include <getopt.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "errors.h"
#include "keyfile.h"
#include "log.h"
#include "protocol.h"
#include "rsa.h"
#include "secure.h"
#include "server.h"
#include "server_config.h"

static void usage(FILE *out)
{
	fprintf(out,
	        "Usage: rsa-chat-server [OPTION]...\n"
	        "Serves rsa-chat clients (wire protocol version 1) from a PostgreSQL database.\n"
	        "\n"
	        "  -c, --config FILE        settings file of 'name = value' lines using the long\n"
	        "                           option names below (default: %s,\n"
	        "                           if it exists); options given here override it\n"
	        "      --listen ADDR        address to listen on (default %s)\n"
	        "      --port N             TCP port (default %s; 0 picks a free one)\n"
	        "      --key FILE           server private key (default: $RSA_CHAT_HOME/server.key,\n"
	        "                           else %s/server.key); make one with\n"
	        "                           'generate-keys -o FILE'\n"
	        "      --database CONNINFO  PostgreSQL connection string or URI (default:\n"
	        "                           $DATABASE_URL, else libpq's PG* variables)\n"
	        "      --workers N          worker threads, each with a database connection\n"
	        "                           (default: 2 x CPU cores)\n"
	        "      --response-chunk original|wide\n"
	        "                           RSA chunk size of responses: the original's\n"
	        "                           (len(n)-1)/2 bytes, or len(n)-1 (default: wide)\n"
	        "      --max-frame BYTES    longest bytes frame in a request (default %u)\n"
	        "      --max-blocks N       most blocks in a request (default %u)\n"
	        "      --max-request BYTES  largest request, all blocks together (default %u)\n"
	        "      --max-connections N  more are accepted and closed at once (default %u)\n"
	        "      --max-connections-per-address N\n"
	        "                           the same for one client address (default %u)\n"
	        "      --max-output BYTES   largest response; a larger one closes the\n"
	        "                           connection (default %u)\n"
	        "      --max-output-total BYTES\n"
	        "                           unsent responses together; a response over 64 KiB\n"
	        "                           that does not fit closes its connection (default %u)\n"
	        "      --handshake-timeout MS  time to complete the handshake (default %d)\n"
	        "      --idle-timeout MS    time allowed between requests and inside a frame\n"
	        "                           (default %d)\n"
	        "      --write-timeout MS   a client that takes none of its response for this\n"
	        "                           long is disconnected (default %d)\n"
	        "      --log-level LEVEL    error, warn, info or debug (default info)\n"
	        "      --require-key-proof  clients must prove they hold the private key of\n"
	        "                           the key they present before acting as a user\n"
	        "                           (key_challenge, key_proof); in the file:\n"
	        "                           require-key-proof = yes|no (default no)\n"
	        "      --registrations-per-hour N  new users one address may register in an\n"
	        "                           hour (default %u; 0: no limit)\n"
	        "      --allowed-keys FILE  closed registration: only the keys listed in FILE\n"
	        "                           (fingerprints SHA256:..., or 'E N' lines) may register\n"
	        "      --statement-timeout MS  longest database statement; past it the request\n"
	        "                           gets \"database unavailable\" (default %d; 0: none)\n"
	        "  -h, --help               show this help\n"
	        "  -V, --version            show the version\n"
	        "\n"
	        "The database schema comes from rsa-chat-migrate. Logs go to stderr.\n",
	        CONFIG_DEFAULT_PATH, CONFIG_DEFAULT_LISTEN, PROTO_DEFAULT_PORT, CONFIG_DEFAULT_KEY_DIR,
	        PROTO_DEFAULT_MAX_FRAME_BYTES, PROTO_DEFAULT_MAX_BLOCKS, PROTO_DEFAULT_MAX_REQUEST_BYTES,
	        CONFIG_DEFAULT_MAX_CONNECTIONS, CONFIG_DEFAULT_MAX_PER_ADDRESS, CONFIG_DEFAULT_MAX_OUTPUT_BYTES,
	        CONFIG_DEFAULT_MAX_OUTPUT_TOTAL_BYTES, CONFIG_DEFAULT_HANDSHAKE_TIMEOUT_MS, CONFIG_DEFAULT_IDLE_TIMEOUT_MS,
	        CONFIG_DEFAULT_WRITE_TIMEOUT_MS, CONFIG_DEFAULT_REGISTRATIONS_PER_HOUR, CONFIG_DEFAULT_STATEMENT_TIMEOUT_MS);
}

/* Every option but config, help and version is a setting of the same name;
 * a flag without a value sets it to "yes". */
static const struct option long_options[] = {
	{ "config", required_argument, NULL, 'c' },
	{ "help", no_argument, NULL, 'h' },
	{ "version", no_argument, NULL, 'V' },
	{ "listen", required_argument, NULL, 0 },
	{ "port", required_argument, NULL, 0 },
	{ "key", required_argument, NULL, 0 },
	{ "database", required_argument, NULL, 0 },
	{ "workers", required_argument, NULL, 0 },
	{ "response-chunk", required_argument, NULL, 0 },
	{ "max-frame", required_argument, NULL, 0 },
	{ "max-blocks", required_argument, NULL, 0 },
	{ "max-request", required_argument, NULL, 0 },
	{ "max-connections", required_argument, NULL, 0 },
	{ "max-connections-per-address", required_argument, NULL, 0 },
	{ "max-output", required_argument, NULL, 0 },
	{ "max-output-total", required_argument, NULL, 0 },
	{ "handshake-timeout", required_argument, NULL, 0 },
	{ "idle-timeout", required_argument, NULL, 0 },
	{ "write-timeout", required_argument, NULL, 0 },
	{ "log-level", required_argument, NULL, 0 },
	{ "require-key-proof", no_argument, NULL, 0 },
	{ "registrations-per-hour", required_argument, NULL, 0 },
	{ "allowed-keys", required_argument, NULL, 0 },
	{ "statement-timeout", required_argument, NULL, 0 },
	{ NULL, 0, NULL, 0 },
};

#define MAIN_MMAP_THRESHOLD_BYTES (1024 * 1024)

enum main_exit {
	MAIN_EXIT_OK = 0,
	MAIN_EXIT_FAILURE = 1,
	MAIN_EXIT_USAGE = 2,
};

/* First pass: help, version and the config file's name. */
static int main_scan(int argc, char **argv, const char **config_path, int *config_given)
{
	int opt, index;

	opterr = 1;
	optind = 1;
	while ((opt = getopt_long(argc, argv, "c:hV", long_options, &index)) != -1) {
		switch (opt) {
		case 'c':
			*config_path = optarg;
			*config_given = 1;
			break;
		case 'h':
			usage(stdout);
			exit(MAIN_EXIT_OK);
		case 'V':
			printf("rsa-chat-server (rsa-chat) %s\n", PACKAGE_VERSION);
			exit(MAIN_EXIT_OK);
		case 0:
			break;
		default:
			fprintf(stderr, "Try 'rsa-chat-server --help'.\n");
			return MAIN_EXIT_USAGE;
		}
	}
	if (optind < argc) {
		fprintf(stderr, "rsa-chat-server: unexpected argument '%s'\nTry 'rsa-chat-server --help'.\n",
		        argv[optind]);
		return MAIN_EXIT_USAGE;
	}
	return MAIN_EXIT_OK;
}

/* Second pass: options override the file. */
static int main_apply_options(int argc, char **argv, struct server_config *cfg)
{
	char err[256];
	int opt, index;

	opterr = 0;
	optind = 1;
	while ((opt = getopt_long(argc, argv, "c:hV", long_options, &index)) != -1) {
		if (opt != 0)
			continue;
		if (config_set(cfg, long_options[index].name, optarg ? optarg : "yes", err, sizeof err) != RC_OK) {
			fprintf(stderr, "rsa-chat-server: --%s\n", err);
			return MAIN_EXIT_USAGE;
		}
	}
	return MAIN_EXIT_OK;
}

static int main_load_key(const char *path, struct rsa_private *key)
{
	char err[256];
	int r = keyfile_load_private(path, key, err, sizeof err);

	if (r == RC_ERR_NOTFOUND) {
		fprintf(stderr,
		        "rsa-chat-server: the server key %s does not exist.\n"
		        "Create it with:  generate-keys -o %s\n"
		        "(or name another file with --key FILE)\n",
		        path, path);
	} else if (r != RC_OK) {
		fprintf(stderr, "rsa-chat-server: cannot load the server key %s: %s\n", path, err);
	}
	return r;
}

int main(int argc, char **argv)
{
	struct server_config cfg;
	struct rsa_private key;
	const char *config_path = CONFIG_DEFAULT_PATH;
	const char *conninfo;
	char err[512];
	int config_given = 0, status, r;

	/* Buffers of a MiB and more (long histories and their answers) come
	 * from mmap and go back to the system when freed: a fixed threshold
	 * stops glibc from raising it to the largest block freed so far and
	 * keeping such buffers in the heap afterwards. */
	mallopt(M_MMAP_THRESHOLD, MAIN_MMAP_THRESHOLD_BYTES);
	if (secure_init() != RC_OK) {
		fprintf(stderr, "rsa-chat-server: cannot initialise libsodium\n");
		return MAIN_EXIT_FAILURE;
	}
	rsa_private_init(&key);
	if (config_init(&cfg) != RC_OK) {
		fprintf(stderr, "rsa-chat-server: out of memory\n");
		return MAIN_EXIT_FAILURE;
	}
	if ((status = main_scan(argc, argv, &config_path, &config_given)) != MAIN_EXIT_OK)
		goto out;
	r = config_load_file(&cfg, config_path, err, sizeof err);
	if (r != RC_OK && (r != RC_ERR_NOTFOUND || config_given)) {
		fprintf(stderr, "rsa-chat-server: %s\n", err);
		status = MAIN_EXIT_USAGE;
		goto out;
	}
	if ((status = main_apply_options(argc, argv, &cfg)) != MAIN_EXIT_OK)
		goto out;
	log_set_level(cfg.log_level);
	status = MAIN_EXIT_FAILURE;
	if (main_load_key(cfg.key_path, &key) != RC_OK)
		goto out;
	conninfo = cfg.database ? cfg.database : getenv("DATABASE_URL");
	r = server_run(&cfg, &key, conninfo ? conninfo : "");
	if (r == RC_ERR_TIMEOUT) {
		/* Stopped, but a worker is stuck (in a database that does not
		 * answer) and still uses the key: leave without freeing anything. */
		fflush(stderr);
		_exit(MAIN_EXIT_OK);
	}
	if (r == RC_OK)
		status = MAIN_EXIT_OK;
out:
	rsa_private_clear(&key);
	config_free(&cfg);
	return status;
}
