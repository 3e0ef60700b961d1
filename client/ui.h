/* The interactive terminal client (ncursesw). */
#ifndef RC_CLIENT_UI_H
#define RC_CLIENT_UI_H

#include "options.h"

/* Runs the TUI until the user quits; returns the exit status. */
int ui_run(const struct client_options *o);

#endif
