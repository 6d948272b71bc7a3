/* lb-t.h: the load-balancing algorithm interface. */
#ifndef SLUICE_LB_LB_T_H
#define SLUICE_LB_LB_T_H

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

/* An algorithm is a const ops struct registered from its own file. */
struct lb_ops {
	const char *name;                                   /* "roundrobin" */
	/* required: build the state for be (called once, after config) */
	int (*init)(struct proxy *be);
	/* required: pick a usable server (state up, not in maintenance,
	 * eweight > 0; backups only when no active one is up), NULL when none.
	 * Called from any worker thread at once; takes no lock, or a read-side
	 * one at most; must not block. */
	struct server *(*pick)(struct proxy *be, const struct lb_req *req);
	/* optional: state changes (health checks, runtime weight changes) */
	void (*srv_up)(struct proxy *be, struct server *srv);
	void (*srv_down)(struct proxy *be, struct server *srv);
	void (*srv_weight)(struct proxy *be, struct server *srv);
	/* optional: release the state */
	void (*deinit)(struct proxy *be);
};

#endif
