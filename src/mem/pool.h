/* pool.h: fixed-size object pools. pool_alloc/pool_free run on a worker
 * thread and take no lock on the fast path (the thread's own cache).
 *
 * Start-up order (see pool.c): pool_create() may run anywhere before the
 * first allocation, even from constructors; the debugging options are read
 * from the command line and the configuration, then pool_debug_apply() sets
 * every pool's object layout before anything is allocated. */
#ifndef SLUICE_MEM_POOL_H
#define SLUICE_MEM_POOL_H

#include <stdio.h>
#include "mem/pool-t.h"
#include "core/thread-t.h"
#include "core/compiler.h"

extern struct pool_head *pools_list;
extern struct pool_thread pool_threads[MAX_THREADS];
/* bound of a thread's cached bytes (tune.memory.hot-size) */
#define POOL_CACHE_BYTES_DEFAULT (512 * 1024)
extern size_t pool_cache_bytes;
extern unsigned pool_debug;      /* POOL_DBG_* for the pools laid out from now on */

/* Create a named pool (at startup, before threads; also from constructors).
 * <name> must live as long as the pool. Never returns NULL. */
struct pool_head *pool_create(const char *name, size_t size);

/* Debugging options "opt[,opt...]" from the command line (-dM<opts>):
 * returns 0, or -1 after printing the error and the known options. "help"
 * prints them and exits(0). Given, they replace those of the configuration. */
int pool_debug_cli(const char *opts);
/* Set the options chosen (command line, else configuration) on every pool
 * and on the pools created later. Call once, after parsing, before anything
 * is allocated; a pool that already has objects keeps its layout (warning). */
void pool_debug_apply(void);
/* One line per pool: "<name> size=<n> allocated=<n> used=<n> cached=<n>
 * failures=<n>" (counters of other threads may lag a little). */
void pool_dump_stats(FILE *f);
/* Give this thread's cached objects to the shared caches (or the system). */
void pool_flush_thread(void);

void *pool_alloc_slow(struct pool_head *ph, const struct pool_caller *caller);
void pool_free_slow(struct pool_head *ph, void *ptr, const struct pool_caller *caller);
void pool_evict_lru(struct pool_thread *pt, size_t target);

/* A static record of the current call site (file, function, line): loading
 * its address costs one instruction, and only the slow path reads it. */
#define POOL_HERE ({                                                        \
	static const struct pool_caller pool_here_ = { __FILE__, __func__, __LINE__ }; \
	&pool_here_; })

/* Returns an object of ph->size bytes, or NULL when the pool's limit or the
 * system refuses. Contents are undefined. */
#define pool_alloc(ph) pool_alloc_at((ph), POOL_HERE)
/* Give an object back to the pool it came from; NULL is ignored. */
#define pool_free(ph, ptr) pool_free_at((ph), (ptr), POOL_HERE)

static inline void pool_unlink(struct list *e)
{
	e->n->p = e->p;
	e->p->n = e->n;
}

/* Default mode (no debugging, no limit): pop the newest object of this
 * thread's cache, else the slow path (shared cache, system, checks). */
static inline void *pool_alloc_at(struct pool_head *ph, const struct pool_caller *caller)
{
	int t = tid;                 /* once: the stores below may alias it */
	struct pool_cache *pc = &ph->cache[t];

	if (likely(!(ph->flags | ph->limit) && !list_empty(&pc->list))) {
		struct pool_item *it = container_of(pc->list.n, struct pool_item, by_pool);

		pool_threads[t].cached_bytes -= ph->stride;
		pool_unlink(&it->by_pool);
		pool_unlink(&it->by_lru);
		pc->count--;
		pc->used++;
		return it;
	}
	return pool_alloc_slow(ph, caller);
}

/* Default mode: push on this thread's cache and LRU; past the thread's
 * bound, the oldest objects (of any pool) leave for the shared caches. */
static inline void pool_free_at(struct pool_head *ph, void *ptr, const struct pool_caller *caller)
{
	if (unlikely(!ptr))
		return;
	if (likely(!(ph->flags | ph->limit))) {
		int t = tid;
		struct pool_cache *pc = &ph->cache[t];
		struct pool_thread *pt = &pool_threads[t];
		struct pool_item *it = ptr;
		size_t cached = pt->cached_bytes + ph->stride;

		pt->cached_bytes = cached;
		list_insert(&pc->list, &it->by_pool);
		list_insert(&pt->lru, &it->by_lru);
		pc->count++;
		pc->used--;
		if (unlikely(cached > pool_cache_bytes))
			pool_evict_lru(pt, pool_cache_bytes - pool_cache_bytes / 4);
		return;
	}
	pool_free_slow(ph, ptr, caller);
}

#endif
