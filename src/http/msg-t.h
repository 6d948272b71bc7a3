/* msg-t.h: the version-neutral HTTP message (start line + header table + body
 * framing) shared by the HTTP/1 parser, the emitter and later HTTP/2. */
#ifndef SLUICE_HTTP_MSG_T_H
#define SLUICE_HTTP_MSG_T_H

#include <stdint.h>
#include <stddef.h>

#define HTTP_MAX_HDR_DEFAULT 101     /* like HAProxy's tune.http.maxhdr */

/* A string view into the buffer the message was parsed from. Views stay
 * valid until that buffer is moved or consumed. */
struct ist {
	const char *ptr;
	size_t len;
};

struct http_hdr {
	struct ist n;                 /* name as received (case preserved) */
	struct ist v;                 /* value, leading/trailing OWS stripped */
};

enum http_meth {
	HTTP_METH_OTHER = 0, HTTP_METH_GET, HTTP_METH_HEAD, HTTP_METH_POST,
	HTTP_METH_PUT, HTTP_METH_DELETE, HTTP_METH_OPTIONS, HTTP_METH_CONNECT,
	HTTP_METH_TRACE, HTTP_METH_PATCH,
};

/* Message flags derived while parsing (HTTP_MF_*). */
#define HTTP_MF_CL           0x0001  /* Content-Length present (msg->body_len) */
#define HTTP_MF_CHUNKED      0x0002  /* Transfer-Encoding ends with chunked */
#define HTTP_MF_TE_OTHER     0x0004  /* response TE without final chunked: body until close */
#define HTTP_MF_CONN_CLOSE   0x0008  /* Connection: close token */
#define HTTP_MF_CONN_KAL     0x0010  /* Connection: keep-alive token */
#define HTTP_MF_CONN_UPGRADE 0x0020  /* Connection: upgrade token */
#define HTTP_MF_UPGRADE      0x0040  /* Upgrade header present */
#define HTTP_MF_EXPECT_100   0x0080  /* Expect: 100-continue */
#define HTTP_MF_VER_11       0x0100  /* HTTP/1.1 or a higher 1.x (else 1.0) */
#define HTTP_MF_HAS_HOST     0x0200  /* Host header present */
#define HTTP_MF_TE_CODING    0x0400  /* Transfer-Encoding names a coding besides chunked */

/* Parse outcomes (negative). The emitter maps each to a status code. */
enum h1_err {
	H1_ERR_NONE = 0,
	H1_ERR_NEED_MORE = 0,         /* alias: incomplete, read more */
	H1_ERR_BAD_REQLINE = -1,      /* malformed request line -> 400 */
	H1_ERR_BAD_METHOD = -2,       /* invalid method token -> 400 */
	H1_ERR_BAD_URI = -3,          /* invalid characters in target -> 400 */
	H1_ERR_BAD_VERSION = -4,      /* not HTTP/1.x -> 505 on req, 502 on rsp */
	H1_ERR_BAD_HDR = -5,          /* malformed header line / name -> 400 */
	H1_ERR_BAD_CHAR = -6,         /* NUL, bare CR or CTL in the head -> 400 */
	H1_ERR_OBS_FOLD = -7,         /* obs-fold line -> 400 */
	H1_ERR_CL_TE = -8,            /* both Content-Length and Transfer-Encoding -> 400 */
	H1_ERR_BAD_CL = -9,           /* invalid or differing duplicate Content-Length -> 400 */
	H1_ERR_BAD_TE = -10,          /* request TE not ending in chunked, or chunked twice -> 400/501 */
	H1_ERR_URI_TOO_LONG = -11,    /* request line longer than the limit -> 414 */
	H1_ERR_HDR_TOO_LARGE = -12,   /* head larger than the limit -> 431 */
	H1_ERR_TOO_MANY_HDRS = -13,   /* more headers than the table holds -> 431 */
	H1_ERR_BAD_STATUS = -14,      /* malformed status line -> 502 */
	H1_ERR_BAD_CHUNK = -15,       /* bad chunk size line or missing CRLF */
	H1_ERR_BAD_HOST = -16,        /* HTTP/1.1 request with no or several Host -> 400 */
};

struct h1_limits {
	size_t max_reqline;           /* request line bytes (tune.http.max-reqline) */
	size_t max_head;              /* whole head bytes (tune.http.max-head) */
	unsigned max_hdrs;            /* header count (tune.http.maxhdr) */
};

struct http_msg {
	/* start line */
	enum http_meth meth;
	struct ist method;            /* request */
	struct ist uri;               /* request target */
	int status;                   /* response */
	struct ist reason;            /* response */
	/* headers */
	unsigned flags;               /* HTTP_MF_* */
	uint64_t body_len;            /* when HTTP_MF_CL */
	unsigned nb_hdrs;
	unsigned max_hdrs;            /* capacity of hdrs[] */
	struct http_hdr *hdrs;        /* caller-provided table of max_hdrs */
	size_t head_len;              /* bytes of the head including the final CRLF */
};

/* State of an incremental chunked-body decoder. */
enum h1_chunk_state {
	H1_CHK_SIZE = 0,              /* expecting a chunk-size line */
	H1_CHK_DATA,                  /* inside chunk data: chunk_left bytes */
	H1_CHK_DATA_CRLF,             /* expecting the CRLF that ends chunk data */
	H1_CHK_TRAILERS,              /* after the last chunk: trailer lines */
	H1_CHK_DONE,                  /* whole body seen */
};

struct h1_chunk {
	enum h1_chunk_state state;
	uint64_t chunk_left;
	uint64_t trl_len;             /* trailer bytes consumed (vs lim->max_head) */
	unsigned bare_lf;             /* a framing line ended with a bare LF: the
	                               * body is not canonical (see h1_chunk_step) */
};

#endif
