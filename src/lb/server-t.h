/* server-t.h: a "server" line and its per-thread runtime state. */
#ifndef SLUICE_LB_SERVER_T_H
#define SLUICE_LB_SERVER_T_H

#include <stdint.h>
#include <sys/socket.h>
#include "core/list.h"
#include "core/global-t.h"
#include "shm/counters-t.h"

struct proxy;

#define SRV_MAGIC 0x53525652U

struct server {
	unsigned magic;
	char *id;
	struct proxy *be;
	struct sockaddr_storage addr;
	socklen_t addrlen;
	char *addr_str;               /* as written */
	unsigned weight;              /* 0..256, default 1 */
	const char *conf_file;
	int conf_line;
	struct server *next;          /* in be->srv, config order */
	int puid;                     /* 1-based position in the backend */
	/* runtime */
	struct list idle[MAX_THREADS];/* per-thread idle server connections (LIFO) */
	unsigned nb_idle[MAX_THREADS];
	struct srv_counters *ctr;     /* per-thread rows in shared memory, as proxy.ctr */
};

#endif
