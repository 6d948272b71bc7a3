/* reply_cfg.c: the responses a proxy makes itself, as configured:
 * "errorfile CODE FILE", "errorfiles NAME [CODE...]" importing from an
 * "http-errors NAME" section, and "monitor-uri URI".
 *
 * errorfile and errorfiles lines apply in their order, a later one
 * overriding an earlier one for the same code, the defaults' lines first;
 * since an http-errors section may come after the proxy that imports it,
 * the lines are kept as a list of directives and resolved after parsing
 * (px_resolve_errors) into px->errmsg[]. */
#include <stdlib.h>
#include <string.h>
#include "proxy/proxy.h"
#include "proxy/proxy-t.h"
#include "http/reply.h"
#include "cfg/cfg.h"
#include "core/compiler.h"
#include "core/global-t.h"

/* One errorfile or errorfiles line of a proxy. */
struct err_dir {
	int slot;                     /* errorfile: its code's slot; -1: errorfiles */
	const struct http_reply *reply; /* errorfile */
	char *section;                /* errorfiles: the http-errors section */
	uint32_t codes;               /* errorfiles: slots imported, all when 0 */
	const char *conf_file;
	int conf_line;
	struct err_dir *next;         /* in line order */
};

/* An "http-errors" section. */
struct http_errors {
	char *name;
	const struct http_reply *err[HTTP_ERR_SLOTS];
	const char *conf_file;
	int conf_line;
	struct http_errors *next;
};

static struct http_errors *errors_sections, *cur_errors;

/* Largest response an errorfile or a return may hold: like HAProxy, it must
 * fit in a buffer with the rewrite reserve left free. */
size_t px_reply_max(void)
{
	return global.bufsize > global.maxrewrite ? global.bufsize - global.maxrewrite
						  : global.bufsize;
}

static struct err_dir **dir_tail(struct proxy *px)
{
	struct err_dir **pd = &px->err_dirs;

	while (*pd)
		pd = &(*pd)->next;
	return pd;
}

static struct err_dir *dir_add(struct cfg_ctx *ctx, struct proxy *px)
{
	struct err_dir *d = cfg_calloc(1, sizeof(*d));

	d->conf_file = ctx->file;
	d->conf_line = ctx->line;
	*dir_tail(px) = d;
	return d;
}

void px_errors_inherit(struct proxy *px, const struct proxy *def)
{
	struct err_dir **pd = dir_tail(px);

	for (const struct err_dir *s = def->err_dirs; s; s = s->next) {
		struct err_dir *d = cfg_calloc(1, sizeof(*d));

		*d = *s;
		d->section = s->section ? cfg_strdup(s->section) : NULL;
		d->next = NULL;
		*pd = d;
		pd = &d->next;
	}
	if (def->monitor_uri && (px->cap & PX_CAP_FE))
		px->monitor_uri = cfg_strdup(def->monitor_uri);
}

void px_errors_free(struct proxy *px)
{
	struct err_dir *d;

	while ((d = px->err_dirs)) {
		px->err_dirs = d->next;
		free(d->section);
		free(d);
	}
	free(px->monitor_uri);
	px->monitor_uri = NULL;
}

/* "CODE" of an errorfile line: a code sluice generates. Returns its slot. */
static int code_slot(struct cfg_ctx *ctx, const char *kw, const char *arg)
{
	unsigned long long v;
	int slot;

	if (cfg_parse_uint(arg, 100, 999, &v) != 0 || (slot = http_err_slot((int)v)) < 0)
		return cfg_alert(ctx, "'%s': status code '%s' is not one sluice generates (%s)",
				 kw, arg, http_err_codes_txt);
	return slot;
}

static int kw_errorfile(struct cfg_ctx *ctx, int argc, char **args)
{
	const struct http_reply *r;
	struct err_dir *d;
	int slot;

	if (cfg_check_argc(ctx, "errorfile", "errorfile <code> <file>", argc, 1, 2, 2) < 0 ||
	    (slot = code_slot(ctx, "errorfile", args[1])) < 0 ||
	    !(r = http_reply_from_file(ctx, args[2], px_reply_max())))
		return -1;
	if (ctx->section == CFG_SEC_HTTP_ERRORS) {
		if (cur_errors)
			cur_errors->err[slot] = r;
		return 0;
	}
	d = dir_add(ctx, ctx->px);
	d->slot = slot;
	d->reply = r;
	return 0;
}

static int kw_errorfiles(struct cfg_ctx *ctx, int argc, char **args)
{
	struct err_dir *d;
	uint32_t codes = 0;
	int slot;

	if (cfg_check_argc(ctx, "errorfiles", "errorfiles <name> [<code> ...]", argc, 1, 1,
			   1 + HTTP_ERR_SLOTS) < 0)
		return -1;
	for (int i = 2; i < argc; i++) {
		if ((slot = code_slot(ctx, "errorfiles", args[i])) < 0)
			return -1;
		codes |= 1U << slot;
	}
	d = dir_add(ctx, ctx->px);
	d->slot = -1;
	d->section = cfg_strdup(args[1]);
	d->codes = codes;
	return 0;
}

static int kw_monitor_uri(struct cfg_ctx *ctx, int argc, char **args)
{
	if (cfg_check_argc(ctx, "monitor-uri", "monitor-uri <uri>", argc, 1, 1, 1) < 0)
		return -1;
	if (!*args[1])
		return cfg_alert(ctx, "'monitor-uri': the URI is empty");
	free(ctx->px->monitor_uri);
	ctx->px->monitor_uri = cfg_strdup(args[1]);
	return 0;
}

static const struct cfg_kw reply_kws[] = {
	{ "errorfile",   CFG_SEC_PROXIES | CFG_SEC_HTTP_ERRORS, 0, 0,
	  "errorfile <code> <file>", kw_errorfile },
	{ "errorfiles",  CFG_SEC_PROXIES, 0, 0, "errorfiles <name> [<code> ...]", kw_errorfiles },
	{ "monitor-uri", CFG_SEC_DEFAULTS | CFG_SEC_FRONTEND | CFG_SEC_LISTEN, CFG_SEC_BACKEND, 0,
	  "monitor-uri <uri>", kw_monitor_uri },
	CFG_KW_END
};
CFG_REGISTER_KEYWORDS(reply_kws);

/* ------------------------------------------------------- http-errors */

static int http_errors_begin(struct cfg_ctx *ctx, int argc, char **args)
{
	struct http_errors *e;
	char bad = 0;

	cur_errors = NULL;
	if (argc != 2)
		return cfg_alert(ctx, "'http-errors': expected 'http-errors <name>'");
	if (!cfg_valid_name(args[1], &bad))
		return cfg_alert(ctx, "'http-errors': invalid character '%c' in name '%s'", bad,
				 args[1]);
	for (e = errors_sections; e; e = e->next)
		if (strcmp(e->name, args[1]) == 0)
			return cfg_alert(ctx, "'http-errors': a section named '%s' exists already "
					 "(%s:%d)", args[1], e->conf_file, e->conf_line);
	e = cfg_calloc(1, sizeof(*e));
	e->name = cfg_strdup(args[1]);
	e->conf_file = ctx->file;
	e->conf_line = ctx->line;
	e->next = errors_sections;
	errors_sections = e;
	cur_errors = e;
	ctx->px = NULL;
	return 0;
}

static struct cfg_section sec_http_errors = {
	.name = "http-errors", .id = CFG_SEC_HTTP_ERRORS, .begin = http_errors_begin,
};
CFG_REGISTER_SECTION(sec_http_errors);

const struct http_reply *px_http_errors_find(const char *name, int status, int *found)
{
	const struct http_errors *e;
	int slot = http_err_slot(status);

	for (e = errors_sections; e && strcmp(e->name, name); e = e->next)
		;
	*found = !!e;
	return e && slot >= 0 ? e->err[slot] : NULL;
}

/* ----------------------------------------------------- after parsing */

/* HAProxy's monitor page, unless an errorfile 200 replaces it. */
static const char monitor_page[] =
	"<html><body><h1>200 OK</h1>\nService ready.\n</body></html>\n";

static int px_resolve_errors(void)
{
	int ret = 0;

	for (struct proxy *px = proxies_list; px; px = px->next) {
		for (const struct err_dir *d = px->err_dirs; d; d = d->next) {
			const struct http_errors *e;

			if (d->slot >= 0) {
				px->errmsg[d->slot] = d->reply;
				continue;
			}
			for (e = errors_sections; e && strcmp(e->name, d->section); e = e->next)
				;
			if (!e) {
				ret = cfg_alert_at(d->conf_file, d->conf_line, "'errorfiles': no "
						   "http-errors section named '%s'", d->section);
				continue;
			}
			for (int i = 0; i < HTTP_ERR_SLOTS; i++)
				if (e->err[i] && (!d->codes || (d->codes & (1U << i))))
					px->errmsg[i] = e->err[i];
		}
		if (px->monitor_uri && px->mode != PX_MODE_HTTP) {
			cfg_warn_at(px->conf_file, px->conf_line, "proxy '%s': 'monitor-uri' is "
				    "ignored in mode tcp", px->id);
			free(px->monitor_uri);
			px->monitor_uri = NULL;
		}
		if (px->monitor_uri) {
			struct cfg_ctx ctx = { .file = px->conf_file, .line = px->conf_line };
			static const char *const n[] = { "cache-control" }, *const v[] = { "no-cache" };

			px->monitor_reply = px->errmsg[http_err_slot(200)];
			if (!px->monitor_reply)
				px->monitor_reply = http_reply_build(&ctx, 200, "text/html", n, v, 1,
								     monitor_page,
								     sizeof(monitor_page) - 1,
								     px_reply_max());
			if (!px->monitor_reply)
				ret = -1;
		}
	}
	return ret;
}
CFG_REGISTER_POSTPARSER(px_errors, CFG_POST_PROXY, px_resolve_errors);

static void errors_sections_free(void)
{
	struct http_errors *e;

	while ((e = errors_sections)) {
		errors_sections = e->next;
		free(e->name);
		free(e);
	}
	cur_errors = NULL;
}
CFG_REGISTER_DEINIT(http_errors, errors_sections_free);
