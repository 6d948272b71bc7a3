/* lb.h: the algorithm registry, server selection, server state changes, and
 * helpers for the algorithms (snapshots, smooth weighted sequences). The
 * concurrency contract is at the top of lb-t.h. */
#ifndef SLUICE_LB_LB_H
#define SLUICE_LB_LB_H

#include <stdint.h>
#include "core/compiler.h"
#include "core/thread-t.h"
#include <stdio.h>
#include "lb/lb-t.h"
#include "lb/server-t.h"
#include "proxy/proxy-t.h"

/* ------------------------------------------------------------ registry */

/* A registration, made from the algorithm's own file. */
struct lb_reg {
	const struct lb_ops *ops;
	struct lb_reg *next;
};
void lb_register(struct lb_reg *r);
const struct lb_ops *lb_find(const char *name);
/* The names of the registered algorithms, sorted, comma-separated. */
void lb_print_names(FILE *f);

#define LB_REGISTER(ops_)                                                   \
	static struct lb_reg lb_reg_##ops_ = { .ops = &(ops_) };            \
	__attribute__((constructor)) static void lb_reg_fn_##ops_(void)     \
	{ lb_register(&lb_reg_##ops_); }

/* ------------------------------------------------------------ lifecycle */

/* Build every backend's LB state after the configuration is loaded (servers
 * start up unless in maintenance). Before the workers start. Returns 0, or
 * -1 with a message on stderr. */
int lb_init_all(void);

/* Free be's LB state and configuration (cfg_deinit via proxy_free; no pick
 * may run). Safe when nothing was built. */
void lb_deinit(struct proxy *be);

/* Configuration copy from a defaults section and release. */
void lb_conf_copy(struct lb_conf *dst, const struct lb_conf *src);
void lb_conf_free(struct lb_conf *c);

/* ------------------------------------------------------------- picking */

extern struct lb_rd_slot lb_rd_slots[MAX_THREADS];

/* Read section around a pick (see lb-t.h). The entry store must be ordered
 * before the loads of the pick: sequentially consistent. */
static inline void lb_rd_enter(void)
{
	struct lb_rd_slot *s = &lb_rd_slots[tid];

	__atomic_store_n(&s->seq, __atomic_load_n(&s->seq, __ATOMIC_RELAXED) + 1, __ATOMIC_SEQ_CST);
}

static inline void lb_rd_leave(void)
{
	struct lb_rd_slot *s = &lb_rd_slots[tid];

	__atomic_store_n(&s->seq, __atomic_load_n(&s->seq, __ATOMIC_RELAXED) + 1, __ATOMIC_RELEASE);
}

/* The server for a new exchange on be, or NULL when none is usable. Any
 * worker thread, no lock. The caller takes a slot on it (lb/queue.c). */
static inline struct server *lb_pick(struct proxy *be, const struct lb_req *req)
{
	struct server *srv;

	if (unlikely(!be->lbs))
		return NULL;
	lb_rd_enter();
	srv = be->lb->pick(be, req);
	lb_rd_leave();
	return srv;
}

/* ------------------------------------------------------- state changes */

/* srv->state, srv->eweight or srv->flags (SRV_F_MAINT) changed: update the
 * algorithm of srv's backend. Any thread, not from inside a pick. Takes
 * the backend's LB lock and may wait for picks in progress to end; when it
 * returns, no new pick returns a server the change made unusable. Also
 * switches to the backups when the last active server goes, and back. */
void lb_srv_changed(struct server *srv);

/* srv->cur_sess changed: the algorithms that follow the load (leastconn)
 * reposition srv. Call after every change of cur_sess (lb/queue.c). */
static inline void lb_srv_load(struct server *srv)
{
	struct proxy *be = srv->be;

	if (be->lb && be->lb->srv_load && be->lbs)
		be->lb->srv_load(be, srv);
}

/* 1 when srv may receive traffic: up (starting or running), not in
 * maintenance, effective weight above 0. Whether it does also depends on
 * backups (lb.c). */
static inline int lb_srv_usable(const struct server *srv)
{
	unsigned st = __atomic_load_n(&srv->state, __ATOMIC_ACQUIRE);

	return (st == SRV_ST_STARTING || st == SRV_ST_RUNNING) &&
	       !(__atomic_load_n(&srv->flags, __ATOMIC_RELAXED) & SRV_F_MAINT) &&
	       __atomic_load_n(&srv->eweight, __ATOMIC_RELAXED) > 0;
}

/* ------------------------------------------- helpers for the algorithms */

/* The weight the algorithm must give srv now (0: not to be used). */
static inline unsigned lb_srv_weight(const struct proxy *be, const struct server *srv)
{
	return __atomic_load_n(&be->lbs->w[srv->puid - 1], __ATOMIC_RELAXED);
}

/* The generation of be's set: picks that keep per-thread state rebuild it
 * when this changed since they last looked (acquire). */
static inline unsigned lb_gen(const struct proxy *be)
{
	return __atomic_load_n(&be->lbs->gen, __ATOMIC_ACQUIRE);
}

/* Wait until every read section in progress when called has ended. */
void lb_sync(void);

/* Store snapshot <nw> in *slot for the picks, then free the previous one
 * once no pick can hold it (lb_sync). Backend lock held. */
void lb_publish(void *slot, void *nw);

/* Load a snapshot published with lb_publish(), inside a pick (sequentially
 * consistent, see lb_sync(); a plain load on x86). */
#define lb_snap(slot) __atomic_load_n(slot, __ATOMIC_SEQ_CST)

/* A smooth weighted sequence: each server appears weight/gcd times, its
 * occurrences evenly spaced and interleaved with the others' (one block,
 * free()). */
struct lb_seq {
	unsigned len;
	struct server *srv[];
};

/* Build the sequence of the n servers srv[i] with weights w[i] (those with
 * weight 0 are left out). <phase> rotates where each server starts (per
 * thread, so threads do not start alike). NULL when none or no memory.
 * O(W log n) for a total (reduced) weight W. */
struct lb_seq *lb_seq_build(struct server *const *srv, const unsigned *w, unsigned n,
			    unsigned phase);

/* Where server <i> starts within a cycle, in 1/65536 of a cycle, odd so
 * never 0; <rot> rotates every server alike. */
static inline unsigned lb_phase(unsigned i, unsigned rot)
{
	return (((i + 1) * 40503U + rot * 25033U) & 0xffffU) | 1U;
}

/* The next position of thread <tid> in a cycle of <len> (len > 0). Threads
 * start at different places. */
static inline unsigned lb_cursor_next(struct lb_cursor *c, unsigned len)
{
	unsigned p = c->pos;

	if (unlikely(!c->init)) {
		c->init = 1;
		p = (unsigned)(((uint64_t)(tid * 40503U & 0xffffU) * len) >> 16);
	}
	if (p >= len)
		p = 0;
	c->pos = p + 1;
	return p;
}

/* A fast per-thread pseudo-random generator (xorshift64*), seeded once per
 * thread. Not for anything secret. */
uint64_t lb_rand_seed(void);
extern __thread uint64_t lb_rng;

static inline uint64_t lb_rand64(void)
{
	uint64_t x = lb_rng;

	if (unlikely(!x))
		x = lb_rand_seed();
	x ^= x >> 12;
	x ^= x << 25;
	x ^= x >> 27;
	lb_rng = x;
	return x * 0x2545F4914F6CDD1DULL;
}

/* Map a 32-bit value uniformly onto [0, n). */
static inline unsigned lb_range(uint32_t v, unsigned n)
{
	return (unsigned)(((uint64_t)v * n) >> 32);
}

#endif
