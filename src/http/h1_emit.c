/* h1_emit.c: HTTP/1.1 head writer. Hop-by-hop headers (RFC 9110 7.6.1:
 * Connection and the headers it names, Keep-Alive, Proxy-Connection, TE,
 * Transfer-Encoding, Upgrade) are dropped; framing headers are rebuilt from
 * what the parser validated, so that both hops agree on the body length. */
#include <string.h>
#include "http/h1_emit.h"
#include "http/h1.h"
#include "mem/buf.h"

#define MAX_CONN_TOKENS 16

struct wr {
	char *p, *end;
	int err;
};

static inline void wr_put(struct wr *w, const char *s, size_t n)
{
	if ((size_t)(w->end - w->p) < n) {
		w->err = 1;
		return;
	}
	memcpy(w->p, s, n);
	w->p += n;
}

static inline void wr_ist(struct wr *w, struct ist s) { wr_put(w, s.ptr, s.len); }
static inline void wr_str(struct wr *w, const char *s) { wr_put(w, s, strlen(s)); }

static void wr_u64(struct wr *w, uint64_t v)
{
	char tmp[24], *p = tmp + sizeof(tmp);

	do {
		*--p = '0' + v % 10;
		v /= 10;
	} while (v);
	wr_put(w, p, tmp + sizeof(tmp) - p);
}

static inline void wr_hdr(struct wr *w, struct ist n, struct ist v)
{
	wr_ist(w, n);
	wr_put(w, ": ", 2);
	wr_ist(w, v);
	wr_put(w, "\r\n", 2);
}

/* Collect the tokens of every Connection header. */
static unsigned conn_tokens(const struct http_msg *m, struct ist *tok)
{
	unsigned n = 0;

	for (unsigned i = 0; i < m->nb_hdrs; i++) {
		const char *p, *e;

		if (!ist_ieq(m->hdrs[i].n, "connection"))
			continue;
		p = m->hdrs[i].v.ptr;
		e = p + m->hdrs[i].v.len;
		while (p < e && n < MAX_CONN_TOKENS) {
			const char *s;

			while (p < e && (*p == ',' || *p == ' ' || *p == '\t'))
				p++;
			s = p;
			while (p < e && *p != ',' && *p != ' ' && *p != '\t')
				p++;
			if (p > s)
				tok[n++] = (struct ist){ s, (size_t)(p - s) };
		}
	}
	return n;
}

/* 1 when the header must not cross the proxy. */
static int is_hop_by_hop(struct ist n, const struct ist *tok, unsigned nt)
{
	switch (n.len) {
	case 2:  if (ist_ieq(n, "te")) return 1; break;
	case 7:  if (ist_ieq(n, "upgrade")) return 1; break;
	case 10: if (ist_ieq(n, "connection") || ist_ieq(n, "keep-alive")) return 1; break;
	case 14: if (ist_ieq(n, "content-length")) return 1; break;
	case 16: if (ist_ieq(n, "proxy-connection")) return 1; break;
	case 17: if (ist_ieq(n, "transfer-encoding")) return 1; break;
	}
	for (unsigned i = 0; i < nt; i++)
		if (tok[i].len == n.len && strncasecmp(tok[i].ptr, n.ptr, n.len) == 0)
			return 1;
	return 0;
}

/* Transfer-Encoding for a chunked body: the codings applied before chunked
 * (RFC 9112 6.1: "gzip, chunked") stay announced, or the receiver would take
 * coded bytes for the content. Fields may be several; they become one. The
 * parser saw to it that "chunked" is last and only once. */
static void wr_te_chunked(struct wr *w, const struct http_msg *m)
{
	struct ist e;
	size_t pos;

	wr_str(w, "transfer-encoding: ");
	if (m->flags & HTTP_MF_TE_CODING) {
		for (unsigned i = 0; i < m->nb_hdrs; i++) {
			if (!ist_ieq(m->hdrs[i].n, "transfer-encoding"))
				continue;
			for (pos = 0; h1_list_next(m->hdrs[i].v, &pos, &e);) {
				if (ist_ieq(e, "chunked"))
					continue;
				wr_ist(w, e);
				wr_put(w, ", ", 2);
			}
		}
	}
	wr_str(w, "chunked\r\n");
}

/* Which framing headers a head may carry (FR_*). */
#define FR_CL 0x1                   /* Content-Length */
#define FR_TE 0x2                   /* Transfer-Encoding */

static void wr_headers(struct wr *w, const struct http_msg *m, const struct h1_emit_opts *o,
		       unsigned framing)
{
	struct ist tok[MAX_CONN_TOKENS];
	unsigned nt = conn_tokens(m, tok);

	for (unsigned i = 0; i < m->nb_hdrs; i++) {
		const struct http_hdr *h = &m->hdrs[i];

		if (!h->n.len)
			continue;              /* removed by the caller */
		if (is_hop_by_hop(h->n, tok, nt)) {
			/* A Transfer-Encoding we cannot rebuild (response body
			 * delimited by close) is passed as received. */
			if ((framing & FR_TE) && (m->flags & HTTP_MF_TE_OTHER) &&
			    ist_ieq(h->n, "transfer-encoding"))
				wr_hdr(w, h->n, h->v);
			continue;
		}
		wr_hdr(w, h->n, h->v);
	}
	if (m->flags & HTTP_MF_CHUNKED) {
		if (framing & FR_TE)
			wr_te_chunked(w, m);
	} else if ((m->flags & HTTP_MF_CL) && (framing & FR_CL)) {
		wr_str(w, "content-length: ");
		wr_u64(w, m->body_len);
		wr_put(w, "\r\n", 2);
	}
	switch (o->conn) {
	case H1_CONN_CLOSE:   wr_str(w, "connection: close\r\n"); break;
	case H1_CONN_KAL:     wr_str(w, "connection: keep-alive\r\n"); break;
	case H1_CONN_UPGRADE: {
		/* keep the Upgrade header(s) the peer asked for */
		for (unsigned i = 0; i < m->nb_hdrs; i++)
			if (ist_ieq(m->hdrs[i].n, "upgrade"))
				wr_hdr(w, m->hdrs[i].n, m->hdrs[i].v);
		wr_str(w, "connection: upgrade\r\n");
		break;
	}
	case H1_CONN_NONE:    break;
	}
	if (o->xff_name.len) {
		/* if-none: the caller passes xff_name only when it must be added */
		wr_hdr(w, o->xff_name, o->xff_value);
	}
	for (unsigned i = 0; i < o->nb_extra; i++)
		wr_hdr(w, o->extra[i].n, o->extra[i].v);
	wr_put(w, "\r\n", 2);
}

static int commit(struct buffer *out, struct wr *w, char *start)
{
	if (w->err)
		return -1;
	out->data += (uint32_t)(w->p - start);
	return 0;
}

static char *prepare(struct buffer *out, struct wr *w)
{
	if (b_tailroom(out) < b_room(out) / 2)
		b_realign(out);
	w->p = b_tail(out);
	w->end = out->area + out->size;
	w->err = 0;
	return w->p;
}

int h1_emit_req(struct buffer *out, const struct http_msg *m, const struct h1_emit_opts *o)
{
	struct wr w;
	char *start = prepare(out, &w);

	wr_ist(&w, m->method);
	wr_put(&w, " ", 1);
	wr_ist(&w, m->uri);
	wr_str(&w, o->version_10 ? " HTTP/1.0\r\n" : " HTTP/1.1\r\n");
	wr_headers(&w, m, o, FR_CL | FR_TE);
	return commit(out, &w, start);
}

/* RFC 9110 8.6 and RFC 9112 6.1: a 1xx or 204 carries neither
 * Content-Length nor Transfer-Encoding; a 304 may tell the length of what a
 * 200 would carry, but it has no body and so no transfer coding. */
static unsigned rsp_framing(int status)
{
	if (status < 200 || status == 204)
		return 0;
	if (status == 304)
		return FR_CL;
	return FR_CL | FR_TE;
}

int h1_emit_rsp(struct buffer *out, const struct http_msg *m, const struct h1_emit_opts *o)
{
	struct wr w;
	char *start = prepare(out, &w);
	char st[4] = { '0' + m->status / 100 % 10, '0' + m->status / 10 % 10, '0' + m->status % 10, ' ' };

	wr_str(&w, "HTTP/1.1 ");
	wr_put(&w, st, 4);
	if (m->reason.len)
		wr_ist(&w, m->reason);
	else
		wr_str(&w, http_reason(m->status));
	wr_put(&w, "\r\n", 2);
	wr_headers(&w, m, o, rsp_framing(m->status));
	return commit(out, &w, start);
}

/* The sentence of an error page: whose fault it is and what happened. */
static const char *error_text(int status)
{
	switch (status) {
	case 408: return "Your browser didn't send a complete request in time.";
	case 500: return "An internal error occurred while handling the request.";
	case 501: return "The server does not implement what the request needs.";
	case 503: return "No server is available to handle this request.";
	case 504: return "The server didn't respond in time.";
	case 505: return "Your browser sent a request in an HTTP version this server "
			 "does not support.";
	}
	return status < 500 ? "Your browser sent an invalid request." :
			      "The server returned an invalid or incomplete response.";
}

int h1_emit_error(struct buffer *out, int status)
{
	char body[256], head[256];
	int bl, hl;
	const char *reason = http_reason(status);

	bl = snprintf(body, sizeof(body), "<html><body><h1>%d %s</h1>\n%s\n</body></html>\n",
		      status, reason, error_text(status));
	hl = snprintf(head, sizeof(head),
		      "HTTP/1.1 %d %s\r\ncontent-length: %d\r\ncache-control: no-cache\r\n"
		      "content-type: text/html\r\nconnection: close\r\n\r\n", status, reason, bl);
	if (b_room(out) < (uint32_t)(hl + bl))
		return -1;
	b_putblk(out, head, hl);
	b_putblk(out, body, bl);
	return 0;
}
