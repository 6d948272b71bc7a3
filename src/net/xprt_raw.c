/* xprt_raw.c: the raw (clear text) transport: recv/send and splice on the
 * socket, with the readiness rules of edge-triggered polling (conn-t.h). */
#include <errno.h>
#include <fcntl.h>
#include <sys/socket.h>
#include "net/conn.h"

static ssize_t raw_rcv_buf(struct conn *c, char *dst, size_t len)
{
	ssize_t r;

	if (!(c->flags & CO_FL_RD_READY) || (c->flags & (CO_FL_RD_SH | CO_FL_ERROR)) || !len)
		return 0;
	do {
		r = recv(c->fdh.fd, dst, len, 0);
	} while (r < 0 && errno == EINTR);
	if (r > 0) {
		/* A short read on a stream socket means it is drained, unless
		 * the peer's FIN/RST is pending (then reading again reports it). */
		if ((size_t)r < len && !(c->flags & CO_FL_PEER_HUP))
			c->flags &= ~CO_FL_RD_READY;
		return r;
	}
	if (r == 0)
		c->flags |= CO_FL_RD_SH;
	else if (errno == EAGAIN)
		c->flags &= ~CO_FL_RD_READY;
	else
		c->flags |= CO_FL_ERROR;
	return 0;
}

static ssize_t raw_snd_buf(struct conn *c, const char *src, size_t len, int more)
{
	ssize_t r;

	if (!(c->flags & CO_FL_WR_READY) || (c->flags & (CO_FL_WR_SH | CO_FL_ERROR)) || !len)
		return 0;
	do {
		r = send(c->fdh.fd, src, len, MSG_NOSIGNAL | (more ? MSG_MORE : 0));
	} while (r < 0 && errno == EINTR);
	if (r > 0) {
		if ((size_t)r < len)
			c->flags &= ~CO_FL_WR_READY;
		return r;
	}
	if (r < 0 && errno == EAGAIN)
		c->flags &= ~CO_FL_WR_READY;
	else
		c->flags |= CO_FL_ERROR;
	return 0;
}

static ssize_t raw_rcv_pipe(struct conn *c, int pipe_wr, size_t len)
{
	ssize_t r;

	if (!(c->flags & CO_FL_RD_READY) || (c->flags & (CO_FL_RD_SH | CO_FL_ERROR)))
		return 0;
	r = splice(c->fdh.fd, NULL, pipe_wr, NULL, len, SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
	if (r > 0)
		return r;
	if (r == 0)
		c->flags |= CO_FL_RD_SH;
	else if (errno == EAGAIN) {
		/* Either the socket is drained or the pipe is full: the caller
		 * tells them apart by the pipe's fill level. */
		c->flags &= ~CO_FL_RD_READY;
	} else
		c->flags |= CO_FL_ERROR;
	return 0;
}

static ssize_t raw_snd_pipe(struct conn *c, int pipe_rd, size_t len)
{
	ssize_t r;

	if (!(c->flags & CO_FL_WR_READY) || (c->flags & (CO_FL_WR_SH | CO_FL_ERROR)))
		return 0;
	r = splice(pipe_rd, NULL, c->fdh.fd, NULL, len, SPLICE_F_MOVE | SPLICE_F_NONBLOCK);
	if (r > 0) {
		if ((size_t)r < len)
			c->flags &= ~CO_FL_WR_READY;
		return r;
	}
	if (r < 0 && errno == EAGAIN)
		c->flags &= ~CO_FL_WR_READY;
	else if (r < 0)
		c->flags |= CO_FL_ERROR;
	return 0;
}

static void raw_shutw(struct conn *c)
{
	shutdown(c->fdh.fd, SHUT_WR);
}

/* No context, no handshake, no ALPN: bytes go as they are, so they may
 * also go through pipes. */
const struct xprt_ops xprt_raw = {
	.name     = "raw",
	.rcv_buf  = raw_rcv_buf,
	.snd_buf  = raw_snd_buf,
	.rcv_pipe = raw_rcv_pipe,
	.snd_pipe = raw_snd_pipe,
	.shutw    = raw_shutw,
};

XPRT_REGISTER(xprt_raw);
