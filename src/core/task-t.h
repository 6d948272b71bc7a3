/* task-t.h: tasks (a function to run, with an optional timer). */
#ifndef SLUICE_CORE_TASK_T_H
#define SLUICE_CORE_TASK_T_H

#include <stdint.h>
#include "core/list.h"

struct task;

/* A task's handler. It runs on the thread that owns the task and may free
 * the task (then it must return without touching it). */
typedef void (*task_process_f)(struct task *t, void *ctx);

#define TASK_QUEUED 0x1   /* in the thread's run queue */

struct task {
	struct list rq;          /* run queue link */
	task_process_f process;
	void *ctx;
	uint64_t expire;         /* timer deadline in ms, 0 = none */
	int heap_idx;            /* position in the timer heap, -1 = not armed */
	unsigned state;
};

#endif
