/* counters.h: the counters blocks of the shared memory, their descriptions
 * for "show stat" and for `sluice -x counters`, all from
 * shm/counters-tbl.h, and the registry of counter groups through which the
 * rooms that own proxies, servers, threads and pools give them blocks. */
#ifndef SLUICE_SHM_COUNTERS_H
#define SLUICE_SHM_COUNTERS_H

#include <stdio.h>
#include <stdint.h>
#include "core/thread-t.h"
#include "shm/counters-t.h"

struct proxy;
struct server;

/* One counter: a line of counters-tbl.h. */
struct ctr_desc {
	const char *name;
	const char *doc;
	const char *doc_be;          /* proxies, backend side; NULL: doc */
	uint32_t off;                /* byte offset in a row */
	uint32_t kind;               /* SHM_CTR_COUNTER / SHM_CTR_GAUGE */
	uint32_t flags;              /* CTR_FE | CTR_BE | CTR_STAT */
	uint64_t (*live)(const void *obj);
};

/* A table: the fields of one struct, in memory order (field i at i * 8). */
struct ctr_family {
	const char *name;
	const struct ctr_desc *desc;
	unsigned nb;
	size_t row_size;
};

extern const struct ctr_family ctr_px_family;    /* struct px_counters */
extern const struct ctr_family ctr_srv_family;   /* struct srv_counters */
extern const struct ctr_family ctr_thr_family;   /* struct thr_counters */
extern const struct ctr_family ctr_pool_family;  /* struct pool_counters */

/* The counters of worker thread <t>: a shared-memory block once
 * shm_counters_alloc() ran, a private one before (always valid). */
extern struct thr_counters *thr_ctrs[MAX_THREADS];

static inline struct thr_counters *thr_ctr(void)
{
	return thr_ctrs[tid];
}

/* ------------------------------------------------------------ groups
 *
 * A counter group is a kind of object that has a counters block each
 * (proxies, servers, worker threads, pools), registered by the room that
 * owns those objects with CTR_REGISTER_GROUP. counters.c only walks the
 * groups: it allocates the blocks, refreshes the gauges, sizes the segment
 * and answers "show stat" without knowing the objects.
 *
 * Order: the top-level groups (parent NULL) are walked by increasing
 * <order>, and each object is followed by the objects of its child groups
 * that belong to it (a proxy by its servers). The blocks' sections appear
 * in the file in that order, and "show stat" reports in that order.
 *
 * Every member is called from the thread that runs start-up or thread 0's
 * loop (allocation, refresh), or from the stats socket's thread ("show
 * stat": each, name_of, get_rows, stat_key and the table's live readers,
 * with the configuration fixed); none may block. */
struct ctr_group {
	const char *name;             /* "proxy": unique; children name their parent so */
	const struct ctr_family *fam; /* the table its rows follow */
	const char *parent;           /* the parent group's name, or NULL: top level */
	int order;                    /* top level: CTR_ORDER_* */
	unsigned flags;               /* CTR_GRP_* */
	/* required: calls cb(obj, arg) for each object in order (for a child
	 * group: each object of <parent>); stops at the first cb that does not
	 * return 0 and returns that, else 0 */
	int (*each)(void *parent, int (*cb)(void *obj, void *arg), void *arg);
	/* required: the section type of <obj>'s block ("frontend", "server")
	 * and its ident, written into <ident> (cut to <size>); *sides gets the
	 * proxy sides it has (CTR_FE, CTR_BE), or is left 0 */
	const char *(*name_of)(const void *obj, char *ident, size_t size, unsigned *sides);
	/* required: the rows <obj> counts into (NULL: none); set them (NULL:
	 * forget its block, back to what it had before allocation) */
	void *(*get_rows)(const void *obj);
	void (*set_rows)(void *obj, void *rows);
	/* optional: the "show stat" key of <obj> for <side> (CTR_FE, CTR_BE,
	 * or 0 when it has no sides), snprintf-like: returns the length it
	 * needs; a group without it is in the shared memory only */
	int (*stat_key)(const void *obj, unsigned side, char *buf, size_t size);
	/* optional: thread 0, once a second: writes into <rows> the figures
	 * that are not counted in place (the live gauges of the table are
	 * copied before) */
	void (*refresh)(const void *obj, void *rows);
};

#define CTR_GRP_PER_THREAD 0x1    /* global.nbthread rows per block, else one */
#define CTR_GRP_LATE       0x2    /* objects may appear at any time: the refresh
                                   * gives them a block (retried silently while
                                   * the segment is full) */
#define CTR_LATE_SPARE     16     /* blocks the segment keeps for a late group */

/* Order of the top-level groups, i.e. of the blocks in the file. */
#define CTR_ORDER_PROXY    10     /* each proxy, followed by its servers */
#define CTR_ORDER_THREAD   30
#define CTR_ORDER_POOL     40

struct ctr_group_list {
	const struct ctr_group *grp;
	struct ctr_group_list *next;  /* registry link */
};

void ctr_register_group(struct ctr_group_list *gl);

/* Registration from the file that owns the objects, before main():
 *   static const struct ctr_group my_group = { ... };
 *   CTR_REGISTER_GROUP(my_group);
 */
#define CTR_REGISTER_GROUP(group)                                           \
	static struct ctr_group_list ctr_grpl_##group = { .grp = &(group) };\
	__attribute__((constructor)) static void ctr_grpl_reg_##group(void) \
	{ ctr_register_group(&ctr_grpl_##group); }

/* The group registered under <name>, or NULL. */
const struct ctr_group *ctr_group_find(const char *name);

/* Bytes of sections the counters of the loaded configuration need with
 * <nbthread> rows per per-thread block (global.nbthread worker threads),
 * with room for objects added while running. */
uint64_t ctr_space_estimate(int nbthread);

/* Allocates the counters blocks of every object of every group (but the
 * late ones, left to the refresh) in the segment (shm_init() first), with
 * global.nbthread rows for the per-thread groups, points the objects at
 * them, and starts the refresh of gauges (once a second, from thread 0's
 * loop). Call once, after the configuration is loaded and global.nbthread
 * is final, before the threads start. Returns 0, or -1 after printing an
 * [ALERT]. */
int shm_counters_alloc(void);

/* Objects added or removed while running. attach allocates the block and
 * sets the object's rows (0, or -1 when the segment is full or the blocks
 * are not allocated: the rows stay as they were). detach turns the block
 * COOL and clears the rows: call it only once no thread can count on the
 * object any more (its space is reused after the cool period). The
 * proxy/server forms name their group. */
int ctr_attach(const struct ctr_group *g, void *obj);
void ctr_detach(const struct ctr_group *g, void *obj);
int ctr_proxy_attach(struct proxy *px);
void ctr_proxy_detach(struct proxy *px);
int ctr_server_attach(struct server *srv);
void ctr_server_detach(struct server *srv);

/* Rows in each proxy and server block (global.nbthread once allocated). */
unsigned ctr_nb_rows(void);

/* Current value of counter <d> of <fam> for <obj> whose rows start at
 * <rows>: the live reader of a gauge, row 0 of another gauge, or the sum of
 * the counter over the rows (relaxed loads: never torn, may lag). 0 when
 * <rows> is NULL. */
uint64_t ctr_value(const struct ctr_family *fam, const struct ctr_desc *d,
		   const void *obj, const void *rows);

/* Copies the live gauges into row 0 and has the groups refresh their
 * figures, giving late objects their blocks (thread 0 does it every
 * second). */
void ctr_refresh(void);

/* Prints every counter with its documentation ("sluice -x counters"). */
void ctr_dump_docs(FILE *f);

/* 0 if the tables are consistent (field i at offset i * 8, names and docs
 * fit the shared-memory fields); else -1 after printing the culprit. */
int ctr_check_tables(void);

/* Forget every block (shm_close()): every object's rows go back to what
 * they were before allocation (none; a thread's private row). */
void ctr_reset(void);

/* Live gauges named in counters-tbl.h, defined by the rooms that own the
 * objects (proxy/proxy.c, lb/server.c). */
uint64_t ctr_live_px_cur_conns(const void *px);
uint64_t ctr_live_srv_idle(const void *srv);

#endif
