/* handshake.h: work done on an accepted connection before a session gets
 * it; for now the PROXY protocol header of "accept-proxy" listeners. */
#ifndef SLUICE_NET_HANDSHAKE_H
#define SLUICE_NET_HANDSHAKE_H

#include <sys/socket.h>

struct listener;
struct conn;

/* Called with the connection once the handshake succeeded; it owns the
 * connection from then on (and the listener slot: listener_conn_done()
 * when it ends). The connection's owner task is the handshake's, which is
 * gone: the callee must conn_set_owner() it to its own task at once, and
 * read from it (bytes may already wait in the socket, and no new event
 * will say so). */
typedef void (*handshake_done_f)(struct listener *li, struct conn *c);

/* Take an accepted socket <fd> from <peer> on listener <li> (which has
 * LI_O_ACCEPT_PROXY) and read its PROXY header, on the calling thread,
 * within the frontend's "timeout client" (5 s when unset). Exactly the
 * header's bytes are taken from the socket (it is peeked at, then only
 * its length is read), so whatever the client sent after it stays for
 * the session. On success the connection's peer address becomes the
 * header's source (unless the header carries none: LOCAL, UNKNOWN) and
 * <done> gets it. On a malformed header, a timeout, an error or a close
 * mid-header the connection is closed, counted in the frontend's
 * denied_conn and logged (Begin sess "PROXY", SessOpen, Error, SessClose);
 * a connection closed before sending any byte (a TCP health check) is
 * closed without counting. Either way the handshake frees itself; on
 * failure it calls listener_conn_done(). */
void handshake_start(struct listener *li, int fd, const struct sockaddr_storage *peer,
		     handshake_done_f done);

#endif
