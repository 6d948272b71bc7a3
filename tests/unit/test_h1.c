/* test_h1.c: unit tests of the HTTP/1 head parser, chunked decoder and
 * helpers. `test_h1 --bench` also times the parse of a typical request. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include "http/h1.h"
#include "http/h1_emit.h"
#include "unit.h"

#define NHDR 64
#define OK   1000                  /* expected: the whole input is the head */

static const struct h1_limits deflim = { 8192, 16384, 0 };

/* Error codes met by the checks, to prove every one is exercised. */
static unsigned seen_err;

static void saw(long r)
{
	if (r < 0 && r >= -31)
		seen_err |= 1u << -r;
}

static int parse(int rsp, const char *buf, size_t len, struct http_msg *m,
		 struct http_hdr *hdrs, unsigned max_hdrs, const struct h1_limits *lim)
{
	int r;

	m->hdrs = hdrs;
	m->max_hdrs = max_hdrs;
	r = rsp ? h1_parse_rsp(buf, len, m, lim) : h1_parse_req(buf, len, m, lim);
	saw(r);
	return r;
}

static int same_view(struct ist a, const char *ba, struct ist b, const char *bb)
{
	return a.len == b.len && (!a.len || a.ptr - ba == b.ptr - bb);
}

/* Two parses of the same bytes from different buffers agree. */
static int same_msg(const struct http_msg *a, const char *ba,
		    const struct http_msg *b, const char *bb)
{
	unsigned i;

	if (a->meth != b->meth || a->status != b->status || a->flags != b->flags ||
	    a->body_len != b->body_len || a->nb_hdrs != b->nb_hdrs ||
	    a->head_len != b->head_len || !same_view(a->method, ba, b->method, bb) ||
	    !same_view(a->uri, ba, b->uri, bb) || !same_view(a->reason, ba, b->reason, bb))
		return 0;
	for (i = 0; i < a->nb_hdrs; i++)
		if (!same_view(a->hdrs[i].n, ba, b->hdrs[i].n, bb) ||
		    !same_view(a->hdrs[i].v, ba, b->hdrs[i].v, bb))
			return 0;
	return 1;
}

/* Feed every prefix of buf, each in a buffer of its exact size: the first
 * non-zero answer must be the one-shot answer, with the same message. */
static void check_prefixes(int rsp, const char *buf, size_t len, unsigned max_hdrs,
			   const struct h1_limits *lim, const char *file, int line)
{
	struct http_hdr h1[NHDR], h2[NHDR];
	struct http_msg m1, m2;
	int full, r = 0;
	size_t k;
	char *p;

	full = parse(rsp, buf, len, &m1, h1, max_hdrs, lim);
	for (k = 0; k <= len; k++) {
		p = malloc(k ? k : 1);
		memcpy(p, buf, k);
		r = parse(rsp, p, k, &m2, h2, max_hdrs, lim);
		if (r != 0) {
			CHECK_INT_AT(r, full, file, line);
			if (r > 0)
				CHECK_AT(same_msg(&m1, buf, &m2, p), file, line);
			free(p);
			return;
		}
		free(p);
	}
	CHECK_INT_AT(r, full, file, line);
}

struct pcase {
	int line;
	int rsp;
	const char *in;
	size_t len;
	int ret;                      /* OK, 0 or an h1_err */
	unsigned flags;               /* msg->flags when ret is OK */
};

#define RQ(s, r, f) { __LINE__, 0, s, sizeof(s) - 1, r, f }
#define RS(s, r, f) { __LINE__, 1, s, sizeof(s) - 1, r, f }
#define RL   "GET / HTTP/1.1\r\n"
#define HOST "Host: x\r\n"
#define V11  HTTP_MF_VER_11
#define HH   (HTTP_MF_VER_11 | HTTP_MF_HAS_HOST)

static const struct pcase cases[] = {
	/* valid requests */
	RQ(RL HOST "\r\n", OK, HH),
	RQ("GET / HTTP/1.1\nHost: x\n\n", OK, HH),
	RQ("GET / HTTP/1.1\r\nHost: x\n\r\n", OK, HH),
	RQ("\r\n\r\n" RL HOST "\r\n", OK, HH),
	RQ("\n\n" RL HOST "\n", OK, HH),
	RQ("GET / HTTP/1.0\r\n\r\n", OK, 0),
	RQ("GET / HTTP/1.0\r\nHost: x\r\n\r\n", OK, HTTP_MF_HAS_HOST),
	RQ("OPTIONS * HTTP/1.1\r\n" HOST "\r\n", OK, HH),
	RQ("GET http://a.b:8080/p?q=1 HTTP/1.1\r\n" HOST "\r\n", OK, HH),
	RQ("CONNECT a.b:443 HTTP/1.1\r\nHost: a.b:443\r\n\r\n", OK, HH),
	RQ("M-SEARCH~!#$%&'*+.^_`| /~!$&'()*+,;=:@[]{}%\"<>\\^`| HTTP/1.1\r\n" HOST "\r\n", OK, HH),
	RQ(RL "hOsT:x\r\n\r\n", OK, HH),
	RQ(RL HOST "X:\r\nY: \t \r\nZ: a \t b\t \r\n\r\n", OK, HH),
	RQ(RL HOST "X: caf\xc3\xa9 \x80\xff\r\n\r\n", OK, HH),
	RQ(RL "Host:\r\n\r\n", OK, HH),
	RQ(RL HOST "Content-Length: 42\r\n\r\n", OK, HH | HTTP_MF_CL),
	RQ(RL HOST "content-length: 0\r\n\r\n", OK, HH | HTTP_MF_CL),
	RQ(RL HOST "Content-Length: 5, 5 ,5\r\n\r\n", OK, HH | HTTP_MF_CL),
	RQ(RL HOST "Content-Length: 5\r\nContent-Length: 005\r\n\r\n", OK, HH | HTTP_MF_CL),
	RQ(RL HOST "Content-Length: 9223372036854775807\r\n\r\n", OK, HH | HTTP_MF_CL),
	RQ(RL HOST "Transfer-Encoding: chunked\r\n\r\n", OK, HH | HTTP_MF_CHUNKED),
	RQ(RL HOST "Transfer-Encoding: CHUNKED\r\n\r\n", OK, HH | HTTP_MF_CHUNKED),
	RQ(RL HOST "Transfer-Encoding: gzip, chunked\r\n\r\n", OK,
	   HH | HTTP_MF_CHUNKED | HTTP_MF_TE_CODING),
	RQ(RL HOST "Transfer-Encoding: gzip\r\nTransfer-Encoding: ,chunked,\r\n\r\n", OK,
	   HH | HTTP_MF_CHUNKED | HTTP_MF_TE_CODING),
	RQ(RL HOST "Transfer-Encoding: chunked\r\nTransfer-Encoding:\r\n\r\n", OK,
	   HH | HTTP_MF_CHUNKED),
	RQ(RL HOST "Transfer-Encoding: x ;q=1 , chunked\r\n\r\n", OK,
	   HH | HTTP_MF_CHUNKED | HTTP_MF_TE_CODING),
	RQ(RL HOST "Connection: close\r\n\r\n", OK, HH | HTTP_MF_CONN_CLOSE),
	RQ(RL HOST "Connection: Keep-Alive\r\n\r\n", OK, HH | HTTP_MF_CONN_KAL),
	RQ(RL HOST "Connection: foo, UPGRADE\r\nUpgrade: websocket\r\n\r\n", OK,
	   HH | HTTP_MF_CONN_UPGRADE | HTTP_MF_UPGRADE),
	RQ(RL HOST "Connection: closed, keep-alive2, upgrade-x\r\n\r\n", OK, HH),
	RQ(RL HOST "Connection:close,keep-alive\r\n\r\n", OK,
	   HH | HTTP_MF_CONN_CLOSE | HTTP_MF_CONN_KAL),
	RQ(RL HOST "Expect: 100-Continue\r\n\r\n", OK, HH | HTTP_MF_EXPECT_100),
	RQ(RL HOST "Expect: 100-continue-x\r\n\r\n", OK, HH),
	RQ(RL HOST "Hosts: y\r\nHos: y\r\n\r\n", OK, HH),

	/* incomplete */
	RQ("", 0, 0),
	RQ("\r\n", 0, 0),
	RQ("\r", 0, 0),
	RQ("GET", 0, 0),
	RQ("GET /", 0, 0),
	RQ("GET / HTTP/1.", 0, 0),
	RQ("GET / HTTP/1.1\r", 0, 0),
	RQ(RL HOST, 0, 0),
	RQ(RL HOST "\r", 0, 0),
	RQ(RL "X: a\r", 0, 0),
	RQ(RL "X", 0, 0),

	/* request line */
	RQ(" / HTTP/1.1\r\n\r\n", H1_ERR_BAD_REQLINE, 0),
	RQ("GET  / HTTP/1.1\r\n\r\n", H1_ERR_BAD_REQLINE, 0),
	RQ("GET / HTTP/1.1 \r\n\r\n", H1_ERR_BAD_REQLINE, 0),
	RQ("GET /\r\n\r\n", H1_ERR_BAD_REQLINE, 0),
	RQ("GET / \r\n\r\n", H1_ERR_BAD_REQLINE, 0),
	RQ("GET\r\n\r\n", H1_ERR_BAD_REQLINE, 0),
	RQ("GET\n", H1_ERR_BAD_REQLINE, 0),
	RQ("GET / http/1.1\r\n\r\n", H1_ERR_BAD_REQLINE, 0),
	RQ("GET / HTTP/1.10\r\n\r\n", H1_ERR_BAD_REQLINE, 0),
	RQ("GET / HTTP/1.1x\r\n\r\n", H1_ERR_BAD_REQLINE, 0),
	RQ("GET / HTTP/2\r\n\r\n", H1_ERR_BAD_REQLINE, 0),
	RQ("GET / X", H1_ERR_BAD_REQLINE, 0),
	RQ("GET / HTTP/1.1\t\r\n", H1_ERR_BAD_REQLINE, 0),
	RQ("G@T / HTTP/1.1\r\n\r\n", H1_ERR_BAD_METHOD, 0),
	RQ("GET\t/ HTTP/1.1\r\n\r\n", H1_ERR_BAD_METHOD, 0),
	RQ("GE\0T / HTTP/1.1\r\n\r\n", H1_ERR_BAD_METHOD, 0),
	RQ("\xc3\xa9 / HTTP/1.1\r\n\r\n", H1_ERR_BAD_METHOD, 0),
	RQ("GET /a\x7f HTTP/1.1\r\n\r\n", H1_ERR_BAD_URI, 0),
	RQ("GET /a#f HTTP/1.1\r\n\r\n", H1_ERR_BAD_URI, 0),
	RQ("GET # HTTP/1.1\r\n\r\n", H1_ERR_BAD_URI, 0),
	RQ("GET /#", H1_ERR_BAD_URI, 0),
	RQ("GET http://a.b:8080/p?q=1#f HTTP/1.1\r\n" HOST "\r\n", H1_ERR_BAD_URI, 0),
	RQ("GET /abcdefghijklmnopqrstuvwxyz0123456789#f HTTP/1.1\r\n" HOST "\r\n",
	   H1_ERR_BAD_URI, 0),
	RQ("GET /\x80 HTTP/1.1\r\n\r\n", H1_ERR_BAD_URI, 0),
	RQ("GET /\xff HTTP/1.1\r\n\r\n", H1_ERR_BAD_URI, 0),
	RQ("GET /a\tb HTTP/1.1\r\n\r\n", H1_ERR_BAD_URI, 0),
	RQ("GET /a\0b HTTP/1.1\r\n\r\n", H1_ERR_BAD_URI, 0),
	RQ("GET /abcdefghijklmnopq\x01 HTTP/1.1\r\n\r\n", H1_ERR_BAD_URI, 0),
	RQ("GET / HTTP/1.2\r\n\r\n", H1_ERR_BAD_HOST, 0),
	RQ("GET / HTTP/1.2\r\nHost: x\r\n\r\n", OK, HH),
	RQ("GET / HTTP/1.9\r\nHost: x\r\n\r\n", OK, HH),
	RQ("GET / HTTP/1.a\r\nHost: x\r\n\r\n", H1_ERR_BAD_REQLINE, 0),
	RQ("GET / HTTP/1.\r\nHost: x\r\n\r\n", H1_ERR_BAD_REQLINE, 0),
	RQ("GET / HTTP/3.1\r\n\r\n", H1_ERR_BAD_VERSION, 0),
	RQ("GET / HTTP/1.2 \r\n\r\n", H1_ERR_BAD_REQLINE, 0),
	RQ("GET / HTTP/2.0\r\n\r\n", H1_ERR_BAD_VERSION, 0),
	RQ("GET / HTTP/0.9\r\n\r\n", H1_ERR_BAD_VERSION, 0),
	RQ("GET / HTTP/1.1\rX\r\n\r\n", H1_ERR_BAD_CHAR, 0),
	RQ("GET /\rX", H1_ERR_BAD_CHAR, 0),
	RQ("GET\rX", H1_ERR_BAD_CHAR, 0),
	RQ("\rGET / HTTP/1.1\r\n\r\n", H1_ERR_BAD_CHAR, 0),
	RQ("\r\n\rX", H1_ERR_BAD_CHAR, 0),

	/* header syntax */
	RQ(RL "Host : x\r\n\r\n", H1_ERR_BAD_HDR, 0),
	RQ(RL "Host\t: x\r\n\r\n", H1_ERR_BAD_HDR, 0),
	RQ(RL "Host\r\n\r\n", H1_ERR_BAD_HDR, 0),
	RQ(RL "Host\n\n", H1_ERR_BAD_HDR, 0),
	RQ(RL ": x\r\n\r\n", H1_ERR_BAD_HDR, 0),
	RQ(RL "Ho(st: x\r\n\r\n", H1_ERR_BAD_HDR, 0),
	RQ(RL "H\x80: x\r\n\r\n", H1_ERR_BAD_HDR, 0),
	RQ(RL "Host x\r\n\r\n", H1_ERR_BAD_HDR, 0),
	RQ(RL "X: a\x01" "b\r\n\r\n", H1_ERR_BAD_CHAR, 0),
	RQ(RL "X: a\0b\r\n\r\n", H1_ERR_BAD_CHAR, 0),
	RQ(RL "X: 0123456789abcdef\0\r\n\r\n", H1_ERR_BAD_CHAR, 0),
	RQ(RL "X: a\rb\r\n\r\n", H1_ERR_BAD_CHAR, 0),
	RQ(RL "X: a\r\r\n\r\n", H1_ERR_BAD_CHAR, 0),
	RQ(RL "X: 0123456789abcdef\x7f\r\n\r\n", H1_ERR_BAD_CHAR, 0),
	RQ(RL "X: \x1b[0m\r\n\r\n", H1_ERR_BAD_CHAR, 0),
	RQ(RL "Ho\x01st: x\r\n\r\n", H1_ERR_BAD_CHAR, 0),
	RQ(RL "Ho\0st: x\r\n\r\n", H1_ERR_BAD_CHAR, 0),
	RQ(RL "Host\rx: x\r\n\r\n", H1_ERR_BAD_CHAR, 0),
	RQ(RL HOST "\rX\r\n", H1_ERR_BAD_CHAR, 0),
	RQ(RL HOST "X: a\r\n b\r\n\r\n", H1_ERR_OBS_FOLD, 0),
	RQ(RL HOST "X: a\r\n\tb\r\n\r\n", H1_ERR_OBS_FOLD, 0),
	RQ(RL " Host: x\r\n\r\n", H1_ERR_OBS_FOLD, 0),

	/* framing */
	RQ(RL HOST "Content-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n", H1_ERR_CL_TE, 0),
	RQ(RL HOST "Transfer-Encoding: chunked\r\nContent-Length: 1\r\n\r\n", H1_ERR_CL_TE, 0),
	RQ(RL HOST "Content-Length: 1\r\nTransfer-Encoding: gzip\r\n\r\n", H1_ERR_CL_TE, 0),
	RQ(RL HOST "Content-Length: abc\r\n\r\n", H1_ERR_BAD_CL, 0),
	RQ(RL HOST "Content-Length: -1\r\n\r\n", H1_ERR_BAD_CL, 0),
	RQ(RL HOST "Content-Length: +1\r\n\r\n", H1_ERR_BAD_CL, 0),
	RQ(RL HOST "Content-Length: 0x5\r\n\r\n", H1_ERR_BAD_CL, 0),
	RQ(RL HOST "Content-Length:\r\n\r\n", H1_ERR_BAD_CL, 0),
	RQ(RL HOST "Content-Length: 5 5\r\n\r\n", H1_ERR_BAD_CL, 0),
	RQ(RL HOST "Content-Length: 5,\r\n\r\n", H1_ERR_BAD_CL, 0),
	RQ(RL HOST "Content-Length: ,5\r\n\r\n", H1_ERR_BAD_CL, 0),
	RQ(RL HOST "Content-Length: 5,,5\r\n\r\n", H1_ERR_BAD_CL, 0),
	RQ(RL HOST "Content-Length: 5, 6\r\n\r\n", H1_ERR_BAD_CL, 0),
	RQ(RL HOST "Content-Length: 5\r\nContent-Length: 6\r\n\r\n", H1_ERR_BAD_CL, 0),
	RQ(RL HOST "Content-Length: 9223372036854775808\r\n\r\n", H1_ERR_BAD_CL, 0),
	RQ(RL HOST "Content-Length: 99999999999999999999999\r\n\r\n", H1_ERR_BAD_CL, 0),
	RQ(RL HOST "Transfer-Encoding: gzip\r\n\r\n", H1_ERR_BAD_TE, 0),
	RQ(RL HOST "Transfer-Encoding:\r\n\r\n", H1_ERR_BAD_TE, 0),
	RQ(RL HOST "Transfer-Encoding: chunked, gzip\r\n\r\n", H1_ERR_BAD_TE, 0),
	RQ(RL HOST "Transfer-Encoding: chunked, chunked\r\n\r\n", H1_ERR_BAD_TE, 0),
	RQ(RL HOST "Transfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n",
	   H1_ERR_BAD_TE, 0),
	RQ(RL HOST "Transfer-Encoding: chunked;q=1\r\n\r\n", H1_ERR_BAD_TE, 0),
	RQ(RL HOST "Transfer-Encoding: xchunked\r\n\r\n", H1_ERR_BAD_TE, 0),
	RQ(RL HOST "Transfer-Encoding: x;q=\"a, chunked\"\r\n\r\n", H1_ERR_BAD_TE, 0),
	RQ(RL HOST "Transfer-Encoding: x;q=\"a, b\", chunked\r\n\r\n", H1_ERR_BAD_TE, 0),
	RQ(RL HOST "Transfer-Encoding: ;x, chunked\r\n\r\n", H1_ERR_BAD_TE, 0),
	RQ(RL HOST "Transfer-Encoding: g/zip, chunked\r\n\r\n", H1_ERR_BAD_TE, 0),
	RQ("POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n", H1_ERR_BAD_TE, 0),
	RQ(RL "\r\n", H1_ERR_BAD_HOST, 0),
	RQ(RL "X: y\r\n\r\n", H1_ERR_BAD_HOST, 0),
	RQ(RL HOST HOST "\r\n", H1_ERR_BAD_HOST, 0),
	RQ("GET / HTTP/1.0\r\n" HOST "host: y\r\n\r\n", H1_ERR_BAD_HOST, 0),

	/* responses */
	RS("HTTP/1.1 200 OK\r\n\r\n", OK, V11),
	RS("HTTP/1.1 200\r\n\r\n", OK, V11),
	RS("HTTP/1.1 200 \r\n\r\n", OK, V11),
	RS("HTTP/1.0 404 Not Found\n\n", OK, 0),
	RS("HTTP/1.1 999 \xe9t\xe9\tx\r\nServer: y\r\n\r\n", OK, V11),
	RS("HTTP/1.1 100 Continue\r\n\r\n", OK, V11),
	RS("HTTP/1.2 200 OK\r\n\r\n", OK, V11),
	RS("HTTP/1.9 200 OK\r\nConnection: close\r\n\r\n", OK, V11 | HTTP_MF_CONN_CLOSE),
	RS("HTTP/1.1 204 No Content\r\nContent-Length: 7\r\n\r\n", OK, V11 | HTTP_MF_CL),
	RS("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n", OK, V11 | HTTP_MF_CHUNKED),
	RS("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n", OK,
	   V11 | HTTP_MF_TE_OTHER | HTTP_MF_TE_CODING),
	RS("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, gzip\r\n\r\n", OK,
	   V11 | HTTP_MF_TE_OTHER | HTTP_MF_TE_CODING),
	RS("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", OK,
	   V11 | HTTP_MF_CHUNKED | HTTP_MF_TE_CODING),
	RS("HTTP/1.1 200 OK\r\nTransfer-Encoding:\r\n\r\n", OK, V11 | HTTP_MF_TE_OTHER),
	RS("HTTP/1.1 101 Switching\r\nConnection: upgrade\r\nUpgrade: h2c\r\n\r\n", OK,
	   V11 | HTTP_MF_CONN_UPGRADE | HTTP_MF_UPGRADE),
	RS("HTTP/1.0 200 OK\r\nConnection: keep-alive\r\n\r\n", OK, HTTP_MF_CONN_KAL),
	RS("HTTP/1.1 200 OK\r\nConnection: close\r\nHost: a\r\nHost: b\r\n"
	   "Expect: 100-continue\r\n\r\n", OK, V11 | HTTP_MF_CONN_CLOSE),
	RS("", 0, 0),
	RS("HTTP/1.1 2", 0, 0),
	RS("HTTP/1.1 200", 0, 0),
	RS("HTTP/1.1 200 OK\r", 0, 0),
	RS("HTTP/1.1 200 OK\r\n", 0, 0),
	RS("HTTP/1.1 099 x\r\n\r\n", H1_ERR_BAD_STATUS, 0),
	RS("HTTP/1.1 000\r\n\r\n", H1_ERR_BAD_STATUS, 0),
	RS("HTTP/1.1 1000\r\n\r\n", H1_ERR_BAD_STATUS, 0),
	RS("HTTP/1.1 20 OK\r\n\r\n", H1_ERR_BAD_STATUS, 0),
	RS("HTTP/1.1  200 OK\r\n\r\n", H1_ERR_BAD_STATUS, 0),
	RS("HTTP/1.1 2x0 OK\r\n\r\n", H1_ERR_BAD_STATUS, 0),
	RS("HTTP/1.1\r\n\r\n", H1_ERR_BAD_STATUS, 0),
	RS("HTTP/2 200\r\n\r\n", H1_ERR_BAD_STATUS, 0),
	RS("http/1.1 200 OK\r\n\r\n", H1_ERR_BAD_STATUS, 0),
	RS("\r\nHTTP/1.1 200 OK\r\n\r\n", H1_ERR_BAD_STATUS, 0),
	RS("ICY 200 OK\r\n\r\n", H1_ERR_BAD_STATUS, 0),
	RS("HTTP/2.0 200 OK\r\n\r\n", H1_ERR_BAD_VERSION, 0),
	RS("HTTP/0.9 200 OK\r\n\r\n", H1_ERR_BAD_VERSION, 0),
	RS("HTTP/1.x 200 OK\r\n\r\n", H1_ERR_BAD_STATUS, 0),
	RS("HTTP/1.1 200 O\x01K\r\n\r\n", H1_ERR_BAD_CHAR, 0),
	RS("HTTP/1.1 200 OK\rX\r\n\r\n", H1_ERR_BAD_CHAR, 0),
	RS("HTTP/1.1 200 OK\r\nX: a\r\n b\r\n\r\n", H1_ERR_OBS_FOLD, 0),
	RS("HTTP/1.1 200 OK\r\nX y: a\r\n\r\n", H1_ERR_BAD_HDR, 0),
	RS("HTTP/1.1 200 OK\r\nContent-Length: 1\r\nTransfer-Encoding: chunked\r\n\r\n",
	   H1_ERR_CL_TE, 0),
	RS("HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
	   H1_ERR_BAD_CL, 0),
	RS("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, chunked\r\n\r\n", H1_ERR_BAD_TE, 0),
	RS("HTTP/1.1 200 OK\r\nTransfer-Encoding: \"gzip\"\r\n\r\n", H1_ERR_BAD_TE, 0),
};

static void test_cases(void)
{
	struct http_hdr h[NHDR];
	struct http_msg m;
	const struct pcase *c;
	size_t i;
	int r, want;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		c = &cases[i];
		want = c->ret == OK ? (int)c->len : c->ret;
		r = parse(c->rsp, c->in, c->len, &m, h, NHDR, &deflim);
		CHECK_INT_AT(r, want, __FILE__, c->line);
		if (c->ret == OK && r > 0) {
			CHECK_INT_AT(m.flags, c->flags, __FILE__, c->line);
			CHECK_INT_AT(m.head_len, c->len, __FILE__, c->line);
		}
		check_prefixes(c->rsp, c->in, c->len, NHDR, &deflim, __FILE__, c->line);
		check_prefixes(c->rsp, c->in, c->len, NHDR, NULL, __FILE__, c->line);
	}
}

static int view_is(struct ist v, const char *s)
{
	return v.len == strlen(s) && !memcmp(v.ptr, s, v.len);
}

static void test_views(void)
{
	static const char req[] =
		"\r\nPOST /upload?a=b HTTP/1.1\r\n"
		"Host:  example.com \r\n"
		"Content-Type:\ttext/plain; charset=utf-8\t\r\n"
		"X-Empty:   \r\n"
		"X-Mid: a  b\r\n"
		"Content-Length: 11\r\n"
		"\r\nhello world";
	static const char rsp[] = "HTTP/1.1 404 Not  Found \r\nServer: s\r\n\r\n";
	struct http_hdr h[NHDR];
	struct http_msg m;
	int r;

	r = parse(0, req, sizeof(req) - 1, &m, h, NHDR, &deflim);
	CHECK_INT(r, sizeof(req) - 1 - 11);
	CHECK_INT(m.head_len, r);
	CHECK(m.meth == HTTP_METH_POST);
	CHECK(view_is(m.method, "POST"));
	CHECK(view_is(m.uri, "/upload?a=b"));
	CHECK_INT(m.nb_hdrs, 5);
	CHECK(view_is(h[0].n, "Host") && view_is(h[0].v, "example.com"));
	CHECK(view_is(h[1].n, "Content-Type") && view_is(h[1].v, "text/plain; charset=utf-8"));
	CHECK(view_is(h[2].n, "X-Empty") && h[2].v.len == 0);
	CHECK(view_is(h[3].v, "a  b"));
	CHECK(m.body_len == 11 && (m.flags & HTTP_MF_CL));
	CHECK(m.status == 0 && m.reason.len == 0);

	r = parse(1, rsp, sizeof(rsp) - 1, &m, h, NHDR, &deflim);
	CHECK_INT(r, sizeof(rsp) - 1);
	CHECK_INT(m.status, 404);
	CHECK(view_is(m.reason, "Not  Found "));
	CHECK(m.meth == HTTP_METH_OTHER && m.method.len == 0 && m.uri.len == 0);
	CHECK(m.nb_hdrs == 1 && view_is(h[0].v, "s"));

	r = parse(1, "HTTP/1.1 200\r\n\r\n", 16, &m, h, NHDR, NULL);
	CHECK(r == 16 && m.status == 200 && m.reason.len == 0);
	{
		static const char a[] = "GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 5, 5\r\n\r\n";
		static const char b[] =
			"GET / HTTP/1.1\r\nHost: x\r\nContent-Length: 9223372036854775807\r\n\r\n";

		r = parse(0, a, sizeof(a) - 1, &m, h, NHDR, NULL);
		CHECK(r == sizeof(a) - 1 && m.body_len == 5);
		r = parse(0, b, sizeof(b) - 1, &m, h, NHDR, NULL);
		CHECK(r == sizeof(b) - 1 && m.body_len == 9223372036854775807ULL);
	}
}

/* The authority of an absolute-form target, and the Host it makes. */
static void test_absolute_host(void)
{
	static const struct { const char *uri, *auth; } t[] = {
		{ "http://a.example/x", "a.example" },
		{ "HTTPS://A.example:8443", "A.example:8443" },
		{ "http://u:p@a.example:81/x@y", "a.example:81" },
		{ "http://u@v@a.example?q", "a.example" },
		{ "http://[::1]:80/", "[::1]:80" },
		{ "http:///x", "" },
		{ "http://", "" },
		{ "coap+tcp.x-1://h/", "h" },
		{ "/x", NULL },
		{ "*", NULL },
		{ "a.example:443", NULL },
		{ "urn:a:b", NULL },
		{ "http:/a/b", NULL },
		{ "1http://a/", NULL },
		{ "ht~tp://a/", NULL },
		{ "", NULL },
	};
	struct http_hdr h[NHDR];
	struct http_msg m;
	struct ist a;
	char buf[256];
	int n;

	for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct ist u = { t[i].uri, strlen(t[i].uri) };
		int got = h1_uri_authority(u, &a);

		if (!CHECK_INT(got, t[i].auth != NULL))
			printf("  uri \"%s\"\n", t[i].uri);
		if (got && t[i].auth)
			CHECK(view_is(a, t[i].auth) && a.ptr >= u.ptr && a.ptr + a.len <= u.ptr + u.len);
	}

	/* the Host value is the authority, wherever the field is */
	n = snprintf(buf, sizeof(buf), "GET http://u@a.example:8080/p HTTP/1.1\r\n"
		     "X: 1\r\nHOST: b.example\r\n\r\n");
	CHECK_INT(parse(0, buf, n, &m, h, NHDR, &deflim), n);
	CHECK(view_is(h[1].n, "HOST") && view_is(h[1].v, "a.example:8080"));
	CHECK(view_is(m.uri, "http://u@a.example:8080/p") && view_is(h[0].v, "1"));
	check_prefixes(0, buf, n, NHDR, &deflim, __FILE__, __LINE__);
	n = snprintf(buf, sizeof(buf), "GET http://a.example HTTP/1.0\r\nHost: b\r\n\r\n");
	CHECK_INT(parse(0, buf, n, &m, h, NHDR, &deflim), n);
	CHECK(view_is(h[0].v, "a.example"));
	/* no Host to replace in HTTP/1.0: none is added */
	n = snprintf(buf, sizeof(buf), "GET http://a.example/ HTTP/1.0\r\nX: y\r\n\r\n");
	CHECK_INT(parse(0, buf, n, &m, h, NHDR, &deflim), n);
	CHECK(m.nb_hdrs == 1 && view_is(h[0].v, "y"));
	/* other forms keep the Host received */
	n = snprintf(buf, sizeof(buf), "CONNECT a.example:443 HTTP/1.1\r\nHost: b:443\r\n\r\n");
	CHECK_INT(parse(0, buf, n, &m, h, NHDR, &deflim), n);
	CHECK(view_is(h[0].v, "b:443"));
	n = snprintf(buf, sizeof(buf), "GET /http://a/ HTTP/1.1\r\nHost: b\r\n\r\n");
	CHECK_INT(parse(0, buf, n, &m, h, NHDR, &deflim), n);
	CHECK(view_is(h[0].v, "b"));
}

static void test_methods(void)
{
	static const struct { const char *s; enum http_meth m; } t[] = {
		{ "GET", HTTP_METH_GET }, { "HEAD", HTTP_METH_HEAD },
		{ "POST", HTTP_METH_POST }, { "PUT", HTTP_METH_PUT },
		{ "DELETE", HTTP_METH_DELETE }, { "OPTIONS", HTTP_METH_OPTIONS },
		{ "CONNECT", HTTP_METH_CONNECT }, { "TRACE", HTTP_METH_TRACE },
		{ "PATCH", HTTP_METH_PATCH }, { "get", HTTP_METH_OTHER },
		{ "PROPFIND", HTTP_METH_OTHER }, { "GETS", HTTP_METH_OTHER },
		{ "PUTS", HTTP_METH_OTHER }, { "X", HTTP_METH_OTHER },
	};
	struct http_hdr h[NHDR];
	struct http_msg m;
	char buf[64];
	size_t i;
	int n;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		struct ist v = { t[i].s, strlen(t[i].s) };

		CHECK_INT(http_meth_lookup(v), t[i].m);
		n = snprintf(buf, sizeof(buf), "%s / HTTP/1.1\r\nHost: h\r\n\r\n", t[i].s);
		CHECK(parse(0, buf, n, &m, h, NHDR, NULL) == n && m.meth == t[i].m);
	}
}

/* Requests back to back, with bodies the caller skips. */
static void test_pipeline(void)
{
	static const char buf[] =
		"GET /1 HTTP/1.1\r\nHost: a\r\n\r\n"
		"POST /2 HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\nabc"
		"\r\nGET /3 HTTP/1.0\r\n\r\n"
		"HEAD /4 HTTP/1.1\nHost: a\n\n"
		"GET /5 HTTP/1.1\r\nHo";
	static const char *uris[] = { "/1", "/2", "/3", "/4" };
	struct http_hdr h[NHDR];
	struct http_msg m;
	size_t off = 0, len = sizeof(buf) - 1;
	int i, r;

	for (i = 0; i < 4; i++) {
		r = parse(0, buf + off, len - off, &m, h, NHDR, &deflim);
		CHECK(r > 0);
		if (r <= 0)
			return;
		CHECK(view_is(m.uri, uris[i]));
		CHECK_INT(m.head_len, r);
		off += r + ((m.flags & HTTP_MF_CL) ? m.body_len : 0);
	}
	CHECK_INT(parse(0, buf + off, len - off, &m, h, NHDR, &deflim), 0);
	CHECK(view_is((struct ist){ buf + off, len - off }, "GET /5 HTTP/1.1\r\nHo"));
}

static void test_limits(void)
{
	struct h1_limits lim = { 24, 64, 0 };
	struct http_hdr h[NHDR];
	struct http_msg m;
	char buf[256];
	int n;

	/* the request line may be exactly max_reqline bytes, CRLF included */
	n = snprintf(buf, sizeof(buf), "GET /%s HTTP/1.1\r\nHost: x\r\n\r\n", "aaaaaaaa");
	CHECK_INT(n - 11, 24);
	CHECK_INT(parse(0, buf, n, &m, h, NHDR, &lim), n);
	check_prefixes(0, buf, n, NHDR, &lim, __FILE__, __LINE__);
	n = snprintf(buf, sizeof(buf), "GET /%s HTTP/1.1\r\nHost: x\r\n\r\n", "aaaaaaaaa");
	CHECK_INT(parse(0, buf, n, &m, h, NHDR, &lim), H1_ERR_URI_TOO_LONG);
	check_prefixes(0, buf, n, NHDR, &lim, __FILE__, __LINE__);
	CHECK_INT(parse(0, buf, 24, &m, h, NHDR, &lim), H1_ERR_URI_TOO_LONG);
	CHECK_INT(parse(0, buf, 23, &m, h, NHDR, &lim), 0);
	/* leading empty lines do not count in the request line */
	n = snprintf(buf, sizeof(buf), "\r\n\r\nGET /%s HTTP/1.1\r\nHost: x\r\n\r\n", "aaaaaaaa");
	CHECK_INT(parse(0, buf, n, &m, h, NHDR, &lim), n);
	/* a bad byte beyond the limit is not looked at */
	n = snprintf(buf, sizeof(buf), "GET /aaaaaaaaaaaaaaaaaaaaaaaaaa\x01 HTTP/1.1\r\n\r\n");
	CHECK_INT(parse(0, buf, n, &m, h, NHDR, &lim), H1_ERR_URI_TOO_LONG);
	/* LF-only line ends need one byte less */
	n = snprintf(buf, sizeof(buf), "GET /%s HTTP/1.1\nHost: x\n\n", "aaaaaaaaa");
	CHECK_INT(parse(0, buf, n, &m, h, NHDR, &lim), n);

	/* the whole head may be exactly max_head bytes */
	n = snprintf(buf, sizeof(buf), "GET / HTTP/1.1\r\nHost: x\r\nX: %s\r\n\r\n",
		     "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb");
	CHECK_INT(n, 64);
	CHECK_INT(parse(0, buf, n, &m, h, NHDR, &lim), n);
	n = snprintf(buf, sizeof(buf), "GET / HTTP/1.1\r\nHost: x\r\nX: %s\r\n\r\n",
		     "bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb");
	CHECK_INT(parse(0, buf, n, &m, h, NHDR, &lim), H1_ERR_HDR_TOO_LARGE);
	check_prefixes(0, buf, n, NHDR, &lim, __FILE__, __LINE__);
	CHECK_INT(parse(0, buf, 64, &m, h, NHDR, &lim), H1_ERR_HDR_TOO_LARGE);
	CHECK_INT(parse(0, buf, 63, &m, h, NHDR, &lim), 0);
	/* empty lines before the request line count in the head */
	n = snprintf(buf, sizeof(buf), "%s", "\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n"
		     "\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n\r\n"
		     "\r\n\r\n\r\n\r\n");
	CHECK_INT(parse(0, buf, n, &m, h, NHDR, &lim), H1_ERR_HDR_TOO_LARGE);
	CHECK_INT(parse(0, buf, n, &m, h, NHDR, NULL), 0);
	/* when both limits end the window at once, the request line is blamed */
	lim.max_head = 24;
	CHECK_INT(parse(0, "GET /aaaaaaaaaaaaaaaaaaaaaaaaaaa", 30, &m, h, NHDR, &lim),
		  H1_ERR_URI_TOO_LONG);
	lim.max_reqline = 100;
	CHECK_INT(parse(0, "GET /aaaaaaaaaaaaaaaaaaaaaaaaaaa", 30, &m, h, NHDR, &lim),
		  H1_ERR_HDR_TOO_LARGE);

	/* responses report both limits as HDR_TOO_LARGE */
	lim.max_reqline = 17;
	lim.max_head = 64;
	CHECK_INT(parse(1, "HTTP/1.1 200 OK\r\n\r\n", 19, &m, h, NHDR, &lim), 19);
	CHECK_INT(parse(1, "HTTP/1.1 200 OKK\r\n\r\n", 20, &m, h, NHDR, &lim),
		  H1_ERR_HDR_TOO_LARGE);
	n = snprintf(buf, sizeof(buf), "HTTP/1.1 200 OK\r\nX: %s\r\n\r\n",
		     "cccccccccccccccccccccccccccccccccccccccc");
	CHECK_INT(parse(1, buf, n, &m, h, NHDR, &lim), 64);
	n = snprintf(buf, sizeof(buf), "HTTP/1.1 200 OK\r\nX: %s\r\n\r\n",
		     "ccccccccccccccccccccccccccccccccccccccccc");
	CHECK_INT(parse(1, buf, n, &m, h, NHDR, &lim), H1_ERR_HDR_TOO_LARGE);
	check_prefixes(1, buf, n, NHDR, &lim, __FILE__, __LINE__);

	/* header count: the table size and lim->max_hdrs, whichever is lower */
	n = snprintf(buf, sizeof(buf), "GET / HTTP/1.1\r\nHost: x\r\nA: 1\r\nB: 2\r\n\r\n");
	CHECK_INT(parse(0, buf, n, &m, h, 3, NULL), n);
	CHECK_INT(m.nb_hdrs, 3);
	CHECK_INT(parse(0, buf, n, &m, h, 2, NULL), H1_ERR_TOO_MANY_HDRS);
	check_prefixes(0, buf, n, 2, NULL, __FILE__, __LINE__);
	CHECK_INT(parse(0, buf, n, &m, h, 0, NULL), H1_ERR_TOO_MANY_HDRS);
	lim = (struct h1_limits){ 0, 0, 2 };
	CHECK_INT(parse(0, buf, n, &m, h, NHDR, &lim), H1_ERR_TOO_MANY_HDRS);
	lim.max_hdrs = 3;
	CHECK_INT(parse(0, buf, n, &m, h, NHDR, &lim), n);
	CHECK_INT(parse(1, "HTTP/1.1 200 OK\r\nA: 1\r\n\r\n", 25, &m, h, 0, NULL),
		  H1_ERR_TOO_MANY_HDRS);
	/* zero limits: only len bounds the parse */
	lim = (struct h1_limits){ 0, 0, 0 };
	CHECK_INT(parse(0, buf, n, &m, h, NHDR, &lim), n);
}

/* A head split at every position gives the same result (larger inputs
 * than the case table, with many headers crossing word boundaries). */
static void test_split_big(void)
{
	char buf[4096];
	int n = 0, i;

	n += snprintf(buf + n, sizeof(buf) - n, "\r\nPUT /a/very/long/path/%s?x=%s HTTP/1.1\r\n",
		      "0123456789abcdef0123456789abcdef", "~!$&'()*+,;=:@");
	for (i = 0; i < 40; i++)
		n += snprintf(buf + n, sizeof(buf) - n, "X-Header-%d:%*s value %d\t%s\r\n",
			      i, i % 3, "", i * 7919, i % 5 ? "tail \x80\xfe" : "");
	n += snprintf(buf + n, sizeof(buf) - n, "Host: h\r\nContent-Length: 10\r\n\r\n");
	check_prefixes(0, buf, n, NHDR, &deflim, __FILE__, __LINE__);
	check_prefixes(0, buf, n, 20, &deflim, __FILE__, __LINE__);
	buf[n - 30] = '\x7f';
	check_prefixes(0, buf, n, NHDR, &deflim, __FILE__, __LINE__);
}

/* Every byte value at every offset of a name, a value and a target, so
 * the block scanners are checked at each lane and across block edges. */
static void test_bytes(void)
{
	struct http_hdr h[NHDR];
	struct http_msg m;
	char buf[256];
	int b, k, n, r, want, ctl;

	for (b = 0; b < 256; b++) {
		ctl = (b < 0x20 && b != '\t') || b == 0x7f;
		for (k = 0; k < 40; k++) {
			/* in a header name */
			n = snprintf(buf, sizeof(buf), "GET / HTTP/1.1\r\nHost: x\r\n%.*s", k,
				     "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmn");
			buf[n++] = (char)b;
			n += snprintf(buf + n, sizeof(buf) - n, "zz: v\r\n\r\n");
			if (h1_ctype[b] & H1_C_TCHAR)
				want = n;
			else if (b == ':')
				want = k ? n : H1_ERR_BAD_HDR;
			else if (b == '\r')
				want = H1_ERR_BAD_CHAR;
			else if (b == '\n')
				want = k ? H1_ERR_BAD_HDR : 26;  /* no name: the empty line */
			else if ((b == ' ' || b == '\t') && !k)
				want = H1_ERR_OBS_FOLD;
			else
				want = ctl ? H1_ERR_BAD_CHAR : H1_ERR_BAD_HDR;
			r = parse(0, buf, n, &m, h, NHDR, NULL);
			if (!CHECK_INT(r, want))
				printf("  name byte 0x%02x at %d\n", b, k);

			/* in a field value (not at its edges, where OWS is trimmed) */
			n = snprintf(buf, sizeof(buf), "GET / HTTP/1.1\r\nHost: x\r\nX: a%.*s", k,
				     "0123456789abcdefghijklmnopqrstuvwxyz0123");
			buf[n++] = (char)b;
			n += snprintf(buf + n, sizeof(buf) - n, "z\r\n\r\n");
			if (b == '\n')
				want = H1_ERR_BAD_HDR;          /* "z" is a line without a colon */
			else
				want = ctl || b == '\r' ? H1_ERR_BAD_CHAR : n;
			r = parse(0, buf, n, &m, h, NHDR, NULL);
			if (!CHECK_INT(r, want))
				printf("  value byte 0x%02x at %d\n", b, k);
			if (r > 0)
				CHECK(m.nb_hdrs == 2 && h[1].v.len == (size_t)k + 3 &&
				      h[1].v.ptr[k + 1] == (char)b);

			/* in a request-target */
			n = snprintf(buf, sizeof(buf), "GET /%.*s", k,
				     "0123456789abcdefghijklmnopqrstuvwxyz0123");
			buf[n++] = (char)b;
			n += snprintf(buf + n, sizeof(buf) - n, "z HTTP/1.1\r\nHost: x\r\n\r\n");
			if (h1_ctype[b] & H1_C_URI)
				want = n;
			else if (b == '\r')
				want = H1_ERR_BAD_CHAR;
			else
				want = b == ' ' || b == '\n' ? H1_ERR_BAD_REQLINE : H1_ERR_BAD_URI;
			r = parse(0, buf, n, &m, h, NHDR, NULL);
			if (!CHECK_INT(r, want))
				printf("  target byte 0x%02x at %d\n", b, k);
			if (r > 0)
				CHECK(m.uri.len == (size_t)k + 3 && m.uri.ptr[k + 1] == (char)b);
			if (k % 7 == 3)
				check_prefixes(0, buf, n, NHDR, NULL, __FILE__, __LINE__);
		}
	}
}

/* ---- chunked decoder ---- */

struct dec {
	char out[8192];
	size_t out_len;
	size_t consumed;
	long err;
	struct h1_chunk c;
};

/* Decode in[0..len) arriving in pieces of `step` bytes (0: all at once), as
 * a proxy would: unconsumed bytes stay and are offered again with the next
 * piece. Each call sees a buffer of exactly the bytes it is given. */
static void decode(struct dec *d, const char *in, size_t len, size_t step,
		   const struct h1_limits *lim)
{
	size_t avail = step ? 0 : len, off, dl;
	long r;
	char *p;

	memset(d, 0, sizeof(*d));
	h1_chunk_init(&d->c);
	for (;;) {
		p = malloc(avail - d->consumed + 1);
		memcpy(p, in + d->consumed, avail - d->consumed);
		r = h1_chunk_step(&d->c, p, avail - d->consumed, &off, &dl, lim);
		saw(r);
		if (r < 0) {
			free(p);
			d->err = r;
			return;
		}
		CHECK(r <= (long)(avail - d->consumed));
		CHECK(dl == 0 || off + dl <= (size_t)r);
		if (d->out_len + dl <= sizeof(d->out)) {
			memcpy(d->out + d->out_len, p + off, dl);
			d->out_len += dl;
		}
		free(p);
		d->consumed += r;
		if (r == 0) {
			if (avail == len)
				return;
			avail = avail + step < len ? avail + step : len;
		}
	}
}

#define CHK_OK(in, out, rest, lim) \
	check_chunked(in, sizeof(in) - 1, out, sizeof(out) - 1, rest, 0, lim, __LINE__)
#define CHK_ERR(in, lim) \
	check_chunked(in, sizeof(in) - 1, NULL, 0, 0, H1_ERR_BAD_CHUNK, lim, __LINE__)
#define CHK_MORE(in) check_chunked(in, sizeof(in) - 1, NULL, 0, 0, 1, NULL, __LINE__)

/* Decode with every piece size: same payload, state and verdict each time.
 * err: 0 = must reach DONE with `rest` bytes left over, 1 = must stop
 * undecided, else the error expected. */
static void check_chunked(const char *in, size_t len, const char *out, size_t out_len,
			  size_t rest, long err, const struct h1_limits *lim, int line)
{
	static struct dec one, d;
	size_t step;

	decode(&one, in, len, 0, lim);
	if (err == 0) {
		CHECK_INT_AT(one.err, 0, __FILE__, line);
		CHECK_INT_AT(one.c.state, H1_CHK_DONE, __FILE__, line);
		CHECK_INT_AT(one.consumed, len - rest, __FILE__, line);
		CHECK_AT(one.out_len == out_len && !memcmp(one.out, out, out_len),
			 __FILE__, line);
	} else if (err == 1) {
		CHECK_INT_AT(one.err, 0, __FILE__, line);
		CHECK_AT(one.c.state != H1_CHK_DONE, __FILE__, line);
	} else {
		CHECK_INT_AT(one.err, err, __FILE__, line);
	}
	for (step = 1; step <= len; step++) {
		decode(&d, in, len, step, lim);
		if (!CHECK_INT_AT(d.err, one.err, __FILE__, line) ||
		    !CHECK_INT_AT(d.consumed, one.consumed, __FILE__, line) ||
		    !CHECK_INT_AT(d.c.state, one.c.state, __FILE__, line) ||
		    !CHECK_AT(d.out_len == one.out_len && !memcmp(d.out, one.out, d.out_len),
			      __FILE__, line))
			return;
	}
}

static void test_chunked(void)
{
	struct h1_limits lim = { 0, 20, 0 };
	struct h1_chunk c;
	size_t off, dl;
	char big[6000];
	int n;

	CHK_OK("0\r\n\r\n", "", 0, NULL);
	CHK_OK("5\r\nhello\r\n0\r\n\r\n", "hello", 0, NULL);
	CHK_OK("5\nhello\n0\n\n", "hello", 0, NULL);
	CHK_OK("5\r\nhello\n0\r\n\n", "hello", 0, NULL);
	CHK_OK("1\r\na\r\n2\r\nbc\r\nA\r\n0123456789\r\n0\r\n\r\n", "abc0123456789", 0, NULL);
	CHK_OK("a\r\n0123456789\r\nF\r\n0123456789abcde\r\n0\r\n\r\n",
	       "01234567890123456789abcde", 0, NULL);
	CHK_OK("00005\r\nhello\r\n000\r\n\r\nGET / HTTP/1.1\r\n", "hello", 16, NULL);
	CHK_OK("5;ext\r\nhello\r\n0;last=\"yes\"\r\n\r\n", "hello", 0, NULL);
	CHK_OK("5 ;a=b ; c\r\nhello\r\n0\t;x\r\n\r\n", "hello", 0, NULL);
	CHK_OK("5;\xe9\r\nhello\r\n0\r\n\r\n", "hello", 0, NULL);
	CHK_OK("3\r\n\r\n\0\r\n0\r\n\r\n", "\r\n\0", 0, NULL);
	CHK_OK("0\r\nX-Sum: abc\r\nY:\r\n\r\n", "", 0, NULL);
	CHK_OK("0\nX-Sum: abc\n\nrest", "", 4, NULL);
	CHK_MORE("");
	CHK_MORE("5");
	CHK_MORE("5\r");
	CHK_MORE("5;ext");
	CHK_MORE("5\r\nhel");
	CHK_MORE("5\r\nhello\r");
	CHK_MORE("5\r\nhello\r\n0\r\n");
	CHK_MORE("0\r\nX: y\r\n");
	CHK_MORE("0\r\nX: y");

	CHK_ERR("\r\n", NULL);
	CHK_ERR("x\r\n", NULL);
	CHK_ERR(" 5\r\nhello\r\n0\r\n\r\n", NULL);
	CHK_ERR("+5\r\nhello\r\n0\r\n\r\n", NULL);
	CHK_ERR("-5\r\nhello\r\n0\r\n\r\n", NULL);
	CHK_ERR("0x5\r\nhello\r\n0\r\n\r\n", NULL);
	CHK_ERR("5 \r\nhello\r\n0\r\n\r\n", NULL);
	CHK_ERR("5\rhello\r\n0\r\n\r\n", NULL);
	CHK_ERR("5;a\x01\r\nhello\r\n0\r\n\r\n", NULL);
	CHK_ERR("5;a\rb\r\nhello\r\n0\r\n\r\n", NULL);
	CHK_ERR("5;a\x7f\r\nhello\r\n0\r\n\r\n", NULL);
	CHK_ERR("5\r\nhelloX\r\n0\r\n\r\n", NULL);
	CHK_ERR("5\r\nhello\rX0\r\n\r\n", NULL);
	CHK_ERR("5\r\nhello\r\n\r\n", NULL);
	CHK_ERR("4000000000000001\r\n", NULL);
	CHK_ERR("10000000000000000\r\n", NULL);
	CHK_ERR("0\r\nX : y\r\n\r\n", NULL);
	CHK_ERR("0\r\nX: y\r\n z\r\n\r\n", NULL);
	CHK_ERR("0\r\n y\r\n\r\n", NULL);
	CHK_ERR("0\r\nX: \x01\r\n\r\n", NULL);
	CHK_ERR("0\r\nX\r\n\r\n", NULL);
	CHK_ERR("0\r\n\rX", NULL);

	/* the trailer section, final empty line included, within max_head */
	CHK_OK("0\r\nX-Sum: abcdefghi\r\n\r\n", "", 0, &lim);
	CHK_ERR("0\r\nX-Sum: abcdefghij\r\n\r\n", &lim);
	CHK_ERR("0\r\nX-Sum: abcdefghijklmnopqrstuvwxyz", &lim);
	CHK_OK("0\r\nA: 12345\r\nB: 1234\r\n\n", "", 0, &lim);
	CHK_ERR("0\r\nA: 12345\r\nB: 12345\r\n\r\n", &lim);
	lim.max_head = 2;
	CHK_OK("0\r\n\r\n", "", 0, &lim);
	lim.max_head = 1;
	CHK_ERR("0\r\n\r\n", &lim);
	CHK_OK("0\r\n\n", "", 0, &lim);

	/* the largest chunk size is accepted, the size line has a limit */
	h1_chunk_init(&c);
	CHECK_INT(h1_chunk_step(&c, "4000000000000000\r\nab", 20, &off, &dl, NULL), 20);
	CHECK(c.state == H1_CHK_DATA && c.chunk_left == H1_CHUNK_SIZE_MAX - 2);
	CHECK(off == 18 && dl == 2);
	n = snprintf(big, sizeof(big), "1;%0*d\r\nx\r\n0\r\n\r\n", H1_CHUNK_LINE_MAX - 4, 0);
	check_chunked(big, n, "x", 1, 0, 0, NULL, __LINE__);
	n = snprintf(big, sizeof(big), "1;%0*d\r\nx\r\n0\r\n\r\n", H1_CHUNK_LINE_MAX - 3, 0);
	check_chunked(big, n, NULL, 0, 0, H1_ERR_BAD_CHUNK, NULL, __LINE__);
	h1_chunk_init(&c);
	CHECK_INT(h1_chunk_step(&c, big, H1_CHUNK_LINE_MAX - 1, &off, &dl, NULL), 0);
	CHECK_INT(h1_chunk_step(&c, big, H1_CHUNK_LINE_MAX, &off, &dl, NULL),
		  H1_ERR_BAD_CHUNK);

	/* one data run per call; an error after progress waits for the next call */
	h1_chunk_init(&c);
	CHECK_INT(h1_chunk_step(&c, "2\r\nab\r\n3\r\ncde\r\n0\r\n\r\n", 24, &off, &dl, NULL), 10);
	CHECK(off == 3 && dl == 2 && c.state == H1_CHK_DATA && c.chunk_left == 3);
	CHECK_INT(h1_chunk_step(&c, "cde\r\n0\r\n\r\nX", 11, &off, &dl, NULL), 10);
	CHECK(off == 0 && dl == 3 && c.state == H1_CHK_DONE);
	CHECK_INT(h1_chunk_step(&c, "X", 1, &off, &dl, NULL), 0);
	CHECK(dl == 0 && c.state == H1_CHK_DONE);
	h1_chunk_init(&c);
	CHECK_INT(h1_chunk_step(&c, "2\r\nab\r\nZ", 8, &off, &dl, NULL), 7);
	CHECK(off == 3 && dl == 2 && c.state == H1_CHK_SIZE);
	CHECK_INT(h1_chunk_step(&c, "Z", 1, &off, &dl, NULL), H1_ERR_BAD_CHUNK);
	CHECK(dl == 0);
	h1_chunk_init(&c);
	CHECK_INT(h1_chunk_step(&c, "2\r\n", 3, &off, &dl, NULL), 3);
	CHECK(dl == 0 && c.state == H1_CHK_DATA);
	CHECK_INT(h1_chunk_step(&c, "a", 1, &off, &dl, NULL), 1);
	CHECK(off == 0 && dl == 1 && c.chunk_left == 1);
	CHECK_INT(h1_chunk_step(&c, "", 0, &off, &dl, NULL), 0);

	/* a larger body with chunks of many sizes, every split */
	{
		static char in[6000], out[3000];
		size_t il = 0, ol = 0, sz;

		for (sz = 1; ol + sz < sizeof(out); sz += 7) {
			il += snprintf(in + il, sizeof(in) - il, "%zx%s\r\n", sz, sz % 3 ? "" : ";e=1");
			for (size_t i = 0; i < sz; i++, ol++)
				in[il++] = out[ol] = (char)(ol * 31 + i);
			in[il++] = '\r';
			in[il++] = '\n';
		}
		il += snprintf(in + il, sizeof(in) - il, "0\r\nT: 1\r\n\r\n");
		check_chunked(in, il, out, ol, 0, 0, NULL, __LINE__);
	}
}

/* bare_lf is set exactly when a framing line ends with LF alone. */
static void test_chunk_bare_lf(void)
{
	static const struct { const char *in; unsigned bare; } cases[] = {
		{ "5\r\nhello\r\n0\r\n\r\n", 0 },
		{ "5;ext=1\r\nhello\r\n0\r\nX-T: 1\r\n\r\n", 0 },
		{ "5\nhello\r\n0\r\n\r\n", 1 },
		{ "5\r\nhello\n0\r\n\r\n", 1 },
		{ "5\r\nhello\r\n0\n\r\n", 1 },
		{ "5\r\nhello\r\n0\r\nX-T: 1\n\r\n", 1 },
		{ "5\r\nhello\r\n0\r\n\n", 1 },
	};

	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		size_t len = strlen(cases[i].in);

		/* whole, and byte by byte */
		for (int split = 0; split < 2; split++) {
			struct h1_chunk c;
			size_t pos = 0;

			h1_chunk_init(&c);
			while (pos < len && c.state != H1_CHK_DONE) {
				/* offer one byte, growing while nothing can be decided */
				size_t off, dl, n = split ? 1 : len - pos;
				long r;

				while ((r = h1_chunk_step(&c, cases[i].in + pos, n, &off, &dl, NULL)) == 0 &&
				       pos + n < len)
					n++;
				if (r <= 0)
					break;
				pos += (size_t)r;
			}
			CHECK_INT(c.state, H1_CHK_DONE);
			CHECK_INT(c.bare_lf, cases[i].bare);
		}
	}
}

static void test_helpers(void)
{
	static const char tchars[] = "!#$%&'*+-.^_`|~";
	struct http_hdr h;
	struct ist e, v;
	size_t pos, from;
	int c, errs, i;
	unsigned k;

	/* the class table against the grammar */
	for (c = 0; c < 256; c++) {
		int alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
		int digit = c >= '0' && c <= '9';
		int tchar = alpha || digit || (c && strchr(tchars, c));
		int hex = digit || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
		int ctl = (c < 32 && c != '\t') || c == 127;

		CHECK_INT(!!(h1_ctype[c] & H1_C_TCHAR), tchar);
		CHECK_INT(!!(h1_ctype[c] & H1_C_URI), c > 32 && c < 127 && c != '#');
		CHECK_INT(!!(h1_ctype[c] & H1_C_VAL), !ctl);
		CHECK_INT(!!(h1_ctype[c] & H1_C_CTL), ctl);
		CHECK_INT(!!(h1_ctype[c] & H1_C_HEX), hex);
		CHECK_INT(!!(h1_ctype[c] & H1_C_OWS), c == ' ' || c == '\t');
		CHECK_INT(!!(h1_ctype[c] & H1_C_DIGIT), digit);
	}

	CHECK(ist_ieq((struct ist){ "Keep-ALIVE", 10 }, "keep-alive"));
	CHECK(!ist_ieq((struct ist){ "Keep-ALIVE", 10 }, "keep-alivE2"));
	CHECK(!ist_ieq((struct ist){ "Keep-ALIVE", 10 }, "keep-aliv"));
	CHECK(!ist_ieq((struct ist){ "[", 1 }, "{"));
	CHECK(ist_ieq((struct ist){ "", 0 }, ""));
	v = (struct ist){ " a ,b,,\tCLOSE\t, keep-alive x ,", 30 };
	CHECK(h1_hdr_has_token(v, "close"));
	CHECK(h1_hdr_has_token(v, "a"));
	CHECK(h1_hdr_has_token(v, "B"));
	CHECK(h1_hdr_has_token(v, "keep-alive x"));
	CHECK(!h1_hdr_has_token(v, "keep-alive"));
	CHECK(!h1_hdr_has_token(v, ""));
	CHECK(!h1_hdr_has_token((struct ist){ "", 0 }, "a"));
	pos = 0;
	for (i = 0; h1_list_next(v, &pos, &e); i++)
		CHECK(e.len > 0 && e.ptr[0] != ' ' && e.ptr[e.len - 1] != ' ');
	CHECK_INT(i, 4);

	CHECK_INT(h1_parse_hdr_line("X-A: b \r\nrest", 13, &h), 9);
	CHECK(view_is(h.n, "X-A") && view_is(h.v, "b"));
	CHECK_INT(h1_parse_hdr_line("X-A: b", 6, &h), 0);
	CHECK_INT(h1_parse_hdr_line("", 0, &h), 0);
	CHECK_INT(h1_parse_hdr_line(" X: b\r\n", 7, &h), H1_ERR_OBS_FOLD);
	CHECK_INT(h1_parse_hdr_line("\r\n", 2, &h), H1_ERR_BAD_HDR);

	/* head_end: a hint found incrementally */
	{
		static const char s[] = "\r\nGET / HTTP/1.1\r\nHost: a\r\n\r\nnext";
		size_t n, got = 0;

		from = 0;
		for (n = 0; n <= sizeof(s) - 1; n++) {
			got = h1_head_end(s, n, &from);
			CHECK(from <= n);
			if (got)
				break;
		}
		CHECK_INT(got, sizeof(s) - 1 - 4);
		from = 0;
		CHECK_INT(h1_head_end(s, sizeof(s) - 1, &from), sizeof(s) - 1 - 4);
		from = 0;
		CHECK_INT(h1_head_end("a\n\nb", 4, &from), 3);
		from = 0;
		CHECK_INT(h1_head_end("a\nb\n", 4, &from), 0);
		CHECK_INT(from, 3);
		CHECK_INT(h1_head_end("a\nb\n\r", 5, &from), 0);
		CHECK_INT(from, 3);
		CHECK_INT(h1_head_end("a\nb\n\r\n", 6, &from), 6);
		from = 0;
		CHECK_INT(h1_head_end("a\nb\nc", 5, &from), 0);
		CHECK_INT(from, 5);
	}

	/* every error has a status and its own text */
	errs = 0;
	for (k = 1; k <= 16; k++) {
		const char *s = h1_err_str(-(int)k);
		int st = h1_err_status(-(int)k);

		CHECK(s && strcmp(s, "unknown error"));
		CHECK(st == 400 || st == 414 || st == 431 || st == 501 || st == 502 || st == 505);
		for (i = 1; i < (int)k; i++)
			errs += !strcmp(s, h1_err_str(-i));
	}
	CHECK_INT(errs, 0);
	CHECK_INT(h1_err_status(H1_ERR_URI_TOO_LONG), 414);
	CHECK_INT(h1_err_status(H1_ERR_HDR_TOO_LARGE), 431);
	CHECK_INT(h1_err_status(H1_ERR_TOO_MANY_HDRS), 431);
	CHECK_INT(h1_err_status(H1_ERR_BAD_VERSION), 505);
	CHECK_INT(h1_err_status(H1_ERR_BAD_CHAR), 400);
	CHECK_INT(h1_err_status(H1_ERR_BAD_TE), 400);
	CHECK_INT(h1_err_status(H1_ERR_BAD_HOST), 400);
	CHECK_INT(h1_err_status(-99), 400);
	CHECK(!strcmp(h1_err_str(H1_ERR_BAD_CHAR), "invalid character in header"));
	CHECK(!strcmp(h1_err_str(-99), "unknown error"));
	CHECK(!strcmp(http_reason(200), "OK"));
	CHECK(!strcmp(http_reason(404), "Not Found"));
	CHECK(!strcmp(http_reason(431), "Request Header Fields Too Large"));
	CHECK(!strcmp(http_reason(503), "Service Unavailable"));
	CHECK(!strcmp(http_reason(299), "Unknown"));
	CHECK(!strcmp(http_reason(-1), "Unknown"));
}

/* ---- emitter ---- */

/* Parse the head `in` (a response when rsp), emit it with no option set
 * and compare with `want` byte for byte. */
static void check_emit(int rsp, const char *in, const char *want, int line)
{
	static const struct h1_emit_opts o = { .conn = H1_CONN_NONE };
	struct http_hdr h[NHDR];
	struct http_msg m;
	char area[1024];
	struct buffer b = { area, sizeof(area), 0, 0 };
	int r = parse(rsp, in, strlen(in), &m, h, NHDR, NULL);

	CHECK_INT_AT(r, strlen(in), __FILE__, line);
	if (r <= 0)
		return;
	CHECK_INT_AT(rsp ? h1_emit_rsp(&b, &m, &o) : h1_emit_req(&b, &m, &o), 0, __FILE__, line);
	if (!CHECK_AT(b.data == strlen(want) && !memcmp(area, want, b.data), __FILE__, line))
		printf("  emitted: \"%.*s\"\n", (int)b.data, area);
}

#define EMIT_RQ(in, want) check_emit(0, in, want, __LINE__)
#define EMIT_RS(in, want) check_emit(1, in, want, __LINE__)

static void test_emit(void)
{
	/* codings before chunked stay announced, in one field */
	EMIT_RQ("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n",
		"POST / HTTP/1.1\r\nHost: x\r\ntransfer-encoding: chunked\r\n\r\n");
	EMIT_RQ("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked\r\n\r\n",
		"POST / HTTP/1.1\r\nHost: x\r\ntransfer-encoding: gzip, chunked\r\n\r\n");
	EMIT_RQ("POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\nHost: x\r\n"
		"Transfer-Encoding: ,br ;q=1 , chunked\r\nTransfer-Encoding:\r\n\r\n",
		"POST / HTTP/1.1\r\nHost: x\r\ntransfer-encoding: gzip, br ;q=1, chunked\r\n\r\n");
	EMIT_RS("HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n",
		"HTTP/1.1 200 OK\r\ntransfer-encoding: gzip, chunked\r\n\r\n");
	/* a body until close keeps its codings as received */
	EMIT_RS("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, gzip\r\n\r\n",
		"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, gzip\r\n\r\n");

	/* no framing headers on a 1xx or 204; a 304 keeps Content-Length only */
	EMIT_RS("HTTP/1.1 204 No Content\r\nContent-Length: 5\r\nX: 1\r\n\r\n",
		"HTTP/1.1 204 No Content\r\nX: 1\r\n\r\n");
	EMIT_RS("HTTP/1.1 204 No Content\r\nTransfer-Encoding: gzip, chunked\r\n\r\n",
		"HTTP/1.1 204 No Content\r\n\r\n");
	EMIT_RS("HTTP/1.1 204 No Content\r\nTransfer-Encoding: gzip\r\n\r\n",
		"HTTP/1.1 204 No Content\r\n\r\n");
	EMIT_RS("HTTP/1.1 103 Early Hints\r\nTransfer-Encoding: gzip\r\nLink: </a>\r\n\r\n",
		"HTTP/1.1 103 Early Hints\r\nLink: </a>\r\n\r\n");
	EMIT_RS("HTTP/1.1 103 Early Hints\r\nContent-Length: 0\r\n\r\n",
		"HTTP/1.1 103 Early Hints\r\n\r\n");
	EMIT_RS("HTTP/1.1 100 Continue\r\nTransfer-Encoding: chunked\r\n\r\n",
		"HTTP/1.1 100 Continue\r\n\r\n");
	EMIT_RS("HTTP/1.1 304 Not Modified\r\nContent-Length: 5\r\n\r\n",
		"HTTP/1.1 304 Not Modified\r\ncontent-length: 5\r\n\r\n");
	EMIT_RS("HTTP/1.1 304 Not Modified\r\nTransfer-Encoding: chunked\r\n\r\n",
		"HTTP/1.1 304 Not Modified\r\n\r\n");
	EMIT_RS("HTTP/1.1 304 Not Modified\r\nTransfer-Encoding: gzip\r\n\r\n",
		"HTTP/1.1 304 Not Modified\r\n\r\n");
	EMIT_RS("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n",
		"HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\n");
	EMIT_RS("HTTP/1.1 205 Reset Content\r\nContent-Length: 0\r\n\r\n",
		"HTTP/1.1 205 Reset Content\r\ncontent-length: 0\r\n\r\n");

	/* error pages: the sentence blames the right side */
	{
		static const struct { int status; const char *text; } t[] = {
			{ 400, "Your browser sent an invalid request." },
			{ 408, "Your browser didn't send a complete request in time." },
			{ 431, "Your browser sent an invalid request." },
			{ 500, "An internal error occurred" },
			{ 502, "The server returned an invalid or incomplete response." },
			{ 503, "No server is available" },
			{ 505, "Your browser sent a request in an HTTP version this server "
			       "does not support." },
		};
		char area[1024];

		for (size_t i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
			struct buffer b = { area, sizeof(area) - 1, 0, 0 };
			char *body;

			CHECK_INT(h1_emit_error(&b, t[i].status), 0);
			area[b.data] = 0;
			body = strstr(area, "\r\n\r\n");
			CHECK(body && strstr(body, t[i].text));
			CHECK(body && strtol(strstr(area, "content-length: ") + 16, NULL, 10) ==
				      (long)strlen(body + 4));
		}
	}
}

/* A Chrome-like navigation request of about 400 bytes. */
static const char bench_req[] =
	"GET /products/list?page=3&sort=price HTTP/1.1\r\n"
	"Host: shop.example.org\r\n"
	"Connection: keep-alive\r\n"
	"User-Agent: Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 "
	"(KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36\r\n"
	"Accept: text/html,application/xhtml+xml,application/xml;q=0.9,"
	"image/avif,image/webp,*/*;q=0.8\r\n"
	"Accept-Encoding: gzip, deflate, br\r\n"
	"Accept-Language: en-US,en;q=0.9\r\n"
	"Cookie: sid=7f3a9c0e21b4d8; theme=dark\r\n"
	"\r\n";

static double now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
	return t.tv_sec * 1e9 + t.tv_nsec;
}

/* 1,000,000 parses in 10 rounds, timed in thread CPU time so that a busy
 * machine's preemptions do not count: the mean, and the best round, which
 * is the figure to compare. */
static void bench(void)
{
	struct http_hdr h[NHDR];
	struct http_msg m = { .hdrs = h, .max_hdrs = NHDR };
	const long rounds = 10, n = 100000;
	double t0, t, best = 1e30, total = 0;
	long i, k, sum = 0;

	for (i = 0; i < n; i++)
		sum += h1_parse_req(bench_req, sizeof(bench_req) - 1, &m, &deflim);
	for (k = 0; k < rounds; k++) {
		t0 = now_ns();
		for (i = 0; i < n; i++) {
			__asm__ volatile("" : : "g"(bench_req) : "memory");
			sum += h1_parse_req(bench_req, sizeof(bench_req) - 1, &m, &deflim);
		}
		t = now_ns() - t0;
		total += t;
		if (t < best)
			best = t;
	}
	CHECK(sum == (rounds + 1) * n * (long)(sizeof(bench_req) - 1));
	printf("bench: %zu-byte request, %u headers, %ld parses: %.1f ns/parse mean, "
	       "%.1f ns/parse best round (%.2f GB/s)\n", sizeof(bench_req) - 1, m.nb_hdrs,
	       rounds * n, total / (rounds * n), best / n,
	       (double)(sizeof(bench_req) - 1) * n / best);
}

int main(int argc, char **argv)
{
	int k;

	test_cases();
	test_views();
	test_absolute_host();
	test_methods();
	test_pipeline();
	test_limits();
	test_split_big();
	test_bytes();
	test_chunked();
	test_chunk_bare_lf();
	test_helpers();
	test_emit();
	for (k = 1; k <= 16; k++)
		if (!CHECK(seen_err & (1u << k)))
			printf("  error %d (%s) never produced\n", -k, h1_err_str(-k));
	if (argc > 1 && !strcmp(argv[1], "--bench"))
		bench();
	return UNIT_SUMMARY("test_h1");
}
