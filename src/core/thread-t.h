/* thread-t.h: the state of one worker thread. */
#ifndef SLUICE_CORE_THREAD_T_H
#define SLUICE_CORE_THREAD_T_H

#include <pthread.h>
#include <stdint.h>
#include "core/list.h"
#include "core/global-t.h"

struct task;

/* What the loop counts about itself. Only core knows these: a room that
 * publishes them (the shared memory's thread counters, shm/counters.c)
 * takes them from a turn hook on the same thread, adds them to its own
 * figures and zeroes them, so they never need atomics. */
struct thread_stats {
	uint64_t loops;              /* event loop turns */
	uint64_t events;             /* fd events handled */
	uint64_t tasks_run;          /* tasks run from the run queue */
};

struct thread_ctx {
	int tid;
	int epfd;                    /* this thread's epoll instance */
	int wake_fd;                 /* eventfd: other threads and signals wake us */
	pthread_t pth;
	struct list runq;            /* tasks to run this turn */
	struct task **timers;        /* min-heap on expire */
	int nb_timers, sz_timers;
	unsigned nb_conns;           /* client sessions + server conns owned here */
	struct list sessions;        /* live client sessions (for soft stop) */
	struct list idle_srv;        /* all idle server conns of this thread */
	/* idle_lock guards idle_srv, the servers' idle[tid]/safe[tid] lists
	 * and nb_idle[tid], and idle_grave: connections whose socket another
	 * thread took over, freed by this one at the end of its turn
	 * (lb/server.c); nb_grave: idle_grave is not empty */
	pthread_spinlock_t idle_lock;
	struct list idle_grave;
	unsigned nb_grave;
	void *pool_cache;            /* per-thread pool caches (mem/) */
	int stopping_seen;           /* soft stop applied on this thread */
	struct thread_stats stats;   /* since a turn hook last took them */
};

extern struct thread_ctx thread_ctx[MAX_THREADS];
extern __thread struct thread_ctx *th;
extern __thread int tid;

#endif
