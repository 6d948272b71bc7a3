/* lb-t.h: the load-balancing algorithm interface. */
#ifndef SLUICE_LB_LB_T_H
#define SLUICE_LB_LB_T_H

struct proxy;
struct server;
struct stream;

/* An algorithm is a const ops struct registered from its own file. */
struct lb_ops {
	const char *name;                                   /* "roundrobin" */
	/* required: build the state for be (called once, after config) */
	int (*init)(struct proxy *be);
	/* required: pick a server for the stream, NULL when none is usable.
	 * Called from any worker thread; must not block. */
	struct server *(*pick)(struct proxy *be, struct stream *s);
	/* optional: state changes (health checks, runtime weight changes) */
	void (*srv_up)(struct proxy *be, struct server *srv);
	void (*srv_down)(struct proxy *be, struct server *srv);
	void (*srv_weight)(struct proxy *be, struct server *srv);
	/* optional: release the state */
	void (*deinit)(struct proxy *be);
};

#endif
