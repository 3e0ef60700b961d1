/* The scriptable mode: one subcommand per run, plain text or JSON lines on
 * stdout, errors on stderr, and the exit statuses of enum client_exit. */
#ifndef RC_CLIENT_CLI_H
#define RC_CLIENT_CLI_H

#include "options.h"

/* Runs argv[0] (the subcommand) with its arguments; returns the exit status. */
int cli_run(const struct client_options *o, int argc, char **argv);

#endif
