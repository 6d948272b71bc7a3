/* lb.c: registry of load-balancing algorithms. */
#include <string.h>
#include "lb/lb.h"
#include "lb/server-t.h"

static struct lb_reg *lb_regs;

void lb_register(struct lb_reg *r)
{
	r->next = lb_regs;
	lb_regs = r;
}

const struct lb_ops *lb_find(const char *name)
{
	for (struct lb_reg *r = lb_regs; r; r = r->next)
		if (strcmp(r->ops->name, name) == 0)
			return r->ops;
	return NULL;
}

int lb_init_all(void)
{
	for (struct proxy *px = proxies_list; px; px = px->next) {
		if (!(px->cap & PX_CAP_BE))
			continue;
		list_init(&px->queue);
		/* servers start up (as in HAProxy) unless in maintenance */
		for (struct server *srv = px->srv; srv; srv = srv->next) {
			list_init(&srv->queue);
			srv->state = (srv->flags & SRV_F_MAINT) ? SRV_ST_STOPPED : SRV_ST_RUNNING;
			srv->eweight = srv->weight;
		}
		if (!px->lb)
			px->lb = lb_find("roundrobin");
		if (px->lb->init(px) < 0) {
			fprintf(stderr, "[ALERT] backend '%s': cannot initialise '%s' load balancing\n",
				px->id, px->lb->name);
			return -1;
		}
	}
	return 0;
}
