/* lb_rr.c: "balance roundrobin", smooth weighted round robin. Each thread
 * keeps its own current weights so that picking takes no lock; every thread's
 * sequence is smooth (a weight-3 server never gets 3 requests in a row when a
 * weight-1 one exists) and the proportions hold over each cycle. O(n) per
 * pick; the LB issue replaces this with a tree for large farms. */
#include <stdlib.h>
#include "lb/lb.h"
#include "lb/server-t.h"
#include "core/thread-t.h"

struct rr_state {
	int total;                    /* sum of weights */
	int *cur[MAX_THREADS];        /* per-thread current weight per server */
	struct server **srv;          /* by index */
};

static int rr_init(struct proxy *be)
{
	struct rr_state *st = calloc(1, sizeof(*st));
	int i = 0;

	if (!st)
		return -1;
	st->srv = calloc(be->nb_srv ? be->nb_srv : 1, sizeof(*st->srv));
	if (!st->srv)
		return -1;
	for (struct server *s = be->srv; s; s = s->next) {
		st->srv[i++] = s;
		st->total += s->weight;
	}
	for (int t = 0; t < MAX_THREADS; t++) {
		st->cur[t] = calloc(be->nb_srv ? be->nb_srv : 1, sizeof(int));
		if (!st->cur[t])
			return -1;
	}
	be->lb_ctx = st;
	return 0;
}

static struct server *rr_pick(struct proxy *be, const struct lb_req *req)
{
	struct rr_state *st = be->lb_ctx;
	int *cur = st->cur[tid];
	int best = -1;

	if (!st->total)
		return NULL;
	for (unsigned i = 0; i < be->nb_srv; i++) {
		int w = st->srv[i]->weight;

		if (!w)
			continue;
		cur[i] += w;
		if (best < 0 || cur[i] > cur[best])
			best = i;
	}
	cur[best] -= st->total;
	return st->srv[best];
}

static void rr_deinit(struct proxy *be)
{
	struct rr_state *st = be->lb_ctx;

	if (!st)
		return;
	for (int t = 0; t < MAX_THREADS; t++)
		free(st->cur[t]);
	free(st->srv);
	free(st);
	be->lb_ctx = NULL;
}

static const struct lb_ops lb_rr_ops = {
	.name   = "roundrobin",
	.init   = rr_init,
	.pick   = rr_pick,
	.deinit = rr_deinit,
};

static struct lb_reg lb_rr_reg = { .ops = &lb_rr_ops };

__attribute__((constructor)) static void lb_rr_register(void)
{
	lb_register(&lb_rr_reg);
}
