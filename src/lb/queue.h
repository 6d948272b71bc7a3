/* queue.h: server connection slots (maxconn) and the queues of exchanges
 * waiting for one (maxqueue, timeout queue). */
#ifndef SLUICE_LB_QUEUE_H
#define SLUICE_LB_QUEUE_H

#include <stdint.h>
#include "core/list.h"

struct proxy;
struct server;
struct task;

/* An exchange waiting for a slot; embedded in the stream. Every field but
 * task and tid belongs to queue.c and its lock. */
struct pendconn {
	struct list list;             /* in a queue, then in its thread's ready list */
	struct task *task;            /* woken on its own thread when served */
	int tid;
	struct server *srv;           /* server waited for (NULL: any), then granted */
	int granted;                  /* a slot of srv was taken on its behalf */
	uint64_t since;               /* ms */
};

/* Take a slot on srv (maxconn permitting). Returns 1 when taken. */
int srv_take_slot(struct server *srv);
/* Give a slot back; serves the first waiter of the server's queue, then of
 * its backend's queue, in arrival order. */
void srv_release_slot(struct server *srv);

/* Queue <pc> on srv (persistence) or on the backend (srv NULL). Returns 0,
 * or -1 when the server's queue is full (maxqueue). */
int queue_add(struct proxy *be, struct server *srv, struct pendconn *pc);
/* Leave the queue (a granted slot not yet used is given back). Call before
 * freeing <pc>; safe when not queued. */
void queue_cancel(struct proxy *be, struct pendconn *pc);
/* Take a granted slot: returns its server, NULL when not granted yet. */
struct server *queue_granted(struct pendconn *pc);

#endif
