/* server.c: idle server connections and their reuse (http-reuse), per
 * server and per thread so that parking and reusing take no lock.
 *
 * Following the connection-reuse design note: a connection parked after
 * its first request goes to the server's "idle" list; one that served a
 * second request is "safe" (the server proved it keeps connections alive)
 * and goes to the "safe" list. Both are LIFO: the warmest is reused first.
 * Requests that are not the first of their client connection take from
 * "idle" first, to validate new connections quickly, then "safe"; first
 * requests take only "safe" ones (aggressive), "safe" then "idle" (always),
 * or none (safe); "never" keeps connections private to their client
 * session (http_sess.c) and parks nothing here.
 *
 * Purge: every pool-purge-delay/N (N batches per half-life), each thread
 * closes ((pool_low - pool_min) + 2N - 1) / 2N of its connections that
 * stayed unused over the period (pool_low: the fewest it held), oldest and
 * not-yet-safe first, so half of the unused ones are gone per half-life. */
#include <limits.h>
#include "lb/server.h"
#include "net/conn.h"
#include "core/task.h"
#include "core/thread.h"
#include "core/clock.h"
#include "proxy/proxy-t.h"

#define PURGE_BATCHES 5

static __thread struct task *purge_task;

static void idle_unlink(struct server *srv, struct conn *c)
{
	list_del_init(&c->idle);
	list_del_init(&c->th_idle);
	srv->nb_idle[tid]--;
	__atomic_sub_fetch(&srv->idle_total, 1, __ATOMIC_RELAXED);
	if (srv->nb_idle[tid] < srv->pool_low[tid])
		srv->pool_low[tid] = srv->nb_idle[tid];
}

/* Any event on an idle connection ends it: the server closed it, reset it,
 * or sent bytes nobody asked for. */
static void srv_idle_fd_cb(struct fd_handler *h, uint32_t ev)
{
	struct conn *c = container_of(h, struct conn, fdh);

	idle_unlink(c->srv, c);
	conn_free(&c);
}

static struct conn *take_from(struct server *srv, struct list *l, struct task *owner)
{
	struct conn *c;

	if (list_empty(l))
		return NULL;
	c = list_elem(l->n, struct conn, idle);
	idle_unlink(srv, c);
	conn_set_owner(c, owner);
	c->flags = CO_FL_SERVER | CO_FL_REUSED | CO_FL_WR_READY;
	return c;
}

struct conn *srv_take_idle(struct server *srv, struct task *owner, int not_first)
{
	struct list *idle = &srv->idle[tid], *safe = &srv->safe[tid];
	struct conn *c = NULL;

	switch (srv->be->reuse) {
	case PX_REUSE_NEVER:
		return NULL;
	case PX_REUSE_SAFE:
		if (not_first && !(c = take_from(srv, idle, owner)))
			c = take_from(srv, safe, owner);
		return c;
	case PX_REUSE_AGGRESSIVE:
		if (not_first && (c = take_from(srv, idle, owner)))
			return c;
		return take_from(srv, safe, owner);
	case PX_REUSE_ALWAYS:
		if (not_first) {
			if (!(c = take_from(srv, idle, owner)))
				c = take_from(srv, safe, owner);
		} else if (!(c = take_from(srv, safe, owner))) {
			c = take_from(srv, idle, owner);
		}
		return c;
	}
	return NULL;
}

void srv_park_idle(struct server *srv, struct conn *c)
{
	if (stopping || srv->be->reuse == PX_REUSE_NEVER ||
	    __atomic_load_n(&srv->idle_total, __ATOMIC_RELAXED) >= srv->pool_max ||
	    (c->flags & (CO_FL_ERROR | CO_FL_RD_SH | CO_FL_PEER_HUP | CO_FL_WR_SH))) {
		conn_free(&c);
		return;
	}
	c->srv = srv;
	c->owner = NULL;
	c->fdh.cb = srv_idle_fd_cb;
	list_insert(c->nb_req >= 2 ? &srv->safe[tid] : &srv->idle[tid], &c->idle);
	list_insert(&th->idle_srv, &c->th_idle);
	srv->nb_idle[tid]++;
	__atomic_add_fetch(&srv->idle_total, 1, __ATOMIC_RELAXED);
}

/* Close up to <n> of srv's idle connections on this thread, oldest first,
 * unproven ones before safe ones. */
static void purge_some(struct server *srv, unsigned n)
{
	struct list *lists[2] = { &srv->idle[tid], &srv->safe[tid] };

	for (int i = 0; i < 2; i++) {
		while (n && !list_empty(lists[i])) {
			struct conn *c = list_elem(lists[i]->p, struct conn, idle);

			idle_unlink(srv, c);
			conn_free(&c);
			n--;
		}
	}
}

/* One purge batch over every server, then re-arm. The period is the
 * shortest pool-purge-delay / N among the servers (all share the timer). */
static void purge_run(struct task *t, void *ctx)
{
	uint64_t next = 0;

	for (struct proxy *be = proxies_list; be; be = be->next) {
		for (struct server *srv = be->srv; srv; srv = srv->next) {
			unsigned low = srv->pool_low[tid];
			uint64_t period = srv->purge_delay / PURGE_BATCHES;

			if (low > srv->pool_min)
				purge_some(srv, ((low - srv->pool_min) + 2 * PURGE_BATCHES - 1) /
					   (2 * PURGE_BATCHES));
			srv->pool_low[tid] = srv->nb_idle[tid];
			if (period && (!next || period < next))
				next = period;
		}
	}
	task_schedule(t, now_ms + (next ? next : 1000));
}

static void srv_thread_init(void)
{
	for (struct proxy *be = proxies_list; be; be = be->next)
		for (struct server *srv = be->srv; srv; srv = srv->next)
			list_init(&srv->safe[tid]);
	purge_task = calloc(1, sizeof(*purge_task));
	BUG_ON(!purge_task);
	task_init(purge_task, purge_run, NULL);
	task_schedule(purge_task, now_ms + 1000);
}

/* Soft stop: idle server connections of this thread go at once. */
static void srv_idle_stop(void)
{
	while (!list_empty(&th->idle_srv)) {
		struct conn *c = list_elem(th->idle_srv.n, struct conn, th_idle);

		idle_unlink(c->srv, c);
		conn_free(&c);
	}
}

static void srv_thread_exit(void)
{
	srv_idle_stop();
	task_cancel(purge_task);
	free(purge_task);
	purge_task = NULL;
}

static struct thread_hook srv_hook = {
	.init = srv_thread_init,
	.stop = srv_idle_stop,
	.exit = srv_thread_exit,
};

__attribute__((constructor)) static void srv_register(void)
{
	thread_register_hook(&srv_hook);
}
