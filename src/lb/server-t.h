/* server-t.h: a "server" line and its per-thread runtime state. */
#ifndef SLUICE_LB_SERVER_T_H
#define SLUICE_LB_SERVER_T_H

#include <stdint.h>
#include <sys/socket.h>
#include "core/list.h"
#include "core/global-t.h"
#include "shm/counters-t.h"

struct proxy;

#define SRV_MAGIC 0x53525652U

/* Operational state, changed by health checks and administration; read
 * by the LB algorithms and the request path. */
enum srv_state {
	SRV_ST_STOPPED = 0,           /* down: receives nothing */
	SRV_ST_STARTING,              /* up, weight ramping during slowstart */
	SRV_ST_RUNNING,               /* up */
	SRV_ST_STOPPING,              /* draining: no new traffic (soft stop) */
};

#define SRV_F_BACKUP     0x0001   /* "backup": used only when no active server is up */
#define SRV_F_MAINT      0x0002   /* "disabled" or put in maintenance */
#define SRV_F_CHECKED    0x0004   /* "check": state follows health checks */

/* PROXY protocol header sent first on every new connection (net/proxy_proto.h) */
#define SRV_PP_NONE      0
#define SRV_PP_V1        1        /* "send-proxy" */
#define SRV_PP_V2        2        /* "send-proxy-v2" */

struct source_cfg;

struct server {
	unsigned magic;
	char *id;
	struct proxy *be;
	struct sockaddr_storage addr;
	socklen_t addrlen;
	char *addr_str;               /* as written */
	char addr_log[64];            /* "ip:port" as resolved, for the log */
	unsigned weight;              /* configured ("user") weight 0..256, default 1 */
	unsigned flags;               /* SRV_F_* */
	unsigned maxconn;             /* 0 = unlimited; beyond, requests queue */
	unsigned maxqueue;            /* 0 = unlimited queue */
	char *cookie;                 /* "cookie VALUE": persistence id, NULL = none */
	unsigned proxy_proto;         /* SRV_PP_* */
	struct source_cfg *source;    /* "source" of the server or its backend, or NULL
	                               * (net/source_cfg.h; owned by source_cfg.c) */
	const char *conf_file;
	int conf_line;
	struct server *next;          /* in be->srv, config order */
	int puid;                     /* 1-based position in the backend */
	/* runtime */
	unsigned state;               /* enum srv_state (atomic); RUNNING at start
	                               * unless checked (then after the first check)
	                               * or in maintenance */
	unsigned eweight;             /* effective weight (slowstart ramp), what LB uses */
	unsigned cur_sess;            /* exchanges using the server now (atomic): leastconn,
	                               * maxconn slots (lb/queue.c) */
	struct list queue;            /* exchanges waiting for this server */
	unsigned nb_pend;             /* their number (atomic) */
	/* idle connections, per thread (lb/server.c): "idle" ones served one
	 * request so far, "safe" ones more (reuse proved to work); LIFO */
	struct list idle[MAX_THREADS];
	struct list safe[MAX_THREADS];
	unsigned nb_idle[MAX_THREADS];  /* idle + safe on the thread */
	unsigned pool_low[MAX_THREADS]; /* lowest nb_idle seen since the last purge */
	unsigned idle_total;          /* idle + safe, all threads (atomic) */
	unsigned pool_max;            /* pool-max-conn: most idle conns kept, UINT_MAX = no limit */
	unsigned pool_min;            /* pool-low-conn: idle conns the purge keeps (per thread) */
	unsigned purge_delay;         /* pool-purge-delay: half-life of unused idle conns (ms) */
	unsigned peak_sess;           /* highest cur_sess since the last purge period (atomic) */
	unsigned est_need;            /* connections needed lately: decaying peak (thread 0) */
	struct srv_counters *ctr;     /* per-thread rows in shared memory, as proxy.ctr */
};

#endif
