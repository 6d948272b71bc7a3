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
/* Park a connection that finished a clean exchange (its stream still holds
 * its slot in cur_sess). It holds no buffer; any event on it (close, stray
 * data) closes it. Closes it instead when the thread is stopping, the list
 * is full, or the server has more connections than it needed lately: used
 * + idle may not exceed the peak of used ones (this period's or the
 * decaying estimate of the last ones) + pool-low-conn, so that connections
 * nobody will take do not pile up (first requests under http-reuse safe
 * open their own). */
void srv_park_idle(struct server *srv, struct conn *c);

/* Records <cur>, a new cur_sess, in the server's peak of the period. */
static inline void srv_note_peak(struct server *srv, unsigned cur)
{
	if (cur > __atomic_load_n(&srv->peak_sess, __ATOMIC_RELAXED))
		__atomic_store_n(&srv->peak_sess, cur, __ATOMIC_RELAXED);
}

#endif
