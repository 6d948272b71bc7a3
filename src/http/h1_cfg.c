/* h1_cfg.c: the HTTP/1 limits (tune.http.*): their keywords in the global
 * section, their defaults and their check against the buffer size. */
#include <string.h>

#include "cfg/cfg.h"
#include "core/compiler.h"
#include "core/global-t.h"
#include "http/h1.h"

#define H1_SETTINGS_DEFAULTS {                                              \
	.max_reqline = 8192,                                                \
	.max_head = 16384 - 1024,     /* tune.bufsize - tune.maxrewrite */  \
	.max_hdrs = HTTP_MAX_HDR_DEFAULT,                                   \
}

struct h1_limits h1_settings = H1_SETTINGS_DEFAULTS;

#define H1_SIZE_MAX (1ULL << 30)

/* Where the limits were set, for the checks after parsing (file NULL: not
 * set, the value derives from the buffer size). */
static struct {
	const char *file;
	int line;
} set_max_head, set_max_reqline;

static const struct h1_kw {
	const char *kw;
	const char *usage;
	unsigned long long min, max;
	int is_count;                 /* a plain number, not a size */
} h1_tune_kws[] = {
	{ "tune.http.maxhdr",      "tune.http.maxhdr <1-32767>",   1,  32767,       1 },
	{ "tune.http.max-reqline", "tune.http.max-reqline <size>", 16, H1_SIZE_MAX, 0 },
	{ "tune.http.max-head",    "tune.http.max-head <size>",    16, H1_SIZE_MAX, 0 },
};

static int kw_h1_tune(struct cfg_ctx *ctx, int argc, char **args)
{
	const struct h1_kw *t = NULL;
	unsigned long long v;

	for (size_t i = 0; i < ARRAY_SIZE(h1_tune_kws); i++)
		if (strcmp(h1_tune_kws[i].kw, args[0]) == 0)
			t = &h1_tune_kws[i];
	ASSERT(t != NULL);
	if (cfg_check_argc(ctx, t->kw, t->usage, argc, 1, 1, 1) < 0)
		return -1;
	if (t->is_count ? cfg_get_uint(ctx, t->kw, args[1], t->min, t->max, &v) < 0
			: cfg_get_size(ctx, t->kw, args[1], t->min, t->max, &v) < 0)
		return -1;
	if (t == &h1_tune_kws[0]) {
		h1_settings.max_hdrs = (unsigned)v;
	} else if (t == &h1_tune_kws[1]) {
		h1_settings.max_reqline = (size_t)v;
		set_max_reqline.file = ctx->file;
		set_max_reqline.line = ctx->line;
	} else {
		h1_settings.max_head = (size_t)v;
		set_max_head.file = ctx->file;
		set_max_head.line = ctx->line;
	}
	return 0;
}

static const struct cfg_kw h1_kws[] = {
	{ "tune.http.maxhdr",      CFG_SEC_GLOBAL, 0, 0, "tune.http.maxhdr <1-32767>",   kw_h1_tune },
	{ "tune.http.max-reqline", CFG_SEC_GLOBAL, 0, 0, "tune.http.max-reqline <size>", kw_h1_tune },
	{ "tune.http.max-head",    CFG_SEC_GLOBAL, 0, 0, "tune.http.max-head <size>",    kw_h1_tune },
	CFG_KW_END
};
CFG_REGISTER_KEYWORDS(h1_kws);

/* A head must fit a buffer with its rewrite room: runs after the global
 * section's check (CFG_POST_GLOBAL) has settled tune.maxrewrite, whatever
 * order the lines came in. */
static int h1_settings_check(void)
{
	unsigned room = global.bufsize - global.maxrewrite;
	int ret = 0;

	if (!set_max_head.file)
		h1_settings.max_head = room;
	else if (h1_settings.max_head > room)
		ret = cfg_alert_at(set_max_head.file, set_max_head.line,
				   "'tune.http.max-head' %zu cannot exceed tune.bufsize - tune.maxrewrite (%u)",
				   h1_settings.max_head, room);
	if (!set_max_reqline.file) {
		if (h1_settings.max_reqline > h1_settings.max_head)
			h1_settings.max_reqline = h1_settings.max_head;
	} else if (h1_settings.max_reqline > h1_settings.max_head) {
		ret = cfg_alert_at(set_max_reqline.file, set_max_reqline.line,
				   "'tune.http.max-reqline' %zu cannot exceed tune.http.max-head (%zu)",
				   h1_settings.max_reqline, h1_settings.max_head);
	}
	return ret;
}
CFG_REGISTER_POSTPARSER(h1_settings, CFG_POST_GLOBAL + 1, h1_settings_check);

static void h1_settings_deinit(void)
{
	static const struct h1_limits defaults = H1_SETTINGS_DEFAULTS;

	h1_settings = defaults;
	memset(&set_max_head, 0, sizeof(set_max_head));
	memset(&set_max_reqline, 0, sizeof(set_max_reqline));
}
CFG_REGISTER_DEINIT(h1_settings, h1_settings_deinit);
