/* server_cfg.c: the "server" and "balance" keywords of backend and listen
 * sections, and the server checks after parsing. */
#include <limits.h>
#include <string.h>

#include "cfg/cfg.h"
#include "core/compiler.h"
#include "lb/lb.h"
#include "lb/server-t.h"
#include "net/addr.h"
#include "proxy/proxy-t.h"

#define SERVER_USAGE "server <name> <address>:<port> [options...]"
#define SRV_WEIGHT_MAX 256

static int kw_server(struct cfg_ctx *ctx, int argc, char **args)
{
	struct proxy *be = ctx->px;
	struct server *srv, *last = NULL, *s;
	struct sockaddr_storage ss;
	socklen_t len;
	char err[256], bad;
	int i;

	if (cfg_check_argc(ctx, "server", SERVER_USAGE, argc, 1, 2, -1) < 0)
		return -1;
	if (!cfg_valid_name(args[1], &bad)) {
		if (!*args[1])
			return cfg_alert(ctx, "'server': empty server name");
		return cfg_alert(ctx, "'server': character '%c' is not permitted in server name '%s' "
				 "(use letters, digits, '-', '_', '.', ':')", bad, args[1]);
	}
	for (s = be->srv; s; s = s->next) {
		if (strcmp(s->id, args[1]) == 0)
			return cfg_alert(ctx, "'server %s': a server with this name was already declared "
					 "in %s '%s' at %s:%d", args[1], (be->cap & PX_CAP_FE) ? "listen" : "backend",
					 be->id, s->conf_file, s->conf_line);
		last = s;
	}
	if (addr_parse(args[2], ADDR_F_RESOLVE | ADDR_F_UNIX, &ss, &len, err, sizeof(err)) < 0)
		return cfg_alert(ctx, "'server %s': invalid address '%s': %s", args[1], args[2], err);

	srv = cfg_calloc(1, sizeof(*srv));
	srv->magic = SRV_MAGIC;
	srv->id = cfg_strdup(args[1]);
	srv->be = be;
	srv->addr = ss;
	srv->addrlen = len;
	srv->addr_str = cfg_strdup(args[2]);
	srv->weight = 1;
	srv->pool_max = UINT_MAX;
	srv->purge_delay = 5000;
	srv->conf_file = ctx->file;
	srv->conf_line = ctx->line;
	for (i = 0; i < MAX_THREADS; i++)
		list_init(&srv->idle[i]);
	srv->puid = (int)++be->nb_srv;
	if (last)
		last->next = srv;
	else
		be->srv = srv;
	/* options, each from the room that implements it */
	for (i = 3; i < argc; i++) {
		const struct srv_kw *k = cfg_find_srv_kw(args[i]);

		if (!k)
			return cfg_alert(ctx, "'server %s': unknown option '%s'", args[1], args[i]);
		if (i + k->nargs >= argc)
			return cfg_alert(ctx, "'server %s': '%s' needs %d value%s (expected '%s')",
					 args[1], args[i], k->nargs, k->nargs > 1 ? "s" : "", k->usage);
		if (k->parse(ctx, srv, args + i) < 0)
			return -1;
		i += k->nargs;
	}
	return 0;
}

static int srv_kw_weight(struct cfg_ctx *ctx, struct server *srv, char **args)
{
	unsigned long long v;
	char kw[80];

	snprintf(kw, sizeof(kw), "server %s weight", srv->id);
	if (cfg_get_uint(ctx, kw, args[1], 0, SRV_WEIGHT_MAX, &v) < 0)
		return -1;
	srv->weight = (unsigned)v;
	return 0;
}

/* "maxconn N" / "maxqueue N": slots and queue of the server (lb/queue.c) */
static int srv_kw_maxconn(struct cfg_ctx *ctx, struct server *srv, char **args)
{
	unsigned long long v;
	char kw[80];

	snprintf(kw, sizeof(kw), "server %s %s", srv->id, args[0]);
	if (cfg_get_uint(ctx, kw, args[1], 0, 1000000, &v) < 0)
		return -1;
	if (strcmp(args[0], "maxconn") == 0)
		srv->maxconn = (unsigned)v;
	else
		srv->maxqueue = (unsigned)v;
	return 0;
}

/* "pool-max-conn N" (-1: no limit), "pool-low-conn N", "pool-purge-delay T" */
static int srv_kw_pool(struct cfg_ctx *ctx, struct server *srv, char **args)
{
	unsigned long long v;
	char kw[80];

	snprintf(kw, sizeof(kw), "server %s %s", srv->id, args[0]);
	if (strcmp(args[0], "pool-purge-delay") == 0)
		return cfg_get_time(ctx, kw, args[1], &srv->purge_delay);
	if (strcmp(args[0], "pool-max-conn") == 0 && strcmp(args[1], "-1") == 0) {
		srv->pool_max = UINT_MAX;
		return 0;
	}
	if (cfg_get_uint(ctx, kw, args[1], 0, 1000000, &v) < 0)
		return -1;
	if (strcmp(args[0], "pool-max-conn") == 0)
		srv->pool_max = (unsigned)v;
	else
		srv->pool_min = (unsigned)v;
	return 0;
}

static const struct srv_kw srv_kws[] = {
	{ "pool-max-conn",    1, "pool-max-conn <number|-1>", srv_kw_pool },
	{ "pool-low-conn",    1, "pool-low-conn <number>",    srv_kw_pool },
	{ "pool-purge-delay", 1, "pool-purge-delay <time>",   srv_kw_pool },
	{ "weight",   1, "weight <0-256>",   srv_kw_weight },
	{ "maxconn",  1, "maxconn <number>", srv_kw_maxconn },
	{ "maxqueue", 1, "maxqueue <number>", srv_kw_maxconn },
	{ NULL }
};

/* "retries N": connection attempts retried after a failure (default 3). */
static int kw_retries(struct cfg_ctx *ctx, int argc, char **args)
{
	unsigned long long v;

	if (cfg_check_argc(ctx, "retries", "retries <number>", argc, 1, 1, -1) < 0)
		return -1;
	if (cfg_get_uint(ctx, "retries", args[1], 0, 100, &v) < 0)
		return -1;
	ctx->px->retries = (unsigned)v;
	return 0;
}

/* "http-reuse never|safe|aggressive|always" */
static int kw_http_reuse(struct cfg_ctx *ctx, int argc, char **args)
{
	static const char *const names[] = { "never", "safe", "aggressive", "always" };

	if (cfg_check_argc(ctx, "http-reuse", "http-reuse never|safe|aggressive|always", argc, 1, 1, -1) < 0)
		return -1;
	for (unsigned i = 0; i < ARRAY_SIZE(names); i++) {
		if (strcmp(args[1], names[i]) == 0) {
			ctx->px->reuse = (enum px_reuse)i;
			return 0;
		}
	}
	return cfg_alert(ctx, "'http-reuse': unknown strategy '%s' (expected never, safe, aggressive or always)",
			 args[1]);
}

/* "option redispatch": the last connect retry goes to another server */
static int opt_redispatch(struct cfg_ctx *ctx, int argc, char **args)
{
	if (argc > 2)
		return cfg_alert(ctx, "'option redispatch' takes no argument");
	if (ctx->neg)
		ctx->px->options &= ~PX_O_REDISPATCH;
	else
		ctx->px->options |= PX_O_REDISPATCH;
	return 0;
}

static const struct cfg_opt_kw lb_opts[] = {
	{ "redispatch", opt_redispatch },
	{ NULL }
};
CFG_REGISTER_OPTIONS(lb_opts);

#define BE_SIDE (CFG_SEC_DEFAULTS | CFG_SEC_BACKEND | CFG_SEC_LISTEN)

static const struct cfg_kw lb_kws[] = {
	{ "retries",    BE_SIDE, CFG_SEC_FRONTEND, 0, "retries <number>", kw_retries },
	{ "http-reuse", BE_SIDE, CFG_SEC_FRONTEND, 0, "http-reuse never|safe|aggressive|always", kw_http_reuse },
	CFG_KW_END
};
CFG_REGISTER_KEYWORDS(lb_kws);
SRV_REGISTER_KEYWORDS(srv_kws);

static int kw_balance(struct cfg_ctx *ctx, int argc, char **args)
{
	const struct lb_ops *ops;

	if (cfg_check_argc(ctx, "balance", "balance roundrobin", argc, 1, 1, -1) < 0)
		return -1;
	ops = lb_find(args[1]);
	if (!ops)
		return cfg_alert(ctx, "'balance': unsupported balance algorithm '%s' (supported: roundrobin)",
				 args[1]);
	if (argc > 2)
		return cfg_alert(ctx, "'balance %s' takes no argument", args[1]);
	ctx->px->lb = ops;
	return 0;
}

static const struct cfg_kw server_kws[] = {
	{ "server",  CFG_SEC_BACKEND | CFG_SEC_LISTEN, 0, 0, SERVER_USAGE, kw_server },
	{ "balance", CFG_SEC_DEFAULTS | CFG_SEC_BACKEND | CFG_SEC_LISTEN, CFG_SEC_FRONTEND, 0,
	             "balance roundrobin", kw_balance },
	CFG_KW_END
};
CFG_REGISTER_KEYWORDS(server_kws);

/* Every backend gets an algorithm (roundrobin unless told otherwise); a
 * backend without servers is valid (503 at runtime) but suspicious. */
static int server_check(void)
{
	const struct lb_ops *rr = lb_find("roundrobin");
	struct proxy *px;
	struct server *srv;
	int ret = 0;

	for (px = proxies_list; px; px = px->next) {
		unsigned n = 0;

		if (!(px->cap & PX_CAP_BE))
			continue;
		for (srv = px->srv; srv; srv = srv->next) {
			CHECK_OBJ(srv, SRV_MAGIC);
			ASSERT(srv->be == px && srv->puid == (int)++n);
		}
		ASSERT(n == px->nb_srv);
		if (!px->lb)
			px->lb = rr;
		if (!px->lb)
			ret = cfg_alert_at(px->conf_file, px->conf_line,
					   "backend '%s': no load-balancing algorithm 'roundrobin' is built in",
					   px->id);
		if (!px->srv && (!(px->cap & PX_CAP_FE) || px->defbe == px))
			cfg_warn_at(px->conf_file, px->conf_line,
				    "%s '%s' has no server: its requests will get a 503 response",
				    (px->cap & PX_CAP_FE) ? "listen" : "backend", px->id);
	}
	return ret;
}
CFG_REGISTER_POSTPARSER(server, CFG_POST_SERVER, server_check);
