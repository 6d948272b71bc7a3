/* sl_expand.c: libsluice's expansion of packed records, the ones sluice
 * writes in a form cheaper for it than what readers see.
 *
 * Heads: sluice logs a message head as one record (ReqHead, BereqHead,
 * BerespHead, RespHead: the start line and the header lines,
 * CRLF-separated, without the empty line); readers see the records it
 * stands for (tags.h): for a request head <Side>Method, <Side>URL,
 * <Side>Protocol and one <Side>Header per header line; for a response head
 * <Side>Protocol, <Side>Status, <Side>Reason and the <Side>Header lines.
 *
 * Fmt: a template and binary values (doc/shm-format.md); readers see one
 * record of the tag it names, its text formatted here.
 *
 * The cursor queues the records and returns them one by one (sl_log.c). */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sl_int.h"

struct head_kind {
	unsigned head;
	int request;             /* start line: method url protocol */
	unsigned first, second, third, header;
	unsigned side;
};

static const struct head_kind kinds[] = {
	{ SL_TAG_ReqHead, 1, SL_TAG_ReqMethod, SL_TAG_ReqURL,
	  SL_TAG_ReqProtocol, SL_TAG_ReqHeader, SL_F_CLIENT },
	{ SL_TAG_BereqHead, 1, SL_TAG_BereqMethod, SL_TAG_BereqURL,
	  SL_TAG_BereqProtocol, SL_TAG_BereqHeader, SL_F_BACKEND },
	{ SL_TAG_BerespHead, 0, SL_TAG_BerespProtocol, SL_TAG_BerespStatus,
	  SL_TAG_BerespReason, SL_TAG_BerespHeader, SL_F_BACKEND },
	{ SL_TAG_RespHead, 0, SL_TAG_RespProtocol, SL_TAG_RespStatus,
	  SL_TAG_RespReason, SL_TAG_RespHeader, SL_F_CLIENT },
};

static const struct head_kind *kind_of(unsigned tag)
{
	for (size_t i = 0; i < sizeof(kinds) / sizeof(kinds[0]); i++)
		if (kinds[i].head == tag)
			return &kinds[i];
	return NULL;
}

int sli_is_packed_tag(unsigned tag)
{
	return tag == SL_TAG_Fmt || kind_of(tag) != NULL;
}

/* Room in xbuf for <len> bytes of queued payloads. */
static int xbuf_reserve(struct sl_cursor *c, size_t len)
{
	char *nb;

	if (len <= c->xbufsz)
		return 0;
	nb = realloc(c->xbuf, len);
	if (!nb)
		return sli_err(SL_ENOMEM, "out of memory");
	c->xbuf = nb;
	c->xbufsz = len;
	return 0;
}

static int queue(struct sl_cursor *c, unsigned tag, unsigned flags,
		 uint32_t vxid, const char *p, size_t len, size_t *used)
{
	struct sli_xrec *x;

	if (c->xn == c->xcap) {
		size_t n = c->xcap ? c->xcap * 2 : 32;
		struct sli_xrec *nq = realloc(c->xq, n * sizeof(*nq));

		if (!nq)
			return sli_err(SL_ENOMEM, "out of memory");
		c->xq = nq;
		c->xcap = n;
	}
	x = &c->xq[c->xn++];
	x->tag = tag;
	x->flags = flags;
	x->vxid = vxid;
	x->len = (uint32_t)len;
	x->off = *used;
	memmove(c->xbuf + *used, p, len);      /* p may be in xbuf (Fmt) */
	c->xbuf[*used + len] = 0;
	*used += len + 1;
	return 0;
}

/* The words of a start line: up to two blanks split it in three; the
 * third part (a reason) keeps its blanks. */
static void split3(const char *p, size_t len, size_t start[3], size_t n[3])
{
	size_t i = 0;

	for (int w = 0; w < 3; w++) {
		while (i < len && p[i] == ' ')
			i++;
		start[w] = i;
		if (w == 2)
			i = len;
		else
			while (i < len && p[i] != ' ')
				i++;
		n[w] = i - start[w];
	}
}

static int head_expand(struct sl_cursor *c, const struct sl_record *head)
{
	const struct head_kind *k = kind_of(head->tag);
	unsigned flags = (head->flags & ~SL_F_TRUNC) | k->side;
	const char *p = head->data, *end = p + head->len;
	size_t used = 0, line = 0;

	/* pieces of the payload plus a NUL per line and per start-line
	 * word: at most 2 * len + 4 bytes */
	if (xbuf_reserve(c, (size_t)head->len * 2 + 64) < 0)
		return SL_ENOMEM;
	while (p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		const char *next = eol ? eol + 1 : end;
		size_t len = (size_t)((eol ? eol : end) - p);

		if (len && p[len - 1] == '\r')
			len--;
		if (line == 0) {
			size_t st[3], n[3];
			const unsigned tags[3] = { k->first, k->second, k->third };

			split3(p, len, st, n);
			for (int w = 0; w < 3; w++) {
				/* a response's reason may be empty: keep it */
				if (!n[w] && (k->request || w < 2))
					continue;
				if (queue(c, tags[w], flags, head->vxid, p + st[w],
					  n[w], &used) < 0)
					return SL_ENOMEM;
			}
		} else if (len) {
			if (queue(c, k->header, flags, head->vxid, p, len,
				  &used) < 0)
				return SL_ENOMEM;
		}
		line++;
		p = next;
	}
	if (c->xn && head->flags & SL_F_TRUNC)
		c->xq[c->xn - 1].flags |= SL_F_TRUNC;
	return 0;
}

/* A Fmt record: word 0 = tag | n << 8 | template length << 16, n value
 * words, the template. A record that does not parse (a tag it may not
 * stand for, sizes beyond its payload) is returned as written. */
#define FMT_MAX_VALS 8

static void put_num(char **q, uint64_t v)
{
	*q += sprintf(*q, "%" PRIu64, v);
}

static int fmt_expand(struct sl_cursor *c, const struct sl_record *rec)
{
	const unsigned char *p = (const unsigned char *)rec->data;
	uint64_t w0, v[FMT_MAX_VALS];
	unsigned tag, n, tlen, used_vals = 0;
	const char *t;
	char *q;
	size_t used = 0;

	if (rec->len < 8)
		return 0;
	memcpy(&w0, p, 8);
	tag = (unsigned)(w0 & 0xff);
	n = (unsigned)(w0 >> 8 & 0xff);
	tlen = (unsigned)(w0 >> 16 & 0xffff);
	if (!tag || sli_is_packed_tag(tag) || n > FMT_MAX_VALS ||
	    (size_t)8 * (1 + n) + tlen > rec->len)
		return 0;
	memcpy(v, p + 8, (size_t)8 * n);
	t = (const char *)p + 8 * (1 + n);
	/* each directive takes 2 template bytes and writes at most 27 */
	if (xbuf_reserve(c, (size_t)tlen * 14 + 64) < 0)
		return SL_ENOMEM;
	q = c->xbuf;
	for (unsigned i = 0; i < tlen; i++) {
		char d = i + 1 < tlen ? t[i + 1] : 0;

		if (t[i] != '%' || (d != 'u' && d != 't' && d != '%')) {
			*q++ = t[i];
			continue;
		}
		i++;
		if (d == '%') {
			*q++ = '%';
		} else if (used_vals == n) {
			*q++ = '-';                  /* more directives than values */
		} else if (d == 'u') {
			put_num(&q, v[used_vals++]);
		} else {
			uint64_t us = v[used_vals++];

			put_num(&q, us / 1000000);
			q += sprintf(q, ".%06u", (unsigned)(us % 1000000));
		}
	}
	return queue(c, tag, rec->flags, rec->vxid, c->xbuf, (size_t)(q - c->xbuf), &used);
}

int sli_expand(struct sl_cursor *c, const struct sl_record *rec)
{
	c->xn = c->xi = 0;
	if (rec->tag == SL_TAG_Fmt)
		return fmt_expand(c, rec);
	return head_expand(c, rec);
}

int sli_expanded_next(struct sl_cursor *c, struct sl_record *rec)
{
	const struct sli_xrec *x = &c->xq[c->xi++];

	rec->tag = x->tag;
	rec->flags = x->flags;
	rec->vxid = x->vxid;
	rec->len = x->len;
	rec->data = c->xbuf + x->off;
	if (c->xi == c->xn)
		c->xn = c->xi = 0;
	return SL_NEXT_RECORD;
}
