/* task.h: run queue and timers of the calling thread. A task belongs to the
 * thread that created it; none of these functions takes a lock. */
#ifndef SLUICE_CORE_TASK_H
#define SLUICE_CORE_TASK_H

#include "core/task-t.h"
#include "core/thread.h"

static inline void task_init(struct task *t, task_process_f fn, void *ctx)
{
	*t = (struct task){ .process = fn, .ctx = ctx, .heap_idx = -1 };
	list_init(&t->rq);
}

/* Queue the task to run in this loop turn (idempotent). */
static inline void task_wakeup(struct task *t)
{
	if (!(t->state & TASK_QUEUED)) {
		t->state |= TASK_QUEUED;
		list_append(&th->runq, &t->rq);
	}
}

/* Arm (or re-arm) the timer at absolute time <expire> ms; 0 disarms. */
void task_schedule(struct task *t, uint64_t expire);
/* Remove the task from the run queue and the timer heap; call before freeing. */
void task_cancel(struct task *t);

/* Loop internals. */
uint64_t timers_next(void);          /* earliest deadline, 0 when none */
void timers_run(void);               /* queue tasks whose deadline passed */
void runq_run(void);                 /* run queued tasks (bounded batch) */

#endif
