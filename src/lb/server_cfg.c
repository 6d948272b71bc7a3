/* server_cfg.c: the "server", "balance" and "hash-type" keywords of backend
 * and listen sections, and the server checks after parsing. */
#include <limits.h>
#include <string.h>

#include "cfg/cfg.h"
#include "core/compiler.h"
#include "lb/lb.h"
#include "lb/server-t.h"
#include "net/addr.h"
#include "net/conn.h"
#include "proxy/proxy-t.h"

#define SERVER_USAGE "server <name> <address>:<port> [options...]"
#define SRV_WEIGHT_MAX 256

/* srv->addr_log: "ip:port", formatted once rather than per logged request. */
static void server_format_addr(struct server *srv)
{
	const struct sockaddr_storage *a = &srv->addr;
	unsigned port = a->ss_family == AF_INET ? ntohs(((const struct sockaddr_in *)a)->sin_port) :
			a->ss_family == AF_INET6 ? ntohs(((const struct sockaddr_in6 *)a)->sin6_port) : 0;
	char ip[INET6_ADDRSTRLEN + 8];

	conn_addr_str(a, ip, sizeof(ip));
	snprintf(srv->addr_log, sizeof(srv->addr_log), "%s:%u", ip, port);
}

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
	server_format_addr(srv);
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
	{ 0 }
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
	{ "redispatch", "option redispatch", opt_redispatch },
	{ 0 }
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

/* ---------------------------------------------------- balance, hash-type
 * "balance" parses into a fresh struct lb_conf (keeping hash-type), which
 * replaces the proxy's only when the whole line is valid. */

#define BALANCE_USAGE   "balance <algorithm> [<arguments>]"
#define BALANCE_ALGOS   "roundrobin, static-rr, leastconn, first, source, uri, url_param, " \
			"hdr(<name>), random"
#define URI_USAGE       "balance uri [whole] [len <n>] [depth <n>] [path-only]"
#define URL_PARAM_USAGE "balance url_param <param>"
#define HDR_USAGE       "balance hdr(<name>) [use_domain_only]"
#define RANDOM_USAGE    "balance random[(<draws>)] or balance random [draws <n>]"
#define HASH_TYPE_USAGE "hash-type map-based|consistent [<function>] [avalanche]"
#define DRAWS_MAX       100

static int balance_uri(struct cfg_ctx *ctx, int argc, char **args, struct lb_conf *c)
{
	unsigned long long v;

	for (int i = 2; i < argc; i++) {
		if (strcmp(args[i], "whole") == 0) {
			c->flags |= LB_URI_WHOLE;
		} else if (strcmp(args[i], "path-only") == 0) {
			c->flags |= LB_URI_PATH_ONLY;
		} else if (strcmp(args[i], "len") == 0 || strcmp(args[i], "depth") == 0) {
			char kw[32];

			if (i + 1 >= argc)
				return cfg_alert(ctx, "'balance uri': '%s' needs a number (expected '" URI_USAGE "')",
						 args[i]);
			snprintf(kw, sizeof(kw), "balance uri %s", args[i]);
			if (cfg_get_uint(ctx, kw, args[i + 1], 1, INT_MAX, &v) < 0)
				return -1;
			if (args[i][0] == 'l')
				c->uri_len = (unsigned)v;
			else
				c->uri_depth = (unsigned)v;
			i++;
		} else {
			return cfg_alert(ctx, "'balance uri': unknown argument '%s' (expected '" URI_USAGE "')",
					 args[i]);
		}
	}
	return 0;
}

static int balance_url_param(struct cfg_ctx *ctx, int argc, char **args, struct lb_conf *c)
{
	if (argc < 3 || !*args[2])
		return cfg_alert(ctx, "'balance url_param': missing parameter name (expected '"
				 URL_PARAM_USAGE "')");
	if (argc > 3) {
		if (strcmp(args[3], "check_post") == 0)
			return cfg_alert(ctx, "'balance url_param': 'check_post' is not supported "
					 "(parameters are looked up in the query string only)");
		return cfg_alert(ctx, "'balance url_param': unexpected '%s' after the parameter name "
				 "(expected '" URL_PARAM_USAGE "')", args[3]);
	}
	c->param = cfg_strdup(args[2]);
	c->param_len = strlen(c->param);
	return 0;
}

static int is_token(const char *s, size_t len)
{
	static const char tchar[] = "!#$%&'*+-.^_`|~";

	if (!len)
		return 0;
	for (size_t i = 0; i < len; i++) {
		unsigned char ch = s[i];

		if (!((ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
		      (ch && strchr(tchar, ch))))
			return 0;
	}
	return 1;
}

/* args[1] is "hdr(<name>)" */
static int balance_hdr(struct cfg_ctx *ctx, int argc, char **args, struct lb_conf *c)
{
	const char *name = args[1] + 4;
	size_t len = strlen(name);

	if (!len || name[len - 1] != ')')
		return cfg_alert(ctx, "'balance %s': missing ')' (expected '" HDR_USAGE "')", args[1]);
	len--;
	if (!len)
		return cfg_alert(ctx, "'balance hdr()': missing header name (expected '" HDR_USAGE "')");
	if (!is_token(name, len))
		return cfg_alert(ctx, "'balance %s': invalid header name '%.*s'", args[1], (int)len, name);
	for (int i = 2; i < argc; i++) {
		if (strcmp(args[i], "use_domain_only") != 0)
			return cfg_alert(ctx, "'balance %s': unknown argument '%s' (expected '" HDR_USAGE "')",
					 args[1], args[i]);
		c->flags |= LB_HDR_DOMAIN;
	}
	c->param = cfg_calloc(1, len + 1);
	memcpy(c->param, name, len);
	c->param_len = len;
	return 0;
}

/* args[1] is "random" or "random(<draws>)" */
static int balance_random(struct cfg_ctx *ctx, int argc, char **args, struct lb_conf *c)
{
	const char *draws = NULL;
	unsigned long long v;
	char num[32];

	if (args[1][6] == '(') {
		size_t len = strlen(args[1] + 7);

		if (!len || args[1][6 + len] != ')' || len > sizeof(num))
			return cfg_alert(ctx, "'balance %s': malformed draws (expected '" RANDOM_USAGE "')",
					 args[1]);
		memcpy(num, args[1] + 7, len - 1);
		num[len - 1] = 0;
		draws = num;
		if (argc > 2)
			return cfg_alert(ctx, "'balance %s': unexpected '%s' (expected '" RANDOM_USAGE "')",
					 args[1], args[2]);
	} else if (argc > 2) {
		if (strcmp(args[2], "draws") != 0 || argc != 4)
			return cfg_alert(ctx, "'balance random': unexpected '%s' (expected '" RANDOM_USAGE "')",
					 args[2]);
		draws = args[3];
	}
	if (draws) {
		if (cfg_get_uint(ctx, "balance random draws", draws, 1, DRAWS_MAX, &v) < 0)
			return -1;
		c->draws = (unsigned)v;
	}
	return 0;
}

static int kw_balance(struct cfg_ctx *ctx, int argc, char **args)
{
	static const struct {
		const char *algo;     /* as written; "(" ends a prefix */
		const char *ops;      /* registered lb_ops name */
		int (*parse)(struct cfg_ctx *ctx, int argc, char **args, struct lb_conf *c);
	} algos[] = {
		{ "roundrobin", "roundrobin", NULL },
		{ "static-rr",  "static-rr",  NULL },
		{ "leastconn",  "leastconn",  NULL },
		{ "first",      "first",      NULL },
		{ "source",     "source",     NULL },
		{ "uri",        "uri",        balance_uri },
		{ "url_param",  "url_param",  balance_url_param },
		{ "hdr(",       "hdr",        balance_hdr },
		{ "random(",    "random",     balance_random },
		{ "random",     "random",     balance_random },
	};
	struct lb_conf c = { .hash_type = ctx->px->lbc.hash_type };
	const struct lb_ops *ops = NULL;
	size_t i;

	if (cfg_check_argc(ctx, "balance", BALANCE_USAGE, argc, 1, 1, -1) < 0)
		return -1;
	for (i = 0; i < ARRAY_SIZE(algos); i++) {
		size_t len = strlen(algos[i].algo);
		int prefix = algos[i].algo[len - 1] == '(';

		if (prefix ? strncmp(args[1], algos[i].algo, len) == 0 : strcmp(args[1], algos[i].algo) == 0)
			break;
	}
	if (i == ARRAY_SIZE(algos) || !(ops = lb_find(algos[i].ops)))
		return cfg_alert(ctx, "'balance': unsupported balance algorithm '%s' (supported: "
				 BALANCE_ALGOS ")", args[1]);
	if (!algos[i].parse && argc > 2)
		return cfg_alert(ctx, "'balance %s' takes no argument", args[1]);
	if (algos[i].parse && algos[i].parse(ctx, argc, args, &c) < 0) {
		lb_conf_free(&c);
		return -1;
	}
	lb_conf_free(&ctx->px->lbc);
	ctx->px->lbc = c;
	ctx->px->lb = ops;
	return 0;
}

static int kw_hash_type(struct cfg_ctx *ctx, int argc, char **args)
{
	static const char *const funcs[] = { "sdbm", "djb2", "wt6", "crc32", "none" };
	enum lb_hash_type t;

	if (cfg_check_argc(ctx, "hash-type", HASH_TYPE_USAGE, argc, 1, 1, 3) < 0)
		return -1;
	if (strcmp(args[1], "map-based") == 0)
		t = LB_HASH_MAP_BASED;
	else if (strcmp(args[1], "consistent") == 0)
		t = LB_HASH_CONSISTENT;
	else
		return cfg_alert(ctx, "'hash-type': unknown method '%s' (expected '" HASH_TYPE_USAGE "')",
				 args[1]);
	for (int i = 2; i < argc; i++) {
		int known = strcmp(args[i], "avalanche") == 0 && (i == argc - 1);

		for (size_t f = 0; i == 2 && f < ARRAY_SIZE(funcs); f++)
			known |= strcmp(args[i], funcs[f]) == 0;
		if (!known)
			return cfg_alert(ctx, "'hash-type': unknown %s '%s' (expected '" HASH_TYPE_USAGE "' "
					 "with function sdbm, djb2, wt6, crc32 or none)",
					 i == 2 ? "function" : "modifier", args[i]);
		cfg_warn(ctx, "'hash-type': '%s' ignored: sluice hashes keys with XXH3", args[i]);
	}
	ctx->px->lbc.hash_type = t;
	return 0;
}

static const struct cfg_kw server_kws[] = {
	{ "server",  CFG_SEC_BACKEND | CFG_SEC_LISTEN, 0, 0, SERVER_USAGE, kw_server },
	{ "balance", CFG_SEC_DEFAULTS | CFG_SEC_BACKEND | CFG_SEC_LISTEN, CFG_SEC_FRONTEND, 0,
	             BALANCE_USAGE, kw_balance },
	{ "hash-type", CFG_SEC_DEFAULTS | CFG_SEC_BACKEND | CFG_SEC_LISTEN, CFG_SEC_FRONTEND, 0,
	             HASH_TYPE_USAGE, kw_hash_type },
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
		if (px->lb && (px->lb->flags & LB_ALGO_HTTP) && px->mode != PX_MODE_HTTP)
			cfg_warn_at(px->conf_file, px->conf_line,
				    "%s '%s': 'balance %s' needs 'mode http': its connections will be "
				    "balanced round robin", (px->cap & PX_CAP_FE) ? "listen" : "backend",
				    px->id, px->lb->name);
		if (!px->srv && (!(px->cap & PX_CAP_FE) || px->defbe == px))
			cfg_warn_at(px->conf_file, px->conf_line,
				    "%s '%s' has no server: its requests will get a 503 response",
				    (px->cap & PX_CAP_FE) ? "listen" : "backend", px->id);
	}
	return ret;
}
CFG_REGISTER_POSTPARSER(server, CFG_POST_SERVER, server_check);
