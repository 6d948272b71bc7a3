/* listener-t.h: a "bind" line: one address, one socket per thread. */
#ifndef SLUICE_NET_LISTENER_T_H
#define SLUICE_NET_LISTENER_T_H

#include <sys/socket.h>
#include "core/list.h"
#include "core/global-t.h"

struct proxy;

#define LI_MAGIC 0x4c49534eU

#define LI_O_ACCEPT_PROXY 0x0001      /* "accept-proxy": a PROXY header comes first */

struct listener {
	unsigned magic;
	struct proxy *fe;
	struct sockaddr_storage addr;
	socklen_t addrlen;
	char *name;                   /* the address as written on the bind line */
	const char *conf_file;
	int conf_line;
	unsigned mode;                /* unix socket permissions, 0 = default */
	unsigned options;             /* LI_O_* */
	int fds[MAX_THREADS];         /* per-thread SO_REUSEPORT socket, or one shared unix fd */
	int paused[MAX_THREADS];      /* per-thread: accept paused (maxconn, no fd...) */
	int warned;                   /* an accept() resource error was reported */
	struct list list;             /* in fe->listeners */
};

#endif
