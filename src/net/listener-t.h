/* listener-t.h: a "bind" line: one address, one socket per thread. */
#ifndef SLUICE_NET_LISTENER_T_H
#define SLUICE_NET_LISTENER_T_H

#include <sys/socket.h>
#include "core/list.h"
#include "core/global-t.h"

struct proxy;
struct xprt_ops;
struct hs_step;
struct mux_ops;

#define LI_MAGIC 0x4c49534eU
#define LI_HS_MAX 4                   /* steps on one listener's handshake chain */

struct listener {
	unsigned magic;
	struct proxy *fe;
	struct sockaddr_storage addr;
	socklen_t addrlen;
	char *name;                   /* the address as written on the bind line */
	const char *conf_file;
	int conf_line;
	unsigned mode;                /* unix socket permissions, 0 = default */
	/* connection layers of what it accepts (doc/architecture.md) */
	const struct xprt_ops *xprt;  /* transport: raw unless a bind option says */
	const struct hs_step *hs[LI_HS_MAX]; /* handshake chain (net/handshake.h), */
	unsigned nb_hs;               /* run before the mux gets a connection */
	const struct mux_ops *mux;    /* fe->mode's mux, unless ALPN chooses (net/mux.h) */
	int fds[MAX_THREADS];         /* per-thread SO_REUSEPORT socket, or one shared unix fd */
	int paused[MAX_THREADS];      /* per-thread: accept paused (maxconn, no fd...) */
	int warned;                   /* an accept() resource error was reported */
	struct list list;             /* in fe->listeners */
};

#endif
