/* backend-t.h: the server side of an exchange, shared by the HTTP stream and
 * the TCP session: which server, its maxconn slot or a place in a queue, and
 * the connect attempts. */
#ifndef SLUICE_PROXY_BACKEND_T_H
#define SLUICE_PROXY_BACKEND_T_H

#include <stdint.h>
#include "lb/queue.h"

struct proxy;
struct server;

#define BE_F_SLOT    0x0001  /* holds a connection slot on srv (maxconn) */
#define BE_F_QUEUED  0x0002  /* waiting in a queue for a slot */
#define BE_F_RETRY   0x0004  /* waiting for the turn-around before a connect retry */

/* Embedded in its owner (stream, TCP session) and handed over with it (an
 * HTTP exchange that becomes a tunnel keeps its slot). Every field belongs
 * to backend.c but be and srv, which the owner reads. */
struct be_att {
	struct proxy *be;
	struct server *srv;          /* chosen server: slot held when BE_F_SLOT */
	unsigned flags;              /* BE_F_* */
	unsigned conn_retries;       /* connect attempts retried so far */
	uint64_t retry_exp;          /* end of the turn-around (ms) */
	uint64_t connect_exp;        /* deadline of the connect in progress (ms) */
	struct pendconn pc;          /* when queued for a slot */
};

#endif
