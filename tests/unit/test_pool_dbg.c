/* test_pool_dbg.c: the pools' debugging modes. Each fault is committed on
 * purpose in a child process whose output is read through a pipe: it must
 * die of SIGABRT with a report naming the fault, the pool and, with
 * 'caller', the culprit's file:line. `test_pool_dbg --bench` measures the
 * cost of an alloc/free pair in the default and the debugging modes. */
#include <fcntl.h>
#include <malloc.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include "unit.h"
#include "cfg/cfg.h"
#include "mem/pool.h"
#include "core/thread.h"

/* ------------------------------------------------------------- children */

struct child {
	int sig;                     /* signal that ended it, 0 if it exited */
	int status;                  /* exit status, -1 if killed */
	char out[32768];             /* stdout and stderr */
};

static void run_child(void (*fn)(void), struct child *c)
{
	int p[2], st;
	size_t n = 0;
	ssize_t r;
	pid_t pid;

	if (pipe(p) < 0)
		abort();
	fflush(stdout);
	pid = fork();
	if (pid == 0) {
		struct rlimit rl = { 0, 0 };

		setrlimit(RLIMIT_CORE, &rl);
		dup2(p[1], 1);
		dup2(p[1], 2);
		close(p[0]);
		close(p[1]);
		fn();
		fflush(stdout);
		_exit(0);
	}
	close(p[1]);
	for (;;) {
		char scratch[4096];

		if (n < sizeof(c->out) - 1)
			r = read(p[0], c->out + n, sizeof(c->out) - 1 - n);
		else
			r = read(p[0], scratch, sizeof(scratch));
		if (r <= 0)
			break;
		if (n < sizeof(c->out) - 1)
			n += (size_t)r;
	}
	c->out[n] = 0;
	close(p[0]);
	waitpid(pid, &st, 0);
	c->sig = WIFSIGNALED(st) ? WTERMSIG(st) : 0;
	c->status = WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* The child's output holds <what>; show it otherwise. */
static void expect_at(const struct child *c, const char *what, int line)
{
	if (!CHECK_AT(strstr(c->out, what) != NULL, __FILE__, line))
		printf("  expected \"%s\" in the child's output:\n%s\n", what, c->out);
}
#define EXPECT(c, what) expect_at((c), (what), __LINE__)

/* The child died of SIGABRT with a report of <kind> on pool <pool>. */
static void expect_report_at(const struct child *c, const char *pool, const char *kind, int line)
{
	char head[256];

	if (!CHECK_INT_AT(c->sig, SIGABRT, __FILE__, line))
		printf("  child output:\n%s\n", c->out);
	snprintf(head, sizeof(head), "FATAL: pool '%s' (object size ", pool);
	expect_at(c, head, line);
	expect_at(c, kind, line);
	expect_at(c, " at object 0x", line);
	expect_at(c, "backtrace of the detecting thread", line);
}
#define EXPECT_REPORT(c, pool, kind) expect_report_at((c), (pool), (kind), __LINE__)

/* The child announces the lines of interest before the fault. */
static void mark(const char *what, int line)
{
	fprintf(stderr, "@%s=test_pool_dbg.c:%d\n", what, line);
}

/* "tests/unit/test_pool_dbg.c:<line>" from the child's "@what=" mark. */
static const char *marked(const struct child *c, const char *what, char *buf, size_t len)
{
	char key[64];
	const char *p;

	snprintf(key, sizeof(key), "@%s=", what);
	p = strstr(c->out, key);
	if (!p)
		return "<no mark>";
	p += strlen(key);
	snprintf(buf, len, "%.*s", (int)strcspn(p, "\n"), p);
	return buf;
}

/* In a child: take the options as -dM would, apply them, and create a pool
 * that gets them. */
static struct pool_head *dbg_pool(const char *opts, const char *name, size_t size)
{
	if (pool_debug_cli(opts) < 0)
		_exit(3);
	pool_debug_apply();
	return pool_create(name, size);
}

/* ----------------------------------------------------------------- faults */

static void c_poison(void)
{
	struct pool_head *ph = dbg_pool("poison=0x5a", "poisoned", 100);
	unsigned char *o = pool_alloc(ph);
	size_t bad = 0;

	for (size_t i = 0; i < ph->size; i++)
		bad += o[i] != 0x5a;
	memset(o, 0, ph->size);
	pool_free(ph, o);
	o = pool_alloc(ph);          /* from the cache: poisoned again */
	for (size_t i = 0; i < ph->size; i++)
		bad += o[i] != 0x5a;
	printf("poison: %zu bytes not poisoned, stride=%u\n", bad, ph->stride);
}

static void c_poison_default(void)
{
	struct pool_head *ph = dbg_pool("", "poisoned", 40);   /* plain -dM */
	unsigned char *o = pool_alloc(ph);

	printf("poison byte %#x\n", o[7]);
}

static void c_integrity(void)
{
	struct pool_head *ph = dbg_pool("integrity,caller", "uaf", 64);
	char *o = pool_alloc(ph);

	mark("free", __LINE__ + 1);
	pool_free(ph, o);
	o[10] = 'X';                 /* use after free */
	o[11] = 'Y';
	mark("alloc", __LINE__ + 1);
	o = pool_alloc(ph);
}

static void c_checksum(void)
{
	struct pool_head *ph = dbg_pool("checksum", "summed", 64);
	char *o = pool_alloc(ph);

	memcpy(o, "precious contents", 18);
	pool_free(ph, o);
	printf("after free: '%s'\n", o);      /* checksum keeps the contents */
	o[3] ^= 1;                             /* late write */
	o = pool_alloc(ph);
}

static void c_overflow(void)
{
	struct pool_head *ph = dbg_pool("tag,caller", "ovf", 100);
	char *o;

	mark("alloc", __LINE__ + 1);
	o = pool_alloc(ph);
	memset(o, 0, ph->size + 1);  /* one byte too far */
	mark("free", __LINE__ + 1);
	pool_free(ph, o);
}

static void c_wrong_pool(void)
{
	struct pool_head *a = dbg_pool("tag", "pool-a", 64);
	struct pool_head *b = pool_create("pool-b", 64);

	pool_free(b, pool_alloc(a));
}

static void c_wrong_pool_size(void)
{
	struct pool_head *a = dbg_pool("tag", "small-a", 48);
	struct pool_head *b = pool_create("large-b", 40);   /* smaller size, reads inside a's */

	pool_free(b, pool_alloc(a));
}

static void c_double_free_same(void)
{
	struct pool_head *ph = dbg_pool("double-free,caller", "df-same", 64);
	void *o = pool_alloc(ph);

	for (int i = 0; i < 2; i++) {
		mark("free", __LINE__ + 1);
		pool_free(ph, o);
	}
}

static void c_double_free_other(void)
{
	struct pool_head *ph = dbg_pool("double-free,caller", "df-other", 64);
	void *o = pool_alloc(ph);

	mark("first", __LINE__ + 1);
	pool_free(ph, o);
	mark("second", __LINE__ + 1);
	pool_free(ph, o);
}

static void c_double_free_plain(void)
{
	struct pool_head *ph = dbg_pool("double-free", "df-plain", 64);
	void *o = pool_alloc(ph);

	pool_free(ph, o);
	pool_free(ph, o);
}

static void c_double_free_tag(void)
{
	struct pool_head *ph = dbg_pool("tag", "df-tag", 64);
	void *o = pool_alloc(ph);

	pool_free(ph, o);
	pool_free(ph, o);
}

static void c_preserve(void)
{
	struct pool_head *ph = dbg_pool("preserve", "kept", 64);
	char *o = pool_alloc(ph), *p;

	memset(o, 'k', ph->size);
	pool_free(ph, o);
	/* a controlled read of a cached object, for the test only */
	size_t kept = 0;

	for (size_t i = 0; i < ph->size; i++)
		kept += o[i] == 'k';
	p = pool_alloc(ph);
	printf("preserve: %zu of %zu bytes kept, same=%d, links at +%u\n",
	       kept, ph->size, p == o, ph->link_off);
}

static void c_no_cache(void)
{
	struct pool_head *ph = dbg_pool("no-cache", "direct", 64);
	void *a = pool_alloc(ph), *b = pool_alloc(ph);
	unsigned long in_sys = ph->allocated;
	int usable = malloc_usable_size(a) >= 64;   /* a malloc'd block */

	pool_free(ph, a);
	pool_free(ph, b);
	printf("no-cache: distinct=%d usable=%d in_sys=%lu after=%lu cached=%u shared=%u released=%lu\n",
	       a != b, usable, in_sys, ph->allocated,
	       ph->cache[0].count, ph->shared_count, (unsigned long)ph->cache[0].released);
}

/* A pool that already has objects keeps its layout. */
static void c_frozen(void)
{
	struct pool_head *ph = pool_create("early", 64);

	pool_free(ph, pool_alloc(ph));
	pool_debug_cli("tag");
	pool_debug_apply();
	printf("early flags=%u\n", ph->flags);
}

static void c_help(void)
{
	pool_debug_cli("help");
}

static void c_unknown(void)
{
	printf("ret=%d\n", pool_debug_cli("tag,bogus"));
	printf("ret=%d\n", pool_debug_cli("integrity,preserve"));
	printf("ret=%d\n", pool_debug_cli("no-cache,double-free"));
	printf("ret=%d\n", pool_debug_cli("caller=1"));
}

/* The configuration keyword, and the command line winning over it. */
static void c_config(void)
{
	static const char cfg[] = "global\n    pool-debug tag,caller double-free\n"
				  "    tune.memory.hot-size 64k\n";

	printf("parse=%d\n", cfg_parse_buffer("t.cfg", cfg, strlen(cfg)));
	pool_debug_apply();
	printf("cfg flags=%#x hot=%zu\n", pool_debug, pool_cache_bytes);
	pool_debug_cli("integrity");
	pool_debug_apply();
	printf("cli flags=%#x\n", pool_debug);
	cfg_parse_buffer("bad.cfg", "global\n    pool-debug tagg\n", 26);
}

static void test_faults(void)
{
	static struct child c;
	char buf[128], want[256];

	run_child(c_poison, &c);
	CHECK_INT(c.sig, 0);
	EXPECT(&c, "poison: 0 bytes not poisoned, stride=104\n");

	run_child(c_poison_default, &c);
	EXPECT(&c, "poison byte 0x50\n");

	run_child(c_integrity, &c);
	EXPECT_REPORT(&c, "uaf", "use-after-free/late write (2 bytes changed after the free, the first at +10)");
	snprintf(want, sizeof(want), "detected by pool_alloc() called at tests/unit/%s c_integrity()",
		 marked(&c, "alloc", buf, sizeof(buf)));
	EXPECT(&c, want);
	snprintf(want, sizeof(want), "last free: tests/unit/%s c_integrity()",
		 marked(&c, "free", buf, sizeof(buf)));
	EXPECT(&c, want);
	EXPECT(&c, "    +0000   a5 a5 a5 a5 a5 a5 a5 a5  a5 a5 58 59");

	run_child(c_checksum, &c);
	EXPECT(&c, "after free: 'precious contents'");
	EXPECT_REPORT(&c, "summed", "use-after-free/late write (the contents changed after the free: checksum mismatch)");
	EXPECT(&c, "callers not recorded");

	run_child(c_overflow, &c);
	EXPECT_REPORT(&c, "ovf", "buffer overflow past the object end (canary at +104 overwritten)");
	snprintf(want, sizeof(want), "last allocation: tests/unit/%s c_overflow() from ",
		 marked(&c, "alloc", buf, sizeof(buf)));
	EXPECT(&c, want);
	snprintf(want, sizeof(want), "detected by pool_free() called at tests/unit/%s c_overflow()",
		 marked(&c, "free", buf, sizeof(buf)));
	EXPECT(&c, want);
	EXPECT(&c, "last free: none since the allocation");
	EXPECT(&c, "    +0060   00 00 00 00 00 00 00 00  00");

	run_child(c_wrong_pool, &c);
	EXPECT_REPORT(&c, "pool-b", "free into the wrong pool (object of pool 'pool-a' freed into pool 'pool-b')");

	run_child(c_wrong_pool_size, &c);
	EXPECT_REPORT(&c, "large-b", "free into the wrong pool (object of pool 'small-a' freed into pool 'large-b')");

	run_child(c_double_free_same, &c);
	EXPECT_REPORT(&c, "df-same", "double free (same caller as the previous free)");
	snprintf(want, sizeof(want), "detected by pool_free() called at tests/unit/%s c_double_free_same()",
		 marked(&c, "free", buf, sizeof(buf)));
	EXPECT(&c, want);

	run_child(c_double_free_other, &c);
	snprintf(want, sizeof(want), "double free (previous free at tests/unit/%s c_double_free_other())",
		 marked(&c, "first", buf, sizeof(buf)));
	EXPECT_REPORT(&c, "df-other", want);
	snprintf(want, sizeof(want), "detected by pool_free() called at tests/unit/%s c_double_free_other()",
		 marked(&c, "second", buf, sizeof(buf)));
	EXPECT(&c, want);

	run_child(c_double_free_plain, &c);
	EXPECT_REPORT(&c, "df-plain", "): double free at object");
	EXPECT(&c, "POOLFREE");

	run_child(c_double_free_tag, &c);
	EXPECT_REPORT(&c, "df-tag", "double free (the canary says the object is already free)");

	run_child(c_preserve, &c);
	CHECK_INT(c.sig, 0);
	EXPECT(&c, "preserve: 64 of 64 bytes kept, same=1, links at +64\n");

	run_child(c_no_cache, &c);
	CHECK_INT(c.sig, 0);
	EXPECT(&c, "no-cache: distinct=1 usable=1 in_sys=2 after=0 cached=0 shared=0 released=2\n");

	run_child(c_frozen, &c);
	EXPECT(&c, "[WARNING] pool 'early' already has objects: its debugging options stay unchanged");
	EXPECT(&c, "early flags=0\n");

	run_child(c_help, &c);
	CHECK_INT(c.status, 0);
	EXPECT(&c, "  double-free    mark free objects");
	EXPECT(&c, "  poison[=BYTE]  fill objects");

	run_child(c_unknown, &c);
	EXPECT(&c, "[ALERT] -dMtag,bogus: unknown option 'bogus' (known: poison[=BYTE], integrity, "
		   "checksum, tag, caller, double-free, preserve, no-cache, none, help; 'help' describes them)");
	EXPECT(&c, "'integrity' overwrites free objects: it cannot be combined with 'preserve'");
	EXPECT(&c, "'no-cache' frees objects at once");
	EXPECT(&c, "option 'caller' takes no value");
	EXPECT(&c, "ret=-1\nret=-1\nret=-1\nret=-1\n");

	run_child(c_config, &c);
	EXPECT(&c, "parse=0\n");
	snprintf(want, sizeof(want), "cfg flags=%#x hot=65536\n",
		 POOL_DBG_TAG | POOL_DBG_CALLER | POOL_DBG_DOUBLE_FREE);
	EXPECT(&c, want);
	snprintf(want, sizeof(want), "cli flags=%#x\n", POOL_DBG_INTEGRITY);
	EXPECT(&c, want);
	EXPECT(&c, "bad.cfg:2: 'pool-debug': unknown option 'tagg'");
}

/* Trailer sizes per mode: what doc/management.md promises. */
static void test_layouts(void)
{
	static const struct { const char *opts; unsigned extra; } l[] = {
		{ "none", 0 }, { "poison", 0 }, { "no-cache", 0 }, { "tag", 8 },
		{ "double-free", 8 }, { "caller", 32 }, { "preserve", 32 },
		{ "integrity", 32 }, { "checksum", 40 },
		{ "tag,caller,double-free,integrity", 80 },
	};

	for (size_t i = 0; i < ARRAY_SIZE(l); i++) {
		struct pool_head *ph;

		pool_debug_cli(l[i].opts);
		pool_debug_apply();
		ph = pool_create("layout", 100);
		CHECK_INT_AT(ph->stride - ph->size, l[i].extra, __FILE__, __LINE__);
		pool_debug_cli("none");
		pool_debug_apply();
	}
}

/* ------------------------------------------------------------------ bench */

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

/* The default fast path without its test of the flags and the limit: the
 * reference for "the default mode costs nothing". */
static inline void *nocheck_alloc(struct pool_head *ph)
{
	int t = tid;
	struct pool_cache *pc = &ph->cache[t];

	if (likely(!list_empty(&pc->list))) {
		struct pool_item *it = container_of(pc->list.n, struct pool_item, by_pool);

		pool_threads[t].cached_bytes -= ph->stride;
		pool_unlink(&it->by_pool);
		pool_unlink(&it->by_lru);
		pc->count--;
		pc->used++;
		return it;
	}
	return pool_alloc_slow(ph, NULL);
}

static inline void nocheck_free(struct pool_head *ph, void *ptr)
{
	int t = tid;
	struct pool_cache *pc = &ph->cache[t];
	struct pool_thread *pt = &pool_threads[t];
	struct pool_item *it = ptr;
	size_t cached = pt->cached_bytes + ph->stride;

	if (unlikely(!ptr))
		return;
	pt->cached_bytes = cached;
	list_insert(&pc->list, &it->by_pool);
	list_insert(&pt->lru, &it->by_lru);
	pc->count++;
	pc->used--;
	if (unlikely(cached > pool_cache_bytes))
		pool_evict_lru(pt, pool_cache_bytes - pool_cache_bytes / 4);
}

enum { BENCH_N = 4000000, BENCH_B = 64, BENCH_RUNS = 7 };

/* Best of BENCH_RUNS (the machine may be busy): ns per alloc/free pair,
 * one at a time and in bursts of BENCH_B. */
#define BENCH_LOOP(best1, bestb, ALLOC, FREE) do {                          \
	void *objs_[BENCH_B];                                                \
	for (int r_ = 0; r_ < BENCH_RUNS; r_++) {                            \
		double t0_ = now_ns(), t1_, t2_;                             \
		for (int i_ = 0; i_ < BENCH_N; i_++) {                       \
			void *o_ = ALLOC;                                    \
			__asm__ volatile("" : : "r"(o_) : "memory");         \
			FREE(o_);                                            \
		}                                                            \
		t1_ = now_ns();                                              \
		for (int i_ = 0; i_ < BENCH_N / BENCH_B; i_++) {             \
			for (int k_ = 0; k_ < BENCH_B; k_++)                 \
				objs_[k_] = ALLOC;                           \
			__asm__ volatile("" : : "r"(objs_) : "memory");      \
			for (int k_ = 0; k_ < BENCH_B; k_++)                 \
				FREE(objs_[k_]);                             \
		}                                                            \
		t2_ = now_ns();                                              \
		best1 = MIN(best1, (t1_ - t0_) / BENCH_N);                   \
		bestb = MIN(bestb, (t2_ - t1_) / (BENCH_N / BENCH_B * BENCH_B)); \
	}                                                                    \
} while (0)

static void bench_print(const char *what, double one, double burst)
{
	printf("  %-36s %6.2f ns/pair  %6.2f ns/pair in bursts of %d\n",
	       what, one, burst, BENCH_B);
}

static void bench_pool(const char *what, struct pool_head *ph)
{
	double one = 1e9, burst = 1e9;

#define PFREE(o) pool_free(ph, o)
	BENCH_LOOP(one, burst, pool_alloc(ph), PFREE);
	bench_print(what, one, burst);
}

static void bench_reference(struct pool_head *ph)
{
	double one = 1e9, burst = 1e9;

#define NFREE(o) nocheck_free(ph, o)
	BENCH_LOOP(one, burst, nocheck_alloc(ph), NFREE);
	bench_print("same fast path, no flags/limit test", one, burst);
	one = burst = 1e9;
	BENCH_LOOP(one, burst, malloc(104), free);
	bench_print("malloc/free (104 bytes)", one, burst);
}

/* Apply options in the benchmark: the warnings about the pools that keep
 * their layout are expected, keep them quiet. */
static void bench_mode(const char *opts)
{
	int fd = dup(2), nul = open("/dev/null", O_WRONLY);

	dup2(nul, 2);
	pool_debug_cli(opts);
	pool_debug_apply();
	dup2(fd, 2);
	close(fd);
	close(nul);
}

static int bench(void)
{
	static const char *modes[] = { "integrity,tag", "tag", "caller", "poison",
				       "tag,caller,double-free,integrity", "no-cache" };

	struct pool_head *def = pool_create("bench", 100);

	printf("pool alloc/free pair, object of 100 bytes, one thread, best of %d:\n", BENCH_RUNS);
	bench_pool("default", def);
	bench_reference(def);
	for (size_t i = 0; i < ARRAY_SIZE(modes); i++) {
		char name[64];

		bench_mode(modes[i]);
		snprintf(name, sizeof(name), "-dM%s", modes[i]);
		bench_pool(name, pool_create("bench-dbg", 100));
		bench_mode("none");
	}
	return 0;
}

int main(int argc, char **argv)
{
	thread_ctx_init(0);
	thread_bind(0);
	if (argc > 1 && strcmp(argv[1], "--bench") == 0)
		return bench();
	test_faults();
	test_layouts();
	return UNIT_SUMMARY("test_pool_dbg");
}
