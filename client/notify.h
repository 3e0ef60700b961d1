/* --notify-cmd: runs a user's command on a new message, through /bin/sh -c,
 * with the sender in $RC_FROM (never the text: it would show in ps). */
#ifndef RC_CLIENT_NOTIFY_H
#define RC_CLIENT_NOTIFY_H

/* Starts cmd in the background, its stdin/stdout/stderr on /dev/null so it
 * cannot disturb the screen. */
int notify_run(const char *cmd, const char *from);
/* Collects finished notification processes (call now and then). */
void notify_reap(void);

#endif
