/* queue.c: server maxconn slots and queues. A server's slots are counted
 * in srv->cur_sess; taking one is a compare-and-swap, so the request path
 * takes no lock while servers have room. Only when a server is full do
 * exchanges queue, under one process-wide lock: per server (when the
 * server was imposed, e.g. by a persistence cookie) or per backend (any
 * server will do). A released slot goes straight to the oldest waiter,
 * which is moved to its thread's ready list and woken there.
 *
 * Life of a waiter: queue_add -> (granted: srv_release_slot on any thread)
 * -> ready list -> its task runs, queue_granted() takes the slot; or
 * queue_cancel at any time (timeout queue, client gone). */
#include <pthread.h>
#include "lb/queue.h"
#include "lb/lb.h"
#include "lb/server.h"
#include "proxy/proxy-t.h"
#include "core/task.h"
#include "core/thread.h"
#include "core/clock.h"

static pthread_mutex_t q_lock = PTHREAD_MUTEX_INITIALIZER;
static struct list q_ready[MAX_THREADS];
static unsigned q_nb_ready[MAX_THREADS];

int srv_take_slot(struct server *srv)
{
	unsigned cur = __atomic_load_n(&srv->cur_sess, __ATOMIC_RELAXED);

	do {
		if (srv->maxconn && cur >= srv->maxconn)
			return 0;
	} while (!__atomic_compare_exchange_n(&srv->cur_sess, &cur, cur + 1, 1,
					      __ATOMIC_ACQ_REL, __ATOMIC_RELAXED));
	srv_note_peak(srv, cur + 1);
	lb_srv_load(srv);              /* leastconn follows the load */
	return 1;
}

/* Hand the slot just freed on srv to <pc>. Lock held. */
static void grant(struct server *srv, struct pendconn *pc, unsigned *nb_pend)
{
	list_del_init(&pc->list);
	__atomic_sub_fetch(nb_pend, 1, __ATOMIC_RELAXED);
	srv_note_peak(srv, __atomic_add_fetch(&srv->cur_sess, 1, __ATOMIC_ACQ_REL));
	lb_srv_load(srv);
	pc->srv = srv;
	pc->granted = 1;
	list_append(&q_ready[pc->tid], &pc->list);
	q_nb_ready[pc->tid]++;
	if (pc->tid != tid)
		thread_wake(pc->tid);
}

void srv_release_slot(struct server *srv)
{
	struct proxy *be = srv->be;

	__atomic_sub_fetch(&srv->cur_sess, 1, __ATOMIC_ACQ_REL);
	lb_srv_load(srv);
	if (!__atomic_load_n(&srv->nb_pend, __ATOMIC_ACQUIRE) &&
	    !__atomic_load_n(&be->nb_pend, __ATOMIC_ACQUIRE))
		return;
	pthread_mutex_lock(&q_lock);
	while ((!list_empty(&srv->queue) || !list_empty(&be->queue)) &&
	       (!srv->maxconn || __atomic_load_n(&srv->cur_sess, __ATOMIC_ACQUIRE) < srv->maxconn) &&
	       srv->state != SRV_ST_STOPPED) {
		if (!list_empty(&srv->queue))
			grant(srv, list_elem(srv->queue.n, struct pendconn, list), &srv->nb_pend);
		else
			grant(srv, list_elem(be->queue.n, struct pendconn, list), &be->nb_pend);
	}
	pthread_mutex_unlock(&q_lock);
}

int queue_add(struct proxy *be, struct server *srv, struct pendconn *pc)
{
	int ret = 0;

	pthread_mutex_lock(&q_lock);
	if (srv && srv->maxqueue && srv->nb_pend >= srv->maxqueue) {
		ret = -1;
	} else {
		pc->srv = srv;
		pc->granted = 0;
		pc->since = now_ms;
		list_append(srv ? &srv->queue : &be->queue, &pc->list);
		__atomic_add_fetch(srv ? &srv->nb_pend : &be->nb_pend, 1, __ATOMIC_RELAXED);
	}
	pthread_mutex_unlock(&q_lock);
	if (ret == 0) {
		/* a slot may have been freed while we were getting in line */
		struct server *s = srv ? srv : be->srv;

		for (; s; s = srv ? NULL : s->next) {
			if (!s->maxconn || __atomic_load_n(&s->cur_sess, __ATOMIC_ACQUIRE) < s->maxconn) {
				if (srv_take_slot(s))
					srv_release_slot(s);   /* serves the queue, us included */
				break;
			}
		}
	}
	return ret;
}

void queue_cancel(struct proxy *be, struct pendconn *pc)
{
	struct server *give_back = NULL;

	if (!list_inlist(&pc->list) && !pc->granted)
		return;
	pthread_mutex_lock(&q_lock);
	if (list_inlist(&pc->list)) {
		list_del_init(&pc->list);
		if (pc->granted)
			q_nb_ready[pc->tid]--;
		else
			__atomic_sub_fetch(pc->srv ? &pc->srv->nb_pend : &be->nb_pend, 1,
					   __ATOMIC_RELAXED);
	}
	if (pc->granted)
		give_back = pc->srv;
	pc->granted = 0;
	pthread_mutex_unlock(&q_lock);
	if (give_back)
		srv_release_slot(give_back);
}

struct server *queue_granted(struct pendconn *pc)
{
	struct server *srv = NULL;

	if (!pc->granted)
		return NULL;
	pthread_mutex_lock(&q_lock);
	if (pc->granted) {
		list_del_init(&pc->list);
		q_nb_ready[pc->tid]--;
		pc->granted = 0;
		srv = pc->srv;
	}
	pthread_mutex_unlock(&q_lock);
	return srv;
}

/* Each loop turn: wake this thread's waiters that were served. */
static void queue_turn(void)
{
	if (!__atomic_load_n(&q_nb_ready[tid], __ATOMIC_ACQUIRE))
		return;
	pthread_mutex_lock(&q_lock);
	for (struct list *it = q_ready[tid].n; it != &q_ready[tid]; it = it->n)
		task_wakeup(list_elem(it, struct pendconn, list)->task);
	pthread_mutex_unlock(&q_lock);
}

static void queue_init(void)
{
	list_init(&q_ready[tid]);
}

static struct thread_hook queue_hook = { .init = queue_init, .turn = queue_turn };

__attribute__((constructor)) static void queue_register(void)
{
	thread_register_hook(&queue_hook);
}
