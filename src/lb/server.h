/* server.h: server connections: the per-thread idle lists. */
#ifndef SLUICE_LB_SERVER_H
#define SLUICE_LB_SERVER_H

#include "lb/server-t.h"

struct conn;
struct task;

/* Take the most recently parked idle connection to srv on this thread
 * (LIFO: the warmest), now owned by <owner>; NULL when none. */
struct conn *srv_take_idle(struct server *srv, struct task *owner);
/* Park a connection that finished a clean exchange. It holds no buffer;
 * any event on it (close, stray data) closes it. Closes it instead when the
 * thread is stopping or the list is full. */
void srv_park_idle(struct server *srv, struct conn *c);

#endif
