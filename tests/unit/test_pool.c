/* test_pool.c: pools (layout, thread cache and LRU, shared cache, release,
 * limits, threads, statistics) and buffers. The debugging modes are in
 * test_pool_dbg.c. */
#include <malloc.h>
#include <pthread.h>
#include <string.h>
#include "unit.h"
#include "mem/pool.h"
#include "mem/buf.h"
#include "core/thread.h"

static struct pool_head *ph;

static void test_cache_reuse(void)
{
	void *a = pool_alloc(ph), *b;

	CHECK(a != NULL);
	memset(a, 0xaa, ph->size);
	pool_free(ph, a);
	b = pool_alloc(ph);
	CHECK(a == b);               /* LIFO: the warmest object comes back */
	pool_free(ph, b);
	CHECK_INT(ph->size % sizeof(void *), 0);
}

/* The default mode adds no byte to objects: what is taken from the system
 * per object is the rounded size. */
static void test_default_layout(void)
{
	struct pool_head *tiny = pool_create("tiny", 3), *fresh = pool_create("fresh", 100);
	void *o = pool_alloc(fresh);     /* straight from the system */

	CHECK_INT(ph->flags, 0);
	CHECK_INT(ph->size, 104);
	CHECK_INT(ph->stride, ph->size);
	CHECK_INT(ph->link_off, 0);
	/* the block malloc() gave has no room for a header or trailer */
	CHECK(malloc_usable_size(o) >= fresh->size && malloc_usable_size(o) < fresh->size + 16);
	pool_free(fresh, o);
	/* a free object holds its links: 4 pointers at least */
	CHECK_INT(tiny->size, sizeof(struct pool_item));
	CHECK_INT(tiny->stride, tiny->size);
}

static void test_overflow_release(void)
{
	enum { N = 1000 };
	static void *objs[N];
	struct pool_head *big = pool_create("big", 4096);
	unsigned long before = big->allocated;

	pool_flush_thread();
	for (int i = 0; i < N; i++) {
		objs[i] = pool_alloc(big);
		CHECK_AT(objs[i] != NULL, __FILE__, __LINE__);
	}
	CHECK_INT(big->allocated, before + N);
	for (int i = 0; i < N; i++)
		pool_free(big, objs[i]);
	/* the thread cache and the shared cache are bounded; the rest went
	 * back to the system */
	CHECK(pool_threads[0].cached_bytes <= pool_cache_bytes);
	CHECK((size_t)big->cache[0].count * big->stride <= pool_cache_bytes);
	CHECK(big->shared_count <= big->shared_max);
	CHECK_INT(big->allocated, big->cache[0].count + big->shared_count);
	CHECK(big->cache[0].released > 0);
	CHECK_INT(big->cache[0].used, 0);
	pool_flush_thread();
	CHECK_INT(big->cache[0].count, 0);
	CHECK_INT(pool_threads[0].cached_bytes, 0);
}

/* The thread's cached bytes are bounded across pools, and the oldest
 * objects leave first whatever their pool. */
static void test_lru(void)
{
	struct pool_head *a = pool_create("lru-a", 1000), *b = pool_create("lru-b", 1000);
	size_t saved = pool_cache_bytes;
	void *oa[10], *ob[10], *x;
	int found;

	pool_flush_thread();
	pool_cache_bytes = 16 * 1000;
	for (int i = 0; i < 10; i++)
		oa[i] = pool_alloc(a);
	for (int i = 0; i < 10; i++)
		ob[i] = pool_alloc(b);
	for (int i = 0; i < 10; i++)
		pool_free(a, oa[i]);     /* older */
	for (int i = 0; i < 10; i++)
		pool_free(b, ob[i]);     /* newer */
	CHECK(pool_threads[0].cached_bytes <= pool_cache_bytes);
	CHECK_INT(b->cache[0].count, 10);          /* the newest stayed */
	CHECK(a->cache[0].count < 10);
	CHECK_INT(a->shared_count, 10 - a->cache[0].count);
	/* the evicted ones were a's oldest: a's newest is still cached */
	x = pool_alloc(a);
	CHECK(x == oa[9]);
	pool_free(a, x);
	/* an emptied thread cache refills from the shared cache */
	for (int i = 0; i < 10; i++)
		oa[i] = pool_alloc(a);
	CHECK_INT(a->shared_count, 0);
	CHECK_INT(a->cache[0].allocated, 10);      /* nothing new from the system */
	found = 0;
	for (int i = 0; i < 10; i++)
		found += oa[i] != NULL;
	CHECK_INT(found, 10);
	for (int i = 0; i < 10; i++)
		pool_free(a, oa[i]);
	pool_flush_thread();
	CHECK_INT(pool_threads[0].cached_bytes, 0);
	CHECK_INT(a->cache[0].count + b->cache[0].count, 0);
	pool_cache_bytes = saved;
}

static void test_limit(void)
{
	struct pool_head *lim = pool_create("limited", 64);
	void *o[3];

	lim->limit = 2;
	o[0] = pool_alloc(lim);
	o[1] = pool_alloc(lim);
	o[2] = pool_alloc(lim);
	CHECK(o[0] && o[1]);
	CHECK(o[2] == NULL);
	CHECK_INT(lim->cache[0].failed, 1);
	pool_free(lim, o[1]);
	o[2] = pool_alloc(lim);
	CHECK(o[2] == o[1]);
	pool_free(lim, o[0]);
	pool_free(lim, o[2]);
	CHECK_INT(lim->in_use, 0);
}

/* Many threads allocate and free from a limited pool: never more than the
 * limit in use, and once they are done exactly <limit> objects can be
 * taken, whichever caches hold them. */
enum { LIM = 8, LIM_THREADS = 4, LIM_LOOPS = 20000 };
static struct pool_head *limp;
static int held, held_max, lim_ok, lim_fail;

static void *limit_worker(void *arg)
{
	void *mine[3];

	thread_bind((int)(long)arg);
	for (int i = 0; i < LIM_LOOPS; i++) {
		int n = 0;

		for (int k = 0; k < 3; k++) {
			mine[n] = pool_alloc(limp);
			if (mine[n]) {
				int h = __atomic_add_fetch(&held, 1, __ATOMIC_RELAXED);
				int m = __atomic_load_n(&held_max, __ATOMIC_RELAXED);

				while (h > m && !__atomic_compare_exchange_n(&held_max, &m, h, 0,
									     __ATOMIC_RELAXED, __ATOMIC_RELAXED))
					;
				__atomic_add_fetch(&lim_ok, 1, __ATOMIC_RELAXED);
				n++;
			} else {
				__atomic_add_fetch(&lim_fail, 1, __ATOMIC_RELAXED);
			}
		}
		while (n--) {
			__atomic_sub_fetch(&held, 1, __ATOMIC_RELAXED);
			pool_free(limp, mine[n]);
		}
	}
	return NULL;
}

static void test_limit_threads(void)
{
	pthread_t t[LIM_THREADS];
	void *o[LIM + 1];
	int got = 0;

	limp = pool_create("limit-mt", 200);
	limp->limit = LIM;
	for (long i = 0; i < LIM_THREADS; i++)
		pthread_create(&t[i], NULL, limit_worker, (void *)(i + 1));
	for (int i = 0; i < LIM_THREADS; i++)
		pthread_join(t[i], NULL);
	CHECK(held_max <= LIM);
	CHECK(lim_ok > LIM_LOOPS);
	CHECK_INT(limp->in_use, 0);
	for (int i = 0; i < LIM + 1; i++) {
		o[i] = pool_alloc(limp);
		got += o[i] != NULL;
	}
	CHECK_INT(got, LIM);
	CHECK(o[LIM] == NULL);
	for (int i = 0; i < LIM; i++)
		pool_free(limp, o[i]);
	CHECK_INT(limp->in_use, 0);
}

/* Objects allocated on one thread and freed on another end up reusable. */
static void *freer(void *arg)
{
	void **objs = arg;

	thread_bind(1);
	for (int i = 0; i < 2000; i++)
		pool_free(ph, objs[i]);
	pool_flush_thread();         /* what a worker does when it leaves */
	return NULL;
}

static void test_cross_thread(void)
{
	static void *objs[2000];
	unsigned long sys_before;
	pthread_t t;
	int reused = 0;

	for (int i = 0; i < 2000; i++)
		objs[i] = pool_alloc(ph);
	pthread_create(&t, NULL, freer, objs);
	pthread_join(t, NULL);
	CHECK_INT(ph->cache[1].count, 0);
	CHECK_INT(pool_threads[1].cached_bytes, 0);
	CHECK(ph->shared_count > 0);
	/* thread 0 refills from the shared cache */
	pool_flush_thread();
	sys_before = ph->cache[0].allocated;
	for (int i = 0; i < 100; i++) {
		void *o = pool_alloc(ph);

		for (int k = 0; k < 2000 && o; k++)
			if (objs[k] == o) {
				reused++;
				break;
			}
		objs[i] = o;
	}
	CHECK_INT(reused, 100);
	CHECK_INT(ph->cache[0].allocated, sys_before);
	for (int i = 0; i < 100; i++)
		pool_free(ph, objs[i]);
}

static void test_stats(void)
{
	char *text = NULL, line[256];
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	void *o = pool_alloc(ph);

	pool_dump_stats(f);
	fclose(f);
	snprintf(line, sizeof(line), "test size=104 allocated=%lu used=1 ", ph->allocated);
	CHECK(strstr(text, line) != NULL);
	CHECK(strstr(text, "\nlimited size=64 allocated=") != NULL);
	CHECK(strstr(text, "failures=1\n") != NULL);
	pool_free(ph, o);
	free(text);
}

static void test_buffers(void)
{
	struct buffer b = { 0 };

	global.bufsize = 1024;
	buf_pool_init();
	CHECK(b.area == NULL);
	CHECK_INT(b_alloc(&b), 0);
	CHECK_INT(b.size, 1024);
	CHECK_INT(b_putblk(&b, "hello world", 11), 11);
	b_del(&b, 6);
	CHECK_INT(b.data, 5);
	CHECK(memcmp(b_head(&b), "world", 5) == 0);
	b_realign(&b);
	CHECK_INT(b.head, 0);
	CHECK(memcmp(b_head(&b), "world", 5) == 0);
	b_release_if_empty(&b);
	CHECK(b.area != NULL);       /* not empty: kept */
	b_del(&b, 5);
	CHECK_INT(b.head, 0);
	b_release_if_empty(&b);
	CHECK(b.area == NULL);       /* drained: storage returned */
	CHECK_INT(b_alloc(&b), 0);
	{
		char big[2000] = { 0 };

		CHECK_INT(b_putblk(&b, big, 2000), 0);   /* too big: refused whole */
		CHECK_INT(b.data, 0);
	}
	b_release(&b);
}

int main(void)
{
	thread_ctx_init(0);
	thread_ctx_init(1);
	thread_bind(0);
	ph = pool_create("test", 100);
	test_cache_reuse();
	test_default_layout();
	test_overflow_release();
	test_lru();
	test_limit();
	test_limit_threads();
	test_cross_thread();
	test_stats();
	test_buffers();
	return UNIT_SUMMARY("test_pool");
}
