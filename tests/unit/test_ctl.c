/* test_ctl.c: the control socket's command registry: dispatch by the
 * longest matching words, argument limits, the help generated from the
 * registry, ';' lists, prompt and quit. Runs ctl_exec() on memory streams,
 * without a socket. */
#include <stdlib.h>
#include <string.h>
#include "unit.h"
#include "ctl/ctl.h"

static int calls_a, calls_ab, last_argc;
static char last_arg[64];

static int cmd_a(struct ctl_ctx *ctx, int argc, char **args, FILE *out)
{
	calls_a++;
	last_argc = argc;
	fprintf(out, "a %d\n", argc);
	return 0;
}

static int cmd_ab(struct ctl_ctx *ctx, int argc, char **args, FILE *out)
{
	calls_ab++;
	last_argc = argc;
	snprintf(last_arg, sizeof(last_arg), "%s", argc ? args[0] : "");
	fputs("ab\n", out);
	return 0;
}

/* words that no room registers: the test's own */
static const struct ctl_cmd test_cmds[] = {
	{ "zz test",        "the short one", 0, 0, cmd_a },
	{ "zz test longer", "the long one, one argument", 1, 0, cmd_ab },
	CTL_CMD_END
};
CTL_REGISTER_COMMANDS(test_cmds);

/* Runs <line> on a fresh context (or <ctx>); returns the answer (free it). */
static char *run(struct ctl_ctx *ctx, const char *line, int *keep)
{
	struct ctl_ctx own = { 0 };
	char buf[1100];
	char *ans = NULL;
	size_t len = 0;
	FILE *out = open_memstream(&ans, &len);
	int k;

	snprintf(buf, sizeof(buf), "%s", line);
	k = ctl_exec(ctx ? ctx : &own, buf, out);
	fclose(out);
	if (keep)
		*keep = k;
	return ans;
}

static void test_dispatch(void)
{
	char *a;

	a = run(NULL, "zz test", NULL);
	CHECK(strcmp(a, "a 0\n\n") == 0);
	free(a);
	CHECK_INT(calls_a, 1);

	/* the longest match wins, its arguments follow its words */
	a = run(NULL, "  zz\ttest longer  arg1 \r", NULL);
	CHECK(strcmp(a, "ab\n\n") == 0);
	free(a);
	CHECK_INT(calls_ab, 1);
	CHECK_INT(last_argc, 1);
	CHECK(strcmp(last_arg, "arg1") == 0);

	/* too many arguments: unknown, nothing runs */
	a = run(NULL, "zz test longer x y", NULL);
	CHECK(strcmp(a, "Unknown command 'zz test longer x y'. Try 'help'.\n\n") == 0);
	free(a);
	a = run(NULL, "zz test x", NULL);
	CHECK(strncmp(a, "Unknown command", 15) == 0);
	free(a);
	CHECK_INT(calls_a, 1);
	CHECK_INT(calls_ab, 1);

	/* a prefix of a command's words is not that command */
	a = run(NULL, "zz", NULL);
	CHECK(strcmp(a, "Unknown command 'zz'. Try 'help'.\n\n") == 0);
	free(a);
	a = run(NULL, "zz tes", NULL);
	CHECK(strncmp(a, "Unknown command", 15) == 0);
	free(a);

	/* blank: no answer; ';' runs each in turn */
	a = run(NULL, "   ", NULL);
	CHECK(a && *a == '\0');
	free(a);
	a = run(NULL, "zz test;zz test longer;;zz test", NULL);
	CHECK(strcmp(a, "a 0\n\nab\n\na 0\n\n") == 0);
	free(a);

	/* control characters are not echoed */
	a = run(NULL, "zz\x01", NULL);
	CHECK(strcmp(a, "Unknown command 'zz?'. Try 'help'.\n\n") == 0);
	free(a);
}

static void test_prompt_quit(void)
{
	struct ctl_ctx ctx = { 0 };
	char *a;
	int keep;

	a = run(&ctx, "prompt", &keep);
	CHECK(a && *a == '\0');                  /* no answer at all */
	CHECK_INT(keep, 1);
	CHECK_INT(ctx.interactive, 1);
	free(a);
	a = run(&ctx, "prompt", &keep);
	CHECK_INT(ctx.interactive, 0);
	free(a);
	a = run(&ctx, "zz test;quit;zz test", &keep);
	CHECK_INT(keep, 0);
	CHECK(strcmp(a, "a 0\n\n") == 0);        /* nothing after quit */
	free(a);
}

/* The help lists every registered command, sorted, and nothing else. */
static void test_help(void)
{
	char *a = run(NULL, "help", NULL), *p, *prev = NULL;
	int listed = 0, registered = 0;

	CHECK(strncmp(a, "A connection runs one line", 26) == 0);
	CHECK(strlen(a) >= 2 && strcmp(a + strlen(a) - 2, "\n\n") == 0);
	for (const struct ctl_cmd_list *l = ctl_commands(); l; l = l->next)
		for (const struct ctl_cmd *c = l->cmds; c->words; c++) {
			char line[256];

			registered++;
			snprintf(line, sizeof(line), "\n  %s ", c->words);
			p = strstr(a, line);
			if (!CHECK(p != NULL))
				printf("    '%s' is not in the help\n", c->words);
			else if (!CHECK(strstr(p, c->help) == strchr(p + 1, '\n') - strlen(c->help)))
				printf("    '%s': its help line is not '%s'\n", c->words, c->help);
		}
	for (p = strstr(a, "\n  "); p; p = strstr(p + 1, "\n  ")) {
		listed++;
		if (prev)
			CHECK(strcmp(prev, p) < 0);
		prev = p;
	}
	CHECK_INT(listed, registered);
	/* the rooms' commands are all there */
	CHECK(strstr(a, "\n  show info ") && strstr(a, "\n  show stat ") &&
	      strstr(a, "\n  show pools ") && strstr(a, "\n  show servers state ") &&
	      strstr(a, "\n  quit ") && strstr(a, "\n  prompt "));
	free(a);
}

int main(void)
{
	test_dispatch();
	test_prompt_quit();
	test_help();
	return UNIT_SUMMARY("test_ctl");
}
