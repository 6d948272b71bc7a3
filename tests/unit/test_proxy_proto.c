/* test_proxy_proto.c: unit tests of the PROXY protocol parser (every field,
 * every refusal, byte-by-byte feeding) and builders, of the accept-proxy,
 * send-proxy and source keywords, and of source binding. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdint.h>
#include <string.h>
#include <sys/un.h>
#include <unistd.h>

#include "cfg/cfg.h"
#include "lb/server-t.h"
#include "net/addr.h"
#include "net/handshake-t.h"
#include "net/listener-t.h"
#include "net/proxy_proto.h"
#include "net/source_cfg.h"
#include "proxy/proxy-t.h"
#include "unit.h"

static const unsigned char SIG[12] = {
	0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A
};

/* ---------------------------------------------------------------- helpers */

/* Parse a heap copy of exactly <len> bytes (so that a sanitizer build sees
 * any read past them). */
static int parse_n(const void *p, size_t len, struct proxy_hdr *h, const char **why)
{
	char *c = malloc(len ? len : 1);
	int r;

	memcpy(c, p, len);
	r = proxy_proto_parse(c, len, h, why);
	free(c);
	return r;
}

/* Every strict prefix of a valid header needs more; the whole gives its
 * length; extra bytes after it are not taken. */
static void check_split(const void *p, size_t len, int line)
{
	unsigned char buf[PROXY_HDR_MAX + 16];
	struct proxy_hdr h;
	size_t k;
	int bad = 0;

	for (k = 0; k < len; k++)
		if (parse_n(p, k, &h, NULL) != 0)
			bad++;
	CHECK_INT_AT(bad, 0, __FILE__, line);
	CHECK_INT_AT(parse_n(p, len, &h, NULL), len, __FILE__, line);
	memcpy(buf, p, len);
	memcpy(buf + len, "GET / HTTP/1.1\r\n", 16);
	CHECK_INT_AT(parse_n(buf, len + 16, &h, NULL), len, __FILE__, line);
}

/* A v1 line must be refused with a reason containing <reason>, and so must
 * every longer input starting with it. */
static void v1_bad_at(const char *line, const char *reason, int at)
{
	struct proxy_hdr h;
	const char *why = NULL;
	int r = parse_n(line, strlen(line), &h, &why);

	if (!CHECK_INT_AT(r, -1, __FILE__, at))
		printf("    line: %s\n", line);
	else if (!CHECK_AT(why && strstr(why, reason), __FILE__, at))
		printf("    line: %s    why: %s, expected %s\n", line, why ? why : "(null)", reason);
}
#define V1_BAD(line, reason) v1_bad_at(line, reason, __LINE__)

static void v2_bad_at(const unsigned char *p, size_t len, const char *reason, int at)
{
	struct proxy_hdr h;
	const char *why = NULL;

	CHECK_INT_AT(parse_n(p, len, &h, &why), -1, __FILE__, at);
	if (!CHECK_AT(why && strstr(why, reason), __FILE__, at))
		printf("    why: %s, expected %s\n", why ? why : "(null)", reason);
}
#define V2_BAD(p, len, reason) v2_bad_at(p, len, reason, __LINE__)

static struct sockaddr_in sin4(const char *a, unsigned port)
{
	struct sockaddr_in s;

	memset(&s, 0, sizeof(s));
	s.sin_family = AF_INET;
	s.sin_port = htons((uint16_t)port);
	inet_pton(AF_INET, a, &s.sin_addr);
	return s;
}

static struct sockaddr_in6 sin6(const char *a, unsigned port)
{
	struct sockaddr_in6 s;

	memset(&s, 0, sizeof(s));
	s.sin6_family = AF_INET6;
	s.sin6_port = htons((uint16_t)port);
	inet_pton(AF_INET6, a, &s.sin6_addr);
	return s;
}

static int is4(const struct sockaddr_storage *ss, const char *a, unsigned port)
{
	const struct sockaddr_in *s = (const struct sockaddr_in *)ss;
	struct sockaddr_in w = sin4(a, port);

	return s->sin_family == AF_INET && s->sin_port == w.sin_port &&
	       s->sin_addr.s_addr == w.sin_addr.s_addr;
}

static int is6(const struct sockaddr_storage *ss, const char *a, unsigned port)
{
	const struct sockaddr_in6 *s = (const struct sockaddr_in6 *)ss;
	struct sockaddr_in6 w = sin6(a, port);

	return s->sin6_family == AF_INET6 && s->sin6_port == w.sin6_port &&
	       !memcmp(&s->sin6_addr, &w.sin6_addr, 16);
}

/* Reference CRC32C, checked against the standard check value below. */
static uint32_t crc32c(const unsigned char *p, size_t n)
{
	uint32_t c = 0xFFFFFFFFu;

	while (n--) {
		c ^= *p++;
		for (int k = 0; k < 8; k++)
			c = (c & 1) ? (c >> 1) ^ 0x82F63B78u : c >> 1;
	}
	return ~c;
}

/* A v2 header: command, family byte, address block and TLVs given raw. */
static size_t v2_make(unsigned char *out, unsigned ver_cmd, unsigned fam,
		      const void *body, size_t blen)
{
	memcpy(out, SIG, 12);
	out[12] = (unsigned char)ver_cmd;
	out[13] = (unsigned char)fam;
	out[14] = (unsigned char)(blen >> 8);
	out[15] = (unsigned char)blen;
	memcpy(out + 16, body, blen);
	return 16 + blen;
}

static const unsigned char V4_BLOCK[12] = {
	192, 0, 2, 1,  198, 51, 100, 7,  0x30, 0x39,  0x01, 0xBB     /* 12345 -> 443 */
};

/* ------------------------------------------------------------ version 1 */

static void test_v1_ok(void)
{
	struct proxy_hdr h;
	const char *l;
	char buf[128];

	l = "PROXY TCP4 192.168.0.1 192.168.0.11 56324 443\r\n";
	CHECK_INT(parse_n(l, strlen(l), &h, NULL), strlen(l));
	CHECK_INT(h.version, 1);
	CHECK_INT(h.local, 0);
	CHECK(is4(&h.src, "192.168.0.1", 56324));
	CHECK(is4(&h.dst, "192.168.0.11", 443));
	check_split(l, strlen(l), __LINE__);

	l = "PROXY TCP4 255.255.255.255 0.0.0.0 65535 0\r\n";
	CHECK_INT(parse_n(l, strlen(l), &h, NULL), strlen(l));
	CHECK(is4(&h.src, "255.255.255.255", 65535));
	CHECK(is4(&h.dst, "0.0.0.0", 0));

	l = "PROXY TCP6 2001:db8::1 ::1 1 2\r\n";
	CHECK_INT(parse_n(l, strlen(l), &h, NULL), strlen(l));
	CHECK(is6(&h.src, "2001:db8::1", 1));
	CHECK(is6(&h.dst, "::1", 2));
	check_split(l, strlen(l), __LINE__);

	/* the longest TCP6 line: 104 bytes, upper case */
	l = "PROXY TCP6 FFFF:FFFF:FFFF:FFFF:FFFF:FFFF:FFFF:FFFF ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff 65535 65535\r\n";
	CHECK_INT(strlen(l), 104);
	CHECK_INT(parse_n(l, strlen(l), &h, NULL), 104);
	CHECK(is6(&h.src, "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", 65535));

	/* UNKNOWN: short form, and anything up to the CRLF ignored */
	l = "PROXY UNKNOWN\r\n";
	CHECK_INT(parse_n(l, strlen(l), &h, NULL), 15);
	CHECK_INT(h.local, 1);
	CHECK_INT(h.version, 1);
	check_split(l, strlen(l), __LINE__);
	l = "PROXY UNKNOWN whatever 1.2.3.4 is here\r\n";
	CHECK_INT(parse_n(l, strlen(l), &h, NULL), strlen(l));
	CHECK_INT(h.local, 1);

	/* the worst case of the specification: exactly 107 bytes */
	l = "PROXY UNKNOWN ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff 65535 65535\r\n";
	CHECK_INT(strlen(l), 107);
	CHECK_INT(parse_n(l, 107, &h, NULL), 107);
	check_split(l, 107, __LINE__);

	/* 106 bytes without CRLF yet: wait; then 107 with one more: refused */
	memset(buf, 'x', sizeof(buf));
	memcpy(buf, "PROXY UNKNOWN ", 14);
	CHECK_INT(parse_n(buf, 106, &h, NULL), 0);
	buf[105] = '\r';
	CHECK_INT(parse_n(buf, 106, &h, NULL), 0);
	buf[106] = '\n';
	CHECK_INT(parse_n(buf, 107, &h, NULL), 107);
}

static void test_v1_bad(void)
{
	char buf[160];
	struct proxy_hdr h;

	/* not the protocol, refused from the first byte that differs */
	V1_BAD("G", "not a PROXY");
	V1_BAD("GET / HTTP/1.1\r\n", "not a PROXY");
	V1_BAD("PROXX TCP4", "not a PROXY");
	V1_BAD("proxy TCP4", "not a PROXY");
	V1_BAD("PROXY\tTCP4", "one space");
	V1_BAD("PROXYTCP4", "one space");
	/* protocol */
	V1_BAD("PROXY TCP5 1.2.3.4 1.2.3.4 1 2\r\n", "unknown protocol");
	V1_BAD("PROXY tcp4 1.2.3.4 1.2.3.4 1 2\r\n", "unknown protocol");
	V1_BAD("PROXY UDP4 1.2.3.4 1.2.3.4 1 2\r\n", "unknown protocol");
	V1_BAD("PROXY UNKNOWNX\r\n", "unknown protocol");
	V1_BAD("PROXY \r\n", "unknown protocol");
	V1_BAD("PROXY TCP4\r\n", "missing field");
	/* fields */
	V1_BAD("PROXY  TCP4 1.2.3.4 1.2.3.4 1 2\r\n", "unknown protocol");
	V1_BAD("PROXY TCP4  1.2.3.4 1.2.3.4 1 2\r\n", "empty field");
	V1_BAD("PROXY TCP4 1.2.3.4  1.2.3.4 1 2\r\n", "empty field");
	V1_BAD("PROXY TCP4 1.2.3.4 1.2.3.4 1 2 \r\n", "too many fields");
	V1_BAD("PROXY TCP4 1.2.3.4 1.2.3.4 1 \r\n", "empty field");
	V1_BAD("PROXY TCP4 1.2.3.4 1.2.3.4 1 2 3\r\n", "too many fields");
	V1_BAD("PROXY TCP4 1.2.3.4 1.2.3.4 1\r\n", "missing field");
	V1_BAD("PROXY TCP4 1.2.3.4\r\n", "missing field");
	/* IPv4 */
	V1_BAD("PROXY TCP4 01.2.3.4 1.2.3.4 1 2\r\n", "IPv4");
	V1_BAD("PROXY TCP4 1.2.3.4 1.2.3.00 1 2\r\n", "IPv4");
	V1_BAD("PROXY TCP4 256.2.3.4 1.2.3.4 1 2\r\n", "IPv4");
	V1_BAD("PROXY TCP4 1.2.3 1.2.3.4 1 2\r\n", "IPv4");
	V1_BAD("PROXY TCP4 1.2.3.4.5 1.2.3.4 1 2\r\n", "IPv4");
	V1_BAD("PROXY TCP4 1.2.3.4 1.2..4 1 2\r\n", "IPv4");
	V1_BAD("PROXY TCP4 1.2.3.4 1.2.3.4. 1 2\r\n", "IPv4");
	V1_BAD("PROXY TCP4 1234.2.3.4 1.2.3.4 1 2\r\n", "IPv4");
	V1_BAD("PROXY TCP4 +1.2.3.4 1.2.3.4 1 2\r\n", "IPv4");
	V1_BAD("PROXY TCP4 ::1 1.2.3.4 1 2\r\n", "IPv4");
	/* IPv6 */
	V1_BAD("PROXY TCP6 1.2.3.4 ::1 1 2\r\n", "IPv6");
	V1_BAD("PROXY TCP6 ::ffff:1.2.3.4 ::1 1 2\r\n", "IPv6");
	V1_BAD("PROXY TCP6 ::1 ::1::2 1 2\r\n", "IPv6");
	V1_BAD("PROXY TCP6 ::1 1:2:3:4:5:6:7:8:9 1 2\r\n", "IPv6");
	V1_BAD("PROXY TCP6 ::1 12345::1 1 2\r\n", "IPv6");
	V1_BAD("PROXY TCP6 ::1 fe80::1%eth0 1 2\r\n", "IPv6");
	V1_BAD("PROXY TCP6 ::1 : 1 2\r\n", "IPv6");
	V1_BAD("PROXY TCP6 ::1 g::1 1 2\r\n", "IPv6");
	/* ports */
	V1_BAD("PROXY TCP4 1.2.3.4 1.2.3.4 65536 2\r\n", "port");
	V1_BAD("PROXY TCP4 1.2.3.4 1.2.3.4 1 080\r\n", "port");
	V1_BAD("PROXY TCP4 1.2.3.4 1.2.3.4 00 2\r\n", "port");
	V1_BAD("PROXY TCP4 1.2.3.4 1.2.3.4 -1 2\r\n", "port");
	V1_BAD("PROXY TCP4 1.2.3.4 1.2.3.4 1 +2\r\n", "port");
	V1_BAD("PROXY TCP4 1.2.3.4 1.2.3.4 1 123456\r\n", "port");
	V1_BAD("PROXY TCP4 1.2.3.4 1.2.3.4 1 2a\r\n", "port");
	/* line end */
	V1_BAD("PROXY TCP4 1.2.3.4 1.2.3.4 1 2\n", "LF without CR");
	V1_BAD("PROXY TCP4 1.2.3.4 1.2.3.4 1 2\rX", "CR not followed by LF");
	V1_BAD("PROXY TCP4 1.2.3.4 1.2.3.4 1 2\r\r\n", "CR not followed by LF");
	V1_BAD("PROXY UNKNOWN \n\r\n", "LF without CR");
	V1_BAD("PROXY TCP4 1.2.3.4\t1.2.3.4 1 2\r\n", "invalid character");
	V1_BAD("PROXY UNKNOWN \x01\r\n", "invalid character");
	V1_BAD("PROXY UNKNOWN \x80\r\n", "invalid character");
	CHECK_INT(parse_n("PROXY UNKNOWN \0\r\n", 17, &h, NULL), -1);
	/* length: no CRLF in 107 bytes, or a CRLF ending at byte 108 */
	memset(buf, 'x', sizeof(buf));
	memcpy(buf, "PROXY UNKNOWN ", 14);
	CHECK_INT(parse_n(buf, 107, &h, NULL), -1);
	CHECK_INT(parse_n(buf, 150, &h, NULL), -1);
	buf[106] = '\r';
	buf[107] = '\n';
	CHECK_INT(parse_n(buf, 107, &h, NULL), -1);
	CHECK_INT(parse_n(buf, 108, &h, NULL), -1);
	/* a line refused stays refused whatever follows, and is refused
	 * as early as its bytes allow */
	CHECK_INT(parse_n("PROXY TCP4 1.2.3.4\n", 19, &h, NULL), -1);
	CHECK_INT(parse_n("PROXY TCP4 1.2.3.4 1.2.3.4 1 2", 30, &h, NULL), 0);
	CHECK_INT(parse_n("", 0, &h, NULL), 0);
	CHECK_INT(parse_n("P", 1, &h, NULL), 0);
	CHECK_INT(parse_n("PROXY", 5, &h, NULL), 0);
}

/* ------------------------------------------------------------ version 2 */

static void test_v2_ok(void)
{
	unsigned char b[PROXY_HDR_MAX + 64], body[600];
	struct proxy_hdr h;
	size_t n;

	/* TCP over IPv4 */
	n = v2_make(b, 0x21, 0x11, V4_BLOCK, sizeof(V4_BLOCK));
	CHECK_INT(parse_n(b, n, &h, NULL), 28);
	CHECK_INT(h.version, 2);
	CHECK_INT(h.local, 0);
	CHECK(is4(&h.src, "192.0.2.1", 12345));
	CHECK(is4(&h.dst, "198.51.100.7", 443));
	check_split(b, n, __LINE__);
	/* UDP over IPv4: same addresses */
	n = v2_make(b, 0x21, 0x12, V4_BLOCK, sizeof(V4_BLOCK));
	CHECK_INT(parse_n(b, n, &h, NULL), 28);
	CHECK(is4(&h.src, "192.0.2.1", 12345));

	/* TCP over IPv6 */
	{
		struct sockaddr_in6 s = sin6("2001:db8::5", 1000), d = sin6("::1", 8080);

		memcpy(body, &s.sin6_addr, 16);
		memcpy(body + 16, &d.sin6_addr, 16);
		memcpy(body + 32, &s.sin6_port, 2);
		memcpy(body + 34, &d.sin6_port, 2);
		n = v2_make(b, 0x21, 0x21, body, 36);
		CHECK_INT(parse_n(b, n, &h, NULL), 52);
		CHECK(is6(&h.src, "2001:db8::5", 1000));
		CHECK(is6(&h.dst, "::1", 8080));
		check_split(b, n, __LINE__);
		n = v2_make(b, 0x21, 0x22, body, 36);
		CHECK_INT(parse_n(b, n, &h, NULL), 52);
	}

	/* UNIX stream and datagram: paths, cut at 107 bytes */
	memset(body, 0, 216);
	memcpy(body, "/run/client.sock", 16);
	memset(body + 108, 'd', 108);            /* no NUL in 108 bytes */
	n = v2_make(b, 0x21, 0x31, body, 216);
	CHECK_INT(parse_n(b, n, &h, NULL), 232);
	CHECK_INT(h.src.ss_family, AF_UNIX);
	CHECK(!strcmp(((struct sockaddr_un *)&h.src)->sun_path, "/run/client.sock"));
	CHECK_INT(strlen(((struct sockaddr_un *)&h.dst)->sun_path), 107);
	n = v2_make(b, 0x21, 0x32, body, 216);
	CHECK_INT(parse_n(b, n, &h, NULL), 232);

	/* LOCAL: the block is ignored, whatever it holds, family included */
	n = v2_make(b, 0x20, 0x00, "", 0);
	CHECK_INT(parse_n(b, n, &h, NULL), 16);
	CHECK_INT(h.local, 1);
	check_split(b, n, __LINE__);
	n = v2_make(b, 0x20, 0x11, V4_BLOCK, sizeof(V4_BLOCK));
	CHECK_INT(parse_n(b, n, &h, NULL), 28);
	CHECK_INT(h.local, 1);
	n = v2_make(b, 0x20, 0xff, "\x01\x02\x03", 3);
	CHECK_INT(parse_n(b, n, &h, NULL), 19);
	CHECK_INT(h.local, 1);

	/* PROXY with UNSPEC: keep the real addresses, skip the block */
	n = v2_make(b, 0x21, 0x00, "junk", 4);
	CHECK_INT(parse_n(b, n, &h, NULL), 20);
	CHECK_INT(h.local, 1);

	/* TLVs after the addresses: skipped */
	memcpy(body, V4_BLOCK, 12);
	memcpy(body + 12, "\x04\x00\x00", 3);                 /* empty NOOP */
	memcpy(body + 15, "\x02\x00\x0b" "example.com", 14);     /* authority */
	memcpy(body + 29, "\xe0\x00\x01Z", 4);                /* custom */
	n = v2_make(b, 0x21, 0x11, body, 33);
	CHECK_INT(parse_n(b, n, &h, NULL), 49);
	CHECK(is4(&h.src, "192.0.2.1", 12345));
	check_split(b, n, __LINE__);

	/* the longest accepted header: one big TLV */
	memset(body, 0, sizeof(body));
	{
		static unsigned char big[PROXY_HDR_MAX];
		size_t tl = PROXY_HDR_MAX - 16 - 12 - 3;

		memcpy(big, V4_BLOCK, 12);
		big[12] = 0xe1;
		big[13] = (unsigned char)(tl >> 8);
		big[14] = (unsigned char)tl;
		n = v2_make(b, 0x21, 0x11, big, PROXY_HDR_MAX - 16);
		CHECK_INT(n, PROXY_HDR_MAX);
		CHECK_INT(parse_n(b, n, &h, NULL), PROXY_HDR_MAX);
		CHECK_INT(parse_n(b, n - 1, &h, NULL), 0);
	}
}

static void test_v2_crc(void)
{
	unsigned char b[128], body[64];
	struct proxy_hdr h;
	uint32_t c;
	size_t n;

	CHECK_INT(crc32c((const unsigned char *)"123456789", 9), 0xE3069283u);
	memcpy(body, V4_BLOCK, 12);
	memcpy(body + 12, "\x03\x00\x04\x00\x00\x00\x00", 7);
	memcpy(body + 19, "\x04\x00\x01x", 4);
	n = v2_make(b, 0x21, 0x11, body, 23);
	c = crc32c(b, n);
	b[31] = (unsigned char)(c >> 24);
	b[32] = (unsigned char)(c >> 16);
	b[33] = (unsigned char)(c >> 8);
	b[34] = (unsigned char)c;
	CHECK_INT(parse_n(b, n, &h, NULL), n);
	check_split(b, n, __LINE__);
	b[34] ^= 1;
	V2_BAD(b, n, "CRC32C mismatch");
	b[34] ^= 1;
	b[20] ^= 0x40;                             /* an address bit */
	V2_BAD(b, n, "CRC32C mismatch");
	b[20] ^= 0x40;
	/* wrong length of the CRC TLV */
	memcpy(body + 12, "\x03\x00\x03\x00\x00\x00", 6);
	n = v2_make(b, 0x21, 0x11, body, 18);
	V2_BAD(b, n, "CRC32C TLV of a wrong length");
}

static void test_v2_bad(void)
{
	unsigned char b[PROXY_HDR_MAX + 64], body[300];
	struct proxy_hdr h;
	size_t n, i;

	/* signature: every byte checked as soon as it arrives */
	for (i = 0; i < 12; i++) {
		n = v2_make(b, 0x21, 0x11, V4_BLOCK, 12);
		b[i] ^= 0x20;
		if (i == 0)
			CHECK_INT(parse_n(b, i + 1, &h, NULL), -1);
		else
			V2_BAD(b, i + 1, "v2: bad signature");
		V2_BAD(b, n, i ? "v2: bad signature" : "not a PROXY");
	}
	/* version */
	n = v2_make(b, 0x11, 0x11, V4_BLOCK, 12);
	V2_BAD(b, 13, "unsupported version");
	V2_BAD(b, n, "unsupported version");
	n = v2_make(b, 0x31, 0x11, V4_BLOCK, 12);
	V2_BAD(b, n, "unsupported version");
	n = v2_make(b, 0x01, 0x11, V4_BLOCK, 12);
	V2_BAD(b, n, "unsupported version");
	/* command */
	n = v2_make(b, 0x22, 0x11, V4_BLOCK, 12);
	V2_BAD(b, 13, "unknown command");
	V2_BAD(b, n, "unknown command");
	n = v2_make(b, 0x2f, 0x11, V4_BLOCK, 12);
	V2_BAD(b, n, "unknown command");
	/* family and protocol */
	{
		static const unsigned bad[] = { 0x01, 0x02, 0x10, 0x13, 0x20, 0x23, 0x30, 0x33, 0x41,
						0x4f, 0xf1, 0x03 };

		for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			n = v2_make(b, 0x21, bad[i], V4_BLOCK, 12);
			V2_BAD(b, 14, "unknown address family");
			V2_BAD(b, n, "unknown address family");
		}
	}
	/* the length cannot hold the address block: refused once known */
	n = v2_make(b, 0x21, 0x11, V4_BLOCK, 11);
	V2_BAD(b, 16, "address block longer than the header");
	n = v2_make(b, 0x21, 0x21, V4_BLOCK, 12);
	V2_BAD(b, 16, "address block longer than the header");
	memset(body, 0, sizeof(body));
	n = v2_make(b, 0x21, 0x31, body, 215);
	V2_BAD(b, n, "address block longer than the header");
	/* longer than accepted: refused from the 16 fixed bytes alone */
	n = v2_make(b, 0x21, 0x11, V4_BLOCK, 12);
	b[14] = 0xff;
	b[15] = 0xff;
	V2_BAD(b, 16, "longer than 2048");
	b[14] = (PROXY_HDR_MAX - 15) >> 8;
	b[15] = (PROXY_HDR_MAX - 15) & 0xff;
	V2_BAD(b, 16, "longer than 2048");
	b[15] -= 1;                               /* exactly the maximum: wait */
	CHECK_INT(parse_n(b, 16, &h, NULL), 0);
	/* TLVs overflowing the header */
	memcpy(body, V4_BLOCK, 12);
	memcpy(body + 12, "\x04\x00\x05xx", 5);   /* says 5, 2 there */
	n = v2_make(b, 0x21, 0x11, body, 17);
	V2_BAD(b, n, "TLV longer than the header");
	memcpy(body + 12, "\x04\x00", 2);         /* type and half a length */
	n = v2_make(b, 0x21, 0x11, body, 14);
	V2_BAD(b, n, "truncated TLV");
	memcpy(body + 12, "\x04", 1);
	n = v2_make(b, 0x21, 0x11, body, 13);
	V2_BAD(b, n, "truncated TLV");
	memcpy(body + 12, "\x04\x00\x00\x04\xff\xff", 6);
	n = v2_make(b, 0x21, 0x11, body, 18);
	V2_BAD(b, n, "TLV longer than the header");
	/* a v2 start with fewer than 16 bytes waits (when not refused) */
	n = v2_make(b, 0x21, 0x11, V4_BLOCK, 12);
	for (i = 1; i < 16; i++)
		CHECK_INT(parse_n(b, i, &h, NULL), 0);
}

/* ------------------------------------------------------------- builders */

static void test_build(void)
{
	char out[PROXY_BUILD_MAX];
	struct sockaddr_in a = sin4("192.0.2.1", 12345), b = sin4("198.51.100.7", 443);
	struct sockaddr_in6 c = sin6("2001:db8::1", 5555), d = sin6("::1", 80);
	struct sockaddr_un u = { .sun_family = AF_UNIX };
	struct proxy_hdr h;
	int n;

	n = proxy_proto_build_v1(out, sizeof(out), (struct sockaddr *)&a, (struct sockaddr *)&b);
	CHECK_INT(n, 45);
	CHECK(n > 0 && !memcmp(out, "PROXY TCP4 192.0.2.1 198.51.100.7 12345 443\r\n", (size_t)n));
	CHECK_INT(parse_n(out, (size_t)n, &h, NULL), n);
	CHECK(is4(&h.src, "192.0.2.1", 12345) && is4(&h.dst, "198.51.100.7", 443));

	n = proxy_proto_build_v1(out, sizeof(out), (struct sockaddr *)&c, (struct sockaddr *)&d);
	CHECK(n > 0 && !memcmp(out, "PROXY TCP6 2001:db8::1 ::1 5555 80\r\n", (size_t)n));
	CHECK_INT(parse_n(out, (size_t)n, &h, NULL), n);
	CHECK(is6(&h.src, "2001:db8::1", 5555) && is6(&h.dst, "::1", 80));

	/* mixed families: the IPv4 end is sent v4-mapped, in hex (v1 takes
	 * no dotted IPv6 forms) */
	n = proxy_proto_build_v1(out, sizeof(out), (struct sockaddr *)&c, (struct sockaddr *)&b);
	CHECK(n > 0 && !memcmp(out, "PROXY TCP6 2001:db8::1 ::ffff:c633:6407 5555 443\r\n", (size_t)n));
	CHECK_INT(parse_n(out, (size_t)n, &h, NULL), n);
	CHECK(is6(&h.src, "2001:db8::1", 5555) && is6(&h.dst, "::ffff:198.51.100.7", 443));
	n = proxy_proto_build_v1(out, sizeof(out), (struct sockaddr *)&a, (struct sockaddr *)&d);
	CHECK_INT(parse_n(out, (size_t)n, &h, NULL), n);
	CHECK(is6(&h.src, "::ffff:192.0.2.1", 12345) && is6(&h.dst, "::1", 80));

	/* no usable source: UNKNOWN; no destination: the unspecified one */
	n = proxy_proto_build_v1(out, sizeof(out), (struct sockaddr *)&u, (struct sockaddr *)&b);
	CHECK(n == 15 && !memcmp(out, "PROXY UNKNOWN\r\n", 15));
	n = proxy_proto_build_v1(out, sizeof(out), NULL, NULL);
	CHECK(n == 15 && !memcmp(out, "PROXY UNKNOWN\r\n", 15));
	n = proxy_proto_build_v1(out, sizeof(out), (struct sockaddr *)&a, NULL);
	CHECK(n > 0 && !memcmp(out, "PROXY TCP4 192.0.2.1 0.0.0.0 12345 0\r\n", (size_t)n));
	n = proxy_proto_build_v1(out, sizeof(out), (struct sockaddr *)&c, (struct sockaddr *)&u);
	CHECK(n > 0 && !memcmp(out, "PROXY TCP6 2001:db8::1 :: 5555 0\r\n", (size_t)n));

	/* room */
	CHECK_INT(proxy_proto_build_v1(out, 44, (struct sockaddr *)&a, (struct sockaddr *)&b), -1);
	CHECK_INT(proxy_proto_build_v1(out, 45, (struct sockaddr *)&a, (struct sockaddr *)&b), 45);
	CHECK_INT(proxy_proto_build_v1(out, 14, NULL, NULL), -1);

	/* v2, byte by byte */
	n = proxy_proto_build_v2(out, sizeof(out), (struct sockaddr *)&a, (struct sockaddr *)&b);
	CHECK_INT(n, 28);
	CHECK(!memcmp(out, SIG, 12));
	CHECK(!memcmp(out + 12, "\x21\x11\x00\x0c", 4));
	CHECK(!memcmp(out + 16, V4_BLOCK, 12));
	n = proxy_proto_build_v2(out, sizeof(out), (struct sockaddr *)&c, (struct sockaddr *)&d);
	CHECK_INT(n, 52);
	CHECK(!memcmp(out + 12, "\x21\x21\x00\x24", 4));
	CHECK(!memcmp(out + 16, &c.sin6_addr, 16) && !memcmp(out + 32, &d.sin6_addr, 16));
	CHECK(!memcmp(out + 48, "\x15\xb3\x00\x50", 4));
	CHECK_INT(parse_n(out, (size_t)n, &h, NULL), 52);
	CHECK(is6(&h.src, "2001:db8::1", 5555) && is6(&h.dst, "::1", 80));
	n = proxy_proto_build_v2(out, sizeof(out), (struct sockaddr *)&a, (struct sockaddr *)&d);
	CHECK_INT(parse_n(out, (size_t)n, &h, NULL), 52);
	CHECK(is6(&h.src, "::ffff:192.0.2.1", 12345));
	/* LOCAL, and PROXY over UNSPEC for a UNIX socket client */
	n = proxy_proto_build_v2(out, sizeof(out), NULL, NULL);
	CHECK(n == 16 && !memcmp(out + 12, "\x20\x00\x00\x00", 4));
	CHECK_INT(parse_n(out, (size_t)n, &h, NULL), 16);
	CHECK_INT(h.local, 1);
	n = proxy_proto_build_v2(out, sizeof(out), (struct sockaddr *)&u, (struct sockaddr *)&b);
	CHECK(n == 16 && !memcmp(out + 12, "\x21\x00\x00\x00", 4));
	CHECK_INT(parse_n(out, (size_t)n, &h, NULL), 16);
	CHECK_INT(h.local, 1);
	CHECK_INT(proxy_proto_build_v2(out, 27, (struct sockaddr *)&a, (struct sockaddr *)&b), -1);
	CHECK_INT(proxy_proto_build_v2(out, 15, NULL, NULL), -1);

	/* per server */
	{
		struct server srv;
		union conn_addr src;
		struct sockaddr_storage dst;

		memset(&srv, 0, sizeof(srv));
		memset(&src, 0, sizeof(src));
		memcpy(&src.in4, &a, sizeof(a));
		memset(&dst, 0, sizeof(dst));
		memcpy(&dst, &b, sizeof(b));
		CHECK_INT(proxy_proto_build(&srv, &src, &dst, out, sizeof(out)), 0);
		srv.proxy_proto = SRV_PP_V1;
		CHECK_INT(proxy_proto_build(&srv, &src, &dst, out, sizeof(out)), 45);
		CHECK(!memcmp(out, "PROXY TCP4", 10));
		srv.proxy_proto = SRV_PP_V2;
		CHECK_INT(proxy_proto_build(&srv, &src, &dst, out, sizeof(out)), 28);
		CHECK_INT(proxy_proto_build(&srv, NULL, NULL, out, sizeof(out)), 16);
	}
}

/* v1 writes IPv6 in hex groups, "::" for the longest zero run (the first
 * of equal ones, none for a single zero group), never dotted */
static void test_build_v6_text(void)
{
	static const char *const cases[][2] = {
		{ "::", "::" },
		{ "::1", "::1" },
		{ "1::", "1::" },
		{ "::1.2.3.4", "::102:304" },
		{ "::ffff:10.0.0.1", "::ffff:a00:1" },
		{ "1:0:0:2:0:0:0:3", "1:0:0:2::3" },
		{ "1:0:0:2:0:0:3:4", "1::2:0:0:3:4" },
		{ "1:0:2:3:4:5:6:7", "1:0:2:3:4:5:6:7" },
		{ "2001:DB8:0:0:0:0:0:1", "2001:db8::1" },
		{ "fe80::abcd:ef01:2345:6789", "fe80::abcd:ef01:2345:6789" },
		{ "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff", "ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff" },
	};
	char out[PROXY_BUILD_MAX], want[PROXY_BUILD_MAX];
	struct proxy_hdr h;
	size_t i;
	int n;

	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct sockaddr_in6 a = sin6(cases[i][0], 1), d = sin6("::1", 2);

		n = proxy_proto_build_v1(out, sizeof(out), (struct sockaddr *)&a, (struct sockaddr *)&d);
		snprintf(want, sizeof(want), "PROXY TCP6 %s ::1 1 2\r\n", cases[i][1]);
		if (!CHECK(n == (int)strlen(want) && !memcmp(out, want, (size_t)n)))
			printf("    got %.*s    want %s", n > 0 ? n : 0, out, want);
		CHECK_INT(parse_n(out, (size_t)n, &h, NULL), n);
		CHECK(is6(&h.src, cases[i][0], 1));
	}
}

/* A check's own connection: v1 names its ends, v2 is LOCAL. */
static void test_build_local(void)
{
	struct sockaddr_in a = sin4("127.0.0.1", 0), la, ca;
	socklen_t l = sizeof(la);
	struct server srv;
	char out[PROXY_BUILD_MAX], want[PROXY_BUILD_MAX];
	int ls = socket(AF_INET, SOCK_STREAM, 0), c = socket(AF_INET, SOCK_STREAM, 0), n;

	memset(&srv, 0, sizeof(srv));
	CHECK_INT(bind(ls, (struct sockaddr *)&a, sizeof(a)), 0);
	CHECK_INT(listen(ls, 1), 0);
	getsockname(ls, (struct sockaddr *)&la, &l);
	CHECK_INT(connect(c, (struct sockaddr *)&la, sizeof(la)), 0);
	l = sizeof(ca);
	getsockname(c, (struct sockaddr *)&ca, &l);
	CHECK_INT(proxy_proto_build_local(&srv, c, out, sizeof(out)), 0);
	srv.proxy_proto = SRV_PP_V1;
	n = proxy_proto_build_local(&srv, c, out, sizeof(out));
	snprintf(want, sizeof(want), "PROXY TCP4 127.0.0.1 127.0.0.1 %u %u\r\n",
		 ntohs(ca.sin_port), ntohs(la.sin_port));
	CHECK(n == (int)strlen(want) && !memcmp(out, want, (size_t)n));
	n = proxy_proto_build_local(&srv, -1, out, sizeof(out));
	CHECK(n == 15 && !memcmp(out, "PROXY UNKNOWN\r\n", 15));
	srv.proxy_proto = SRV_PP_V2;
	n = proxy_proto_build_local(&srv, c, out, sizeof(out));
	CHECK(n == 16 && !memcmp(out + 12, "\x20\x00\x00\x00", 4));
	close(c);
	close(ls);
}

/* ------------------------------------------------------- configuration */

static int parse_cfg(const char *text)
{
	FILE *f = fopen("/dev/null", "w");
	int r;

	cfg_deinit();
	cfg_set_error_stream(f);
	r = cfg_parse_buffer("t.cfg", text, strlen(text));
	if (r == 0)
		r = cfg_check();
	cfg_set_error_stream(NULL);
	fclose(f);
	return r;
}

static struct proxy *px_named(const char *id)
{
	for (struct proxy *px = proxies_list; px; px = px->next)
		if (!strcmp(px->id, id))
			return px;
	return NULL;
}

static void test_cfg(void)
{
	struct proxy *px;
	struct listener *li;
	struct server *s;

	addr_set_resolve(0);
	CHECK_INT(parse_cfg("frontend f\n bind 127.0.0.1:8000 accept-proxy\n"
			    " bind 127.0.0.1:8001\n default_backend b\n"
			    "backend b\n server s1 127.0.0.1:80 send-proxy\n"
			    " server s2 127.0.0.1:81 send-proxy-v2 weight 3\n"
			    " server s3 127.0.0.1:82\n"), 0);
	px = px_named("f");
	CHECK(px != NULL);
	if (px) {
		/* accept-proxy puts the PROXY header step on the chain */
		li = list_elem(px->listeners.n, struct listener, list);
		CHECK_INT(li->nb_hs, 1);
		CHECK(li->nb_hs == 1 && strcmp(li->hs[0]->name, "accept-proxy") == 0);
		li = list_elem(px->listeners.n->n, struct listener, list);
		CHECK_INT(li->nb_hs, 0);
	}
	px = px_named("b");
	CHECK(px && px->srv && px->srv->next && px->srv->next->next);
	if (px && px->srv && px->srv->next && px->srv->next->next) {
		CHECK_INT(px->srv->proxy_proto, SRV_PP_V1);
		CHECK_INT(px->srv->next->proxy_proto, SRV_PP_V2);
		CHECK_INT(px->srv->next->weight, 3);
		CHECK_INT(px->srv->next->next->proxy_proto, SRV_PP_NONE);
	}
	CHECK_INT(parse_cfg("frontend f\n bind 127.0.0.1:8000 accept-proxy x\n"), -1);
	CHECK_INT(parse_cfg("backend b\n server s 127.0.0.1:80 send-proxy-v3\n"), -1);

	/* source: server, backend, inherited from defaults, overridden */
	CHECK_INT(parse_cfg("defaults\n source 127.0.0.3\n"
			    "backend b\n source 127.0.0.2:2000-2009\n"
			    " server s1 127.0.0.1:80\n server s2 127.0.0.1:81 source [::1]\n"
			    " server s3 [::1]:82 source ::1\n server s4 127.0.0.1:83 source 127.0.0.4:5000\n"
			    " server s5 /tmp/x.sock\n"
			    "backend c\n server s1 127.0.0.1:80\n"
			    "backend d\n server s1 127.0.0.1:80 source *:3000\n"), -1);
	CHECK_INT(parse_cfg("defaults\n source 127.0.0.3\n"
			    "backend b\n source 127.0.0.2:2000-2009\n"
			    " server s1 127.0.0.1:80\n"
			    " server s3 [::1]:82 source ::1\n server s4 127.0.0.1:83 source 127.0.0.4:5000\n"
			    " server s5 /tmp/x.sock\n"
			    "backend c\n server s1 127.0.0.1:80\n"
			    "backend d\n server s1 127.0.0.1:80 source *:3000\n"
			    " server s2 [::1]:80 source [::]:3000-3001\n"), 0);
	px = px_named("b");
	s = px ? px->srv : NULL;
	CHECK(s && s->source);
	if (s && s->source) {
		CHECK(is4(&s->source->addr, "127.0.0.2", 0));
		CHECK_INT(s->source->port_lo, 2000);
		CHECK_INT(s->source->port_hi, 2009);
		CHECK(s->source == px->source);
		s = s->next;
		CHECK(is6(&s->source->addr, "::1", 0) && s->source->port_lo == 0);
		s = s->next;
		CHECK(is4(&s->source->addr, "127.0.0.4", 0) && s->source->port_lo == 5000 &&
		      s->source->port_hi == 5000);
		s = s->next;
		CHECK(s->source == NULL);             /* UNIX socket server */
	}
	px = px_named("c");
	CHECK(px && px->srv && px->srv->source && is4(&px->srv->source->addr, "127.0.0.3", 0));
	px = px_named("d");
	CHECK(px && px->srv && px->srv->source && is4(&px->srv->source->addr, "0.0.0.0", 0) &&
	      px->srv->source->port_lo == 3000);
	CHECK(px && px->srv && px->srv->next && px->srv->next->source &&
	      is6(&px->srv->next->source->addr, "::", 0) && px->srv->next->source->port_hi == 3001);

	/* refusals */
	CHECK_INT(parse_cfg("backend b\n server s 127.0.0.1:80 source\n"), -1);
	CHECK_INT(parse_cfg("backend b\n server s 127.0.0.1:80 source host.example\n"), -1);
	CHECK_INT(parse_cfg("backend b\n server s 127.0.0.1:80 source 127.0.0.2:0\n"), -1);
	CHECK_INT(parse_cfg("backend b\n server s 127.0.0.1:80 source 127.0.0.2:65536\n"), -1);
	CHECK_INT(parse_cfg("backend b\n server s 127.0.0.1:80 source 127.0.0.2:10-9\n"), -1);
	CHECK_INT(parse_cfg("backend b\n server s 127.0.0.1:80 source 127.0.0.2:10-\n"), -1);
	CHECK_INT(parse_cfg("backend b\n server s 127.0.0.1:80 source [127.0.0.2]\n"), -1);
	CHECK_INT(parse_cfg("backend b\n server s 127.0.0.1:80 source [::1\n"), -1);
	CHECK_INT(parse_cfg("backend b\n server s 127.0.0.1:80 source ipv6@127.0.0.1\n"), -1);
	CHECK_INT(parse_cfg("backend b\n server s /tmp/x.sock source 127.0.0.1\n"), -1);
	CHECK_INT(parse_cfg("backend b\n source 127.0.0.1 usesrc clientip\n"), -1);
	CHECK_INT(parse_cfg("backend b\n source 127.0.0.1 interface eth0\n"), -1);
	CHECK_INT(parse_cfg("backend b\n source\n"), -1);
	CHECK_INT(parse_cfg("backend b\n source ::1\n server s 127.0.0.1:80\n"), -1);
	/* in a frontend: ignored with a warning */
	CHECK_INT(parse_cfg("frontend f\n bind 127.0.0.1:8000\n source 127.0.0.1\n"), 0);
	cfg_deinit();
}

/* -------------------------------------------------------- source binding */

static unsigned local_port(int fd, struct sockaddr_in *out)
{
	socklen_t l = sizeof(*out);

	getsockname(fd, (struct sockaddr *)out, &l);
	return ntohs(out->sin_port);
}

static void test_source_bind(void)
{
	struct source_cfg sc;
	struct sockaddr_in got, a = sin4("127.0.0.2", 0);
	int fd[3], p, ok, i;

	memset(&sc, 0, sizeof(sc));
	memcpy(&sc.addr, &a, sizeof(a));
	sc.addrlen = sizeof(a);
	CHECK_INT(source_apply(-1, NULL), 0);
	/* no port: the address only, port chosen at connect */
	fd[0] = socket(AF_INET, SOCK_STREAM, 0);
	CHECK_INT(source_apply(fd[0], &sc), 0);
	local_port(fd[0], &got);
	CHECK(got.sin_addr.s_addr == htonl(0x7f000002));
	close(fd[0]);

	/* a range of two free ports: two sockets get one each, a third none */
	fd[0] = socket(AF_INET, SOCK_STREAM, 0);
	bind(fd[0], (struct sockaddr *)&a, sizeof(a));
	p = (int)local_port(fd[0], &got);
	close(fd[0]);
	if (!CHECK(p > 0 && p < 65535))
		return;
	sc.port_lo = (uint16_t)p;
	sc.port_hi = (uint16_t)(p + 1);
	ok = 1;
	for (i = 0; i < 2; i++) {
		fd[i] = socket(AF_INET, SOCK_STREAM, 0);
		if (source_apply(fd[i], &sc) < 0)
			ok = 0;
	}
	if (!ok) {
		printf("test_proxy_proto: ports %d-%d busy, range test skipped\n", p, p + 1);
	} else {
		unsigned pa = local_port(fd[0], &got), pb = local_port(fd[1], &got);

		CHECK(pa != pb);
		CHECK(pa >= (unsigned)p && pa <= (unsigned)p + 1);
		CHECK(pb >= (unsigned)p && pb <= (unsigned)p + 1);
		fd[2] = socket(AF_INET, SOCK_STREAM, 0);
		errno = 0;
		CHECK_INT(source_apply(fd[2], &sc), -1);
		CHECK_INT(errno, EADDRINUSE);
		close(fd[2]);
	}
	close(fd[0]);
	close(fd[1]);
	/* released: usable again */
	fd[0] = socket(AF_INET, SOCK_STREAM, 0);
	CHECK_INT(source_apply(fd[0], &sc), 0);
	close(fd[0]);
}

int main(void)
{
	test_v1_ok();
	test_v1_bad();
	test_v2_ok();
	test_v2_crc();
	test_v2_bad();
	test_build();
	test_build_v6_text();
	test_build_local();
	test_cfg();
	test_source_bind();
	return UNIT_SUMMARY("test_proxy_proto");
}
