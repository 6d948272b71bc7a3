/* lb_rr.c: "balance roundrobin", smooth weighted round robin, dynamic
 * (weights follow eweight, so slowstart works). O(log n) per pick, no lock.
 *
 * Each thread keeps its own schedule: a binary heap of the servers of the
 * set ordered by their next deadline on a virtual clock where a cycle lasts
 * 2^32 units. A server of weight w comes back every 2^32/w units, starting
 * at a phase of its own (lb_phase), so its turns are evenly spaced and
 * servers of equal weight interleave: the sequence is smooth (weights 3,1,1
 * give a b a c a) and each cycle gives every server exactly its weight.
 * Deadlines are compared by signed difference, so the clock may wrap.
 *
 * When lb_gen() moves, the thread resynchronises with lb_state.w[] before
 * its next pick (O(n)): a server entering or changing weight restarts from
 * the current virtual time, the others keep their place. */
#include <stdlib.h>
#include "lb/lb.h"

struct rr_th {
	unsigned gen;                 /* lb_gen() this schedule reflects */
	int built;
	unsigned n;                   /* servers in the heap */
	uint64_t vt;                  /* virtual time of the last pick */
	uint32_t *heap;               /* server indexes, earliest deadline first */
	uint64_t *dl;                 /* next deadline, per server index */
	uint64_t *stride;             /* 2^32 / weight, per server index */
	unsigned *w;                  /* weight as this thread knows it, 0 = out */
};

struct rr_state {
	unsigned nb_srv;
	struct rr_th *th[MAX_THREADS];/* allocated by each thread on its first pick */
};

static inline int rr_before(const struct rr_th *t, uint32_t a, uint32_t b)
{
	int64_t d = (int64_t)(t->dl[a] - t->dl[b]);

	return d < 0 || (d == 0 && a < b);
}

static void rr_down(struct rr_th *t, unsigned i)
{
	uint32_t *h = t->heap;
	unsigned n = t->n;

	for (;;) {
		unsigned l = 2 * i + 1, m = i;
		uint32_t x;

		if (l < n && rr_before(t, h[l], h[m]))
			m = l;
		if (l + 1 < n && rr_before(t, h[l + 1], h[m]))
			m = l + 1;
		if (m == i)
			return;
		x = h[i];
		h[i] = h[m];
		h[m] = x;
		i = m;
	}
}

static struct rr_th *rr_th_new(unsigned n)
{
	struct rr_th *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	n = n ? n : 1;
	t->heap = calloc(n, sizeof(*t->heap));
	t->dl = calloc(n, sizeof(*t->dl));
	t->stride = calloc(n, sizeof(*t->stride));
	t->w = calloc(n, sizeof(*t->w));
	if (!t->heap || !t->dl || !t->stride || !t->w) {
		free(t->heap);
		free(t->dl);
		free(t->stride);
		free(t->w);
		free(t);
		return NULL;
	}
	return t;
}

/* Bring this thread's schedule to generation <gen>. */
static struct rr_th *rr_sync(struct proxy *be, struct rr_state *st, unsigned gen)
{
	struct rr_th *t = st->th[tid];
	const unsigned *w = be->lbs->w;
	unsigned i;

	if (!t) {
		t = rr_th_new(st->nb_srv);
		if (!t)
			return NULL;
		st->th[tid] = t;
	}
	t->n = 0;
	for (i = 0; i < st->nb_srv; i++) {
		unsigned nw = __atomic_load_n(&w[i], __ATOMIC_RELAXED);

		if (nw != t->w[i] && nw) {
			t->stride[i] = (1ULL << 32) / nw;
			t->dl[i] = t->vt + ((uint64_t)lb_phase(i, (unsigned)tid) << 16) / nw;
		}
		t->w[i] = nw;
		if (nw)
			t->heap[t->n++] = i;
	}
	for (i = t->n / 2; i-- > 0; )
		rr_down(t, i);
	t->gen = gen;
	t->built = 1;
	return t;
}

static struct server *rr_pick(struct proxy *be, const struct lb_req *req)
{
	struct rr_state *st = be->lb_ctx;
	struct rr_th *t = st->th[tid];
	unsigned gen = lb_gen(be);
	uint32_t i;

	if (unlikely(!t || !t->built || t->gen != gen)) {
		t = rr_sync(be, st, gen);
		if (!t)
			return NULL;
	}
	if (!t->n)
		return NULL;
	i = t->heap[0];
	t->vt = t->dl[i];
	t->dl[i] += t->stride[i];
	rr_down(t, 0);
	return be->lbs->srv[i];
}

static int rr_init(struct proxy *be)
{
	struct rr_state *st = calloc(1, sizeof(*st));

	if (!st)
		return -1;
	st->nb_srv = be->nb_srv;
	be->lb_ctx = st;
	return 0;
}

static void rr_deinit(struct proxy *be)
{
	struct rr_state *st = be->lb_ctx;

	for (int i = 0; i < MAX_THREADS; i++) {
		struct rr_th *t = st->th[i];

		if (!t)
			continue;
		free(t->heap);
		free(t->dl);
		free(t->stride);
		free(t->w);
		free(t);
	}
	free(st);
	be->lb_ctx = NULL;
}

/* Nothing to do on changes: each thread follows lb_gen() by itself. */
static const struct lb_ops lb_rr_ops = {
	.name   = "roundrobin",
	.init   = rr_init,
	.pick   = rr_pick,
	.deinit = rr_deinit,
};

LB_REGISTER(lb_rr_ops);
