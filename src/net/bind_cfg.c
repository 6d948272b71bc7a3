/* bind_cfg.c: the "bind" keyword (one listener per address) and the check
 * that no address is bound twice. */
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>

#include "cfg/cfg.h"
#include "core/compiler.h"
#include "net/addr.h"
#include "net/conn.h"
#include "net/listener-t.h"
#include "proxy/proxy-t.h"

#define BIND_USAGE "bind <address>:<port>[,<address>:<port>...] [options...]"

static struct listener *listener_new(const struct cfg_ctx *ctx, const char *name,
				     const struct sockaddr_storage *ss, socklen_t len)
{
	struct listener *li = cfg_calloc(1, sizeof(*li));
	int i;

	li->magic = LI_MAGIC;
	li->fe = ctx->px;
	li->addr = *ss;
	li->addrlen = len;
	li->name = cfg_strdup(name);
	li->conf_file = ctx->file;
	li->conf_line = ctx->line;
	li->xprt = &xprt_raw;
	for (i = 0; i < MAX_THREADS; i++)
		li->fds[i] = -1;
	list_init(&li->list);
	return li;
}

/* "bind" takes a comma-separated list of addresses, then options, each a
 * registered bind keyword applied to every listener of the line. All
 * addresses are checked before any listener is created so that a line is
 * taken whole or not at all. */
static int kw_bind(struct cfg_ctx *ctx, int argc, char **args)
{
	struct sockaddr_storage ss[CFG_MAX_ARGS];
	socklen_t lens[CFG_MAX_ARGS];
	struct listener *lis[CFG_MAX_ARGS];
	char *names[CFG_MAX_ARGS];
	char err[256], *p, *elem;
	int n = 0, i, j;

	if (cfg_check_argc(ctx, "bind", BIND_USAGE, argc, 1, 1, -1) < 0)
		return -1;

	/* split args[1] on commas in place */
	for (p = args[1]; ; ) {
		elem = p;
		p = strchr(p, ',');
		if (p)
			*p++ = 0;
		if (!*elem)
			return cfg_alert(ctx, "'bind': empty address in list (expected '%s')", BIND_USAGE);
		if (n >= CFG_MAX_ARGS)
			return cfg_alert(ctx, "'bind': too many addresses on one line (max %d)", CFG_MAX_ARGS);
		if (addr_parse(elem, ADDR_F_RESOLVE | ADDR_F_UNIX | ADDR_F_ANY, &ss[n], &lens[n],
			       err, sizeof(err)) < 0)
			return cfg_alert(ctx, "'bind': invalid address '%s': %s", elem, err);
		names[n++] = elem;
		if (!p)
			break;
	}
	for (i = 0; i < n; i++) {
		lis[i] = listener_new(ctx, names[i], &ss[i], lens[i]);
		list_append(&ctx->px->listeners, &lis[i]->list);
	}
	for (i = 2; i < argc; i++) {
		const struct bind_kw *k = cfg_find_bind_kw(args[i]);

		if (!k)
			return cfg_alert(ctx, "'bind': unknown option '%s'", args[i]);
		if (i + k->nargs >= argc)
			return cfg_alert(ctx, "'bind': '%s' needs %d value%s (expected '%s')", args[i],
					 k->nargs, k->nargs > 1 ? "s" : "", k->usage);
		for (j = 0; j < n; j++)
			if (k->parse(ctx, lis[j], args + i) < 0)
				return -1;
		i += k->nargs;
	}
	return 0;
}

/* "mode <octal>": permissions of a UNIX socket. */
static int bind_kw_mode(struct cfg_ctx *ctx, struct listener *li, char **args)
{
	unsigned long v;
	char *end;

	if (li->addr.ss_family != AF_UNIX)
		return cfg_alert(ctx, "'bind': 'mode' only applies to UNIX sockets");
	v = strtoul(args[1], &end, 8);
	if (!*args[1] || *end || v > 07777 || args[1][0] == '-' || args[1][0] == '+')
		return cfg_alert(ctx, "'bind': invalid mode '%s' (expected an octal value such as 600)",
				 args[1]);
	li->mode = (unsigned)v;
	return 0;
}

static const struct bind_kw bind_opts[] = {
	{ "mode", 1, "mode <octal>", bind_kw_mode },
	{ 0 }
};
BIND_REGISTER_KEYWORDS(bind_opts);

static const struct cfg_kw bind_kws[] = {
	{ "bind", CFG_SEC_FRONTEND | CFG_SEC_LISTEN, 0, 0, BIND_USAGE, kw_bind },
	CFG_KW_END
};
CFG_REGISTER_KEYWORDS(bind_kws);

static int same_addr(const struct listener *a, const struct listener *b)
{
	return a->addrlen == b->addrlen && memcmp(&a->addr, &b->addr, a->addrlen) == 0;
}

/* With SO_REUSEPORT the kernel would accept the same address twice and
 * split connections between the two frontends: refuse it. */
static int listener_check(void)
{
	struct proxy *px, *qx;
	struct list *it, *bk, *jt, *jk;
	int ret = 0;

	for (px = proxies_list; px; px = px->next) {
		list_for_each_safe(it, bk, &px->listeners) {
			struct listener *li = list_elem(it, struct listener, list);
			int dup = 0;

			CHECK_OBJ(li, LI_MAGIC);
			/* compare with every listener declared before this one */
			for (qx = proxies_list; qx && !dup; qx = qx->next) {
				list_for_each_safe(jt, jk, &qx->listeners) {
					struct listener *o = list_elem(jt, struct listener, list);

					if (o == li) {
						dup = -1;
						break;
					}
					if (same_addr(o, li)) {
						ret = cfg_alert_at(li->conf_file, li->conf_line,
								   "'bind': address '%s' is already bound at %s:%d",
								   li->name, o->conf_file, o->conf_line);
						dup = 1;
						break;
					}
				}
			}
		}
	}
	return ret;
}
CFG_REGISTER_POSTPARSER(listener, CFG_POST_LISTENER, listener_check);
