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
 * not-yet-safe first, so half of the unused ones are gone per half-life.
 *
 * Takeover (the thread-group design note's rule: one holder per socket,
 * and taking it is a handshake with that holder): a thread that has no
 * idle connection to give takes one from another thread's lists. Each
 * thread's lists are guarded by its idle_lock, which the owner takes
 * uncontended to park and take, and a taker takes for the one move. The
 * taker moves the socket out of the owner's poller into a new connection
 * of its own (conn_takeover); the old one, now without a socket, goes to
 * the owner's graveyard and the owner frees it at the end of its loop
 * turn: an event it collected before the move still points at it, and
 * finds it without a socket (srv_idle_fd_cb). */
#include <signal.h>
#include <limits.h>
#include "lb/server.h"
#include "net/conn.h"
#include "core/task.h"
#include "core/thread.h"
#include "core/clock.h"
#include "proxy/proxy-t.h"
#include "shm/counters.h"

#define PURGE_BATCHES 5

static __thread struct task *purge_task;

/* Lock held: <t>'s lists. */
static void idle_unlink(struct server *srv, struct conn *c, int t)
{
	unsigned n = srv->nb_idle[t] - 1;

	list_del_init(&c->idle);
	list_del_init(&c->th_idle);
	/* takers peek at nb_idle[t] without the lock */
	__atomic_store_n(&srv->nb_idle[t], n, __ATOMIC_RELAXED);
	__atomic_sub_fetch(&srv->idle_total, 1, __ATOMIC_RELAXED);
	if (n < srv->pool_low[t])
		srv->pool_low[t] = n;
}

/* Any event on an idle connection ends it: the server closed it, reset it,
 * or sent bytes nobody asked for. A connection taken over by another
 * thread since the event was collected has no socket: the graveyard has
 * it. */
static void srv_idle_fd_cb(struct fd_handler *h, uint32_t ev)
{
	struct conn *c = container_of(h, struct conn, fdh);

	pthread_spin_lock(&th->idle_lock);
	if (c->fdh.fd < 0) {
		pthread_spin_unlock(&th->idle_lock);
		return;
	}
	idle_unlink(c->srv, c, tid);
	pthread_spin_unlock(&th->idle_lock);
	conn_free(&c);
}

/* The connection thread <t>'s lists offer to a request under the backend's
 * http-reuse strategy, unlinked; NULL if none. <t>'s lock held. */
static struct conn *pick(struct server *srv, int t, int not_first)
{
	struct list *idle = &srv->idle[t], *safe = &srv->safe[t], *l = NULL;
	struct conn *c;

	switch (srv->be->reuse) {
	case PX_REUSE_NEVER:
		break;
	case PX_REUSE_SAFE:                 /* first requests open their own */
		if (not_first)
			l = !list_empty(idle) ? idle : safe;
		break;
	case PX_REUSE_AGGRESSIVE:           /* first requests: proven ones only */
		l = not_first && !list_empty(idle) ? idle : safe;
		break;
	case PX_REUSE_ALWAYS:
		if (not_first)
			l = !list_empty(idle) ? idle : safe;
		else
			l = !list_empty(safe) ? safe : idle;
		break;
	}
	if (!l || list_empty(l))
		return NULL;
	c = list_elem(l->n, struct conn, idle);
	idle_unlink(srv, c, t);
	return c;
}

/* Takes a connection from another thread's lists, nearest thread first. */
static struct conn *take_over(struct server *srv, struct task *owner, int not_first)
{
	int n = thread_count();

	for (int i = 1; i < n; i++) {
		int t = (tid + i) % n;
		struct thread_ctx *o = &thread_ctx[t];
		struct conn *old, *c;

		if (!__atomic_load_n(&srv->nb_idle[t], __ATOMIC_RELAXED))
			continue;
		pthread_spin_lock(&o->idle_lock);
		old = pick(srv, t, not_first);
		if (!old) {
			pthread_spin_unlock(&o->idle_lock);
			continue;
		}
		c = conn_takeover(old, o->epfd, owner);
		list_insert(&o->idle_grave, &old->idle);
		__atomic_store_n(&o->nb_grave, 1, __ATOMIC_RELEASE);
		pthread_spin_unlock(&o->idle_lock);
		srv->ctr[tid].takeovers++;
		if (c)
			return c;
	}
	return NULL;
}

struct conn *srv_take_idle(struct server *srv, struct task *owner, int not_first)
{
	struct conn *c;

	if (srv->be->reuse == PX_REUSE_NEVER)
		return NULL;
	pthread_spin_lock(&th->idle_lock);
	c = pick(srv, tid, not_first);
	pthread_spin_unlock(&th->idle_lock);
	if (c) {
		conn_set_owner(c, owner);
		c->flags = CO_FL_SERVER | CO_FL_REUSED | CO_FL_WR_READY;
		return c;
	}
	if (!__atomic_load_n(&srv->idle_total, __ATOMIC_RELAXED))
		return NULL;
	c = take_over(srv, owner, not_first);
	if (c)
		c->flags = CO_FL_SERVER | CO_FL_REUSED | CO_FL_WR_READY;
	return c;
}

void srv_park_idle(struct server *srv, struct conn *c)
{
	unsigned idle = __atomic_load_n(&srv->idle_total, __ATOMIC_RELAXED);
	unsigned used = __atomic_load_n(&srv->cur_sess, __ATOMIC_RELAXED);
	unsigned need = MAX(__atomic_load_n(&srv->peak_sess, __ATOMIC_RELAXED),
			    __atomic_load_n(&srv->est_need, __ATOMIC_RELAXED));

	if (is_stopping() || srv->be->reuse == PX_REUSE_NEVER || idle >= srv->pool_max ||
	    (uint64_t)used + idle > (uint64_t)MAX(need, used) + srv->pool_min ||
	    (c->flags & (CO_FL_ERROR | CO_FL_RD_SH | CO_FL_PEER_HUP | CO_FL_WR_SH))) {
		conn_free(&c);
		return;
	}
	c->srv = srv;
	c->owner = NULL;
	c->fdh.cb = srv_idle_fd_cb;
	pthread_spin_lock(&th->idle_lock);
	list_insert(c->nb_req >= 2 ? &srv->safe[tid] : &srv->idle[tid], &c->idle);
	list_insert(&th->idle_srv, &c->th_idle);
	__atomic_store_n(&srv->nb_idle[tid], srv->nb_idle[tid] + 1, __ATOMIC_RELAXED);
	pthread_spin_unlock(&th->idle_lock);
	__atomic_add_fetch(&srv->idle_total, 1, __ATOMIC_RELAXED);
}

/* Frees the list of connections <l> (linked by their idle member). */
static void free_all(struct list *l)
{
	while (!list_empty(l)) {
		struct conn *c = list_elem(l->n, struct conn, idle);

		list_del_init(&c->idle);
		conn_free(&c);
	}
}

/* Unlinks up to <n> of srv's idle connections on this thread, oldest
 * first, unproven ones before safe ones, onto <out>. Lock held. */
static void purge_some(struct server *srv, unsigned n, struct list *out)
{
	struct list *lists[2] = { &srv->idle[tid], &srv->safe[tid] };

	for (int i = 0; i < 2; i++) {
		while (n && !list_empty(lists[i])) {
			struct conn *c = list_elem(lists[i]->p, struct conn, idle);

			idle_unlink(srv, c, tid);
			list_insert(out, &c->idle);
			n--;
		}
	}
}

/* One purge batch over every server, then re-arm. The period is the
 * shortest pool-purge-delay / N among the servers (all share the timer). */
static void purge_run(struct task *t, void *ctx)
{
	struct list victims = LIST_HEAD_INIT(victims);
	uint64_t next = 0;

	pthread_spin_lock(&th->idle_lock);
	for (struct proxy *be = proxies_list; be; be = be->next) {
		for (struct server *srv = be->srv; srv; srv = srv->next) {
			unsigned low = srv->pool_low[tid];
			uint64_t period = srv->purge_delay / PURGE_BATCHES;

			if (low > srv->pool_min)
				purge_some(srv, ((low - srv->pool_min) + 2 * PURGE_BATCHES - 1) /
					   (2 * PURGE_BATCHES), &victims);
			srv->pool_low[tid] = srv->nb_idle[tid];
			if (tid == 0) {          /* the estimate of need: once per period */
				unsigned peak = __atomic_exchange_n(&srv->peak_sess,
					__atomic_load_n(&srv->cur_sess, __ATOMIC_RELAXED),
					__ATOMIC_RELAXED);

				__atomic_store_n(&srv->est_need,
						 MAX(peak, (srv->est_need + peak) / 2),
						 __ATOMIC_RELAXED);
			}
			if (period && (!next || period < next))
				next = period;
		}
	}
	pthread_spin_unlock(&th->idle_lock);
	free_all(&victims);
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

static const char *const srv_state_name[] = {
	[SRV_ST_STOPPED] = "DOWN", [SRV_ST_STARTING] = "UP (starting)",
	[SRV_ST_RUNNING] = "UP", [SRV_ST_STOPPING] = "NOLB (stopping)",
};

/* SIGHUP: every server's state on stderr, one line each, as HAProxy logs
 * them. Figures are read without locks: a snapshot, not a transaction. */
static void srv_dump_states(void)
{
	fprintf(stderr, "[NOTICE] SIGHUP: server states:\n");
	for (struct proxy *be = proxies_list; be; be = be->next) {
		unsigned act = 0, bck = 0, sess = 0;

		if (!be->srv)
			continue;
		for (struct server *srv = be->srv; srv; srv = srv->next) {
			if (__atomic_load_n(&srv->state, __ATOMIC_RELAXED) != SRV_ST_STOPPED) {
				if (srv->flags & SRV_F_BACKUP)
					bck++;
				else
					act++;
			}
			sess += __atomic_load_n(&srv->cur_sess, __ATOMIC_RELAXED);
		}
		fprintf(stderr, "Proxy %s has %u active servers and %u backup servers available. "
			"%u sessions active, %u remaining in queue.\n", be->id, act, bck, sess,
			__atomic_load_n(&be->nb_pend, __ATOMIC_RELAXED));
		for (struct server *srv = be->srv; srv; srv = srv->next) {
			unsigned st = __atomic_load_n(&srv->state, __ATOMIC_RELAXED);
			uint64_t total = 0;

			for (int t = 0; t < global.nbthread && srv->ctr; t++)
				total += srv->ctr[t].requests;
			fprintf(stderr, "Server %s/%s is %s, weight %u/%u. Conn: %u act, %u pend, "
				"%llu tot.\n", be->id, srv->id,
				st < ARRAY_SIZE(srv_state_name) ? srv_state_name[st] : "?",
				__atomic_load_n(&srv->eweight, __ATOMIC_RELAXED), srv->weight,
				__atomic_load_n(&srv->cur_sess, __ATOMIC_RELAXED),
				__atomic_load_n(&srv->nb_pend, __ATOMIC_RELAXED),
				(unsigned long long)total);
		}
	}
	fflush(stderr);
}

/* End of a loop turn: frees what other threads took the sockets of. The
 * events of this turn have all been handled, and the poller reports none
 * for them any more. Thread 0 also answers SIGHUP. */
static void srv_turn(void)
{
	struct list dead = LIST_HEAD_INIT(dead);

	if (unlikely(tid == 0) && run_signal_take(SIGHUP))
		srv_dump_states();

	if (likely(!__atomic_load_n(&th->nb_grave, __ATOMIC_ACQUIRE)))
		return;
	pthread_spin_lock(&th->idle_lock);
	list_splice_init(&th->idle_grave, &dead);
	th->nb_grave = 0;
	pthread_spin_unlock(&th->idle_lock);
	free_all(&dead);
}

/* Soft stop: idle server connections of this thread go at once. */
static void srv_idle_stop(void)
{
	struct list dead = LIST_HEAD_INIT(dead);

	pthread_spin_lock(&th->idle_lock);
	while (!list_empty(&th->idle_srv)) {
		struct conn *c = list_elem(th->idle_srv.n, struct conn, th_idle);

		idle_unlink(c->srv, c, tid);
		list_insert(&dead, &c->idle);
	}
	pthread_spin_unlock(&th->idle_lock);
	free_all(&dead);
}

static void srv_thread_exit(void)
{
	srv_idle_stop();
	srv_turn();
	task_cancel(purge_task);
	free(purge_task);
	purge_task = NULL;
}

static struct thread_hook srv_hook = {
	.init = srv_thread_init,
	.stop = srv_idle_stop,
	.turn = srv_turn,
	.exit = srv_thread_exit,
};

__attribute__((constructor)) static void srv_register(void)
{
	thread_register_hook(&srv_hook);
}

/* ---- counters ----------------------------------------------------------------
 * One block per server, a row per worker thread (srv->ctr), after its
 * backend's block (the "proxy" group, proxy/proxy.c). */

uint64_t ctr_live_srv_idle(const void *obj)
{
	const struct server *srv = obj;
	uint64_t v = 0;

	for (int t = 0; t < MAX_THREADS; t++)
		v += __atomic_load_n(&srv->nb_idle[t], __ATOMIC_RELAXED);
	return v;
}

static int srv_ctr_each(void *parent, int (*cb)(void *obj, void *arg), void *arg)
{
	struct proxy *px = parent;
	int ret = 0;

	for (struct server *srv = px->srv; srv && !ret; srv = srv->next) {
		CHECK_OBJ(srv, SRV_MAGIC);
		ret = cb(srv, arg);
	}
	return ret;
}

static const char *srv_ctr_name_of(const void *obj, char *ident, size_t size, unsigned *sides)
{
	const struct server *srv = obj;

	snprintf(ident, size, "%s/%s", srv->be ? srv->be->id : "?", srv->id);
	return "server";
}

static void *srv_ctr_get_rows(const void *obj)
{
	return ((const struct server *)obj)->ctr;
}

static void srv_ctr_set_rows(void *obj, void *rows)
{
	((struct server *)obj)->ctr = rows;
}

/* "srv.<backend>.<server>" */
static int srv_ctr_stat_key(const void *obj, unsigned side, char *buf, size_t size)
{
	const struct server *srv = obj;

	return snprintf(buf, size, "srv.%s.%s", srv->be ? srv->be->id : "?", srv->id);
}

static const struct ctr_group srv_ctr_group = {
	.name = "server", .fam = &ctr_srv_family, .parent = "proxy",
	.flags = CTR_GRP_PER_THREAD,
	.each = srv_ctr_each, .name_of = srv_ctr_name_of,
	.get_rows = srv_ctr_get_rows, .set_rows = srv_ctr_set_rows,
	.stat_key = srv_ctr_stat_key,
};
CTR_REGISTER_GROUP(srv_ctr_group);
