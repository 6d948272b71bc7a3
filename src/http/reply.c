/* reply.c: responses known at configuration time, checked and laid out once
 * so that sending one at run time is a head emission and a copy. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include "http/reply.h"
#include "http/h1.h"
#include "cfg/cfg.h"
#include "core/compiler.h"
#include "core/global-t.h"

static struct http_reply *all_replies;

static const short err_codes[HTTP_ERR_SLOTS] = {
	200, 400, 401, 403, 404, 405, 407, 408, 410, 413,
	414, 425, 429, 431, 500, 501, 502, 503, 504, 505,
};

/* err_codes[] as text, in step with it */
const char http_err_codes_txt[] = "200, 400, 401, 403, 404, 405, 407, 408, 410, 413, "
				   "414, 425, 429, 431, 500, 501, 502, 503, 504, 505";

int http_err_slot(int status)
{
	for (int i = 0; i < HTTP_ERR_SLOTS; i++)
		if (err_codes[i] == status)
			return i;
	return -1;
}

int http_err_status(int slot)
{
	return slot >= 0 && slot < HTTP_ERR_SLOTS ? err_codes[slot] : 0;
}

static struct http_reply *reply_new(struct cfg_ctx *ctx)
{
	struct http_reply *r = cfg_calloc(1, sizeof(*r));

	r->magic = HTTP_REPLY_MAGIC;
	r->conf_file = ctx->file;
	r->conf_line = ctx->line;
	r->next = all_replies;
	all_replies = r;
	return r;
}

size_t http_reply_head_size(const struct http_reply *r)
{
	size_t n = 64 + r->msg.reason.len;          /* status line, framing, connection */

	for (unsigned i = 0; i < r->msg.nb_hdrs; i++)
		n += r->msg.hdrs[i].n.len + r->msg.hdrs[i].v.len + 4;
	return n;
}

char *http_reply_read_file(struct cfg_ctx *ctx, const char *kw, const char *path, size_t max,
			   size_t *len)
{
	struct stat sb;
	char *data;
	ssize_t n;
	size_t got = 0;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0) {
		cfg_alert(ctx, "'%s': cannot open '%s' (%s)", kw, path, strerror(errno));
		return NULL;
	}
	if (fstat(fd, &sb) < 0 || (!S_ISREG(sb.st_mode) && !S_ISCHR(sb.st_mode))) {
		cfg_alert(ctx, "'%s': '%s' is not a regular file", kw, path);
		close(fd);
		return NULL;
	}
	data = cfg_calloc(1, max + 1);
	while (got <= max && (n = read(fd, data + got, max + 1 - got)) > 0)
		got += (size_t)n;
	close(fd);
	if (got > max) {
		cfg_alert(ctx, "'%s': '%s' is larger than %zu bytes (a response must fit in "
			  "a buffer: tune.bufsize less tune.maxrewrite)", kw, path, max);
		free(data);
		return NULL;
	}
	*len = got;
	return data;
}

struct http_reply *http_reply_from_file(struct cfg_ctx *ctx, const char *path, size_t max)
{
	struct http_reply *r;
	struct http_msg m = { 0 };
	size_t len, body;
	char *data = http_reply_read_file(ctx, "errorfile", path, max, &len);
	int hl;

	if (!data)
		return NULL;
	r = reply_new(ctx);
	r->store = data;
	if (!len) {
		r->flags |= HTTP_REPLY_F_EMPTY;
		return r;
	}
	m.max_hdrs = h1_settings.max_hdrs ? h1_settings.max_hdrs : HTTP_MAX_HDR_DEFAULT;
	m.hdrs = cfg_calloc(m.max_hdrs, sizeof(*m.hdrs));
	hl = h1_parse_rsp(data, len, &m, &h1_settings);
	if (hl <= 0 || m.status < 200) {
		free(m.hdrs);
		return cfg_alert(ctx, "'errorfile': '%s' is not a valid HTTP response (%s)", path,
				 hl < 0 ? h1_err_str(hl) : m.status ? "interim status" :
				 "incomplete head"), NULL;
	}
	if (m.flags & (HTTP_MF_CHUNKED | HTTP_MF_TE_OTHER)) {
		free(m.hdrs);
		return cfg_alert(ctx, "'errorfile': '%s': Transfer-Encoding is not supported in "
				 "an errorfile: give its length with Content-Length", path), NULL;
	}
	body = len - (size_t)hl;
	if ((m.flags & HTTP_MF_CL) && m.body_len != body) {
		free(m.hdrs);
		return cfg_alert(ctx, "'errorfile': '%s': Content-Length says %llu bytes but the "
				 "body has %zu", path, (unsigned long long)m.body_len, body), NULL;
	}
	m.flags |= HTTP_MF_CL | HTTP_MF_VER_11;
	m.body_len = body;
	r->msg = m;
	r->body = (struct ist){ data + hl, body };
	return r;
}

struct http_reply *http_reply_build(struct cfg_ctx *ctx, int status, const char *ctype,
				    const char *const *hdr_names, const char *const *hdr_values,
				    unsigned nb, const char *body, size_t len, size_t max)
{
	struct http_reply *r;
	size_t need = len;
	char *p;
	unsigned n = 0;

	for (unsigned i = 0; i < nb; i++)
		need += strlen(hdr_names[i]) + strlen(hdr_values[i]);
	if (ctype)
		need += strlen(ctype);
	r = reply_new(ctx);
	r->store = p = cfg_calloc(1, need + 1);
	r->msg.status = status;
	r->msg.reason = (struct ist){ http_reason(status), strlen(http_reason(status)) };
	r->msg.flags = HTTP_MF_CL | HTTP_MF_VER_11;
	r->msg.body_len = len;
	r->msg.max_hdrs = nb + 1;
	r->msg.hdrs = cfg_calloc(nb + 1, sizeof(*r->msg.hdrs));
	for (unsigned i = 0; i < nb; i++) {
		size_t nl = strlen(hdr_names[i]), vl = strlen(hdr_values[i]);

		r->msg.hdrs[n].n = (struct ist){ memcpy(p, hdr_names[i], nl), nl };
		p += nl;
		r->msg.hdrs[n++].v = (struct ist){ memcpy(p, hdr_values[i], vl), vl };
		p += vl;
	}
	if (ctype && *ctype) {
		size_t cl = strlen(ctype);

		r->msg.hdrs[n].n = (struct ist){ "content-type", 12 };
		r->msg.hdrs[n++].v = (struct ist){ memcpy(p, ctype, cl), cl };
		p += cl;
	}
	r->msg.nb_hdrs = n;
	if (len)
		memcpy(p, body, len);
	r->body = (struct ist){ p, len };
	if (http_reply_head_size(r) + len > max)
		return cfg_alert(ctx, "the response is larger than %zu bytes (it must fit in a "
				 "buffer: tune.bufsize less tune.maxrewrite)", max), NULL;
	return r;
}

static void replies_free(void)
{
	struct http_reply *r;

	while ((r = all_replies)) {
		all_replies = r->next;
		free(r->msg.hdrs);
		free(r->store);
		r->magic = 0;
		free(r);
	}
}

CFG_REGISTER_DEINIT(http_replies, replies_free);
