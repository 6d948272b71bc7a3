/* h1_chunk.c: incremental decoder for the chunked transfer coding.
 *
 * Lifecycle of a struct h1_chunk (h1_chunk_init() puts it in SIZE):
 *   SIZE       a whole chunk-size line is consumed at once; size > 0 goes
 *              to DATA, size 0 (last-chunk) to TRAILERS
 *   DATA       payload is handed out as runs until chunk_left reaches 0,
 *              then DATA_CRLF
 *   DATA_CRLF  the line end closing the payload, then SIZE again
 *   TRAILERS   one whole field line at a time, counted in trl_len; the
 *              empty line goes to DONE
 *   DONE       terminal: nothing more is consumed
 * Line ends are CRLF or a bare LF, like in the head; a bare LF sets
 * c->bare_lf so that a proxy copying the body as received can refuse to
 * send such framing on to a peer that might read it differently. Nothing is
 * consumed that cannot be decided on (a CR is never taken without its LF),
 * so the outcome never depends on how the body was split across calls. */
#include <stdint.h>
#include "core/compiler.h"
#include "http/h1.h"

/* Length of the line end at p[0..len): 1 (LF), 2 (CRLF), 0 if undecided,
 * or BAD_CHUNK. */
static long chunk_eol(const char *p, size_t len)
{
	if (!len)
		return 0;
	if (*p == '\n')
		return 1;
	if (*p != '\r')
		return H1_ERR_BAD_CHUNK;
	if (len < 2)
		return 0;
	return p[1] == '\n' ? 2 : H1_ERR_BAD_CHUNK;
}

/* chunk-size [ BWS ";" ext ] line-end. Returns the line length and sets
 * *size, 0 if the line is incomplete, or BAD_CHUNK. Extensions are skipped
 * but may hold no CTL; whitespace is only allowed before a ';'. */
static long chunk_size_line(const char *buf, size_t len, uint64_t *size)
{
	const char *p = buf, *end = buf + MIN(len, H1_CHUNK_LINE_MAX), *d;
	uint64_t v = 0;
	unsigned x;
	long r;

	for (d = p; p < end && (h1_ctype[(unsigned char)*p] & H1_C_HEX); p++) {
		x = *p <= '9' ? *p - '0' : (*p | 0x20) - 'a' + 10;
		if (v > (H1_CHUNK_SIZE_MAX - x) >> 4)
			return H1_ERR_BAD_CHUNK;
		v = (v << 4) | x;
	}
	if (p == end)
		goto more;
	if (p == d)
		return H1_ERR_BAD_CHUNK;
	d = p;
	while (p < end && (*p == ' ' || *p == '\t'))
		p++;
	if (p == end)
		goto more;
	if (*p == ';') {
		p++;
		while (p < end && (h1_ctype[(unsigned char)*p] & H1_C_VAL))
			p++;
		if (p == end)
			goto more;
	} else if (p != d) {
		return H1_ERR_BAD_CHUNK;        /* whitespace not before an extension */
	}
	r = chunk_eol(p, end - p);
	if (r <= 0) {
		if (r < 0)
			return r;
		goto more;
	}
	*size = v;
	return p + r - buf;
more:
	return len >= H1_CHUNK_LINE_MAX ? H1_ERR_BAD_CHUNK : 0;
}

/* Note a framing line of <r> bytes at <line> that ends with a bare LF. */
static inline void note_eol(struct h1_chunk *c, const char *line, long r)
{
	if (r == 1 || line[r - 2] != '\r')
		c->bare_lf = 1;
}

/* One trailer line or the final empty line. Returns its length, 0 if it is
 * incomplete, or BAD_CHUNK (bad syntax or the trailer limit reached). */
static long trailer_line(struct h1_chunk *c, const char *buf, size_t len,
			 const struct h1_limits *lim)
{
	uint64_t room = UINT64_MAX;
	struct http_hdr h;
	int capped = 0;
	long r;

	if (lim && lim->max_head) {
		room = lim->max_head > c->trl_len ? lim->max_head - c->trl_len : 0;
		if (room <= len) {
			len = room;
			capped = 1;
		}
	}
	if (!len)
		return capped ? H1_ERR_BAD_CHUNK : 0;
	if (*buf == '\r' || *buf == '\n') {
		r = chunk_eol(buf, len);
		if (r > 0)
			c->state = H1_CHK_DONE;
	} else {
		r = h1_parse_hdr_line(buf, len, &h);
	}
	if (r < 0)
		return H1_ERR_BAD_CHUNK;
	if (!r)
		return capped ? H1_ERR_BAD_CHUNK : 0;
	note_eol(c, buf, r);
	c->trl_len += r;
	return r;
}

long h1_chunk_step(struct h1_chunk *c, const char *buf, size_t len,
		   size_t *data_off, size_t *data_len, const struct h1_limits *lim)
{
	size_t pos = 0, n;
	long r = 0;

	*data_off = 0;
	*data_len = 0;
	while (pos < len) {
		switch (c->state) {
		case H1_CHK_SIZE:
			r = chunk_size_line(buf + pos, len - pos, &c->chunk_left);
			if (r <= 0)
				goto stop;
			note_eol(c, buf + pos, r);
			pos += r;
			c->trl_len = 0;
			c->state = c->chunk_left ? H1_CHK_DATA : H1_CHK_TRAILERS;
			break;
		case H1_CHK_DATA:
			if (*data_len)
				return pos;     /* one run per call */
			n = len - pos;
			if (n > c->chunk_left)
				n = c->chunk_left;
			*data_off = pos;
			*data_len = n;
			pos += n;
			c->chunk_left -= n;
			if (!c->chunk_left)
				c->state = H1_CHK_DATA_CRLF;
			break;
		case H1_CHK_DATA_CRLF:
			r = chunk_eol(buf + pos, len - pos);
			if (r <= 0)
				goto stop;
			note_eol(c, buf + pos, r);
			pos += r;
			c->state = H1_CHK_SIZE;
			break;
		case H1_CHK_TRAILERS:
			r = trailer_line(c, buf + pos, len - pos, lim);
			if (r <= 0)
				goto stop;
			pos += r;
			break;
		case H1_CHK_DONE:
			return pos;
		default:
			BUG_ON(1);
		}
	}
	return pos;
stop:
	/* an error after progress is reported by the next call */
	return (r < 0 && !pos) ? r : (long)pos;
}
