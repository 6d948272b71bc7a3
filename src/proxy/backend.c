/* backend.c: the server side of an exchange, for HTTP streams and TCP
 * sessions alike: choice, maxconn slots and queues, connect, retries and
 * redispatch. Slots are what leastconn counts (srv->cur_sess), so a TCP
 * session and a tunnel weigh as much as an HTTP exchange while they last. */
#include <errno.h>
#include <string.h>
#include "proxy/backend.h"
#include "proxy/proxy-t.h"
#include "lb/lb.h"
#include "lb/server-t.h"
#include "net/conn.h"
#include "core/task.h"
#include "core/clock.h"

void be_init(struct be_att *a, struct proxy *be, struct task *owner)
{
	*a = (struct be_att){ .be = be };
	a->pc.task = owner;
	a->pc.tid = tid;
}

static void take(struct be_att *a, struct server *srv)
{
	a->srv = srv;
	a->flags |= BE_F_SLOT;
	srv->ctr[tid].requests++;
}

int be_assign(struct be_att *a, const struct lb_req *lr, struct server *avoid)
{
	struct proxy *be = a->be;
	struct server *srv = NULL;

	ASSERT(!(a->flags & (BE_F_SLOT | BE_F_QUEUED)));
	for (unsigned n = 0; n <= be->nb_srv; n++) {
		srv = lb_pick(be, lr);
		if (!srv)
			break;
		if (srv == avoid && n < be->nb_srv)
			continue;
		if (srv_take_slot(srv)) {
			take(a, srv);
			return 0;
		}
	}
	if (!srv) {
		be->ctr[tid].no_srv++;
		return -1;
	}
	/* all full: wait for a slot on any server */
	a->srv = NULL;
	queue_add(be, NULL, &a->pc);
	a->flags |= BE_F_QUEUED;
	return 0;
}

int be_assign_to(struct be_att *a, struct server *srv)
{
	ASSERT(!(a->flags & (BE_F_SLOT | BE_F_QUEUED)));
	if (srv_take_slot(srv)) {
		take(a, srv);
		return 0;
	}
	if (queue_add(a->be, srv, &a->pc) < 0)
		return -1;
	a->flags |= BE_F_QUEUED;
	return 0;
}

int be_granted(struct be_att *a)
{
	struct server *srv;

	if (!(a->flags & BE_F_QUEUED) || !(srv = queue_granted(&a->pc)))
		return 0;
	a->flags &= ~(BE_F_QUEUED | BE_F_RETRY);
	take(a, srv);
	return 1;
}

static unsigned queue_timeout(const struct proxy *be)
{
	return be->timeout.queue ? be->timeout.queue : be->timeout.connect;
}

int be_queue_expired(const struct be_att *a)
{
	return (a->flags & BE_F_QUEUED) &&
	       tick_expired(tick_add(a->pc.since, queue_timeout(a->be)), now_ms);
}

void be_release(struct be_att *a)
{
	if (a->flags & BE_F_QUEUED)
		queue_cancel(a->be, &a->pc);
	if (a->flags & BE_F_SLOT)
		srv_release_slot(a->srv);
	a->flags &= ~(BE_F_QUEUED | BE_F_SLOT);
}

struct conn *be_connect(struct be_att *a, struct task *owner)
{
	struct server *srv = a->srv;
	struct conn *c;

	ASSERT(srv);
	c = conn_new_connect_src(&srv->addr, srv->addrlen, srv->source, owner);
	if (!c)
		return NULL;
	c->srv = srv;
	srv->ctr[tid].conns++;
	a->connect_exp = tick_add(now_ms, a->be->timeout.connect);
	return c;
}

int be_conn_failed(struct be_att *a)
{
	struct proxy *be = a->be;
	unsigned turn = be->timeout.connect && be->timeout.connect < 1000 ? be->timeout.connect : 1000;

	a->srv->ctr[tid].connect_errors++;
	if (a->conn_retries >= be->retries)
		return 0;
	a->conn_retries++;
	if ((be->options & PX_O_REDISPATCH) && a->conn_retries == be->retries && be->nb_srv > 1) {
		struct server *old = a->srv;
		struct lb_req lr = { 0 };

		be_release(a);
		if (be_assign(a, &lr, old) < 0)
			return -1;
	}
	a->retry_exp = now_ms + turn;
	a->flags |= BE_F_RETRY;
	return 1;
}

int be_retry_due(struct be_att *a)
{
	if (!(a->flags & BE_F_RETRY) || now_ms < a->retry_exp || (a->flags & BE_F_QUEUED))
		return 0;
	a->flags &= ~BE_F_RETRY;
	return 1;
}

uint64_t be_deadline(const struct be_att *a)
{
	uint64_t exp = 0;

	if (a->flags & BE_F_QUEUED)
		exp = tick_add(a->pc.since, queue_timeout(a->be));
	if (a->flags & BE_F_RETRY)
		exp = tick_first(exp, a->retry_exp);
	return exp;
}
