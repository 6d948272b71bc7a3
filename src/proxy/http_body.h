/* http_body.h: body bytes between buffers (see http_body.c). */
#ifndef SLUICE_PROXY_HTTP_BODY_H
#define SLUICE_PROXY_HTTP_BODY_H

#include <stdint.h>
#include "proxy/stream-t.h"

/* Move body bytes from <in> to <out> according to the framing <bm>.
 * Returns the bytes consumed from <in>, or -1 on a framing error; *done is
 * set when the body ended. <left> counts the Content-Length bytes still to
 * come; <chk> is the chunked decoder's state. Chunked bodies are validated
 * and copied as received (trailers included); with <dechunk> only the
 * payload is copied (for HTTP/1.0 clients: the end is marked by closing).
 * When <out> has no storage and all of <in> goes through unchanged, <in>'s
 * storage is handed over instead of copied. <w> queues for a buffer. */
long http_body_move(struct buffer *in, struct buffer *out, struct buf_wait *w,
		    enum body_mode bm, uint64_t *left, struct h1_chunk *chk, int dechunk,
		    int *done);

#endif
