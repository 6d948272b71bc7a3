/* lb_static_rr.c: "balance static-rr", weighted round robin over a table
 * computed when servers come or go: O(1) per pick, no lock. Static as in
 * HAProxy: a server's weight is its configured one, taken when it enters
 * the set; weight changes while it is up (slowstart) are ignored.
 *
 * The table is a smooth sequence (lb_seq) published as a snapshot; each
 * thread walks it with its own cursor. */
#include <stdlib.h>
#include "lb/lb.h"

struct srr_state {
	unsigned nb_srv;
	int dirty;                    /* the set changed since the last commit */
	unsigned *w;                  /* weight taken when the server entered, 0 = out */
	struct lb_seq *seq;           /* snapshot read by picks */
	struct lb_cursor cur[MAX_THREADS];
};

/* The weight a static algorithm gives srv: its configured weight (the
 * effective one if that is 0 while usable, e.g. changed at runtime). */
static unsigned srr_weight(const struct proxy *be, const struct server *srv)
{
	return srv->weight ? srv->weight : lb_srv_weight(be, srv);
}

static void srr_up(struct proxy *be, struct server *srv)
{
	struct srr_state *st = be->lb_ctx;

	st->w[srv->puid - 1] = srr_weight(be, srv);
	st->dirty = 1;
}

static void srr_down(struct proxy *be, struct server *srv)
{
	struct srr_state *st = be->lb_ctx;

	st->w[srv->puid - 1] = 0;
	st->dirty = 1;
}

static void srr_commit(struct proxy *be)
{
	struct srr_state *st = be->lb_ctx;

	if (!st->dirty)
		return;
	st->dirty = 0;
	lb_publish(&st->seq, lb_seq_build(be->lbs->srv, st->w, st->nb_srv, 0));
}

static struct server *srr_pick(struct proxy *be, const struct lb_req *req)
{
	struct srr_state *st = be->lb_ctx;
	struct lb_seq *seq = lb_snap(&st->seq);

	if (!seq)
		return NULL;
	return seq->srv[lb_cursor_next(&st->cur[tid], seq->len)];
}

static int srr_init(struct proxy *be)
{
	struct srr_state *st = calloc(1, sizeof(*st));

	if (!st)
		return -1;
	be->lb_ctx = st;
	st->nb_srv = be->nb_srv;
	st->w = calloc(be->nb_srv ? be->nb_srv : 1, sizeof(*st->w));
	return st->w ? 0 : -1;
}

static void srr_deinit(struct proxy *be)
{
	struct srr_state *st = be->lb_ctx;

	free(st->w);
	free(st->seq);
	free(st);
	be->lb_ctx = NULL;
}

static const struct lb_ops lb_static_rr_ops = {
	.name     = "static-rr",
	.flags    = LB_ALGO_STATIC,
	.init     = srr_init,
	.pick     = srr_pick,
	.srv_up   = srr_up,
	.srv_down = srr_down,
	.commit   = srr_commit,
	.deinit   = srr_deinit,
};

LB_REGISTER(lb_static_rr_ops);
