/* global_cfg.c: the process-wide settings (`global`) and the keywords of the
 * "global" section. */
#include <limits.h>
#include <string.h>

#include "cfg/cfg.h"
#include "core/compiler.h"
#include "core/global-t.h"

#define GLOBAL_DEFAULTS {                                                   \
	.nbthread = 0,                /* all CPUs available */              \
	.maxconn = 4096,                                                    \
	.bufsize = 16384,                                                   \
	.maxrewrite = 1024,                                                 \
}

struct global global = GLOBAL_DEFAULTS;
static const struct global global_defaults = GLOBAL_DEFAULTS;

#define TUNE_SIZE_MAX (1ULL << 30)

/* Where the limits that depend on each other were set, for the checks after
 * parsing (file NULL: not set, the value derives from the others). */
struct set_at {
	const char *file;
	int line;
};
static struct set_at set_maxrewrite;

static void mark(struct set_at *at, const struct cfg_ctx *ctx)
{
	at->file = ctx->file;
	at->line = ctx->line;
}

static int global_begin(struct cfg_ctx *ctx, int argc, char **args)
{
	if (argc > 1)
		cfg_alert(ctx, "'global' takes no argument");
	return 0;
}

static struct cfg_section global_section = {
	.name = "global", .id = CFG_SEC_GLOBAL, .begin = global_begin,
};
CFG_REGISTER_SECTION(global_section);

/* ------------------------------------------------------------- keywords */

static int kw_nbthread(struct cfg_ctx *ctx, int argc, char **args)
{
	unsigned long long v;

	if (cfg_check_argc(ctx, "nbthread", "nbthread <1-64>", argc, 1, 1, 1) < 0 ||
	    cfg_get_uint(ctx, "nbthread", args[1], 1, MAX_THREADS, &v) < 0)
		return -1;
	global.nbthread = (int)v;
	return 0;
}

static int kw_maxconn(struct cfg_ctx *ctx, int argc, char **args)
{
	unsigned long long v;

	if (cfg_check_argc(ctx, "maxconn", "maxconn <number>", argc, 1, 1, 1) < 0 ||
	    cfg_get_uint(ctx, "maxconn", args[1], 1, INT_MAX, &v) < 0)
		return -1;
	global.maxconn = (unsigned)v;
	return 0;
}

static int kw_daemon(struct cfg_ctx *ctx, int argc, char **args)
{
	if (cfg_check_argc(ctx, "daemon", "daemon", argc, 1, 0, 0) < 0)
		return -1;
	global.daemon = 1;
	return 0;
}

/* "nosplice": TCP mode and tunnels move bytes through buffers, never
 * through kernel pipes (as HAProxy's; for kernels where splice misbehaves,
 * and to compare). */
static int kw_nosplice(struct cfg_ctx *ctx, int argc, char **args)
{
	if (cfg_check_argc(ctx, "nosplice", "nosplice", argc, 1, 0, 0) < 0)
		return -1;
	global.nosplice = 1;
	return 0;
}

static int kw_pidfile(struct cfg_ctx *ctx, int argc, char **args)
{
	if (cfg_check_argc(ctx, "pidfile", "pidfile <path>", argc, 1, 1, 1) < 0)
		return -1;
	if (!*args[1])
		return cfg_alert(ctx, "'pidfile': empty path (expected 'pidfile <path>')");
	if (global.pidfile) {
		cfg_warn(ctx, "'pidfile' given twice: '%s' replaces '%s'", args[1], global.pidfile);
		free(global.pidfile);
	}
	global.pidfile = cfg_strdup(args[1]);
	return 0;
}

static int kw_hard_stop_after(struct cfg_ctx *ctx, int argc, char **args)
{
	unsigned ms;

	if (cfg_check_argc(ctx, "hard-stop-after", "hard-stop-after <time>", argc, 1, 1, 1) < 0 ||
	    cfg_get_time(ctx, "hard-stop-after", args[1], &ms) < 0)
		return -1;
	global.hard_stop_after = ms;
	return 0;
}

/* tune.* keywords taking one size: a table of bounds and destinations (the
 * HTTP limits, tune.http.*, are the http room's: http/h1_cfg.c). */
enum tune_dst { T_BUFSIZE, T_MAXREWRITE, T_PIPESIZE };

static const struct tune_kw {
	const char *kw;
	const char *usage;
	enum tune_dst dst;
	unsigned long long min, max;
	int is_count;                 /* a plain number, not a size */
} tune_kws[] = {
	{ "tune.bufsize",          "tune.bufsize <size>",          T_BUFSIZE,    1024, TUNE_SIZE_MAX, 0 },
	{ "tune.maxrewrite",       "tune.maxrewrite <size>",       T_MAXREWRITE, 0,    TUNE_SIZE_MAX, 0 },
	{ "tune.pipesize",         "tune.pipesize <size>",         T_PIPESIZE,   0,    TUNE_SIZE_MAX, 0 },
};

static int kw_tune(struct cfg_ctx *ctx, int argc, char **args)
{
	const struct tune_kw *t = NULL;
	unsigned long long v;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(tune_kws); i++)
		if (strcmp(tune_kws[i].kw, args[0]) == 0)
			t = &tune_kws[i];
	ASSERT(t != NULL);
	if (cfg_check_argc(ctx, t->kw, t->usage, argc, 1, 1, 1) < 0)
		return -1;
	if (t->is_count ? cfg_get_uint(ctx, t->kw, args[1], t->min, t->max, &v) < 0
			: cfg_get_size(ctx, t->kw, args[1], t->min, t->max, &v) < 0)
		return -1;
	switch (t->dst) {
	case T_BUFSIZE:
		global.bufsize = (unsigned)v;
		break;
	case T_MAXREWRITE:
		global.maxrewrite = (unsigned)v;
		mark(&set_maxrewrite, ctx);
		break;
	case T_PIPESIZE:
		global.pipesize = (unsigned)v;
		break;
	}
	return 0;
}

static const struct cfg_kw global_kws[] = {
	{ "nbthread",        CFG_SEC_GLOBAL, 0, 0, "nbthread <1-64>",        kw_nbthread },
	{ "maxconn",         CFG_SEC_GLOBAL, 0, 0, "maxconn <number>",       kw_maxconn },
	{ "daemon",          CFG_SEC_GLOBAL, 0, 0, "daemon",                 kw_daemon },
	{ "pidfile",         CFG_SEC_GLOBAL, 0, 0, "pidfile <path>",         kw_pidfile },
	{ "nosplice",        CFG_SEC_GLOBAL, 0, 0, "nosplice",               kw_nosplice },
	{ "hard-stop-after", CFG_SEC_GLOBAL, 0, 0, "hard-stop-after <time>", kw_hard_stop_after },
	{ "tune.bufsize",          CFG_SEC_GLOBAL, 0, 0, "tune.bufsize <size>",          kw_tune },
	{ "tune.maxrewrite",       CFG_SEC_GLOBAL, 0, 0, "tune.maxrewrite <size>",       kw_tune },
	{ "tune.pipesize",         CFG_SEC_GLOBAL, 0, 0, "tune.pipesize <size>",         kw_tune },
	CFG_KW_END
};
CFG_REGISTER_KEYWORDS(global_kws);

/* ---------------------------------------------------------- after parsing */

/* The buffer limits depend on each other whatever order they were written
 * in: settle them once everything is known (the HTTP limits that depend on
 * them are checked after this, by http/h1_cfg.c). */
static int global_check(void)
{
	if (global.maxrewrite > global.bufsize / 2) {
		if (set_maxrewrite.file)
			cfg_warn_at(set_maxrewrite.file, set_maxrewrite.line,
				    "'tune.maxrewrite' %u reduced to %u (half of tune.bufsize)",
				    global.maxrewrite, global.bufsize / 2);
		global.maxrewrite = global.bufsize / 2;
	}
	return 0;
}
CFG_REGISTER_POSTPARSER(global, CFG_POST_GLOBAL, global_check);

static void global_deinit(void)
{
	free(global.pidfile);
	global = global_defaults;
	memset(&set_maxrewrite, 0, sizeof(set_maxrewrite));
}
CFG_REGISTER_DEINIT(global, global_deinit);
