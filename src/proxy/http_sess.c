/* http_sess.c: the HTTP/1 proxy path. A client session reads and parses
 * request heads; each complete head starts a stream that picks a backend
 * and a server, rewrites the head, then streams bodies in both directions
 * through bounded buffers (never a whole body), and ends with the server
 * connection parked for reuse and the session idle again, or closed.
 *
 * Life cycle of a session:
 *   attach by the "h1" mux -> [idle: no buffer] -> head bytes arrive -> parse
 *   -> strm_start() -> strm_step()... -> strm_end() -> idle | close
 * All of it runs on the thread that accepted the connection; the session
 * task is woken by I/O on either connection and by its timer. Each pass
 * does everything possible until nothing moves, then re-arms one timer. */
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include "proxy/proxy.h"
#include "proxy/backend.h"
#include "proxy/reply_prod.h"
#include "proxy/http_body.h"
#include "rules/http_rules.h"
#include "http/reply.h"
#include "proxy/stream-t.h"
#include "proxy/http_log.h"
#include "proxy/cookie.h"
#include "http/h1.h"
#include "http/h1_emit.h"
#include "net/conn.h"
#include "net/listener.h"
#include "net/mux.h"
#include "lb/lb.h"
#include "lb/server.h"
#include "lb/check.h"
#include "core/task.h"
#include "core/clock.h"
#include "core/thread.h"
#include "mem/buf.h"

static struct pool_head *pool_sess, *pool_strm;
static __thread struct http_hdr *hdr_tab;   /* scratch header table */

static void sess_process(struct task *t, void *ctx);

/* ---------- session ---------- */

/* The "h1" mux's attach (net/mux-t.h): a session takes over client
 * connection <cli> and the listener slot. */
static void http_sess_accept_conn(struct listener *li, struct conn *cli)
{
	struct h1_sess *s = pool_alloc(pool_sess);

	if (!s) {
		conn_free(&cli);
		listener_conn_done(li);
		return;
	}
	memset(s, 0, sizeof(*s));
	s->magic = SESS_MAGIC;
	s->li = li;
	s->fe = li->fe;
	task_init(&s->task, sess_process, s);
	buf_wait_init(&s->bw, &s->task, tid);
	conn_set_owner(cli, &s->task);
	s->cli = cli;
	s->cli_act = now_ms;
	s->req_exp = tick_add(now_ms, s->fe->timeout.http_request ? s->fe->timeout.http_request
							   : s->fe->timeout.client);
	hlog_sess_open(s);
	list_append(&th->sessions, &s->th_list);
	if (is_stopping())
		s->flags |= SESS_F_STOP;
	task_wakeup(&s->task);
}

/* HTTP/1 on client connections: one exchange after another. */
static const struct mux_ops mux_h1 = {
	.name   = "h1",
	.mode   = PX_MODE_HTTP,
	.flags  = MUX_F_DEFAULT,
	.alpn   = "http/1.1",
	.attach = http_sess_accept_conn,
};
MUX_REGISTER(mux_h1);

static void strm_free(struct stream **ps);

static void sess_free(struct h1_sess *s, const char *why)
{
	CHECK_OBJ(s, SESS_MAGIC);
	if (s->strm)
		strm_free(&s->strm);
	hlog_sess_close(s, why);
	conn_free(&s->priv);
	buf_wait_cancel(&s->bw);
	task_cancel(&s->task);
	list_del_init(&s->th_list);
	s->ibuf.data = 0;
	b_release(&s->ibuf);
	conn_free(&s->cli);
	listener_conn_done(s->li);
	s->magic = 0;
	pool_free(pool_sess, s);
}

/* Close after the last response: shut our side, then drain what the client
 * still sends for a short while so that the kernel does not reset the
 * connection (and destroy the response) because of unread bytes. */
static void sess_linger(struct h1_sess *s)
{
	s->flags |= SESS_F_LINGER;
	s->ibuf.data = 0;
	b_release(&s->ibuf);
	conn_shutw(s->cli);
	s->cli_act = now_ms;
}

static int sess_linger_step(struct h1_sess *s)
{
	char junk[4096];

	while (conn_recv(s->cli, junk, sizeof(junk)) > 0)
		;
	if (s->cli->flags & (CO_FL_RD_SH | CO_FL_ERROR))
		return -1;
	if (now_ms >= s->cli_act + 1000)
		return -1;
	task_schedule(&s->task, s->cli_act + 1000);
	return 0;
}

/* ---------- stream ---------- */

static struct stream *strm_new(struct h1_sess *s)
{
	struct stream *st = pool_alloc(pool_strm);

	if (!st)
		return NULL;
	memset(st, 0, sizeof(*st));
	st->magic = STRM_MAGIC;
	st->sess = s;
	be_init(&st->bk, NULL, &s->task);       /* the backend comes with the request */
	st->req_st = RQ_DONE;
	st->rsp_st = RS_HEAD;
	st->srv_act = now_ms;
	s->strm = st;
	return st;
}

static void strm_free(struct stream **ps)
{
	struct stream *st = *ps;

	CHECK_OBJ(st, STRM_MAGIC);
	if (st->prod && st->prod->release)
		st->prod->release(st);
	hlog_end(st);
	be_release(&st->bk);
	conn_free(&st->srvc);
	st->req_out.data = st->rsp_in.data = st->rsp_out.data = 0;
	b_release(&st->req_out);
	b_release(&st->rsp_in);
	b_release(&st->rsp_out);
	st->magic = 0;
	pool_free(pool_strm, st);
	*ps = NULL;
}

/* Start the response of an internal producer (see producer-t.h) in place of
 * a server's. Returns 0, or -1 after marking the exchange for abortion. */
static int strm_produce_start(struct stream *st, const struct producer_ops *ops,
			      const void *arg)
{
	st->prod = ops;
	st->prod_arg = arg;
	st->rsp_out.data = 0;
	if (b_alloc(&st->rsp_out) < 0 || ops->start(st) < 0) {
		st->flags |= STRM_F_ABORT;
		return -1;
	}
	st->flags |= STRM_F_RSP_STARTED;
	st->rsp_st = ops->more ? RS_BODY : RS_DONE;
	return 0;
}

/* The producer's next body bytes, while the response buffer has room.
 * Returns 1 on progress. */
static int strm_produce(struct stream *st)
{
	/* the buffer goes back to the pool whenever it was sent empty */
	if (st->rsp_st != RS_BODY || b_alloc_wait(&st->rsp_out, &st->sess->bw, 1) < 0 ||
	    !b_room(&st->rsp_out))
		return 0;
	if (st->prod->more(st))
		st->rsp_st = RS_DONE;
	return 1;
}

/* The errorfile for <status>: the backend's, else the frontend's; NULL for
 * the built-in page. */
static const struct http_reply *strm_errmsg(const struct stream *st, int status)
{
	int slot = http_err_slot(status);
	const struct http_reply *r = NULL;

	if (slot < 0)
		return NULL;
	if (st->bk.be)
		r = st->bk.be->errmsg[slot];
	return r ? r : st->sess->fe->errmsg[slot];
}

/* Answer with an error and close. If a final response already started, the
 * only honest thing left is to cut the connection. */
static void strm_error(struct stream *st, int status, const char *why)
{
	struct h1_sess *s = st->sess;
	const struct http_reply *r;

	if (status < 500)
		hlog_reject(st, status, why);
	else if (why)                  /* NULL: the cause was logged already */
		hlog_error(st, "proxy", why);
	st->flags |= STRM_F_CLI_CLOSE | STRM_F_SRV_CLOSE;
	conn_free(&st->srvc);
	st->req_st = RQ_DONE;
	st->rsp_st = RS_DONE;
	if (st->flags & STRM_F_RSP_STARTED) {
		st->flags |= STRM_F_ABORT;
		return;
	}
	if ((r = strm_errmsg(st, status))) {
		/* errorfile: sent as configured; an empty one means "close" */
		if (r->flags & HTTP_REPLY_F_EMPTY)
			st->flags |= STRM_F_ABORT;
		else
			strm_produce_start(st, &prod_reply, r);
		return;
	}
	st->rsp_out.data = 0;
	if (b_alloc(&st->rsp_out) < 0 || h1_emit_error(&st->rsp_out, status) < 0) {
		st->flags |= STRM_F_ABORT;
		return;
	}
	st->status = status;
	st->flags |= STRM_F_RSP_STARTED;
	px_count_status(s->fe, tid, status);
	if (st->bk.be && st->bk.be != s->fe)
		px_count_status(st->bk.be, tid, status);
}

/* A server with a slot for the stream, or a place in the queue (see
 * be_assign()). Returns 0, or -1 after answering 503. */
static int strm_assign(struct stream *st, const struct lb_req *lr, struct server *avoid)
{
	if (be_assign(&st->bk, lr, avoid) == 0)
		return 0;
	strm_error(st, 503, "no server available");
	return -1;
}

static __thread char ck_scratch[4096];
static __thread struct http_hdr ck_extra[2];

/* Cookie persistence: the server the client's cookie names takes the
 * request, waiting in its own queue when full (up to maxqueue; beyond, the
 * algorithm picks another). Returns 0 (a server or a queue, or no
 * persistence: st->bk.srv NULL and not queued). */
static int strm_persist(struct stream *st, struct http_msg *m)
{
	struct server *srv;

	if (!st->bk.be->ck.name || !(srv = cookie_req(st->bk.be, m, ck_scratch, sizeof(ck_scratch))))
		return 0;
	st->flags |= STRM_F_CK_VALID;
	if (be_assign_to(&st->bk, srv) < 0)
		st->flags &= ~STRM_F_CK_VALID;    /* redispatched: a new cookie follows */
	return 0;
}

static void strm_srv_error(struct stream *st, int status, const char *why);

/* A connection attempt failed: retried or answered 503 (be_conn_failed()). */
static void strm_conn_fail(struct stream *st, const char *why)
{
	int r;

	conn_free(&st->srvc);
	r = be_conn_failed(&st->bk);
	if (r == 0)
		strm_srv_error(st, 503, why);
	else if (r < 0)
		strm_error(st, 503, "no server available");
	else
		hlog_error(st, "connect", why);
}

/* Open or reuse a server connection. Returns 0, or -1 (error answered). */
static int strm_connect(struct stream *st)
{
	struct server *srv = st->bk.srv;
	struct conn *c = NULL;

	if (st->sess->priv) {
		/* http-reuse never: only this client's own previous connection */
		if (st->sess->priv->srv == srv && !st->reuse_retried && !st->bk.conn_retries &&
		    !(st->flags & STRM_F_UPGRADE)) {
			c = st->sess->priv;
			c->flags = CO_FL_SERVER | CO_FL_REUSED | CO_FL_WR_READY |
				   (c->flags & (CO_FL_ERROR | CO_FL_RD_SH | CO_FL_PEER_HUP));
		} else
			conn_free(&st->sess->priv);
		st->sess->priv = NULL;
	}
	st->pp_len = st->pp_off = 0;
	/* a connection that carried a PROXY header belongs to its client */
	if (!c && !(st->flags & STRM_F_UPGRADE) && !st->reuse_retried && !st->bk.conn_retries &&
	    !srv->proxy_proto)
		c = srv_take_idle(srv, &st->sess->task, st->sess->nb_req > 1);
	if (c) {
		srv->ctr[tid].reused++;
	} else {
		c = be_connect(&st->bk, &st->sess->task);
		if (!c) {
			strm_conn_fail(st, strerror(errno));
			return -1;
		}
		if (srv->proxy_proto) {
			int n = proxy_proto_build_conn(srv, st->sess->cli, st->pp_hdr, sizeof(st->pp_hdr));

			st->pp_len = n > 0 ? (uint8_t)n : 0;
		}
	}
	st->srvc = c;
	st->down_gen = check_srv_down_gen(srv);
	c->nb_req++;
	st->srv_act = now_ms;
	hlog_bereq(st, !!(c->flags & CO_FL_REUSED));
	return 0;
}

/* Emit the request head for the server from a parsed message. */
static int strm_emit_req(struct stream *st, const struct http_msg *m)
{
	struct h1_sess *s = st->sess;
	struct proxy *fe = s->fe, *be = st->bk.be;
	struct h1_emit_opts o = { .conn = H1_CONN_NONE };
	char addr[64];
	unsigned opts = fe->options | be->options;

	if (st->flags & STRM_F_UPGRADE)
		o.conn = H1_CONN_UPGRADE;
	else if (opts & (PX_O_HTTP_SERVER_CLOSE | PX_O_HTTPCLOSE)) {
		o.conn = H1_CONN_CLOSE;
		st->flags |= STRM_F_SRV_CLOSE;
	} else if (!(m->flags & HTTP_MF_VER_11))
		o.conn = H1_CONN_KAL;
	o.version_10 = !(m->flags & HTTP_MF_VER_11);
	if (opts & PX_O_FORWARDFOR) {
		struct proxy *p = (fe->options & PX_O_FORWARDFOR) ? fe : be;
		const char *name = p->fwdfor_hdr ? p->fwdfor_hdr : "X-Forwarded-For";
		int present = 0;

		if (p->options & PX_O_FF_IFNONE)
			for (unsigned i = 0; i < m->nb_hdrs; i++)
				if (ist_ieq(m->hdrs[i].n, name))
					present = 1;
		if (!present && s->cli->peer.sa.sa_family != AF_UNIX) {
			conn_addr_str(&s->cli->peer, addr, sizeof(addr));
			o.xff_name = (struct ist){ name, strlen(name) };
			o.xff_value = (struct ist){ addr, strlen(addr) };
		}
	}
	st->req_out.data = 0;
	if (b_alloc(&st->req_out) < 0 || h1_emit_req(&st->req_out, m, &o) < 0)
		return -1;
	st->breq_hlen = (uint32_t)st->req_out.data;    /* the head alone, for now */
	return 0;
}

static void msg_init(struct http_msg *m)
{
	memset(m, 0, sizeof(*m));
	m->hdrs = hdr_tab;
	m->max_hdrs = h1_settings.max_hdrs;
}

/* Whether the request is for the frontend's monitor-uri: the path when the
 * URI configured starts with '/' (absolute-form targets match too), else
 * the whole target. */
static int strm_is_monitor(const struct proxy *fe, const struct http_msg *m)
{
	struct ist u = m->uri;
	const char *mon = fe->monitor_uri;
	size_t ml = strlen(mon);

	if (mon[0] == '/') {
		const char *p = u.ptr, *e = u.ptr + u.len, *q;

		if (u.len && u.ptr[0] != '/') {                 /* scheme://authority/path */
			const char *ss = memchr(p, '/', u.len);

			if (ss && ss + 1 < e && ss[1] == '/') {
				p = memchr(ss + 2, '/', (size_t)(e - ss - 2));
				if (!p)
					return 0;
			}
		}
		q = memchr(p, '?', (size_t)(e - p));
		u = (struct ist){ p, (size_t)((q ? q : e) - p) };
	}
	return u.len == ml && memcmp(u.ptr, mon, ml) == 0;
}

/* Answer the request of <len> bytes from inside: <r> (NULL: the proxy's
 * errorfile or built-in page for <status>). A request body is not read:
 * the connection closes after the answer. */
static void strm_local(struct stream *st, const struct http_reply *r, int status, int len)
{
	struct h1_sess *s = st->sess;

	b_del(&s->ibuf, len);
	st->req_out.data = 0;
	b_release(&st->req_out);
	if (st->req_st == RQ_BODY) {
		st->flags |= STRM_F_CLI_CLOSE;
		st->req_st = RQ_DONE;
	}
	if (!r) {
		strm_error(st, status, "http-request return");
		return;
	}
	if (r->flags & HTTP_REPLY_F_EMPTY) {
		st->flags |= STRM_F_ABORT;
		return;
	}
	strm_produce_start(st, &prod_reply, r);
}

/* A complete request head of <len> bytes is at the head of s->ibuf.
 * Returns 0 when the exchange started, -1 when it must wait for a buffer
 * (nothing was changed; the head is parsed again when one comes), -2 when
 * the session is gone. */
static int strm_start(struct h1_sess *s, struct http_msg *m, int len)
{
	struct proxy *fe = s->fe;
	struct buffer out = { 0 };
	struct stream *st;

	/* the buffer for the server side first: nothing to undo if absent */
	if (b_alloc_wait(&out, &s->bw, 1) < 0)
		return -1;
	st = strm_new(s);
	if (!st) {
		b_release(&out);
		sess_free(s, "out of memory");
		return -2;
	}
	st->req_out = out;
	s->nb_req++;
	fe->ctr[tid].requests++;
	hlog_req(st, b_head(&s->ibuf), len);
	st->meth = m->meth;
	st->req_mf = m->flags;
	if ((m->flags & HTTP_MF_CONN_CLOSE) ||
	    (!(m->flags & HTTP_MF_VER_11) && !(m->flags & HTTP_MF_CONN_KAL)) ||
	    (fe->options & PX_O_HTTPCLOSE) || (s->flags & SESS_F_STOP) || is_stopping())
		st->flags |= STRM_F_CLI_CLOSE;
	if ((m->flags & HTTP_MF_UPGRADE) && (m->flags & HTTP_MF_CONN_UPGRADE))
		st->flags |= STRM_F_UPGRADE;
	if (m->flags & HTTP_MF_CHUNKED)
		st->req_bm = BM_CHUNKED;
	else if ((m->flags & HTTP_MF_CL) && m->body_len)
		st->req_bm = BM_CL, st->req_left = m->body_len;
	st->req_st = st->req_bm == BM_NONE ? RQ_DONE : RQ_BODY;

	/* answered from inside: monitor-uri first, then http-request rules
	 * of the frontend, then of the backend */
	{
		const struct http_reply *r;
		int status;

		if (fe->monitor_uri && strm_is_monitor(fe, m)) {
			strm_local(st, fe->monitor_reply, 200, len);
			return 0;
		}
		if (http_req_rules_eval(fe, &r, &status)) {
			strm_local(st, r, status, len);
			return 0;
		}
		st->bk.be = px_select_backend(fe);
		if (!st->bk.be) {
			fe->ctr[tid].req_rejected++;
			b_del(&s->ibuf, len);
			strm_error(st, 503, "no backend");
			return 0;
		}
		if (st->bk.be != fe)
			st->bk.be->ctr[tid].requests++;
		if (st->bk.be != fe && http_req_rules_eval(st->bk.be, &r, &status)) {
			strm_local(st, r, status, len);
			return 0;
		}
	}
	{
		struct sockaddr_storage src;
		struct lb_req lr = { .msg = m };

		if (s->cli->peer.sa.sa_family != AF_UNIX) {
			memcpy(&src, &s->cli->peer, sizeof(s->cli->peer));
			lr.src = &src;
		}
		if (strm_persist(st, m) < 0 || (!st->bk.srv && !(st->bk.flags & BE_F_QUEUED) &&
						 strm_assign(st, &lr, NULL) < 0)) {
			b_del(&s->ibuf, len);
			return 0;
		}
	}
	if (strm_emit_req(st, m) < 0) {
		b_del(&s->ibuf, len);
		strm_error(st, 500, "request head does not fit");
		return 0;
	}
	/* A request without a body keeps its head until the response starts,
	 * so that a reused connection the server closed meanwhile can be
	 * replaced transparently. */
	if (st->req_bm == BM_NONE && !(st->flags & STRM_F_UPGRADE) && !buf_limit) {
		st->flags |= STRM_F_HEAD_KEPT;
		st->req_head_len = (uint32_t)len;
	} else {
		b_del(&s->ibuf, len);
		b_release_if_empty(&s->ibuf);
	}
	if (!(st->bk.flags & BE_F_QUEUED))
		strm_connect(st);
	return 0;
}

/* Retry a request whose reused server connection died before answering. */
static int strm_retry(struct stream *st)
{
	struct h1_sess *s = st->sess;
	struct http_msg m;
	int r;

	if (!(st->flags & STRM_F_HEAD_KEPT) || (st->flags & STRM_F_SRV_BYTES) ||
	    !st->srvc || !(st->srvc->flags & CO_FL_REUSED) || st->reuse_retried)
		return -1;
	conn_free(&st->srvc);
	st->reuse_retried = 1;
	msg_init(&m);
	r = h1_parse_req(b_head(&s->ibuf), s->ibuf.data, &m, &h1_settings);
	if (r != (int)st->req_head_len || strm_emit_req(st, &m) < 0)
		return -1;
	st->rsp_in.data = 0;
	return strm_connect(st);
}

static void strm_srv_error(struct stream *st, int status, const char *why)
{
	hlog_error(st, "server", why);
	if (status == 502 && strm_retry(st) == 0)
		return;
	if (status == 504) {
		st->bk.be->ctr[tid].srv_timeouts++;
		if (st->bk.srv)
			st->bk.srv->ctr[tid].timeouts++;
	} else if (status == 503) {
		st->bk.be->ctr[tid].no_srv++;
	} else {
		st->bk.be->ctr[tid].srv_errors++;
		if (st->bk.srv)
			st->bk.srv->ctr[tid].resp_errors++;
	}
	strm_error(st, status, NULL);
}

/* Client -> server body. Returns 1 on progress, 0 otherwise. */
static int strm_req_body(struct stream *st)
{
	struct h1_sess *s = st->sess;
	int progress = 0, done, stuck = 0;

	for (;;) {
		long r;
		ssize_t n;

		if (b_alloc_wait(&s->ibuf, &s->bw, 1) < 0)
			break;
		/* What http_body_move() left (the start of a chunk-size line, or
		 * what the server side had no room for yet) may sit at the
		 * very end of the storage: move it down, or nothing more is
		 * read and a cut chunk-size line is never completed. */
		if (b_tailroom(&s->ibuf) < b_room(&s->ibuf) / 2)
			b_realign(&s->ibuf);
		if (b_tailroom(&s->ibuf) && (s->cli->flags & CO_FL_RD_READY)) {
			n = conn_recv(s->cli, b_tail(&s->ibuf), b_tailroom(&s->ibuf));
			if (n > 0) {
				s->ibuf.data += (uint32_t)n;
				s->cli_act = now_ms;
				s->fe->ctr[tid].bytes_in += (uint64_t)n;
				progress = 1;
				continue;           /* drain the socket first */
			}
		}
		r = http_body_move(&s->ibuf, &st->req_out, &s->bw, st->req_bm, &st->req_left,
			      &st->req_chk, 0, &done);
		/* bytes left that the server side had room for: a cut framing line */
		stuck = !r && s->ibuf.data && st->req_out.area &&
			b_room(&st->req_out) >= s->ibuf.data;
		if (r > 0)
			st->req_body += (uint64_t)r;
		/* Chunked framing is copied as received: only canonical CRLF
		 * framing may reach a server that could parse bare LFs
		 * differently (request smuggling). */
		if (r < 0 || st->req_chk.bare_lf) {
			s->fe->ctr[tid].req_rejected++;
			strm_error(st, 400, r < 0 ? "bad chunked request body" : "chunked framing with bare LF");
			return 1;
		}
		if (done) {
			st->req_st = RQ_DONE;
			progress = 1;
			break;
		}
		if (!r)
			break;
		progress = 1;
	}
	if (st->req_st == RQ_BODY && (s->cli->flags & (CO_FL_RD_SH | CO_FL_ERROR)) &&
	    (!s->ibuf.data || stuck)) {
		/* The client went away in the middle of its body. */
		s->fe->ctr[tid].cli_aborts++;
		st->flags |= STRM_F_ABORT;
		return 1;
	}
	b_release_if_empty(&s->ibuf);
	return progress;
}

/* Queue the final (or switching) response head of <hlen> bytes parsed into
 * <m> for the client, log both heads and count the status. A request head
 * kept for a retry is dropped here: once answered, the request cannot be
 * replayed, and after a switch (101, CONNECT 2xx) whatever follows it in
 * sess->ibuf belongs to the tunnel. Returns 0, or -1 after answering with
 * an error. */
static int strm_emit_final(struct stream *st, struct http_msg *m,
			   const struct h1_emit_opts *o, int hlen)
{
	struct h1_sess *s = st->sess;
	uint32_t before = st->rsp_out.data;

	if (h1_emit_rsp(&st->rsp_out, m, o) < 0) {
		strm_srv_error(st, 502, "response head does not fit");
		return -1;
	}
	hlog_beresp(st, b_head(&st->rsp_in), hlen);
	hlog_resp(st, b_head(&st->rsp_out) + before, st->rsp_out.data - before);
	b_del(&st->rsp_in, hlen);
	st->status = m->status;
	st->flags |= STRM_F_RSP_STARTED;
	px_count_status(s->fe, tid, m->status);
	if (st->bk.be != s->fe)
		px_count_status(st->bk.be, tid, m->status);
	if (st->flags & STRM_F_HEAD_KEPT) {
		b_del(&s->ibuf, st->req_head_len);
		b_release_if_empty(&s->ibuf);
		st->flags &= ~STRM_F_HEAD_KEPT;
	}
	return 0;
}

/* Parse and forward the response head. Returns 1 on progress. */
static int strm_rsp_head(struct stream *st)
{
	struct h1_sess *s = st->sess;
	struct h1_emit_opts o = { .conn = H1_CONN_NONE };
	struct http_msg m;
	int r;

	msg_init(&m);
	r = h1_parse_rsp(b_head(&st->rsp_in), st->rsp_in.data, &m, &h1_settings);
	if (r < 0) {
		strm_srv_error(st, 502, h1_err_str(r));
		return 1;
	}
	if (r == 0) {
		if (st->srvc->flags & (CO_FL_RD_SH | CO_FL_ERROR)) {
			strm_srv_error(st, 502, (st->srvc->flags & CO_FL_ERROR) ? "reset before the response head" : "closed before the response head");
			return 1;
		}
		if (st->rsp_in.data == st->rsp_in.size) {
			strm_srv_error(st, 502, "response head too large");
			return 1;
		}
		return 0;
	}
	if (b_alloc_wait(&st->rsp_out, &s->bw, 1) < 0)
		return 0;
	if (m.status < 200 && m.status != 101) {
		/* Interim responses go to HTTP/1.1 clients as they come. */
		if ((st->req_mf & HTTP_MF_VER_11) && h1_emit_rsp(&st->rsp_out, &m, &o) < 0)
			return 0;
		b_del(&st->rsp_in, r);
		return 1;
	}
	if (m.status == 101 || (st->meth == HTTP_METH_CONNECT && m.status < 300)) {
		if (m.status == 101 && !(st->flags & STRM_F_UPGRADE)) {
			strm_srv_error(st, 502, "101 without an upgrade request");
			return 1;
		}
		o.conn = m.status == 101 ? H1_CONN_UPGRADE : H1_CONN_NONE;
		/* RFC 9110 9.3.6: no framing in a 2xx to CONNECT, none kept */
		m.flags &= ~(HTTP_MF_CL | HTTP_MF_CHUNKED | HTTP_MF_TE_OTHER);
		if (strm_emit_final(st, &m, &o, r) == 0)
			st->rsp_st = RS_TUNNEL;
		return 1;
	}

	/* final response */
	if (st->meth == HTTP_METH_HEAD || m.status == 204 || m.status == 304)
		st->rsp_bm = BM_NONE;
	else if (m.flags & HTTP_MF_CHUNKED)
		st->rsp_bm = BM_CHUNKED;
	else if (m.flags & HTTP_MF_CL)
		st->rsp_bm = m.body_len ? BM_CL : BM_NONE, st->rsp_left = m.body_len;
	else
		st->rsp_bm = BM_CLOSE;
	if ((m.flags & HTTP_MF_CONN_CLOSE) || st->rsp_bm == BM_CLOSE ||
	    (!(m.flags & HTTP_MF_VER_11) && !(m.flags & HTTP_MF_CONN_KAL)))
		st->flags |= STRM_F_SRV_CLOSE;
	if (st->rsp_bm == BM_CLOSE || st->req_st != RQ_DONE)
		st->flags |= STRM_F_CLI_CLOSE;
	/* RFC 9112 6.1: no Transfer-Encoding to an HTTP/1.0 client. Chunked
	 * alone is undone (the end of the body is the close); other codings
	 * could only go by decoding them, unannounced they would pass for
	 * the content. */
	if (!(st->req_mf & HTTP_MF_VER_11)) {
		if (st->rsp_bm == BM_NONE) {
			m.flags &= ~(HTTP_MF_CHUNKED | HTTP_MF_TE_OTHER);
		} else if (m.flags & (HTTP_MF_TE_CODING | HTTP_MF_TE_OTHER)) {
			strm_srv_error(st, 502, "transfer-coding an HTTP/1.0 client cannot take");
			return 1;
		} else if (st->rsp_bm == BM_CHUNKED) {
			st->flags |= STRM_F_DECHUNK | STRM_F_CLI_CLOSE;
			m.flags &= ~HTTP_MF_CHUNKED;
		}
	}
	if (is_stopping())
		st->flags |= STRM_F_CLI_CLOSE;
	if (st->flags & STRM_F_CLI_CLOSE)
		o.conn = H1_CONN_CLOSE;
	else if (!(st->req_mf & HTTP_MF_VER_11))
		o.conn = H1_CONN_KAL;
	if (st->bk.be->ck.name)
		o.nb_extra = cookie_rsp(st->bk.be, st->bk.srv, !!(st->flags & STRM_F_CK_VALID), &m,
					ck_extra, ck_scratch, sizeof(ck_scratch));
	o.extra = ck_extra;
	if (strm_emit_final(st, &m, &o, r) < 0)
		return 1;
	st->rsp_st = st->rsp_bm == BM_NONE ? RS_DONE : RS_BODY;
	return 1;
}

/* Server side: connect, send, receive, parse, forward. Returns 1 on progress. */
static int strm_srv_side(struct stream *st)
{
	struct conn *c = st->srvc;
	int progress = 0;
	ssize_t n;

	if (st->bk.flags & BE_F_QUEUED) {
		if (!be_granted(&st->bk))
			return 0;
		strm_connect(st);
		return 1;
	}
	if (st->bk.flags & BE_F_RETRY) {
		if (!be_retry_due(&st->bk))
			return 0;
		strm_connect(st);
		return 1;
	}
	if (!c)
		return 0;
	if (c->flags & CO_FL_CONNECTING) {
		int r = conn_connect_check(c);

		if (r < 0) {
			strm_conn_fail(st, strerror(errno));
			return 1;
		}
		if (r == 0)
			return 0;
		st->srv_act = now_ms;
		hlog_connected(st);
		progress = 1;
	}
	/* send: the PROXY header first, then the request */
	while (st->pp_off < st->pp_len) {
		n = conn_send(c, st->pp_hdr + st->pp_off, st->pp_len - st->pp_off, 1);
		if (n <= 0)
			break;
		st->pp_off += (uint8_t)n;
		progress = 1;
	}
	while (st->pp_off == st->pp_len && st->req_out.data) {
		n = conn_send(c, b_head(&st->req_out), st->req_out.data, 0);
		if (n <= 0)
			break;
		b_del(&st->req_out, (uint32_t)n);
		st->srv_act = now_ms;
		st->bk.srv->ctr[tid].bytes_out += (uint64_t)n;
		st->bk.be->ctr[tid].bytes_out += (uint64_t)n;
		progress = 1;
	}
	if (c->flags & CO_FL_ERROR && !(st->flags & STRM_F_SRV_BYTES)) {
		strm_srv_error(st, 502, "send error");
		return 1;
	}
	if (!st->req_out.data) {
		b_release(&st->req_out);
		if (st->req_st == RQ_DONE)
			st->flags |= STRM_F_REQ_SENT;
	}
	/* receive */
	while ((st->rsp_st == RS_HEAD || st->rsp_st == RS_BODY) && (c->flags & CO_FL_RD_READY) &&
	       !(c->flags & (CO_FL_RD_SH | CO_FL_ERROR))) {
		if (b_alloc_wait(&st->rsp_in, &st->sess->bw, 1) < 0)
			break;
		if (!b_tailroom(&st->rsp_in)) {
			if (st->rsp_in.head)
				b_realign(&st->rsp_in);
			else
				break;
		}
		n = conn_recv(c, b_tail(&st->rsp_in), b_tailroom(&st->rsp_in));
		if (n <= 0)
			break;
		st->rsp_in.data += (uint32_t)n;
		if (!(st->flags & STRM_F_SRV_BYTES))
			hlog_first_byte(st);
		st->flags |= STRM_F_SRV_BYTES;
		st->srv_act = now_ms;
		st->bk.srv->ctr[tid].bytes_in += (uint64_t)n;
		st->bk.be->ctr[tid].bytes_in += (uint64_t)n;
		progress = 1;
		if (st->rsp_st == RS_HEAD || st->rsp_in.data == st->rsp_in.size)
			break;
	}
	if (st->rsp_st == RS_HEAD && (st->rsp_in.data || (c->flags & (CO_FL_RD_SH | CO_FL_ERROR))))
		progress |= strm_rsp_head(st);
	if (st->rsp_st == RS_BODY && st->srvc) {
		int done;
		long r = http_body_move(&st->rsp_in, &st->rsp_out, &st->sess->bw, st->rsp_bm,
				   &st->rsp_left, &st->rsp_chk, !!(st->flags & STRM_F_DECHUNK), &done);

		if (r < 0) {
			st->bk.be->ctr[tid].srv_errors++;
			st->bk.srv->ctr[tid].resp_errors++;
			hlog_error(st, "server", "bad chunked response body");
			st->flags |= STRM_F_ABORT;
			return 1;
		}
		if (r) {
			st->rsp_body += (uint64_t)r;
			progress = 1;
		}
		if (done)
			st->rsp_st = RS_DONE;
		else if (!st->rsp_in.data && (st->srvc->flags & (CO_FL_RD_SH | CO_FL_ERROR))) {
			if (st->rsp_bm == BM_CLOSE && !(st->srvc->flags & CO_FL_ERROR)) {
				st->rsp_st = RS_DONE;
			} else {
				/* truncated: the client must see the cut */
				hlog_error(st, "server", "response body truncated");
				st->bk.be->ctr[tid].srv_errors++;
				st->bk.srv->ctr[tid].resp_errors++;
				st->flags |= STRM_F_ABORT | STRM_F_CLI_CLOSE;
			}
			progress = 1;
		}
	}
	if (st->rsp_in.data == 0 && st->rsp_st != RS_HEAD)
		b_release(&st->rsp_in);
	return progress;
}

/* Client side output. Returns 1 on progress. */
static int strm_cli_send(struct stream *st)
{
	struct h1_sess *s = st->sess;
	int progress = 0;

	while (st->rsp_out.data) {
		ssize_t n = conn_send(s->cli, b_head(&st->rsp_out), st->rsp_out.data, 0);

		if (n <= 0)
			break;
		b_del(&st->rsp_out, (uint32_t)n);
		s->cli_act = now_ms;
		s->fe->ctr[tid].bytes_out += (uint64_t)n;
		progress = 1;
	}
	if (s->cli->flags & CO_FL_ERROR) {
		s->fe->ctr[tid].cli_aborts++;
		st->flags |= STRM_F_ABORT;
		return 1;
	}
	if (!st->rsp_out.data)
		b_release(&st->rsp_out);
	return progress;
}

/* Returns 1 when the exchange is complete: the response was delivered and
 * the request was read whole, or will not be (the client gets closed). */
static int strm_done(struct stream *st)
{
	return st->rsp_st == RS_DONE && !st->rsp_out.data &&
	       (st->req_st == RQ_DONE || (st->flags & STRM_F_CLI_CLOSE));
}

/* End of the exchange. Returns 0 when the session lives on (idle or with
 * pipelined bytes), 1 when it now lingers before closing, -1 when it was
 * freed. */
static int strm_end(struct h1_sess *s)
{
	struct stream *st = s->strm;
	int close_cli = !!(st->flags & (STRM_F_CLI_CLOSE | STRM_F_ABORT));

	if (st->srvc && !(st->flags & (STRM_F_SRV_CLOSE | STRM_F_ABORT)) &&
	    (st->flags & STRM_F_REQ_SENT) && !st->rsp_in.data) {
		if ((st->bk.be->reuse == PX_REUSE_NEVER || st->bk.srv->proxy_proto) && !close_cli &&
		    !(s->flags & SESS_F_STOP)) {
			s->priv = st->srvc;         /* stays with its client */
			s->priv->flags &= ~CO_FL_REUSED;
		} else {
			srv_park_idle(st->bk.srv, st->srvc);
		}
		st->srvc = NULL;
	}
	if (st->flags & STRM_F_ABORT) {
		strm_free(&s->strm);
		sess_free(s, "abort");
		return -1;
	}
	strm_free(&s->strm);
	/* In a soft stop, every response whose head is sent from then on says
	 * "Connection: close" (close_cli). One whose head went before did not:
	 * its client may be sending its next request right now, so that one is
	 * awaited (within timeout http-keep-alive) and answered with a close,
	 * as HAProxy does, rather than cut. */
	if (close_cli) {
		sess_linger(s);
		return 1;
	}
	s->cli_act = now_ms;
	s->req_exp = 0;
	if (!s->ibuf.data)
		b_release(&s->ibuf);
	return 0;
}

/* Hand both connections to a tunnel once the 101 went out. */
static void strm_to_tunnel(struct h1_sess *s)
{
	struct stream *st = s->strm;
	struct conn *cli = s->cli, *srvc = st->srvc;
	struct listener *li = s->li;

	s->cli = NULL;
	st->srvc = NULL;
	/* request bytes the client sent after its head belong to the tunnel */
	tcp_tunnel_start(li, s->fe, &st->bk, cli, srvc, &s->ibuf, &st->rsp_in);
	strm_free(&s->strm);
	hlog_sess_close(s, "tunnel");
	buf_wait_cancel(&s->bw);
	task_cancel(&s->task);
	list_del_init(&s->th_list);
	s->magic = 0;
	pool_free(pool_sess, s);
}

/* Whether the head in s->ibuf is worth a full parse after <fresh> new
 * bytes: the request line once it is complete (early errors), then only
 * when the blank line ending the head arrived or a limit is reached. So a
 * client sending its head byte by byte costs linear work, not quadratic. */
static int sess_head_ready(struct h1_sess *s, uint32_t fresh)
{
	const char *p = b_head(&s->ibuf);
	uint32_t len = s->ibuf.data;

	if (len >= s->ibuf.size || (h1_settings.max_head && len >= h1_settings.max_head))
		return 1;
	if (!(s->flags & SESS_F_RL_OK))
		return memchr(p + len - fresh, '\n', fresh) != NULL ||
		       (h1_settings.max_reqline && len > h1_settings.max_reqline);
	return h1_head_end(p, len, &s->scan) != 0;
}

/* Read and parse a request head. Returns 1 on progress, 0 when blocked,
 * -1 when the session is gone. */
static int sess_head(struct h1_sess *s)
{
	struct http_msg m;
	int progress = 0, r;
	uint32_t fresh = 0;
	ssize_t n;

	/* Read until the socket is drained, shut, or the buffer is full:
	 * edge-triggered polling reports nothing that is already pending, so
	 * stopping early (say, with the FIN queued behind a partial head) would
	 * leave the session waiting for an event that never comes. */
	while (s->cli->flags & CO_FL_RD_READY && !(s->cli->flags & (CO_FL_RD_SH | CO_FL_ERROR))) {
		/* a new request is new work: it may not use the reserve */
		if (b_alloc_wait(&s->ibuf, &s->bw, s->ibuf.data != 0) < 0)
			return progress;
		if (b_tailroom(&s->ibuf) < b_room(&s->ibuf) / 2 || !b_tailroom(&s->ibuf))
			b_realign(&s->ibuf);
		if (!b_tailroom(&s->ibuf))
			break;
		n = conn_recv(s->cli, b_tail(&s->ibuf), b_tailroom(&s->ibuf));
		if (n <= 0)
			break;
		if (!s->ibuf.data)
			s->t_head = hlog_now();
		if (!s->ibuf.data && s->nb_req) {
			/* first byte of a keep-alive request */
			s->req_exp = tick_add(now_ms, s->fe->timeout.http_request ?
					      s->fe->timeout.http_request :
					      s->fe->timeout.client);
		}
		s->ibuf.data += (uint32_t)n;
		fresh += (uint32_t)n;
		s->cli_act = now_ms;
		s->fe->ctr[tid].bytes_in += (uint64_t)n;
		progress = 1;
	}
	if (!s->ibuf.data) {
		b_release(&s->ibuf);
		if (s->cli->flags & (CO_FL_RD_SH | CO_FL_ERROR)) {
			sess_free(s, "client closed");
			return -1;
		}
		if (s->flags & SESS_F_STOP_IDLE) {
			/* idle at the soft stop, and nothing was asked: close */
			sess_free(s, "soft stop");
			return -1;
		}
		return progress;
	}
	/* bytes left by a pipelining client are parsed as they are */
	if (!fresh && !(s->cli->flags & (CO_FL_RD_SH | CO_FL_ERROR)) && s->scan == 0 &&
	    !(s->flags & SESS_F_RL_OK))
		fresh = s->ibuf.data;
	if (!(s->cli->flags & (CO_FL_RD_SH | CO_FL_ERROR)) &&
	    (!fresh || !sess_head_ready(s, fresh)))
		return progress;
	msg_init(&m);
	r = h1_parse_req(b_head(&s->ibuf), s->ibuf.data, &m, &h1_settings);
	if (r > 0) {
		int ret = strm_start(s, &m, r);

		if (ret == -2)
			return -1;
		/* next head, or this one again when woken with a buffer */
		s->flags &= ~SESS_F_RL_OK;
		s->scan = 0;
		return ret == 0;
	}
	if (r == 0 && !(s->cli->flags & (CO_FL_RD_SH | CO_FL_ERROR)) && s->ibuf.data < s->ibuf.size) {
		if (memchr(b_head(&s->ibuf), '\n', s->ibuf.data))
			s->flags |= SESS_F_RL_OK;
		return progress;
	}
	if (r == 0) {
		if (s->ibuf.data >= s->ibuf.size) {
			r = H1_ERR_HDR_TOO_LARGE;
		} else {
			/* closed in the middle of a head */
			s->fe->ctr[tid].cli_aborts++;
			sess_free(s, "client closed in a head");
			return -1;
		}
	}
	/* bad request */
	s->fe->ctr[tid].req_rejected++;
	if (!strm_new(s)) {
		sess_free(s, "out of memory");
		return -1;
	}
	s->ibuf.data = 0;
	strm_error(s->strm, h1_err_status(r), h1_err_str(r));
	return 1;
}

/* Whether the exchange waits for the server (timeout server runs): to take
 * the request, or for response bytes that sluice has room to read. Not while
 * connecting (timeout connect), nor while full buffers toward a slow client
 * or a wait for a buffer keep sluice from reading: that silence is not the
 * server's. */
static int strm_waits_srv(const struct stream *st)
{
	if (!st->srvc || (st->srvc->flags & CO_FL_CONNECTING) ||
	    buf_wait_state(&st->sess->bw) == BW_QUEUED)
		return 0;
	if (st->req_out.data || st->rsp_st == RS_HEAD)
		return 1;
	return st->rsp_st == RS_BODY &&
	       !(st->rsp_in.area && st->rsp_in.data == st->rsp_in.size);
}

/* Whether the exchange waits for the client (timeout client runs): to read
 * the response, or for request body bytes that sluice has room to take. */
static int strm_waits_cli(const struct stream *st)
{
	const struct buffer *in = &st->sess->ibuf;

	/* waiting for a buffer is sluice's own shortage, not the client's */
	if (buf_wait_state(&st->sess->bw) == BW_QUEUED)
		return 0;
	return st->rsp_out.data ||
	       (st->req_st == RQ_BODY && !(in->area && in->data == in->size));
}

/* Keep each side's inactivity clock honest: while sluice itself holds a side
 * up, its clock does not run, and it restarts from now when sluice waits for
 * that side again. Called after each pass over the exchange. */
static void strm_hold_clocks(struct stream *st)
{
	if (!strm_waits_srv(st))
		st->flags |= STRM_F_SRV_HELD;
	else if (st->flags & STRM_F_SRV_HELD) {
		st->flags &= ~STRM_F_SRV_HELD;
		st->srv_act = now_ms;
	}
	if (!strm_waits_cli(st))
		st->flags |= STRM_F_CLI_HELD;
	else if (st->flags & STRM_F_CLI_HELD) {
		st->flags &= ~STRM_F_CLI_HELD;
		st->sess->cli_act = now_ms;
	}
}

/* Act on expired deadlines. Returns -1 when the session was freed. */
static int sess_timeout(struct h1_sess *s)
{
	struct stream *st = s->strm;
	const struct px_timeouts *ft = &s->fe->timeout;

	if (!st) {
		if (!tick_expired(s->req_exp, now_ms) &&
		    !(!s->ibuf.data && s->nb_req &&
		      tick_expired(tick_add(s->cli_act, ft->http_keep_alive ? ft->http_keep_alive :
					    ft->http_request ? ft->http_request : ft->client), now_ms)))
			return 0;
		if (!s->ibuf.data) {
			/* nothing asked: close silently */
			sess_free(s, "idle timeout");
			return -1;
		}
		s->fe->ctr[tid].req_timeout++;
		if (!strm_new(s)) {
			sess_free(s, "out of memory");
			return -1;
		}
		s->ibuf.data = 0;
		strm_error(s->strm, 408, "incomplete request head");
		task_wakeup(&s->task);
		return 0;
	}
	if (be_queue_expired(&st->bk)) {
		be_release(&st->bk);
		st->bk.be->ctr[tid].queue_timeouts++;
		strm_srv_error(st, 503, "queue timeout");
	} else if (st->srvc && (st->srvc->flags & CO_FL_CONNECTING) &&
		   tick_expired(st->bk.connect_exp, now_ms)) {
		strm_conn_fail(st, "connect timeout");
	} else if (!(st->flags & STRM_F_SRV_HELD) && strm_waits_srv(st) &&
		   tick_expired(tick_add(st->srv_act, st->bk.be->timeout.server), now_ms)) {
		strm_srv_error(st, 504, "server timeout");
	} else if (!(st->flags & STRM_F_CLI_HELD) && strm_waits_cli(st) &&
		   tick_expired(tick_add(s->cli_act, ft->client), now_ms)) {
		if (st->req_st == RQ_BODY && !(st->flags & STRM_F_RSP_STARTED)) {
			s->fe->ctr[tid].req_timeout++;
			strm_error(st, 408, "incomplete request body");
		} else {
			s->fe->ctr[tid].cli_aborts++;
			st->flags |= STRM_F_ABORT;
		}
	} else
		return 0;
	task_wakeup(&s->task);
	return 0;
}

static void sess_arm_timer(struct h1_sess *s)
{
	struct stream *st = s->strm;
	const struct px_timeouts *ft = &s->fe->timeout;
	uint64_t exp = 0;

	if (!st) {
		if (s->ibuf.data || !s->nb_req)
			exp = s->req_exp;
		else
			exp = tick_add(s->cli_act, ft->http_keep_alive ? ft->http_keep_alive :
				       ft->http_request ? ft->http_request : ft->client);
	} else {
		strm_hold_clocks(st);
		if (!(st->flags & STRM_F_CLI_HELD))
			exp = tick_add(s->cli_act, ft->client);
		exp = tick_first(exp, be_deadline(&st->bk));
		if (st->srvc && (st->srvc->flags & CO_FL_CONNECTING))
			exp = tick_first(exp, st->bk.connect_exp);
		else if (!(st->flags & STRM_F_SRV_HELD))
			exp = tick_first(exp, tick_add(st->srv_act, st->bk.be->timeout.server));
	}
	task_schedule(&s->task, tick_first(exp, buf_wait_deadline(&s->bw)));
}

static void sess_process(struct task *t, void *ctx)
{
	struct h1_sess *s = ctx;
	int progress;

	CHECK_OBJ(s, SESS_MAGIC);
	if (is_killed()) {
		sess_free(s, "killed");
		return;
	}
	if (s->flags & SESS_F_LINGER) {
		if (sess_linger_step(s) < 0)
			sess_free(s, "closed");
		return;
	}
	if (tick_expired(t->expire, now_ms) || !t->expire) {
		if (sess_timeout(s) < 0)
			return;
	}
	do {
		struct stream *st;

		progress = 0;
		if (!s->strm) {
			int r;

			/* a private server connection that speaks or closes while
			 * idle is of no more use */
			if (s->priv && (s->priv->flags & (CO_FL_RD_READY | CO_FL_PEER_HUP | CO_FL_ERROR)))
				conn_free(&s->priv);
			r = sess_head(s);

			if (r < 0)
				return;
			progress = r;
			if (!s->strm)
				break;
		}
		st = s->strm;
		if (!(st->flags & STRM_F_ABORT)) {
			if (st->req_st == RQ_BODY)
				progress |= strm_req_body(st);
			if (st->prod)
				progress |= strm_produce(st);
			else
				progress |= strm_srv_side(st);
			progress |= strm_cli_send(st);
		}
		if (st->flags & STRM_F_ABORT) {
			strm_end(s);
			return;
		}
		if (st->rsp_st == RS_TUNNEL && !st->rsp_out.data && !st->req_out.data &&
		    st->srvc && !(st->srvc->flags & CO_FL_CONNECTING)) {
			/* everything before the switch was delivered */
			st->rsp_out.data = 0;
			b_release(&st->rsp_out);
			strm_to_tunnel(s);
			return;
		}
		if (strm_done(st)) {
			int r = strm_end(s);

			if (r > 0)
				task_wakeup(&s->task);      /* start lingering */
			if (r)
				return;
			progress = 1;
		}
	} while (progress);
	/* a buffer handed over but not taken this time goes to the next waiter */
	if (buf_wait_state(&s->bw) == BW_READY)
		buf_wait_cancel(&s->bw);
	sess_arm_timer(s);
}

/* Soft stop: busy sessions end after a response that says "Connection:
 * close" (see strm_end()); idle ones close once a last read found nothing
 * asked. A request already in the socket whose event was not handled yet
 * is read and answered, not cut: the read is tried whatever the last event
 * said. */
static void http_sess_stop(void)
{
	struct list *it, *bk;

	list_for_each_safe(it, bk, &th->sessions) {
		struct h1_sess *s = list_elem(it, struct h1_sess, th_list);

		s->flags |= SESS_F_STOP;
		if (!s->strm && !s->ibuf.data && s->cli && !(s->flags & SESS_F_LINGER)) {
			s->flags |= SESS_F_STOP_IDLE;
			s->cli->flags |= CO_FL_RD_READY;
		}
		task_wakeup(&s->task);
	}
}

/* on-marked-down shutdown-sessions: when any server was marked down with
 * it (a process-wide epoch moved), end this thread's exchanges on it. */
static void http_sess_turn(void)
{
	static __thread unsigned seen;
	unsigned epoch = check_shutdown_epoch();
	struct list *it, *bk;

	if (epoch == seen)
		return;
	seen = epoch;
	list_for_each_safe(it, bk, &th->sessions) {
		struct h1_sess *s = list_elem(it, struct h1_sess, th_list);
		struct stream *st = s->strm;

		if (st && st->srvc && st->bk.srv && check_srv_down_gen(st->bk.srv) != st->down_gen) {
			hlog_error(st, "server", "marked down: session shut down");
			st->flags |= STRM_F_ABORT;
			task_wakeup(&s->task);
		}
	}
}

static void http_sess_thread_init(void)
{
	hdr_tab = calloc(h1_settings.max_hdrs ? h1_settings.max_hdrs : HTTP_MAX_HDR_DEFAULT,
			 sizeof(*hdr_tab));
	BUG_ON(!hdr_tab);
}

static void http_sess_thread_exit(void)
{
	free(hdr_tab);
	hdr_tab = NULL;
}

static struct thread_hook http_sess_hook = {
	.init = http_sess_thread_init,
	.stop = http_sess_stop,
	.turn = http_sess_turn,
	.exit = http_sess_thread_exit,
};

__attribute__((constructor)) static void http_sess_register(void)
{
	pool_sess = pool_create("session", sizeof(struct h1_sess));
	pool_strm = pool_create("stream", sizeof(struct stream));
	thread_register_hook(&http_sess_hook);
}
