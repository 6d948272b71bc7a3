/* task.c: per-thread timers (a binary min-heap on the deadline) and the run
 * queue. Heap operations are O(log n); re-arming an armed task moves it in
 * place, which is what connections do on every I/O. */
#include <stdlib.h>
#include "core/task.h"
#include "core/clock.h"

static void heap_swap(struct task **h, int a, int b)
{
	struct task *t = h[a];

	h[a] = h[b]; h[b] = t;
	h[a]->heap_idx = a;
	h[b]->heap_idx = b;
}

static void heap_up(struct task **h, int i)
{
	while (i > 0) {
		int p = (i - 1) / 2;

		if (h[p]->expire <= h[i]->expire)
			break;
		heap_swap(h, p, i);
		i = p;
	}
}

static void heap_down(struct task **h, int n, int i)
{
	for (;;) {
		int l = 2 * i + 1, r = l + 1, m = i;

		if (l < n && h[l]->expire < h[m]->expire) m = l;
		if (r < n && h[r]->expire < h[m]->expire) m = r;
		if (m == i)
			break;
		heap_swap(h, m, i);
		i = m;
	}
}

static void heap_remove(struct task *t)
{
	struct thread_ctx *c = th;
	int i = t->heap_idx;

	ASSERT(i >= 0 && i < c->nb_timers && c->timers[i] == t);
	c->nb_timers--;
	if (i != c->nb_timers) {
		c->timers[i] = c->timers[c->nb_timers];
		c->timers[i]->heap_idx = i;
		heap_down(c->timers, c->nb_timers, i);
		heap_up(c->timers, i);
	}
	t->heap_idx = -1;
}

void task_schedule(struct task *t, uint64_t expire)
{
	struct thread_ctx *c = th;
	uint64_t old = t->expire;

	if (t->heap_idx >= 0 && old == expire)
		return;
	if (!expire) {
		if (t->heap_idx >= 0)
			heap_remove(t);
		t->expire = 0;
		return;
	}
	t->expire = expire;
	if (t->heap_idx >= 0) {
		if (expire < old)
			heap_up(c->timers, t->heap_idx);
		else
			heap_down(c->timers, c->nb_timers, t->heap_idx);
		return;
	}
	if (c->nb_timers == c->sz_timers) {
		int sz = c->sz_timers ? c->sz_timers * 2 : 1024;
		struct task **n = realloc(c->timers, sz * sizeof(*n));

		if (!n) {
			/* Without a timer the task could hang forever: fire it
			 * now, its handler sees the deadline and acts. */
			t->expire = 0;
			task_wakeup(t);
			return;
		}
		c->timers = n;
		c->sz_timers = sz;
	}
	t->heap_idx = c->nb_timers++;
	c->timers[t->heap_idx] = t;
	heap_up(c->timers, t->heap_idx);
}

void task_cancel(struct task *t)
{
	if (t->heap_idx >= 0)
		heap_remove(t);
	t->expire = 0;
	if (t->state & TASK_QUEUED) {
		list_del_init(&t->rq);
		t->state &= ~TASK_QUEUED;
	}
}

uint64_t timers_next(void)
{
	return th->nb_timers ? th->timers[0]->expire : 0;
}

void timers_run(void)
{
	struct thread_ctx *c = th;

	while (c->nb_timers && c->timers[0]->expire <= now_ms) {
		struct task *t = c->timers[0];

		heap_remove(t);
		task_wakeup(t);
	}
}

void runq_run(void)
{
	struct thread_ctx *c = th;
	struct list batch;
	int budget = 256;

	/* Tasks woken while running go to the next turn, after polling: a
	 * busy connection cannot starve the others or the poller. */
	if (list_empty(&c->runq))
		return;
	batch = c->runq;
	batch.n->p = &batch;
	batch.p->n = &batch;
	list_init(&c->runq);

	while (!list_empty(&batch)) {
		struct task *t = list_elem(batch.n, struct task, rq);

		list_del_init(&t->rq);
		if (budget-- <= 0) {
			list_append(&c->runq, &t->rq);
			continue;
		}
		t->state &= ~TASK_QUEUED;
		c->stats.tasks_run++;
		t->process(t, t->ctx);
	}
}
