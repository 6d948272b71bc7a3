/* lb_first.c: "balance first": the first server of the set, by puid, that
 * has a free connection slot (cur_sess < maxconn; maxconn 0 = unlimited).
 * Weights are ignored. A pick costs one step per full server before the
 * first free one; no lock. The set is a snapshot rebuilt on changes. */
#include <stdlib.h>
#include "lb/lb.h"

struct first_snap {
	unsigned n;
	struct server *srv[];         /* the set, in puid order */
};

struct first_state {
	struct first_snap *snap;
};

static void first_commit(struct proxy *be)
{
	struct first_state *st = be->lb_ctx;
	struct lb_state *ls = be->lbs;
	struct first_snap *s = NULL;
	unsigned i;

	if (ls->nb_in) {
		s = malloc(sizeof(*s) + ls->nb_in * sizeof(s->srv[0]));
		if (!s)
			return;         /* keep the previous set rather than none */
		s->n = 0;
		for (i = 0; i < ls->nb_srv; i++)
			if (ls->w[i])
				s->srv[s->n++] = ls->srv[i];
	}
	lb_publish(&st->snap, s);
}

static struct server *first_pick(struct proxy *be, const struct lb_req *req)
{
	struct first_state *st = be->lb_ctx;
	struct first_snap *s = lb_snap(&st->snap);

	if (!s)
		return NULL;
	for (unsigned i = 0; i < s->n; i++) {
		struct server *srv = s->srv[i];

		if (!srv->maxconn || __atomic_load_n(&srv->cur_sess, __ATOMIC_RELAXED) < srv->maxconn)
			return srv;
	}
	return s->srv[0];       /* all full: the caller queues */
}

static int first_init(struct proxy *be)
{
	be->lb_ctx = calloc(1, sizeof(struct first_state));
	return be->lb_ctx ? 0 : -1;
}

static void first_deinit(struct proxy *be)
{
	struct first_state *st = be->lb_ctx;

	free(st->snap);
	free(st);
	be->lb_ctx = NULL;
}

static const struct lb_ops lb_first_ops = {
	.name   = "first",
	.init   = first_init,
	.pick   = first_pick,
	.commit = first_commit,
	.deinit = first_deinit,
};

LB_REGISTER(lb_first_ops);
