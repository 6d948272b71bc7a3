/* lb.h: the algorithm registry and server selection. */
#ifndef SLUICE_LB_LB_H
#define SLUICE_LB_LB_H

#include "lb/lb-t.h"
#include "proxy/proxy-t.h"

/* A registration, made from the algorithm's own file. */
struct lb_reg {
	const struct lb_ops *ops;
	struct lb_reg *next;
};
void lb_register(struct lb_reg *r);
const struct lb_ops *lb_find(const char *name);

/* Build every backend's LB state after the configuration is loaded.
 * Returns 0, or -1 with a message on stderr. */
int lb_init_all(void);

static inline struct server *lb_pick(struct proxy *be, const struct lb_req *req)
{
	return be->lb && be->nb_srv ? be->lb->pick(be, req) : NULL;
}

#endif
