/* lb_seq.c: helpers shared by the algorithms: smooth weighted sequences
 * (static-rr, map-based hashing) and the per-thread random generator.
 *
 * A smooth sequence places the k-th occurrence (k = 0..w-1) of a server of
 * weight w at (k + phase) / w of a cycle, and lists every occurrence by that
 * position. Each server's occurrences are thus evenly spaced, and servers of
 * equal weight get distinct phases, so they interleave instead of bunching
 * (weights 3,1,1 give a b a c a, not a a b c a). */
#include <stdlib.h>
#include <time.h>
#include "lb/lb.h"

__thread uint64_t lb_rng;

uint64_t lb_rand_seed(void)
{
	struct timespec ts;
	uint64_t x;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	x = (uint64_t)ts.tv_nsec ^ ((uint64_t)ts.tv_sec << 32) ^ ((uint64_t)(uintptr_t)&ts << 7) ^
	    ((uint64_t)tid * 0x9E3779B97F4A7C15ULL);
	/* splitmix64 finaliser: any seed gives a well-mixed non-zero state */
	x += 0x9E3779B97F4A7C15ULL;
	x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
	x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
	x ^= x >> 31;
	lb_rng = x ? x : 1;
	return lb_rng;
}

static unsigned gcd(unsigned a, unsigned b)
{
	while (b) {
		unsigned t = a % b;

		a = b;
		b = t;
	}
	return a;
}

/* One server in the builder's heap: its next occurrence is the k-th. */
struct seq_ent {
	unsigned k, w, phase, idx;
};

/* a before b: earlier position ((k + phase/65536) / w), then lower index */
static int seq_before(const struct seq_ent *a, const struct seq_ent *b)
{
	uint64_t pa = ((uint64_t)a->k << 16) + a->phase;
	uint64_t pb = ((uint64_t)b->k << 16) + b->phase;
	uint64_t l = pa * b->w, r = pb * a->w;

	return l < r || (l == r && a->idx < b->idx);
}

static void seq_down(struct seq_ent *h, unsigned n, unsigned i)
{
	for (;;) {
		unsigned l = 2 * i + 1, m = i;
		struct seq_ent t;

		if (l < n && seq_before(&h[l], &h[m]))
			m = l;
		if (l + 1 < n && seq_before(&h[l + 1], &h[m]))
			m = l + 1;
		if (m == i)
			return;
		t = h[i];
		h[i] = h[m];
		h[m] = t;
		i = m;
	}
}

struct lb_seq *lb_seq_build(struct server *const *srv, const unsigned *w, unsigned n,
			    unsigned phase)
{
	struct seq_ent *h;
	struct lb_seq *seq;
	unsigned i, cnt = 0, g = 0, pos;
	uint64_t tot = 0;

	for (i = 0; i < n; i++)
		if (w[i])
			g = gcd(w[i], g);
	if (!g)
		return NULL;
	for (i = 0; i < n; i++) {
		ASSERT(w[i] <= (1U << 20));
		tot += w[i] / g;
		cnt += !!w[i];
	}
	ASSERT(tot < (1U << 28));
	h = malloc(cnt * sizeof(*h));
	seq = malloc(sizeof(*seq) + tot * sizeof(seq->srv[0]));
	if (!h || !seq) {
		free(h);
		free(seq);
		return NULL;
	}
	for (i = 0, cnt = 0; i < n; i++)
		if (w[i])
			h[cnt++] = (struct seq_ent){ 0, w[i] / g, lb_phase(i, phase), i };
	for (i = cnt / 2; i-- > 0; )
		seq_down(h, cnt, i);
	seq->len = (unsigned)tot;
	for (pos = 0; pos < seq->len; pos++) {
		seq->srv[pos] = srv[h[0].idx];
		if (++h[0].k == h[0].w)
			h[0] = h[--cnt];
		seq_down(h, cnt, 0);
	}
	free(h);
	return seq;
}
