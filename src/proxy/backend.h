/* backend.h: server choice, maxconn slots and queues, connect, retries and
 * redispatch, for HTTP streams and TCP sessions alike.
 *
 * Life of an attempt: be_assign() (or be_assign_to() for persistence) ->
 * a slot on a server, or BE_F_QUEUED until be_granted() -> be_connect() ->
 * on failure be_conn_failed() -> BE_F_RETRY until be_retry_due() -> connect
 * again -> be_release() when the exchange ends (or is handed over). Every
 * call runs on the owner's thread; the queues take their own lock. */
#ifndef SLUICE_PROXY_BACKEND_H
#define SLUICE_PROXY_BACKEND_H

#include <sys/types.h>
#include "proxy/backend-t.h"

struct conn;
struct lb_req;
struct task;

/* Start an attempt on backend <be> for the owner task <owner>. */
void be_init(struct be_att *a, struct proxy *be, struct task *owner);

/* A server with a free slot: the algorithm's choice or, when that one is at
 * maxconn, its next choices; when every server is full, a place in the
 * backend's queue (BE_F_QUEUED). <avoid> is not picked again when another
 * server is usable (redispatch). Returns 0, or -1 when no server is usable
 * (counted in the backend's no_srv). */
int be_assign(struct be_att *a, const struct lb_req *lr, struct server *avoid);

/* Persistence: server <srv> imposed; its slot, or a place in its own queue.
 * Returns 0, or -1 when its queue is full (maxqueue): nothing was taken, the
 * caller picks another with be_assign(). */
int be_assign_to(struct be_att *a, struct server *srv);

/* A queued attempt: 1 when its slot was granted (a->srv set, now held). */
int be_granted(struct be_att *a);

/* Whether the queued attempt waited past timeout queue (or connect). */
int be_queue_expired(const struct be_att *a);

/* Give back the slot or the place in the queue; idempotent. */
void be_release(struct be_att *a);

/* Open a connection to a->srv for <owner> (counted in the server's conns;
 * connect_exp set). NULL with errno on an immediate failure, which the
 * caller reports through be_conn_failed(). */
struct conn *be_connect(struct be_att *a, struct task *owner);

/* A connect to a->srv failed (counted in its connect_errors). Returns 1 when
 * another attempt comes after a turn-around of min(timeout connect, 1 s)
 * (BE_F_RETRY; with "option redispatch" the last one goes to another
 * server, which may mean waiting in the queue), 0 when "retries" are spent,
 * -1 when the redispatch found no server. */
int be_conn_failed(struct be_att *a);

/* BE_F_RETRY and its turn-around is over: clears the flag, returns 1. */
int be_retry_due(struct be_att *a);

/* The earliest deadline of the attempt (queue, turn-around), 0 = none. */
uint64_t be_deadline(const struct be_att *a);

#endif
