/* proxy_cfg.c: the "defaults", "frontend", "backend" and "listen" sections,
 * their common keywords (mode, maxconn, timeout, option, default_backend,
 * use_backend) and the checks that tie proxies together after parsing.
 *
 * Life of a proxy: created by its section header, inheriting a copy of the
 * last "defaults" section seen before it; filled by keywords (here, and by
 * "bind" and "server" in their own rooms); linked in `proxies_list` in config
 * order; resolved by proxy_check() (backend names, modes); freed by
 * proxy_deinit() through cfg_deinit(). "defaults" sections are proxies too,
 * kept apart in `defaults_list` and never seen by the runtime.
 */
#include <limits.h>
#include <string.h>

#include "cfg/cfg.h"
#include "core/compiler.h"
#include "lb/lb.h"
#include "lb/server-t.h"
#include "net/listener-t.h"
#include "proxy/proxy-t.h"
#include "proxy/proxy.h"
#include "rules/http_rules.h"

struct proxy *proxies_list;
static struct proxy *proxies_tail;
static struct proxy *defaults_list;      /* every defaults section, newest first */
static struct proxy *cur_defaults;       /* the one new proxies inherit from */

/* State of the section being parsed: which timeouts it set itself. */
static unsigned timeouts_set;

#define PX_O_HTTP_MODES (PX_O_HTTP_SERVER_CLOSE | PX_O_HTTP_KEEP_ALIVE | PX_O_HTTPCLOSE)

static const char *px_type(const struct proxy *px)
{
	switch (px->cap & (PX_CAP_FE | PX_CAP_BE)) {
	case PX_CAP_FE | PX_CAP_BE: return "listen";
	case PX_CAP_FE:             return "frontend";
	default:                    return "backend";
	}
}

static const char *mode_name(enum px_mode m)
{
	return m == PX_MODE_HTTP ? "http" : "tcp";
}

/* ----------------------------------------------------------- allocation */

/* A new proxy with capabilities <cap> copying what <def> (a defaults
 * section, may be NULL) says. Settings apply to the side they concern only:
 * a backend does not inherit default_backend, a frontend no balance. A
 * listen section serves its own servers unless it names a default_backend
 * itself. */
static struct proxy *proxy_new(const char *name, int cap, const struct cfg_ctx *ctx,
			       const struct proxy *def)
{
	struct proxy *px = cfg_calloc(1, sizeof(*px));

	px->magic = PX_MAGIC;
	px->id = cfg_strdup(name);
	px->cap = cap;
	px->conf_file = ctx->file;
	px->conf_line = ctx->line;
	list_init(&px->listeners);
	list_init(&px->switch_rules);
	list_init(&px->http_req_rules);
	px->mode = PX_MODE_TCP;
	px->options = PX_O_HTTP_KEEP_ALIVE;
	px->retries = 3;
	px->reuse = PX_REUSE_SAFE;
	if (!def)
		return px;

	px->mode = def->mode;
	px->timeout = def->timeout;
	px->options = def->options;
	px->retries = def->retries;
	px->reuse = def->reuse;
	if (def->ck.name && (cap & PX_CAP_BE)) {
		px->ck.name = cfg_strdup(def->ck.name);
		px->ck.mode = def->ck.mode;
	}
	if (def->fwdfor_hdr)
		px->fwdfor_hdr = cfg_strdup(def->fwdfor_hdr);
	if (cap & PX_CAP_FE)
		px->maxconn = def->maxconn;
	if ((cap & PX_CAP_FE) && !(cap & PX_CAP_BE) && def->defbe_name) {
		px->defbe_name = cfg_strdup(def->defbe_name);
		px->defbe_conf_file = def->defbe_conf_file;
		px->defbe_conf_line = def->defbe_conf_line;
	}
	px_errors_inherit(px, def);
	if (cap & PX_CAP_BE) {
		px->lb = def->lb;
		lb_conf_copy(&px->lbc, &def->lbc);
		px->source = def->source;
	}
	return px;
}

/* Destructor of a proxy and everything hanging from it. */
static void proxy_free(struct proxy **ppx)
{
	struct proxy *px = *ppx;
	struct list *it, *bk;
	struct server *srv;

	if (!px)
		return;
	CHECK_OBJ(px, PX_MAGIC);
	list_for_each_safe(it, bk, &px->listeners) {
		struct listener *li = list_elem(it, struct listener, list);

		CHECK_OBJ(li, LI_MAGIC);
		list_del_init(&li->list);
		free(li->name);
		li->magic = 0;
		free(li);
	}
	px_errors_free(px);
	http_req_rules_free(px);
	list_for_each_safe(it, bk, &px->switch_rules) {
		struct switch_rule *r = list_elem(it, struct switch_rule, list);

		list_del_init(&r->list);
		free(r->be_name);
		free(r);
	}
	while ((srv = px->srv)) {
		CHECK_OBJ(srv, SRV_MAGIC);
		px->srv = srv->next;
		free(srv->id);
		free(srv->addr_str);
		free(srv->cookie);
		srv->magic = 0;
		free(srv);
	}
	lb_deinit(px);
	free(px->id);
	free(px->defbe_name);
	free(px->fwdfor_hdr);
	free(px->ck.name);
	px->magic = 0;
	free(px);
	*ppx = NULL;
}

static void proxy_deinit(void)
{
	struct proxy *px;

	while ((px = proxies_list)) {
		proxies_list = px->next;
		proxy_free(&px);
	}
	while ((px = defaults_list)) {
		defaults_list = px->next;
		proxy_free(&px);
	}
	proxies_tail = NULL;
	cur_defaults = NULL;
	timeouts_set = 0;
}
CFG_REGISTER_DEINIT(proxy, proxy_deinit);

/* -------------------------------------------------------------- sections */

static int check_name(const struct cfg_ctx *ctx, const char *what, const char *name)
{
	char bad;

	if (cfg_valid_name(name, &bad))
		return 0;
	if (!*name)
		return cfg_alert(ctx, "empty %s name", what);
	return cfg_alert(ctx, "character '%c' is not permitted in %s name '%s' (use letters, digits, "
			 "'-', '_', '.', ':')", bad, what, name);
}

/* "defaults [NAME]": starts from scratch, as in HAProxy; the following
 * proxies inherit from it. */
static int defaults_begin(struct cfg_ctx *ctx, int argc, char **args)
{
	struct proxy *def;

	timeouts_set = 0;
	if (argc > 2) {
		if (strcmp(args[1], "from") == 0 || (argc > 3 && strcmp(args[2], "from") == 0))
			cfg_alert(ctx, "'defaults': 'from' is not supported");
		else
			cfg_alert(ctx, "'defaults': too many arguments (expected 'defaults [<name>]')");
	} else if (argc == 2) {
		check_name(ctx, "defaults", args[1]);
	}
	def = proxy_new(argc >= 2 ? args[1] : "", PX_CAP_FE | PX_CAP_BE, ctx, NULL);
	def->next = defaults_list;
	defaults_list = def;
	cur_defaults = def;
	ctx->px = def;
	ctx->defpx = NULL;
	return 0;
}

static int proxy_begin(struct cfg_ctx *ctx, int argc, char **args, int cap)
{
	struct proxy *px;

	timeouts_set = 0;
	if (argc < 2)
		return cfg_alert(ctx, "'%s': missing name (expected '%s <name>')", args[0], args[0]);
	check_name(ctx, args[0], args[1]);
	if (argc > 2) {
		if (strcmp(args[2], "from") == 0)
			cfg_alert(ctx, "'%s': 'from' is not supported", args[0]);
		else
			cfg_alert(ctx, "'%s': too many arguments (expected '%s <name>'; listening "
				  "addresses go on 'bind' lines)", args[0], args[0]);
	}
	px = proxy_new(args[1], cap, ctx, cur_defaults);
	if (proxies_tail)
		proxies_tail->next = px;
	else
		proxies_list = px;
	proxies_tail = px;
	ctx->px = px;
	ctx->defpx = cur_defaults;
	return 0;
}

static int frontend_begin(struct cfg_ctx *ctx, int argc, char **args)
{
	return proxy_begin(ctx, argc, args, PX_CAP_FE);
}

static int backend_begin(struct cfg_ctx *ctx, int argc, char **args)
{
	return proxy_begin(ctx, argc, args, PX_CAP_BE);
}

static int listen_begin(struct cfg_ctx *ctx, int argc, char **args)
{
	return proxy_begin(ctx, argc, args, PX_CAP_FE | PX_CAP_BE);
}

static struct cfg_section sec_defaults = {
	.name = "defaults", .id = CFG_SEC_DEFAULTS, .begin = defaults_begin,
};
static struct cfg_section sec_frontend = {
	.name = "frontend", .id = CFG_SEC_FRONTEND, .begin = frontend_begin,
};
static struct cfg_section sec_backend = {
	.name = "backend", .id = CFG_SEC_BACKEND, .begin = backend_begin,
};
static struct cfg_section sec_listen = {
	.name = "listen", .id = CFG_SEC_LISTEN, .begin = listen_begin,
};
CFG_REGISTER_SECTION(sec_defaults);
CFG_REGISTER_SECTION(sec_frontend);
CFG_REGISTER_SECTION(sec_backend);
CFG_REGISTER_SECTION(sec_listen);

/* -------------------------------------------------------------- keywords */

static int kw_mode(struct cfg_ctx *ctx, int argc, char **args)
{
	if (cfg_check_argc(ctx, "mode", "mode http|tcp", argc, 1, 1, 1) < 0)
		return -1;
	if (strcmp(args[1], "http") == 0)
		ctx->px->mode = PX_MODE_HTTP;
	else if (strcmp(args[1], "tcp") == 0)
		ctx->px->mode = PX_MODE_TCP;
	else
		return cfg_alert(ctx, "'mode': unknown mode '%s' (expected 'mode http' or 'mode tcp')", args[1]);
	return 0;
}

static int kw_maxconn(struct cfg_ctx *ctx, int argc, char **args)
{
	unsigned long long v;

	if (cfg_check_argc(ctx, "maxconn", "maxconn <number>", argc, 1, 1, 1) < 0 ||
	    cfg_get_uint(ctx, "maxconn", args[1], 0, INT_MAX, &v) < 0)
		return -1;
	ctx->px->maxconn = (unsigned)v;
	return 0;
}

static int kw_default_backend(struct cfg_ctx *ctx, int argc, char **args)
{
	struct proxy *px = ctx->px;

	if (cfg_check_argc(ctx, "default_backend", "default_backend <backend>", argc, 1, 1, 1) < 0)
		return -1;
	if (!*args[1])
		return cfg_alert(ctx, "'default_backend': empty backend name");
	free(px->defbe_name);
	px->defbe_name = cfg_strdup(args[1]);
	px->defbe_conf_file = ctx->file;
	px->defbe_conf_line = ctx->line;
	return 0;
}

static int kw_use_backend(struct cfg_ctx *ctx, int argc, char **args)
{
	struct switch_rule *rule;

	if (cfg_check_argc(ctx, "use_backend", "use_backend <backend>", argc, 1, 1, -1) < 0)
		return -1;
	if (!*args[1])
		return cfg_alert(ctx, "'use_backend': empty backend name");
	if (strstr(args[1], "%["))
		return cfg_alert(ctx, "'use_backend': dynamic backend names ('%s') are not supported yet",
				 args[1]);
	if (argc > 2) {
		if (strcmp(args[2], "if") == 0 || strcmp(args[2], "unless") == 0)
			return cfg_alert(ctx, "'use_backend': conditions are not supported yet "
					 "('%s ...' after the backend name)", args[2]);
		return cfg_alert(ctx, "'use_backend': unexpected '%s' after the backend name "
				 "(expected 'use_backend <backend>')", args[2]);
	}
	rule = cfg_calloc(1, sizeof(*rule));
	rule->be_name = cfg_strdup(args[1]);
	rule->conf_file = ctx->file;
	rule->conf_line = ctx->line;
	list_append(&ctx->px->switch_rules, &rule->list);
	return 0;
}

/* "timeout <name> <time>": dispatch on the second word. <cap> is the side
 * the timeout concerns; elsewhere it is ignored with a warning, as in HAProxy. */
static const struct px_timeout_kw {
	const char *name;
	size_t off;
	int cap;
} timeout_kws[] = {
	{ "check",           offsetof(struct px_timeouts, check),           PX_CAP_BE },
	{ "client",          offsetof(struct px_timeouts, client),          PX_CAP_FE },
	{ "client-fin",      offsetof(struct px_timeouts, client_fin),      PX_CAP_FE },
	{ "connect",         offsetof(struct px_timeouts, connect),         PX_CAP_BE },
	{ "http-keep-alive", offsetof(struct px_timeouts, http_keep_alive), PX_CAP_FE | PX_CAP_BE },
	{ "http-request",    offsetof(struct px_timeouts, http_request),    PX_CAP_FE | PX_CAP_BE },
	{ "server",          offsetof(struct px_timeouts, server),          PX_CAP_BE },
	{ "server-fin",      offsetof(struct px_timeouts, server_fin),      PX_CAP_BE },
	{ "tunnel",          offsetof(struct px_timeouts, tunnel),          PX_CAP_BE },
	{ "queue",           offsetof(struct px_timeouts, queue),           PX_CAP_BE },
};

#define TIMEOUT_NAMES "check, client, client-fin, connect, http-keep-alive, http-request, queue, server, server-fin, tunnel"

static int kw_timeout(struct cfg_ctx *ctx, int argc, char **args)
{
	const struct px_timeout_kw *t = NULL;
	struct proxy *px = ctx->px;
	char kw[48];
	unsigned ms;
	size_t i;

	if (argc < 2)
		return cfg_alert(ctx, "'timeout': missing argument (expected 'timeout <name> <time>' "
				 "with name one of " TIMEOUT_NAMES ")");
	for (i = 0; i < ARRAY_SIZE(timeout_kws); i++)
		if (strcmp(timeout_kws[i].name, args[1]) == 0)
			t = &timeout_kws[i];
	if (!t)
		return cfg_alert(ctx, "'timeout %s' is not supported (supported: " TIMEOUT_NAMES ")", args[1]);
	snprintf(kw, sizeof(kw), "timeout %s", t->name);
	if (argc < 3)
		return cfg_alert(ctx, "'%s': missing argument (expected '%s <time>')", kw, kw);
	if (argc > 3)
		return cfg_alert(ctx, "'%s': too many arguments (expected '%s <time>')", kw, kw);
	if (cfg_get_time(ctx, kw, args[2], &ms) < 0)
		return -1;
	if (!(px->cap & t->cap))
		return cfg_warn(ctx, "'%s' ignored: %s '%s' has no %s side", kw, px_type(px), px->id,
				t->cap & PX_CAP_FE ? "frontend" : "backend");
	i = t - timeout_kws;
	if (timeouts_set & (1U << i))
		cfg_warn(ctx, "'%s' given twice in this section: the last value wins", kw);
	timeouts_set |= 1U << i;
	*(unsigned *)((char *)&px->timeout + t->off) = ms;
	return 0;
}

/* "option forwardfor [header <name>] [if-none]" */
static int valid_header_name(const char *s)
{
	static const char tchar[] = "!#$%&'*+-.^_`|~";

	if (!*s)
		return 0;
	for (; *s; s++) {
		unsigned char c = *s;

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      (c && strchr(tchar, c))))
			return 0;
	}
	return 1;
}

static int opt_forwardfor(struct cfg_ctx *ctx, int argc, char **args)
{
	static const char usage[] = "option forwardfor [header <name>] [if-none]";
	struct proxy *px = ctx->px;
	const char *hdr = NULL;
	int ifnone = 0, i;

	if (ctx->neg) {
		if (argc > 2)
			return cfg_alert(ctx, "'no option forwardfor' takes no argument");
		px->options &= ~(PX_O_FORWARDFOR | PX_O_FF_IFNONE);
		free(px->fwdfor_hdr);
		px->fwdfor_hdr = NULL;
		return 0;
	}
	for (i = 2; i < argc; i++) {
		if (strcmp(args[i], "header") == 0) {
			if (i + 1 >= argc)
				return cfg_alert(ctx, "'option forwardfor': 'header' needs a header name "
						 "(expected '%s')", usage);
			hdr = args[++i];
			if (!valid_header_name(hdr))
				return cfg_alert(ctx, "'option forwardfor': invalid header name '%s'", hdr);
		} else if (strcmp(args[i], "if-none") == 0) {
			ifnone = 1;
		} else if (strcmp(args[i], "except") == 0) {
			return cfg_alert(ctx, "'option forwardfor': 'except' is not supported yet");
		} else {
			return cfg_alert(ctx, "'option forwardfor': unknown argument '%s' (expected '%s')",
					 args[i], usage);
		}
	}
	/* each "option forwardfor" line redefines the option entirely */
	px->options |= PX_O_FORWARDFOR;
	px->options &= ~PX_O_FF_IFNONE;
	if (ifnone)
		px->options |= PX_O_FF_IFNONE;
	free(px->fwdfor_hdr);
	px->fwdfor_hdr = hdr ? cfg_strdup(hdr) : NULL;
	return 0;
}

/* The HTTP connection modes exclude each other: setting one clears the
 * others; "no option X" clears X and lets keep-alive, the default, return. */
static int opt_http_mode(struct cfg_ctx *ctx, int argc, char **args, unsigned flag)
{
	struct proxy *px = ctx->px;

	if (argc > 2)
		return cfg_alert(ctx, "'%soption %s' takes no argument", ctx->neg ? "no " : "", args[1]);
	if (ctx->neg) {
		px->options &= ~flag;
		return 0;
	}
	px->options &= ~PX_O_HTTP_MODES;
	px->options |= flag;
	return 0;
}

static int opt_http_server_close(struct cfg_ctx *ctx, int argc, char **args)
{
	return opt_http_mode(ctx, argc, args, PX_O_HTTP_SERVER_CLOSE);
}

static int opt_http_keep_alive(struct cfg_ctx *ctx, int argc, char **args)
{
	return opt_http_mode(ctx, argc, args, PX_O_HTTP_KEEP_ALIVE);
}

static int opt_httpclose(struct cfg_ctx *ctx, int argc, char **args)
{
	return opt_http_mode(ctx, argc, args, PX_O_HTTPCLOSE);
}

static const struct cfg_opt_kw px_opts[] = {
	{ "forwardfor",        "option forwardfor [header <name>] [if-none]", opt_forwardfor },
	{ "http-keep-alive",   "option http-keep-alive",   opt_http_keep_alive },
	{ "http-server-close", "option http-server-close", opt_http_server_close },
	{ "httpclose",         "option httpclose",         opt_httpclose },
	{ 0 }
};
CFG_REGISTER_OPTIONS(px_opts);

/* "option NAME": the option registered under that name (cfg.h), from any
 * room. */
static int kw_option(struct cfg_ctx *ctx, int argc, char **args)
{
	const struct cfg_opt_kw *k;

	if (argc < 2)
		return cfg_alert(ctx, "'%soption': missing option name (expected '%soption <name>')",
				 ctx->neg ? "no " : "", ctx->neg ? "no " : "");
	k = cfg_find_option(args[1]);
	if (k)
		return k->parse(ctx, argc, args);
	return cfg_alert(ctx, "unknown option '%s'", args[1]);
}

#define FE_SIDE (CFG_SEC_DEFAULTS | CFG_SEC_FRONTEND | CFG_SEC_LISTEN)

static const struct cfg_kw proxy_kws[] = {
	{ "mode",            CFG_SEC_PROXIES, 0, 0, "mode http|tcp", kw_mode },
	{ "maxconn",         FE_SIDE, CFG_SEC_BACKEND, 0, "maxconn <number>", kw_maxconn },
	{ "default_backend", FE_SIDE, CFG_SEC_BACKEND, 0, "default_backend <backend>", kw_default_backend },
	{ "use_backend",     CFG_SEC_FRONTEND | CFG_SEC_LISTEN, CFG_SEC_BACKEND, 0,
	                     "use_backend <backend>", kw_use_backend },
	{ "timeout",         CFG_SEC_PROXIES, 0, 0,
	                     "timeout check|client|client-fin|connect|http-keep-alive|http-request|queue|server|server-fin|tunnel <time>",
	                     kw_timeout },
	{ "option",          CFG_SEC_PROXIES, 0, CFG_KW_NEG,
	                     "option <name> [<arguments>]",
	                     kw_option },
	CFG_KW_END
};
CFG_REGISTER_KEYWORDS(proxy_kws);

/* --------------------------------------------------------- after parsing */

/* The backend called <name>, or NULL with an error for <kw> at file:line. */
static struct proxy *find_backend(const char *name, const struct proxy *fe, const char *kw,
				  const char *file, int line)
{
	struct proxy *px, *other = NULL;

	for (px = proxies_list; px; px = px->next) {
		if (strcmp(px->id, name) != 0)
			continue;
		if (px->cap & PX_CAP_BE)
			return px;
		other = px;
	}
	if (other)
		cfg_alert_at(file, line, "'%s' in %s '%s': '%s' is a %s, not a backend",
			     kw, px_type(fe), fe->id, name, px_type(other));
	else
		cfg_alert_at(file, line, "'%s' in %s '%s': no backend named '%s'",
			     kw, px_type(fe), fe->id, name);
	return NULL;
}

static void check_mode(const struct proxy *fe, const struct proxy *be, const char *file, int line)
{
	if (fe->mode != be->mode)
		cfg_alert_at(file, line, "%s '%s' (mode %s) cannot use backend '%s' (mode %s)",
			     px_type(fe), fe->id, mode_name(fe->mode), be->id, mode_name(be->mode));
}

static void check_timeouts(const struct proxy *px)
{
	char missing[64];
	size_t used = 0;

	missing[0] = 0;
	if ((px->cap & PX_CAP_FE) && !px->timeout.client)
		used += snprintf(missing + used, sizeof(missing) - used, "%s'client'", used ? ", " : "");
	if ((px->cap & PX_CAP_BE) && !px->timeout.connect)
		used += snprintf(missing + used, sizeof(missing) - used, "%s'connect'", used ? ", " : "");
	if ((px->cap & PX_CAP_BE) && !px->timeout.server)
		used += snprintf(missing + used, sizeof(missing) - used, "%s'server'", used ? ", " : "");
	if (used)
		cfg_warn_at(px->conf_file, px->conf_line,
			    "missing timeouts for %s '%s' (%s). While not properly invalid, you will "
			    "certainly encounter various problems with such a configuration: set them, "
			    "for instance in a 'defaults' section", px_type(px), px->id, missing);
}

static int proxy_check(void)
{
	struct proxy *px, *o;
	struct list *it, *bk;
	int errors = cfg_nb_errors();

	for (px = proxies_list; px; px = px->next) {
		CHECK_OBJ(px, PX_MAGIC);

		/* names: unique per side (a frontend and a backend may share one) */
		for (o = proxies_list; o != px; o = o->next) {
			if ((o->cap & px->cap) && strcmp(o->id, px->id) == 0) {
				cfg_alert_at(px->conf_file, px->conf_line,
					     "%s '%s' has the same name as %s '%s' declared at %s:%d",
					     px_type(px), px->id, px_type(o), o->id, o->conf_file, o->conf_line);
				break;
			}
		}

		if (px->cap & PX_CAP_FE) {
			if (px->defbe_name) {
				px->defbe = find_backend(px->defbe_name, px, "default_backend",
							 px->defbe_conf_file, px->defbe_conf_line);
				if (px->defbe)
					check_mode(px, px->defbe, px->defbe_conf_file, px->defbe_conf_line);
			} else if (px->cap & PX_CAP_BE) {
				px->defbe = px;
			}
			list_for_each_safe(it, bk, &px->switch_rules) {
				struct switch_rule *r = list_elem(it, struct switch_rule, list);

				r->be = find_backend(r->be_name, px, "use_backend", r->conf_file, r->conf_line);
				if (r->be)
					check_mode(px, r->be, r->conf_file, r->conf_line);
			}
			if (list_empty(&px->listeners))
				cfg_alert_at(px->conf_file, px->conf_line,
					     "%s '%s' has no 'bind' line: it would never accept a connection",
					     px_type(px), px->id);
			if (!px->defbe_name && !(px->cap & PX_CAP_BE) && list_empty(&px->switch_rules))
				cfg_warn_at(px->conf_file, px->conf_line,
					    "frontend '%s' has neither 'default_backend' nor 'use_backend': "
					    "every request will get a 503 response", px->id);
		}

		check_timeouts(px);

		if (px->mode != PX_MODE_HTTP) {
			static const struct { unsigned flag; const char *name; } http_only[] = {
				{ PX_O_FORWARDFOR, "forwardfor" },
				{ PX_O_HTTP_SERVER_CLOSE, "http-server-close" },
				{ PX_O_HTTPCLOSE, "httpclose" },
			};
			size_t i;

			for (i = 0; i < ARRAY_SIZE(http_only); i++)
				if (px->options & http_only[i].flag)
					cfg_warn_at(px->conf_file, px->conf_line,
						    "'option %s' ignored in %s '%s': it requires 'mode http'",
						    http_only[i].name, px_type(px), px->id);
		}
		if ((px->options & PX_O_FORWARDFOR) && !px->fwdfor_hdr)
			px->fwdfor_hdr = cfg_strdup("X-Forwarded-For");
		if (!(px->options & PX_O_HTTP_MODES))
			px->options |= PX_O_HTTP_KEEP_ALIVE;
	}
	return cfg_nb_errors() > errors ? -1 : 0;
}
CFG_REGISTER_POSTPARSER(proxy, CFG_POST_PROXY, proxy_check);
