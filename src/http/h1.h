/* h1.h: HTTP/1.x head parser, chunked decoder and emitter helpers. */
#ifndef SLUICE_HTTP_H1_H
#define SLUICE_HTTP_H1_H

#include "http/msg-t.h"

/* The limits set by tune.http.max-reqline, max-head and maxhdr in the
 * global section (h1_cfg.c): final once the configuration is checked, then
 * read by every thread. */
extern struct h1_limits h1_settings;

/* Parse a request head from buf[0..len). The message's hdrs/max_hdrs must be
 * set by the caller. Returns the head length (>0) when the whole head up to
 * and including the empty line is present and valid, 0 when more bytes are
 * needed (and no limit is exceeded yet), or a negative enum h1_err.
 * Strict: rejects NUL/bare CR/CTL, obs-fold, CL+TE, differing duplicate CL,
 * request TE not ending with a single "chunked", HTTP/1.1 without exactly one
 * Host. Identical duplicate CLs are accepted. Never reads past buf+len.
 *
 * Details of the contract:
 * - Stateless: every call parses from buf[0]. The outcome depends only on
 *   the bytes inside the limits, so feeding a head in pieces yields, at the
 *   first non-zero return, exactly what one call on the whole head yields.
 * - The version is HTTP/1.0, or HTTP/1.1 for HTTP/1.1 and any higher minor
 *   version (RFC 9110 2.5); another HTTP/x.y is BAD_VERSION.
 * - The request target is visible ASCII but '#': a fragment is never sent
 *   (RFC 9112 3.2), and one forwarded could be read as part of the path.
 * - Line ends are CRLF or a bare LF; a CR not followed by LF is BAD_CHAR.
 *   Empty lines before the request line are skipped and count in head_len.
 * - lim may be NULL (no limits). A zero limit field means "no limit". The
 *   header count is bounded by msg->max_hdrs and, if set, lim->max_hdrs.
 *   max_reqline counts the request line with its line end, from its first
 *   byte; max_head counts the whole head. A head over INT_MAX is too large.
 * - Content-Length is digits only, below 2^63. A list of identical values
 *   ("5, 5") counts as that value; differing values -> BAD_CL.
 * - Transfer-Encoding lists are read across all TE fields, in order. A
 *   request with TE must be HTTP/1.1 and end with the only "chunked" (else
 *   BAD_TE); other codings before it ("gzip, chunked") are accepted and set
 *   HTTP_MF_TE_CODING, which the emitter keeps announcing. A coding must be
 *   a token with optional token=token parameters (no quoted string, which
 *   could hide a comma) in both directions, else BAD_TE.
 * - Two Host fields are refused in any version; HTTP/1.0 may have none.
 * - With an absolute-form target that has an authority, the Host field's
 *   value view is that authority (h1_uri_authority()): RFC 9112 3.2.2 has
 *   the target win and a proxy send a Host made from it, so routing and
 *   the emitted head use the host the origin will use. The target itself
 *   is left as received.
 * - Errors inside a line are reported where found; checks needing the whole
 *   head run after the empty line, in this order: CL_TE, BAD_TE, BAD_HOST.
 * - On success every field of msg is set and its views point into buf. On 0
 *   or an error, msg holds partial data and must not be used. */
int h1_parse_req(const char *buf, size_t len, struct http_msg *msg,
		 const struct h1_limits *lim);

/* Same for a response head. Responses with a Transfer-Encoding not ending with
 * chunked get HTTP_MF_TE_OTHER (body until close); any coding besides chunked
 * sets HTTP_MF_TE_CODING as for requests. The status line must be
 * "HTTP/1.x SP 3DIGIT [SP reason]" with a status of 100..999; the reason is
 * kept as received (may be empty). Both limits give HDR_TOO_LARGE here (the
 * status line is bounded by max_reqline). No empty lines may precede it. */
int h1_parse_rsp(const char *buf, size_t len, struct http_msg *msg,
		 const struct h1_limits *lim);

/* Advance the chunked decoder over buf[0..len). Returns the number of bytes
 * consumed (possibly 0 when a control line is incomplete) or H1_ERR_BAD_CHUNK.
 * *data_off and *data_len report at most one run of chunk payload inside the
 * consumed bytes (data_len 0 when none): callers loop until they consumed
 * everything or the return is 0. Chunk extensions are accepted and ignored;
 * sizes over 2^62 and trailer sections over lim->max_head are rejected.
 *
 * Details: a call stops before a second data run, and once DONE consumes
 * nothing more. A size line is consumed only whole and may not exceed
 * H1_CHUNK_LINE_MAX bytes. When an error follows bytes already consumed in
 * the same call, the call returns those bytes and the next call returns the
 * error, so the data delivered never depends on how the input was split.
 * Trailer lines follow the head's field syntax; the trailer section (from
 * the byte after the last-chunk line through the final empty line) counts
 * against lim->max_head (lim may be NULL). Start from h1_chunk_init(). */
long h1_chunk_step(struct h1_chunk *c, const char *buf, size_t len,
		   size_t *data_off, size_t *data_len, const struct h1_limits *lim);

#define H1_CHUNK_LINE_MAX 4096              /* chunk-size line, extensions included */
#define H1_CHUNK_SIZE_MAX (1ULL << 62)      /* largest accepted chunk-size */

/* Every field is set: callers keep the state on the stack, not zeroed. */
static inline void h1_chunk_init(struct h1_chunk *c)
{
	*c = (struct h1_chunk){ .state = H1_CHK_SIZE };
}

/* Parse one header field line at buf[0..len) (used for trailers; the head
 * parsers inline the same code). Returns the line length with its line end,
 * 0 when the line is incomplete, or BAD_HDR, BAD_CHAR or OBS_FOLD (a line
 * starting with SP/HTAB). An empty line is BAD_HDR. *hdr gets the views. */
long h1_parse_hdr_line(const char *buf, size_t len, struct http_hdr *hdr);

/* The authority of an absolute-form request target ("scheme://authority..."),
 * without the deprecated userinfo and its "@" (RFC 9110 4.2.4): host and
 * optional port, possibly empty. Returns 1 and sets *auth (a view into uri)
 * when uri has one, else 0 (origin-form, asterisk-form, authority-form, or
 * an absolute URI without "//"). */
int h1_uri_authority(struct ist uri, struct ist *auth);

/* Cheap check for callers receiving a head in small pieces, so they avoid
 * running the full parser on every read (quadratic on a slow sender): scans
 * buf[*from..len) for an empty line following a line end ("\n\n" or
 * "\n\r\n"). Returns the offset just past it (>0), and 0 when there is none
 * yet; *from is updated to where the next call should resume (keep it per
 * connection, starting at 0). Call the parser when this returns non-zero or
 * when len reaches the head limit (to get 414/431). A non-zero return is a
 * hint, not a verdict: the parser still decides. */
size_t h1_head_end(const char *buf, size_t len, size_t *from);

/* Status code an error maps to on the request side (400, 414, 431, 501, 505).
 * BAD_TE gives 400 (RFC 9112 6.3: no reliable framing); BAD_STATUS, which
 * only responses produce, gives 502; unknown values give 400. */
int h1_err_status(int err);
/* Short text for logs and error pages; never NULL. */
const char *h1_err_str(int err);

/* Token helpers. Case-insensitive compare of a view with a C string. */
int ist_ieq(struct ist a, const char *s);
/* 1 if the comma-separated list v contains token tok (case-insensitive). */
int h1_hdr_has_token(struct ist v, const char *tok);

/* Iterate a comma-separated list: sets *elem to the next non-empty element
 * of v with OWS trimmed, advances *pos (start at 0) and returns 1; returns 0
 * at the end. Useful for Connection tokens. */
static inline int h1_list_next(struct ist v, size_t *pos, struct ist *elem)
{
	size_t i = *pos, s, e;

	while (i < v.len && (v.ptr[i] == ' ' || v.ptr[i] == '\t' || v.ptr[i] == ','))
		i++;
	if (i == v.len) {
		*pos = i;
		return 0;
	}
	s = i;
	while (i < v.len && v.ptr[i] != ',')
		i++;
	e = i;
	while (e > s && (v.ptr[e - 1] == ' ' || v.ptr[e - 1] == '\t'))
		e--;
	*pos = i;
	elem->ptr = v.ptr + s;
	elem->len = e - s;
	return 1;
}

enum http_meth http_meth_lookup(struct ist m);
const char *http_reason(int status);

/* Character classes of h1_ctype[] (RFC 9110/9112 grammar). */
#define H1_C_TCHAR 0x01   /* token character */
#define H1_C_URI   0x02   /* request-target byte: visible ASCII 0x21..0x7E but '#' */
#define H1_C_VAL   0x04   /* field-value byte: HTAB, SP, VCHAR, obs-text */
#define H1_C_CTL   0x08   /* forbidden control: 0x00..0x1F but HTAB, and DEL */
#define H1_C_HEX   0x10   /* HEXDIG */
#define H1_C_OWS   0x20   /* SP or HTAB */
#define H1_C_DIGIT 0x40   /* DIGIT */
extern const unsigned char h1_ctype[256];

#endif
