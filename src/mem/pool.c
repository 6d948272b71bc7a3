/* pool.c: the slow paths of the pools: the shared cache between threads and
 * the system allocator. A thread whose cache overflows moves half of it to
 * the shared cache; when that is full too, objects go back to the system. */
#include <stdlib.h>
#include <string.h>
#include "mem/pool.h"

struct pool_head *pools_list;

struct pool_head *pool_create(const char *name, size_t size)
{
	struct pool_head *ph = calloc(1, sizeof(*ph));

	if (!ph) {
		fprintf(stderr, "[ALERT] out of memory creating pool '%s'\n", name);
		exit(1);
	}
	ph->magic = POOL_MAGIC;
	ph->name = name;
	if (size < sizeof(struct pool_item))
		size = sizeof(struct pool_item);
	ph->size = (size + sizeof(void *) - 1) & ~(sizeof(void *) - 1);
	ph->cache_max = ph->size >= 4096 ? 64 : 512;
	ph->shared_max = ph->cache_max * 4;
	pthread_mutex_init(&ph->lock, NULL);
	ph->next = pools_list;
	pools_list = ph;
	return ph;
}

void *pool_alloc_slow(struct pool_head *ph)
{
	struct pool_cache *pc = &ph->cache[tid];
	struct pool_item *it = NULL;

	CHECK_OBJ(ph, POOL_MAGIC);
	if (ph->shared) {
		/* Refill up to a quarter of the thread cache in one lock. */
		unsigned n = 0;

		pthread_mutex_lock(&ph->lock);
		while (ph->shared && n < ph->cache_max / 4 + 1) {
			struct pool_item *s = ph->shared;

			ph->shared = s->next;
			ph->shared_count--;
			s->next = it;
			it = s;
			n++;
		}
		pthread_mutex_unlock(&ph->lock);
		if (it) {
			struct pool_item *ret = it;

			pc->head = it->next;
			pc->count = n - 1;
			pc->used++;
			return ret;
		}
	}
	if (ph->limit && __atomic_load_n(&ph->allocated, __ATOMIC_RELAXED) >= ph->limit) {
		pc->failed++;
		return NULL;
	}
	it = malloc(ph->size);
	if (!it) {
		pc->failed++;
		return NULL;
	}
	__atomic_add_fetch(&ph->allocated, 1, __ATOMIC_RELAXED);
	pc->allocated++;
	pc->used++;
	return it;
}

void pool_free_slow(struct pool_head *ph, void *ptr)
{
	struct pool_cache *pc = &ph->cache[tid];
	struct pool_item *it = ptr, *batch = NULL, *last = NULL;
	unsigned n = 0;

	CHECK_OBJ(ph, POOL_MAGIC);
	pc->used--;
	/* Move half of the thread cache (plus this object) out. */
	it->next = NULL;
	batch = last = it;
	n = 1;
	while (pc->head && pc->count > ph->cache_max / 2) {
		struct pool_item *x = pc->head;

		pc->head = x->next;
		pc->count--;
		x->next = batch;
		batch = x;
		n++;
	}
	pthread_mutex_lock(&ph->lock);
	if (ph->shared_count + n <= ph->shared_max) {
		last->next = ph->shared;
		ph->shared = batch;
		ph->shared_count += n;
		batch = NULL;
	}
	pthread_mutex_unlock(&ph->lock);
	while (batch) {
		struct pool_item *x = batch;

		batch = x->next;
		free(x);
		__atomic_sub_fetch(&ph->allocated, 1, __ATOMIC_RELAXED);
		pc->released++;
	}
}
