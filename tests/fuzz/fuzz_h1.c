/* fuzz_h1.c: libFuzzer target for the HTTP/1 head parsers and the chunked
 * decoder, checking invariants and that split input decodes like whole.
 *
 * Input: byte 0 picks the mode (bits 0-1: request, response, chunked body,
 * request then response) and the limits (bits 2-4); byte 1 seeds the
 * split sizes and the header table size; the rest is the message. Every
 * call sees a heap copy of exactly the bytes it may read, so ASan catches
 * any read past them. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "http/h1.h"

#define FZ_ASSERT(c) do { \
	if (!(c)) { \
		fprintf(stderr, "%s:%d: invariant failed: %s\n", __FILE__, __LINE__, #c); \
		abort(); \
	} \
} while (0)

struct fz {
	uint32_t rng;
	struct h1_limits lim;
	const struct h1_limits *limp;
	unsigned max_hdrs;
};

static uint32_t fz_rand(struct fz *f)
{
	f->rng ^= f->rng << 13;
	f->rng ^= f->rng >> 17;
	f->rng ^= f->rng << 5;
	return f->rng;
}

static char *dup_exact(const uint8_t *p, size_t len)
{
	char *c = malloc(len ? len : 1);

	FZ_ASSERT(c);
	if (len)
		memcpy(c, p, len);
	return c;
}

static int in_buf(struct ist v, const char *buf, size_t len)
{
	return v.len <= len && v.ptr >= buf && v.ptr - buf <= (ptrdiff_t)(len - v.len);
}

static int all_class(struct ist v, unsigned cls)
{
	size_t i;

	for (i = 0; i < v.len; i++)
		if (!(h1_ctype[(unsigned char)v.ptr[i]] & cls))
			return 0;
	return 1;
}

static int ows(char c)
{
	return c == ' ' || c == '\t';
}

static int parse(int rsp, const char *buf, size_t len, struct http_msg *m, struct fz *f)
{
	m->max_hdrs = f->max_hdrs;
	m->hdrs = malloc(sizeof(*m->hdrs) * (f->max_hdrs ? f->max_hdrs : 1));
	FZ_ASSERT(m->hdrs);
	return rsp ? h1_parse_rsp(buf, len, m, f->limp) : h1_parse_req(buf, len, m, f->limp);
}

/* What a successful parse promises. */
static void check_msg(int rsp, int r, const char *buf, size_t len, const struct http_msg *m,
		      const struct fz *f)
{
	struct ist auth;
	unsigned i;

	FZ_ASSERT(r <= (long)len && r >= H1_ERR_BAD_HOST);
	if (r <= 0)
		return;
	FZ_ASSERT(m->head_len == (size_t)r);
	if (f->limp && f->limp->max_head)
		FZ_ASSERT(m->head_len <= f->limp->max_head);
	FZ_ASSERT(buf[r - 1] == '\n');
	FZ_ASSERT(m->nb_hdrs <= m->max_hdrs);
	if (f->limp && f->limp->max_hdrs)
		FZ_ASSERT(m->nb_hdrs <= f->limp->max_hdrs);
	if (rsp) {
		FZ_ASSERT(m->status >= 100 && m->status <= 999);
		FZ_ASSERT(in_buf(m->reason, buf, r));
		FZ_ASSERT(!memcmp(buf, "HTTP/1.", 7));
	} else {
		FZ_ASSERT(in_buf(m->method, buf, r) && m->method.len > 0);
		FZ_ASSERT(all_class(m->method, H1_C_TCHAR));
		FZ_ASSERT(in_buf(m->uri, buf, r) && m->uri.len > 0);
		FZ_ASSERT(all_class(m->uri, H1_C_URI));
		FZ_ASSERT(m->meth == http_meth_lookup(m->method));
		if (m->flags & HTTP_MF_VER_11)
			FZ_ASSERT(m->flags & HTTP_MF_HAS_HOST);
		FZ_ASSERT(!(m->flags & HTTP_MF_TE_OTHER));
		if (h1_uri_authority(m->uri, &auth)) {
			/* the Host value is the target's authority */
			for (i = 0; i < m->nb_hdrs; i++)
				if (ist_ieq(m->hdrs[i].n, "host"))
					FZ_ASSERT(m->hdrs[i].v.ptr == auth.ptr &&
						  m->hdrs[i].v.len == auth.len);
		}
	}
	for (i = 0; i < m->nb_hdrs; i++) {
		struct ist n = m->hdrs[i].n, v = m->hdrs[i].v;

		FZ_ASSERT(in_buf(n, buf, r) && n.len > 0 && all_class(n, H1_C_TCHAR));
		FZ_ASSERT(n.ptr[n.len] == ':');
		FZ_ASSERT(in_buf(v, buf, r) && all_class(v, H1_C_VAL));
		FZ_ASSERT(!v.len || (!ows(v.ptr[0]) && !ows(v.ptr[v.len - 1])));
	}
	FZ_ASSERT(!((m->flags & HTTP_MF_CL) && (m->flags & (HTTP_MF_CHUNKED | HTTP_MF_TE_OTHER))));
	FZ_ASSERT(!((m->flags & HTTP_MF_CHUNKED) && (m->flags & HTTP_MF_TE_OTHER)));
	if (m->flags & HTTP_MF_TE_CODING)
		FZ_ASSERT(m->flags & (HTTP_MF_CHUNKED | HTTP_MF_TE_OTHER));
	if (m->flags & HTTP_MF_CL)
		FZ_ASSERT(m->body_len <= (uint64_t)INT64_MAX);
}

static int same_view(struct ist a, const char *ba, struct ist b, const char *bb)
{
	return a.len == b.len && (!a.len || a.ptr - ba == b.ptr - bb);
}

static void check_same(const struct http_msg *a, const char *ba,
		       const struct http_msg *b, const char *bb)
{
	unsigned i;

	FZ_ASSERT(a->meth == b->meth && a->status == b->status && a->flags == b->flags);
	FZ_ASSERT(a->body_len == b->body_len && a->nb_hdrs == b->nb_hdrs);
	FZ_ASSERT(a->head_len == b->head_len);
	FZ_ASSERT(same_view(a->method, ba, b->method, bb) && same_view(a->uri, ba, b->uri, bb));
	FZ_ASSERT(same_view(a->reason, ba, b->reason, bb));
	for (i = 0; i < a->nb_hdrs; i++)
		FZ_ASSERT(same_view(a->hdrs[i].n, ba, b->hdrs[i].n, bb) &&
			  same_view(a->hdrs[i].v, ba, b->hdrs[i].v, bb));
}

/* Parse one head whole, then growing prefixes of it: the first non-zero
 * answer must be the whole answer. Returns the whole answer. */
static int fuzz_head(int rsp, const uint8_t *data, size_t len, struct fz *f)
{
	struct http_msg m, pm;
	char *buf = dup_exact(data, len), *pb;
	size_t k = 0;
	int r, pr;

	r = parse(rsp, buf, len, &m, f);
	check_msg(rsp, r, buf, len, &m, f);
	for (;;) {
		k += len <= 300 ? 1 : 1 + fz_rand(f) % 64;
		if (k > len)
			k = len;
		pb = dup_exact(data, k);
		pr = parse(rsp, pb, k, &pm, f);
		check_msg(rsp, pr, pb, k, &pm, f);
		if (pr != 0) {
			FZ_ASSERT(pr == r);
			if (pr > 0)
				check_same(&m, buf, &pm, pb);
		}
		free(pm.hdrs);
		free(pb);
		if (pr != 0 || k == len)
			break;
	}
	if (pr == 0)
		FZ_ASSERT(r == 0);
	free(m.hdrs);
	free(buf);
	return r;
}

struct dec {
	uint8_t *out;
	size_t out_len;
	size_t consumed;
	long err;
	struct h1_chunk c;
};

/* Decode a chunked body arriving in pieces (step 0: at once; else random
 * sizes), re-offering unconsumed bytes like a proxy does. */
static void decode(struct dec *d, const uint8_t *in, size_t len, int step, struct fz *f)
{
	size_t avail = step ? 0 : len, off, dl, n;
	long r;
	char *p;

	d->out_len = d->consumed = 0;
	d->err = 0;
	h1_chunk_init(&d->c);
	for (;;) {
		n = avail - d->consumed;
		p = dup_exact(in + d->consumed, n);
		r = h1_chunk_step(&d->c, p, n, &off, &dl, f->limp);
		FZ_ASSERT(r <= (long)n);
		if (r < 0) {
			FZ_ASSERT(r == H1_ERR_BAD_CHUNK);
			FZ_ASSERT(d->c.state != H1_CHK_DONE);
			free(p);
			d->err = r;
			return;
		}
		FZ_ASSERT(dl == 0 || (off < (size_t)r && dl <= (size_t)r - off));
		FZ_ASSERT(dl <= len);
		memcpy(d->out + d->out_len, p + off, dl);
		d->out_len += dl;
		FZ_ASSERT(d->out_len <= len);
		free(p);
		d->consumed += r;
		if (d->c.state == H1_CHK_DONE) {
			/* terminal: nothing more is taken */
			p = dup_exact(in + d->consumed, len - d->consumed);
			FZ_ASSERT(h1_chunk_step(&d->c, p, len - d->consumed, &off, &dl, f->limp) == 0);
			FZ_ASSERT(dl == 0);
			free(p);
			return;
		}
		if (r == 0) {
			if (avail == len)
				return;
			avail += 1 + (step == 1 ? 0 : fz_rand(f) % 97);
			if (avail > len)
				avail = len;
		}
	}
}

static void fuzz_chunked(const uint8_t *data, size_t len, struct fz *f)
{
	struct dec one, d;
	int step;

	one.out = malloc(len + 1);
	d.out = malloc(len + 1);
	decode(&one, data, len, 0, f);
	for (step = 1; step <= 2; step++) {
		decode(&d, data, len, step, f);
		FZ_ASSERT(d.err == one.err && d.consumed == one.consumed);
		FZ_ASSERT(d.c.state == one.c.state && d.c.chunk_left == one.c.chunk_left);
		FZ_ASSERT(d.out_len == one.out_len && !memcmp(d.out, one.out, d.out_len));
	}
	free(one.out);
	free(d.out);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct fz f;
	size_t off = 0;
	int mode, r, i;

	if (size < 2)
		return 0;
	mode = data[0] & 3;
	f.rng = 0x9e3779b9u ^ ((uint32_t)data[1] << 8) ^ (uint32_t)size;
	f.max_hdrs = (data[1] & 0x80) ? data[1] & 0x0f : 101;
	f.limp = &f.lim;
	switch ((data[0] >> 2) & 7) {
	case 0:
		f.limp = NULL;
		break;
	case 1:
		f.lim = (struct h1_limits){ 0, 0, 0 };
		break;
	case 2:
		f.lim = (struct h1_limits){ 8192, 16384, 101 };
		break;
	default:
		f.lim = (struct h1_limits){ 1 + (data[1] & 0x3f), 1 + data[1] * 3,
					    data[1] & 0x07 };
		break;
	}
	data += 2;
	size -= 2;

	switch (mode) {
	case 2:
		fuzz_chunked(data, size, &f);
		break;
	case 3:
		/* a response head then a body, as on a back-end connection */
		r = fuzz_head(1, data, size, &f);
		if (r > 0)
			fuzz_chunked(data + r, size - r, &f);
		break;
	default:
		/* pipelined heads */
		for (i = 0; i < 4 && off < size; i++) {
			r = fuzz_head(mode, data + off, size - off, &f);
			if (r <= 0)
				break;
			off += r;
		}
		break;
	}
	return 0;
}
