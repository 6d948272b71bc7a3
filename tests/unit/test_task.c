/* test_task.c: timers (heap order, re-arming, cancel) and the run queue. */
#include <stdlib.h>
#include "unit.h"
#include "core/task.h"
#include "core/clock.h"

static int fired[64], order[64], nb_order;

static void on_run(struct task *t, void *ctx)
{
	int i = (int)(long)ctx;

	fired[i]++;
	order[nb_order++] = i;
}

static void test_heap_order(void)
{
	struct task t[32];

	nb_order = 0;
	now_ms = 1000;
	/* deadlines in a scrambled order */
	for (int i = 0; i < 32; i++) {
		task_init(&t[i], on_run, (void *)(long)i);
		task_schedule(&t[i], 2000 + (uint64_t)((i * 7) % 32) * 10);
	}
	CHECK_INT(timers_next(), 2000);
	now_ms = 2155;              /* (i*7)%32 <= 15 fire: 16 tasks */
	timers_run();
	runq_run();
	CHECK_INT(nb_order, 16);
	for (int i = 1; i < nb_order; i++)
		CHECK(t[order[i - 1]].expire <= t[order[i]].expire);
	now_ms = 5000;
	timers_run();
	runq_run();
	CHECK_INT(nb_order, 32);
	CHECK_INT(timers_next(), 0);
}

static void test_rearm_cancel(void)
{
	struct task a, b, c;

	for (int i = 0; i < 64; i++)
		fired[i] = 0;
	nb_order = 0;
	now_ms = 10000;
	task_init(&a, on_run, (void *)1L);
	task_init(&b, on_run, (void *)2L);
	task_init(&c, on_run, (void *)3L);
	task_schedule(&a, 10100);
	task_schedule(&b, 10200);
	task_schedule(&c, 10300);
	task_schedule(&c, 10050);  /* earlier */
	task_schedule(&a, 10400);  /* later */
	CHECK_INT(timers_next(), 10050);
	task_cancel(&b);
	CHECK_INT(b.heap_idx, -1);
	task_schedule(&a, 0);      /* disarm */
	CHECK_INT(a.heap_idx, -1);
	now_ms = 20000;
	timers_run();
	runq_run();
	CHECK_INT(fired[1], 0);
	CHECK_INT(fired[2], 0);
	CHECK_INT(fired[3], 1);

	/* wakeup is idempotent and cancel removes from the run queue */
	task_wakeup(&a);
	task_wakeup(&a);
	task_wakeup(&b);
	task_cancel(&b);
	runq_run();
	CHECK_INT(fired[1], 1);
	CHECK_INT(fired[2], 0);
}

/* Many random operations checked against a naive model. */
static void test_random(void)
{
	enum { N = 500 };
	static struct task t[N];
	static uint64_t model[N];

	srand(42);
	for (int i = 0; i < N; i++) {
		task_init(&t[i], on_run, (void *)0L);
		model[i] = 0;
	}
	for (int step = 0; step < 20000; step++) {
		int i = rand() % N;
		uint64_t e = (rand() % 4) ? 100000 + (uint64_t)(rand() % 100000) : 0;

		task_schedule(&t[i], e);
		model[i] = e;
		if (step % 1000 == 999) {
			uint64_t min = 0;

			for (int k = 0; k < N; k++)
				if (model[k] && (!min || model[k] < min))
					min = model[k];
			CHECK_INT(timers_next(), min);
		}
	}
	for (int i = 0; i < N; i++)
		task_cancel(&t[i]);
	CHECK_INT(timers_next(), 0);
}

int main(void)
{
	thread_ctx_init(0);
	thread_bind(0);
	test_heap_order();
	test_rearm_cancel();
	test_random();
	return UNIT_SUMMARY("test_task");
}
