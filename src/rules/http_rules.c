/* http_rules.c: the "http-request" keyword and its "return" action.
 *
 *   http-request return [status <code>] [content-type <type>]
 *       [ default-errorfiles | errorfile <file> | errorfiles <name> |
 *         file <file> | lf-file <file> | string <str> | lf-string <fmt> ]
 *       [ hdr <name> <fmt> ]*
 *
 * as HAProxy documents it, with two limits until the rules language and the
 * log-format engine exist: no "if"/"unless" condition, and log-format
 * strings ("lf-*", "hdr" values) without %-variables. Both are refused with
 * a message rather than half honoured. */
#include <stdlib.h>
#include <string.h>
#include "rules/http_rules.h"
#include "proxy/proxy.h"
#include "proxy/proxy-t.h"
#include "http/reply.h"
#include "cfg/cfg.h"
#include "core/compiler.h"

enum hrq_src { HRQ_DUMMY, HRQ_REPLY, HRQ_PX_ERRORS, HRQ_SECTION };

struct http_req_rule {
	enum hrq_src src;
	int status;
	const struct http_reply *reply;   /* HRQ_REPLY, and HRQ_SECTION once resolved */
	char *section;                    /* HRQ_SECTION: the http-errors section */
	const char *conf_file;
	int conf_line;
	struct list list;                 /* in px->http_req_rules */
};

int http_req_rules_eval(const struct proxy *px, const struct http_reply **reply, int *status)
{
	const struct http_req_rule *r;
	int slot;

	if (list_empty(&px->http_req_rules))
		return 0;
	/* rules have no condition yet: the first one decides */
	r = list_elem(px->http_req_rules.n, struct http_req_rule, list);
	*status = r->status;
	*reply = r->reply;
	if (r->src == HRQ_PX_ERRORS && (slot = http_err_slot(r->status)) >= 0)
		*reply = px->errmsg[slot];
	return 1;
}

void http_req_rules_free(struct proxy *px)
{
	struct list *it, *bk;

	list_for_each_safe(it, bk, &px->http_req_rules) {
		struct http_req_rule *r = list_elem(it, struct http_req_rule, list);

		list_del_init(&r->list);
		free(r->section);
		free(r);
	}
}

/* A log-format string without variables, as text ("%%" is a '%'); NULL
 * (reported) when it has variables, which need the log-format engine. */
static char *lf_plain(struct cfg_ctx *ctx, const char *what, const char *fmt)
{
	char *out = cfg_strdup(fmt), *o = out;

	for (const char *p = fmt; *p; p++) {
		if (*p == '%') {
			if (p[1] != '%') {
				free(out);
				cfg_alert(ctx, "'http-request return': %s '%s' uses log-format "
					  "variables, which sluice does not evaluate yet (write "
					  "'%%%%' for a literal '%%')", what, fmt);
				return NULL;
			}
			p++;
		}
		*o++ = *p;
	}
	*o = '\0';
	return out;
}

#define RETURN_USAGE "http-request return [status <code>] [content-type <type>] " \
	"[default-errorfiles | errorfile <file> | errorfiles <name> | file <file> | " \
	"lf-file <file> | string <str> | lf-string <fmt>] [hdr <name> <fmt>]*"

static int parse_return(struct cfg_ctx *ctx, int argc, char **args, struct http_req_rule *r)
{
	const char *ctype = NULL, *src_kw = NULL, *src_arg = NULL;
	const char *hn[CFG_MAX_ARGS], *hv[CFG_MAX_ARGS];
	char *body = NULL, *tofree[CFG_MAX_ARGS];
	unsigned nh = 0, nfree = 0;
	size_t len = 0;
	int ret = -1;

	r->status = 200;
	for (int i = 2; i < argc; i++) {
		const char *kw = args[i];

		if (!strcmp(kw, "if") || !strcmp(kw, "unless"))
			return cfg_alert(ctx, "'http-request return': conditions ('%s') are not "
					 "supported yet: ACLs come with the rules language", kw);
		if (!strcmp(kw, "default-errorfiles")) {
			if (src_kw)
				return cfg_alert(ctx, "'http-request return': '%s' and '%s' both "
						 "give the response", src_kw, kw);
			src_kw = kw;
			continue;
		}
		if (i + 1 >= argc)
			return cfg_alert(ctx, "'http-request return': '%s' expects an argument "
					 "(expected '%s')", kw, RETURN_USAGE);
		if (!strcmp(kw, "status")) {
			unsigned long long v;

			if (cfg_parse_uint(args[++i], 200, 599, &v) != 0)
				return cfg_alert(ctx, "'http-request return': status '%s' is not a "
						 "code from 200 to 599", args[i]);
			r->status = (int)v;
		} else if (!strcmp(kw, "content-type")) {
			ctype = args[++i];
		} else if (!strcmp(kw, "hdr")) {
			if (i + 2 >= argc)
				return cfg_alert(ctx, "'http-request return': 'hdr' expects a name "
						 "and a value");
			hn[nh] = args[i + 1];
			if (!(hv[nh] = tofree[nfree] = lf_plain(ctx, "header value", args[i + 2])))
				goto out;
			nfree++;
			nh++;
			i += 2;
		} else if (!strcmp(kw, "errorfile") || !strcmp(kw, "errorfiles") ||
			   !strcmp(kw, "file") || !strcmp(kw, "lf-file") ||
			   !strcmp(kw, "string") || !strcmp(kw, "lf-string")) {
			if (src_kw)
				return cfg_alert(ctx, "'http-request return': '%s' and '%s' both "
						 "give the response", src_kw, kw);
			src_kw = kw;
			src_arg = args[++i];
		} else {
			return cfg_alert(ctx, "'http-request return': unknown argument '%s' "
					 "(expected '%s')", kw, RETURN_USAGE);
		}
	}
	if (src_kw && (!strcmp(src_kw, "default-errorfiles") || !strcmp(src_kw, "errorfile") ||
		       !strcmp(src_kw, "errorfiles"))) {
		if (http_err_slot(r->status) < 0)
			goto bad_err_status;
		if (!strcmp(src_kw, "default-errorfiles")) {
			r->src = HRQ_PX_ERRORS;
		} else if (!strcmp(src_kw, "errorfiles")) {
			r->src = HRQ_SECTION;
			r->section = cfg_strdup(src_arg);
		} else {
			r->src = HRQ_REPLY;
			if (!(r->reply = http_reply_from_file(ctx, src_arg, px_reply_max())))
				goto out;
		}
		ret = 0;
		goto out;
	}
	if (src_kw && (!strcmp(src_kw, "string") || !strcmp(src_kw, "lf-string"))) {
		if (!ctype)
			return cfg_alert(ctx, "'http-request return': '%s' needs a "
					 "'content-type'", src_kw);
		body = src_kw[0] == 'l' ? lf_plain(ctx, "string", src_arg) : cfg_strdup(src_arg);
		if (!body)
			goto out;
		len = strlen(body);
	} else if (src_kw) {                  /* file, lf-file */
		char *raw = http_reply_read_file(ctx, "http-request return", src_arg,
						 px_reply_max(), &len);

		if (!raw)
			goto out;
		if (src_kw[0] == 'l') {
			body = lf_plain(ctx, "file", raw);
			free(raw);
			if (!body)
				goto out;
			len = strlen(body);
		} else {
			body = raw;
		}
		if (len && !ctype) {
			cfg_alert(ctx, "'http-request return': a non-empty '%s' needs a "
				  "'content-type'", src_kw);
			goto out;
		}
	} else {
		ctype = NULL;                 /* a dummy response: status only */
	}
	r->src = HRQ_REPLY;
	r->reply = http_reply_build(ctx, r->status, len ? ctype : NULL, hn, hv, nh,
				    body, len, px_reply_max());
	ret = r->reply ? 0 : -1;
	goto out;
bad_err_status:
	cfg_alert(ctx, "'http-request return': with '%s', status %d must be one sluice "
		  "generates (%s)", src_kw, r->status, http_err_codes_txt);
out:
	free(body);
	for (unsigned i = 0; i < nfree; i++)
		free(tofree[i]);
	return ret;
}

static int kw_http_request(struct cfg_ctx *ctx, int argc, char **args)
{
	struct http_req_rule *r;

	if (argc < 2)
		return cfg_alert(ctx, "'http-request': missing action (expected 'http-request "
				 "<action> [options...]')");
	if (ctx->section == CFG_SEC_DEFAULTS)
		return cfg_alert(ctx, "'http-request' in a 'defaults' section needs a named "
				 "defaults used with 'from', which sluice does not support");
	if (strcmp(args[1], "return") != 0)
		return cfg_alert(ctx, "'http-request %s': action not supported yet (sluice has "
				 "'return'; the others come with the rules language)", args[1]);
	r = cfg_calloc(1, sizeof(*r));
	r->conf_file = ctx->file;
	r->conf_line = ctx->line;
	if (parse_return(ctx, argc, args, r) < 0) {
		free(r->section);
		free(r);
		return -1;
	}
	if (!list_empty(&ctx->px->http_req_rules))
		cfg_warn(ctx, "'http-request return': never reached: the rule before it "
			 "answers every request");
	list_append(&ctx->px->http_req_rules, &r->list);
	return 0;
}

static const struct cfg_kw http_rules_kws[] = {
	{ "http-request", CFG_SEC_PROXIES, 0, 0, RETURN_USAGE, kw_http_request },
	CFG_KW_END
};
CFG_REGISTER_KEYWORDS(http_rules_kws);

/* "errorfiles <name>" of a return: the section's file for the status. */
static int http_rules_resolve(void)
{
	int ret = 0;

	for (struct proxy *px = proxies_list; px; px = px->next) {
		struct list *it;

		for (it = px->http_req_rules.n; it != &px->http_req_rules; it = it->n) {
			struct http_req_rule *r = list_elem(it, struct http_req_rule, list);
			int found;

			if (r->src != HRQ_SECTION)
				continue;
			r->reply = px_http_errors_find(r->section, r->status, &found);
			if (!found)
				ret = cfg_alert_at(r->conf_file, r->conf_line, "'http-request return': "
						   "no http-errors section named '%s'", r->section);
		}
		if (!list_empty(&px->http_req_rules) && px->mode != PX_MODE_HTTP)
			cfg_warn_at(px->conf_file, px->conf_line, "proxy '%s': 'http-request' "
				    "rules are ignored in mode tcp", px->id);
	}
	return ret;
}
CFG_REGISTER_POSTPARSER(http_rules, CFG_POST_PROXY + 1, http_rules_resolve);
