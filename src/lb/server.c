/* server.c: idle server connections, kept per server and per thread so that
 * reusing one takes no lock. */
#include "lb/server.h"
#include "net/conn.h"
#include "core/thread.h"

#define SRV_MAX_IDLE_PER_THREAD 256

/* Any event on an idle connection ends it: the server closed it, reset it,
 * or sent bytes nobody asked for. */
static void srv_idle_fd_cb(struct fd_handler *h, uint32_t ev)
{
	struct conn *c = container_of(h, struct conn, fdh);
	struct server *srv = c->srv;

	srv->nb_idle[tid]--;
	conn_free(&c);
}

struct conn *srv_take_idle(struct server *srv, struct task *owner)
{
	struct list *l = &srv->idle[tid];
	struct conn *c;

	if (list_empty(l))
		return NULL;
	c = list_elem(l->n, struct conn, idle);
	list_del_init(&c->idle);
	list_del_init(&c->th_idle);
	srv->nb_idle[tid]--;
	conn_set_owner(c, owner);
	c->flags = CO_FL_SERVER | CO_FL_REUSED | CO_FL_WR_READY;
	return c;
}

void srv_park_idle(struct server *srv, struct conn *c)
{
	if (stopping || srv->nb_idle[tid] >= SRV_MAX_IDLE_PER_THREAD ||
	    (c->flags & (CO_FL_ERROR | CO_FL_RD_SH | CO_FL_PEER_HUP | CO_FL_WR_SH))) {
		conn_free(&c);
		return;
	}
	c->srv = srv;
	c->owner = NULL;
	c->fdh.cb = srv_idle_fd_cb;
	list_insert(&srv->idle[tid], &c->idle);
	list_insert(&th->idle_srv, &c->th_idle);
	srv->nb_idle[tid]++;
}

/* Soft stop: idle server connections of this thread go at once. */
static void srv_idle_stop(void)
{
	while (!list_empty(&th->idle_srv)) {
		struct conn *c = list_elem(th->idle_srv.n, struct conn, th_idle);
		struct server *srv = c->srv;

		srv->nb_idle[tid]--;
		conn_free(&c);
	}
}

static struct thread_hook srv_hook = { .stop = srv_idle_stop };

__attribute__((constructor)) static void srv_register(void)
{
	thread_register_hook(&srv_hook);
}
