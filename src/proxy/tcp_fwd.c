/* tcp_fwd.c: bidirectional forwarding between two connections, for "mode
 * tcp" and for HTTP tunnels (WebSocket after 101). Each direction moves
 * bytes through a pipe with splice(2) when its buffer is empty, else
 * through the buffer. A read of 0 on one side becomes a shutdown(SHUT_WR)
 * on the other once everything before it was delivered (half-close); the
 * session ends when both directions are shut, on an error, or on timeout.
 *
 * Life cycle: attach by the "tcp" mux -> a server slot from the backend (or a
 * place in its queue until one is granted) -> CONNECTING (retried after a
 * turn-around, redispatched as the backend says) -> FORWARDING ->
 * tcp_fwd_free(), which gives the slot back. tcp_tunnel_start() starts in
 * FORWARDING with the slot of the HTTP exchange it continues. */
#include <errno.h>
#include <fcntl.h>
#include <string.h>
#include <unistd.h>
#include "proxy/proxy.h"
#include "proxy/backend.h"
#include "net/conn.h"
#include "net/listener.h"
#include "net/mux.h"
#include "net/proxy_proto.h"
#include "lb/lb.h"
#include "lb/server-t.h"
#include "core/task.h"
#include "core/clock.h"
#include "mem/buf.h"
#include "shm/log.h"
#include <arpa/inet.h>

#define TCPF_MAGIC 0x54435046U

struct tcp_dir {
	struct buffer buf;
	int pipe[2];                 /* -1 when none */
	unsigned in_pipe;            /* bytes in the pipe */
	unsigned pipe_cap;
	int pipe_suspect;            /* EAGAIN seen with bytes in the pipe */
	int no_splice;               /* pipes refused: buffers only */
	int shut;                    /* end of stream forwarded (shutw sent) */
};

struct tcp_fwd {
	unsigned magic;
	int tunnel;                  /* HTTP tunnel: "timeout tunnel" rules */
	struct task task;
	struct conn *cli, *srvc;
	struct listener *li;
	struct proxy *fe;
	struct be_att bk;            /* backend, server, slot or queue, retries */
	struct tcp_dir c2s, s2c;
	struct buf_wait bw;          /* queued here when no buffer is available */
	uint64_t cli_act, srv_act;   /* last activity per side (ms) */
	uint32_t vxid;               /* log transaction (tcp mode sessions) */
	uint64_t t_open;             /* ms */
	uint64_t bytes_c2s, bytes_s2c;
	const char *why;             /* why it ended, for the log */
};

static struct pool_head *pool_tcpf;

static void tcp_fwd_process(struct task *t, void *ctx);

static struct tcp_fwd *tcpf_new(struct listener *li, struct proxy *fe, struct proxy *be)
{
	struct tcp_fwd *f = pool_alloc(pool_tcpf);

	if (!f)
		return NULL;
	memset(f, 0, sizeof(*f));
	f->magic = TCPF_MAGIC;
	f->li = li;
	f->fe = fe;
	be_init(&f->bk, be, &f->task);
	f->c2s.pipe[0] = f->c2s.pipe[1] = f->s2c.pipe[0] = f->s2c.pipe[1] = -1;
	task_init(&f->task, tcp_fwd_process, f);
	buf_wait_init(&f->bw, &f->task, tid);
	f->cli_act = f->srv_act = now_ms;
	return f;
}

static void dir_release(struct tcp_dir *d)
{
	if (d->pipe[0] >= 0) {
		close(d->pipe[0]);
		close(d->pipe[1]);
		d->pipe[0] = d->pipe[1] = -1;
	}
	/* data still buffered is lost with the connection: nowhere to go */
	d->buf.data = 0;
	b_release(&d->buf);
}

/* Log records of a "mode tcp" session: Begin, SessOpen, Backend, then
 * SessClose and End when it ends (tunnels log as the HTTP exchange that
 * started them). */
static void tcp_log_open(struct tcp_fwd *f)
{
	SLOG_LINE(l);
	char ip[64];

	f->t_open = now_ms;
	if (!slog_active())
		return;
	f->vxid = slog_vxid();
	slog_begin(f->vxid, "sess", 0, "TCP");
	conn_addr_str(&f->cli->peer, ip, sizeof(ip));
	slog_puts(&l, ip);
	slog_putc(&l, ' ');
	slog_putu(&l, f->cli->peer.sa.sa_family == AF_INET ? ntohs(f->cli->peer.in4.sin_port) :
		  f->cli->peer.sa.sa_family == AF_INET6 ? ntohs(f->cli->peer.in6.sin6_port) : 0);
	slog_putc(&l, ' ');
	slog_puts(&l, f->fe->id);
	slog_putc(&l, ' ');
	slog_puts(&l, f->li->name);
	slog_line_end(f->vxid, SL_TAG_SessOpen, &l);
}

/* The Backend record of each connection attempt. */
static void tcp_log_backend(struct tcp_fwd *f)
{
	if (f->vxid)
		slog_printf(f->vxid, SL_TAG_Backend, "%s %s %s new", f->bk.be->id,
			    f->bk.srv->id, f->bk.srv->addr_log);
}

static void tcp_log_close(struct tcp_fwd *f)
{
	if (!f->vxid)
		return;
	slog_printf(f->vxid, SL_TAG_ReqAcct, "0 %llu %llu", (unsigned long long)f->bytes_c2s,
		    (unsigned long long)f->bytes_c2s);
	slog_printf(f->vxid, SL_TAG_RespAcct, "0 %llu %llu", (unsigned long long)f->bytes_s2c,
		    (unsigned long long)f->bytes_s2c);
	slog_printf(f->vxid, SL_TAG_SessClose, "%s %llu 1", f->why ? f->why : "closed",
		    (unsigned long long)(now_ms - f->t_open));
	slog_end(f->vxid);
}

static void tcp_fwd_free(struct tcp_fwd *f)
{
	CHECK_OBJ(f, TCPF_MAGIC);
	tcp_log_close(f);
	task_cancel(&f->task);
	buf_wait_cancel(&f->bw);
	dir_release(&f->c2s);
	dir_release(&f->s2c);
	conn_free(&f->cli);
	conn_free(&f->srvc);
	be_release(&f->bk);
	listener_conn_done(f->li);
	f->magic = 0;
	pool_free(pool_tcpf, f);
}

/* The direction's pipe, made on first use; 0 when bytes must go through
 * the buffer: "nosplice", no pipe to be had, or a transport that cannot
 * splice (TLS: its bytes are not the socket's). */
static int dir_pipe(struct tcp_dir *d, const struct conn *src, const struct conn *dst)
{
	if (d->pipe[0] >= 0)
		return 1;
	if (d->no_splice)
		return 0;
	if (global.nosplice || !conn_can_splice(src, dst)) {
		d->no_splice = 1;
		return 0;
	}
	if (pipe2(d->pipe, O_NONBLOCK | O_CLOEXEC) < 0) {
		d->no_splice = 1;
		d->pipe[0] = d->pipe[1] = -1;
		return 0;
	}
	if (global.pipesize)
		fcntl(d->pipe[0], F_SETPIPE_SZ, global.pipesize);
	d->pipe_cap = (unsigned)fcntl(d->pipe[0], F_GETPIPE_SZ);
	return 1;
}

/* Move what can be moved from src to dst. Returns 1 on progress; counts
 * bytes on the side counters; *act is refreshed on progress. */
static int dir_forward(struct tcp_fwd *f, struct tcp_dir *d, struct conn *src, struct conn *dst,
		       uint64_t *bytes)
{
	int progress = 0;

	for (;;) {
		ssize_t n;
		int moved = 0;

		/* 1. buffered bytes first (bytes left by HTTP, or no splice) */
		if (d->buf.data) {
			n = conn_send(dst, b_head(&d->buf), d->buf.data, 0);
			if (n > 0) {
				b_del(&d->buf, (uint32_t)n);
				moved = 1;
			}
		}
		if (!d->buf.data) {
			b_release(&d->buf);
			/* 2. the pipe */
			if (d->in_pipe) {
				n = conn_snd_pipe(dst, d->pipe[0], d->in_pipe);
				if (n > 0) {
					d->in_pipe -= (unsigned)n;
					moved = 1;
					if (!d->in_pipe && d->pipe_suspect) {
						/* that EAGAIN may have meant "pipe full" */
						src->flags |= CO_FL_RD_READY;
						d->pipe_suspect = 0;
					}
				}
			}
			/* 3. read more */
			if (!(src->flags & (CO_FL_RD_SH | CO_FL_ERROR)) && (src->flags & CO_FL_RD_READY)) {
				if (!d->in_pipe && !dir_pipe(d, src, dst)) {
					if (b_alloc_wait(&d->buf, &f->bw, 1) == 0) {
						n = conn_recv(src, d->buf.area, d->buf.size);
						if (n > 0) {
							d->buf.data = (uint32_t)n;
							*bytes += (uint64_t)n;
							moved = 1;
						} else
							b_release(&d->buf);
					}
				} else if (d->pipe[0] >= 0 && d->in_pipe < d->pipe_cap) {
					n = conn_rcv_pipe(src, d->pipe[1], d->pipe_cap - d->in_pipe);
					if (n > 0) {
						d->in_pipe += (unsigned)n;
						*bytes += (uint64_t)n;
						moved = 1;
					} else if (!(src->flags & CO_FL_RD_READY) && d->in_pipe)
						d->pipe_suspect = 1;
				}
			}
		}
		if (!moved)
			break;
		progress = 1;
	}
	/* 4. half-close: forward the end of stream once all was delivered */
	if ((src->flags & CO_FL_RD_SH) && !d->buf.data && !d->in_pipe && !d->shut) {
		conn_shutw(dst);
		d->shut = 1;
		progress = 1;
	}
	return progress;
}

static unsigned cli_timeout(struct tcp_fwd *f)
{
	const struct px_timeouts *t = &f->fe->timeout;

	if (t->tunnel && (f->tunnel || f->fe->mode == PX_MODE_TCP))
		return t->tunnel;
	if (f->c2s.shut && t->client_fin)
		return t->client_fin;
	return t->client;
}

static unsigned srv_timeout(struct tcp_fwd *f)
{
	const struct px_timeouts *t = &f->bk.be->timeout;

	if (t->tunnel && (f->tunnel || f->bk.be->mode == PX_MODE_TCP))
		return t->tunnel;
	if (f->s2c.shut && t->server_fin)
		return t->server_fin;
	return t->server;
}

static int tcp_queue_proxy_hdr(struct tcp_fwd *f);

/* Open the server connection of the attempt. Returns 0, 1 when the connect
 * failed at once (errno set), -1 when the session must end (f->why set). */
static int tcp_connect(struct tcp_fwd *f)
{
	tcp_log_backend(f);
	/* nothing was read from the client yet: the buffer holds at most the
	 * PROXY header of a previous attempt, rebuilt for this server */
	f->c2s.buf.data = 0;
	if (tcp_queue_proxy_hdr(f) < 0) {
		f->why = "no buffer for the PROXY header";
		return -1;
	}
	f->srvc = be_connect(&f->bk, &f->task);
	f->srv_act = now_ms;
	return f->srvc ? 0 : 1;
}

/* The attempt failed: another after the turn-around (0), or the end (-1,
 * f->why set). */
static int tcp_conn_failed(struct tcp_fwd *f, const char *why)
{
	int r;

	conn_free(&f->srvc);
	r = be_conn_failed(&f->bk);
	if (r > 0)
		return 0;
	f->why = r < 0 ? "no server available" : why;
	return -1;
}

/* Connect, and hand an immediate failure to tcp_conn_failed(): 0 or -1. */
static int tcp_try(struct tcp_fwd *f)
{
	int r = tcp_connect(f);

	if (r > 0)
		return tcp_conn_failed(f, strerror(errno));
	return r;
}

/* Before forwarding: wait for a slot, for the turn-around, or for the
 * connect. Returns 1 once connected, 0 to wait (timer armed), -1 to end. */
static int tcp_server_side(struct tcp_fwd *f)
{
	struct be_att *a = &f->bk;

	for (;;) {
		if (a->flags & BE_F_QUEUED) {
			if (!be_granted(a)) {
				if (!be_queue_expired(a))
					break;
				a->be->ctr[tid].queue_timeouts++;
				f->why = "queue timeout";
				return -1;
			}
			if (tcp_try(f) < 0)
				return -1;
		}
		if (a->flags & BE_F_RETRY) {
			if (!be_retry_due(a))
				break;
			if (tcp_try(f) < 0)
				return -1;
			continue;
		}
		if (!f->srvc)
			break;
		if (f->srvc->flags & CO_FL_CONNECTING) {
			int r = conn_connect_check(f->srvc);

			if (r == 0 && !tick_expired(a->connect_exp, now_ms)) {
				task_schedule(&f->task, a->connect_exp);
				return 0;
			}
			if (r <= 0) {
				if (tcp_conn_failed(f, r < 0 ? "connect error" : "connect timeout") < 0)
					return -1;
				continue;
			}
			/* the clocks start now, not when the session waited */
			f->cli_act = f->srv_act = now_ms;
		}
		return 1;
	}
	if (f->cli->flags & CO_FL_ERROR) {
		f->why = "client error";
		return -1;
	}
	task_schedule(&f->task, be_deadline(a));
	return 0;
}

static void tcp_fwd_process(struct task *t, void *ctx)
{
	struct tcp_fwd *f = ctx;
	uint64_t exp;
	int p;

	CHECK_OBJ(f, TCPF_MAGIC);
	if (is_killed())
		goto end;
	if (!f->srvc || (f->srvc->flags & CO_FL_CONNECTING)) {
		int r = tcp_server_side(f);

		if (r < 0)
			goto end;
		if (r == 0)
			return;
	}
	do {
		uint64_t in = 0, out = 0;

		p = dir_forward(f, &f->c2s, f->cli, f->srvc, &in);
		if (p)
			f->cli_act = f->srv_act = now_ms;
		p |= dir_forward(f, &f->s2c, f->srvc, f->cli, &out);
		if (in || out) {
			f->bytes_c2s += in;
			f->bytes_s2c += out;
			f->cli_act = f->srv_act = now_ms;
			f->fe->ctr[tid].bytes_in += in;
			f->fe->ctr[tid].bytes_out += out;
			f->bk.be->ctr[tid].bytes_in += out;
			f->bk.be->ctr[tid].bytes_out += in;
			if (f->bk.srv) {
				f->bk.srv->ctr[tid].bytes_out += in;
				f->bk.srv->ctr[tid].bytes_in += out;
			}
		}
	} while (p);

	if ((f->cli->flags | f->srvc->flags) & CO_FL_ERROR) {
		f->why = (f->cli->flags & CO_FL_ERROR) ? "client error" : "server error";
		goto end;
	}
	if (f->c2s.shut && f->s2c.shut)
		goto end;

	if (buf_wait_state(&f->bw) == BW_READY)
		buf_wait_cancel(&f->bw);    /* handed over but not needed: pass on */
	exp = tick_first(tick_add(f->cli_act, cli_timeout(f)), tick_add(f->srv_act, srv_timeout(f)));
	if (tick_expired(exp, now_ms)) {
		f->why = "timeout";
		goto end;
	}
	task_schedule(&f->task, tick_first(exp, buf_wait_deadline(&f->bw)));
	return;
end:
	tcp_fwd_free(f);
}

/* "send-proxy[-v2]": the PROXY header goes first, queued in the client to
 * server buffer, which is sent before anything read from the client.
 * Returns 0 or -1 (no buffer). */
static int tcp_queue_proxy_hdr(struct tcp_fwd *f)
{
	char hdr[PROXY_BUILD_MAX];
	int n = proxy_proto_build_conn(f->bk.srv, f->cli, hdr, sizeof(hdr));

	if (n <= 0)
		return n;
	if (b_alloc(&f->c2s.buf) < 0)
		return -1;
	memcpy(b_head(&f->c2s.buf), hdr, (size_t)n);
	f->c2s.buf.data = (uint32_t)n;
	return 0;
}

/* The "tcp" mux's attach (net/mux-t.h): a session on client connection
 * <cli> to a server of the frontend's backend. */
static void tcp_sess_accept_conn(struct listener *li, struct conn *cli)
{
	struct proxy *fe = li->fe, *be = px_select_backend(fe);
	struct tcp_fwd *f;
	struct sockaddr_storage src;
	struct lb_req lr = { .src = NULL };

	if (!be || !(f = tcpf_new(li, fe, be))) {
		conn_free(&cli);
		listener_conn_done(li);
		return;
	}
	conn_set_owner(cli, &f->task);
	f->cli = cli;
	if (f->cli->peer.sa.sa_family != AF_UNIX) {
		memset(&src, 0, sizeof(src));
		memcpy(&src, &f->cli->peer, sizeof(f->cli->peer));
		lr.src = &src;
	}
	tcp_log_open(f);
	be->ctr[tid].requests++;
	if (be_assign(&f->bk, &lr, NULL) < 0) {
		f->why = "no server available";
		tcp_fwd_free(f);
		return;
	}
	if (!(f->bk.flags & BE_F_QUEUED) && tcp_try(f) < 0) {
		tcp_fwd_free(f);
		return;
	}
	task_wakeup(&f->task);
}

/* A byte stream to one server, both ways, for "mode tcp" frontends. */
static const struct mux_ops mux_tcp = {
	.name   = "tcp",
	.mode   = PX_MODE_TCP,
	.flags  = MUX_F_DEFAULT,
	.attach = tcp_sess_accept_conn,
};
MUX_REGISTER(mux_tcp);

void tcp_tunnel_start(struct listener *li, struct proxy *fe, struct be_att *bk,
		      struct conn *cli, struct conn *srvc,
		      struct buffer *c2s, struct buffer *s2c)
{
	struct tcp_fwd *f = tcpf_new(li, fe, bk->be);

	if (!f) {
		conn_free(&cli);
		conn_free(&srvc);
		c2s->data = s2c->data = 0;
		b_release(c2s);
		b_release(s2c);
		be_release(bk);
		listener_conn_done(li);
		return;
	}
	f->tunnel = 1;
	/* the slot moves to the tunnel: it counts until the tunnel closes */
	ASSERT(!(bk->flags & (BE_F_QUEUED | BE_F_RETRY)));
	f->bk.srv = bk->srv;
	f->bk.flags = bk->flags & BE_F_SLOT;
	bk->flags &= ~BE_F_SLOT;
	f->cli = cli;
	f->srvc = srvc;
	conn_set_owner(cli, &f->task);
	conn_set_owner(srvc, &f->task);
	f->c2s.buf = *c2s;
	f->s2c.buf = *s2c;
	memset(c2s, 0, sizeof(*c2s));
	memset(s2c, 0, sizeof(*s2c));
	task_wakeup(&f->task);
}

__attribute__((constructor)) static void tcp_fwd_pool_init(void)
{
	pool_tcpf = pool_create("tcp_fwd", sizeof(struct tcp_fwd));
}
