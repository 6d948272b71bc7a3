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
 * Multi: a sequence of items, each a text (a head among them) or a
 * template; readers see the records the items stand for, in order, and for
 * a Begin item with a parent, the parent's Link first.
 *
 * The cursor queues the records and returns them one by one (sl_log.c). */
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
	return tag == SL_TAG_Fmt || tag == SL_TAG_Multi || kind_of(tag) != NULL;
}

/* Room in xbuf for <len> bytes of queued payloads. */
static int xbuf_reserve(struct sl_cursor *c, size_t len)
{
	char *nb;

	if (len <= c->xbufsz)
		return 0;
	if (len < 2 * c->xbufsz)
		len = 2 * c->xbufsz;
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

/* Queues the records of head text <p>, <len> bytes, of head tag <tag>. */
static int head_expand(struct sl_cursor *c, unsigned tag, unsigned rflags, uint32_t vxid,
		       const char *p, size_t hlen, size_t *used)
{
	const struct head_kind *k = kind_of(tag);
	unsigned flags = (rflags & ~SL_F_TRUNC) | k->side;
	const char *end = p + hlen;
	size_t line = 0, first = c->xn;

	/* pieces of the payload plus a NUL per line and per start-line
	 * word: at most 2 * len + 4 bytes */
	if (xbuf_reserve(c, *used + hlen * 2 + 64) < 0)
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
				if (queue(c, tags[w], flags, vxid, p + st[w], n[w], used) < 0)
					return SL_ENOMEM;
			}
		} else if (len) {
			if (queue(c, k->header, flags, vxid, p, len, used) < 0)
				return SL_ENOMEM;
		}
		line++;
		p = next;
	}
	if (c->xn > first && rflags & SL_F_TRUNC)
		c->xq[c->xn - 1].flags |= SL_F_TRUNC;
	return 0;
}

/* A Fmt record: word 0 = tag | n << 8 | template length << 16, n value
 * words, the template. A record that does not parse (a tag it may not
 * stand for, sizes beyond its payload) is returned as written. */
#define FMT_MAX_VALS 8

static const char digits2[200] =
	"00010203040506070809101112131415161718192021222324252627282930313233343536373839"
	"40414243444546474849505152535455565758596061626364656667686970717273747576777879"
	"8081828384858687888990919293949596979899";

/* Two digits per division: every record of a request carries numbers. */
static void put_num(char **q, uint64_t v)
{
	char b[20], *e = b + sizeof(b), *p = e;

	while (v >= 100) {
		p -= 2;
		memcpy(p, digits2 + 2 * (v % 100), 2);
		v /= 100;
	}
	if (v >= 10) {
		p -= 2;
		memcpy(p, digits2 + 2 * v, 2);
	} else {
		*--p = (char)('0' + v);
	}
	memcpy(*q, p, (size_t)(e - p));
	*q += e - p;
}

/* <v> microseconds as seconds with 6 decimals. */
static void put_us(char **q, uint64_t v)
{
	unsigned frac = (unsigned)(v % 1000000);

	put_num(q, v / 1000000);
	*(*q)++ = '.';
	memcpy(*q, digits2 + 2 * (frac / 10000), 2);
	memcpy(*q + 2, digits2 + 2 * (frac / 100 % 100), 2);
	memcpy(*q + 4, digits2 + 2 * (frac % 100), 2);
	*q += 6;
}

/* Formats template <t> (<tlen> bytes) with values <v> (<n>) at the end of
 * xbuf and queues it as a record. */
static int fmt_queue(struct sl_cursor *c, unsigned tag, unsigned flags, uint32_t vxid,
		     const char *t, unsigned tlen, const uint64_t *v, unsigned n,
		     size_t *used)
{
	unsigned used_vals = 0;
	char *q, *start;

	/* each directive takes 2 template bytes and writes at most 27 */
	if (xbuf_reserve(c, *used + (size_t)tlen * 14 + 64) < 0)
		return SL_ENOMEM;
	q = start = c->xbuf + *used;
	for (unsigned i = 0; i < tlen; i++) {
		const char *pc = memchr(t + i, '%', tlen - i);
		unsigned run = pc ? (unsigned)(pc - (t + i)) : tlen - i;
		char d;

		memcpy(q, t + i, run);
		q += run;
		i += run;
		if (i >= tlen)
			break;
		d = i + 1 < tlen ? t[i + 1] : 0;
		if (d != 'u' && d != 't' && d != '%') {
			*q++ = '%';
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
			put_us(&q, v[used_vals++]);
		}
	}
	return queue(c, tag, flags, vxid, start, (size_t)(q - start), used);
}

/* Word 0 of a Fmt payload, or of a Multi item: the fields, and whether
 * they fit in <room> bytes. */
struct fmt_word {
	unsigned tag, n, tlen, flags, kind;
	size_t size;             /* word 0, values, template (padded for items) */
};

static void fmt_word(uint64_t w0, struct fmt_word *f)
{
	f->tag = (unsigned)(w0 & 0xff);
	f->n = (unsigned)(w0 >> 8 & 0xff);
	f->tlen = (unsigned)(w0 >> 16 & 0xffff);
	f->flags = (unsigned)(w0 >> 32 & 0xffff);
	f->kind = (unsigned)(w0 >> 48 & 0xff);
	f->size = (size_t)8 * (1 + f->n) + f->tlen;
}

static int fmt_expand(struct sl_cursor *c, const struct sl_record *rec)
{
	const unsigned char *p = (const unsigned char *)rec->data;
	uint64_t w0, v[FMT_MAX_VALS];
	struct fmt_word f;
	size_t used = 0;

	if (rec->len < 8)
		return 0;
	memcpy(&w0, p, 8);
	fmt_word(w0 & 0xffffffffU, &f);
	if (!f.tag || sli_is_packed_tag(f.tag) || f.n > FMT_MAX_VALS || f.size > rec->len)
		return 0;
	memcpy(v, p + 8, (size_t)8 * f.n);
	return fmt_queue(c, f.tag, rec->flags, rec->vxid, (const char *)p + 8 * (1 + f.n),
			 f.tlen, v, f.n, &used);
}

/* Multi items (doc/shm-format.md, "Multi records"). */
#define ITEM_TEXT  0U
#define ITEM_FMT   1U
#define ITEM_BEGIN 2U

/* Whether the items of a Multi payload all parse. */
static int multi_valid(const unsigned char *p, size_t len)
{
	size_t off = 0;

	if (len % 8)
		return 0;
	while (off < len) {
		struct fmt_word f;
		uint64_t w0;

		memcpy(&w0, p + off, 8);
		fmt_word(w0, &f);
		f.size = (f.size + 7) & ~(size_t)7;
		if (!f.tag || f.tag == SL_TAG_Fmt || f.tag == SL_TAG_Multi ||
		    f.size > len - off)
			return 0;
		if (f.kind == ITEM_TEXT ? f.n != 0 :
		    f.kind > ITEM_BEGIN || kind_of(f.tag) || f.n > FMT_MAX_VALS ||
		    (f.kind == ITEM_BEGIN && (f.tag != SL_TAG_Begin || f.n < 1)))
			return 0;
		off += f.size;
	}
	return 1;
}

static int multi_expand(struct sl_cursor *c, const struct sl_record *rec)
{
	const unsigned char *p = (const unsigned char *)rec->data;
	size_t off = 0, used = 0;
	int ret = 0;

	if (!multi_valid(p, rec->len))
		return 0;
	while (off < rec->len && ret == 0) {
		uint64_t w0, v[FMT_MAX_VALS];
		struct fmt_word f;
		const char *t;

		memcpy(&w0, p + off, 8);
		fmt_word(w0, &f);
		memcpy(v, p + off + 8, (size_t)8 * f.n);
		t = (const char *)p + off + 8 * (1 + f.n);
		off += (f.size + 7) & ~(size_t)7;
		if (f.kind == ITEM_TEXT && kind_of(f.tag)) {
			ret = head_expand(c, f.tag, f.flags, rec->vxid, t, f.tlen, &used);
		} else if (f.kind == ITEM_TEXT) {
			if (xbuf_reserve(c, used + f.tlen + 1) < 0)
				return SL_ENOMEM;
			ret = queue(c, f.tag, f.flags, rec->vxid, t, f.tlen, &used);
		} else {
			if (f.kind == ITEM_BEGIN && v[0]) {
				uint64_t parent = v[0];

				/* the parent's Link names this transaction */
				v[0] = rec->vxid;
				ret = fmt_queue(c, SL_TAG_Link, f.flags, (uint32_t)parent, t,
						f.tlen, v, f.n, &used);
				v[0] = parent;
				if (ret < 0)
					return ret;
			}
			ret = fmt_queue(c, f.tag, f.flags, rec->vxid, t, f.tlen, v, f.n, &used);
		}
	}
	return ret;
}

int sli_expand(struct sl_cursor *c, const struct sl_record *rec)
{
	size_t used = 0;

	c->xn = c->xi = 0;
	if (rec->tag == SL_TAG_Fmt)
		return fmt_expand(c, rec);
	if (rec->tag == SL_TAG_Multi)
		return multi_expand(c, rec);
	return head_expand(c, rec->tag, rec->flags, rec->vxid, rec->data, rec->len, &used);
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
