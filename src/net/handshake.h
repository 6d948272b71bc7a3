/* handshake.h: the handshake chain run on an accepted connection before a
 * mux gets it. A listener's chain (li->hs[]) is made of the steps its bind
 * keywords asked for (accept-proxy: the PROXY protocol header), in their
 * order, then the transport's own handshake (TLS) when it has one. A
 * listener whose chain is empty hands its connections to its mux at once.
 * Types and the step contract: handshake-t.h. */
#ifndef SLUICE_NET_HANDSHAKE_H
#define SLUICE_NET_HANDSHAKE_H

#include <sys/socket.h>
#include "net/handshake-t.h"


/* For bind keywords: put <step> on <li>'s chain, after the steps already
 * there (once: asking twice is asking once). Returns 0, or -1 when the
 * chain is full. The transport's step is added after the configuration
 * is read, last. */
int handshake_add_step(struct listener *li, const struct hs_step *step);

/* Take an accepted socket <fd> from <peer> on listener <li> (whose chain
 * is not empty): wrap it in a connection with the listener's transport
 * (its init runs here) and run the chain on the calling thread, within
 * the frontend's "timeout client" (5 s when unset) for all the steps.
 * When the last step is done, <done> gets the connection: it owns it
 * from then on, and the listener slot (listener_conn_done() when it
 * ends). The connection's owner is then the chain's task, which is gone:
 * the callee must conn_set_owner() it to its own task at once, and read
 * from it (bytes may already wait, and no new event will say so).
 * When a step refuses the connection, or at the deadline, the
 * connection is closed, counted in the frontend's denied_conn and logged
 * (Begin sess <step's kind>, SessOpen, Error "<step> <why>", SessClose),
 * unless the step said to close it silently (a client that left before
 * its first byte). On any failure the chain calls listener_conn_done().
 * Either way the chain frees itself. */
void handshake_start(struct listener *li, int fd, const struct sockaddr_storage *peer,
		     handshake_done_f done);

#endif
