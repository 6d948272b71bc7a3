/* h1_emit.h: writing HTTP/1.1 heads for the other side of the proxy, with
 * hop-by-hop headers removed and the framing headers rebuilt. */
#ifndef SLUICE_HTTP_H1_EMIT_H
#define SLUICE_HTTP_H1_EMIT_H

#include "http/msg-t.h"
#include "mem/buf-t.h"

/* Connection header to send: none, "close", "keep-alive" or "upgrade". */
enum h1_conn_mode { H1_CONN_NONE = 0, H1_CONN_CLOSE, H1_CONN_KAL, H1_CONN_UPGRADE };

struct h1_emit_opts {
	enum h1_conn_mode conn;
	int version_10;               /* send HTTP/1.0 on the request line */
	struct ist xff_name;          /* header to add with xff_value, len 0 = none */
	struct ist xff_value;
	const struct http_hdr *extra; /* more headers to append (Set-Cookie...) */
	unsigned nb_extra;
};

/* Callers may edit a parsed message before emitting it: a header whose
 * name is emptied (n.len = 0) is dropped, and a value may point anywhere
 * that stays valid until the emit call returns. */

/* Append a request head for the server to out. The message's framing
 * (HTTP_MF_CL / HTTP_MF_CHUNKED) decides Content-Length/Transfer-Encoding;
 * with HTTP_MF_TE_CODING the codings before chunked are kept, in one field.
 * Returns 0, or -1 when it does not fit (out is left unchanged). */
int h1_emit_req(struct buffer *out, const struct http_msg *m, const struct h1_emit_opts *o);

/* Append a response head for the client; same contract. Interim (1xx)
 * responses are emitted with o->conn ignored except for 101 (upgrade).
 * Whatever the flags say, a 1xx or 204 gets no Content-Length and no
 * Transfer-Encoding, and a 304 no Transfer-Encoding. */
int h1_emit_rsp(struct buffer *out, const struct http_msg *m, const struct h1_emit_opts *o);

/* Append a complete error response (short HTML body, connection: close). */
int h1_emit_error(struct buffer *out, int status);

#endif
