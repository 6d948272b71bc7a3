/* pool.c: pools of fixed-size objects: per-thread caches bounded in bytes
 * with an LRU across pools, a shared cache per pool, and the system.
 *
 * Life of an object:
 *
 *   system --malloc--> in use --pool_free--> thread cache (pool list + LRU)
 *   thread cache --pool_alloc, same thread, newest first--> in use
 *   thread cache --eviction, oldest first, when the thread caches more than
 *                 pool_cache_bytes--> shared cache of its pool
 *   shared cache --refill of an empty thread cache (a batch)--> thread cache
 *   shared cache full at eviction, or thread exit --> free() to the system
 *   no-cache mode: system <--> in use, nothing else.
 *
 * A cached object is on two lists: its pool's list for this thread
 * (ph->cache[tid].list) and the thread's LRU of every pool
 * (pool_threads[tid].lru); both take new objects at their head and the
 * oldest object of the LRU is always the tail of its pool's list, so the
 * eviction finds the pool from the object (pool_cache.ph). The shared cache
 * is a singly linked stack under the pool's mutex.
 *
 * Object layout (default): [ object: size ], the links inside the object
 * while it is free, stride == size: no byte added. The debugging modes add
 * a trailer after the object, each part only when a mode needs it:
 *
 *   [ object: size ][ tag ][ mark ][ callers ][ sum ][ links ]
 *     tag      8 bytes   tag: the pool's address (mixed) in use, complement free
 *     mark     8 bytes   double-free: "POOLUSED" in use, "POOLFREE" free
 *     callers 32 bytes   caller: last alloc/free call sites + return addresses
 *     sum      8 bytes   checksum: checksum of the free object
 *     links   32 bytes   preserve, checksum, integrity: the cache links
 *
 * The protections come first so that an overflow hits them, not the links.
 *
 * Start-up: pool_create() may run before main() (constructors), before the
 * options are known; it lays the pool out with the options known then
 * (none). pool_debug_apply(), called by main() once the command line and the
 * configuration are parsed and before anything is allocated, lays every
 * pool out again with the chosen options; pools created later take them at
 * creation. The first allocation freezes a pool's layout (ph->frozen):
 * objects of two layouts never mix.
 *
 * Limit: ph->limit (0 = none) bounds the objects in use across threads. It
 * is counted exactly with an atomic (ph->in_use), on the slow path taken by
 * every allocation and free of a limited pool; the count starts ("arms")
 * from the per-thread counters the first time it is needed. Set the limit
 * before the threads run; it may change later but not go to 0 and back
 * while objects are in use. */
#include <signal.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include "mem/pool.h"
#include "mem/pool_dbg.h"
#include "core/thread.h"
#include "ctl/ctl.h"
#include "shm/counters.h"

#define POOL_SHARED_BYTES        (1024 * 1024)   /* shared cache bound per pool */
#define POOL_REFILL_MAX          64              /* objects per refill */

struct pool_head *pools_list;
struct pool_thread pool_threads[MAX_THREADS];
size_t pool_cache_bytes = POOL_CACHE_BYTES_DEFAULT;

static void pool_threads_init(void)
{
	if (pool_threads[0].lru.n)
		return;
	for (int t = 0; t < MAX_THREADS; t++)
		list_init(&pool_threads[t].lru);
}

void pool_layout(struct pool_head *ph, unsigned flags)
{
	size_t off = ph->size;

	ph->flags = flags;
	ph->tag_off = ph->mark_off = ph->caller_off = ph->sum_off = ph->link_off = 0;
	if (flags & POOL_DBG_TAG) {
		ph->tag_off = off;
		off += sizeof(uintptr_t);
	}
	if (flags & POOL_DBG_DOUBLE_FREE) {
		ph->mark_off = off;
		off += sizeof(uint64_t);
	}
	if (flags & POOL_DBG_CALLER) {
		ph->caller_off = off;
		off += sizeof(struct pool_trace);
	}
	if (flags & POOL_DBG_CHECKSUM) {
		ph->sum_off = off;
		off += sizeof(uint64_t);
	}
	if (flags & (POOL_DBG_PRESERVE | POOL_DBG_CHECKSUM | POOL_DBG_INTEGRITY)) {
		ph->link_off = off;
		off += sizeof(struct pool_item);
	}
	ph->stride = off;
	ph->poison = pool_poison_byte;
	ph->shared_max = POOL_SHARED_BYTES / ph->stride;
	if (ph->shared_max < 8)
		ph->shared_max = 8;
}

struct pool_head *pool_create(const char *name, size_t size)
{
	struct pool_head *ph = calloc(1, sizeof(*ph));

	if (!ph || size > UINT_MAX / 2) {
		fprintf(stderr, "[ALERT] cannot create pool '%s' of %zu bytes\n", name, size);
		exit(1);
	}
	pool_threads_init();
	ph->magic = POOL_MAGIC;
	ph->name = name;
	if (size < sizeof(struct pool_item))
		size = sizeof(struct pool_item);
	ph->size = (size + sizeof(void *) - 1) & ~(sizeof(void *) - 1);
	for (int t = 0; t < MAX_THREADS; t++) {
		list_init(&ph->cache[t].list);
		ph->cache[t].ph = ph;
	}
	pool_layout(ph, pool_debug);
	pthread_mutex_init(&ph->lock, NULL);
	ph->next = pools_list;
	pools_list = ph;
	return ph;
}

/* ------------------------------------------------------------------ limit */

/* Start counting the objects in use from the per-thread counters (exact
 * when no other thread allocates meanwhile, e.g. at start-up). */
static void pool_limit_arm(struct pool_head *ph)
{
	pthread_mutex_lock(&ph->lock);
	if (!ph->limit_armed) {
		uint64_t sum = 0;

		for (int t = 0; t < MAX_THREADS; t++)
			sum += ph->cache[t].used;
		__atomic_store_n(&ph->in_use, (long)sum, __ATOMIC_RELAXED);
		__atomic_store_n(&ph->limit_armed, 1, __ATOMIC_RELEASE);
	}
	pthread_mutex_unlock(&ph->lock);
}

/* Count one more object in use unless the limit is reached: 1 or 0. */
static int pool_limit_take(struct pool_head *ph)
{
	long cur;

	if (unlikely(!__atomic_load_n(&ph->limit_armed, __ATOMIC_ACQUIRE)))
		pool_limit_arm(ph);
	cur = __atomic_load_n(&ph->in_use, __ATOMIC_RELAXED);
	do {
		if (cur >= (long)ph->limit)
			return 0;
	} while (!__atomic_compare_exchange_n(&ph->in_use, &cur, cur + 1, 1,
					      __ATOMIC_RELAXED, __ATOMIC_RELAXED));
	return 1;
}

static void pool_limit_put(struct pool_head *ph)
{
	if (unlikely(!__atomic_load_n(&ph->limit_armed, __ATOMIC_ACQUIRE)))
		pool_limit_arm(ph);
	__atomic_sub_fetch(&ph->in_use, 1, __ATOMIC_RELAXED);
}

/* ----------------------------------------------------------------- system */

static void *pool_os_alloc(struct pool_head *ph, struct pool_cache *pc)
{
	void *obj = malloc(ph->stride);

	if (!obj)
		return NULL;
	__atomic_add_fetch(&ph->allocated, 1, __ATOMIC_RELAXED);
	pc->allocated++;
	return obj;
}

/* <pc> is the cache of the thread giving the object back (counters). */
static void pool_os_free(struct pool_head *ph, struct pool_cache *pc, void *obj)
{
	free(obj);
	__atomic_sub_fetch(&ph->allocated, 1, __ATOMIC_RELAXED);
	pc->released++;
}

/* ----------------------------------------------------------------- caches */

/* Move a chain of <n> objects of <ph> evicted by this thread to the shared
 * cache, the excess to the system. */
static void pool_shared_put(struct pool_head *ph, struct pool_cache *pc,
			    struct pool_item *batch)
{
	pthread_mutex_lock(&ph->lock);
	while (batch && ph->shared_count < ph->shared_max) {
		struct pool_item *it = batch;

		batch = it->next;
		it->next = ph->shared;
		/* atomic: pool_refill() peeks at it without the lock */
		__atomic_store_n(&ph->shared, it, __ATOMIC_RELAXED);
		ph->shared_count++;
	}
	pthread_mutex_unlock(&ph->lock);
	while (batch) {
		struct pool_item *it = batch;
		void *obj = pool_obj_of(ph, it);

		batch = it->next;
		if (ph->flags)
			pool_dbg_on_release(ph, obj);
		pool_os_free(ph, pc, obj);
	}
}

/* Evict this thread's oldest cached objects until it caches <target> bytes
 * at most; consecutive objects of a pool move in one batch (one lock). */
void pool_evict_lru(struct pool_thread *pt, size_t target)
{
	struct pool_head *bph = NULL;
	struct pool_cache *bpc = NULL;
	struct pool_item *batch = NULL;

	while (pt->cached_bytes > target && !list_empty(&pt->lru)) {
		struct pool_item *it = container_of(pt->lru.p, struct pool_item, by_lru);
		struct pool_cache *pc = container_of(it->by_pool.n, struct pool_cache, list);
		struct pool_head *ph = pc->ph;

		/* the LRU's oldest object is the oldest of its pool's list */
		BUG_ON(pc != &ph->cache[pt - pool_threads]);
		if (ph != bph) {
			if (batch)
				pool_shared_put(bph, bpc, batch);
			batch = NULL;
			bph = ph;
			bpc = pc;
		}
		pool_unlink(&it->by_pool);
		pool_unlink(&it->by_lru);
		pc->count--;
		pt->cached_bytes -= ph->stride;
		it->next = batch;
		batch = it;
	}
	if (batch)
		pool_shared_put(bph, bpc, batch);
}

void pool_flush_thread(void)
{
	pool_evict_lru(&pool_threads[tid], 0);
}

/* Refill this thread's empty cache of <ph> with a batch of the shared
 * cache: about 1/16 of the thread's bound, 1 to POOL_REFILL_MAX objects. */
static void pool_refill(struct pool_head *ph, struct pool_cache *pc)
{
	struct pool_thread *pt = &pool_threads[tid];
	struct pool_item *batch = NULL;
	size_t want = pool_cache_bytes / 16 / ph->stride;
	unsigned n = 0;

	if (!__atomic_load_n(&ph->shared, __ATOMIC_RELAXED))
		return;
	want = want < 1 ? 1 : want > POOL_REFILL_MAX ? POOL_REFILL_MAX : want;
	pthread_mutex_lock(&ph->lock);
	while (ph->shared && n < want) {
		struct pool_item *it = ph->shared;

		__atomic_store_n(&ph->shared, it->next, __ATOMIC_RELAXED);
		it->next = batch;
		batch = it;
		n++;
	}
	ph->shared_count -= n;
	pthread_mutex_unlock(&ph->lock);
	while (batch) {
		struct pool_item *it = batch;

		batch = it->next;
		list_insert(&pc->list, &it->by_pool);
		list_insert(&pt->lru, &it->by_lru);
	}
	pc->count += n;
	pt->cached_bytes += (size_t)n * ph->stride;
}

/* The newest object of this thread's cache of <ph>, refilled from the
 * shared cache when empty; NULL when both are empty. */
static void *pool_cache_pop(struct pool_head *ph, struct pool_cache *pc)
{
	struct pool_item *it;

	if (list_empty(&pc->list)) {
		pool_refill(ph, pc);
		if (list_empty(&pc->list))
			return NULL;
	}
	it = container_of(pc->list.n, struct pool_item, by_pool);
	pool_unlink(&it->by_pool);
	pool_unlink(&it->by_lru);
	pc->count--;
	pool_threads[tid].cached_bytes -= ph->stride;
	return pool_obj_of(ph, it);
}

static void pool_cache_push(struct pool_head *ph, struct pool_cache *pc, void *obj)
{
	struct pool_thread *pt = &pool_threads[tid];
	struct pool_item *it = pool_item_of(ph, obj);

	list_insert(&pc->list, &it->by_pool);
	list_insert(&pt->lru, &it->by_lru);
	pc->count++;
	pt->cached_bytes += ph->stride;
	if (pt->cached_bytes > pool_cache_bytes)
		pool_evict_lru(pt, pool_cache_bytes - pool_cache_bytes / 4);
}

/* ------------------------------------------------------------- slow paths */

/* Everything but the default mode's cache hit: limit, debugging modes,
 * empty thread cache. noinline: the return address is in the caller. */
__attribute__((noinline))
void *pool_alloc_slow(struct pool_head *ph, const struct pool_caller *caller)
{
	struct pool_cache *pc = &ph->cache[tid];
	void *obj = NULL;
	int fresh = 0;

	CHECK_OBJ(ph, POOL_MAGIC);
	if (unlikely(!__atomic_load_n(&ph->frozen, __ATOMIC_RELAXED)))  /* all threads set it */
		__atomic_store_n(&ph->frozen, 1, __ATOMIC_RELAXED);
	if (ph->limit && !pool_limit_take(ph)) {
		pc->failed++;
		return NULL;
	}
	if (!(ph->flags & POOL_DBG_NO_CACHE))
		obj = pool_cache_pop(ph, pc);
	if (!obj) {
		obj = pool_os_alloc(ph, pc);
		fresh = 1;
		if (!obj) {
			if (ph->limit)
				pool_limit_put(ph);
			pc->failed++;
			return NULL;
		}
	}
	pc->used++;
	if (ph->flags)
		pool_dbg_on_alloc(ph, obj, fresh, caller, __builtin_return_address(0));
	return obj;
}

__attribute__((noinline))
void pool_free_slow(struct pool_head *ph, void *ptr, const struct pool_caller *caller)
{
	struct pool_cache *pc = &ph->cache[tid];

	CHECK_OBJ(ph, POOL_MAGIC);
	if (ph->flags)
		pool_dbg_on_free(ph, ptr, caller, __builtin_return_address(0));
	if (ph->limit)
		pool_limit_put(ph);
	pc->used--;
	if (ph->flags & POOL_DBG_NO_CACHE)
		pool_os_free(ph, pc, ptr);
	else
		pool_cache_push(ph, pc, ptr);
}

/* ------------------------------------------------------------- statistics */

void pool_dump_stats(FILE *f)
{
	for (struct pool_head *ph = pools_list; ph; ph = ph->next) {
		uint64_t used = 0, failed = 0;
		unsigned long cached = __atomic_load_n(&ph->shared_count, __ATOMIC_RELAXED);

		for (int t = 0; t < MAX_THREADS; t++) {
			used += __atomic_load_n(&ph->cache[t].used, __ATOMIC_RELAXED);
			failed += __atomic_load_n(&ph->cache[t].failed, __ATOMIC_RELAXED);
			cached += __atomic_load_n(&ph->cache[t].count, __ATOMIC_RELAXED);
		}
		fprintf(f, "%s size=%zu allocated=%lu used=%lld cached=%lu failures=%llu\n",
			ph->name, ph->size, __atomic_load_n(&ph->allocated, __ATOMIC_RELAXED),
			(long long)used, cached, (unsigned long long)failed);
	}
}

/* ---- counters: a block per pool, with one row, refreshed every second ---- */

static int pool_ctr_each(void *parent, int (*cb)(void *obj, void *arg), void *arg)
{
	int ret = 0;

	for (struct pool_head *ph = pools_list; ph && !ret; ph = ph->next)
		ret = cb(ph, arg);
	return ret;
}

static const char *pool_ctr_name_of(const void *obj, char *ident, size_t size, unsigned *sides)
{
	const struct pool_head *ph = obj;

	snprintf(ident, size, "%s", ph->name ? ph->name : "?");
	return "pool";
}

static void *pool_ctr_get_rows(const void *obj)
{
	return ((const struct pool_head *)obj)->ctr;
}

static void pool_ctr_set_rows(void *obj, void *rows)
{
	((struct pool_head *)obj)->ctr = rows;
}

static void st64(uint64_t *p, uint64_t v)
{
	__atomic_store_n(p, v, __ATOMIC_RELAXED);
}

/* The figures of "show pools", summed over the threads' caches. */
static void pool_ctr_refresh(const void *obj, void *rows)
{
	const struct pool_head *ph = obj;
	struct pool_counters *c = rows;
	uint64_t used = 0, cached, failed = 0;

	cached = __atomic_load_n(&ph->shared_count, __ATOMIC_RELAXED);
	for (int t = 0; t < MAX_THREADS; t++) {
		used += __atomic_load_n(&ph->cache[t].used, __ATOMIC_RELAXED);
		cached += __atomic_load_n(&ph->cache[t].count, __ATOMIC_RELAXED);
		failed += __atomic_load_n(&ph->cache[t].failed, __ATOMIC_RELAXED);
	}
	st64(&c->obj_size, ph->size);
	st64(&c->allocated, __atomic_load_n(&ph->allocated, __ATOMIC_RELAXED));
	st64(&c->used, used);
	st64(&c->cached, cached);
	st64(&c->failures, failed);
}

/* Late: pools may be created after the counters are allocated. */
static const struct ctr_group pool_ctr_group = {
	.name = "pool", .fam = &ctr_pool_family, .order = CTR_ORDER_POOL,
	.flags = CTR_GRP_LATE,
	.each = pool_ctr_each, .name_of = pool_ctr_name_of,
	.get_rows = pool_ctr_get_rows, .set_rows = pool_ctr_set_rows,
	.refresh = pool_ctr_refresh,
};
CTR_REGISTER_GROUP(pool_ctr_group);

static int pool_show(struct ctl_ctx *ctx, int argc, char **args, FILE *out)
{
	pool_dump_stats(out);
	return 0;
}

static const struct ctl_cmd pool_cmds[] = {
	{ "show pools", "memory pools: object size, allocated, used, cached, failures",
	  0, 0, pool_show },
	CTL_CMD_END
};
CTL_REGISTER_COMMANDS(pool_cmds);

/* SIGQUIT: the pools' figures on stderr, as HAProxy dumps its pools. */
static void pool_turn(void)
{
	if (tid == 0 && run_signal_take(SIGQUIT)) {
		fprintf(stderr, "[NOTICE] SIGQUIT: memory pools:\n");
		pool_dump_stats(stderr);
		fflush(stderr);
	}
}

/* A worker leaving its loop gives its cached objects away. */
static struct thread_hook pool_thread_hook = { .turn = pool_turn, .exit = pool_flush_thread };

__attribute__((constructor)) static void pool_register_hook(void)
{
	thread_register_hook(&pool_thread_hook);
}
