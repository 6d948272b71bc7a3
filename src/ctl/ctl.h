/* ctl.h: the statistics socket ("stats socket" in the global section) and
 * the registry of its commands, which the rooms that own the data fill. */
#ifndef SLUICE_CTL_CTL_H
#define SLUICE_CTL_CTL_H

#include <stdio.h>

/* "stats socket <path> [mode <octal>]" in the global section (ctl_cfg.c). */
struct ctl_settings {
	char *socket;                 /* NULL: no socket */
	unsigned mode;                /* 0: 0600 */
};
extern struct ctl_settings ctl_settings;

/* Opens ctl_settings.socket (a UNIX stream socket, mode 0600 unless
 * ctl_settings.mode is set) and starts the one thread that serves it.
 * Call once, after the configuration is loaded, global.nbthread is final and
 * the process has daemonized (a thread does not survive fork()). Does
 * nothing and returns 0 when no socket is configured. Returns -1 after
 * printing the reason on stderr. */
int ctl_start(void);

/* Stops the control thread, closes the socket and removes its file. Safe to
 * call when ctl_start() did nothing or failed, and more than once. */
void ctl_stop(void);

/* ------------------------------------------------------------- commands
 *
 * A command is one or more words ("show servers state") followed by at most
 * <max_args> arguments. A line is matched against every registered command
 * and runs the one whose words are the longest prefix of the line's words;
 * a line that matches none, or gives too many arguments, gets "Unknown
 * command". "help" lists the registry, sorted by words.
 *
 * fn() runs on the socket's own thread, never on a worker: it may read what
 * the workers write only with relaxed atomic loads of whole words (a total
 * may lag, never tear), must not take a lock a worker holds on the request
 * path, and must not block. It writes its answer to <out> (an in-memory
 * stream, sent once fn() returns); the socket ends every answer with the
 * protocol's empty line itself, unless the command has CTL_CMD_NO_ANSWER.
 * args[0..argc-1] are the words after the command's own. fn() returns 0, or
 * -1 to close the connection once the answer is sent. */
struct ctl_ctx {
	int interactive;              /* "prompt": several lines per connection */
};

#define CTL_CMD_NO_ANSWER  0x1    /* no answer at all, not even the empty line */

struct ctl_cmd {
	const char *words;            /* "show stat": single blanks between words */
	const char *help;             /* one line for "help" */
	int max_args;                 /* arguments allowed after the words */
	unsigned flags;               /* CTL_CMD_* */
	int (*fn)(struct ctl_ctx *ctx, int argc, char **args, FILE *out);
};

#define CTL_CMD_END { .words = NULL }

/* A table of commands ended by CTL_CMD_END. */
struct ctl_cmd_list {
	const struct ctl_cmd *cmds;
	struct ctl_cmd_list *next;    /* registry link */
};

/* Registers a table (before main(): CTL_REGISTER_COMMANDS). Two commands
 * with the same words are a bug, caught here. */
void ctl_register_commands(struct ctl_cmd_list *l);

/* The registry, for the help and for tests (walk l->cmds to CTL_CMD_END). */
const struct ctl_cmd_list *ctl_commands(void);

/* Runs one command line (commands separated by ';', as HAProxy's CLI) and
 * writes the answers to <out>, as the socket does. Returns 0 when the
 * connection must be closed, else 1. <line> is modified. */
int ctl_exec(struct ctl_ctx *ctx, char *line, FILE *out);

/* Registration from the implementing file, run before main():
 *   static const struct ctl_cmd my_cmds[] = { { "show x", "...", 0, 0, show_x },
 *                                             CTL_CMD_END };
 *   CTL_REGISTER_COMMANDS(my_cmds);
 */
#define CTL_REGISTER_COMMANDS(table)                                        \
	static struct ctl_cmd_list ctl_cmdl_##table = { .cmds = (table) };  \
	__attribute__((constructor)) static void ctl_cmdl_reg_##table(void) \
	{ ctl_register_commands(&ctl_cmdl_##table); }

#endif
