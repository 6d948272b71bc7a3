/* shm_cfg.c: the global keywords of the shared memory: shm-log, shm-log-size,
 * shm-mode (doc/configuration.md, section 5). */
#include <stdlib.h>
#include <string.h>

#include "cfg/cfg.h"
#include "shm/shm.h"

#define SHM_SETTINGS_DEFAULTS {                                             \
	.log_off = 0,                                                       \
	.log_size = SHM_LOG_SIZE_DEFAULT,                                   \
	.mode = SHM_MODE_DEFAULT,                                           \
}

struct shm_settings shm_settings = SHM_SETTINGS_DEFAULTS;
static const struct shm_settings shm_defaults = SHM_SETTINGS_DEFAULTS;

static int kw_shm_log(struct cfg_ctx *ctx, int argc, char **args)
{
	static const char usage[] = "shm-log on|off";

	if (cfg_check_argc(ctx, "shm-log", usage, argc, 1, 1, 1) < 0)
		return -1;
	if (strcmp(args[1], "on") == 0)
		shm_settings.log_off = 0;
	else if (strcmp(args[1], "off") == 0)
		shm_settings.log_off = 1;
	else
		return cfg_alert(ctx, "'shm-log': invalid value '%s' (expected '%s')", args[1], usage);
	return 0;
}

static int kw_shm_log_size(struct cfg_ctx *ctx, int argc, char **args)
{
	unsigned long long v;

	if (cfg_check_argc(ctx, "shm-log-size", "shm-log-size <size>", argc, 1, 1, 1) < 0 ||
	    cfg_get_size(ctx, "shm-log-size", args[1], SHM_LOG_SIZE_MIN, SHM_LOG_SIZE_MAX, &v) < 0)
		return -1;
	shm_settings.log_size = v;
	return 0;
}

static int kw_shm_mode(struct cfg_ctx *ctx, int argc, char **args)
{
	unsigned long v;
	char *end;

	if (cfg_check_argc(ctx, "shm-mode", "shm-mode <octal>", argc, 1, 1, 1) < 0)
		return -1;
	v = strtoul(args[1], &end, 8);
	if (!*args[1] || *end || args[1][0] == '-' || args[1][0] == '+' || v > 0777)
		return cfg_alert(ctx, "'shm-mode': invalid mode '%s' (expected an octal value "
				 "such as 640, at most 777)", args[1]);
	if ((v & 0600) != 0600)
		return cfg_alert(ctx, "'shm-mode': mode %s must let the owner read and write "
				 "(at least 600)", args[1]);
	shm_settings.mode = (unsigned)v;
	return 0;
}

static const struct cfg_kw shm_kws[] = {
	{ "shm-log",      CFG_SEC_GLOBAL, 0, 0, "shm-log on|off",      kw_shm_log },
	{ "shm-log-size", CFG_SEC_GLOBAL, 0, 0, "shm-log-size <size>", kw_shm_log_size },
	{ "shm-mode",     CFG_SEC_GLOBAL, 0, 0, "shm-mode <octal>",    kw_shm_mode },
	CFG_KW_END
};
CFG_REGISTER_KEYWORDS(shm_kws);

static void shm_cfg_deinit(void)
{
	shm_settings = shm_defaults;
}
CFG_REGISTER_DEINIT(shm, shm_cfg_deinit);
