/* lb.c: registry of load-balancing algorithms, the set of servers each
 * backend balances over, and the publication of its changes.
 *
 * Life of a backend's LB state: lb_init_all() allocates it (lb_state), lets
 * the algorithm allocate its own (ops->init), then feeds it the initial set
 * like any later change (lb_apply). lb_srv_changed() applies each change.
 * lb_deinit() frees everything at cfg_deinit().
 *
 * The set: the usable active servers with their effective weights; when
 * there is none, the first usable backup (lowest puid), or every usable
 * backup with "option allbackups". Algorithms only ever see the set. */
#include <sched.h>
#include <stdlib.h>
#include <string.h>
#include "core/init.h"
#include "lb/lb.h"
#include "lb/server-t.h"

static struct lb_reg *lb_regs;
struct lb_rd_slot lb_rd_slots[MAX_THREADS];

void lb_register(struct lb_reg *r)
{
	r->next = lb_regs;
	lb_regs = r;
}

const struct lb_ops *lb_find(const char *name)
{
	for (struct lb_reg *r = lb_regs; r; r = r->next)
		if (strcmp(r->ops->name, name) == 0)
			return r->ops;
	return NULL;
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

void lb_print_names(FILE *f)
{
	const char *names[64];
	size_t n = 0;

	for (struct lb_reg *r = lb_regs; r && n < ARRAY_SIZE(names); r = r->next)
		names[n++] = r->ops->name;
	qsort(names, n, sizeof(names[0]), cmp_names);
	for (size_t i = 0; i < n; i++)
		fprintf(f, "%s%s", i ? ", " : "", names[i]);
}

/* ------------------------------------------------------ read sections */

void lb_sync(void)
{
	unsigned long seen[MAX_THREADS];
	int t;

	/* Dekker with lb_rd_enter(): the publication before this call and
	 * these loads, the reader's entry store and its snapshot load, are all
	 * sequentially consistent: either the entry is seen here, or the
	 * reader loads what was published */
	for (t = 0; t < MAX_THREADS; t++)
		seen[t] = __atomic_load_n(&lb_rd_slots[t].seq, __ATOMIC_SEQ_CST);
	for (t = 0; t < MAX_THREADS; t++) {
		unsigned spins = 0;

		if (!(seen[t] & 1))
			continue;
		while (__atomic_load_n(&lb_rd_slots[t].seq, __ATOMIC_ACQUIRE) == seen[t]) {
			if (++spins > 64)
				sched_yield();
		}
	}
}

void lb_publish(void *slot, void *nw)
{
	void *old = __atomic_exchange_n((void **)slot, nw, __ATOMIC_SEQ_CST);

	if (old) {
		lb_sync();
		free(old);
	}
}

/* ---------------------------------------------------------- the set */

/* Compute the set into ls->want[]; returns 1 if it is made of backups. */
static int lb_compute_set(struct proxy *be, struct lb_state *ls)
{
	unsigned i, nact = 0, nbck = 0;
	int all = !!(be->options & PX_O_ALLBACKUPS), first = 1, keep;

	for (i = 0; i < ls->nb_srv; i++) {
		struct server *s = ls->srv[i];
		unsigned w = lb_srv_usable(s) ? __atomic_load_n(&s->eweight, __ATOMIC_RELAXED) : 0;

		ls->want[i] = w;
		if (w)
			(s->flags & SRV_F_BACKUP) ? nbck++ : nact++;
	}
	for (i = 0; i < ls->nb_srv; i++) {
		if (!ls->want[i])
			continue;
		if (nact)
			keep = !(ls->srv[i]->flags & SRV_F_BACKUP);
		else
			keep = all || first;    /* servers are in puid order */
		first = 0;
		if (!keep)
			ls->want[i] = 0;
	}
	return !nact && nbck;
}

/* Bring the algorithm to the current set. Lock held. Servers entering or
 * changing weight are told first, then those leaving, so that a switch to
 * the backups never leaves an empty set in between. */
static void lb_apply(struct proxy *be)
{
	struct lb_state *ls = be->lbs;
	const struct lb_ops *ops = be->lb;
	unsigned i, nb_in = 0, tot = 0;
	int changed = 0;

	ls->backup = lb_compute_set(be, ls);
	for (i = 0; i < ls->nb_srv; i++) {
		unsigned old = ls->w[i], nw = ls->want[i];

		if (old == nw || !nw)
			continue;
		__atomic_store_n(&ls->w[i], nw, __ATOMIC_RELAXED);
		changed = 1;
		if (!old) {
			if (ops->srv_up)
				ops->srv_up(be, ls->srv[i]);
		} else if (ops->srv_weight) {
			ops->srv_weight(be, ls->srv[i]);
		}
	}
	for (i = 0; i < ls->nb_srv; i++) {
		if (ls->w[i] && !ls->want[i]) {
			__atomic_store_n(&ls->w[i], 0, __ATOMIC_RELAXED);
			changed = 1;
			if (ops->srv_down)
				ops->srv_down(be, ls->srv[i]);
		}
		if (ls->w[i]) {
			nb_in++;
			tot += ls->w[i];
		}
	}
	ls->nb_in = nb_in;
	ls->tot_w = tot;
	if (!changed)
		return;
	if (ops->commit)
		ops->commit(be);
	__atomic_add_fetch(&ls->gen, 1, __ATOMIC_RELEASE);
}

void lb_srv_changed(struct server *srv)
{
	struct proxy *be = srv->be;
	struct lb_state *ls = be->lbs;

	CHECK_OBJ(srv, SRV_MAGIC);
	if (!ls)
		return;
	pthread_mutex_lock(&ls->lock);
	lb_apply(be);
	pthread_mutex_unlock(&ls->lock);
}

/* --------------------------------------------------------- lifecycle */

static void lb_deinit_state(struct proxy *be);

static int lb_setup(struct proxy *be)
{
	struct lb_state *ls = calloc(1, sizeof(*ls));
	unsigned n = be->nb_srv ? be->nb_srv : 1, i = 0;

	if (!ls)
		return -1;
	be->lbs = ls;
	pthread_mutex_init(&ls->lock, NULL);
	ls->nb_srv = be->nb_srv;
	ls->srv = calloc(n, sizeof(*ls->srv));
	ls->w = calloc(n, sizeof(*ls->w));
	ls->want = calloc(n, sizeof(*ls->want));
	if (!ls->srv || !ls->w || !ls->want)
		return -1;
	for (struct server *s = be->srv; s; s = s->next) {
		ASSERT(s->puid == (int)i + 1);
		ls->srv[i++] = s;
	}
	ASSERT(i == be->nb_srv);
	if (be->lb->init(be) < 0)
		return -1;
	pthread_mutex_lock(&ls->lock);
	lb_apply(be);
	pthread_mutex_unlock(&ls->lock);
	return 0;
}

int lb_init_all(void)
{
	for (struct proxy *px = proxies_list; px; px = px->next) {
		if (!(px->cap & PX_CAP_BE))
			continue;
		list_init(&px->queue);
		/* servers start up (as in HAProxy) unless in maintenance */
		for (struct server *srv = px->srv; srv; srv = srv->next) {
			list_init(&srv->queue);
			srv->state = (srv->flags & SRV_F_MAINT) ? SRV_ST_STOPPED : SRV_ST_RUNNING;
			srv->eweight = srv->weight;
		}
		if (!px->lb)
			px->lb = lb_find("roundrobin");
		if (px->lbs)
			lb_deinit_state(px);
		if (lb_setup(px) < 0) {
			fprintf(stderr, "[ALERT] backend '%s': cannot initialise '%s' load balancing\n",
				px->id, px->lb->name);
			return -1;
		}
	}
	return 0;
}

static void lb_deinit_state(struct proxy *be)
{
	struct lb_state *ls = be->lbs;

	if (be->lb && be->lb->deinit && be->lb_ctx)
		be->lb->deinit(be);
	be->lb_ctx = NULL;
	if (!ls)
		return;
	pthread_mutex_destroy(&ls->lock);
	free(ls->srv);
	free(ls->w);
	free(ls->want);
	free(ls);
	be->lbs = NULL;
}

void lb_deinit(struct proxy *be)
{
	lb_deinit_state(be);
	lb_conf_free(&be->lbc);
}

void lb_conf_copy(struct lb_conf *dst, const struct lb_conf *src)
{
	*dst = *src;
	if (src->param) {
		dst->param = strdup(src->param);
		ASSERT(dst->param != NULL);
	}
}

void lb_conf_free(struct lb_conf *c)
{
	free(c->param);
	c->param = NULL;
	c->param_len = 0;
}

INIT_REGISTER(lb, INIT_PREPARE, INIT_ORDER_LB, lb_init_all);
