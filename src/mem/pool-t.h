/* pool-t.h: pools of fixed-size objects with per-thread caches. */
#ifndef SLUICE_MEM_POOL_T_H
#define SLUICE_MEM_POOL_T_H

#include <pthread.h>
#include <stdint.h>
#include "core/global-t.h"

#define POOL_MAGIC 0x504f4f4cU

/* A free object's first word links it into a cache list. */
struct pool_item {
	struct pool_item *next;
};

/* Per-thread cache: touched only by its thread. */
struct pool_cache {
	struct pool_item *head;
	unsigned count;
	/* per-thread counters, summed by readers */
	uint64_t allocated;          /* objects obtained from the system */
	uint64_t released;           /* objects given back to the system */
	uint64_t used;               /* in use (alloc - free) on this thread, may go negative */
	uint64_t failed;
};

struct pool_head {
	unsigned magic;
	const char *name;
	size_t size;                 /* object size, rounded to a pointer */
	unsigned limit;              /* max objects in use across threads, 0 = none */
	unsigned cache_max;          /* max objects kept per thread cache */
	unsigned long allocated;     /* objects currently obtained from the system (atomic) */
	/* shared cache between threads: fed by overflowing thread caches */
	pthread_mutex_t lock;
	struct pool_item *shared;
	unsigned shared_count, shared_max;
	struct pool_head *next;      /* all pools */
	struct pool_cache cache[MAX_THREADS];
};

#endif
