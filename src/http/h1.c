/* h1.c: the strict one-pass HTTP/1.x request and response head parser.
 *
 * A call parses from buf[0] and keeps no state. It only ever looks at a
 * window of the input: the first min(len, max_head) bytes for the head, and
 * within it max_reqline bytes for the start line. Every decision is taken on
 * bytes inside the window, so a longer input never changes a verdict reached
 * on a shorter one; when the window runs out the answer is "need more" if it
 * ended because the data did, or the limit's error if a limit ended it.
 * That is what makes piecewise feeding give the one-shot result.
 *
 * Scanning is table-driven (h1_ctype[]) and, for the runs that make most of
 * a head (names, targets, field values), a block at a time: 16 bytes with
 * SSE2, which every x86-64 has, or 8 bytes with portable 64-bit arithmetic
 * elsewhere (also built with -DH1_NO_SIMD to test it). Both give exact
 * per-byte flags, so the first flagged byte is found with one ctz. */
#include <limits.h>
#include <string.h>
#include "core/compiler.h"
#include "http/h1.h"

#if defined(__SSE2__) && !defined(H1_NO_SIMD)
#include <emmintrin.h>

#define BLK 16

/* Bit k set when byte k of p[0..16) may not appear in a field value:
 * 0x00..0x1F (HTAB is sorted out by the caller) or DEL. */
static inline uint64_t blk_val(const char *p)
{
	__m128i x = _mm_loadu_si128((const __m128i *)(const void *)p);
	__m128i ctl = _mm_cmpeq_epi8(_mm_min_epu8(x, _mm_set1_epi8(0x1f)), x);
	__m128i del = _mm_cmpeq_epi8(x, _mm_set1_epi8(0x7f));

	return (unsigned)_mm_movemask_epi8(_mm_or_si128(ctl, del));
}

/* Bit k set when byte k may not appear in a request-target: outside
 * 0x21..0x7E, or '#'. */
static inline uint64_t blk_uri(const char *p)
{
	__m128i x = _mm_loadu_si128((const __m128i *)(const void *)p);
	__m128i lo = _mm_cmpeq_epi8(_mm_min_epu8(x, _mm_set1_epi8(0x20)), x);
	__m128i hi = _mm_cmpeq_epi8(_mm_max_epu8(x, _mm_set1_epi8(0x7f)), x);
	__m128i frag = _mm_cmpeq_epi8(x, _mm_set1_epi8('#'));

	return (unsigned)_mm_movemask_epi8(_mm_or_si128(_mm_or_si128(lo, hi), frag));
}

/* Bytes of x within lo..hi (unsigned compare through a wrapping shift). */
static inline __m128i in_range(__m128i x, char lo, char hi)
{
	__m128i t = _mm_sub_epi8(x, _mm_set1_epi8(lo));

	return _mm_cmpeq_epi8(_mm_min_epu8(t, _mm_set1_epi8(hi - lo)), t);
}

static inline __m128i eq(__m128i x, char c)
{
	return _mm_cmpeq_epi8(x, _mm_set1_epi8(c));
}

/* Bit k set when byte k is not a tchar: outside 0x21..0x7E, or one of the
 * separators " ( ) , / : ; < = > ? @ [ \ ] { }. */
static inline uint64_t blk_ntok(const char *p)
{
	__m128i x = _mm_loadu_si128((const __m128i *)(const void *)p);
	__m128i m = _mm_or_si128(_mm_cmpeq_epi8(_mm_min_epu8(x, _mm_set1_epi8(0x20)), x),
				 _mm_cmpeq_epi8(_mm_max_epu8(x, _mm_set1_epi8(0x7f)), x));

	m = _mm_or_si128(m, _mm_or_si128(eq(x, '"'), eq(x, ',')));
	m = _mm_or_si128(m, _mm_or_si128(eq(x, '/'), eq(x, '{')));
	m = _mm_or_si128(m, _mm_or_si128(eq(x, '}'), in_range(x, '(', ')')));
	m = _mm_or_si128(m, _mm_or_si128(in_range(x, ':', '@'), in_range(x, '[', ']')));
	return (unsigned)_mm_movemask_epi8(m);
}

static inline unsigned blk_first(uint64_t m)
{
	return __builtin_ctzll(m);
}

/* First byte of [p, end) that is not a tchar, or end. */
static inline const char *scan_tok(const char *p, const char *end)
{
	uint64_t m;

	while (end - p >= BLK) {
		m = blk_ntok(p);
		if (m)
			return p + blk_first(m);
		p += BLK;
	}
	while (p < end && (h1_ctype[(unsigned char)*p] & H1_C_TCHAR))
		p++;
	return p;
}

#else /* 64-bit words */

#define BLK 8
#define ONES  0x0101010101010101ULL
#define HIGHS 0x8080808080808080ULL
#define LOW7  0x7f7f7f7f7f7f7f7fULL

/* Byte k of the input is byte k of the word, whatever the host order. */
static inline uint64_t load_le64(const char *p)
{
	uint64_t x;

	memcpy(&x, p, sizeof(x));
	if (__BYTE_ORDER__ == __ORDER_BIG_ENDIAN__)
		x = __builtin_bswap64(x);
	return x;
}

/* Bit 7 of byte k set as for the SSE2 version. On the low 7 bits no sum
 * carries into the next byte (0x7F + 0x60 < 0x100), so each flag is exact:
 * x7 + 0x01 reaches bit 7 only for 0x7F, x7 + 0x60 only for >= 0x20. */
static inline uint64_t blk_val(const char *p)
{
	uint64_t x = load_le64(p), x7 = x & LOW7;

	return ((x7 + ONES) | ~(x7 + ONES * 0x60)) & ~x & HIGHS;
}

/* x7 + 0x5F reaches bit 7 only for >= 0x21; 8-bit bytes show in x. For
 * '#': h = x ^ '#' is zero exactly there, and h7 + 0x7F | h has bit 7
 * clear only for a zero byte (again no carry leaves a byte). */
static inline uint64_t blk_uri(const char *p)
{
	uint64_t x = load_le64(p), x7 = x & LOW7;
	uint64_t h = x ^ (ONES * '#'), h7 = h & LOW7;

	return ((x7 + ONES) | ~(x7 + ONES * 0x5f) | x | ~((h7 + LOW7) | h)) & HIGHS;
}

static inline unsigned blk_first(uint64_t m)
{
	return __builtin_ctzll(m) >> 3;
}

/* First byte of [p, end) that is not a tchar, or end. Bytewise here:
 * names are short and the separators make a poor fit for word tricks. */
static inline const char *scan_tok(const char *p, const char *end)
{
	while (p < end && (h1_ctype[(unsigned char)*p] & H1_C_TCHAR))
		p++;
	return p;
}
#endif

/* First byte of [p, end) that may not appear in a field value (a CTL, CR,
 * LF or DEL), or end. A flagged HTAB is legal: step over it and go on. */
static inline const char *scan_val(const char *p, const char *end)
{
	uint64_t m;

	while (end - p >= BLK) {
		m = blk_val(p);
		if (likely(!m)) {
			p += BLK;
			continue;
		}
		p += blk_first(m);
		if (*p != '\t')
			return p;
		p++;
	}
	while (p < end && (h1_ctype[(unsigned char)*p] & H1_C_VAL))
		p++;
	return p;
}

/* First byte of [p, end) outside 0x21..0x7E or '#', or end. */
static inline const char *scan_uri(const char *p, const char *end)
{
	uint64_t m;

	while (end - p >= BLK) {
		m = blk_uri(p);
		if (m)
			return p + blk_first(m);
		p += BLK;
	}
	while (p < end && (h1_ctype[(unsigned char)*p] & H1_C_URI))
		p++;
	return p;
}

static inline uint32_t ld32(const char *p)
{
	uint32_t x;

	memcpy(&x, p, sizeof(x));
	return x;
}

static inline uint64_t ld64(const char *p)
{
	uint64_t x;

	memcpy(&x, p, sizeof(x));
	return x;
}

/* Case-insensitive match of the len bytes at p (4 <= len <= 24) against the
 * lower-case lit of the same length, with a few overlapping word compares.
 * OR-ing 0x20 into each byte only folds letters here: every byte of lit
 * has bit 5 set, and the only other bytes folding onto a digit or '-'
 * (0x10..0x19, CR) cannot appear in a field name or value. */
static inline int name_eq(const char *p, size_t len, const char *lit)
{
	const uint32_t f32 = 0x20202020u;
	const uint64_t f64 = 0x2020202020202020ULL;

	if (len < 8)
		return !(((ld32(p) | f32) ^ ld32(lit)) |
			 ((ld32(p + len - 4) | f32) ^ ld32(lit + len - 4)));
	if (len <= 16)
		return !(((ld64(p) | f64) ^ ld64(lit)) |
			 ((ld64(p + len - 8) | f64) ^ ld64(lit + len - 8)));
	return !(((ld64(p) | f64) ^ ld64(lit)) | ((ld64(p + 8) | f64) ^ ld64(lit + 8)) |
		 ((ld64(p + len - 8) | f64) ^ ld64(lit + len - 8)));
}

#define NAME_IS(v, lit) name_eq((v).ptr, sizeof(lit) - 1, lit)

/* Length of the line end at p < end: 1 for LF, 2 for CRLF, 0 when p is a CR
 * and the next byte is beyond end, BAD_CHAR for a CR followed by anything
 * else, and `other` when *p is neither CR nor LF. */
static inline int eol(const char *p, const char *end, int other)
{
	if (*p == '\n')
		return 1;
	if (*p != '\r')
		return other;
	if (p + 1 == end)
		return 0;
	return p[1] == '\n' ? 2 : H1_ERR_BAD_CHAR;
}

/* Verdict on the byte at p that stopped a start-line element when a single
 * SP was expected: the line ended too early (BAD_REQLINE), a bare CR
 * (BAD_CHAR), 0 if a CR's partner is not there yet, else `other`. */
static int sl_err(const char *p, const char *end, int other)
{
	int r = eol(p, end, other);

	return r > 0 ? H1_ERR_BAD_REQLINE : r;
}

/* Verdict on the byte at p that ended a header name where ':' was due. */
static int name_err(const char *p, const char *end)
{
	unsigned char c = *p;

	if (c == '\r') {
		if (p + 1 == end)
			return 0;
		return p[1] == '\n' ? H1_ERR_BAD_HDR : H1_ERR_BAD_CHAR;
	}
	if (c != '\n' && (h1_ctype[c] & H1_C_CTL))
		return H1_ERR_BAD_CHAR;
	return H1_ERR_BAD_HDR;      /* no colon, empty name, SP, 8-bit byte */
}

/* Check "HTTP/1.x" at p, n bytes available. Returns 10 for HTTP/1.0, 11 for
 * HTTP/1.1 and every higher minor version (RFC 9110 2.5: a recipient handles
 * those as the highest minor version it implements), 0 while fewer than 8
 * bytes could still match, BAD_VERSION for another well-formed HTTP/x.y and
 * `garbage` for anything else. */
static inline int h1_version(const char *p, size_t n, int garbage)
{
	static const char shape[8] = "HTTP/d.d";
	size_t i;

	if (likely(n >= 8)) {
		if (!memcmp(p, "HTTP/1.1", 8))
			return 11;
		if (!memcmp(p, "HTTP/1.0", 8))
			return 10;
		if (!memcmp(p, "HTTP/1.", 7) && (h1_ctype[(unsigned char)p[7]] & H1_C_DIGIT))
			return 11;
	}
	for (i = 0; i < n && i < 8; i++) {
		if (shape[i] == 'd' ? !(h1_ctype[(unsigned char)p[i]] & H1_C_DIGIT)
				    : p[i] != shape[i])
			return garbage;
	}
	return n >= 8 ? H1_ERR_BAD_VERSION : 0;
}

/* Scan the header line at p (p < end, *p not CR, LF, SP or HTAB). Returns
 * the line length with its line end and fills *h, 0 when the line does not
 * end inside [p, end), or a negative h1_err. */
static inline __attribute__((always_inline))
long hdr_line(const char *p, const char *end, struct http_hdr *h)
{
	const char *s = p, *v, *ve;
	int r;

	p = scan_tok(p, end);
	if (unlikely(p == end))
		return 0;
	if (unlikely(*p != ':' || p == s))
		return name_err(p, end);
	h->n.ptr = s;
	h->n.len = p - s;
	p++;
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	v = p;
	p = scan_val(p, end);
	if (unlikely(p == end))
		return 0;
	r = eol(p, end, H1_ERR_BAD_CHAR);
	if (unlikely(r <= 0))
		return r;
	ve = p;
	while (ve > v && (ve[-1] == ' ' || ve[-1] == '\t'))
		ve--;
	h->v.ptr = v;
	h->v.len = ve - v;
	return p + r - s;
}

long h1_parse_hdr_line(const char *buf, size_t len, struct http_hdr *hdr)
{
	if (!len)
		return 0;
	if (*buf == ' ' || *buf == '\t')
		return H1_ERR_OBS_FOLD;
	return hdr_line(buf, buf + len, hdr);
}

/* What the header fields told so far, beyond msg->flags. */
struct h1_ana {
	unsigned hosts;
	unsigned chunked;             /* "chunked" codings seen */
	int te;                       /* a Transfer-Encoding field was seen */
	int te_last_chunked;          /* the last coding seen was chunked */
};

/* Content-Length: 1*DIGIT below 2^63, or a list of identical such values. */
static int parse_cl(struct ist v, uint64_t *out)
{
	const char *p = v.ptr, *e = v.ptr + v.len, *d;
	uint64_t n, first = 0;
	int have = 0;

	for (;;) {
		n = 0;
		for (d = p; p < e && (h1_ctype[(unsigned char)*p] & H1_C_DIGIT); p++) {
			if (n > ((uint64_t)INT64_MAX - (*p - '0')) / 10)
				return -1;
			n = n * 10 + (*p - '0');
		}
		if (p == d || (have && n != first))
			return -1;
		first = n;
		have = 1;
		while (p < e && (*p == ' ' || *p == '\t'))
			p++;
		if (p == e)
			break;
		if (*p++ != ',')
			return -1;
		while (p < e && (*p == ' ' || *p == '\t'))
			p++;
	}
	*out = first;
	return 0;
}

/* A transfer-coding other than chunked, as forwarded: a token with optional
 * ";name=value" parameters of tokens. A quoted string (which may hold a
 * comma) is refused, so that every parser splits the list as we do. */
static int te_coding_ok(struct ist e)
{
	for (size_t i = 0; i < e.len; i++) {
		unsigned char c = e.ptr[i];

		if (!(h1_ctype[c] & (H1_C_TCHAR | H1_C_OWS)) && (!i || (c != ';' && c != '=')))
			return 0;
	}
	return 1;
}

/* Learn what a header field means for framing and connection management.
 * Dispatch is on the name length first, so most fields cost one switch. */
static inline int h1_analyse(struct http_msg *msg, struct h1_ana *a,
			     const struct http_hdr *h, int req)
{
	struct ist n = h->n, e;
	size_t pos = 0;
	uint64_t cl;

	switch (n.len) {
	case 4:
		if (req && NAME_IS(n, "host")) {
			if (++a->hosts > 1)
				return H1_ERR_BAD_HOST;
			msg->flags |= HTTP_MF_HAS_HOST;
		}
		break;
	case 6:
		if (req && NAME_IS(n, "expect") && ist_ieq(h->v, "100-continue"))
			msg->flags |= HTTP_MF_EXPECT_100;
		break;
	case 7:
		if (NAME_IS(n, "upgrade"))
			msg->flags |= HTTP_MF_UPGRADE;
		break;
	case 10:
		if (!NAME_IS(n, "connection"))
			break;
		while (h1_list_next(h->v, &pos, &e)) {
			if (e.len == 5 && NAME_IS(e, "close"))
				msg->flags |= HTTP_MF_CONN_CLOSE;
			else if (e.len == 10 && NAME_IS(e, "keep-alive"))
				msg->flags |= HTTP_MF_CONN_KAL;
			else if (e.len == 7 && NAME_IS(e, "upgrade"))
				msg->flags |= HTTP_MF_CONN_UPGRADE;
		}
		break;
	case 14:
		if (!NAME_IS(n, "content-length"))
			break;
		if (parse_cl(h->v, &cl) < 0)
			return H1_ERR_BAD_CL;
		if ((msg->flags & HTTP_MF_CL) && msg->body_len != cl)
			return H1_ERR_BAD_CL;
		msg->flags |= HTTP_MF_CL;
		msg->body_len = cl;
		break;
	case 17:
		if (!NAME_IS(n, "transfer-encoding"))
			break;
		a->te = 1;
		while (h1_list_next(h->v, &pos, &e)) {
			a->te_last_chunked = e.len == 7 && NAME_IS(e, "chunked");
			if (!a->te_last_chunked) {
				if (!te_coding_ok(e))
					return H1_ERR_BAD_TE;
				msg->flags |= HTTP_MF_TE_CODING;
			} else if (a->chunked++)
				return H1_ERR_BAD_TE;
		}
		break;
	}
	return 0;
}

/* Parse header lines from p up to and including the empty line. Returns the
 * head length from buf, 0 when [p, end) ends first, or a negative h1_err. */
static inline int h1_hdrs(const char *buf, const char *p, const char *end,
			  struct http_msg *msg, unsigned cap, int req)
{
	struct h1_ana a = { 0 };
	struct http_hdr *h = msg->hdrs;
	unsigned nb = 0;
	long r;

	for (;; h++) {
		if (unlikely(p == end)) {
			r = 0;
			goto out;
		}
		if (*p == '\r' || *p == '\n') {
			r = eol(p, end, 0);
			if (r <= 0)
				goto out;
			p += r;
			break;
		}
		r = H1_ERR_OBS_FOLD;
		if (unlikely(*p == ' ' || *p == '\t'))
			goto out;
		r = H1_ERR_TOO_MANY_HDRS;
		if (unlikely(nb >= cap))
			goto out;
		r = hdr_line(p, end, h);
		if (unlikely(r <= 0))
			goto out;
		p += r;
		nb++;
		r = h1_analyse(msg, &a, h, req);
		if (unlikely(r))
			goto out;
	}
	msg->nb_hdrs = nb;

	if (a.te) {
		if (msg->flags & HTTP_MF_CL)
			return H1_ERR_CL_TE;
		if (a.te_last_chunked)
			msg->flags |= HTTP_MF_CHUNKED;
		else if (req)
			return H1_ERR_BAD_TE;
		else
			msg->flags |= HTTP_MF_TE_OTHER;
		/* RFC 9112 6.1: TE in HTTP/1.0 means faulty framing */
		if (req && !(msg->flags & HTTP_MF_VER_11))
			return H1_ERR_BAD_TE;
	}
	if (req && (msg->flags & HTTP_MF_VER_11) && !a.hosts)
		return H1_ERR_BAD_HOST;
	return p - buf;
out:
	msg->nb_hdrs = nb;
	return r;
}

/* RFC 9112 3.2.2: the authority of an absolute-form target replaces the
 * value of the (single) Host field. */
static void h1_host_from_target(struct http_msg *msg)
{
	struct ist auth;

	if (!h1_uri_authority(msg->uri, &auth))
		return;
	for (unsigned i = 0; i < msg->nb_hdrs; i++) {
		if (msg->hdrs[i].n.len == 4 && NAME_IS(msg->hdrs[i].n, "host")) {
			msg->hdrs[i].v = auth;
			return;
		}
	}
}

/* Reset msg and derive the effective limits. */
static inline void h1_start(const char *buf, struct http_msg *msg,
			    const struct h1_limits *lim, size_t *max_head,
			    size_t *max_line, unsigned *cap)
{
	struct ist none = { buf, 0 };

	ASSERT(msg->hdrs || !msg->max_hdrs);
	*max_head = INT_MAX;
	*max_line = 0;
	*cap = msg->max_hdrs;
	if (lim) {
		if (lim->max_head && lim->max_head < *max_head)
			*max_head = lim->max_head;
		*max_line = lim->max_reqline;
		if (lim->max_hdrs && lim->max_hdrs < *cap)
			*cap = lim->max_hdrs;
	}
	msg->meth = HTTP_METH_OTHER;
	msg->method = msg->uri = msg->reason = none;
	msg->status = 0;
	msg->flags = 0;
	msg->body_len = 0;
	msg->nb_hdrs = 0;
	msg->head_len = 0;
}

int h1_parse_req(const char *buf, size_t len, struct http_msg *msg,
		 const struct h1_limits *lim)
{
	const char *p = buf, *end, *rl, *rle, *u;
	size_t max_head, max_line;
	unsigned cap;
	int r;

	h1_start(buf, msg, lim, &max_head, &max_line, &cap);
	end = buf + MIN(len, max_head);

	/* RFC 9112 2.2: skip empty lines before the request line */
	while (p < end && (*p == '\r' || *p == '\n')) {
		r = eol(p, end, 0);
		if (r <= 0) {
			if (r < 0)
				return r;
			goto more_head;
		}
		p += r;
	}
	rl = p;
	rle = (max_line && (size_t)(end - rl) > max_line) ? rl + max_line : end;

	/* method SP */
	while (p < rle && (h1_ctype[(unsigned char)*p] & H1_C_TCHAR))
		p++;
	if (unlikely(p == rle))
		goto more_line;
	if (unlikely(*p != ' ' || p == rl)) {
		r = sl_err(p, rle, *p == ' ' ? H1_ERR_BAD_REQLINE : H1_ERR_BAD_METHOD);
		goto line_err;
	}
	msg->method.ptr = rl;
	msg->method.len = p - rl;

	/* request-target SP */
	u = ++p;
	p = scan_uri(p, rle);
	if (unlikely(p == rle))
		goto more_line;
	if (unlikely(*p != ' ' || p == u)) {
		r = sl_err(p, rle, *p == ' ' ? H1_ERR_BAD_REQLINE : H1_ERR_BAD_URI);
		goto line_err;
	}
	msg->uri.ptr = u;
	msg->uri.len = p - u;
	p++;

	/* HTTP-version line-end */
	r = h1_version(p, rle - p, H1_ERR_BAD_REQLINE);
	if (unlikely(r <= 0))
		goto line_err;
	if (r == 11)
		msg->flags |= HTTP_MF_VER_11;
	p += 8;
	if (unlikely(p == rle))
		goto more_line;
	r = eol(p, rle, H1_ERR_BAD_REQLINE);
	if (unlikely(r <= 0))
		goto line_err;
	p += r;

	r = h1_hdrs(buf, p, end, msg, cap, 1);
	if (unlikely(r <= 0)) {
		if (r < 0)
			return r;
		goto more_head;
	}
	msg->meth = http_meth_lookup(msg->method);
	msg->head_len = r;
	if (unlikely(*msg->uri.ptr != '/') && (msg->flags & HTTP_MF_HAS_HOST))
		h1_host_from_target(msg);
	return r;

line_err:
	if (r < 0)
		return r;
more_line:
	if (max_line && (size_t)(rle - rl) >= max_line)
		return H1_ERR_URI_TOO_LONG;
more_head:
	return (size_t)(end - buf) >= max_head ? H1_ERR_HDR_TOO_LARGE : 0;
}

int h1_parse_rsp(const char *buf, size_t len, struct http_msg *msg,
		 const struct h1_limits *lim)
{
	const char *p = buf, *end, *sle, *rs, *re;
	size_t max_head, max_line;
	unsigned cap;
	int r, i, status = 0;

	h1_start(buf, msg, lim, &max_head, &max_line, &cap);
	end = buf + MIN(len, max_head);
	sle = (max_line && (size_t)(end - buf) > max_line) ? buf + max_line : end;

	/* HTTP-version SP 3DIGIT */
	r = h1_version(p, sle - p, H1_ERR_BAD_STATUS);
	if (unlikely(r <= 0))
		goto line_err;
	if (r == 11)
		msg->flags |= HTTP_MF_VER_11;
	p += 8;
	for (i = 0; i < 4; i++, p++) {
		if (unlikely(p == sle))
			goto more_line;
		if (i == 0 ? *p != ' ' : !(h1_ctype[(unsigned char)*p] & H1_C_DIGIT))
			return H1_ERR_BAD_STATUS;
		if (i)
			status = status * 10 + (*p - '0');
	}
	if (status < 100)
		return H1_ERR_BAD_STATUS;
	msg->status = status;

	/* [SP reason-phrase] line-end */
	if (unlikely(p == sle))
		goto more_line;
	rs = re = p;
	if (*p == ' ') {
		rs = ++p;
		p = re = scan_val(p, sle);
		if (unlikely(p == sle))
			goto more_line;
		r = eol(p, sle, H1_ERR_BAD_CHAR);
	} else {
		r = eol(p, sle, H1_ERR_BAD_STATUS);
	}
	if (unlikely(r <= 0))
		goto line_err;
	msg->reason.ptr = rs;
	msg->reason.len = re - rs;
	p += r;

	r = h1_hdrs(buf, p, end, msg, cap, 0);
	if (unlikely(r <= 0)) {
		if (r < 0)
			return r;
		goto more_head;
	}
	msg->head_len = r;
	return r;

line_err:
	if (r < 0)
		return r;
more_line:
	if (max_line && (size_t)(sle - buf) >= max_line)
		return H1_ERR_HDR_TOO_LARGE;
more_head:
	return (size_t)(end - buf) >= max_head ? H1_ERR_HDR_TOO_LARGE : 0;
}
