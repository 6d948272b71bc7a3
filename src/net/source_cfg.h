/* source_cfg.h: the local address of outgoing server connections
 * ("source ADDR[:PORT[-PORT]]" on a server line or in a backend). */
#ifndef SLUICE_NET_SOURCE_CFG_H
#define SLUICE_NET_SOURCE_CFG_H

#include <stdint.h>
#include <sys/socket.h>

struct server;

/* Built by the configuration, read-only afterwards but for <next>. Owned
 * by source_cfg.c (freed by cfg_deinit()); servers and proxies point to
 * them. A backend's source applies to its servers that have none. */
struct source_cfg {
	struct sockaddr_storage addr;  /* AF_INET or AF_INET6, port 0 */
	socklen_t addrlen;
	uint16_t port_lo, port_hi;     /* 0, 0: the kernel picks the port */
	unsigned next;                 /* round-robin position in the range (atomic) */
	char *str;                     /* as written */
	struct source_cfg *all;        /* every source_cfg, for cfg_deinit() */
};

/* Bind socket <fd> (not yet connected, of the family of <src>) to <src>
 * before connect(). Without a port the kernel picks one at connect time
 * (IP_BIND_ADDRESS_NO_PORT: the 4-tuple, not the port alone, must be
 * unique, so a source address does not limit connections to ~28k). With
 * a range, ports are tried round-robin from a shared position, skipping
 * the ones in use (EADDRINUSE; also those in TIME_WAIT, as SO_REUSEADDR is
 * not set) up to 1024 tries. <src> NULL: nothing to do. Returns 0, or -1
 * with errno set (EADDRINUSE when the range is exhausted). Any thread. */
int source_apply(int fd, struct source_cfg *src);

/* The same with the source of server <srv> (its own or its backend's). */
int source_bind(int fd, const struct server *srv);

#endif
