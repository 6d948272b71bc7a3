/* proxy_proto.c: PROXY protocol v1/v2 header parser and builders, and the
 * "send-proxy" / "send-proxy-v2" server options.
 *
 * The parser is incremental in the simplest way: it is handed everything
 * received so far and either finds a whole header, asks for more, or
 * refuses. It never reads past <len>, and decides "refused" as early as the
 * bytes allow, so that a client speaking anything else is dropped at once
 * rather than at the timeout. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <string.h>
#include <sys/un.h>

#include "cfg/cfg.h"
#include "core/compiler.h"
#include "lb/server-t.h"
#include "net/proxy_proto.h"

static const unsigned char v2_sig[12] = {
	0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A
};

#define V2_CMD_LOCAL  0x0
#define V2_CMD_PROXY  0x1
#define V2_TLV_CRC32C 0x03

static int refuse(const char **why, const char *msg)
{
	if (why)
		*why = msg;
	return -1;
}

/* ------------------------------------------------------------ version 1 */

/* Exactly four decimal numbers 0-255 without leading zeros, three dots. */
static int v1_ipv4(const char *s, size_t n, struct in_addr *out)
{
	unsigned char b[4];
	size_t i = 0;
	int part;

	for (part = 0; part < 4; part++) {
		size_t start = i;
		unsigned v = 0;

		if (part) {
			if (i >= n || s[i] != '.')
				return -1;
			start = ++i;
		}
		while (i < n && s[i] >= '0' && s[i] <= '9' && i - start < 3)
			v = v * 10 + (unsigned)(s[i++] - '0');
		if (i == start || v > 255 || (i - start > 1 && s[start] == '0'))
			return -1;
		b[part] = (unsigned char)v;
	}
	if (i != n)
		return -1;
	memcpy(out, b, 4);
	return 0;
}

/* Hex digits and colons (one "::" at most, 128 bits: inet_pton checks). */
static int v1_ipv6(const char *s, size_t n, struct in6_addr *out)
{
	char tmp[40];
	size_t i;

	if (n < 2 || n > 39)
		return -1;
	for (i = 0; i < n; i++) {
		char c = s[i];

		if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') ||
		      (c >= 'A' && c <= 'F') || c == ':'))
			return -1;
	}
	memcpy(tmp, s, n);
	tmp[n] = 0;
	return inet_pton(AF_INET6, tmp, out) == 1 ? 0 : -1;
}

/* 0-65535, no leading zero. */
static int v1_port(const char *s, size_t n, uint16_t *out)
{
	unsigned v = 0;
	size_t i;

	if (n < 1 || n > 5 || (n > 1 && s[0] == '0'))
		return -1;
	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (unsigned)(s[i] - '0');
	}
	if (v > 65535)
		return -1;
	*out = (uint16_t)v;
	return 0;
}

static int v1_parse(const char *b, size_t len, struct proxy_hdr *h, const char **why)
{
	static const char sig[] = "PROXY ";
	size_t lim = len < PROXY_V1_MAX ? len : PROXY_V1_MAX;
	size_t i, end = 0, p, fs[4], fl[4];
	int found = 0, k, v6;
	struct sockaddr_in *s4, *d4;
	struct sockaddr_in6 *s6, *d6;
	uint16_t sport, dport;
	struct proxy_hdr r;

	for (i = 0; i < lim && !found; i++) {
		unsigned char c = (unsigned char)b[i];

		if (i < 6) {
			if (c != (unsigned char)sig[i])
				return refuse(why, i < 5 ? "not a PROXY protocol header"
						  : "v1: expected one space after PROXY");
			continue;
		}
		if (c == '\r') {
			if (i + 2 > PROXY_V1_MAX)
				return refuse(why, "v1: no CRLF in the first 107 bytes");
			if (i + 1 == len)
				return 0;
			if (b[i + 1] != '\n')
				return refuse(why, "v1: CR not followed by LF");
			end = i;
			found = 1;
		} else if (c == '\n') {
			return refuse(why, "v1: LF without CR");
		} else if (c < 0x20 || c > 0x7e) {
			return refuse(why, "v1: invalid character");
		}
	}
	if (!found)
		return len >= PROXY_V1_MAX ? refuse(why, "v1: no CRLF in the first 107 bytes") : 0;

	/* "PROXY " <proto> [" " <src> " " <dst> " " <sport> " " <dport>] */
	p = 6;
	while (p < end && b[p] != ' ')
		p++;
	if (p - 6 == 7 && !memcmp(b + 6, "UNKNOWN", 7)) {
		/* the rest of the line is to be ignored */
		memset(&r, 0, sizeof(r));
		r.version = 1;
		r.local = 1;
		*h = r;
		return (int)end + 2;
	}
	if (p - 6 != 4 || memcmp(b + 6, "TCP", 3) || (b[9] != '4' && b[9] != '6'))
		return refuse(why, "v1: unknown protocol (expected TCP4, TCP6 or UNKNOWN)");
	v6 = b[9] == '6';
	for (k = 0; k < 4; k++) {
		if (p >= end)
			return refuse(why, "v1: missing field");
		/* b[p] is a space: the token scan stops at one or at the end */
		p++;
		fs[k] = p;
		while (p < end && b[p] != ' ')
			p++;
		fl[k] = p - fs[k];
		if (!fl[k])
			return refuse(why, "v1: empty field (two spaces or a trailing space)");
	}
	if (p != end)
		return refuse(why, "v1: too many fields");

	memset(&r, 0, sizeof(r));
	r.version = 1;
	s4 = (struct sockaddr_in *)&r.src;
	d4 = (struct sockaddr_in *)&r.dst;
	s6 = (struct sockaddr_in6 *)&r.src;
	d6 = (struct sockaddr_in6 *)&r.dst;
	if (v1_port(b + fs[2], fl[2], &sport) < 0 || v1_port(b + fs[3], fl[3], &dport) < 0)
		return refuse(why, "v1: invalid port");
	if (!v6) {
		if (v1_ipv4(b + fs[0], fl[0], &s4->sin_addr) < 0 ||
		    v1_ipv4(b + fs[1], fl[1], &d4->sin_addr) < 0)
			return refuse(why, "v1: invalid IPv4 address");
		s4->sin_family = d4->sin_family = AF_INET;
		s4->sin_port = htons(sport);
		d4->sin_port = htons(dport);
	} else {
		if (v1_ipv6(b + fs[0], fl[0], &s6->sin6_addr) < 0 ||
		    v1_ipv6(b + fs[1], fl[1], &d6->sin6_addr) < 0)
			return refuse(why, "v1: invalid IPv6 address");
		s6->sin6_family = d6->sin6_family = AF_INET6;
		s6->sin6_port = htons(sport);
		d6->sin6_port = htons(dport);
	}
	*h = r;
	return (int)end + 2;
}

/* ------------------------------------------------------------ version 2 */

/* CRC32C (Castagnoli, reflected polynomial 0x82F63B78) of <len> bytes of
 * <p>, with the 4 bytes at offset <skip> counted as zeros. Bit by bit: it
 * runs only for headers that carry the TLV, at most PROXY_HDR_MAX bytes. */
static uint32_t crc32c_skip(const unsigned char *p, size_t len, size_t skip)
{
	uint32_t crc = 0xFFFFFFFFu;
	size_t i;
	int k;

	for (i = 0; i < len; i++) {
		crc ^= (i >= skip && i < skip + 4) ? 0 : p[i];
		for (k = 0; k < 8; k++)
			crc = (crc >> 1) ^ (0x82F63B78u & (0u - (crc & 1)));
	}
	return ~crc;
}

/* Address block size of a family/protocol byte, -1 when not allowed. */
static int v2_addr_len(unsigned fam)
{
	switch (fam) {
	case 0x00: return 0;                 /* UNSPEC */
	case 0x11: case 0x12: return 12;     /* TCP, UDP over IPv4 */
	case 0x21: case 0x22: return 36;     /* TCP, UDP over IPv6 */
	case 0x31: case 0x32: return 216;    /* UNIX stream, datagram */
	}
	return -1;
}

static void v2_unix(struct sockaddr_storage *ss, const unsigned char *path)
{
	struct sockaddr_un *sun = (struct sockaddr_un *)ss;
	size_t n = strnlen((const char *)path, 108);

	if (n > sizeof(sun->sun_path) - 1)
		n = sizeof(sun->sun_path) - 1;
	sun->sun_family = AF_UNIX;
	memcpy(sun->sun_path, path, n);
	sun->sun_path[n] = 0;
}

static int v2_parse(const unsigned char *b, size_t len, struct proxy_hdr *h, const char **why)
{
	size_t n = len < sizeof(v2_sig) ? len : sizeof(v2_sig);
	size_t total, off;
	unsigned cmd = 0;
	int alen = 0;
	struct proxy_hdr r;

	if (memcmp(b, v2_sig, n))
		return refuse(why, "v2: bad signature");
	if (len > 12) {
		if ((b[12] >> 4) != 2)
			return refuse(why, "v2: unsupported version (expected 2)");
		cmd = b[12] & 0x0F;
		if (cmd != V2_CMD_LOCAL && cmd != V2_CMD_PROXY)
			return refuse(why, "v2: unknown command");
	}
	if (len > 13 && cmd == V2_CMD_PROXY) {
		alen = v2_addr_len(b[13]);
		if (alen < 0)
			return refuse(why, "v2: unknown address family or protocol");
	}
	if (len < PROXY_V2_FIXED)
		return 0;
	total = PROXY_V2_FIXED + ((size_t)b[14] << 8 | b[15]);
	if (total > PROXY_HDR_MAX)
		return refuse(why, "v2: header longer than 2048 bytes");
	if (total < PROXY_V2_FIXED + (size_t)alen)
		return refuse(why, "v2: address block longer than the header");
	if (len < total)
		return 0;

	memset(&r, 0, sizeof(r));
	r.version = 2;
	if (cmd == V2_CMD_LOCAL || b[13] == 0x00) {
		/* LOCAL: the whole block, family included, is to be ignored;
		 * PROXY with UNSPEC: keep the real endpoints. */
		r.local = 1;
		*h = r;
		return (int)total;
	}
	off = PROXY_V2_FIXED;
	switch (b[13] >> 4) {
	case 1: {
		struct sockaddr_in *s = (struct sockaddr_in *)&r.src, *d = (struct sockaddr_in *)&r.dst;

		s->sin_family = d->sin_family = AF_INET;
		memcpy(&s->sin_addr, b + off, 4);
		memcpy(&d->sin_addr, b + off + 4, 4);
		memcpy(&s->sin_port, b + off + 8, 2);
		memcpy(&d->sin_port, b + off + 10, 2);
		break;
	}
	case 2: {
		struct sockaddr_in6 *s = (struct sockaddr_in6 *)&r.src, *d = (struct sockaddr_in6 *)&r.dst;

		s->sin6_family = d->sin6_family = AF_INET6;
		memcpy(&s->sin6_addr, b + off, 16);
		memcpy(&d->sin6_addr, b + off + 16, 16);
		memcpy(&s->sin6_port, b + off + 32, 2);
		memcpy(&d->sin6_port, b + off + 34, 2);
		break;
	}
	default:
		v2_unix(&r.src, b + off);
		v2_unix(&r.dst, b + off + 108);
		break;
	}
	/* TLVs: type, 16-bit length, value; skipped, but each must fit */
	for (off += (size_t)alen; off < total; ) {
		size_t tlen;

		if (total - off < 3)
			return refuse(why, "v2: truncated TLV");
		tlen = (size_t)b[off + 1] << 8 | b[off + 2];
		if (tlen > total - off - 3)
			return refuse(why, "v2: TLV longer than the header");
		if (b[off] == V2_TLV_CRC32C) {
			uint32_t want;

			if (tlen != 4)
				return refuse(why, "v2: CRC32C TLV of a wrong length");
			want = (uint32_t)b[off + 3] << 24 | (uint32_t)b[off + 4] << 16 |
			       (uint32_t)b[off + 5] << 8 | b[off + 6];
			if (crc32c_skip(b, total, off + 3) != want)
				return refuse(why, "v2: CRC32C mismatch");
		}
		off += 3 + tlen;
	}
	*h = r;
	return (int)total;
}

int proxy_proto_parse(const void *buf, size_t len, struct proxy_hdr *h, const char **why)
{
	const unsigned char *b = buf;

	if (!len)
		return 0;
	if (b[0] == 'P')
		return v1_parse(buf, len, h, why);
	if (b[0] == v2_sig[0])
		return v2_parse(b, len, h, why);
	return refuse(why, "not a PROXY protocol header");
}

/* ------------------------------------------------------------- builders */

/* Both ends in one family: 4 (16-byte arrays hold the address in their
 * first 4 bytes), 6, or 0 when the source is not IP. Ports in network
 * order. */
struct pp_pair {
	int fam;
	unsigned char s[16], d[16];
	uint16_t sport, dport;
};

static int addr_of(const struct sockaddr *sa, unsigned char *a, uint16_t *port)
{
	if (sa && sa->sa_family == AF_INET) {
		const struct sockaddr_in *s = (const struct sockaddr_in *)sa;

		memcpy(a, &s->sin_addr, 4);
		*port = s->sin_port;
		return 4;
	}
	if (sa && sa->sa_family == AF_INET6) {
		const struct sockaddr_in6 *s = (const struct sockaddr_in6 *)sa;

		memcpy(a, &s->sin6_addr, 16);
		*port = s->sin6_port;
		return 6;
	}
	return 0;
}

/* IPv4 in place to IPv4-mapped IPv6 (::ffff:a.b.c.d). */
static void map_v6(unsigned char *a)
{
	memmove(a + 12, a, 4);
	memset(a, 0, 10);
	a[10] = a[11] = 0xff;
}

static void pair_of(struct pp_pair *p, const struct sockaddr *src, const struct sockaddr *dst)
{
	int df;

	memset(p, 0, sizeof(*p));
	p->fam = addr_of(src, p->s, &p->sport);
	if (!p->fam)
		return;
	df = addr_of(dst, p->d, &p->dport);
	if (!df) {
		memset(p->d, 0, sizeof(p->d));
		p->dport = 0;
		return;
	}
	if (df != p->fam) {
		if (p->fam == 4)
			map_v6(p->s);
		else
			map_v6(p->d);
		p->fam = 6;
	}
}

/* An IPv6 address as v1 wants it: hex groups and colons, the longest run
 * of two or more zero groups as "::" (RFC 5952), never the dotted form
 * that inet_ntop() uses for IPv4-mapped and -compatible addresses. */
static void v6_str(const unsigned char *a, char *out, size_t room)
{
	unsigned w[8];
	int i, best = -1, blen = 0, run = 0;
	size_t o = 0;

	for (i = 0; i < 8; i++) {
		w[i] = (unsigned)a[2 * i] << 8 | a[2 * i + 1];
		run = w[i] ? 0 : run + 1;
		if (run > blen) {
			blen = run;
			best = i - run + 1;
		}
	}
	if (blen < 2)
		best = -1;
	for (i = 0; i < 8 && o < room; i++) {
		if (i == best) {
			o += (size_t)snprintf(out + o, room - o, "::");
			i += blen - 1;
			continue;
		}
		/* a colon between groups, none right after "::" */
		o += (size_t)snprintf(out + o, room - o, "%s%x",
				      i && !(best >= 0 && i == best + blen) ? ":" : "", w[i]);
	}
	if (o >= room)
		out[room - 1] = 0;
}

int proxy_proto_build_v1(char *out, size_t room, const struct sockaddr *src,
			 const struct sockaddr *dst)
{
	struct pp_pair p;
	char s[INET6_ADDRSTRLEN], d[INET6_ADDRSTRLEN], line[PROXY_V1_MAX + 1];
	int n;

	pair_of(&p, src, dst);
	if (!p.fam) {
		static const char unk[] = "PROXY UNKNOWN\r\n";

		if (room < sizeof(unk) - 1)
			return -1;
		memcpy(out, unk, sizeof(unk) - 1);
		return (int)sizeof(unk) - 1;
	}
	if (p.fam == 4) {
		inet_ntop(AF_INET, p.s, s, sizeof(s));
		inet_ntop(AF_INET, p.d, d, sizeof(d));
	} else {
		v6_str(p.s, s, sizeof(s));
		v6_str(p.d, d, sizeof(d));
	}
	n = snprintf(line, sizeof(line), "PROXY TCP%c %s %s %u %u\r\n", p.fam == 4 ? '4' : '6',
		     s, d, ntohs(p.sport), ntohs(p.dport));
	if (n < 0 || (size_t)n >= sizeof(line) || (size_t)n > room)
		return -1;
	memcpy(out, line, (size_t)n);
	return n;
}

int proxy_proto_build_v2(char *out, size_t room, const struct sockaddr *src,
			 const struct sockaddr *dst)
{
	unsigned char *o = (unsigned char *)out;
	struct pp_pair p;
	size_t alen, i;

	pair_of(&p, src, dst);
	alen = p.fam == 4 ? 12 : p.fam == 6 ? 36 : 0;
	if (room < PROXY_V2_FIXED + alen)
		return -1;
	memcpy(o, v2_sig, sizeof(v2_sig));
	o[12] = 0x20 | (src ? V2_CMD_PROXY : V2_CMD_LOCAL);
	o[13] = p.fam == 4 ? 0x11 : p.fam == 6 ? 0x21 : 0x00;
	o[14] = 0;
	o[15] = (unsigned char)alen;
	i = PROXY_V2_FIXED;
	if (p.fam) {
		size_t al = p.fam == 4 ? 4 : 16;

		memcpy(o + i, p.s, al);
		memcpy(o + i + al, p.d, al);
		memcpy(o + i + 2 * al, &p.sport, 2);
		memcpy(o + i + 2 * al + 2, &p.dport, 2);
	}
	return (int)(PROXY_V2_FIXED + alen);
}

int proxy_proto_build(const struct server *srv, const union conn_addr *client_src,
		      const struct sockaddr_storage *client_dst, char *out, size_t room)
{
	const struct sockaddr *s = client_src ? &client_src->sa : NULL;
	const struct sockaddr *d = (const struct sockaddr *)client_dst;

	switch (srv->proxy_proto) {
	case SRV_PP_V1:
		return proxy_proto_build_v1(out, room, s, d);
	case SRV_PP_V2:
		return proxy_proto_build_v2(out, room, s, d);
	}
	return 0;
}

int proxy_proto_build_conn(const struct server *srv, const struct conn *cli,
			   char *out, size_t room)
{
	struct sockaddr_storage dst;
	socklen_t dlen = sizeof(dst);

	if (!srv->proxy_proto)
		return 0;
	memset(&dst, 0, sizeof(dst));
	if (getsockname(cli->fdh.fd, (struct sockaddr *)&dst, &dlen) < 0)
		dst.ss_family = AF_UNSPEC;
	return proxy_proto_build(srv, &cli->peer, &dst, out, room);
}

int proxy_proto_build_local(const struct server *srv, int fd, char *out, size_t room)
{
	struct sockaddr_storage me, peer;
	socklen_t ml = sizeof(me), pl = sizeof(peer);

	if (srv->proxy_proto == SRV_PP_V2)
		return proxy_proto_build_v2(out, room, NULL, NULL);
	if (srv->proxy_proto != SRV_PP_V1)
		return 0;
	if (getsockname(fd, (struct sockaddr *)&me, &ml) < 0 ||
	    getpeername(fd, (struct sockaddr *)&peer, &pl) < 0)
		return proxy_proto_build_v1(out, room, NULL, NULL);
	return proxy_proto_build_v1(out, room, (struct sockaddr *)&me, (struct sockaddr *)&peer);
}

/* --------------------------------------------------------- server options */

/* "send-proxy" / "send-proxy-v2": the last one on the line wins. */
static int srv_kw_send_proxy(struct cfg_ctx *ctx, struct server *srv, char **args)
{
	srv->proxy_proto = strcmp(args[0], "send-proxy-v2") == 0 ? SRV_PP_V2 : SRV_PP_V1;
	return 0;
}

static const struct srv_kw pp_srv_kws[] = {
	{ "send-proxy",    0, "send-proxy",    srv_kw_send_proxy },
	{ "send-proxy-v2", 0, "send-proxy-v2", srv_kw_send_proxy },
	{ .kw = NULL }
};
SRV_REGISTER_KEYWORDS(pp_srv_kws);
