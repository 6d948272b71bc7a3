/* reply_prod.c: the producer of configured replies (http-request return,
 * errorfile, monitor-uri): the head through the codec, then the body as
 * the response buffer takes it. */
#include <string.h>
#include "proxy/reply_prod.h"
#include "proxy/stream-t.h"
#include "proxy/proxy.h"
#include "proxy/http_log.h"
#include "http/h1_emit.h"
#include "core/thread.h"
#include "mem/buf.h"

static int reply_more(struct stream *st)
{
	const struct http_reply *r = st->prod_arg;
	struct buffer *out = &st->rsp_out;
	uint64_t left = st->meth == HTTP_METH_HEAD ? 0 : r->body.len - st->prod_off;
	uint32_t n;

	if (out->data && b_tailroom(out) < b_room(out) / 2)
		b_realign(out);
	n = (uint32_t)MIN(left, (uint64_t)b_tailroom(out));
	memcpy(b_tail(out), r->body.ptr + st->prod_off, n);
	out->data += n;
	st->prod_off += n;
	st->rsp_body += n;
	return n == left;
}

static int reply_start(struct stream *st)
{
	const struct http_reply *r = st->prod_arg;
	struct h1_emit_opts o = { .conn = H1_CONN_NONE };
	struct h1_sess *s = st->sess;

	CHECK_OBJ(r, HTTP_REPLY_MAGIC);
	if (st->flags & STRM_F_CLI_CLOSE)
		o.conn = H1_CONN_CLOSE;
	else if (!(st->req_mf & HTTP_MF_VER_11))
		o.conn = H1_CONN_KAL;
	if (h1_emit_rsp(&st->rsp_out, &r->msg, &o) < 0)
		return -1;
	hlog_resp(st, b_head(&st->rsp_out), st->rsp_out.data);
	st->status = r->msg.status;
	px_count_status(s->fe, tid, r->msg.status);
	if (st->bk.be && st->bk.be != s->fe)
		px_count_status(st->bk.be, tid, r->msg.status);
	st->prod_off = 0;
	return 0;
}

const struct producer_ops prod_reply = {
	.name  = "reply",
	.start = reply_start,
	.more  = reply_more,
};
