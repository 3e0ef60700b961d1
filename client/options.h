/* The command line, parsed once by main.c and read by the scriptable mode
 * and the TUI. */
#ifndef RC_CLIENT_OPTIONS_H
#define RC_CLIENT_OPTIONS_H

#include "paths.h"

#define OPTIONS_DEFAULT_POLL_MS 2000
#define OPTIONS_REQUEST_TIMEOUT_MS 15000

struct client_options {
	const char *host;
	const char *port;
	const char *login;       /* --login: register under this name when needed */
	const char *notify_cmd;  /* run through /bin/sh -c on new messages */
	const char *msg_id;      /* send: the message's base id (NULL: a fresh one) */
	char key_path[PATHS_MAX];
	char known_servers[PATHS_MAX];
	char contacts_path[PATHS_MAX]; /* pinned contact keys (contacts.h) */
	char seen_path[PATHS_MAX];
	char server_name[600];   /* "host:port" */
	int accept_new_server_key;
	int bell;
	int json;
	int self_copy;
	int poll_interval_ms;
	long count;              /* tail: stop after this many messages; 0: never */
};

/* Exit statuses of the scriptable mode (and of the TUI where they apply). */
enum client_exit {
	CLIENT_EXIT_OK = 0,
	CLIENT_EXIT_OTHER = 1,        /* key files, local files, anything else */
	CLIENT_EXIT_USAGE = 2,
	CLIENT_EXIT_SERVER = 3,       /* the server answered state=error */
	CLIENT_EXIT_NETWORK = 4,      /* connect, timeout, EOF */
	CLIENT_EXIT_KEY_CHANGED = 5,  /* the server key differs from the pinned one */
	CLIENT_EXIT_CONTACT_KEY_CHANGED = 6, /* a contact's key differs from the pinned one */
};

#endif
