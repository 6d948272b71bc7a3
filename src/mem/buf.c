/* buf.c: the buffer pool, its optional limit, and the buffer wait queue.
 *
 * Without tune.buffers.limit buffers come straight from the pool and
 * nothing here runs. With a limit, buffers in use are counted; a request
 * that cannot get one queues a struct buf_wait and stops reading. A
 * released buffer goes to the first eligible waiter (FIFO; waiters for new
 * work skip the reserve kept for running exchanges), moved to the ready
 * list of the waiter's thread, which wakes the waiting task on its next
 * loop turn. One mutex protects the queue and the ready lists; it is only
 * taken when the limit was reached, never on the normal path. Outside it,
 * a waiter's thread looks at the waiter's state only (buf.h), and a
 * thread at its count of ready waiters (atomics).
 *
 * A waiter's life: queued (b_alloc_wait failed) -> ready (area handed
 * over) -> woken, takes area in b_alloc_wait; or cancelled at any time
 * (buf_wait_cancel), which passes an untaken area on. */
#include <pthread.h>
#include <string.h>
#include "mem/buf.h"
#include "core/global-t.h"
#include "core/task.h"
#include "core/thread.h"
#include "core/clock.h"
#include "cfg/cfg.h"
#include "core/init.h"

struct pool_head *pool_buffer;
unsigned buf_limit, buf_reserve = 2, buf_used, buf_nb_waiters;

static uint64_t buf_nb_waits;          /* times a waiter was queued */
static uint64_t buf_nb_forced;         /* buffers given beyond the limit */
static pthread_mutex_t bw_lock = PTHREAD_MUTEX_INITIALIZER;
static struct list bw_queue = LIST_HEAD_INIT(bw_queue);
static struct list bw_ready[MAX_THREADS];
static unsigned bw_nb_ready[MAX_THREADS];

void buf_pool_init(void)
{
	pool_buffer = pool_create("buffer", global.bufsize);
	for (int i = 0; i < MAX_THREADS; i++)
		list_init(&bw_ready[i]);
}

/* Room for one more buffer of this priority? */
static int buf_room(unsigned used, int prio)
{
	unsigned max = buf_limit;

	if (!prio)
		max = buf_limit > buf_reserve ? buf_limit - buf_reserve : 1;
	return used < max;
}

char *buf_get_slow(int prio)
{
	unsigned used = __atomic_add_fetch(&buf_used, 1, __ATOMIC_SEQ_CST);
	char *area;

	/* Waiters were first in line: a newcomer does not overtake them. */
	if (!buf_room(used - 1, prio) ||
	    (__atomic_load_n(&buf_nb_waiters, __ATOMIC_SEQ_CST) && !prio)) {
		__atomic_sub_fetch(&buf_used, 1, __ATOMIC_SEQ_CST);
		return NULL;
	}
	area = pool_alloc(pool_buffer);
	if (!area)
		__atomic_sub_fetch(&buf_used, 1, __ATOMIC_SEQ_CST);
	return area;
}

static void bw_deliver(struct buf_wait *w, char *area);

/* Hand <area> to the first eligible waiter. Returns 1 when handed over.
 * Called with bw_lock held. */
static int buf_hand_over(char *area)
{
	struct list *it, *bk;
	unsigned used = __atomic_load_n(&buf_used, __ATOMIC_SEQ_CST);

	list_for_each_safe(it, bk, &bw_queue) {
		struct buf_wait *w = list_elem(it, struct buf_wait, list);

		/* the buffer changes hands: as if released then taken */
		if (!buf_room(used - 1, w->prio))
			continue;
		bw_deliver(w, area);
		return 1;
	}
	return 0;
}

/* Sets the state of <w>. Lock held. */
static void bw_set(struct buf_wait *w, unsigned state)
{
	__atomic_store_n(&w->state, state, __ATOMIC_RELEASE);
}

/* Move <area> to <w>'s thread's ready list and wake that thread. Lock held;
 * <w> may belong to another thread, whose only unlocked look at it is its
 * state (buf.h): set last, QUEUED to READY. */
static void bw_deliver(struct buf_wait *w, char *area)
{
	ASSERT(w->state == BW_QUEUED);
	list_del_init(&w->list);
	__atomic_sub_fetch(&buf_nb_waiters, 1, __ATOMIC_SEQ_CST);
	w->area = area;
	list_append(&bw_ready[w->tid], &w->list);
	__atomic_add_fetch(&bw_nb_ready[w->tid], 1, __ATOMIC_RELEASE);
	bw_set(w, BW_READY);
	if (w->tid != tid)
		thread_wake(w->tid);
}

/* Serve waiters, in order, from capacity left under the limit. Lock held. */
static void bw_refill(void)
{
	struct list *it, *bk;

	list_for_each_safe(it, bk, &bw_queue) {
		struct buf_wait *w = list_elem(it, struct buf_wait, list);
		unsigned used = __atomic_add_fetch(&buf_used, 1, __ATOMIC_SEQ_CST);
		char *area;

		if (!buf_room(used - 1, w->prio)) {
			__atomic_sub_fetch(&buf_used, 1, __ATOMIC_SEQ_CST);
			continue;
		}
		area = pool_alloc(pool_buffer);
		if (!area) {
			__atomic_sub_fetch(&buf_used, 1, __ATOMIC_SEQ_CST);
			return;
		}
		bw_deliver(w, area);
	}
}

/* Releasing and queueing must not miss each other: a releaser lowers
 * buf_used then looks for waiters, a waiter raises buf_nb_waiters then
 * looks for room (both seq_cst), so at least one of them sees the other. */
void buf_put_slow(char *area)
{
	if (__atomic_load_n(&buf_nb_waiters, __ATOMIC_SEQ_CST)) {
		int handed;

		pthread_mutex_lock(&bw_lock);
		handed = buf_hand_over(area);
		pthread_mutex_unlock(&bw_lock);
		if (handed)
			return;
	}
	pool_free(pool_buffer, area);
	__atomic_sub_fetch(&buf_used, 1, __ATOMIC_SEQ_CST);
	if (__atomic_load_n(&buf_nb_waiters, __ATOMIC_SEQ_CST)) {
		pthread_mutex_lock(&bw_lock);
		bw_refill();
		pthread_mutex_unlock(&bw_lock);
	}
}

int b_alloc_wait_slow(struct buffer *b, struct buf_wait *w, int prio)
{
	char *area = NULL;

	pthread_mutex_lock(&bw_lock);
	if (w->state == BW_READY) {
		area = w->area;
		w->area = NULL;
		list_del_init(&w->list);           /* from its ready list */
		__atomic_sub_fetch(&bw_nb_ready[w->tid], 1, __ATOMIC_RELAXED);
		bw_set(w, BW_IDLE);
	} else {
		if (w->state == BW_IDLE) {
			w->prio = prio;
			w->since = now_ms;
			list_append(&bw_queue, &w->list);
			bw_set(w, BW_QUEUED);
			__atomic_add_fetch(&buf_nb_waits, 1, __ATOMIC_RELAXED);
			__atomic_add_fetch(&buf_nb_waiters, 1, __ATOMIC_SEQ_CST);
		} else if (prio && !w->prio) {
			w->prio = 1;               /* now needed by a running exchange */
			w->since = now_ms;
		} else if (w->prio && now_ms >= w->since + BUF_FORCE_MS &&
			   (area = pool_alloc(pool_buffer)) != NULL) {
			/* waited too long: go past the limit rather than risk
			 * a standstill between exchanges holding buffers */
			__atomic_add_fetch(&buf_used, 1, __ATOMIC_SEQ_CST);
			list_del_init(&w->list);
			bw_set(w, BW_IDLE);
			__atomic_sub_fetch(&buf_nb_waiters, 1, __ATOMIC_SEQ_CST);
			__atomic_add_fetch(&buf_nb_forced, 1, __ATOMIC_RELAXED);
		}
		/* room may have appeared since our failed attempt */
		if (!area)
			bw_refill();
		if (w->state == BW_READY) {
			area = w->area;
			w->area = NULL;
			list_del_init(&w->list);
			__atomic_sub_fetch(&bw_nb_ready[w->tid], 1, __ATOMIC_RELAXED);
			bw_set(w, BW_IDLE);
		}
	}
	pthread_mutex_unlock(&bw_lock);
	if (!area)
		return -1;
	b_attach(b, area);
	return 0;
}

void buf_wait_cancel(struct buf_wait *w)
{
	char *area;

	if (buf_wait_state(w) == BW_IDLE)
		return;
	pthread_mutex_lock(&bw_lock);
	if (w->state == BW_READY)
		__atomic_sub_fetch(&bw_nb_ready[w->tid], 1, __ATOMIC_RELAXED);
	else
		__atomic_sub_fetch(&buf_nb_waiters, 1, __ATOMIC_SEQ_CST);
	list_del_init(&w->list);
	area = w->area;
	w->area = NULL;
	bw_set(w, BW_IDLE);
	pthread_mutex_unlock(&bw_lock);
	if (area)
		buf_put_slow(area);             /* pass it on */
}

void buf_dump_info(FILE *f)
{
	fprintf(f, "buffers_limit %u\nbuffers_used %u\nbuffer_waiters %u\nbuffer_waits %llu\n"
		"buffers_forced %llu\n",
		buf_limit, __atomic_load_n(&buf_used, __ATOMIC_RELAXED),
		__atomic_load_n(&buf_nb_waiters, __ATOMIC_RELAXED),
		(unsigned long long)__atomic_load_n(&buf_nb_waits, __ATOMIC_RELAXED),
		(unsigned long long)__atomic_load_n(&buf_nb_forced, __ATOMIC_RELAXED));
}

/* Each loop turn: wake this thread's waiters that received a buffer. */
static void buf_turn(void)
{
	if (!__atomic_load_n(&bw_nb_ready[tid], __ATOMIC_ACQUIRE))
		return;
	pthread_mutex_lock(&bw_lock);
	for (struct list *it = bw_ready[tid].n; it != &bw_ready[tid]; it = it->n)
		task_wakeup(list_elem(it, struct buf_wait, list)->task);
	pthread_mutex_unlock(&bw_lock);
}

static struct thread_hook buf_hook = { .turn = buf_turn };

__attribute__((constructor)) static void buf_register(void)
{
	thread_register_hook(&buf_hook);
}

/* ---- configuration ---- */

static const char *limit_file;
static int limit_line;

static int kw_buffers(struct cfg_ctx *ctx, int argc, char **args)
{
	unsigned long long v;
	int is_limit = strcmp(args[0], "tune.buffers.limit") == 0;

	if (argc != 2)
		return cfg_alert(ctx, "'%s' expects a number", args[0]);
	if (cfg_get_uint(ctx, args[0], args[1], is_limit ? 2 : 0, 1U << 30, &v) < 0)
		return -1;
	if (is_limit)
		buf_limit = (unsigned)v;
	else
		buf_reserve = (unsigned)v;
	limit_file = ctx->file;
	limit_line = ctx->line;
	return 0;
}

static int buf_check(void)
{
	if (buf_limit && buf_reserve >= buf_limit)
		return cfg_alert_at(limit_file, limit_line,
				    "tune.buffers.reserve (%u) must be lower than tune.buffers.limit (%u)",
				    buf_reserve, buf_limit);
	return 0;
}

static void buf_cfg_deinit(void)
{
	buf_limit = 0;
	buf_reserve = 2;
}

static const struct cfg_kw buf_kws[] = {
	{ "tune.buffers.limit", CFG_SEC_GLOBAL, 0, 0, "tune.buffers.limit <number>", kw_buffers },
	{ "tune.buffers.reserve", CFG_SEC_GLOBAL, 0, 0, "tune.buffers.reserve <number>", kw_buffers },
	CFG_KW_END
};
CFG_REGISTER_KEYWORDS(buf_kws);
CFG_REGISTER_POSTPARSER(buffers, CFG_POST_GLOBAL, buf_check);
CFG_REGISTER_DEINIT(buffers, buf_cfg_deinit);

static int buf_init_hook(void)
{
	buf_pool_init();
	return 0;
}
INIT_REGISTER(buffers, INIT_PREPARE, INIT_ORDER_BUFFERS, buf_init_hook);
