/* server-t.h: a "server" line and its per-thread runtime state. */
#ifndef SLUICE_LB_SERVER_T_H
#define SLUICE_LB_SERVER_T_H

#include <stdint.h>
#include <sys/socket.h>
#include "core/list.h"
#include "core/global-t.h"

struct proxy;

#define SRV_MAGIC 0x53525652U

/* Per-thread server counters: written by one thread without atomics,
 * summed by readers. */
struct srv_counters {
	uint64_t conns;               /* connections opened */
	uint64_t reused;              /* requests sent over a reused connection */
	uint64_t requests;
	uint64_t connect_errors;
	uint64_t resp_errors;         /* bad responses / resets -> 502 */
	uint64_t timeouts;            /* server timeouts -> 504 */
	uint64_t bytes_in, bytes_out;
};

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
	struct srv_counters ctr[MAX_THREADS];
};

#endif
