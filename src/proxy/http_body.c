/* http_body.c: moving an HTTP/1 body from one buffer to the next by its
 * framing, with the chunked framing checked on the way. Where the body
 * filters (cache, compression, bandwidth) will plug in. */
#include <string.h>
#include "proxy/http_body.h"
#include "http/h1.h"
#include "core/compiler.h"
#include "core/global-t.h"
#include "mem/buf.h"

long http_body_move(struct buffer *in, struct buffer *out, struct buf_wait *w,
		    enum body_mode bm, uint64_t *left, struct h1_chunk *chk, int dechunk,
		    int *done)
{
	uint32_t room, n;

	*done = 0;
	if (!in->data)
		return 0;

	/* <out> has no storage: when all of <in> goes through unchanged, hand
	 * its storage over instead of taking a second buffer. */
	if (!out->area && bm != BM_CHUNKED && (bm == BM_CLOSE || in->data <= *left)) {
		n = in->data;
		*out = *in;
		memset(in, 0, sizeof(*in));
		if (bm == BM_CL) {
			*left -= n;
			*done = !*left;
		}
		return n;
	}
	if (!out->area && bm == BM_CHUNKED && !dechunk) {
		struct h1_chunk probe = *chk;
		uint32_t used = 0;

		while (used < in->data && probe.state != H1_CHK_DONE) {
			size_t doff, dlen;
			long r = h1_chunk_step(&probe, b_head(in) + used, in->data - used,
					       &doff, &dlen, &h1_settings);

			if (r <= 0)
				break;
			used += (uint32_t)r;
		}
		if (used == in->data) {
			*chk = probe;
			*out = *in;
			memset(in, 0, sizeof(*in));
			*done = chk->state == H1_CHK_DONE;
			return used;
		}
	}
	if (b_alloc_wait(out, w, 1) < 0)
		return 0;
	if (!out->data) {
		out->head = 0;
	} else if (b_tailroom(out) < b_room(out) / 2)
		b_realign(out);
	room = b_tailroom(out);

	if (bm == BM_CL || bm == BM_CLOSE) {
		n = in->data;
		if (bm == BM_CL && n > *left)
			n = (uint32_t)*left;
		if (n > room)
			n = room;
		memcpy(b_tail(out), b_head(in), n);
		out->data += n;
		b_del(in, n);
		if (bm == BM_CL) {
			*left -= n;
			*done = !*left;
		}
		return n;
	}

	/* chunked */
	{
		uint32_t avail = MIN(in->data, room), used = 0;

		while (used < avail && chk->state != H1_CHK_DONE) {
			size_t doff, dlen;
			long r = h1_chunk_step(chk, b_head(in) + used, avail - used, &doff, &dlen, &h1_settings);

			if (r < 0)
				return -1;
			if (r == 0)
				break;
			if (dechunk && dlen) {
				memcpy(b_tail(out), b_head(in) + used + doff, dlen);
				out->data += (uint32_t)dlen;
			}
			used += (uint32_t)r;
		}
		if (!dechunk) {
			memcpy(b_tail(out), b_head(in), used);
			out->data += used;
		}
		b_del(in, used);
		*done = chk->state == H1_CHK_DONE;
		/* A control line that cannot complete in a full buffer. */
		if (!used && !*done && avail == in->data && in->data == in->size)
			return -1;
		return used;
	}
}
