#include "config.h"

#include "commands.h"

#include <stdio.h>
#include <string.h>

/* What each argument is: none, one word, or the rest of the line. */
enum command_args { ARGS_NONE, ARGS_WORD, ARGS_REST };

static const struct {
	const char *name;
	enum command_kind kind;
	enum command_args args;
	const char *usage;
} command_table[] = {
	{ "help", COMMAND_HELP, ARGS_NONE, "/help" },
	{ "quit", COMMAND_QUIT, ARGS_NONE, "/quit" },
	{ "refresh", COMMAND_REFRESH, ARGS_NONE, "/refresh" },
	{ "users", COMMAND_USERS, ARGS_NONE, "/users" },
	/* The rest of the line: a login may hold spaces. */
	{ "open", COMMAND_OPEN, ARGS_REST, "/open NAME" },
	{ "key", COMMAND_KEY, ARGS_NONE, "/key" },
	{ "register", COMMAND_REGISTER, ARGS_WORD, "/register NAME" },
	{ "search", COMMAND_SEARCH, ARGS_REST, "/search WORD" },
	{ "bell", COMMAND_BELL, ARGS_WORD, "/bell on|off" },
	{ "safety", COMMAND_SAFETY, ARGS_NONE, "/safety" },
	{ "verify", COMMAND_VERIFY, ARGS_NONE, "/verify" },
	{ "accept-key", COMMAND_ACCEPT_KEY, ARGS_NONE, "/accept-key" },
};

const char *command_name_at(size_t i)
{
	return i < sizeof(command_table) / sizeof(command_table[0]) ? command_table[i].name : NULL;
}

static const char *command_skip_spaces(const char *s)
{
	while (*s == ' ' || *s == '\t')
		s++;
	return s;
}

void command_parse(const char *line, struct command *cmd)
{
	const char *p, *end;
	size_t name_len, arg_len;

	memset(cmd, 0, sizeof(*cmd));
	cmd->kind = COMMAND_NONE;
	if (line[0] != '/')
		return;
	if (line[1] == '/') {
		snprintf(cmd->arg, sizeof(cmd->arg), "%s", line + 1);
		return;
	}
	p = line + 1;
	name_len = strcspn(p, " \t");
	cmd->kind = COMMAND_UNKNOWN;
	for (size_t i = 0; i < sizeof(command_table) / sizeof(command_table[0]); i++) {
		if (strlen(command_table[i].name) != name_len || strncmp(p, command_table[i].name, name_len) != 0)
			continue;
		cmd->kind = command_table[i].kind;
		cmd->name = command_table[i].name;
		cmd->usage = command_table[i].usage;
		p = command_skip_spaces(p + name_len);
		end = p + strlen(p);
		while (end > p && (end[-1] == ' ' || end[-1] == '\t'))
			end--;
		arg_len = (size_t)(end - p);
		if (arg_len >= sizeof(cmd->arg) ||
		    (command_table[i].args == ARGS_NONE && arg_len > 0) ||
		    (command_table[i].args != ARGS_NONE && arg_len == 0) ||
		    (command_table[i].args == ARGS_WORD && strcspn(p, " \t") < arg_len)) {
			cmd->kind = COMMAND_BAD_ARGS;
			return;
		}
		memcpy(cmd->arg, p, arg_len);
		cmd->arg[arg_len] = '\0';
		if (cmd->kind == COMMAND_BELL && strcmp(cmd->arg, "on") != 0 && strcmp(cmd->arg, "off") != 0)
			cmd->kind = COMMAND_BAD_ARGS;
		return;
	}
	snprintf(cmd->arg, sizeof(cmd->arg), "%.*s", (int)(name_len < 100 ? name_len : 100), p);
}
