/* counters.h: the counters blocks of the shared memory (proxies, servers,
 * worker threads, pools), their descriptions for "show stat" and for
 * `sluice -x counters`, all from shm/counters-tbl.h. */
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

/* Bytes of sections the counters of the loaded configuration need with
 * <nbthread> threads, with room for objects added while running. */
uint64_t ctr_space_estimate(int nbthread);

/* Allocates the counters blocks of every proxy, server, worker thread and
 * pool in the segment (shm_init() first), points px->ctr, srv->ctr and
 * thr_ctrs[] at them (global.nbthread rows each), and starts the refresh
 * of gauges (once a second, from thread 0's loop). Call once, after the
 * configuration is loaded and global.nbthread is final, before the threads
 * start. Returns 0, or -1 after printing an [ALERT]. */
int shm_counters_alloc(void);

/* Objects added or removed while running. attach allocates the block and
 * sets ->ctr (0, or -1 when the segment is full: ->ctr stays NULL). detach
 * turns the block COOL and clears ->ctr: call it only once no thread can
 * count on the object any more (its space is reused after the cool
 * period). */
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

/* Copies the live gauges into row 0 and the pools' figures into their
 * blocks (thread 0 does it every second). */
void ctr_refresh(void);

/* Prints every counter with its documentation ("sluice -x counters"). */
void ctr_dump_docs(FILE *f);

/* 0 if the tables are consistent (field i at offset i * 8, names and docs
 * fit the shared-memory fields); else -1 after printing the culprit. */
int ctr_check_tables(void);

/* Forget every block (shm_close()): objects lose ->ctr, threads go back to
 * private counters. */
void ctr_reset(void);

/* Live gauges named in counters-tbl.h. */
uint64_t ctr_live_px_cur_conns(const void *px);
uint64_t ctr_live_srv_idle(const void *srv);

#endif
