/* source_cfg.c: "source ADDR[:PORT[-PORT]]", as a server option and as a
 * keyword of defaults, backend and listen sections, and the bind() of
 * outgoing connections to it.
 *
 * A server's own "source" wins over its backend's; a backend inherits the
 * one of the defaults section before it (proxy_new() copies the pointer).
 * After parsing, servers without one get their backend's (source_check),
 * so that the connect path only looks at srv->source. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <string.h>

#include "cfg/cfg.h"
#include "core/compiler.h"
#include "lb/server-t.h"
#include "net/source_cfg.h"
#include "proxy/proxy-t.h"

#define SOURCE_USAGE  "source <address>[:<port>[-<port>]]"
#define SOURCE_TRIES  1024           /* ports tried in a range per connection */

static struct source_cfg *sources;   /* every one built, for deinit */

/* ----------------------------------------------------------- runtime */

int source_apply(int fd, struct source_cfg *src)
{
	struct sockaddr_storage ss;
	unsigned n, tries, start, i;
	int one = 1;

	if (!src)
		return 0;
	ss = src->addr;
	if (!src->port_lo) {
		/* best effort: without it the kernel picks the port at bind
		 * time, which still works, with fewer ports available */
		setsockopt(fd, IPPROTO_IP, IP_BIND_ADDRESS_NO_PORT, &one, sizeof(one));
		return bind(fd, (struct sockaddr *)&ss, src->addrlen);
	}
	n = (unsigned)src->port_hi - src->port_lo + 1;
	tries = MIN(n, SOURCE_TRIES);
	start = __atomic_fetch_add(&src->next, 1, __ATOMIC_RELAXED);
	for (i = 0; i < tries; i++) {
		uint16_t port = htons((uint16_t)(src->port_lo + (start + i) % n));

		if (ss.ss_family == AF_INET)
			((struct sockaddr_in *)&ss)->sin_port = port;
		else
			((struct sockaddr_in6 *)&ss)->sin6_port = port;
		if (bind(fd, (struct sockaddr *)&ss, src->addrlen) == 0) {
			/* the next connection starts after the busy ports */
			if (i)
				__atomic_fetch_add(&src->next, i, __ATOMIC_RELAXED);
			return 0;
		}
		if (errno != EADDRINUSE)
			return -1;
	}
	errno = EADDRINUSE;
	return -1;
}

int source_bind(int fd, const struct server *srv)
{
	return source_apply(fd, srv->source);
}

/* ----------------------------------------------------------- parsing */

/* <p>: "N" or "N-M", 1-65535, N <= M. */
static int parse_ports(const char *p, uint16_t *lo, uint16_t *hi, char *err, size_t errlen)
{
	unsigned long long a, b;
	char tmp[16], *dash;

	if (strlen(p) >= sizeof(tmp)) {
		snprintf(err, errlen, "invalid port range '%s'", p);
		return -1;
	}
	memcpy(tmp, p, strlen(p) + 1);
	dash = strchr(tmp, '-');
	if (dash)
		*dash++ = 0;
	if (cfg_parse_uint(tmp, 1, 65535, &a) < 0 ||
	    (dash && cfg_parse_uint(dash, 1, 65535, &b) < 0)) {
		snprintf(err, errlen, "invalid port '%s' (expected 1-65535 or a range such as 1024-65535)", p);
		return -1;
	}
	if (!dash)
		b = a;
	if (a > b) {
		snprintf(err, errlen, "empty port range '%s' (the first port is above the last)", p);
		return -1;
	}
	*lo = (uint16_t)a;
	*hi = (uint16_t)b;
	return 0;
}

/* "1.2.3.4", "1.2.3.4:1024", "1.2.3.4:1024-2047", "[::1]:1024", "::1",
 * "*:1024" or ":1024" (any IPv4 address), with an optional ipv4@ or ipv6@
 * prefix. An IPv6 address with a port takes brackets. IP literals only:
 * a source is a local address, not a name to resolve. */
static int source_parse(const char *str, struct source_cfg *sc, char *err, size_t errlen)
{
	char host[INET6_ADDRSTRLEN + 8];
	const char *s = str, *ports = NULL, *c;
	size_t hl;
	int want = 0;
	struct sockaddr_in *s4 = (struct sockaddr_in *)&sc->addr;
	struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&sc->addr;

	if (!strncmp(s, "ipv4@", 5))
		want = AF_INET, s += 5;
	else if (!strncmp(s, "ipv6@", 5))
		want = AF_INET6, s += 5;
	if (*s == '[') {
		c = strchr(s, ']');
		if (!c) {
			snprintf(err, errlen, "missing ']'");
			return -1;
		}
		hl = (size_t)(c - s - 1);
		s++;
		if (c[1] == ':')
			ports = c + 2;
		else if (c[1]) {
			snprintf(err, errlen, "unexpected '%s' after ']'", c + 1);
			return -1;
		}
		if (want == AF_INET) {
			snprintf(err, errlen, "brackets hold IPv6 addresses only");
			return -1;
		}
		want = AF_INET6;
	} else {
		c = strchr(s, ':');
		if (c && strchr(c + 1, ':')) {
			hl = strlen(s);           /* bare IPv6: no port */
			if (want == AF_INET) {
				snprintf(err, errlen, "not an IPv4 address");
				return -1;
			}
			want = AF_INET6;
		} else {
			hl = c ? (size_t)(c - s) : strlen(s);
			if (c)
				ports = c + 1;
		}
	}
	if (hl >= sizeof(host)) {
		snprintf(err, errlen, "address too long");
		return -1;
	}
	memcpy(host, s, hl);
	host[hl] = 0;
	memset(&sc->addr, 0, sizeof(sc->addr));
	if ((!hl || !strcmp(host, "*")) && want != AF_INET6) {
		s4->sin_family = AF_INET;
		s4->sin_addr.s_addr = htonl(INADDR_ANY);
	} else if (want != AF_INET6 && inet_pton(AF_INET, host, &s4->sin_addr) == 1) {
		s4->sin_family = AF_INET;
	} else if (want != AF_INET && inet_pton(AF_INET6, host, &s6->sin6_addr) == 1) {
		s6->sin6_family = AF_INET6;
	} else {
		snprintf(err, errlen, "'%s' is not an %s address", host,
			 want == AF_INET ? "IPv4" : want == AF_INET6 ? "IPv6" : "IPv4 or IPv6");
		return -1;
	}
	sc->addrlen = sc->addr.ss_family == AF_INET ? sizeof(*s4) : sizeof(*s6);
	sc->port_lo = sc->port_hi = 0;
	if (ports && parse_ports(ports, &sc->port_lo, &sc->port_hi, err, errlen) < 0)
		return -1;
	return 0;
}

static struct source_cfg *source_new(const struct cfg_ctx *ctx, const char *who, const char *str)
{
	struct source_cfg sc, *p;
	char err[160];

	memset(&sc, 0, sizeof(sc));
	if (source_parse(str, &sc, err, sizeof(err)) < 0) {
		cfg_alert(ctx, "%s: invalid address '%s': %s (expected '%s')", who, str, err,
			  SOURCE_USAGE);
		return NULL;
	}
	p = cfg_calloc(1, sizeof(*p));
	*p = sc;
	p->str = cfg_strdup(str);
	p->all = sources;
	sources = p;
	return p;
}

static const char *family_name(int af)
{
	return af == AF_INET ? "IPv4" : af == AF_INET6 ? "IPv6" : "UNIX socket";
}

/* server option "source <addr>[:<port>[-<port>]]" */
static int srv_kw_source(struct cfg_ctx *ctx, struct server *srv, char **args)
{
	char who[96];
	struct source_cfg *sc;

	snprintf(who, sizeof(who), "'server %s': 'source'", srv->id);
	sc = source_new(ctx, who, args[1]);
	if (!sc)
		return -1;
	if (sc->addr.ss_family != srv->addr.ss_family)
		return cfg_alert(ctx, "%s: an %s source cannot be used to reach %s server address '%s'",
				 who, family_name(sc->addr.ss_family),
				 srv->addr.ss_family == AF_UNIX ? "the" : "an", srv->addr_str);
	srv->source = sc;
	return 0;
}

static const struct srv_kw source_srv_kws[] = {
	{ "source", 1, SOURCE_USAGE, srv_kw_source },
	{ .kw = NULL }
};
SRV_REGISTER_KEYWORDS(source_srv_kws);

/* proxy keyword "source <addr>[:<port>[-<port>]]" */
static int kw_source(struct cfg_ctx *ctx, int argc, char **args)
{
	struct source_cfg *sc;

	if (cfg_check_argc(ctx, "source", SOURCE_USAGE, argc, 1, 1, -1) < 0)
		return -1;
	if (argc > 2) {
		if (!strcmp(args[2], "usesrc") || !strcmp(args[2], "interface"))
			return cfg_alert(ctx, "'source': '%s' is not supported", args[2]);
		return cfg_alert(ctx, "'source': unknown argument '%s' (expected '%s')", args[2],
				 SOURCE_USAGE);
	}
	sc = source_new(ctx, "'source'", args[1]);
	if (!sc)
		return -1;
	ctx->px->source = sc;
	return 0;
}

static const struct cfg_kw source_kws[] = {
	{ "source", CFG_SEC_DEFAULTS | CFG_SEC_BACKEND | CFG_SEC_LISTEN, CFG_SEC_FRONTEND, 0,
	  SOURCE_USAGE, kw_source },
	CFG_KW_END
};
CFG_REGISTER_KEYWORDS(source_kws);

/* Servers without a source of their own take their backend's; those of
 * another IP family are an error, UNIX socket servers are left alone. */
static int source_check(void)
{
	struct proxy *px;
	struct server *srv;
	int ret = 0;

	for (px = proxies_list; px; px = px->next) {
		if (!(px->cap & PX_CAP_BE) || !px->source)
			continue;
		for (srv = px->srv; srv; srv = srv->next) {
			if (srv->source || srv->addr.ss_family == AF_UNIX)
				continue;
			if (srv->addr.ss_family != px->source->addr.ss_family) {
				ret = cfg_alert_at(srv->conf_file, srv->conf_line,
						   "'server %s': the %s source '%s' of %s '%s' cannot be "
						   "used to reach %s address '%s'", srv->id,
						   family_name(px->source->addr.ss_family), px->source->str,
						   (px->cap & PX_CAP_FE) ? "listen" : "backend", px->id,
						   family_name(srv->addr.ss_family), srv->addr_str);
				continue;
			}
			srv->source = px->source;
		}
	}
	return ret;
}
CFG_REGISTER_POSTPARSER(source, CFG_POST_SERVER + 1, source_check);

static void source_deinit(void)
{
	struct source_cfg *sc;

	while ((sc = sources)) {
		sources = sc->all;
		free(sc->str);
		free(sc);
	}
}
CFG_REGISTER_DEINIT(source, source_deinit);
