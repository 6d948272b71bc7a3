/* server.h: server connections: the per-thread idle lists. */
#ifndef SLUICE_LB_SERVER_H
#define SLUICE_LB_SERVER_H

#include "lb/server-t.h"

struct conn;
struct task;

/* An idle connection to srv on this thread for a request, following the
 * backend's http-reuse strategy (<not_first>: the request is not the first
 * of its client connection), now owned by <owner>; NULL when none fits. */
struct conn *srv_take_idle(struct server *srv, struct task *owner, int not_first);
/* Park a connection that finished a clean exchange. It holds no buffer;
 * any event on it (close, stray data) closes it. Closes it instead when the
 * thread is stopping or the list is full. */
void srv_park_idle(struct server *srv, struct conn *c);

#endif
