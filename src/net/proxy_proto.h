/* proxy_proto.h: the PROXY protocol header (version 1, text, and version 2,
 * binary) that carries a client's addresses over a relayed connection:
 * parsed on "bind ... accept-proxy" listeners, built for "server ...
 * send-proxy / send-proxy-v2". Format: doc/proxy-protocol.txt of HAProxy,
 * the public specification. */
#ifndef SLUICE_NET_PROXY_PROTO_H
#define SLUICE_NET_PROXY_PROTO_H

#include <stddef.h>
#include <sys/socket.h>
#include "net/conn-t.h"

struct server;

#define PROXY_V1_MAX    107      /* longest v1 line, CRLF included */
#define PROXY_V2_FIXED  16       /* signature, version/command, family, length */
/* Longest header accepted: every v1 line and a v2 header with its address
 * block and a few hundred bytes of TLVs (senders add ALPN, authority, a
 * unique id, TLS details: well below this). Longer ones are refused. */
#define PROXY_HDR_MAX   2048
/* Room that any header built here fits in (a TCP6 v1 line: 104 bytes). */
#define PROXY_BUILD_MAX 108

/* A parsed header. <local> is set when it gives no usable address: v1
 * UNKNOWN, v2 LOCAL, v2 PROXY with an unspecified family; the connection's
 * own addresses then stay. Otherwise src and dst hold the client's
 * addresses (AF_INET, AF_INET6 with ports, or AF_UNIX with the path, cut
 * to 107 bytes). */
struct proxy_hdr {
	int version;                  /* 1 or 2 */
	int local;
	struct sockaddr_storage src, dst;
};

/* Parse a header at the start of <buf> (<len> bytes available, not
 * NUL-terminated). Returns the header's length (> 0) when it is complete
 * and valid, 0 when more bytes are needed to decide, or -1 when the bytes
 * can never start a valid header; then *why (if why is not NULL) points to
 * a static description. Invalid bytes are refused as soon as they are
 * seen: a stream that is not a PROXY header is refused by its first bytes,
 * a v1 line without CRLF in PROXY_V1_MAX bytes and a v2 header longer than
 * PROXY_HDR_MAX as soon as that is known. <h> is written only on success.
 * Strictness: v1 takes single spaces, canonical IPv4 (no leading zeros),
 * IPv6 of hex digits and colons, ports without leading zeros, only CRLF;
 * v2 takes version 2, commands LOCAL and PROXY, the address families and
 * protocols of the specification, an address block that fits in the
 * length, TLVs that do not overflow it and a matching CRC32C TLV. */
int proxy_proto_parse(const void *buf, size_t len, struct proxy_hdr *h, const char **why);

/* Build a header for a connection from <src> to <dst> into <out> (<room>
 * bytes, PROXY_BUILD_MAX is always enough). Returns its length, or -1 when
 * it does not fit. IPv4 and IPv6 addresses give TCP4/TCP6 lines (v1) or
 * PROXY over STREAM (v2); when the families differ, the IPv4 one is sent as
 * an IPv4-mapped IPv6 address. A source that is not IPv4/IPv6 (a UNIX
 * socket client) gives "PROXY UNKNOWN" (v1) or PROXY with the unspecified
 * family (v2). <src> NULL means a connection of sluice's own (a health
 * check): UNKNOWN (v1) or LOCAL (v2). A <dst> that is NULL or not IP is
 * sent as the unspecified address of the source's family, port 0. */
int proxy_proto_build_v1(char *out, size_t room, const struct sockaddr *src,
			 const struct sockaddr *dst);
int proxy_proto_build_v2(char *out, size_t room, const struct sockaddr *src,
			 const struct sockaddr *dst);

/* The header <srv> wants ("send-proxy": v1, "send-proxy-v2": v2) for a
 * client connection from <client_src> to <client_dst> (either may be NULL,
 * as above). Returns its length, 0 when the server takes no header, -1
 * when <room> is too small. Call it once per NEW server connection and send
 * the result before any other byte; never on a reused connection. */
int proxy_proto_build(const struct server *srv, const union conn_addr *client_src,
		      const struct sockaddr_storage *client_dst, char *out, size_t room);

/* The same for a client connection <cli>: its peer (as accept-proxy may
 * have replaced it) and its local address (getsockname() on its socket). */
int proxy_proto_build_conn(const struct server *srv, const struct conn *cli,
			   char *out, size_t room);

/* The header <srv> wants on a connection of sluice's own (a health check)
 * on connected socket <fd>: v1 names the connection's own ends
 * (getsockname/getpeername, as the specification advises, since some
 * servers refuse UNKNOWN), v2 is LOCAL. Returns as proxy_proto_build(). */
int proxy_proto_build_local(const struct server *srv, int fd, char *out, size_t room);

#endif
