/* lb_leastconn.c: "balance leastconn": the server with the fewest exchanges
 * in progress relative to its weight (cur_sess / eweight); among equally
 * loaded servers, the one that took an exchange longest ago, so that idle
 * servers are used in turn. Dynamic (weights follow eweight).
 *
 * Servers of the set sit in a binary heap keyed by (load, last take),
 * maintained under a spinlock of its own by the changes of the set and by
 * lb_srv_load() on every change of cur_sess: O(log n). The top of the heap
 * is published in `best`; a pick reads it, O(1) and without lock.
 *
 * If cur_sess changed without lb_srv_load() (a caller not wired yet, or a
 * test setting it by hand), a pick that finds the best server's load
 * differing from its key repositions it when the lock is free (trylock,
 * never waiting), up to a few times per pick. */
#include <stdlib.h>
#include "lb/lb.h"

#define LC_REPAIRS 4

struct lc_state {
	pthread_spinlock_t lock;      /* the heap and everything below */
	unsigned nb_srv;
	unsigned n;                   /* servers in the heap */
	uint32_t clock;               /* counts takes, for the tie-break */
	uint32_t *heap;               /* server indexes, least loaded first */
	int *pos;                     /* heap position per server, -1 = out */
	uint64_t *key;                /* (cur << 16) / weight */
	uint32_t *seq;                /* clock at the server's last take */
	unsigned *cur;                /* cur_sess the key was computed from (atomic) */
	unsigned *w;
	struct server *best;          /* heap top for picks (atomic), NULL if empty */
};

static inline int lc_before(const struct lc_state *st, uint32_t a, uint32_t b)
{
	if (st->key[a] != st->key[b])
		return st->key[a] < st->key[b];
	if (st->seq[a] != st->seq[b])
		return (int32_t)(st->seq[a] - st->seq[b]) < 0;
	return a < b;
}

static void lc_swap(struct lc_state *st, unsigned i, unsigned j)
{
	uint32_t x = st->heap[i];

	st->heap[i] = st->heap[j];
	st->heap[j] = x;
	st->pos[st->heap[i]] = (int)i;
	st->pos[st->heap[j]] = (int)j;
}

static void lc_fix(struct lc_state *st, unsigned i)
{
	while (i > 0 && lc_before(st, st->heap[i], st->heap[(i - 1) / 2])) {
		lc_swap(st, i, (i - 1) / 2);
		i = (i - 1) / 2;
	}
	for (;;) {
		unsigned l = 2 * i + 1, m = i;

		if (l < st->n && lc_before(st, st->heap[l], st->heap[m]))
			m = l;
		if (l + 1 < st->n && lc_before(st, st->heap[l + 1], st->heap[m]))
			m = l + 1;
		if (m == i)
			break;
		lc_swap(st, i, m);
		i = m;
	}
}

static void lc_publish(struct proxy *be, struct lc_state *st)
{
	__atomic_store_n(&st->best, st->n ? be->lbs->srv[st->heap[0]] : NULL, __ATOMIC_RELEASE);
}

/* Recompute i's key from its live load; a rise counts as a take. Lock held. */
static void lc_rekey(struct lc_state *st, unsigned i, struct server *srv)
{
	unsigned cur = __atomic_load_n(&srv->cur_sess, __ATOMIC_RELAXED);

	if (cur > st->cur[i])
		st->seq[i] = ++st->clock;
	__atomic_store_n(&st->cur[i], cur, __ATOMIC_RELAXED);
	st->key[i] = ((uint64_t)cur << 16) / (st->w[i] ? st->w[i] : 1);
}

static void lc_up(struct proxy *be, struct server *srv)
{
	struct lc_state *st = be->lb_ctx;
	unsigned i = srv->puid - 1;

	pthread_spin_lock(&st->lock);
	if (st->pos[i] < 0) {
		st->w[i] = lb_srv_weight(be, srv);
		__atomic_store_n(&st->cur[i], 0, __ATOMIC_RELAXED);
		st->seq[i] = ++st->clock;
		lc_rekey(st, i, srv);
		st->heap[st->n] = i;
		st->pos[i] = (int)st->n++;
		lc_fix(st, st->n - 1);
		lc_publish(be, st);
	}
	pthread_spin_unlock(&st->lock);
}

static void lc_down(struct proxy *be, struct server *srv)
{
	struct lc_state *st = be->lb_ctx;
	unsigned i = srv->puid - 1;
	int p;

	pthread_spin_lock(&st->lock);
	p = st->pos[i];
	if (p >= 0) {
		st->pos[i] = -1;
		if ((unsigned)p != --st->n) {
			st->heap[p] = st->heap[st->n];
			st->pos[st->heap[p]] = p;
			lc_fix(st, (unsigned)p);
		}
		lc_publish(be, st);
	}
	pthread_spin_unlock(&st->lock);
}

static void lc_weight(struct proxy *be, struct server *srv)
{
	struct lc_state *st = be->lb_ctx;
	unsigned i = srv->puid - 1;

	pthread_spin_lock(&st->lock);
	if (st->pos[i] >= 0) {
		st->w[i] = lb_srv_weight(be, srv);
		lc_rekey(st, i, srv);
		lc_fix(st, (unsigned)st->pos[i]);
		lc_publish(be, st);
	}
	pthread_spin_unlock(&st->lock);
}

static void lc_load_locked(struct proxy *be, struct lc_state *st, struct server *srv)
{
	unsigned i = srv->puid - 1;

	if (st->pos[i] < 0)
		return;
	lc_rekey(st, i, srv);
	lc_fix(st, (unsigned)st->pos[i]);
	lc_publish(be, st);
}

static void lc_load(struct proxy *be, struct server *srv)
{
	struct lc_state *st = be->lb_ctx;

	pthread_spin_lock(&st->lock);
	lc_load_locked(be, st, srv);
	pthread_spin_unlock(&st->lock);
}

static struct server *lc_pick(struct proxy *be, const struct lb_req *req)
{
	struct lc_state *st = be->lb_ctx;
	struct server *best = __atomic_load_n(&st->best, __ATOMIC_ACQUIRE);

	for (int n = 0; best && n < LC_REPAIRS; n++) {
		unsigned i = best->puid - 1;

		if (__atomic_load_n(&best->cur_sess, __ATOMIC_RELAXED) ==
		    __atomic_load_n(&st->cur[i], __ATOMIC_RELAXED))
			break;
		if (pthread_spin_trylock(&st->lock) != 0)
			break;
		lc_load_locked(be, st, best);
		pthread_spin_unlock(&st->lock);
		best = __atomic_load_n(&st->best, __ATOMIC_ACQUIRE);
	}
	return best;
}

static int lc_init(struct proxy *be)
{
	struct lc_state *st = calloc(1, sizeof(*st));
	unsigned n = be->nb_srv ? be->nb_srv : 1;

	if (!st)
		return -1;
	be->lb_ctx = st;
	pthread_spin_init(&st->lock, PTHREAD_PROCESS_PRIVATE);
	st->nb_srv = be->nb_srv;
	st->heap = calloc(n, sizeof(*st->heap));
	st->pos = malloc(n * sizeof(*st->pos));
	st->key = calloc(n, sizeof(*st->key));
	st->seq = calloc(n, sizeof(*st->seq));
	st->cur = calloc(n, sizeof(*st->cur));
	st->w = calloc(n, sizeof(*st->w));
	if (!st->heap || !st->pos || !st->key || !st->seq || !st->cur || !st->w)
		return -1;
	for (unsigned i = 0; i < n; i++)
		st->pos[i] = -1;
	return 0;
}

static void lc_deinit(struct proxy *be)
{
	struct lc_state *st = be->lb_ctx;

	pthread_spin_destroy(&st->lock);
	free(st->heap);
	free(st->pos);
	free(st->key);
	free(st->seq);
	free(st->cur);
	free(st->w);
	free(st);
	be->lb_ctx = NULL;
}

static const struct lb_ops lb_leastconn_ops = {
	.name       = "leastconn",
	.init       = lc_init,
	.pick       = lc_pick,
	.srv_up     = lc_up,
	.srv_weight = lc_weight,
	.srv_down   = lc_down,
	.srv_load   = lc_load,
	.deinit     = lc_deinit,
};

LB_REGISTER(lb_leastconn_ops);
