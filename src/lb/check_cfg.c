/* check_cfg.c: configuration of health checks: the server options (check,
 * inter, fastinter, downinter, rise, fall, port, addr, slowstart,
 * on-marked-down, backup, disabled), "option httpchk", "option allbackups",
 * "http-check expect|send", and the completion of every check after parsing.
 *
 * HTTP settings belong to proxy sections (struct check_px, kept here by
 * proxy): a backend starts from a copy of its defaults section's settings,
 * made the first time one of its lines concerns checks (a check option on a
 * server, "option httpchk", "http-check"), so a backend that never mentions
 * checks costs nothing. As in HAProxy, "http-check" rules of a defaults
 * section are used by a backend that has none of its own: its first
 * "http-check" line drops the inherited ones.
 */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "cfg/cfg.h"
#include "core/compiler.h"
#include "http/h1.h"
#include "lb/check.h"
#include "lb/server-t.h"
#include "net/addr.h"
#include "proxy/proxy-t.h"

#define CHK_DEF_INTER 2000        /* ms, as HAProxy */
#define CHK_DEF_RISE  2
#define CHK_DEF_FALL  3
#define CHK_MAX_COUNT 100000      /* rise, fall */

struct check **check_all;
unsigned check_nb;
static unsigned check_cap;

/* HTTP settings per proxy section, newest first; and which proxies
 * inherited rules they have not replaced yet. */
struct check_px_ent {
	struct check_px hc;
	int inherited_rules;          /* exp/send come from the defaults section */
	int has_send;                 /* this section has an "http-check send" */
};
static struct check_px *check_pxs;

/* ------------------------------------------------------- HTTP settings */

static struct check_px_ent *ent_of(struct check_px *hc)
{
	return container_of(hc, struct check_px_ent, hc);
}

static struct check_px *px_find(const struct proxy *px)
{
	for (struct check_px *hc = check_pxs; hc; hc = hc->next)
		if (hc->px == px)
			return hc;
	return NULL;
}

const struct check_px *check_px_of(const struct proxy *px)
{
	return px_find(px);
}

/* Compile the regex of a rule from its text; 0 or -1 with err set. */
static int expect_compile(struct chk_expect *e, char *err, size_t errlen)
{
	int r;

	if (e->kind != CHK_EXP_RSTATUS && e->kind != CHK_EXP_RSTRING)
		return 0;
	r = regcomp(&e->re, e->text, REG_EXTENDED | REG_NOSUB);
	if (r) {
		regerror(r, &e->re, err, errlen);
		return -1;
	}
	e->re_ok = 1;
	return 0;
}

static void expect_free(struct chk_expect *e)
{
	if (e->re_ok)
		regfree(&e->re);
	free(e->text);
	free(e->ranges);
	memset(e, 0, sizeof(*e));
}

static void hdrs_free(struct chk_hdr **hdrs, unsigned *nb)
{
	for (unsigned i = 0; i < *nb; i++) {
		free((*hdrs)[i].name);
		free((*hdrs)[i].value);
	}
	free(*hdrs);
	*hdrs = NULL;
	*nb = 0;
}

/* Drop the rules (expect and send) of hc. */
static void rules_free(struct check_px *hc)
{
	for (unsigned i = 0; i < hc->nb_exp; i++)
		expect_free(&hc->exp[i]);
	free(hc->exp);
	hc->exp = NULL;
	hc->nb_exp = 0;
	hdrs_free(&hc->hdrs, &hc->nb_hdrs);
	free(hc->body);
	hc->body = NULL;
}

static void hc_free(struct check_px *hc)
{
	rules_free(hc);
	hdrs_free(&hc->vhdrs, &hc->nb_vhdrs);
	free(hc->meth);
	free(hc->uri);
	free(hc->ver);
	free(hc->req);
	free(ent_of(hc));
}

static char *dup_or_null(const char *s)
{
	return s ? cfg_strdup(s) : NULL;
}

static void hdr_add(struct chk_hdr **hdrs, unsigned *nb, const char *name, const char *value)
{
	struct chk_hdr *n = realloc(*hdrs, (*nb + 1) * sizeof(*n));

	if (!n)
		abort();
	*hdrs = n;
	n[*nb].name = cfg_strdup(name);
	n[*nb].value = cfg_strdup(value);
	(*nb)++;
}

/* The HTTP settings of the section being parsed, created on first use as a
 * copy of its defaults section's. */
static struct check_px *hc_get(const struct cfg_ctx *ctx)
{
	struct check_px *hc = px_find(ctx->px), *def;
	struct check_px_ent *ent;
	char err[128];

	if (hc)
		return hc;
	ent = cfg_calloc(1, sizeof(*ent));
	hc = &ent->hc;
	hc->px = ctx->px;
	def = ctx->defpx ? px_find(ctx->defpx) : NULL;
	if (def) {
		hc->httpchk = def->httpchk;
		hc->meth = dup_or_null(def->meth);
		hc->uri = dup_or_null(def->uri);
		hc->ver = dup_or_null(def->ver);
		for (unsigned i = 0; i < def->nb_hdrs; i++)
			hdr_add(&hc->hdrs, &hc->nb_hdrs, def->hdrs[i].name, def->hdrs[i].value);
		for (unsigned i = 0; i < def->nb_vhdrs; i++)
			hdr_add(&hc->vhdrs, &hc->nb_vhdrs, def->vhdrs[i].name, def->vhdrs[i].value);
		hc->body = dup_or_null(def->body);
		if (def->nb_exp) {
			hc->exp = cfg_calloc(def->nb_exp, sizeof(*hc->exp));
			for (unsigned i = 0; i < def->nb_exp; i++) {
				struct chk_expect *e = &hc->exp[i];

				e->kind = def->exp[i].kind;
				e->neg = def->exp[i].neg;
				e->text = cfg_strdup(def->exp[i].text);
				e->len = def->exp[i].len;
				if (def->exp[i].nb_ranges) {
					e->ranges = cfg_calloc(def->exp[i].nb_ranges, sizeof(*e->ranges));
					memcpy(e->ranges, def->exp[i].ranges,
					       def->exp[i].nb_ranges * sizeof(*e->ranges));
					e->nb_ranges = def->exp[i].nb_ranges;
				}
				/* compiled once already: it compiles again */
				BUG_ON(expect_compile(e, err, sizeof(err)) < 0);
				hc->nb_exp++;
			}
		}
		ent->inherited_rules = def->nb_exp || def->nb_hdrs || def->body;
	}
	hc->next = check_pxs;
	check_pxs = hc;
	return hc;
}

/* ------------------------------------------------------ server options */

/* The check of server <srv>, created with the defaults on first use. The
 * backend's HTTP settings are created too (so that it inherits its
 * defaults section's "option httpchk"). */
static struct check *chk_get(struct cfg_ctx *ctx, struct server *srv)
{
	struct check *chk;

	for (unsigned i = check_nb; i-- > 0;)
		if (check_all[i]->srv == srv)
			return check_all[i];
	hc_get(ctx);
	if (check_nb == check_cap) {
		unsigned cap = check_cap ? check_cap * 2 : 16;
		struct check **n = realloc(check_all, cap * sizeof(*n));

		if (!n)
			abort();
		check_all = n;
		check_cap = cap;
	}
	chk = cfg_calloc(1, sizeof(*chk));
	chk->magic = CHECK_MAGIC;
	chk->srv = srv;
	chk->inter = CHK_DEF_INTER;
	chk->rise = CHK_DEF_RISE;
	chk->fall = CHK_DEF_FALL;
	chk->tid = -1;
	check_all[check_nb++] = chk;
	return chk;
}

static int srv_kw_check(struct cfg_ctx *ctx, struct server *srv, char **args)
{
	chk_get(ctx, srv)->flags |= CHK_F_ENABLED;
	srv->flags |= SRV_F_CHECKED;
	return 0;
}

static int get_time(struct cfg_ctx *ctx, struct server *srv, char **args, unsigned *out)
{
	char kw[96];
	unsigned ms;

	snprintf(kw, sizeof(kw), "server %s %s", srv->id, args[0]);
	if (cfg_get_time(ctx, kw, args[1], &ms) < 0)
		return -1;
	if (!ms && strcmp(args[0], "slowstart") != 0)
		return cfg_alert(ctx, "'%s': the interval must be at least 1 ms", kw);
	*out = ms;
	return 0;
}

static int srv_kw_inter(struct cfg_ctx *ctx, struct server *srv, char **args)
{
	struct check *chk = chk_get(ctx, srv);

	if (strcmp(args[0], "inter") == 0)
		return get_time(ctx, srv, args, &chk->inter);
	if (strcmp(args[0], "fastinter") == 0)
		return get_time(ctx, srv, args, &chk->fastinter);
	if (strcmp(args[0], "downinter") == 0)
		return get_time(ctx, srv, args, &chk->downinter);
	return get_time(ctx, srv, args, &chk->slowstart);
}

static int srv_kw_count(struct cfg_ctx *ctx, struct server *srv, char **args)
{
	struct check *chk = chk_get(ctx, srv);
	unsigned long long v;
	char kw[96];

	snprintf(kw, sizeof(kw), "server %s %s", srv->id, args[0]);
	if (strcmp(args[0], "port") == 0) {
		if (cfg_get_uint(ctx, kw, args[1], 1, 65535, &v) < 0)
			return -1;
		chk->port = (unsigned)v;
		return 0;
	}
	if (cfg_get_uint(ctx, kw, args[1], 1, CHK_MAX_COUNT, &v) < 0)
		return -1;
	if (strcmp(args[0], "rise") == 0)
		chk->rise = (unsigned)v;
	else
		chk->fall = (unsigned)v;
	return 0;
}

/* "addr <ip|name>": an address without port (the port stays the server's
 * or "port"). */
static int srv_kw_addr(struct cfg_ctx *ctx, struct server *srv, char **args)
{
	struct check *chk = chk_get(ctx, srv);
	struct sockaddr_in *in4 = (struct sockaddr_in *)&chk->addr;
	struct sockaddr_in6 *in6 = (struct sockaddr_in6 *)&chk->addr;
	const char *a = args[1];
	char tmp[300], err[256];
	size_t n = strlen(a);

	memset(&chk->addr, 0, sizeof(chk->addr));
	if (inet_pton(AF_INET, a, &in4->sin_addr) == 1) {
		in4->sin_family = AF_INET;
		chk->addrlen = sizeof(*in4);
	} else if (n > 2 && a[0] == '[' && a[n - 1] == ']' && n - 2 < sizeof(tmp)) {
		memcpy(tmp, a + 1, n - 2);
		tmp[n - 2] = 0;
		if (inet_pton(AF_INET6, tmp, &in6->sin6_addr) != 1)
			return cfg_alert(ctx, "'server %s addr': invalid IPv6 address '%s'", srv->id, a);
		in6->sin6_family = AF_INET6;
		chk->addrlen = sizeof(*in6);
	} else if (inet_pton(AF_INET6, a, &in6->sin6_addr) == 1) {
		in6->sin6_family = AF_INET6;
		chk->addrlen = sizeof(*in6);
	} else {
		/* a host name: resolved like server addresses, on a dummy port */
		if (!n || n + 3 > sizeof(tmp) || strchr(a, ':') || strchr(a, '/'))
			return cfg_alert(ctx, "'server %s addr': invalid address '%s' (expected an IPv4 "
					 "or IPv6 address or a host name, without port)", srv->id, a);
		snprintf(tmp, sizeof(tmp), "%s:1", a);
		if (addr_parse(tmp, ADDR_F_RESOLVE, &chk->addr, &chk->addrlen, err, sizeof(err)) < 0)
			return cfg_alert(ctx, "'server %s addr': invalid address '%s': %s", srv->id, a, err);
	}
	chk->flags |= CHK_F_HAS_ADDR;
	return 0;
}

static int srv_kw_on_marked_down(struct cfg_ctx *ctx, struct server *srv, char **args)
{
	if (strcmp(args[1], "shutdown-sessions") != 0)
		return cfg_alert(ctx, "'server %s on-marked-down': unsupported action '%s' "
				 "(supported: shutdown-sessions)", srv->id, args[1]);
	chk_get(ctx, srv)->flags |= CHK_F_SHUTDOWN;
	return 0;
}

static int srv_kw_flag(struct cfg_ctx *ctx, struct server *srv, char **args)
{
	srv->flags |= strcmp(args[0], "backup") == 0 ? SRV_F_BACKUP : SRV_F_MAINT;
	return 0;
}

static const struct srv_kw check_srv_kws[] = {
	{ "check",          0, "check",                            srv_kw_check },
	{ "inter",          1, "inter <time>",                     srv_kw_inter },
	{ "fastinter",      1, "fastinter <time>",                 srv_kw_inter },
	{ "downinter",      1, "downinter <time>",                 srv_kw_inter },
	{ "slowstart",      1, "slowstart <time>",                 srv_kw_inter },
	{ "rise",           1, "rise <count>",                     srv_kw_count },
	{ "fall",           1, "fall <count>",                     srv_kw_count },
	{ "port",           1, "port <1-65535>",                   srv_kw_count },
	{ "addr",           1, "addr <address>",                   srv_kw_addr },
	{ "on-marked-down", 1, "on-marked-down shutdown-sessions", srv_kw_on_marked_down },
	{ "backup",         0, "backup",                           srv_kw_flag },
	{ "disabled",       0, "disabled",                         srv_kw_flag },
	{ 0 }
};
SRV_REGISTER_KEYWORDS(check_srv_kws);

/* ------------------------------------------------------- proxy options */

/* 1 when the section has a backend side; else warns that <what> is
 * ignored there, as HAProxy does. */
static int be_side(struct cfg_ctx *ctx, const char *what)
{
	if (ctx->px->cap & PX_CAP_BE)
		return 1;
	cfg_warn(ctx, "'%s' ignored in frontend '%s': it only applies to backends", what, ctx->px->id);
	return 0;
}

static int valid_token(const char *s)
{
	if (!*s)
		return 0;
	for (; *s; s++)
		if (!(h1_ctype[(unsigned char)*s] & H1_C_TCHAR))
			return 0;
	return 1;
}

static int valid_uri(const char *s)
{
	if (!*s)
		return 0;
	for (; *s; s++)
		if (!(h1_ctype[(unsigned char)*s] & H1_C_URI))
			return 0;
	return 1;
}

/* "HTTP/1.0", "HTTP/1.1" */
static int valid_version(const char *s)
{
	return strlen(s) == 8 && strncmp(s, "HTTP/1.", 7) == 0 && (s[7] == '0' || s[7] == '1');
}

static int valid_hdr_value(const char *s)
{
	for (; *s; s++)
		if (!(h1_ctype[(unsigned char)*s] & H1_C_VAL))
			return 0;
	return 1;
}

/* Old-style headers after the version: "HTTP/1.1\r\nHost: www" (the
 * parser turned \r\n into CR LF). Cuts them off <ver> into *hdrs. */
static int version_headers(struct cfg_ctx *ctx, struct chk_hdr **hdrs, unsigned *nb, char *ver)
{
	char *line = strstr(ver, "\r\n");

	if (!line)
		return 0;
	*line = 0;
	line += 2;
	while (*line) {
		char *end = strstr(line, "\r\n"), *colon, *v;

		if (end)
			*end = 0;
		colon = strchr(line, ':');
		if (!colon || colon == line)
			return cfg_alert(ctx, "'option httpchk': invalid header line '%s' after the version",
					 line);
		*colon = 0;
		for (v = colon + 1; *v == ' ' || *v == '\t'; v++)
			;
		if (!valid_token(line) || !valid_hdr_value(v))
			return cfg_alert(ctx, "'option httpchk': invalid header '%s' after the version", line);
		hdr_add(hdrs, nb, line, v);
		if (!end)
			break;
		line = end + 2;
	}
	return 0;
}

/* "option httpchk [<method>] [<uri>] [<version>]" (one word: the URI) */
static int opt_httpchk(struct cfg_ctx *ctx, int argc, char **args)
{
	static const char usage[] = "option httpchk [<method> <uri> [<version>]] | [<uri>]";
	const char *meth = NULL, *uri = NULL;
	char *ver = NULL;
	struct chk_hdr *glued = NULL;         /* headers glued to the version */
	unsigned nb_glued = 0;
	struct check_px *hc;

	if (ctx->neg) {
		if (argc > 2)
			return cfg_alert(ctx, "'no option httpchk' takes no argument");
		if (be_side(ctx, "no option httpchk"))
			hc_get(ctx)->httpchk = 0;
		return 0;
	}
	switch (argc) {
	case 2: break;
	case 3: uri = args[2]; break;
	case 4: meth = args[2]; uri = args[3]; break;
	case 5: meth = args[2]; uri = args[3]; ver = args[4]; break;
	default:
		return cfg_alert(ctx, "'option httpchk': too many arguments (expected '%s')", usage);
	}
	if (meth && !valid_token(meth))
		return cfg_alert(ctx, "'option httpchk': invalid method '%s'", meth);
	if (uri && !valid_uri(uri))
		return cfg_alert(ctx, "'option httpchk': invalid URI '%s'", uri);
	if (ver && version_headers(ctx, &glued, &nb_glued, ver) < 0) {
		hdrs_free(&glued, &nb_glued);
		return -1;
	}
	if (ver && !valid_version(ver)) {
		hdrs_free(&glued, &nb_glued);
		return cfg_alert(ctx, "'option httpchk': invalid version '%s' (expected HTTP/1.0 or "
				 "HTTP/1.1)", ver);
	}
	if (!be_side(ctx, "option httpchk")) {
		hdrs_free(&glued, &nb_glued);
		return 0;
	}
	/* each "option httpchk" line redefines the request line and these */
	hc = hc_get(ctx);
	hdrs_free(&hc->vhdrs, &hc->nb_vhdrs);
	hc->vhdrs = glued;
	hc->nb_vhdrs = nb_glued;
	hc->httpchk = 1;
	free(hc->meth);
	free(hc->uri);
	free(hc->ver);
	hc->meth = dup_or_null(meth);
	hc->uri = dup_or_null(uri);
	hc->ver = dup_or_null(ver);
	return 0;
}

/* "option allbackups": all backup servers take over together. */
static int opt_allbackups(struct cfg_ctx *ctx, int argc, char **args)
{
	if (argc > 2)
		return cfg_alert(ctx, "'%soption allbackups' takes no argument", ctx->neg ? "no " : "");
	if (!be_side(ctx, "option allbackups"))
		return 0;
	if (ctx->neg)
		ctx->px->options &= ~PX_O_ALLBACKUPS;
	else
		ctx->px->options |= PX_O_ALLBACKUPS;
	return 0;
}

static const struct cfg_opt_kw check_opts[] = {
	{ "httpchk",    "option httpchk [<method> <uri> [<version>]] | [<uri>]", opt_httpchk },
	{ "allbackups", "option allbackups", opt_allbackups },
	{ 0 }
};
CFG_REGISTER_OPTIONS(check_opts);

/* ------------------------------------------------------------ http-check */

/* The section's own rules start here: inherited ones go. */
static void own_rules(struct check_px *hc)
{
	struct check_px_ent *ent = ent_of(hc);

	if (ent->inherited_rules) {
		rules_free(hc);
		ent->inherited_rules = 0;
	}
}

/* "200", "200,204", "200-299,304" */
static int parse_codes(const char *s, struct chk_expect *e)
{
	const char *p = s;

	while (*p) {
		unsigned long lo, hi;
		char *end;

		if (*p < '0' || *p > '9')
			return -1;
		lo = strtoul(p, &end, 10);
		hi = lo;
		if (*end == '-') {
			if (end[1] < '0' || end[1] > '9')
				return -1;
			hi = strtoul(end + 1, &end, 10);
		}
		if (lo < 100 || hi > 999 || lo > hi || (*end && *end != ','))
			return -1;
		e->ranges = realloc(e->ranges, (e->nb_ranges + 1) * sizeof(*e->ranges));
		if (!e->ranges)
			abort();
		e->ranges[e->nb_ranges].lo = (unsigned)lo;
		e->ranges[e->nb_ranges].hi = (unsigned)hi;
		e->nb_ranges++;
		p = *end ? end + 1 : end;
		if (*end && !*p)
			return -1;
	}
	return e->nb_ranges ? 0 : -1;
}

/* "http-check expect [!] status|rstatus|string|rstring <pattern>" */
static int http_check_expect(struct cfg_ctx *ctx, struct check_px *hc, int argc, char **args)
{
	static const char usage[] = "http-check expect [!] status|rstatus|string|rstring <pattern>";
	static const char *const kinds[] = {
		[CHK_EXP_STATUS] = "status", [CHK_EXP_RSTATUS] = "rstatus",
		[CHK_EXP_STRING] = "string", [CHK_EXP_RSTRING] = "rstring",
	};
	struct chk_expect e;
	char err[128];
	int i = 2;
	unsigned k;

	memset(&e, 0, sizeof(e));
	if (i < argc && strcmp(args[i], "!") == 0) {
		e.neg = 1;
		i++;
	}
	if (i >= argc)
		return cfg_alert(ctx, "'http-check expect': missing argument (expected '%s')", usage);
	for (k = 0; k < ARRAY_SIZE(kinds); k++)
		if (strcmp(args[i], kinds[k]) == 0)
			break;
	if (k == ARRAY_SIZE(kinds))
		return cfg_alert(ctx, "'http-check expect': '%s' is not supported (supported: "
				 "status, rstatus, string, rstring)", args[i]);
	e.kind = (enum chk_expect_kind)k;
	if (i + 1 >= argc)
		return cfg_alert(ctx, "'http-check expect %s': missing pattern (expected '%s')",
				 kinds[k], usage);
	if (i + 2 < argc)
		return cfg_alert(ctx, "'http-check expect %s': too many arguments (expected '%s')",
				 kinds[k], usage);
	e.text = cfg_strdup(args[i + 1]);
	e.len = strlen(e.text);
	if (!e.len) {
		expect_free(&e);
		return cfg_alert(ctx, "'http-check expect %s': empty pattern", kinds[k]);
	}
	if (e.kind == CHK_EXP_STATUS && parse_codes(e.text, &e) < 0) {
		cfg_alert(ctx, "'http-check expect status': invalid status list '%s' (expected codes "
			  "100-999 or ranges, separated by commas: 200,300-399)", e.text);
		expect_free(&e);
		return -1;
	}
	if (expect_compile(&e, err, sizeof(err)) < 0) {
		cfg_alert(ctx, "'http-check expect %s': invalid regex '%s': %s", kinds[k], e.text, err);
		expect_free(&e);
		return -1;
	}
	own_rules(hc);
	hc->exp = realloc(hc->exp, (hc->nb_exp + 1) * sizeof(*hc->exp));
	if (!hc->exp)
		abort();
	hc->exp[hc->nb_exp++] = e;
	return 0;
}

/* "http-check send [meth <m>] [uri <u>] [ver <v>] [hdr <name> <value>]*
 * [body <string>]" */
static int http_check_send(struct cfg_ctx *ctx, struct check_px *hc, int argc, char **args)
{
	static const char usage[] = "http-check send [meth <method>] [uri <uri>] [ver <version>] "
				    "[hdr <name> <value>]* [body <string>]";
	const char *meth = NULL, *uri = NULL, *ver = NULL, *body = NULL;
	int i;

	if (ent_of(hc)->has_send)
		return cfg_alert(ctx, "'http-check send': only one per section is supported");
	for (i = 2; i < argc; i++) {
		const char *w = args[i];
		int need = strcmp(w, "hdr") == 0 ? 2 : 1;

		if (strcmp(w, "meth") && strcmp(w, "uri") && strcmp(w, "ver") && strcmp(w, "hdr") &&
		    strcmp(w, "body")) {
			if (!strcmp(w, "uri-lf") || !strcmp(w, "body-lf"))
				return cfg_alert(ctx, "'http-check send': '%s' (log-format) is not "
						 "supported", w);
			return cfg_alert(ctx, "'http-check send': unknown argument '%s' (expected '%s')",
					 w, usage);
		}
		if (i + need >= argc)
			return cfg_alert(ctx, "'http-check send': '%s' needs %s (expected '%s')", w,
					 need == 2 ? "a name and a value" : "a value", usage);
		if (!strcmp(w, "meth") && !valid_token(args[i + 1]))
			return cfg_alert(ctx, "'http-check send': invalid method '%s'", args[i + 1]);
		if (!strcmp(w, "uri") && !valid_uri(args[i + 1]))
			return cfg_alert(ctx, "'http-check send': invalid URI '%s'", args[i + 1]);
		if (!strcmp(w, "ver") && !valid_version(args[i + 1]))
			return cfg_alert(ctx, "'http-check send': invalid version '%s' (expected "
					 "HTTP/1.0 or HTTP/1.1)", args[i + 1]);
		if (!strcmp(w, "hdr") && (!valid_token(args[i + 1]) || !valid_hdr_value(args[i + 2])))
			return cfg_alert(ctx, "'http-check send': invalid header '%s: %s'",
					 args[i + 1], args[i + 2]);
		i += need;
	}
	own_rules(hc);
	for (i = 2; i < argc; i++) {
		const char *w = args[i];

		if (!strcmp(w, "meth"))
			meth = args[++i];
		else if (!strcmp(w, "uri"))
			uri = args[++i];
		else if (!strcmp(w, "ver"))
			ver = args[++i];
		else if (!strcmp(w, "body"))
			body = args[++i];
		else {
			hdr_add(&hc->hdrs, &hc->nb_hdrs, args[i + 1], args[i + 2]);
			i += 2;
		}
	}
	if (meth) {
		free(hc->meth);
		hc->meth = cfg_strdup(meth);
	}
	if (uri) {
		free(hc->uri);
		hc->uri = cfg_strdup(uri);
	}
	if (ver) {
		free(hc->ver);
		hc->ver = cfg_strdup(ver);
	}
	if (body) {
		free(hc->body);
		hc->body = cfg_strdup(body);
	}
	ent_of(hc)->has_send = 1;
	return 0;
}

static int kw_http_check(struct cfg_ctx *ctx, int argc, char **args)
{
	struct check_px *hc;

	if (argc < 2)
		return cfg_alert(ctx, "'http-check': missing argument (expected 'http-check expect ...' "
				 "or 'http-check send ...')");
	if (strcmp(args[1], "expect") && strcmp(args[1], "send"))
		return cfg_alert(ctx, "'http-check %s' is not supported (supported: expect, send)", args[1]);
	hc = hc_get(ctx);
	if (strcmp(args[1], "expect") == 0)
		return http_check_expect(ctx, hc, argc, args);
	return http_check_send(ctx, hc, argc, args);
}

#define BE_SIDE (CFG_SEC_DEFAULTS | CFG_SEC_BACKEND | CFG_SEC_LISTEN)

static const struct cfg_kw check_kws[] = {
	{ "http-check", BE_SIDE, CFG_SEC_FRONTEND, 0,
	  "http-check expect [!] status|rstatus|string|rstring <pattern> | send [meth <m>] [uri <u>] "
	  "[ver <v>] [hdr <name> <value>]* [body <string>]", kw_http_check },
	CFG_KW_END
};
CFG_REGISTER_KEYWORDS(check_kws);

/* --------------------------------------------------------- after parsing */

/* The request bytes of an HTTP check. */
static void build_request(struct check_px *hc)
{
	const char *meth = hc->meth ? hc->meth : "OPTIONS";
	const char *uri = hc->uri ? hc->uri : "/";
	const char *ver = hc->ver ? hc->ver : "HTTP/1.0";
	size_t blen = hc->body ? strlen(hc->body) : 0;
	int has_conn = 0, has_cl = 0;
	char *p = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&p, &len);

	if (!f)
		abort();
	fprintf(f, "%s %s %s\r\n", meth, uri, ver);
	for (unsigned i = 0; i < hc->nb_vhdrs + hc->nb_hdrs; i++) {
		const struct chk_hdr *h = i < hc->nb_vhdrs ? &hc->vhdrs[i] : &hc->hdrs[i - hc->nb_vhdrs];

		has_conn |= strcasecmp(h->name, "Connection") == 0;
		has_cl |= strcasecmp(h->name, "Content-Length") == 0;
		fprintf(f, "%s: %s\r\n", h->name, h->value);
	}
	if (blen && !has_cl)
		fprintf(f, "Content-Length: %zu\r\n", blen);
	if (!has_conn)
		fputs("Connection: close\r\n", f);
	fputs("\r\n", f);
	if (blen)
		fwrite(hc->body, 1, blen, f);
	if (fclose(f) != 0)
		abort();
	free(hc->req);
	hc->req = p;
	hc->req_len = len;
}

static int cmp_chk(const void *a, const void *b)
{
	const struct server *x = (*(struct check *const *)a)->srv;
	const struct server *y = (*(struct check *const *)b)->srv;

	return x < y ? -1 : x > y;
}

static void set_port(struct sockaddr_storage *ss, unsigned port)
{
	if (ss->ss_family == AF_INET)
		((struct sockaddr_in *)ss)->sin_port = htons((uint16_t)port);
	else if (ss->ss_family == AF_INET6)
		((struct sockaddr_in6 *)ss)->sin6_port = htons((uint16_t)port);
}

static unsigned get_port(const struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET)
		return ntohs(((const struct sockaddr_in *)ss)->sin_port);
	if (ss->ss_family == AF_INET6)
		return ntohs(((const struct sockaddr_in6 *)ss)->sin6_port);
	return 0;
}

/* 1 for a frontend, backend or listen section (not a defaults one). */
static int is_listed(const struct proxy *px)
{
	for (const struct proxy *p = proxies_list; p; p = p->next)
		if (p == px)
			return 1;
	return 0;
}

/* Complete every check: intervals, target address, connect timeout, HTTP
 * settings, initial health; sort them for check_of(). */
static int check_postparse(void)
{
	int errors = 0;

	for (struct check_px *hc = check_pxs; hc; hc = hc->next) {
		if (hc->httpchk)
			build_request(hc);
		if (hc->nb_exp && !hc->httpchk && (hc->px->cap & PX_CAP_BE) && is_listed(hc->px))
			cfg_warn_at(hc->px->conf_file, hc->px->conf_line,
				    "'http-check' rules of %s '%s' are ignored without 'option httpchk'",
				    hc->px->cap & PX_CAP_FE ? "listen" : "backend", hc->px->id);
	}
	for (unsigned i = 0; i < check_nb; i++) {
		struct check *chk = check_all[i];
		struct server *srv = chk->srv;
		const struct check_px *hc = check_px_of(srv->be);
		unsigned port;

		CHECK_OBJ(chk, CHECK_MAGIC);
		if (!chk->fastinter)
			chk->fastinter = chk->inter;
		if (!chk->downinter)
			chk->downinter = chk->inter;
		chk->timeout_check = srv->be->timeout.check;
		chk->timeout = chk->timeout_check && srv->be->timeout.connect ?
			       MIN(srv->be->timeout.connect, chk->inter) : chk->inter;
		chk->hc = hc && hc->httpchk ? hc : NULL;
		chk->health = chk->rise;
		chk->status = CHK_S_INI;

		if (!(chk->flags & CHK_F_HAS_ADDR)) {
			chk->addr = srv->addr;
			chk->addrlen = srv->addrlen;
		}
		if (chk->addr.ss_family == AF_UNIX) {
			if (chk->port) {
				cfg_alert_at(srv->conf_file, srv->conf_line,
					     "'server %s': 'port' cannot apply to a UNIX socket address",
					     srv->id);
				errors++;
			}
			continue;
		}
		port = chk->port ? chk->port : get_port(&srv->addr);
		if (port) {
			set_port(&chk->addr, port);
		} else if (chk->flags & CHK_F_ENABLED) {
			cfg_alert_at(srv->conf_file, srv->conf_line,
				     "'server %s': 'addr' on a UNIX socket server needs a 'port' to check",
				     srv->id);
			errors++;
		}
	}
	if (check_nb)
		qsort(check_all, check_nb, sizeof(*check_all), cmp_chk);
	return errors ? -1 : 0;
}
CFG_REGISTER_POSTPARSER(check, CFG_POST_SERVER + 5, check_postparse);

static void check_deinit(void)
{
	struct check_px *hc;

	while ((hc = check_pxs)) {
		check_pxs = hc->next;
		hc_free(hc);
	}
	for (unsigned i = 0; i < check_nb; i++) {
		check_all[i]->magic = 0;
		free(check_all[i]);
	}
	free(check_all);
	check_all = NULL;
	check_nb = check_cap = 0;
}
CFG_REGISTER_DEINIT(check, check_deinit);
