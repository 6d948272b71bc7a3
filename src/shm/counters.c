/* counters.c: the counters blocks in the shared memory.
 *
 * The objects that have counters (proxies, servers, worker threads, pools)
 * belong to other rooms, which register each kind as a counter group
 * (struct ctr_group, shm/counters.h): this file walks the groups and
 * manages the blocks, their descriptions and the refresh, knowing nothing
 * of the objects themselves. The worker threads' group is this room's own
 * (their rows are where every room counts thread events).
 *
 * Lifecycle:
 *   before shm_counters_alloc()  objects have no counters (rows NULL: the
 *                  configuration code and the parsers' tests never count);
 *                  threads count into private rows;
 *   shm_counters_alloc()  one block per object of every group, in the
 *                  groups' order, with global.nbthread rows for the
 *                  CTR_GRP_PER_THREAD groups; objects point into the
 *                  segment from then on (set_rows);
 *   running        each thread writes its own row without atomics; thread
 *                  0 copies live gauges and the groups' refreshed figures
 *                  every second, and gives a block to the new objects of
 *                  CTR_GRP_LATE groups;
 *   ctr_attach/ctr_detach  blocks of objects added or removed at run time;
 *   ctr_reset()    (shm_close) back to the state before allocation.
 *
 * A block is written completely (head, field descriptions) while the
 * section is being allocated, so a reader never sees a COUNTERS section
 * without its descriptions.
 */
#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "core/clock.h"
#include "core/compiler.h"
#include "core/global-t.h"
#include "core/init.h"
#include "core/thread.h"
#include "ctl/ctl.h"
#include "shm/counters.h"
#include "shm/shm.h"

/* ----------------------------------------------------------- the tables */

#define DESC_(st, member, name, kind, flags, live, doc, doc_be)             \
	{ #name, doc, doc_be, (uint32_t)offsetof(struct st, member),          \
	  SHM_CTR_##kind, flags, live },

static const struct ctr_desc px_desc[] = {
#define PX_CTR(n, k, f, l, d, db)              DESC_(px_counters, n, n, k, f, l, d, db)
#define PX_CTR_ARRAY(m, nb)
#define PX_CTR_ELEM(m, i, n, k, f, l, d, db)   DESC_(px_counters, m[i], n, k, f, l, d, db)
#include "shm/counters-tbl.h"
#undef PX_CTR
#undef PX_CTR_ARRAY
#undef PX_CTR_ELEM
};

static const struct ctr_desc srv_desc[] = {
#define SRV_CTR(n, k, f, l, d, db)             DESC_(srv_counters, n, n, k, f, l, d, db)
#define SRV_CTR_ARRAY(m, nb)
#define SRV_CTR_ELEM(m, i, n, k, f, l, d, db)  DESC_(srv_counters, m[i], n, k, f, l, d, db)
#include "shm/counters-tbl.h"
#undef SRV_CTR
#undef SRV_CTR_ARRAY
#undef SRV_CTR_ELEM
};

static const struct ctr_desc thr_desc[] = {
#define THR_CTR(n, k, f, l, d, db)             DESC_(thr_counters, n, n, k, f, l, d, db)
#include "shm/counters-tbl.h"
#undef THR_CTR
};

static const struct ctr_desc pool_desc[] = {
#define POOL_CTR(n, k, f, l, d, db)            DESC_(pool_counters, n, n, k, f, l, d, db)
#include "shm/counters-tbl.h"
#undef POOL_CTR
};

_Static_assert(sizeof(struct px_counters) == sizeof(uint64_t) * ARRAY_SIZE(px_desc),
	       "every word of px_counters is described");
_Static_assert(sizeof(struct srv_counters) == sizeof(uint64_t) * ARRAY_SIZE(srv_desc),
	       "every word of srv_counters is described");
_Static_assert(sizeof(struct thr_counters) == sizeof(uint64_t) * ARRAY_SIZE(thr_desc),
	       "every word of thr_counters is described");
_Static_assert(sizeof(struct pool_counters) == sizeof(uint64_t) * ARRAY_SIZE(pool_desc),
	       "every word of pool_counters is described");

#define FAMILY_(nm, d, st) { nm, d, ARRAY_SIZE(d), sizeof(struct st) }
const struct ctr_family ctr_px_family   = FAMILY_("proxy", px_desc, px_counters);
const struct ctr_family ctr_srv_family  = FAMILY_("server", srv_desc, srv_counters);
const struct ctr_family ctr_thr_family  = FAMILY_("thread", thr_desc, thr_counters);
const struct ctr_family ctr_pool_family = FAMILY_("pool", pool_desc, pool_counters);

static const struct ctr_family *const families[] = {
	&ctr_px_family, &ctr_srv_family, &ctr_thr_family, &ctr_pool_family,
};

int ctr_check_tables(void)
{
	for (size_t f = 0; f < ARRAY_SIZE(families); f++) {
		const struct ctr_family *fam = families[f];

		for (unsigned i = 0; i < fam->nb; i++) {
			const struct ctr_desc *d = &fam->desc[i];

			if (d->off != i * sizeof(uint64_t) ||
			    strlen(d->name) >= SHM_CTR_NAME_LEN ||
			    strlen(d->doc) >= SHM_CTR_DOC_LEN ||
			    (d->doc_be && strlen(d->doc_be) >= SHM_CTR_DOC_LEN) ||
			    (d->live && d->kind != SHM_CTR_GAUGE)) {
				fprintf(stderr, "counters table '%s': field '%s' is out of order, "
					"too long or inconsistent\n", fam->name, d->name);
				return -1;
			}
		}
	}
	return 0;
}

/* ---------------------------------------------------------------- values */

static uint64_t ld64(const uint64_t *p)
{
	return __atomic_load_n(p, __ATOMIC_RELAXED);
}

static void st64(uint64_t *p, uint64_t v)
{
	__atomic_store_n(p, v, __ATOMIC_RELAXED);
}

static unsigned ctr_rows;            /* rows of per-thread blocks; 0: not allocated */

unsigned ctr_nb_rows(void)
{
	return ctr_rows;
}

/* global.nbthread as the blocks count it (0 means one row). */
static unsigned ctr_threads(void)
{
	return global.nbthread >= 1 && global.nbthread <= MAX_THREADS ?
		(unsigned)global.nbthread : 1;
}

uint64_t ctr_value(const struct ctr_family *fam, const struct ctr_desc *d,
		   const void *obj, const void *rows)
{
	const char *p = (const char *)rows + d->off;
	uint64_t v = 0;

	if (d->live)
		return d->live(obj);
	if (!rows)
		return 0;
	if (d->kind == SHM_CTR_GAUGE)
		return ld64((const uint64_t *)p);
	for (unsigned t = 0; t < ctr_rows; t++, p += fam->row_size)
		v += ld64((const uint64_t *)p);
	return v;
}

/* ---------------------------------------------------------------- groups */

static struct ctr_group_list *groups;         /* by increasing order */

void ctr_register_group(struct ctr_group_list *gl)
{
	const struct ctr_group *g = gl->grp;
	struct ctr_group_list **p = &groups;

	ASSERT(g->name && g->fam && g->each && g->name_of && g->get_rows && g->set_rows);
	for (const struct ctr_group_list *o = groups; o; o = o->next)
		BUG_ON(strcmp(o->grp->name, g->name) == 0);
	while (*p && (*p)->grp->order <= g->order)
		p = &(*p)->next;
	gl->next = *p;
	*p = gl;
}

const struct ctr_group *ctr_group_find(const char *name)
{
	for (const struct ctr_group_list *l = groups; l; l = l->next)
		if (strcmp(l->grp->name, name) == 0)
			return l->grp;
	return NULL;
}

/* What to do with each object of the walk; returns 0 to go on. */
typedef int (ctr_visit_f)(const struct ctr_group *g, void *obj, void *arg);

struct walk {
	const struct ctr_group *g;
	ctr_visit_f *visit;
	void *arg;
};

static int walk_group(const struct ctr_group *g, void *parent, ctr_visit_f *visit, void *arg);

/* One object: itself, then the objects of the child groups under it. */
static int walk_obj(void *obj, void *arg)
{
	const struct walk *w = arg;
	int ret = w->visit(w->g, obj, w->arg);

	for (const struct ctr_group_list *l = groups; l && !ret; l = l->next)
		if (l->grp->parent && strcmp(l->grp->parent, w->g->name) == 0)
			ret = walk_group(l->grp, obj, w->visit, w->arg);
	return ret;
}

static int walk_group(const struct ctr_group *g, void *parent, ctr_visit_f *visit, void *arg)
{
	struct walk w = { g, visit, arg };

	return g->each(parent, walk_obj, &w);
}

/* Visits every object of every group: the top-level groups in their order,
 * each object followed by its children. Stops at the first visit that does
 * not return 0 and returns that. */
static int ctr_walk(ctr_visit_f *visit, void *arg)
{
	int ret = 0;

	for (const struct ctr_group_list *l = groups; l && !ret; l = l->next)
		if (!l->grp->parent)
			ret = walk_group(l->grp, NULL, visit, arg);
	return ret;
}

/* ----------------------------------------------------------------- blocks */

static uint64_t values_off(const struct ctr_family *fam)
{
	uint64_t off = sizeof(struct shm_ctr_head) + fam->nb * sizeof(struct shm_ctr_field);

	return (off + 63) / 64 * 64;
}

static uint64_t block_len(const struct ctr_family *fam, unsigned rows)
{
	return values_off(fam) + (uint64_t)rows * fam->row_size;
}

/* Bytes a block takes in the segment, section header included. */
static uint64_t block_space(const struct ctr_family *fam, unsigned rows)
{
	return sizeof(struct shm_section) + (block_len(fam, rows) + 63) / 64 * 64;
}

struct block_init {
	const struct ctr_family *fam;
	unsigned rows, side;
};

/* Describes a block while its section is being allocated (alloc_seq 0). */
static void block_describe(void *payload, void *arg)
{
	const struct block_init *bi = arg;
	struct shm_ctr_head *h = payload;
	struct shm_ctr_field *f = (struct shm_ctr_field *)(h + 1);

	for (unsigned i = 0; i < bi->fam->nb; i++) {
		const struct ctr_desc *d = &bi->fam->desc[i];
		const char *doc = bi->side == CTR_BE && d->doc_be ? d->doc_be : d->doc;

		memcpy(f[i].name, d->name, strnlen(d->name, sizeof(f[i].name) - 1));
		memcpy(f[i].doc, doc, strnlen(doc, sizeof(f[i].doc) - 1));
		f[i].kind = d->kind;
		f[i].flags = d->flags & (CTR_FE | CTR_BE);
	}
	h->nb_fields = bi->fam->nb;
	h->nb_threads = bi->rows;
	h->values_off = values_off(bi->fam);
}

/* Allocates and describes a block; <side> CTR_BE selects the backend docs.
 * Returns its rows (zeroed) or NULL when the segment is full. */
static void *block_alloc(const struct ctr_family *fam, const char *type, const char *ident,
			 unsigned rows, unsigned side)
{
	struct block_init bi = { fam, rows, side };
	struct shm_section *s;

	s = shm_section_alloc_init(SHM_CLASS_COUNTERS, type, ident, block_len(fam, rows),
				   block_describe, &bi);
	if (!s)
		return NULL;
	return (char *)shm_section_payload(s) + values_off(fam);
}

static void block_free(const struct ctr_family *fam, void *rows)
{
	if (rows)
		shm_section_free((struct shm_section *)((char *)rows - values_off(fam)) - 1);
}

static unsigned grp_rows(const struct ctr_group *g, unsigned nbthread)
{
	return g->flags & CTR_GRP_PER_THREAD ? nbthread : 1;
}

/* Gives <obj> a block of its own. The rows it had (the private rows of a
 * thread) are copied in: what was counted before is kept. <quiet>: no
 * alert when the segment is full. */
static int grp_attach(const struct ctr_group *g, void *obj, int quiet)
{
	char ident[SHM_NAME_LEN];
	unsigned sides = 0, rows;
	const char *type;
	void *r, *old;

	if (!ctr_rows)
		return -1;                      /* before shm_counters_alloc() */
	type = g->name_of(obj, ident, sizeof(ident), &sides);
	rows = grp_rows(g, ctr_rows);
	/* a listen section's block has the frontend's docs for shared fields */
	r = block_alloc(g->fam, type, ident, rows, sides & CTR_FE ? CTR_FE : sides);
	if (!r) {
		if (!quiet)
			fprintf(stderr, "[ALERT] shared memory: no room left for the counters of "
				"%s '%s' (file %s)\n", type, ident, shm_path() ? shm_path() : "none");
		return -1;
	}
	old = g->get_rows(obj);
	if (old)
		memcpy(r, old, rows * g->fam->row_size);
	g->set_rows(obj, r);
	return 0;
}

int ctr_attach(const struct ctr_group *g, void *obj)
{
	return grp_attach(g, obj, 0);
}

void ctr_detach(const struct ctr_group *g, void *obj)
{
	block_free(g->fam, g->get_rows(obj));
	g->set_rows(obj, NULL);
}

int ctr_proxy_attach(struct proxy *px)
{
	return ctr_attach(ctr_group_find("proxy"), px);
}

void ctr_proxy_detach(struct proxy *px)
{
	ctr_detach(ctr_group_find("proxy"), px);
}

int ctr_server_attach(struct server *srv)
{
	return ctr_attach(ctr_group_find("server"), srv);
}

void ctr_server_detach(struct server *srv)
{
	ctr_detach(ctr_group_find("server"), srv);
}

/* ---------------------------------------------------------- worker threads
 * Each worker thread counts into thr_ctrs[tid]: its block once allocated,
 * a private row before (and after shm_close()). An object of this group
 * is the slot &thr_ctrs[t]. */

static struct thr_counters thr_private[MAX_THREADS];
struct thr_counters *thr_ctrs[MAX_THREADS];

__attribute__((constructor)) static void thr_ctrs_init(void)
{
	for (int t = 0; t < MAX_THREADS; t++)
		thr_ctrs[t] = &thr_private[t];
}

static int thr_each(void *parent, int (*cb)(void *obj, void *arg), void *arg)
{
	unsigned n = ctr_rows ? ctr_rows : ctr_threads();
	int ret = 0;

	for (unsigned t = 0; t < n && !ret; t++)
		ret = cb(&thr_ctrs[t], arg);
	return ret;
}

static const char *thr_name_of(const void *obj, char *ident, size_t size, unsigned *sides)
{
	snprintf(ident, size, "%u", (unsigned)((struct thr_counters *const *)obj - thr_ctrs));
	return "thread";
}

static void *thr_get_rows(const void *obj)
{
	return *(struct thr_counters *const *)obj;
}

static void thr_set_rows(void *obj, void *rows)
{
	struct thr_counters **slot = obj;

	*slot = rows ? rows : &thr_private[slot - thr_ctrs];
}

static const struct ctr_group thr_group = {
	.name = "thread", .fam = &ctr_thr_family, .order = CTR_ORDER_THREAD,
	.each = thr_each, .name_of = thr_name_of,
	.get_rows = thr_get_rows, .set_rows = thr_set_rows,
};
CTR_REGISTER_GROUP(thr_group);

/* ---------------------------------------------------------------- refresh */

static int refresh_obj(const struct ctr_group *g, void *obj, void *arg)
{
	void *rows = g->get_rows(obj);

	if (!rows && (g->flags & CTR_GRP_LATE) && grp_attach(g, obj, 1) == 0)
		rows = g->get_rows(obj);
	if (!rows)
		return 0;
	for (unsigned i = 0; i < g->fam->nb; i++)
		if (g->fam->desc[i].live)
			st64((uint64_t *)((char *)rows + g->fam->desc[i].off),
			     g->fam->desc[i].live(obj));
	if (g->refresh)
		g->refresh(obj, rows);
	return 0;
}

void ctr_refresh(void)
{
	if (ctr_rows)
		ctr_walk(refresh_obj, NULL);
}

static uint64_t next_refresh;        /* thread 0's now_ms */

/* Every turn of every worker: the loop's own figures (core/thread-t.h)
 * join the thread's row, on the thread that counted them. */
static void ctr_turn(void)
{
	struct thr_counters *tc = thr_ctr();

	tc->loops += th->stats.loops;
	tc->events += th->stats.events;
	tc->tasks_run += th->stats.tasks_run;
	memset(&th->stats, 0, sizeof(th->stats));
	tc->conns_cur = th->nb_conns;
	if (tid == 0 && now_ms >= next_refresh) {
		next_refresh = now_ms + 1000;
		ctr_refresh();
	}
}

static struct thread_hook ctr_hook = { .turn = ctr_turn };

/* ------------------------------------------------------------- start-up */

struct estimate {
	unsigned rows;
	uint64_t sum;
};

static int estimate_obj(const struct ctr_group *g, void *obj, void *arg)
{
	struct estimate *e = arg;

	e->sum += block_space(g->fam, grp_rows(g, e->rows));
	return 0;
}

uint64_t ctr_space_estimate(int nbthread)
{
	struct estimate e = { nbthread >= 1 ? (unsigned)nbthread : 1, 0 };

	ctr_walk(estimate_obj, &e);
	/* room for the late objects of a group that has them */
	for (const struct ctr_group_list *l = groups; l; l = l->next)
		if (l->grp->flags & CTR_GRP_LATE)
			e.sum += CTR_LATE_SPARE * block_space(l->grp->fam, grp_rows(l->grp, e.rows));
	/* as much again for objects added while running, and a floor */
	return 2 * e.sum + 512 * 1024;
}

/* A late group's objects get their blocks from the refresh, silently. */
static int alloc_obj(const struct ctr_group *g, void *obj, void *arg)
{
	if (g->flags & CTR_GRP_LATE)
		return 0;
	return grp_attach(g, obj, 0);
}

int shm_counters_alloc(void)
{
	static int hooked;

	if (!shm_head()) {
		fprintf(stderr, "[ALERT] counters: no shared memory segment\n");
		return -1;
	}
	BUG_ON(ctr_check_tables() < 0);
	ctr_rows = ctr_threads();
	if (ctr_walk(alloc_obj, NULL) != 0)
		return -1;
	ctr_refresh();
	if (!hooked) {
		thread_register_hook(&ctr_hook);
		hooked = 1;
	}
	return 0;
}

INIT_REGISTER(counters, INIT_PREPARE, INIT_ORDER_COUNTERS, shm_counters_alloc);

static int reset_obj(const struct ctr_group *g, void *obj, void *arg)
{
	g->set_rows(obj, NULL);
	return 0;
}

void ctr_reset(void)
{
	ctr_walk(reset_obj, NULL);
	ctr_rows = 0;
}

/* -------------------------------------------------------------- show stat */

/* Prints the "show stat" lines of one object: "<key>.<name> <value>" for
 * the fields marked CTR_STAT; <side> (CTR_FE, CTR_BE or 0) selects the
 * proxy side. */
static void show_rows(FILE *out, const char *key, const struct ctr_family *fam,
		      unsigned side, const void *obj, const void *rows)
{
	for (unsigned i = 0; i < fam->nb; i++) {
		const struct ctr_desc *d = &fam->desc[i];

		if (!(d->flags & CTR_STAT) || (side && !(d->flags & side)))
			continue;
		fprintf(out, "%s.%s %" PRIu64 "\n", key, d->name, ctr_value(fam, d, obj, rows));
	}
}

/* The "show stat" key of <obj> for <side>, in <buf> when it fits, else in
 * memory the caller frees (*dyn). NULL when out of memory. */
static const char *stat_key(const struct ctr_group *g, const void *obj, unsigned side,
			    char *buf, size_t size, char **dyn)
{
	int n = g->stat_key(obj, side, buf, size);

	*dyn = NULL;
	if (n < 0)
		return NULL;
	if ((size_t)n < size)
		return buf;
	*dyn = malloc((size_t)n + 1);
	if (*dyn)
		g->stat_key(obj, side, *dyn, (size_t)n + 1);
	return *dyn;
}

static int show_obj(const struct ctr_group *g, void *obj, void *arg)
{
	static const unsigned both[] = { CTR_FE, CTR_BE }, none[] = { 0 };
	char ident[SHM_NAME_LEN], buf[256], *dyn;
	const unsigned *side = none;
	size_t nb_sides = 1;
	unsigned sides = 0;
	FILE *out = arg;

	if (!g->stat_key)
		return 0;
	g->name_of(obj, ident, sizeof(ident), &sides);
	if (sides) {
		side = both;
		nb_sides = ARRAY_SIZE(both);
	}
	for (size_t i = 0; i < nb_sides; i++) {
		const char *key;

		if (side[i] && !(sides & side[i]))
			continue;
		key = stat_key(g, obj, side[i], buf, sizeof(buf), &dyn);
		if (key)
			show_rows(out, key, g->fam, side[i], obj, g->get_rows(obj));
		free(dyn);
	}
	return 0;
}

/* "show stat": the counters of the tables' CTR_STAT lines, in the order of
 * the shared memory's blocks, so that a counter's name, where it is read
 * from and its description cannot drift apart from the shared memory and
 * `sluice -x counters`. */
static int ctr_show_stat(struct ctl_ctx *ctx, int argc, char **args, FILE *out)
{
	ctr_walk(show_obj, out);
	return 0;
}

static const struct ctl_cmd ctr_cmds[] = {
	{ "show stat", "frontend, backend and server counters, one KEY VALUE per line",
	  0, 0, ctr_show_stat },
	CTL_CMD_END
};
CTL_REGISTER_COMMANDS(ctr_cmds);

/* -------------------------------------------------------------- reference */

static void dump_family(FILE *f, const char *prefix, const struct ctr_family *fam,
			unsigned side, int mark_shm)
{
	char key[96];

	for (unsigned i = 0; i < fam->nb; i++) {
		const struct ctr_desc *d = &fam->desc[i];
		const char *doc = side == CTR_BE && d->doc_be ? d->doc_be : d->doc;

		if (side && !(d->flags & side))
			continue;
		snprintf(key, sizeof(key), "%s%s", prefix, d->name);
		fprintf(f, "  %-40s %s%s\n", key,
			mark_shm && !(d->flags & CTR_STAT) ? "[shm] " : "", doc);
	}
}

void ctr_dump_docs(FILE *f)
{
	fputs("Counters of \"show stat\" on the stats socket, one \"KEY VALUE\" line each,\n"
	      "and of the shared memory (sluicestat; doc/shm-format.md). Values are\n"
	      "totals since start, summed over the worker threads, except those marked\n"
	      "(gauge), which are current values. Lines marked [shm] are in the shared\n"
	      "memory only. Timings come as t_<what>_ms (sum of the samples) and\n"
	      "t_<what>_cnt (number of samples).\n"
	      "\n"
	      "Frontends (frontend and listen sections):\n", f);
	dump_family(f, "fe.<proxy>.", &ctr_px_family, CTR_FE, 1);
	fputs("\nBackends (backend and listen sections):\n", f);
	dump_family(f, "be.<proxy>.", &ctr_px_family, CTR_BE, 1);
	fputs("\nServers:\n", f);
	dump_family(f, "srv.<backend>.<server>.", &ctr_srv_family, 0, 1);
	fputs("\nWorker threads (shared memory only, one block per thread):\n", f);
	dump_family(f, "thread.<n>.", &ctr_thr_family, 0, 0);
	fputs("\nPools (shared memory only, refreshed every second):\n", f);
	dump_family(f, "pool.<name>.", &ctr_pool_family, 0, 0);
}
INIT_REGISTER_DOC(counters, "counters", 10, ctr_dump_docs);
