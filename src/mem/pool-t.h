/* pool-t.h: types of the pools of fixed-size objects (see pool.c for their
 * life cycle and pool_dbg.c for the debugging layouts). */
#ifndef SLUICE_MEM_POOL_T_H
#define SLUICE_MEM_POOL_T_H

#include <pthread.h>
#include <stddef.h>
#include <stdint.h>
#include "core/global-t.h"
#include "core/list.h"

#define POOL_MAGIC 0x504f4f4cU

struct pool_counters;

/* Debugging modes, chosen at start (-dM, "pool-debug"); each one is
 * independent. pool_dbg.c has their table, names and help lines. */
#define POOL_DBG_POISON       0x0001  /* fill with a byte on allocation */
#define POOL_DBG_INTEGRITY    0x0002  /* pattern on free, checked on allocation */
#define POOL_DBG_CHECKSUM     0x0004  /* checksum on free, checked on allocation */
#define POOL_DBG_TAG          0x0008  /* canary after the object: the pool's address */
#define POOL_DBG_CALLER       0x0010  /* last allocation and last free callers */
#define POOL_DBG_DOUBLE_FREE  0x0020  /* free/in-use marker after the object */
#define POOL_DBG_PRESERVE     0x0040  /* cache links outside the object */
#define POOL_DBG_NO_CACHE     0x0080  /* straight to malloc/free */

/* Where pool_alloc()/pool_free() was called: one static record per call
 * site, built by the pool_alloc()/pool_free() macros. */
struct pool_caller {
	const char *file;
	const char *func;
	int line;
};

/* The links of a free object. They live in the object itself (offset 0) by
 * default, in its trailer when the contents must stay intact (preserve,
 * checksum, integrity): see pool_head.link_off. */
struct pool_item {
	union {
		struct {
			struct list by_pool;  /* its pool's thread cache, newest first */
			struct list by_lru;   /* its thread's LRU of all pools, newest first */
		};
		struct pool_item *next;       /* in the shared cache */
	};
};

/* One pool's cache on one thread: touched only by that thread, read by the
 * statistics. Aligned so that threads don't share cache lines. */
struct pool_cache {
	struct list list;            /* cached objects (pool_item.by_pool) */
	struct pool_head *ph;        /* back to the pool, for the LRU eviction */
	unsigned count;              /* objects cached now */
	/* per-thread counters, summed by readers */
	uint64_t allocated;          /* objects obtained from the system */
	uint64_t released;           /* objects given back to the system */
	uint64_t used;               /* in use (alloc - free) on this thread, may wrap */
	uint64_t failed;             /* allocations refused (limit or system) */
} __attribute__((aligned(64)));

/* A thread's view over all pools: the LRU of its cached objects. */
struct pool_thread {
	struct list lru;             /* pool_item.by_lru of every pool, newest first */
	size_t cached_bytes;         /* sum of the strides of the objects cached */
} __attribute__((aligned(64)));

struct pool_head {
	/* read on every pool_alloc()/pool_free() */
	unsigned magic;
	unsigned flags;              /* POOL_DBG_* in effect, fixed at the first allocation */
	unsigned limit;              /* max objects in use across threads, 0 = none */
	unsigned stride;             /* bytes taken from the system per object */
	size_t size;                 /* usable size, rounded to a pointer */
	const char *name;
	/* trailer layout (pool_dbg.c), offsets from the object's start */
	unsigned tag_off, mark_off, caller_off, sum_off, link_off;
	unsigned char poison;        /* byte for POOL_DBG_POISON */
	unsigned char frozen;        /* an object was allocated: the layout is final */
	unsigned char limit_armed;   /* in_use holds the count of objects in use */
	long in_use;                 /* objects in use, atomic, kept while limit != 0 */
	unsigned long allocated;     /* objects currently obtained from the system (atomic) */
	/* shared cache between threads: fed by the threads' LRU eviction */
	pthread_mutex_t lock;
	struct pool_item *shared;
	unsigned shared_count, shared_max;
	struct pool_head *next;      /* all pools */
	/* its block in the shared memory (shm/counters-tbl.h), refreshed by
	 * thread 0 every second; NULL until the counters are allocated */
	struct pool_counters *ctr;
	struct pool_cache cache[MAX_THREADS];
};

#endif
