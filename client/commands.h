/* The TUI's slash commands, parsed from an input line (no curses). */
#ifndef RC_CLIENT_COMMANDS_H
#define RC_CLIENT_COMMANDS_H

enum command_kind {
	COMMAND_NONE,      /* not a command: a message to send */
	COMMAND_UNKNOWN,   /* starts with '/' but names no command */
	COMMAND_BAD_ARGS,  /* a command with missing or extra arguments */
	COMMAND_HELP,
	COMMAND_QUIT,
	COMMAND_REFRESH,
	COMMAND_USERS,
	COMMAND_OPEN,      /* arg: login */
	COMMAND_KEY,
	COMMAND_REGISTER,  /* arg: login */
	COMMAND_SEARCH,    /* arg: the words to look for */
	COMMAND_BELL,      /* arg: "on" or "off" */
	COMMAND_SAFETY,    /* the open contact's safety number */
	COMMAND_VERIFY,    /* mark the open contact verified */
	COMMAND_ACCEPT_KEY, /* pin the open contact's new key */
};

struct command {
	enum command_kind kind;
	const char *name;  /* the command's name, for messages */
	const char *usage;
	char arg[1024];    /* the argument, trimmed */
};

/* Parses line; "//text" sends "/text" (arg holds it, kind COMMAND_NONE
 * with arg set) so messages may start with a slash. */
void command_parse(const char *line, struct command *cmd);

#endif
