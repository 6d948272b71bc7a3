/* addr.h: parsing and printing of socket addresses written in HAProxy's
 * forms (IP:PORT, [IPv6]:PORT, ipv4@/ipv6@/unix@ prefixes, /path). */
#ifndef SLUICE_NET_ADDR_H
#define SLUICE_NET_ADDR_H

#include <stddef.h>
#include <sys/socket.h>

#define ADDR_F_RESOLVE 0x1   /* host names are resolved with getaddrinfo() */
#define ADDR_F_UNIX    0x2   /* UNIX socket paths ("/path", "unix@path") accepted */
#define ADDR_F_ANY     0x4   /* empty host or '*' means any address (bind) */

/* Parse <str> into *ss and *len. Accepted forms:
 *   1.2.3.4:80  host.name:80  [::1]:80  :::80 (any IPv6)  *:80 or :80 (any
 *   IPv4, with ADDR_F_ANY)  ipv4@ADDR:PORT  ipv6@ADDR:PORT  unix@PATH  /PATH
 * The port is required (1-65535); ranges and offsets are refused. Returns 0,
 * or -1 with a message (without the address itself) in err. */
int addr_parse(const char *str, unsigned flags, struct sockaddr_storage *ss,
	       socklen_t *len, char *err, size_t errlen);

/* "1.2.3.4:80", "[::1]:80" or "unix@/path" into buf; returns buf. */
char *addr_to_str(const struct sockaddr_storage *ss, socklen_t len, char *buf, size_t size);

/* Tests and fuzzers turn name resolution off (no DNS traffic, no delays):
 * host names then fail as unresolvable. On by default. */
void addr_set_resolve(int enabled);

#endif
