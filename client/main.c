/* rsa-chat: options, then the TUI (no subcommand) or the scriptable mode. */
#include "config.h"

#include <getopt.h>
#include <locale.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"
#include "config_file.h"
#include "errors.h"
#include "keyfile.h"
#include "options.h"
#include "paths.h"
#include "protocol.h"
#include "secure.h"
#include "ui.h"

enum {
	OPT_HOST = 256, OPT_PORT, OPT_KEY, OPT_LOGIN, OPT_KNOWN, OPT_ACCEPT, OPT_POLL, OPT_NO_BELL, OPT_NOTIFY,
	OPT_JSON, OPT_NO_SELF_COPY, OPT_MSG_ID, OPT_COUNT, OPT_HELP, OPT_VERSION, OPT_CONFIG, OPT_PROFILE,
	OPT_LIST_PROFILES,
};

static void main_usage(FILE *out)
{
	fputs("Usage: rsa-chat [OPTIONS] [COMMAND [ARGS]]\n"
	      "Without a command: the interactive terminal client.\n"
	      "\n"
	      "Options:\n"
	      "  --host H                  server host (default " PROTO_DEFAULT_HOST ")\n"
	      "  --port P                  server port (default " PROTO_DEFAULT_PORT ")\n"
	      "  --key FILE                private key (default $RSA_CHAT_HOME or ~/.rsa-chat, id_rsa_chat)\n"
	      "  --login NAME              register under NAME when the key is not registered yet\n"
	      "  --known-servers FILE      pinned server keys (default DATA/known_servers)\n"
	      "  --accept-new-server-key   replace a pinned server key that changed\n"
	      "  --poll-interval SEC       how often to look for new messages (default 2)\n"
	      "  --no-bell                 no terminal bell on new messages\n"
	      "  --notify-cmd CMD          run CMD (via /bin/sh -c) on a new message; the sender is in $RC_FROM\n"
	      "  --json                    machine-readable output: one JSON object per line\n"
	      "  --config FILE             settings file (default CONFIG/config; see rsa-chat(1))\n"
	      "  --profile NAME            use the settings of [profile NAME] in the settings file\n"
	      "  --list-profiles           list the settings file's profiles and exit\n"
	      "  -h, --help, -V, --version\n"
	      "\n"
	      "Commands:\n"
	      "  register LOGIN            register our key under LOGIN\n"
	      "  users                     list the other users and their key fingerprints\n"
	      "  send USER TEXT            send TEXT (\"-\": read it from stdin) to USER, with a copy\n"
	      "                            for ourselves unless --no-self-copy; --msg-id ID names it,\n"
	      "                            so a retry with the same ID is stored once\n"
	      "  history USER              the conversation with USER, decrypted\n"
	      "  unread                    per contact, messages since the last look\n"
	      "  tail [--count N]          print new messages as they arrive (N: stop after N)\n"
	      "  fingerprint               our key's fingerprint (no network)\n"
	      "  safety USER               our and USER's key fingerprints and the safety number to\n"
	      "                            compare with USER (pins USER's key when first seen)\n"
	      "  verify USER               mark USER verified (after comparing the safety number)\n"
	      "  accept-key USER           pin the key the server now gives for USER after a change\n"
	      "\n"
	      "DATA is $XDG_DATA_HOME/rsa-chat or ~/.local/share/rsa-chat (known servers, contacts'\n"
	      "pinned keys, read state).\n"
	      "CONFIG is $XDG_CONFIG_HOME/rsa-chat or ~/.config/rsa-chat; options given here override\n"
	      "the settings file's.\n"
	      "Messages are at most 8192 bytes of UTF-8 without NUL.\n"
	      "Exit status: 0 ok, 1 other error, 2 usage, 3 server error, 4 network or protocol\n"
	      "error, 5 server key changed, 6 a contact's key changed (nothing was sent).\n",
	      out);
}

/* Fills the paths that were given neither on the command line nor in the settings file. */
static int main_fill_defaults(struct client_options *o)
{
	char dir[PATHS_MAX], keydir[PATHS_MAX];
	int r;

	if (o->key_path[0] == '\0' && (r = keyfile_default_path(o->key_path, sizeof(o->key_path), keydir, sizeof(keydir), 0)) != RC_OK) {
		fprintf(stderr, "rsa-chat: cannot find the default key path (is HOME set?): %s\n", rc_strerror(r));
		return r;
	}
	if ((r = paths_data_dir(dir, sizeof(dir), 1)) != RC_OK) {
		fprintf(stderr, "rsa-chat: cannot create the data folder (is HOME set?): %s\n", rc_strerror(r));
		return r;
	}
	if (o->known_servers[0] == '\0' && (r = paths_join(o->known_servers, sizeof(o->known_servers), dir, "known_servers")) != RC_OK)
		return r;
	if ((r = paths_join(o->seen_path, sizeof(o->seen_path), dir, "seen")) != RC_OK)
		return r;
	if ((r = paths_join(o->contacts_path, sizeof(o->contacts_path), dir, "contacts")) != RC_OK)
		return r;
	if ((size_t)snprintf(o->server_name, sizeof(o->server_name), "%s:%s", o->host, o->port) >= sizeof(o->server_name))
		return RC_ERR_TOO_LARGE;
	return RC_OK;
}

static int main_copy_path(char *dst, size_t dstlen, const char *src)
{
	if (strlen(src) >= dstlen) {
		fprintf(stderr, "rsa-chat: path too long: %s\n", src);
		return 0;
	}
	strcpy(dst, src);
	return 1;
}

static int main_parse_positive(const char *s, double max, double *out)
{
	char *end;
	double v = strtod(s, &end);

	if (end == s || *end != '\0' || !(v > 0) || v > max)
		return 0;
	*out = v;
	return 1;
}

/* The settings file options, seen before the others so that those override
 * the file: --config, --profile, --list-profiles; *early is set by -h and
 * -V, which need no settings. */
struct main_settings {
	const char *config_path;  /* NULL: the default file */
	const char *profile;
	int list_profiles;
	int early;
};

static void main_scan_settings(int argc, char **argv, const struct option *longopts, struct main_settings *s)
{
	int c;

	memset(s, 0, sizeof(*s));
	opterr = 0;
	while ((c = getopt_long(argc, argv, "hV", longopts, NULL)) != -1) {
		switch (c) {
		case OPT_CONFIG: s->config_path = optarg; break;
		case OPT_PROFILE: s->profile = optarg; break;
		case OPT_LIST_PROFILES: s->list_profiles = 1; break;
		case 'h': case 'V': case OPT_HELP: case OPT_VERSION: s->early = 1; break;
		default: break;
		}
	}
	/* GNU getopt starts afresh (argv permuted back into shape) from optind 0. */
	optind = 0;
}

/* Applies the settings file under the command line; *done is set when the
 * program ends here with the status returned (an error, or --list-profiles). */
static int main_apply_settings(const struct main_settings *s, struct config_file *cf, struct client_options *o,
                               int *done)
{
	struct client_options defaults = *o;
	char err[1024];
	size_t listed;

	if (config_file_load(cf, s->config_path, err, sizeof(err)) != RC_OK ||
	    config_file_apply(cf, s->profile, o, err, sizeof(err)) != RC_OK) {
		fprintf(stderr, "rsa-chat: %s\n", err);
		*done = 1;
		return CLIENT_EXIT_USAGE;
	}
	*done = s->list_profiles;
	if (!s->list_profiles)
		return CLIENT_EXIT_OK;
	if (config_file_list_profiles(cf, &defaults, stdout, &listed) != RC_OK)
		return CLIENT_EXIT_OTHER;
	if (listed == 0)
		fprintf(stderr, "rsa-chat: no profiles: %s has none\n", cf->path);
	return CLIENT_EXIT_OK;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{ "host", required_argument, NULL, OPT_HOST },
		{ "port", required_argument, NULL, OPT_PORT },
		{ "key", required_argument, NULL, OPT_KEY },
		{ "login", required_argument, NULL, OPT_LOGIN },
		{ "known-servers", required_argument, NULL, OPT_KNOWN },
		{ "accept-new-server-key", no_argument, NULL, OPT_ACCEPT },
		{ "poll-interval", required_argument, NULL, OPT_POLL },
		{ "no-bell", no_argument, NULL, OPT_NO_BELL },
		{ "notify-cmd", required_argument, NULL, OPT_NOTIFY },
		{ "json", no_argument, NULL, OPT_JSON },
		{ "no-self-copy", no_argument, NULL, OPT_NO_SELF_COPY },
		{ "msg-id", required_argument, NULL, OPT_MSG_ID },
		{ "count", required_argument, NULL, OPT_COUNT },
		{ "config", required_argument, NULL, OPT_CONFIG },
		{ "profile", required_argument, NULL, OPT_PROFILE },
		{ "list-profiles", no_argument, NULL, OPT_LIST_PROFILES },
		{ "help", no_argument, NULL, OPT_HELP },
		{ "version", no_argument, NULL, OPT_VERSION },
		{ NULL, 0, NULL, 0 },
	};
	struct client_options o;
	struct main_settings settings;
	struct config_file cf;
	int c, status = CLIENT_EXIT_OK, done = 0;
	double v;

	setlocale(LC_ALL, "");
	memset(&o, 0, sizeof(o));
	o.host = PROTO_DEFAULT_HOST;
	o.port = PROTO_DEFAULT_PORT;
	o.bell = 1;
	o.self_copy = 1;
	o.poll_interval_ms = OPTIONS_DEFAULT_POLL_MS;
	memset(&cf, 0, sizeof(cf));
	main_scan_settings(argc, argv, longopts, &settings);
	if (!settings.early && (status = main_apply_settings(&settings, &cf, &o, &done), done))
		goto out;
	while ((c = getopt_long(argc, argv, "hV", longopts, NULL)) != -1) {
		switch (c) {
		case OPT_HOST: o.host = optarg; break;
		case OPT_PORT: o.port = optarg; break;
		case OPT_KEY:
			if (!main_copy_path(o.key_path, sizeof(o.key_path), optarg))
				goto usage_error;
			break;
		case OPT_LOGIN: o.login = optarg; break;
		case OPT_KNOWN:
			if (!main_copy_path(o.known_servers, sizeof(o.known_servers), optarg))
				goto usage_error;
			break;
		case OPT_ACCEPT: o.accept_new_server_key = 1; break;
		case OPT_POLL:
			if (config_file_poll_ms(optarg, &o.poll_interval_ms) != RC_OK) {
				fprintf(stderr, "rsa-chat: --poll-interval wants seconds between 0 and 3600, not '%s'\n", optarg);
				goto usage_error;
			}
			break;
		case OPT_NO_BELL: o.bell = 0; break;
		case OPT_NOTIFY: o.notify_cmd = optarg; break;
		case OPT_JSON: o.json = 1; break;
		case OPT_NO_SELF_COPY: o.self_copy = 0; break;
		case OPT_MSG_ID: o.msg_id = optarg; break;
		case OPT_COUNT:
			if (!main_parse_positive(optarg, 1e9, &v) || v != (double)(long)v) {
				fprintf(stderr, "rsa-chat: --count wants a positive whole number, not '%s'\n", optarg);
				goto usage_error;
			}
			o.count = (long)v;
			break;
		case 'h':
		case OPT_HELP:
			main_usage(stdout);
			goto out;
		case 'V':
		case OPT_VERSION:
			printf("rsa-chat (%s) %s\n", PACKAGE_NAME, PACKAGE_VERSION);
			goto out;
		case OPT_CONFIG:
		case OPT_PROFILE:
		case OPT_LIST_PROFILES:
			break;
		default:
			fprintf(stderr, "rsa-chat: unknown option or missing argument: %s\n", argv[optind - 1]);
			main_usage(stderr);
			goto usage_error;
		}
	}
	status = CLIENT_EXIT_OTHER;
	if (secure_init() != RC_OK) {
		fputs("rsa-chat: cannot initialise libsodium\n", stderr);
		goto out;
	}
	if (main_fill_defaults(&o) != RC_OK)
		goto out;
	if (optind >= argc)
		status = ui_run(&o);
	else
		status = cli_run(&o, argc - optind, argv + optind);
out:
	config_file_free(&cf);
	return status;
usage_error:
	status = CLIENT_EXIT_USAGE;
	goto out;
}
