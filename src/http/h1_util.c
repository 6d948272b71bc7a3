/* h1_util.c: HTTP/1 character classes, view and list helpers, method and
 * reason-phrase tables, and what each parse error means to a client. */
#include <string.h>
#include "http/h1.h"

/* The class table is computed by the compiler from the grammar below, so the
 * 256 entries can be checked by reading eight lines instead of a hex dump. */
#define IS_DIGIT(c) ((c) >= '0' && (c) <= '9')
#define IS_ALPHA(c) (((c) >= 'a' && (c) <= 'z') || ((c) >= 'A' && (c) <= 'Z'))
#define IS_HEX(c)   (IS_DIGIT(c) || ((c) >= 'a' && (c) <= 'f') || ((c) >= 'A' && (c) <= 'F'))
#define IS_TCHAR(c) (IS_ALPHA(c) || IS_DIGIT(c) || (c) == '!' || (c) == '#' || \
		     (c) == '$' || (c) == '%' || (c) == '&' || (c) == '\'' || \
		     (c) == '*' || (c) == '+' || (c) == '-' || (c) == '.' || \
		     (c) == '^' || (c) == '_' || (c) == '`' || (c) == '|' || (c) == '~')
#define IS_CTL(c)   (((c) < 0x20 && (c) != '\t') || (c) == 0x7f)

#define CLS(c) ((IS_TCHAR(c) ? H1_C_TCHAR : 0) |                      \
		((c) >= 0x21 && (c) <= 0x7e && (c) != '#' ? H1_C_URI : 0) | \
		(IS_CTL(c) ? H1_C_CTL : H1_C_VAL) |                    \
		(IS_HEX(c) ? H1_C_HEX : 0) |                           \
		((c) == ' ' || (c) == '\t' ? H1_C_OWS : 0) |           \
		(IS_DIGIT(c) ? H1_C_DIGIT : 0))
#define CLS4(n)  CLS(n), CLS((n) + 1), CLS((n) + 2), CLS((n) + 3)
#define CLS16(n) CLS4(n), CLS4((n) + 4), CLS4((n) + 8), CLS4((n) + 12)
#define CLS64(n) CLS16(n), CLS16((n) + 16), CLS16((n) + 32), CLS16((n) + 48)

const unsigned char h1_ctype[256] = { CLS64(0), CLS64(64), CLS64(128), CLS64(192) };

static inline unsigned char lc(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') ? c | 0x20 : c;
}

int ist_ieq(struct ist a, const char *s)
{
	size_t i;

	for (i = 0; i < a.len; i++)
		if (!s[i] || lc(a.ptr[i]) != lc(s[i]))
			return 0;
	return s[i] == '\0';
}

int h1_hdr_has_token(struct ist v, const char *tok)
{
	struct ist e;
	size_t pos = 0;

	while (h1_list_next(v, &pos, &e))
		if (ist_ieq(e, tok))
			return 1;
	return 0;
}

int h1_uri_authority(struct ist uri, struct ist *auth)
{
	const char *p = uri.ptr, *e = uri.ptr + uri.len, *a, *q;

	/* scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ) (RFC 3986 3.1) */
	if (p == e || !IS_ALPHA(*p))
		return 0;
	while (p < e && (IS_ALPHA(*p) || IS_DIGIT(*p) || *p == '+' || *p == '-' || *p == '.'))
		p++;
	if (e - p < 3 || memcmp(p, "://", 3))
		return 0;
	a = p += 3;
	while (p < e && *p != '/' && *p != '?' && *p != '#')
		p++;
	for (q = p; q > a; q--) {
		if (q[-1] == '@') {
			a = q;
			break;
		}
	}
	auth->ptr = a;
	auth->len = p - a;
	return 1;
}

size_t h1_head_end(const char *buf, size_t len, size_t *from)
{
	const char *p = buf + *from, *end = buf + len, *lf;
	size_t left;

	while (p < end && (lf = memchr(p, '\n', end - p)) != NULL) {
		left = end - lf - 1;
		if (left >= 1 && lf[1] == '\n')
			return *from = lf + 2 - buf;
		if (left >= 2 && lf[1] == '\r' && lf[2] == '\n')
			return *from = lf + 3 - buf;
		if (left == 0 || (left == 1 && lf[1] == '\r')) {
			*from = lf - buf;       /* undecided: look again next time */
			return 0;
		}
		p = lf + 1;
	}
	*from = len;
	return 0;
}

/* Methods are case-sensitive (RFC 9110 9.1). */
enum http_meth http_meth_lookup(struct ist m)
{
	const char *s = m.ptr;

	switch (m.len) {
	case 3:
		if (!memcmp(s, "GET", 3))
			return HTTP_METH_GET;
		if (!memcmp(s, "PUT", 3))
			return HTTP_METH_PUT;
		break;
	case 4:
		if (!memcmp(s, "POST", 4))
			return HTTP_METH_POST;
		if (!memcmp(s, "HEAD", 4))
			return HTTP_METH_HEAD;
		break;
	case 5:
		if (!memcmp(s, "PATCH", 5))
			return HTTP_METH_PATCH;
		if (!memcmp(s, "TRACE", 5))
			return HTTP_METH_TRACE;
		break;
	case 6:
		if (!memcmp(s, "DELETE", 6))
			return HTTP_METH_DELETE;
		break;
	case 7:
		if (!memcmp(s, "OPTIONS", 7))
			return HTTP_METH_OPTIONS;
		if (!memcmp(s, "CONNECT", 7))
			return HTTP_METH_CONNECT;
		break;
	}
	return HTTP_METH_OTHER;
}

const char *http_reason(int status)
{
	switch (status) {
	case 100: return "Continue";
	case 101: return "Switching Protocols";
	case 103: return "Early Hints";
	case 200: return "OK";
	case 201: return "Created";
	case 202: return "Accepted";
	case 203: return "Non-Authoritative Information";
	case 204: return "No Content";
	case 205: return "Reset Content";
	case 206: return "Partial Content";
	case 300: return "Multiple Choices";
	case 301: return "Moved Permanently";
	case 302: return "Found";
	case 303: return "See Other";
	case 304: return "Not Modified";
	case 307: return "Temporary Redirect";
	case 308: return "Permanent Redirect";
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 406: return "Not Acceptable";
	case 407: return "Proxy Authentication Required";
	case 408: return "Request Timeout";
	case 409: return "Conflict";
	case 410: return "Gone";
	case 411: return "Length Required";
	case 412: return "Precondition Failed";
	case 413: return "Content Too Large";
	case 414: return "URI Too Long";
	case 415: return "Unsupported Media Type";
	case 416: return "Range Not Satisfiable";
	case 417: return "Expectation Failed";
	case 421: return "Misdirected Request";
	case 422: return "Unprocessable Content";
	case 425: return "Too Early";
	case 426: return "Upgrade Required";
	case 428: return "Precondition Required";
	case 429: return "Too Many Requests";
	case 431: return "Request Header Fields Too Large";
	case 500: return "Internal Server Error";
	case 501: return "Not Implemented";
	case 502: return "Bad Gateway";
	case 503: return "Service Unavailable";
	case 504: return "Gateway Timeout";
	case 505: return "HTTP Version Not Supported";
	}
	return "Unknown";
}

int h1_err_status(int err)
{
	switch (err) {
	case H1_ERR_URI_TOO_LONG:  return 414;
	case H1_ERR_HDR_TOO_LARGE:
	case H1_ERR_TOO_MANY_HDRS: return 431;
	case H1_ERR_BAD_VERSION:   return 505;
	case H1_ERR_BAD_STATUS:    return 502;
	}
	return 400;
}

const char *h1_err_str(int err)
{
	switch (err) {
	case H1_ERR_NONE:          return "no error";
	case H1_ERR_BAD_REQLINE:   return "malformed request line";
	case H1_ERR_BAD_METHOD:    return "invalid method";
	case H1_ERR_BAD_URI:       return "invalid character in request target";
	case H1_ERR_BAD_VERSION:   return "unsupported HTTP version";
	case H1_ERR_BAD_HDR:       return "malformed header field";
	case H1_ERR_BAD_CHAR:      return "invalid character in header";
	case H1_ERR_OBS_FOLD:      return "folded header line (obs-fold)";
	case H1_ERR_CL_TE:         return "both Content-Length and Transfer-Encoding";
	case H1_ERR_BAD_CL:        return "invalid Content-Length";
	case H1_ERR_BAD_TE:        return "invalid Transfer-Encoding";
	case H1_ERR_URI_TOO_LONG:  return "request line too long";
	case H1_ERR_HDR_TOO_LARGE: return "header section too large";
	case H1_ERR_TOO_MANY_HDRS: return "too many header fields";
	case H1_ERR_BAD_STATUS:    return "malformed status line";
	case H1_ERR_BAD_CHUNK:     return "invalid chunked encoding";
	case H1_ERR_BAD_HOST:      return "missing or duplicate Host";
	}
	return "unknown error";
}
