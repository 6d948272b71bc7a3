/* handshake.c: the handshake chain of a listener, run on each accepted
 * connection before a mux gets it, and its last step: the transport's
 * own handshake. The PROXY header step lives in hs_proxy.c.
 *
 * Life cycle: handshake_start() (the listener accepted; a conn is created
 * with the chain's task as owner and the listener's transport) ->
 * hs_process() on every I/O event and at the deadline runs the current
 * step until it waits, then the next... -> either hs_done() (the conn
 * handed to the done callback, the chain freed) or hs_fail() (conn
 * closed, counted, logged, listener slot released, chain freed). */
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>

#include "cfg/cfg.h"
#include "core/clock.h"
#include "core/compiler.h"
#include "core/task.h"
#include "core/thread.h"
#include "mem/pool.h"
#include "net/conn.h"
#include "net/handshake.h"
#include "net/listener.h"
#include "proxy/proxy-t.h"
#include "shm/log.h"

#define HS_TIMEOUT_DEF_MS 5000     /* when the frontend has no "timeout client" */

static struct pool_head *pool_hs;

int handshake_add_step(struct listener *li, const struct hs_step *step)
{
	ASSERT(step->name && step->run && step->tmo_before && step->tmo_in);
	for (unsigned i = 0; i < li->nb_hs; i++)
		if (li->hs[i] == step)
			return 0;
	if (li->nb_hs >= LI_HS_MAX)
		return -1;
	li->hs[li->nb_hs++] = step;
	return 0;
}

static void hs_free(struct handshake *hs)
{
	task_cancel(&hs->task);
	hs->magic = 0;
	pool_free(pool_hs, hs);
}

/* A refused connection: Begin, SessOpen (the address it came from, or the
 * one a PROXY header gave), Error "<step> <why>", SessClose, End. */
static void hs_log(const struct handshake *hs, const struct hs_step *st, const char *why,
		   const char *end)
{
	SLOG_LINE(l);
	const union conn_addr *a = &hs->conn->peer;
	char ip[64];
	uint32_t vxid;

	if (!slog_active())
		return;
	vxid = slog_vxid();
	slog_begin(vxid, "sess", 0, st->sess ? st->sess : hs->conn->xprt->name);
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
	slog_printf(vxid, SL_TAG_Error, "%s %s", st->name, why);
	slog_printf(vxid, SL_TAG_SessClose, "%s %llu 0", end,
		    (unsigned long long)(now_ms - hs->t_start));
	slog_end(vxid);
}

/* Close and forget the connection refused by step <st>; <end> is the
 * SessClose reason. <why> NULL: not counted nor logged (closed before any
 * byte, hard stop, no memory). */
static void hs_fail(struct handshake *hs, const struct hs_step *st, const char *why,
		    const char *end)
{
	struct listener *li = hs->li;

	if (why) {
		li->fe->ctr[tid].denied_conn++;
		hs_log(hs, st, why, end);
	}
	conn_free(&hs->conn);
	listener_conn_done(li);
	hs_free(hs);
}

static void hs_done(struct handshake *hs)
{
	struct listener *li = hs->li;
	handshake_done_f done = hs->done;
	struct conn *c = hs->conn;

	hs->conn = NULL;
	hs_free(hs);
	done(li, c);
}

static void hs_process(struct task *t, void *ctx)
{
	struct handshake *hs = ctx;
	const struct hs_step *st;
	struct listener *li;
	int r;

	CHECK_OBJ(hs, HS_MAGIC);
	li = hs->li;
	if (is_killed()) {
		hs_fail(hs, NULL, NULL, NULL);
		return;
	}
	for (; hs->step < li->nb_hs; hs->step++) {
		st = li->hs[hs->step];
		hs->why = hs->end = NULL;
		r = st->run(hs);
		if (r < 0) {
			hs_fail(hs, st, hs->why, hs->end);
			return;
		}
		if (r == 0) {
			if (tick_expired(hs->exp, now_ms)) {
				hs_fail(hs, st, hs->seen ? st->tmo_in : st->tmo_before, "timeout");
				return;
			}
			task_schedule(&hs->task, hs->exp);
			return;
		}
	}
	hs_done(hs);
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
	if (!hs->conn || (li->xprt != &xprt_raw && conn_xprt_set(hs->conn, li->xprt) < 0)) {
		conn_free(&hs->conn);
		listener_conn_done(li);
		hs_free(hs);
		return;
	}
	/* the first bytes usually came with the connection: look now */
	task_wakeup(&hs->task);
}

/* ---- the transport's own handshake, the chain's last step ---- */

/* A failure the transport marks with CO_FL_ERROR is counted; without it
 * (only the end of the stream before any byte) the client connected and
 * left, as a TCP health check does. */
static int hs_xprt_run(struct handshake *hs)
{
	struct conn *c = hs->conn;
	int r = c->xprt->handshake(c);

	if (r < 0 && (c->flags & CO_FL_ERROR)) {
		hs->why = "failed";
		hs->end = "error";
	}
	return r;
}

static const struct hs_step hs_step_xprt = {
	.name       = "handshake",
	.sess       = NULL,                 /* the transport's name */
	.run        = hs_xprt_run,
	.tmo_before = "timeout",            /* which bytes came is the transport's */
	.tmo_in     = "timeout",
};

/* After the bind keywords: a transport with a handshake closes the chain
 * of each listener that uses it. */
static int hs_chain_check(void)
{
	int ret = 0;

	for (struct proxy *px = proxies_list; px; px = px->next) {
		struct list *it, *bk;

		list_for_each_safe(it, bk, &px->listeners) {
			struct listener *li = list_elem(it, struct listener, list);

			if (!li->xprt->handshake)
				continue;
			if (handshake_add_step(li, &hs_step_xprt) < 0)
				ret = cfg_alert_at(li->conf_file, li->conf_line,
						   "'bind %s': too many handshake steps (max %d)",
						   li->name, LI_HS_MAX);
		}
	}
	return ret;
}
CFG_REGISTER_POSTPARSER(handshake, CFG_POST_LISTENER + 1, hs_chain_check);

__attribute__((constructor)) static void hs_pool_init(void)
{
	pool_hs = pool_create("handshake", sizeof(struct handshake));
}
