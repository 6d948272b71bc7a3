/* conn.h: connection life cycle and I/O on the owning thread. */
#ifndef SLUICE_NET_CONN_H
#define SLUICE_NET_CONN_H

#include <stdio.h>
#include "net/conn-t.h"

/* ------------------------------------------------------------ transports */

/* The clear-text transport (net/xprt_raw.c): every new connection has it
 * until conn_xprt_set() gives it another. */
extern const struct xprt_ops xprt_raw;

/* A registration, made from the transport's own file. */
struct xprt_reg {
	const struct xprt_ops *ops;
	struct xprt_reg *next;
};
/* Before main() (constructors); checks the required members. */
void xprt_register(struct xprt_reg *r);
/* The transport named <name>, or NULL. */
const struct xprt_ops *xprt_find(const char *name);
/* The registered transports, sorted, comma-separated, each with the
 * optional members it has in parentheses: "raw (splice)". */
void xprt_print_names(FILE *f);

#define XPRT_REGISTER(ops_)                                                 \
	static struct xprt_reg xprt_reg_##ops_ = { .ops = &(ops_) };        \
	__attribute__((constructor)) static void xprt_reg_fn_##ops_(void)   \
	{ xprt_register(&xprt_reg_##ops_); }

/* ----------------------------------------------------------- connections */

/* Wrap an accepted, non-blocking fd; registers it in this thread's poller.
 * Returns NULL (fd closed) on failure. */
struct conn *conn_new_accepted(int fd, const struct sockaddr_storage *peer, struct task *owner);
/* Start a non-blocking connect to addr. NULL on immediate failure (errno set). */
struct conn *conn_new_connect(const struct sockaddr_storage *addr, socklen_t alen, struct task *owner);
/* The same, bound first to the local address <src> ("source", see
 * net/source_cfg.h; NULL: the kernel chooses). A server connection is
 * opened with conn_new_connect_src(&srv->addr, srv->addrlen, srv->source,
 * task). */
struct source_cfg;
struct conn *conn_new_connect_src(const struct sockaddr_storage *addr, socklen_t alen,
				  struct source_cfg *src, struct task *owner);
/* Give <c> (new, its transport still raw) the transport <xprt> and run
 * its init. Returns 0, or -1 when init failed: <c> keeps the raw
 * transport and no context, and the caller frees it. */
int conn_xprt_set(struct conn *c, const struct xprt_ops *xprt);
/* Releases the transport's context (xprt->close), closes the socket and
 * frees the conn; clears *pc. NULL *pc: nothing. */
void conn_free(struct conn **pc);

/* Moves the socket of <old>, an idle server connection registered in the
 * poller <from_epfd> of another thread, into a new connection owned by the
 * calling thread and <owner>, with its transport and the transport's
 * context. <old> keeps fd -1 and no context and stays allocated: its
 * thread may still hold an event for it and must free it itself (after its
 * current batch of events). Returns NULL (the socket closed) when the
 * server already closed the connection or sent unrequested bytes, or on
 * lack of memory. */
struct conn *conn_takeover(struct conn *old, int from_epfd, struct task *owner);
/* Check a pending connect: 1 established, 0 still pending, -1 failed. */
int conn_connect_check(struct conn *c);

static inline ssize_t conn_recv(struct conn *c, char *dst, size_t len)
{
	return c->xprt->rcv_buf(c, dst, len);
}
static inline ssize_t conn_send(struct conn *c, const char *src, size_t len, int more)
{
	return c->xprt->snd_buf(c, src, len, more);
}
void conn_shutw(struct conn *c);

/* Whether bytes may go from <src> to <dst> through a pipe: both
 * transports move bytes as they are (rcv_pipe on <src>, snd_pipe on
 * <dst>). Asked once per direction, before the first pipe is made: the
 * I/O calls that follow do not check again. */
static inline int conn_can_splice(const struct conn *src, const struct conn *dst)
{
	return src->xprt->rcv_pipe && dst->xprt->snd_pipe;
}
static inline ssize_t conn_rcv_pipe(struct conn *c, int pipe_wr, size_t len)
{
	return c->xprt->rcv_pipe(c, pipe_wr, len);
}
static inline ssize_t conn_snd_pipe(struct conn *c, int pipe_rd, size_t len)
{
	return c->xprt->snd_pipe(c, pipe_rd, len);
}
/* Hand the connection to a new owner task and restore the I/O callback
 * (after it was parked idle with a callback of its own). */
void conn_set_owner(struct conn *c, struct task *owner);

/* Format the peer address ("1.2.3.4", "::1", "unix") into dst. */
void conn_addr_str(const void *sockaddr, char *dst, size_t len);

#endif
