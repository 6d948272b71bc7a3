/* lb_random.c: "balance random[(<draws>)]": draw <draws> servers at random
 * with probabilities proportional to their effective weights, keep the
 * least loaded (cur_sess / eweight): the "power of N choices". Default 2
 * draws, as in HAProxy; 1 is plain weighted random. Dynamic.
 *
 * The draw uses an alias table (Walker/Vose), rebuilt in O(n) on every
 * change and published as a snapshot: O(1) per draw, no lock. */
#include <stdlib.h>
#include "lb/lb.h"

struct rnd_ent {
	struct server *srv;
	uint64_t prob;                /* keep this entry if a 32-bit coin is below */
	uint32_t alias;               /* else take this one */
	uint32_t w;
};

struct rnd_table {
	unsigned n;
	struct rnd_ent e[];
};

struct rnd_state {
	struct rnd_table *tab;
};

static struct rnd_table *rnd_build(const struct lb_state *ls)
{
	struct rnd_table *t;
	uint64_t *p, tot = ls->tot_w;
	uint32_t *small, *large;
	unsigned i, n = 0, ns = 0, nl = 0;

	if (!ls->nb_in || !tot)
		return NULL;
	t = malloc(sizeof(*t) + ls->nb_in * sizeof(t->e[0]));
	p = malloc(ls->nb_in * sizeof(*p));
	small = malloc(ls->nb_in * sizeof(*small));
	large = malloc(ls->nb_in * sizeof(*large));
	if (!t || !p || !small || !large)
		goto fail;
	for (i = 0; i < ls->nb_srv; i++) {
		if (!ls->w[i])
			continue;
		t->e[n] = (struct rnd_ent){ ls->srv[i], 1ULL << 32, n, ls->w[i] };
		/* scaled so that the average entry is worth exactly tot */
		p[n] = (uint64_t)ls->w[i] * ls->nb_in;
		if (p[n] < tot)
			small[ns++] = n;
		else
			large[nl++] = n;
		n++;
	}
	t->n = n;
	while (ns && nl) {
		uint32_t s = small[--ns], l = large[nl - 1];

		t->e[s].prob = (p[s] << 32) / tot;
		t->e[s].alias = l;
		p[l] -= tot - p[s];
		if (p[l] < tot) {
			nl--;
			small[ns++] = l;
		}
	}
	/* what is left is worth tot up to rounding: always kept */
	free(p);
	free(small);
	free(large);
	return t;
fail:
	free(t);
	free(p);
	free(small);
	free(large);
	return NULL;
}

static void rnd_commit(struct proxy *be)
{
	struct rnd_state *st = be->lb_ctx;

	lb_publish(&st->tab, rnd_build(be->lbs));
}

static inline const struct rnd_ent *rnd_draw(const struct rnd_table *t)
{
	uint64_t r = lb_rand64();
	const struct rnd_ent *e = &t->e[lb_range((uint32_t)(r >> 32), t->n)];

	return (uint32_t)r < e->prob ? e : &t->e[e->alias];
}

static struct server *rnd_pick(struct proxy *be, const struct lb_req *req)
{
	struct rnd_state *st = be->lb_ctx;
	const struct rnd_table *t = lb_snap(&st->tab);
	const struct rnd_ent *best;
	unsigned draws = be->lbc.draws ? be->lbc.draws : 2;
	uint64_t bload;

	if (!t)
		return NULL;
	best = rnd_draw(t);
	if (draws < 2)
		return best->srv;
	bload = __atomic_load_n(&best->srv->cur_sess, __ATOMIC_RELAXED);
	while (--draws) {
		const struct rnd_ent *c = rnd_draw(t);
		uint64_t cload = __atomic_load_n(&c->srv->cur_sess, __ATOMIC_RELAXED);

		/* cload / c->w < bload / best->w */
		if (cload * best->w < bload * c->w) {
			best = c;
			bload = cload;
		}
	}
	return best->srv;
}

static int rnd_init(struct proxy *be)
{
	be->lb_ctx = calloc(1, sizeof(struct rnd_state));
	return be->lb_ctx ? 0 : -1;
}

static void rnd_deinit(struct proxy *be)
{
	struct rnd_state *st = be->lb_ctx;

	free(st->tab);
	free(st);
	be->lb_ctx = NULL;
}

static const struct lb_ops lb_random_ops = {
	.name   = "random",
	.init   = rnd_init,
	.pick   = rnd_pick,
	.commit = rnd_commit,
	.deinit = rnd_deinit,
};

LB_REGISTER(lb_random_ops);
