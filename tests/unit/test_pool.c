/* test_pool.c: pools (thread cache, shared cache, release, limits) and
 * buffers. */
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

static void test_overflow_release(void)
{
	enum { N = 5000 };
	static void *objs[N];
	unsigned long before = ph->allocated;

	for (int i = 0; i < N; i++) {
		objs[i] = pool_alloc(ph);
		CHECK_AT(objs[i] != NULL, __FILE__, __LINE__);
	}
	CHECK(ph->allocated >= before + N - ph->cache_max);
	for (int i = 0; i < N; i++)
		pool_free(ph, objs[i]);
	/* the thread cache and the shared cache are bounded; the rest went
	 * back to the system */
	CHECK(ph->cache[0].count <= ph->cache_max);
	CHECK(ph->shared_count <= ph->shared_max);
	CHECK_INT(ph->allocated, ph->cache[0].count + ph->shared_count);
	CHECK(ph->cache[0].released > 0);
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
}

/* Objects allocated on one thread and freed on another end up reusable. */
static void *freer(void *arg)
{
	void **objs = arg;

	thread_bind(1);
	for (int i = 0; i < 2000; i++)
		pool_free(ph, objs[i]);
	return NULL;
}

static void test_cross_thread(void)
{
	static void *objs[2000];
	pthread_t t;

	for (int i = 0; i < 2000; i++)
		objs[i] = pool_alloc(ph);
	pthread_create(&t, NULL, freer, objs);
	pthread_join(t, NULL);
	CHECK(ph->cache[1].count <= ph->cache_max);
	CHECK(ph->shared_count > 0 || ph->cache[1].released > 0);
	/* thread 0 refills from the shared cache */
	for (int i = 0; i < 100; i++)
		pool_free(ph, pool_alloc(ph));
	CHECK(1);
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
	test_overflow_release();
	test_limit();
	test_cross_thread();
	test_buffers();
	return UNIT_SUMMARY("test_pool");
}
