/* conn.h: connection life cycle and I/O on the owning thread. */
#ifndef SLUICE_NET_CONN_H
#define SLUICE_NET_CONN_H

#include "net/conn-t.h"

extern const struct xprt_ops xprt_raw;

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
/* Closes the socket and frees the conn; clears *pc. */
void conn_free(struct conn **pc);

/* Moves the socket of <old>, an idle server connection registered in the
 * poller <from_epfd> of another thread, into a new connection owned by the
 * calling thread and <owner>. <old> keeps fd -1 and stays allocated: its
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
/* Hand the connection to a new owner task and restore the I/O callback
 * (after it was parked idle with a callback of its own). */
void conn_set_owner(struct conn *c, struct task *owner);

/* Format the peer address ("1.2.3.4", "::1", "unix") into dst. */
void conn_addr_str(const void *sockaddr, char *dst, size_t len);

#endif
