/* lb-t.h: the load-balancing algorithm interface, its configuration and the
 * state every algorithm of a backend shares.
 *
 * Concurrency contract
 * --------------------
 * Picks run on any worker thread at once and take no lock: lb_pick() wraps
 * the algorithm's pick() in a read section (one store to the calling
 * thread's slot on entry and one on exit, lb_rd_slots[tid]), so pick() may
 * use any snapshot it loads from the backend until it returns.
 *
 * Changes are serialized per backend by lb_state.lock: lb_srv_changed()
 * (health checks, administration, slowstart) and lb_init_all() take it,
 * recompute which servers the algorithm must use and with which weight
 * (lb_state.w[]), call the algorithm's srv_up/srv_weight/srv_down for each
 * difference, then its commit(), then bump lb_state.gen (release). An
 * algorithm publishes what its picks read in one of two ways:
 *   - a snapshot (an immutable block) swapped in with lb_publish(), which
 *     frees the old one once every read section that might still use it
 *     has ended (lb_sync(): waits only for threads inside a pick, never
 *     for a lock, so it is bounded by the length of a pick);
 *   - per-thread state rebuilt by the picking thread itself when it sees
 *     lb_state.gen change (acquire), from lb_state.w[] (atomic loads).
 * Either way, once lb_srv_changed() returns, no pick started afterwards
 * returns a server the change took out.
 *
 * The load of a server (srv->cur_sess) changes on every exchange without
 * the lock; an algorithm that follows it (leastconn) is told through
 * lb_srv_load(), which may take a lock of the algorithm's own, but never
 * the backend's.
 *
 * pick() must not block, must not call lb_pick() (read sections do not
 * nest) and must be called from threads with distinct `tid` (the workers,
 * or the main thread before they start). srv_* and commit() may allocate
 * and wait for readers (lb_sync) but never for another lock than their own.
 */
#ifndef SLUICE_LB_LB_T_H
#define SLUICE_LB_LB_T_H

#include <pthread.h>
#include <stddef.h>

struct proxy;
struct server;
struct http_msg;
struct sockaddr_storage;

/* What an algorithm may look at to choose: the client's address and, in
 * HTTP mode, the parsed request (URI, headers). */
struct lb_req {
	const struct sockaddr_storage *src;   /* NULL for UNIX-socket clients */
	const struct http_msg *msg;           /* NULL in TCP mode */
};

/* lb_ops.flags */
#define LB_ALGO_HTTP    0x01  /* key taken from the HTTP request (round robin in TCP mode) */
#define LB_ALGO_HASH    0x02  /* follows "hash-type" */
#define LB_ALGO_STATIC  0x04  /* weights taken when a server enters, changes ignored */

/* An algorithm is a const ops struct registered from its own file. All
 * members but name, init and pick are optional. */
struct lb_ops {
	const char *name;                                   /* "roundrobin" */
	unsigned flags;                                     /* LB_ALGO_* */
	/* allocate the state for be (be->lb_ctx), empty: the servers come
	 * through srv_up() and commit() right after. Called once, before the
	 * workers start. Returns 0 or -1 (out of memory). */
	int (*init)(struct proxy *be);
	/* choose a server among those lb_state.w[] says (the usable actives,
	 * else the backups, see lb.c), NULL when there is none. When every
	 * candidate is at its maxconn, return one of them anyway: the caller
	 * queues. Read section held by the caller; no lock; must not block. */
	struct server *(*pick)(struct proxy *be, const struct lb_req *req);
	/* a server enters the set, changes weight, leaves it. The new weight is
	 * lb_srv_weight(be, srv) (0 for srv_down). Backend lock held. */
	void (*srv_up)(struct proxy *be, struct server *srv);
	void (*srv_weight)(struct proxy *be, struct server *srv);
	void (*srv_down)(struct proxy *be, struct server *srv);
	/* publish what the srv_* calls since the last commit changed (rebuild
	 * a snapshot, lb_publish()). Backend lock held. */
	void (*commit)(struct proxy *be);
	/* srv->cur_sess changed (lb_srv_load()). Any thread, no backend lock. */
	void (*srv_load)(struct proxy *be, struct server *srv);
	/* release be->lb_ctx. Servers may already be freed: do not touch them. */
	void (*deinit)(struct proxy *be);
};

/* "hash-type" */
enum lb_hash_type {
	LB_HASH_MAP_BASED = 0,        /* default, as in HAProxy */
	LB_HASH_CONSISTENT,
};

/* lb_conf.flags */
#define LB_URI_WHOLE      0x01    /* balance uri whole: keep the query string */
#define LB_URI_PATH_ONLY  0x02    /* balance uri path-only: skip scheme://authority */
#define LB_HDR_DOMAIN     0x04    /* balance hdr(...) use_domain_only */

/* The arguments of "balance" and "hash-type" of one backend (embedded in
 * struct proxy, copied from defaults with lb_conf_copy()). */
struct lb_conf {
	unsigned flags;               /* LB_URI_*, LB_HDR_* */
	unsigned uri_len;             /* balance uri len N; 0 = whole length */
	unsigned uri_depth;           /* balance uri depth N; 0 = every level */
	unsigned draws;               /* balance random(N); 0 = default (2) */
	char *param;                  /* url_param / hdr name (owned), else NULL */
	size_t param_len;
	enum lb_hash_type hash_type;
};

/* State shared by every algorithm of a backend, owned by lb.c. Fields but
 * gen and w[] are the lock holder's. */
struct lb_state {
	pthread_mutex_t lock;         /* serializes changes, never taken by picks */
	unsigned gen;                 /* changes published (atomic, release) */
	unsigned nb_srv;
	struct server **srv;          /* by puid - 1 */
	unsigned *w;                  /* weight the algorithm must use, 0 = not
	                               * in the set (atomic: read by picks) */
	unsigned *want;               /* scratch for the next set */
	unsigned nb_in;               /* servers in the set */
	unsigned tot_w;               /* sum of w[] */
	int backup;                   /* the set is made of backup servers */
};

/* A thread's read-section counter: odd while inside lb_pick(). */
struct lb_rd_slot {
	unsigned long seq;
} __attribute__((aligned(64)));

/* A per-thread position, alone on its cache line. */
struct lb_cursor {
	unsigned pos;
	unsigned init;
} __attribute__((aligned(64)));

#endif
