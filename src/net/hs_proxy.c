/* hs_proxy.c: the handshake step of "accept-proxy" listeners: the PROXY
 * protocol header (v1 or v2) read before anything else on the connection,
 * which gives the client's address; and the "accept-proxy" bind keyword
 * that puts the step on a listener's chain.
 *
 * Reading exactly the header: the socket is peeked at (recv MSG_PEEK into
 * a per-thread scratch buffer of PROXY_HDR_MAX bytes) until the parser
 * finds a whole header of n bytes, then exactly n bytes are read. What the
 * client sent after the header stays in the socket for the next step (the
 * transport's handshake) or the mux, which need no way to take over bytes
 * read ahead. Peeking leaves the bytes in the socket, so with
 * edge-triggered polling only new bytes wake us: each wake-up peeks at
 * everything again (a few hundred bytes at most). The step reads the
 * socket itself, below the transport: the header is never encrypted. */
#include <errno.h>
#include <string.h>
#include <sys/socket.h>

#include "cfg/cfg.h"
#include "net/conn.h"
#include "net/handshake.h"
#include "net/proxy_proto.h"

static __thread char hs_buf[PROXY_HDR_MAX];

/* The connection's peer becomes the header's source, unless the header
 * carries none (LOCAL, UNKNOWN). */
static void hs_proxy_apply(struct conn *c, const struct proxy_hdr *h)
{
	if (h->local)
		return;
	memset(&c->peer, 0, sizeof(c->peer));
	if (h->src.ss_family == AF_INET)
		memcpy(&c->peer.in4, &h->src, sizeof(c->peer.in4));
	else if (h->src.ss_family == AF_INET6)
		memcpy(&c->peer.in6, &h->src, sizeof(c->peer.in6));
	else
		c->peer.sa.sa_family = h->src.ss_family;  /* AF_UNIX: no address kept */
}

static int hs_proxy_run(struct handshake *hs)
{
	struct conn *c = hs->conn;
	struct proxy_hdr h;
	const char *why = "invalid header";
	ssize_t n;
	int r;

	do {
		n = recv(c->fdh.fd, hs_buf, sizeof(hs_buf), MSG_PEEK);
	} while (n < 0 && errno == EINTR);
	if (n < 0) {
		if (errno == EAGAIN)
			return 0;
		hs->why = "read error";
		hs->end = "error";
		return -1;
	}
	if (n == 0) {
		/* end of stream with nothing pending: since peeked bytes stay
		 * pending, nothing was ever sent (a TCP health check) */
		return -1;
	}
	hs->seen = 1;
	r = proxy_proto_parse(hs_buf, (size_t)n, &h, &why);
	if (r < 0) {
		hs->why = why;
		hs->end = "bad PROXY header";
		return -1;
	}
	if (r == 0) {
		/* incomplete, and a FIN or an error after it: it stays so */
		if (c->flags & (CO_FL_PEER_HUP | CO_FL_ERROR)) {
			hs->why = "connection closed in the header";
			hs->end = "closed";
			return -1;
		}
		return 0;
	}
	/* the same bytes again, consumed this time */
	do {
		n = recv(c->fdh.fd, hs_buf, (size_t)r, 0);
	} while (n < 0 && errno == EINTR);
	if (n != r) {
		hs->why = "read error";
		hs->end = "error";
		return -1;
	}
	hs_proxy_apply(c, &h);
	return 1;
}

static const struct hs_step hs_step_proxy = {
	.name       = "accept-proxy",
	.sess       = "PROXY",
	.run        = hs_proxy_run,
	.tmo_before = "timeout before the header",
	.tmo_in     = "timeout in the header",
};

/* "accept-proxy": every connection starts with a PROXY protocol header
 * (v1 or v2), which gives the client's address. */
static int bind_kw_accept_proxy(struct cfg_ctx *ctx, struct listener *li, char **args)
{
	if (handshake_add_step(li, &hs_step_proxy) < 0)
		return cfg_alert(ctx, "'accept-proxy': too many handshake steps on this bind line");
	return 0;
}

static const struct bind_kw hs_proxy_bind_kws[] = {
	{ "accept-proxy", 0, "accept-proxy", bind_kw_accept_proxy },
	{ .kw = NULL }
};
BIND_REGISTER_KEYWORDS(hs_proxy_bind_kws);
