/* conn.c: connections on sockets, and the registry of transports (the raw
 * one is in xprt_raw.c).
 *
 * Life cycle of a connection: conn_new_accepted() or conn_new_connect*()
 * (a socket, the raw transport, registered in this thread's poller) ->
 * conn_xprt_set() when another transport applies (its init) -> I/O by
 * the owner task -> conn_free() (the transport's close, then the socket
 * closes). conn_takeover() moves the socket and the transport's context
 * to a new connection of another thread; the old one ends without both. */
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include "net/conn.h"
#include "net/source_cfg.h"
#include "core/task.h"
#include "core/thread.h"
#include "mem/pool.h"

static struct pool_head *pool_conn;
static struct xprt_reg *xprt_regs;

void xprt_register(struct xprt_reg *r)
{
	const struct xprt_ops *o = r->ops;

	BUG_ON(!o->name || !o->rcv_buf || !o->snd_buf);
	/* splice goes both ways or not at all (conn_can_splice() asks the
	 * reading and the writing side, each of its own connection) */
	BUG_ON(!o->rcv_pipe != !o->snd_pipe);
	BUG_ON(xprt_find(o->name));
	r->next = xprt_regs;
	xprt_regs = r;
}

const struct xprt_ops *xprt_find(const char *name)
{
	for (struct xprt_reg *r = xprt_regs; r; r = r->next)
		if (strcmp(r->ops->name, name) == 0)
			return r->ops;
	return NULL;
}

void xprt_print_names(FILE *f)
{
	const char *last = "";

	/* sorted by name without a copy: a handful of entries */
	for (;;) {
		const struct xprt_ops *o = NULL;
		int n = 0;

		for (struct xprt_reg *r = xprt_regs; r; r = r->next)
			if (strcmp(r->ops->name, last) > 0 && (!o || strcmp(r->ops->name, o->name) < 0))
				o = r->ops;
		if (!o)
			break;
		fprintf(f, "%s%s", *last ? ", " : "", o->name);
		if (o->handshake || o->alpn || o->rcv_pipe) {
			fputs(" (", f);
			if (o->handshake)
				fprintf(f, "%shandshake", n++ ? ", " : "");
			if (o->alpn)
				fprintf(f, "%salpn", n++ ? ", " : "");
			if (o->rcv_pipe)
				fprintf(f, "%ssplice", n++ ? ", " : "");
			fputc(')', f);
		}
		last = o->name;
	}
}

__attribute__((constructor)) static void conn_pool_init(void)
{
	pool_conn = pool_create("conn", sizeof(struct conn));
}

/* Poller callback: record readiness and wake the owner. */
static void conn_fd_cb(struct fd_handler *h, uint32_t ev)
{
	struct conn *c = container_of(h, struct conn, fdh);

	if (ev & EPOLLIN)
		c->flags |= CO_FL_RD_READY;
	if (ev & EPOLLOUT)
		c->flags |= CO_FL_WR_READY;
	if (ev & (EPOLLRDHUP | EPOLLHUP))
		c->flags |= CO_FL_PEER_HUP | CO_FL_RD_READY;
	if (ev & EPOLLERR)
		c->flags |= CO_FL_ERROR | CO_FL_RD_READY | CO_FL_WR_READY;
	if (c->owner)
		task_wakeup(c->owner);
}

static struct conn *conn_alloc(int fd, struct task *owner)
{
	struct conn *c = pool_alloc(pool_conn);

	if (!c)
		return NULL;
	memset(c, 0, offsetof(struct conn, peer));
	c->magic = CONN_MAGIC;
	c->fdh.fd = fd;
	c->fdh.cb = conn_fd_cb;
	c->xprt = &xprt_raw;
	c->owner = owner;
	list_init(&c->idle);
	list_init(&c->th_idle);
	return c;
}

struct conn *conn_new_accepted(int fd, const struct sockaddr_storage *peer, struct task *owner)
{
	struct conn *c = conn_alloc(fd, owner);

	if (!c) {
		close(fd);
		return NULL;
	}
	if (peer->ss_family == AF_INET || peer->ss_family == AF_INET6) {
		int one = 1;

		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	}
	if (peer->ss_family == AF_INET6)
		memcpy(&c->peer.in6, peer, sizeof(c->peer.in6));
	else if (peer->ss_family == AF_INET)
		memcpy(&c->peer.in4, peer, sizeof(c->peer.in4));
	else
		c->peer.sa.sa_family = peer->ss_family;
	/* Data usually arrives with the connection: try reading first. */
	c->flags = CO_FL_RD_READY | CO_FL_WR_READY;
	if (fd_register(&c->fdh, EPOLLIN | EPOLLOUT | EPOLLRDHUP) < 0) {
		close(fd);
		pool_free(pool_conn, c);
		return NULL;
	}
	th->nb_conns++;
	return c;
}

struct conn *conn_new_connect(const struct sockaddr_storage *addr, socklen_t alen, struct task *owner)
{
	return conn_new_connect_src(addr, alen, NULL, owner);
}

struct conn *conn_new_connect_src(const struct sockaddr_storage *addr, socklen_t alen,
				  struct source_cfg *src, struct task *owner)
{
	struct conn *c;
	int fd, one = 1, err;

	fd = socket(addr->ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return NULL;
	if (addr->ss_family != AF_UNIX)
		setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	if (src && addr->ss_family != AF_UNIX && source_apply(fd, src) < 0) {
		err = errno;
		close(fd);
		errno = err;
		return NULL;
	}
	c = conn_alloc(fd, owner);
	if (!c) {
		close(fd);
		errno = ENOMEM;
		return NULL;
	}
	c->flags = CO_FL_SERVER;
	if (connect(fd, (const struct sockaddr *)addr, alen) < 0) {
		if (errno != EINPROGRESS) {
			err = errno;
			close(fd);
			pool_free(pool_conn, c);
			errno = err;
			return NULL;
		}
		c->flags |= CO_FL_CONNECTING;
	} else {
		c->flags |= CO_FL_WR_READY;
	}
	if (fd_register(&c->fdh, EPOLLIN | EPOLLOUT | EPOLLRDHUP) < 0) {
		err = errno;
		close(fd);
		pool_free(pool_conn, c);
		errno = err;
		return NULL;
	}
	th->nb_conns++;
	return c;
}

struct conn *conn_takeover(struct conn *old, int from_epfd, struct task *owner)
{
	struct conn *c;
	int fd = old->fdh.fd;
	char b;

	CHECK_OBJ(old, CONN_MAGIC);
	ASSERT(fd >= 0);
	/* out of the old thread's poller first: from now on it gets no event
	 * for this socket, only ones it had already collected (on <old>) */
	epoll_ctl(from_epfd, EPOLL_CTL_DEL, fd, NULL);
	c = conn_alloc(fd, owner);
	if (!c) {
		/* the socket ends here: so does the transport's state */
		if (old->xprt->close)
			old->xprt->close(old);
		old->xprt_ctx = NULL;
		old->fdh.fd = -1;
		close(fd);
		return NULL;
	}
	old->fdh.fd = -1;
	c->flags = old->flags;
	c->xprt = old->xprt;
	c->xprt_ctx = old->xprt_ctx;   /* the transport's state goes with the socket */
	old->xprt_ctx = NULL;
	c->nb_req = old->nb_req;
	c->srv = old->srv;
	c->peer = old->peer;
	th->nb_conns++;
	/* an event the old thread did not handle yet may have said that the
	 * server closed it or spoke out of turn: look before handing it out */
	if (recv(fd, &b, 1, MSG_PEEK | MSG_DONTWAIT) >= 0 ||
	    (errno != EAGAIN && errno != EWOULDBLOCK) ||
	    fd_register(&c->fdh, EPOLLIN | EPOLLOUT | EPOLLRDHUP) < 0) {
		conn_free(&c);
		return NULL;
	}
	return c;
}

int conn_connect_check(struct conn *c)
{
	int err = 0;
	socklen_t len = sizeof(err);

	if (!(c->flags & CO_FL_CONNECTING))
		return 1;
	if (!(c->flags & (CO_FL_WR_READY | CO_FL_ERROR | CO_FL_PEER_HUP)))
		return 0;
	if (getsockopt(c->fdh.fd, SOL_SOCKET, SO_ERROR, &err, &len) < 0)
		err = errno;
	if (err == EINPROGRESS || err == EALREADY)
		return 0;
	if (err) {
		errno = err;
		c->flags |= CO_FL_ERROR;
		return -1;
	}
	c->flags &= ~CO_FL_CONNECTING;
	c->flags |= CO_FL_WR_READY;
	return 1;
}

int conn_xprt_set(struct conn *c, const struct xprt_ops *xprt)
{
	CHECK_OBJ(c, CONN_MAGIC);
	ASSERT(c->xprt == &xprt_raw && !c->xprt_ctx);
	c->xprt = xprt;
	if (xprt->init && xprt->init(c) < 0) {
		c->xprt = &xprt_raw;
		c->xprt_ctx = NULL;
		return -1;
	}
	return 0;
}

void conn_free(struct conn **pc)
{
	struct conn *c = *pc;

	if (!c)
		return;
	CHECK_OBJ(c, CONN_MAGIC);
	if (list_inlist(&c->idle))
		list_del_init(&c->idle);
	if (list_inlist(&c->th_idle))
		list_del_init(&c->th_idle);
	if (c->fdh.fd >= 0) {           /* -1: its socket was taken over */
		if (c->xprt->close)
			c->xprt->close(c);
		close(c->fdh.fd);
	}
	c->magic = 0;
	pool_free(pool_conn, c);
	th->nb_conns--;
	*pc = NULL;
}

void conn_set_owner(struct conn *c, struct task *owner)
{
	c->owner = owner;
	c->fdh.cb = conn_fd_cb;
}

void conn_shutw(struct conn *c)
{
	if (!(c->flags & CO_FL_WR_SH)) {
		c->flags |= CO_FL_WR_SH;
		if (c->xprt->shutw)
			c->xprt->shutw(c);
	}
}

/* Dotted IPv4 without inet_ntop's sprintf: this runs for every request
 * (X-Forwarded-For, log records). dst has room for 16 bytes. */
static void ipv4_str(const unsigned char *a, char *dst)
{
	char *p = dst;

	for (int i = 0; i < 4; i++) {
		unsigned v = a[i];

		if (v >= 100)
			*p++ = (char)('0' + v / 100);
		if (v >= 10)
			*p++ = (char)('0' + v / 10 % 10);
		*p++ = (char)('0' + v % 10);
		*p++ = i < 3 ? '.' : '\0';
	}
}

void conn_addr_str(const void *addr, char *dst, size_t len)
{
	const struct sockaddr_storage *ss = addr;

	if (len >= 16 && ss->ss_family == AF_INET) {
		ipv4_str((const unsigned char *)&((const struct sockaddr_in *)ss)->sin_addr, dst);
		return;
	}
	if (len >= 16 && ss->ss_family == AF_INET6 &&
	    IN6_IS_ADDR_V4MAPPED(&((const struct sockaddr_in6 *)ss)->sin6_addr)) {
		ipv4_str(&((const struct sockaddr_in6 *)ss)->sin6_addr.s6_addr[12], dst);
		return;
	}

	if (ss->ss_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)ss)->sin_addr, dst, len);
	else if (ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *s6 = (const struct sockaddr_in6 *)ss;

		/* v4-mapped addresses are shown as IPv4, as HAProxy does */
		if (IN6_IS_ADDR_V4MAPPED(&s6->sin6_addr))
			inet_ntop(AF_INET, &s6->sin6_addr.s6_addr[12], dst, len);
		else
			inet_ntop(AF_INET6, &s6->sin6_addr, dst, len);
	} else
		snprintf(dst, len, "unix");
}
