/* pool_cfg.c: the pools' keywords of the global section. */
#include <string.h>
#include "cfg/cfg.h"
#include "mem/pool.h"
#include "mem/pool_dbg.h"

/* "pool-debug <opt>[,<opt>...] ...": options add up from line to line;
 * -dM on the command line replaces them all. */
static int kw_pool_debug(struct cfg_ctx *ctx, int argc, char **args)
{
	static const char usage[] = "pool-debug <opt>[,<opt>...]";
	char err[512];

	if (cfg_check_argc(ctx, "pool-debug", usage, argc, 1, 1, -1) < 0)
		return -1;
	for (int i = 1; i < argc; i++) {
		int ret = pool_debug_cfg(args[i], err, sizeof(err));

		if (ret > 0) {
			pool_debug_help(stderr);
			return cfg_alert(ctx, "'pool-debug help' lists the options (above); use '-dMhelp' "
					 "to list them without a configuration");
		}
		if (ret < 0)
			return cfg_alert(ctx, "'pool-debug': %s", err);
	}
	return 0;
}

/* "tune.memory.hot-size <size>": bytes of objects each thread keeps cached. */
static int kw_hot_size(struct cfg_ctx *ctx, int argc, char **args)
{
	unsigned long long v;

	if (cfg_check_argc(ctx, "tune.memory.hot-size", "tune.memory.hot-size <size>", argc, 1, 1, 1) < 0 ||
	    cfg_get_size(ctx, "tune.memory.hot-size", args[1], 0, 1ULL << 30, &v) < 0)
		return -1;
	pool_cache_bytes = (size_t)v;
	return 0;
}

static const struct cfg_kw pool_kws[] = {
	{ "pool-debug",           CFG_SEC_GLOBAL, 0, 0, "pool-debug <opt>[,<opt>...]", kw_pool_debug },
	{ "tune.memory.hot-size", CFG_SEC_GLOBAL, 0, 0, "tune.memory.hot-size <size>", kw_hot_size },
	CFG_KW_END
};
CFG_REGISTER_KEYWORDS(pool_kws);

static void pool_cfg_deinit(void)
{
	pool_debug_cfg_reset();
	pool_cache_bytes = POOL_CACHE_BYTES_DEFAULT;
}
CFG_REGISTER_DEINIT(pool, pool_cfg_deinit);
