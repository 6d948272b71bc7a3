/* pool.h: fixed-size object pools. pool_alloc/pool_free run on a worker
 * thread and take no lock on the fast path (the thread's own cache). */
#ifndef SLUICE_MEM_POOL_H
#define SLUICE_MEM_POOL_H

#include "mem/pool-t.h"
#include "core/thread-t.h"
#include "core/compiler.h"

extern struct pool_head *pools_list;

/* Create a named pool (at startup, before threads). Never returns NULL. */
struct pool_head *pool_create(const char *name, size_t size);

void *pool_alloc_slow(struct pool_head *ph);
void pool_free_slow(struct pool_head *ph, void *ptr);

/* Returns an object of ph->size bytes, or NULL when the pool's limit or the
 * system refuses. Contents are undefined. */
static inline void *pool_alloc(struct pool_head *ph)
{
	struct pool_cache *pc = &ph->cache[tid];
	struct pool_item *it = pc->head;

	if (likely(it)) {
		pc->head = it->next;
		pc->count--;
		pc->used++;
		return it;
	}
	return pool_alloc_slow(ph);
}

/* Give an object back; NULL is ignored. */
static inline void pool_free(struct pool_head *ph, void *ptr)
{
	struct pool_cache *pc = &ph->cache[tid];
	struct pool_item *it = ptr;

	if (unlikely(!ptr))
		return;
	if (likely(pc->count < ph->cache_max)) {
		it->next = pc->head;
		pc->head = it;
		pc->count++;
		pc->used--;
		return;
	}
	pool_free_slow(ph, ptr);
}

#endif
