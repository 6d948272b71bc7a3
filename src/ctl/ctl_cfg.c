/* ctl_cfg.c: the "stats socket" line of the global section. */
#include <string.h>
#include <sys/un.h>

#include "cfg/cfg.h"
#include "core/compiler.h"
#include "ctl/ctl.h"
#include "net/addr.h"

struct ctl_settings ctl_settings;

/* "stats socket <path> [mode <octal>]": the control socket. HAProxy's other
 * "stats" global keywords (timeout, maxconn) are refused by name. */
static int kw_stats(struct cfg_ctx *ctx, int argc, char **args)
{
	static const char usage[] = "stats socket <path> [mode <octal>]";
	struct sockaddr_storage ss;
	socklen_t len;
	char err[256];
	unsigned long mode = 0;
	int i;

	if (argc < 2 || strcmp(args[1], "socket") != 0) {
		if (argc < 2)
			return cfg_alert(ctx, "'stats': missing argument (expected '%s')", usage);
		return cfg_alert(ctx, "'stats %s' is not supported (supported: '%s')", args[1], usage);
	}
	if (cfg_check_argc(ctx, "stats socket", usage, argc, 2, 1, -1) < 0)
		return -1;
	if (args[2][0] != '/' && strncmp(args[2], "unix@", 5) != 0)
		return cfg_alert(ctx, "'stats socket': '%s' is not a UNIX socket path (expected "
				 "'unix@<path>' or an absolute path)", args[2]);
	if (addr_parse(args[2], ADDR_F_UNIX, &ss, &len, err, sizeof(err)) < 0)
		return cfg_alert(ctx, "'stats socket': invalid path '%s': %s", args[2], err);
	for (i = 3; i < argc; i += 2) {
		char *end;

		if (strcmp(args[i], "mode") != 0)
			return cfg_alert(ctx, "'stats socket': unsupported option '%s' (supported: mode)", args[i]);
		if (i + 1 >= argc)
			return cfg_alert(ctx, "'stats socket': 'mode' needs an octal value (expected '%s')", usage);
		mode = strtoul(args[i + 1], &end, 8);
		if (!*args[i + 1] || *end || mode > 07777 || args[i + 1][0] == '-' || args[i + 1][0] == '+')
			return cfg_alert(ctx, "'stats socket': invalid mode '%s' (expected an octal value such as 660)",
					 args[i + 1]);
	}
	if (ctl_settings.socket)
		return cfg_alert(ctx, "'stats socket': only one statistics socket is supported ('%s' already set)",
				 ctl_settings.socket);
	ctl_settings.socket = cfg_strdup(((struct sockaddr_un *)&ss)->sun_path);
	ctl_settings.mode = (unsigned)mode;
	return 0;
}

static const struct cfg_kw ctl_kws[] = {
	{ "stats", CFG_SEC_GLOBAL, 0, 0, "stats socket <path> [mode <octal>]", kw_stats },
	CFG_KW_END
};
CFG_REGISTER_KEYWORDS(ctl_kws);

static void ctl_cfg_deinit(void)
{
	free(ctl_settings.socket);
	memset(&ctl_settings, 0, sizeof(ctl_settings));
}
CFG_REGISTER_DEINIT(ctl, ctl_cfg_deinit);
