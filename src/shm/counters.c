/* counters.c: the counters blocks in the shared memory.
 *
 * Lifecycle:
 *   before shm_counters_alloc()  proxies and servers have no counters
 *                  (ctr NULL: the configuration code and the parsers' tests
 *                  never count); threads count into private rows;
 *   shm_counters_alloc()  one block per proxy, server, thread and pool, with
 *                  global.nbthread rows for proxies and servers; ->ctr and
 *                  thr_ctrs[] point into the segment from then on;
 *   running        each thread writes its own row without atomics; thread
 *                  0 copies live gauges and pool figures every second;
 *   ctr_*_attach/detach  blocks of objects added or removed at run time;
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
#include "core/thread.h"
#include "lb/server-t.h"
#include "mem/pool.h"
#include "proxy/proxy-t.h"
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

/* ------------------------------------------------------------ live gauges */

uint64_t ctr_live_px_cur_conns(const void *obj)
{
	const struct proxy *px = obj;

	return __atomic_load_n(&px->feconn, __ATOMIC_RELAXED);
}

uint64_t ctr_live_srv_idle(const void *obj)
{
	const struct server *srv = obj;
	uint64_t v = 0;

	for (int t = 0; t < MAX_THREADS; t++)
		v += __atomic_load_n(&srv->nb_idle[t], __ATOMIC_RELAXED);
	return v;
}

static uint64_t ld64(const uint64_t *p)
{
	return __atomic_load_n(p, __ATOMIC_RELAXED);
}

static unsigned ctr_rows;            /* rows of proxy and server blocks */

unsigned ctr_nb_rows(void)
{
	return ctr_rows;
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

/* ----------------------------------------------------------------- blocks */

static struct thr_counters thr_private[MAX_THREADS];
struct thr_counters *thr_ctrs[MAX_THREADS];

__attribute__((constructor)) static void thr_ctrs_init(void)
{
	for (int t = 0; t < MAX_THREADS; t++)
		thr_ctrs[t] = &thr_private[t];
}

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

static const char *px_type(const struct proxy *px, unsigned *side)
{
	*side = px->cap & PX_CAP_FE ? CTR_FE : CTR_BE;
	if ((px->cap & (PX_CAP_FE | PX_CAP_BE)) == (PX_CAP_FE | PX_CAP_BE))
		return "listen";
	return px->cap & PX_CAP_FE ? "frontend" : "backend";
}

int ctr_proxy_attach(struct proxy *px)
{
	unsigned side;
	const char *type = px_type(px, &side);

	if (!ctr_rows)
		return -1;                      /* before shm_counters_alloc() */
	px->ctr = block_alloc(&ctr_px_family, type, px->id, ctr_rows, side);
	if (!px->ctr) {
		fprintf(stderr, "[ALERT] shared memory: no room left for the counters of %s '%s' "
			"(file %s)\n", type, px->id, shm_path() ? shm_path() : "none");
		return -1;
	}
	return 0;
}

void ctr_proxy_detach(struct proxy *px)
{
	block_free(&ctr_px_family, px->ctr);
	px->ctr = NULL;
}

int ctr_server_attach(struct server *srv)
{
	char ident[SHM_NAME_LEN];

	if (!ctr_rows)
		return -1;                      /* before shm_counters_alloc() */
	snprintf(ident, sizeof(ident), "%s/%s", srv->be ? srv->be->id : "?", srv->id);
	srv->ctr = block_alloc(&ctr_srv_family, "server", ident, ctr_rows, 0);
	if (!srv->ctr) {
		fprintf(stderr, "[ALERT] shared memory: no room left for the counters of server "
			"'%s' (file %s)\n", ident, shm_path() ? shm_path() : "none");
		return -1;
	}
	return 0;
}

void ctr_server_detach(struct server *srv)
{
	block_free(&ctr_srv_family, srv->ctr);
	srv->ctr = NULL;
}

/* ------------------------------------------------------------------ pools */

#define CTR_MAX_POOLS 128

static struct {
	const struct pool_head *ph;
	struct pool_counters *c;
} pool_blocks[CTR_MAX_POOLS];
static unsigned nb_pool_blocks;

static struct pool_counters *pool_block(const struct pool_head *ph)
{
	struct pool_counters *c;

	for (unsigned i = 0; i < nb_pool_blocks; i++)
		if (pool_blocks[i].ph == ph)
			return pool_blocks[i].c;
	if (nb_pool_blocks == CTR_MAX_POOLS)
		return NULL;
	c = block_alloc(&ctr_pool_family, "pool", ph->name ? ph->name : "?", 1, 0);
	if (c) {
		pool_blocks[nb_pool_blocks].ph = ph;
		pool_blocks[nb_pool_blocks++].c = c;
	}
	return c;
}

static void st64(uint64_t *p, uint64_t v)
{
	__atomic_store_n(p, v, __ATOMIC_RELAXED);
}

static void refresh_pools(void)
{
	for (const struct pool_head *ph = pools_list; ph; ph = ph->next) {
		struct pool_counters *c = pool_block(ph);
		uint64_t used = 0, cached, failed = 0;

		if (!c)
			continue;
		cached = __atomic_load_n(&ph->shared_count, __ATOMIC_RELAXED);
		for (int t = 0; t < MAX_THREADS; t++) {
			used += __atomic_load_n(&ph->cache[t].used, __ATOMIC_RELAXED);
			cached += __atomic_load_n(&ph->cache[t].count, __ATOMIC_RELAXED);
			failed += __atomic_load_n(&ph->cache[t].failed, __ATOMIC_RELAXED);
		}
		st64(&c->obj_size, ph->size);
		st64(&c->allocated, __atomic_load_n(&ph->allocated, __ATOMIC_RELAXED));
		st64(&c->used, used);
		st64(&c->cached, cached);
		st64(&c->failures, failed);
	}
}

/* ---------------------------------------------------------------- refresh */

static void refresh_rows(const struct ctr_family *fam, const void *obj, void *rows)
{
	if (!rows)
		return;
	for (unsigned i = 0; i < fam->nb; i++)
		if (fam->desc[i].live)
			st64((uint64_t *)((char *)rows + fam->desc[i].off),
			     fam->desc[i].live(obj));
}

void ctr_refresh(void)
{
	for (struct proxy *px = proxies_list; px; px = px->next) {
		refresh_rows(&ctr_px_family, px, px->ctr);
		for (struct server *srv = px->srv; srv; srv = srv->next)
			refresh_rows(&ctr_srv_family, srv, srv->ctr);
	}
	refresh_pools();
}

static uint64_t next_refresh;        /* thread 0's now_ms */

static void ctr_turn(void)
{
	/* loops and events are counted by the loop itself (core/thread.c) */
	thr_ctr()->conns_cur = th->nb_conns;
	if (tid == 0 && now_ms >= next_refresh) {
		next_refresh = now_ms + 1000;
		ctr_refresh();
	}
}

static struct thread_hook ctr_hook = { .turn = ctr_turn };

/* ------------------------------------------------------------- start-up */

uint64_t ctr_space_estimate(int nbthread)
{
	unsigned rows = nbthread >= 1 ? (unsigned)nbthread : 1, pools = 16;
	uint64_t sum = 0;

	for (const struct proxy *px = proxies_list; px; px = px->next) {
		sum += block_space(&ctr_px_family, rows);
		for (const struct server *srv = px->srv; srv; srv = srv->next)
			sum += block_space(&ctr_srv_family, rows);
	}
	sum += rows * block_space(&ctr_thr_family, 1);
	for (const struct pool_head *ph = pools_list; ph; ph = ph->next)
		pools++;
	sum += pools * block_space(&ctr_pool_family, 1);
	/* as much again for objects added while running, and a floor */
	return 2 * sum + 512 * 1024;
}

int shm_counters_alloc(void)
{
	static int hooked;
	char ident[16];

	if (!shm_head()) {
		fprintf(stderr, "[ALERT] counters: no shared memory segment\n");
		return -1;
	}
	BUG_ON(ctr_check_tables() < 0);
	ctr_rows = global.nbthread >= 1 && global.nbthread <= MAX_THREADS ?
		(unsigned)global.nbthread : 1;
	for (struct proxy *px = proxies_list; px; px = px->next) {
		if (ctr_proxy_attach(px) < 0)
			return -1;
		for (struct server *srv = px->srv; srv; srv = srv->next)
			if (ctr_server_attach(srv) < 0)
				return -1;
	}
	for (unsigned t = 0; t < ctr_rows; t++) {
		struct thr_counters *c;

		snprintf(ident, sizeof(ident), "%u", t);
		c = block_alloc(&ctr_thr_family, "thread", ident, 1, 0);
		if (!c) {
			fprintf(stderr, "[ALERT] shared memory: no room left for the counters of "
				"thread %u (file %s)\n", t, shm_path());
			return -1;
		}
		*c = *thr_ctrs[t];              /* what was counted before */
		thr_ctrs[t] = c;
	}
	ctr_refresh();
	if (!hooked) {
		thread_register_hook(&ctr_hook);
		hooked = 1;
	}
	return 0;
}

void ctr_reset(void)
{
	for (struct proxy *px = proxies_list; px; px = px->next) {
		px->ctr = NULL;
		for (struct server *srv = px->srv; srv; srv = srv->next)
			srv->ctr = NULL;
	}
	for (int t = 0; t < MAX_THREADS; t++)
		thr_ctrs[t] = &thr_private[t];
	nb_pool_blocks = 0;
	ctr_rows = 0;
}

/* -------------------------------------------------------------- show stat */

/* Prints the "show stat" lines of one object: "<kind>.<id>[.<sub>].<name>
 * <value>" for the fields marked CTR_STAT; <side> (CTR_FE, CTR_BE or 0)
 * selects the proxy side. */
static void show_rows(FILE *out, const char *kind, const char *id, const char *sub,
		      const struct ctr_family *fam, unsigned side, const void *obj,
		      const void *rows)
{
	for (unsigned i = 0; i < fam->nb; i++) {
		const struct ctr_desc *d = &fam->desc[i];

		if (!(d->flags & CTR_STAT) || (side && !(d->flags & side)))
			continue;
		fprintf(out, "%s.%s%s%s.%s %" PRIu64 "\n", kind, id, sub ? "." : "",
			sub ? sub : "", d->name, ctr_value(fam, d, obj, rows));
	}
}

/* "show stat": the counters of the tables' CTR_STAT lines, so that a
 * counter's name, where it is read from and its description cannot drift
 * apart from the shared memory and `sluice -x counters`. */
static int ctr_show_stat(struct ctl_ctx *ctx, int argc, char **args, FILE *out)
{
	const struct proxy *px;
	const struct server *srv;

	for (px = proxies_list; px; px = px->next) {
		CHECK_OBJ(px, PX_MAGIC);
		if (px->cap & PX_CAP_FE)
			show_rows(out, "fe", px->id, NULL, &ctr_px_family, CTR_FE, px, px->ctr);
		if (!(px->cap & PX_CAP_BE))
			continue;
		show_rows(out, "be", px->id, NULL, &ctr_px_family, CTR_BE, px, px->ctr);
		for (srv = px->srv; srv; srv = srv->next) {
			CHECK_OBJ(srv, SRV_MAGIC);
			show_rows(out, "srv", px->id, srv->id, &ctr_srv_family, 0, srv, srv->ctr);
		}
	}
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
