/* lb_rr.c: "balance roundrobin", smooth weighted round robin, dynamic
 * (weights follow eweight, so slowstart works). O(1) per pick (amortized),
 * no lock.
 *
 * Each thread keeps its own schedule on a virtual clock where a cycle lasts
 * 2^32 units. A server of weight w comes back every 2^32/w units, starting
 * at a phase of its own (lb_phase), so its turns are evenly spaced and
 * servers of equal weight interleave: the sequence is smooth (weights 3,1,1
 * give a b a c a) and each cycle gives every server its weight.
 *
 * The servers wait for their deadline in a timing wheel spanning two cycles
 * (no deadline is ever further than one cycle and one bucket away): at least
 * two buckets per pick of a cycle, each a FIFO. A pick takes the first
 * server of the current bucket, or moves to the next non-empty one (about
 * one step per pick on average), and files the server again one stride
 * later. Servers whose deadlines fall in the same bucket, closer than one
 * average pick apart, go in filing order rather than exact deadline order.
 *
 * When lb_gen() moves, the thread resynchronises with lb_state.w[] before
 * its next pick (O(n + buckets)): a server entering or changing weight
 * restarts from the current virtual time, the others keep their deadline. */
#include <stdlib.h>
#include "lb/lb.h"

#define RR_NIL          0xffffffffU
#define RR_MIN_BUCKETS  16
#define RR_MAX_BUCKETS  16384     /* 128 kB per thread; beyond, buckets hold more */

struct rr_th {
	unsigned gen;                 /* lb_gen() this schedule reflects */
	int built;
	unsigned n;                   /* servers in the wheel */
	unsigned nb;                  /* buckets, a power of 2 */
	unsigned shift;               /* bucket of a deadline: (dl >> shift) & (nb - 1) */
	unsigned cur;                 /* current bucket */
	uint64_t vt;                  /* virtual time of the last pick */
	uint32_t *head, *tail;        /* per bucket: FIFO of server indexes */
	uint32_t *next;               /* per server: next in its bucket */
	uint64_t *dl;                 /* per server: next deadline */
	uint64_t *stride;             /* per server: 2^32 / weight */
	unsigned *w;                  /* per server: weight as this thread knows it, 0 = out */
};

struct rr_state {
	unsigned nb_srv;
	struct rr_th *th[MAX_THREADS];/* allocated by each thread on its first pick */
};

static inline void rr_file(struct rr_th *t, uint32_t i)
{
	unsigned b = (unsigned)(t->dl[i] >> t->shift) & (t->nb - 1);

	t->next[i] = RR_NIL;
	if (t->tail[b] == RR_NIL)
		t->head[b] = i;
	else
		t->next[t->tail[b]] = i;
	t->tail[b] = i;
}

static void rr_th_free(struct rr_th *t)
{
	if (!t)
		return;
	free(t->head);
	free(t->tail);
	free(t->next);
	free(t->dl);
	free(t->stride);
	free(t->w);
	free(t);
}

static struct rr_th *rr_th_new(unsigned n)
{
	struct rr_th *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	n = n ? n : 1;
	t->next = calloc(n, sizeof(*t->next));
	t->dl = calloc(n, sizeof(*t->dl));
	t->stride = calloc(n, sizeof(*t->stride));
	t->w = calloc(n, sizeof(*t->w));
	if (!t->next || !t->dl || !t->stride || !t->w) {
		rr_th_free(t);
		return NULL;
	}
	return t;
}

/* Size the wheel for a total weight <tot>: two buckets per pick of a cycle,
 * over two cycles. Returns 0 or -1 (no memory: the old wheel stays). */
static int rr_wheel(struct rr_th *t, uint64_t tot)
{
	unsigned nb = RR_MIN_BUCKETS, bits = 4;
	uint32_t *head, *tail;

	while (nb < RR_MAX_BUCKETS && nb < 4 * tot) {
		nb <<= 1;
		bits++;
	}
	if (nb != t->nb) {
		head = malloc(nb * sizeof(*head));
		tail = malloc(nb * sizeof(*tail));
		if (!head || !tail) {
			free(head);
			free(tail);
			return t->nb ? 0 : -1;
		}
		free(t->head);
		free(t->tail);
		t->head = head;
		t->tail = tail;
		t->nb = nb;
		t->shift = 33 - bits;
	}
	for (unsigned b = 0; b < t->nb; b++)
		t->head[b] = t->tail[b] = RR_NIL;
	return 0;
}

/* Bring this thread's schedule to generation <gen>. */
static struct rr_th *rr_sync(struct proxy *be, struct rr_state *st, unsigned gen)
{
	struct rr_th *t = st->th[tid];
	const unsigned *w = be->lbs->w;
	uint64_t tot = 0;
	unsigned i;

	if (!t) {
		t = rr_th_new(st->nb_srv);
		if (!t)
			return NULL;
		st->th[tid] = t;
	}
	for (i = 0; i < st->nb_srv; i++)
		tot += __atomic_load_n(&w[i], __ATOMIC_RELAXED);
	if (rr_wheel(t, tot) < 0)
		return NULL;
	t->n = 0;
	for (i = 0; i < st->nb_srv; i++) {
		unsigned nw = __atomic_load_n(&w[i], __ATOMIC_RELAXED);

		if (nw != t->w[i] && nw) {
			t->stride[i] = (1ULL << 32) / nw;
			t->dl[i] = t->vt + ((uint64_t)lb_phase(i, (unsigned)tid) << 16) / nw;
		}
		t->w[i] = nw;
		if (nw) {
			rr_file(t, i);
			t->n++;
		}
	}
	t->cur = (unsigned)(t->vt >> t->shift) & (t->nb - 1);
	t->gen = gen;
	t->built = 1;
	return t;
}

static struct server *rr_pick(struct proxy *be, const struct lb_req *req)
{
	struct rr_state *st = be->lb_ctx;
	struct rr_th *t = st->th[tid];
	unsigned gen = lb_gen(be), cur;
	uint32_t i;

	if (unlikely(!t || !t->built || t->gen != gen)) {
		t = rr_sync(be, st, gen);
		if (!t)
			return NULL;
	}
	if (!t->n)
		return NULL;
	cur = t->cur;
	while ((i = t->head[cur]) == RR_NIL)
		cur = (cur + 1) & (t->nb - 1);
	t->cur = cur;
	t->head[cur] = t->next[i];
	if (t->head[cur] == RR_NIL)
		t->tail[cur] = RR_NIL;
	t->vt = t->dl[i];
	t->dl[i] += t->stride[i];
	rr_file(t, i);
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

	for (int i = 0; i < MAX_THREADS; i++)
		rr_th_free(st->th[i]);
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
