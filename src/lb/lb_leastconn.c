/* lb_leastconn.c: "balance leastconn": the server with the fewest exchanges
 * in progress relative to its weight (cur_sess / eweight); among equally
 * loaded servers, the one that took an exchange longest ago, so that idle
 * servers are used in turn (HAProxy: round robin within a load level).
 * Dynamic (weights follow eweight).
 *
 * Servers of the set sit in a binary heap keyed by (load, last take),
 * maintained under a spinlock of its own by the changes of the set and by
 * lb_srv_load() on every change of cur_sess: O(log n). The top of the heap
 * is published in `best`; a pick reads it, O(1) and without lock.
 *
 * If cur_sess changed without lb_srv_load() (a test setting it by hand, or
 * the instant between a change and its report), a pick that finds the best
 * server's load differing from its key repositions it when the lock is free
 * (trylock, never waiting), up to a few times per pick.
 *
 * Until the first lb_srv_load() on the backend (code that changes cur_sess
 * without reporting it), the heap would never see exchanges that start and
 * end between two picks, and sequential requests would all go to the same
 * idle server. So, in that mode only, a pick also counts as a take for the
 * tie-break, under the same trylock. */
#include <stdlib.h>
#include "lb/lb.h"

#define LC_REPAIRS 4

/* A heap entry: ordered by load, then by the time of the last take. */
struct lc_ent {
	uint64_t key;                 /* cur_sess * (2^32 / weight) */
	uint64_t seq;                 /* clock at the last take (never wraps) */
	uint32_t idx;                 /* server index (puid - 1) */
};

struct lc_state {
	pthread_spinlock_t lock;      /* the heap and everything below */
	unsigned nb_srv;
	unsigned n;                   /* servers in the heap */
	uint64_t clock;               /* counts takes, for the tie-break */
	struct lc_ent *heap;          /* least loaded first */
	int *pos;                     /* heap position per server, -1 = out */
	uint64_t *inv;                /* 2^32 / weight per server */
	unsigned *cur;                /* cur_sess the key was computed from (atomic) */
	struct server *best;          /* heap top for picks (atomic), NULL if empty */
	int notified;                 /* lb_srv_load() was called (atomic) */
};

static inline int lc_before(const struct lc_ent *a, const struct lc_ent *b)
{
	unsigned __int128 x = ((unsigned __int128)a->key << 64) | a->seq;
	unsigned __int128 y = ((unsigned __int128)b->key << 64) | b->seq;

	return x < y;
}

/* Put <e> at its place, starting from the hole at <i>. */
static void lc_place(struct lc_state *st, unsigned i, struct lc_ent e)
{
	struct lc_ent *h = st->heap;
	unsigned c;

	while (i > 0 && lc_before(&e, &h[(i - 1) / 2])) {
		h[i] = h[(i - 1) / 2];
		st->pos[h[i].idx] = (int)i;
		i = (i - 1) / 2;
	}
	while ((c = 2 * i + 1) < st->n) {
		c += c + 1 < st->n && lc_before(&h[c + 1], &h[c]);
		if (!lc_before(&h[c], &e))
			break;
		h[i] = h[c];
		st->pos[h[i].idx] = (int)i;
		i = c;
	}
	h[i] = e;
	st->pos[e.idx] = (int)i;
}

static void lc_publish(struct proxy *be, struct lc_state *st)
{
	__atomic_store_n(&st->best, st->n ? be->lbs->srv[st->heap[0].idx] : NULL, __ATOMIC_RELEASE);
}

/* Recompute the entry of server i from its live load (a rise counts as a
 * take) and put it back in place. Lock held, i in the heap. */
static void lc_rekey(struct lc_state *st, unsigned i, struct server *srv)
{
	unsigned cur = __atomic_load_n(&srv->cur_sess, __ATOMIC_RELAXED);
	unsigned p = (unsigned)st->pos[i];
	struct lc_ent e = st->heap[p];

	if (cur > st->cur[i])
		e.seq = ++st->clock;
	__atomic_store_n(&st->cur[i], cur, __ATOMIC_RELAXED);
	e.key = (uint64_t)cur * st->inv[i];
	lc_place(st, p, e);
}

static void lc_up(struct proxy *be, struct server *srv)
{
	struct lc_state *st = be->lb_ctx;
	unsigned i = srv->puid - 1;

	pthread_spin_lock(&st->lock);
	if (st->pos[i] < 0) {
		st->inv[i] = (1ULL << 32) / lb_srv_weight(be, srv);
		__atomic_store_n(&st->cur[i], 0, __ATOMIC_RELAXED);
		st->heap[st->n] = (struct lc_ent){ 0, ++st->clock, i };
		st->pos[i] = (int)st->n++;
		lc_rekey(st, i, srv);
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
		if ((unsigned)p != --st->n)
			lc_place(st, (unsigned)p, st->heap[st->n]);
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
		st->inv[i] = (1ULL << 32) / lb_srv_weight(be, srv);
		lc_rekey(st, i, srv);
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
	lc_publish(be, st);
}

static void lc_load(struct proxy *be, struct server *srv)
{
	struct lc_state *st = be->lb_ctx;

	if (unlikely(!__atomic_load_n(&st->notified, __ATOMIC_RELAXED)))
		__atomic_store_n(&st->notified, 1, __ATOMIC_RELAXED);
	pthread_spin_lock(&st->lock);
	lc_load_locked(be, st, srv);
	pthread_spin_unlock(&st->lock);
}

/* Without load reports: bring the top up to date and count the pick as a
 * take. Lock held. */
static struct server *lc_pick_unreported(struct proxy *be, struct lc_state *st)
{
	struct lc_ent e;

	if (!st->n)
		return NULL;
	for (int n = 0; n < LC_REPAIRS; n++) {
		unsigned i = st->heap[0].idx;

		if (__atomic_load_n(&be->lbs->srv[i]->cur_sess, __ATOMIC_RELAXED) == st->cur[i])
			break;
		lc_rekey(st, i, be->lbs->srv[i]);
	}
	e = st->heap[0];
	e.seq = ++st->clock;
	lc_place(st, 0, e);
	lc_publish(be, st);
	return be->lbs->srv[e.idx];
}

static struct server *lc_pick(struct proxy *be, const struct lb_req *req)
{
	struct lc_state *st = be->lb_ctx;
	struct server *best = __atomic_load_n(&st->best, __ATOMIC_ACQUIRE);

	if (unlikely(!__atomic_load_n(&st->notified, __ATOMIC_RELAXED)) && best &&
	    pthread_spin_trylock(&st->lock) == 0) {
		best = lc_pick_unreported(be, st);
		pthread_spin_unlock(&st->lock);
		return best;
	}
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
	st->inv = calloc(n, sizeof(*st->inv));
	st->cur = calloc(n, sizeof(*st->cur));
	if (!st->heap || !st->pos || !st->inv || !st->cur)
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
	free(st->inv);
	free(st->cur);
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
