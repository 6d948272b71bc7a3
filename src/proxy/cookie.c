/* cookie.c: cookie persistence. The request's Cookie headers are scanned
 * for the backend's cookie name; its value (or the part before '~' in
 * prefix mode) names a server by its "cookie" option. Responses then tell
 * the client which server it got: insert adds a Set-Cookie, rewrite
 * replaces the value of the server's own cookie, prefix prepends the
 * server's id to it. */
#include <stdlib.h>
#include <string.h>
#include "proxy/cookie.h"
#include "proxy/proxy-t.h"
#include "lb/server-t.h"
#include "http/h1.h"
#include "cfg/cfg.h"

static int srv_usable(const struct server *srv)
{
	unsigned st = __atomic_load_n(&srv->state, __ATOMIC_RELAXED);

	return !(srv->flags & SRV_F_MAINT) && (st == SRV_ST_RUNNING || st == SRV_ST_STARTING);
}

static struct server *srv_by_cookie(struct proxy *be, const char *v, size_t len)
{
	for (struct server *srv = be->srv; srv; srv = srv->next)
		if (srv->cookie && strlen(srv->cookie) == len && memcmp(srv->cookie, v, len) == 0)
			return srv;
	return NULL;
}

/* Appends to scratch; returns a view of what was written or len 0. */
struct sbuf {
	char *p, *end;
};

static struct ist sb_put(struct sbuf *b, const char *a, size_t al, const char *c, size_t cl)
{
	struct ist r = { b->p, al + cl };

	if ((size_t)(b->end - b->p) < al + cl)
		return (struct ist){ NULL, 0 };
	memcpy(b->p, a, al);
	memcpy(b->p + al, c, cl);
	b->p += al + cl;
	return r;
}

struct server *cookie_req(struct proxy *be, struct http_msg *m, char *scratch, size_t room)
{
	const char *name = be->ck.name;
	size_t nl = strlen(name);
	struct server *found = NULL;
	struct sbuf sb = { scratch, scratch + room };

	for (unsigned i = 0; i < m->nb_hdrs; i++) {
		struct http_hdr *h = &m->hdrs[i];
		const char *p = h->v.ptr, *e = h->v.ptr + h->v.len;
		char out[1024];
		size_t ol = 0;
		int changed = 0;

		if (!h->n.len || !ist_ieq(h->n, "cookie"))
			continue;
		/* "a=1; b=2": copy the pairs we keep into out[] */
		while (p < e) {
			const char *s = p, *eq, *pe;

			while (s < e && (*s == ' ' || *s == '\t' || *s == ';'))
				s++;
			pe = memchr(s, ';', (size_t)(e - s));
			if (!pe)
				pe = e;
			p = pe;
			if (s == pe)
				continue;
			eq = memchr(s, '=', (size_t)(pe - s));
			if (eq && (size_t)(eq - s) == nl && memcmp(s, name, nl) == 0) {
				const char *v = eq + 1, *ve = pe, *tilde;

				while (ve > v && (ve[-1] == ' ' || ve[-1] == '\t'))
					ve--;
				if (be->ck.mode & PX_CK_PREFIX) {
					tilde = memchr(v, '~', (size_t)(ve - v));
					if (tilde) {
						if (!found)
							found = srv_by_cookie(be, v, (size_t)(tilde - v));
						/* forward "name=rest" */
						if (ol + nl + 3 + (size_t)(ve - tilde) < sizeof(out)) {
							if (ol)
								out[ol++] = ';', out[ol++] = ' ';
							memcpy(out + ol, s, nl + 1);
							ol += nl + 1;
							memcpy(out + ol, tilde + 1, (size_t)(ve - tilde - 1));
							ol += (size_t)(ve - tilde - 1);
						}
						changed = 1;
						continue;
					}
				} else if (!found) {
					found = srv_by_cookie(be, v, (size_t)(ve - v));
				}
				if (be->ck.mode & PX_CK_INDIRECT) {
					changed = 1;       /* the server never sees it */
					continue;
				}
			}
			if (ol + (size_t)(pe - s) + 2 < sizeof(out)) {
				if (ol)
					out[ol++] = ';', out[ol++] = ' ';
				memcpy(out + ol, s, (size_t)(pe - s));
				ol += (size_t)(pe - s);
			}
		}
		if (changed) {
			if (!ol)
				h->n.len = 0;      /* nothing left: drop the header */
			else
				h->v = sb_put(&sb, out, ol, "", 0);
		}
	}
	return found && srv_usable(found) ? found : NULL;
}

unsigned cookie_rsp(struct proxy *be, struct server *srv, int had_valid, struct http_msg *m,
		    struct http_hdr *extra, char *scratch, size_t room)
{
	const char *name = be->ck.name;
	size_t nl = strlen(name);
	struct sbuf sb = { scratch, scratch + room };
	unsigned n = 0;

	if (!srv || !srv->cookie)
		return 0;
	for (unsigned i = 0; i < m->nb_hdrs; i++) {
		struct http_hdr *h = &m->hdrs[i];

		if (!h->n.len || !ist_ieq(h->n, "set-cookie") || h->v.len <= nl ||
		    memcmp(h->v.ptr, name, nl) != 0 || h->v.ptr[nl] != '=')
			continue;
		if (be->ck.mode & PX_CK_INSERT) {
			h->n.len = 0;              /* ours replaces the server's */
		} else if (be->ck.mode & PX_CK_REWRITE) {
			/* NAME=<server id><rest after the value> */
			const char *v = h->v.ptr + nl + 1, *ve = memchr(v, ';', h->v.len - nl - 1);
			char head[256];
			int hl;

			if (!ve)
				ve = h->v.ptr + h->v.len;
			hl = snprintf(head, sizeof(head), "%s=%s", name, srv->cookie);
			if (hl > 0 && (size_t)hl < sizeof(head))
				h->v = sb_put(&sb, head, (size_t)hl, ve, (size_t)(h->v.ptr + h->v.len - ve));
		} else if (be->ck.mode & PX_CK_PREFIX) {
			char head[256];
			int hl = snprintf(head, sizeof(head), "%s=%s~", name, srv->cookie);

			if (hl > 0 && (size_t)hl < sizeof(head))
				h->v = sb_put(&sb, head, (size_t)hl, h->v.ptr + nl + 1, h->v.len - nl - 1);
		}
	}
	if ((be->ck.mode & PX_CK_INSERT) && !had_valid) {
		char v[512];
		int vl = snprintf(v, sizeof(v), "%s=%s; path=/%s%s", name, srv->cookie,
				  (be->ck.mode & PX_CK_HTTPONLY) ? "; HttpOnly" : "",
				  (be->ck.mode & PX_CK_SECURE) ? "; Secure" : "");

		if (vl > 0 && (size_t)vl < sizeof(v)) {
			extra[n].n = (struct ist){ "Set-Cookie", 10 };
			extra[n].v = sb_put(&sb, v, (size_t)vl, "", 0);
			if (extra[n].v.len)
				n++;
		}
		if (be->ck.mode & PX_CK_NOCACHE) {
			extra[n].n = (struct ist){ "Cache-Control", 13 };
			extra[n].v = (struct ist){ "private", 7 };
			n++;
		}
	}
	return n;
}

/* ---- configuration ---- */

/* "cookie <name> [rewrite|insert|prefix] [indirect] [nocache] [httponly] [secure]" */
static int kw_cookie(struct cfg_ctx *ctx, int argc, char **args)
{
	static const struct { const char *w; unsigned f; } words[] = {
		{ "insert", PX_CK_INSERT }, { "rewrite", PX_CK_REWRITE }, { "prefix", PX_CK_PREFIX },
		{ "indirect", PX_CK_INDIRECT }, { "nocache", PX_CK_NOCACHE },
		{ "httponly", PX_CK_HTTPONLY }, { "secure", PX_CK_SECURE },
	};
	unsigned mode = 0;

	if (cfg_check_argc(ctx, "cookie",
			   "cookie <name> [rewrite|insert|prefix] [indirect] [nocache] [httponly] [secure]",
			   argc, 1, 1, -1) < 0)
		return -1;
	for (int i = 2; i < argc; i++) {
		unsigned k;

		for (k = 0; k < ARRAY_SIZE(words); k++)
			if (strcmp(args[i], words[k].w) == 0)
				break;
		if (k == ARRAY_SIZE(words))
			return cfg_alert(ctx, "'cookie': unknown option '%s' (expected rewrite, insert, prefix, "
					 "indirect, nocache, httponly or secure)", args[i]);
		mode |= words[k].f;
	}
	if (__builtin_popcount(mode & (PX_CK_INSERT | PX_CK_REWRITE | PX_CK_PREFIX)) > 1)
		return cfg_alert(ctx, "'cookie': choose one of rewrite, insert or prefix");
	if (!(mode & (PX_CK_INSERT | PX_CK_PREFIX)))
		mode |= PX_CK_REWRITE;         /* HAProxy's default */
	if ((mode & (PX_CK_INDIRECT | PX_CK_NOCACHE)) && !(mode & PX_CK_INSERT))
		return cfg_alert(ctx, "'cookie': 'indirect' and 'nocache' only apply to 'insert'");
	free(ctx->px->ck.name);            /* a later line replaces the earlier one */
	ctx->px->ck.name = cfg_strdup(args[1]);
	ctx->px->ck.mode = mode;
	return 0;
}

static int srv_kw_cookie(struct cfg_ctx *ctx, struct server *srv, char **args)
{
	if (!*args[1] || strpbrk(args[1], ";=~ \t,"))
		return cfg_alert(ctx, "'server %s cookie': invalid value '%s'", srv->id, args[1]);
	free(srv->cookie);
	srv->cookie = cfg_strdup(args[1]);
	return 0;
}

static const struct cfg_kw cookie_kws[] = {
	{ "cookie", CFG_SEC_DEFAULTS | CFG_SEC_BACKEND | CFG_SEC_LISTEN, CFG_SEC_FRONTEND, 0,
	  "cookie <name> [rewrite|insert|prefix] [indirect] [nocache] [httponly] [secure]", kw_cookie },
	CFG_KW_END
};
CFG_REGISTER_KEYWORDS(cookie_kws);

static const struct srv_kw cookie_srv_kws[] = {
	{ "cookie", 1, "cookie <value>", srv_kw_cookie },
	{ 0 }
};
SRV_REGISTER_KEYWORDS(cookie_srv_kws);
