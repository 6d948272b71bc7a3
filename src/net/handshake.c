/* handshake.c: the PROXY protocol header of "accept-proxy" listeners, read
 * before the connection is handed to a session; and the "accept-proxy"
 * bind option.
 *
 * Life cycle: handshake_start() (the listener accepted; a conn is created
 * with the handshake's task as owner) -> hs_process() on every read event
 * and at the deadline -> either hs_done() (header applied, conn handed to
 * the session's entry point, handshake freed) or hs_fail() (conn closed,
 * counted, logged, listener slot released, handshake freed).
 *
 * Reading exactly the header: the socket is peeked at (recv MSG_PEEK into
 * a per-thread scratch buffer of PROXY_HDR_MAX bytes) until the parser
 * finds a whole header of n bytes, then exactly n bytes are read. What the
 * client sent after the header stays in the socket for the session, which
 * needs no way to take over bytes read ahead. Peeking leaves the bytes in
 * the socket, so with edge-triggered polling only new bytes wake us: each
 * wake-up peeks at everything again (a few hundred bytes at most). */
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/socket.h>

#include "cfg/cfg.h"
#include "core/clock.h"
#include "core/compiler.h"
#include "core/task.h"
#include "core/thread.h"
#include "mem/pool.h"
#include "net/conn.h"
#include "net/handshake.h"
#include "net/listener.h"
#include "net/proxy_proto.h"
#include "proxy/proxy-t.h"
#include "shm/log.h"

#define HS_MAGIC          0x48534b31U
#define HS_TIMEOUT_DEF_MS 5000     /* when the frontend has no "timeout client" */

struct handshake {
	unsigned magic;
	int seen;                    /* bytes were received (not a bare health check) */
	struct task task;
	struct conn *conn;
	struct listener *li;
	handshake_done_f done;
	uint64_t exp;                /* deadline (ms) */
	uint64_t t_start;            /* ms */
};

static struct pool_head *pool_hs;
static __thread char hs_buf[PROXY_HDR_MAX];

static void hs_process(struct task *t, void *ctx);

static void hs_free(struct handshake *hs)
{
	task_cancel(&hs->task);
	hs->magic = 0;
	pool_free(pool_hs, hs);
}

/* A refused connection: Begin, SessOpen (the relaying peer's address),
 * Error "accept-proxy <why>", SessClose, End. */
static void hs_log(const struct handshake *hs, const char *why, const char *end)
{
	SLOG_LINE(l);
	const union conn_addr *a = &hs->conn->peer;
	char ip[64];
	uint32_t vxid;

	if (!slog_active())
		return;
	vxid = slog_vxid();
	slog_begin(vxid, "sess", 0, "PROXY");
	conn_addr_str(a, ip, sizeof(ip));
	slog_puts(&l, ip);
	slog_putc(&l, ' ');
	slog_putu(&l, a->sa.sa_family == AF_INET ? ntohs(a->in4.sin_port) :
		  a->sa.sa_family == AF_INET6 ? ntohs(a->in6.sin6_port) : 0);
	slog_putc(&l, ' ');
	slog_puts(&l, hs->li->fe->id);
	slog_putc(&l, ' ');
	slog_puts(&l, hs->li->name);
	slog_line_end(vxid, SL_TAG_SessOpen, &l);
	slog_printf(vxid, SL_TAG_Error, "accept-proxy %s", why);
	slog_printf(vxid, SL_TAG_SessClose, "%s %llu 0", end,
		    (unsigned long long)(now_ms - hs->t_start));
	slog_end(vxid);
}

/* Close and forget the connection; <end> is the SessClose reason. <why>
 * NULL: not counted nor logged (closed before any byte, or hard stop). */
static void hs_fail(struct handshake *hs, const char *why, const char *end)
{
	struct listener *li = hs->li;

	if (why) {
		li->fe->ctr[tid].denied_conn++;
		hs_log(hs, why, end);
	}
	conn_free(&hs->conn);
	listener_conn_done(li);
	hs_free(hs);
}

static void hs_apply(struct conn *c, const struct proxy_hdr *h)
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

static void hs_process(struct task *t, void *ctx)
{
	struct handshake *hs = ctx;
	struct conn *c;
	struct listener *li;
	handshake_done_f done;
	struct proxy_hdr h;
	const char *why = "invalid header";
	ssize_t n;
	int r;

	CHECK_OBJ(hs, HS_MAGIC);
	c = hs->conn;
	if (is_killed()) {
		hs_fail(hs, NULL, NULL);
		return;
	}
	do {
		n = recv(c->fdh.fd, hs_buf, sizeof(hs_buf), MSG_PEEK);
	} while (n < 0 && errno == EINTR);
	if (n < 0 && errno != EAGAIN) {
		hs_fail(hs, "read error", "error");
		return;
	}
	if (n == 0) {
		/* end of stream with nothing pending: since peeked bytes stay
		 * pending, nothing was ever sent (a TCP health check) */
		hs_fail(hs, NULL, NULL);
		return;
	}
	if (n > 0) {
		hs->seen = 1;
		r = proxy_proto_parse(hs_buf, (size_t)n, &h, &why);
		if (r < 0) {
			hs_fail(hs, why, "bad PROXY header");
			return;
		}
		if (r > 0) {
			/* the same bytes again, consumed this time */
			do {
				n = recv(c->fdh.fd, hs_buf, (size_t)r, 0);
			} while (n < 0 && errno == EINTR);
			if (n != r) {
				hs_fail(hs, "read error", "error");
				return;
			}
			hs_apply(c, &h);
			li = hs->li;
			done = hs->done;
			hs->conn = NULL;
			hs_free(hs);
			done(li, c);
			return;
		}
		/* incomplete, and a FIN or an error after it: it stays so */
		if (c->flags & (CO_FL_PEER_HUP | CO_FL_ERROR)) {
			hs_fail(hs, "connection closed in the header", "closed");
			return;
		}
	}
	if (tick_expired(hs->exp, now_ms)) {
		hs_fail(hs, hs->seen ? "timeout in the header" : "timeout before the header",
			"timeout");
		return;
	}
	task_schedule(&hs->task, hs->exp);
}

void handshake_start(struct listener *li, int fd, const struct sockaddr_storage *peer,
		     handshake_done_f done)
{
	struct handshake *hs = pool_alloc(pool_hs);
	unsigned tmo = li->fe->timeout.client ? li->fe->timeout.client : HS_TIMEOUT_DEF_MS;

	if (!hs) {
		close(fd);
		listener_conn_done(li);
		return;
	}
	memset(hs, 0, sizeof(*hs));
	hs->magic = HS_MAGIC;
	hs->li = li;
	hs->done = done;
	hs->t_start = now_ms;
	hs->exp = tick_add(now_ms, tmo);
	task_init(&hs->task, hs_process, hs);
	hs->conn = conn_new_accepted(fd, peer, &hs->task);
	if (!hs->conn) {
		listener_conn_done(li);
		hs_free(hs);
		return;
	}
	/* the header usually came with the connection: look now */
	task_wakeup(&hs->task);
}

/* "accept-proxy": every connection starts with a PROXY protocol header
 * (v1 or v2), which gives the client's address. */
static int bind_kw_accept_proxy(struct cfg_ctx *ctx, struct listener *li, char **args)
{
	li->options |= LI_O_ACCEPT_PROXY;
	return 0;
}

static const struct bind_kw hs_bind_kws[] = {
	{ "accept-proxy", 0, "accept-proxy", bind_kw_accept_proxy },
	{ .kw = NULL }
};
BIND_REGISTER_KEYWORDS(hs_bind_kws);

__attribute__((constructor)) static void hs_pool_init(void)
{
	pool_hs = pool_create("handshake", sizeof(struct handshake));
}
