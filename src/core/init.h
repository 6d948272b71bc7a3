/* init.h: the steps of start-up and shutdown, and the reference texts of
 * `sluice -x`, registered by the rooms that own them, so that core/main.c
 * orchestrates without naming what each room does. */
#ifndef SLUICE_CORE_INIT_H
#define SLUICE_CORE_INIT_H

#include <stdio.h>

/* ------------------------------------------------------------------ steps
 *
 * main() runs each stage once, in this order; within a stage, hooks run by
 * increasing order (INIT_ORDER_*), and one that fails stops the start:
 *
 *   INIT_PREPARE  the configuration is loaded and checked, global.nbthread
 *                 and global.maxconn are final, pools are laid out; no
 *                 listener is bound and no worker runs yet. Runtime state
 *                 is set up here (pools, accept dispatch, LB tables, the
 *                 shared memory and its counters).
 *   INIT_OWNER    the process has its final pid (after -D forked), before
 *                 the pid file is written: record it where others look.
 *   INIT_START    the pid file is written; right before the workers run:
 *                 threads of their own start here (they must not survive a
 *                 fork, so not earlier).
 *   INIT_STOP     the workers have stopped: undo what INIT_START started.
 *                 Every hook runs; the return value is ignored.
 *
 * fn() returns 0, or -1 after printing an [ALERT] (the process exits 1).
 * Hooks run on the main thread, one at a time. */
enum init_stage {
	INIT_PREPARE,
	INIT_OWNER,
	INIT_START,
	INIT_STOP,
	INIT_STAGES
};

/* The order of the steps that depend on each other, in one place. */
#define INIT_ORDER_BUFFERS  10    /* mem: the buffer pool */
#define INIT_ORDER_PROXY    20    /* proxy: accept dispatch, session pools */
#define INIT_ORDER_LB       30    /* lb: algorithms' tables */
#define INIT_ORDER_SHM      40    /* shm: the segment, sized from the above */
#define INIT_ORDER_COUNTERS 50    /* shm: counters blocks, once every pool exists */
#define INIT_ORDER_CTL      60    /* ctl: the stats socket's thread */

struct init_hook {
	const char *name;             /* for messages */
	enum init_stage stage;
	int order;                    /* INIT_ORDER_* */
	int (*fn)(void);
	struct init_hook *next;       /* registry link */
};

void init_register(struct init_hook *h);

/* Runs the hooks of <stage> in order. Returns 0, or -1 at the first hook
 * that failed (INIT_STOP: always 0, every hook runs). */
int init_run(enum init_stage stage);

#define INIT_REGISTER(id, stg, ord, f)                                      \
	static struct init_hook init_hook_##id = {                          \
		.name = #id, .stage = (stg), .order = (ord), .fn = (f) };   \
	__attribute__((constructor)) static void init_reg_##id(void)        \
	{ init_register(&init_hook_##id); }

/* ------------------------------------------------------- reference texts
 *
 * `sluice -x NAME` prints every text registered under NAME, by increasing
 * order (several rooms may add to one reference). dump() writes to <f>. */
struct init_doc {
	const char *name;             /* "keywords", "counters", "logtags" */
	int order;
	void (*dump)(FILE *f);
	struct init_doc *next;        /* registry link */
};

void init_register_doc(struct init_doc *d);

/* Prints the reference <name>. Returns 0, or -1 when none has that name. */
int init_print_doc(const char *name, FILE *f);

/* Prints the names of the references, "a, b, c", sorted. */
void init_print_doc_names(FILE *f);

#define INIT_REGISTER_DOC(id, nm, ord, f)                                   \
	static struct init_doc init_doc_##id = {                            \
		.name = (nm), .order = (ord), .dump = (f) };                \
	__attribute__((constructor)) static void init_doc_reg_##id(void)    \
	{ init_register_doc(&init_doc_##id); }

#endif
