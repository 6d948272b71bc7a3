/* mux-t.h: multiplexers. A mux takes over an accepted connection once its
 * handshake chain is done and turns its bytes into streams and back: h1
 * (one HTTP exchange after another), tcp (one byte stream to a server),
 * h2 next (many exchanges at once). The stream never sees wire format. */
#ifndef SLUICE_NET_MUX_T_H
#define SLUICE_NET_MUX_T_H

#include "proxy/proxy-t.h"

struct conn;
struct listener;

/* mux_ops.flags */
#define MUX_F_DEFAULT 0x01            /* the one for its mode when ALPN names none */

/* A mux is a const ops struct registered from its own file
 * (MUX_REGISTER, mux.h). */
struct mux_ops {
	const char *name;             /* required: "h1", "tcp" (sluice -vv) */
	enum px_mode mode;            /* required: the frontends it serves */
	unsigned flags;               /* MUX_F_*; one default per mode at most */
	const char *alpn;             /* optional: the ALPN token that chooses it
	                               * ("http/1.1", "h2"); NULL: none */
	/* required: take over <c>, accepted on <li> and through its
	 * handshake chain. Runs on the thread that accepted, which keeps
	 * the connection. The mux sets <c>'s owner to a task of its own at
	 * once (conn_set_owner()) and reads from it soon (bytes may wait in
	 * the socket or in the transport, and no new event will say so).
	 * From then on it owns <c> and the listener slot: conn_free() and
	 * listener_conn_done(li) when it ends, or at once when it cannot
	 * take it (no memory). A mux that carries several streams creates
	 * them itself as requests arrive; a stream never owns <c>. */
	void (*attach)(struct listener *li, struct conn *c);
};

#endif
