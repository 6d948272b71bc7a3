/* fuzz_proxy.c: libFuzzer target for the PROXY protocol parser and
 * builders (net/proxy_proto.c).
 *
 * The whole input is parsed as received bytes, then every prefix of it in
 * growing steps: the first prefix answer that is not "need more" must be
 * the whole input's answer, and a header found must have the shape of its
 * version. A header with addresses is built again (v1 and v2) and parsed
 * back to the same addresses. Then the first 38 bytes are used as a pair
 * of addresses and ports to build headers that must parse back. Every
 * parse sees a heap copy of exactly the bytes it may read. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/un.h>
#include "net/proxy_proto.h"

#define FZ_ASSERT(c) do { \
	if (!(c)) { \
		fprintf(stderr, "%s:%d: invariant failed: %s\n", __FILE__, __LINE__, #c); \
		abort(); \
	} \
} while (0)

static int parse_copy(const uint8_t *p, size_t len, struct proxy_hdr *h, const char **why)
{
	uint8_t *c = malloc(len ? len : 1);
	int r;

	FZ_ASSERT(c);
	if (len)
		memcpy(c, p, len);
	*why = NULL;
	r = proxy_proto_parse(c, len, h, why);
	free(c);
	FZ_ASSERT(r >= -1 && r <= (long)len && r <= PROXY_HDR_MAX);
	FZ_ASSERT((r < 0) == (*why != NULL));
	return r;
}

/* Same IP address and port (families equal). */
static int same_ip(const struct sockaddr_storage *a, const struct sockaddr_storage *b)
{
	if (a->ss_family != b->ss_family)
		return 0;
	if (a->ss_family == AF_INET) {
		const struct sockaddr_in *x = (const void *)a, *y = (const void *)b;

		return x->sin_addr.s_addr == y->sin_addr.s_addr && x->sin_port == y->sin_port;
	}
	if (a->ss_family == AF_INET6) {
		const struct sockaddr_in6 *x = (const void *)a, *y = (const void *)b;

		return !memcmp(&x->sin6_addr, &y->sin6_addr, 16) && x->sin6_port == y->sin6_port;
	}
	return 0;
}

/* <ss> as an IPv6 address (IPv4 mapped), into <out>. */
static void as_v6(const struct sockaddr_storage *ss, struct sockaddr_storage *out)
{
	const struct sockaddr_in *s4 = (const void *)ss;
	struct sockaddr_in6 *o = (struct sockaddr_in6 *)out;

	if (ss->ss_family != AF_INET) {
		*out = *ss;
		return;
	}
	memset(out, 0, sizeof(*out));
	o->sin6_family = AF_INET6;
	o->sin6_addr.s6_addr[10] = o->sin6_addr.s6_addr[11] = 0xff;
	memcpy(&o->sin6_addr.s6_addr[12], &s4->sin_addr, 4);
	o->sin6_port = s4->sin_port;
}

/* Build v1 and v2 from src/dst; both must parse whole to the same pair
 * (a destination that is not IP: the unspecified address, port 0; mixed
 * families: both IPv6, the IPv4 one mapped). */
static void round_trip(const struct sockaddr_storage *src, const struct sockaddr_storage *dst)
{
	char out[PROXY_BUILD_MAX];
	struct sockaddr_storage ws, wd;
	struct proxy_hdr h;
	const char *why;
	int n, v;

	ws = *src;
	wd = *dst;
	if (wd.ss_family != AF_INET && wd.ss_family != AF_INET6) {
		memset(&wd, 0, sizeof(wd));
		wd.ss_family = ws.ss_family;
	}
	if (ws.ss_family != wd.ss_family) {
		as_v6(src, &ws);
		as_v6(dst, &wd);
	}
	for (v = 1; v <= 2; v++) {
		n = v == 1 ? proxy_proto_build_v1(out, sizeof(out), (const void *)src, (const void *)dst)
			   : proxy_proto_build_v2(out, sizeof(out), (const void *)src, (const void *)dst);
		FZ_ASSERT(n > 0 && n <= PROXY_BUILD_MAX);
		FZ_ASSERT(parse_copy((const uint8_t *)out, (size_t)n, &h, &why) == n);
		FZ_ASSERT(h.version == v);
		if (src->ss_family != AF_INET && src->ss_family != AF_INET6) {
			FZ_ASSERT(h.local);
			continue;
		}
		FZ_ASSERT(!h.local);
		FZ_ASSERT(same_ip(&h.src, &ws) && same_ip(&h.dst, &wd));
	}
}

static void make_addr(struct sockaddr_storage *ss, const uint8_t *p, int v6)
{
	memset(ss, 0, sizeof(*ss));
	if (v6) {
		struct sockaddr_in6 *s = (struct sockaddr_in6 *)ss;

		s->sin6_family = AF_INET6;
		memcpy(&s->sin6_addr, p, 16);
		memcpy(&s->sin6_port, p + 16, 2);
	} else {
		struct sockaddr_in *s = (struct sockaddr_in *)ss;

		s->sin_family = AF_INET;
		memcpy(&s->sin_addr, p, 4);
		memcpy(&s->sin_port, p + 16, 2);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct proxy_hdr h, ph;
	const char *why;
	size_t k, step;
	int r, pr, first = 0, seen = 0;

	/* the input as bytes received */
	r = parse_copy(data, size, &h, &why);
	step = size <= 300 ? 1 : 7;
	for (k = 0; ; k += step) {
		if (k > size)
			k = size;
		pr = parse_copy(data, k, &ph, &why);
		if (pr && !seen) {
			seen = 1;
			first = pr;
		}
		if (seen)
			FZ_ASSERT(pr == first);
		if (k == size)
			break;
	}
	FZ_ASSERT(seen ? first == r : r == 0);
	if (r > 0) {
		FZ_ASSERT(h.version == 1 || h.version == 2);
		if (h.version == 1) {
			FZ_ASSERT(r <= PROXY_V1_MAX && !memcmp(data, "PROXY ", 6));
			FZ_ASSERT(data[r - 2] == '\r' && data[r - 1] == '\n');
			FZ_ASSERT(!memchr(data, '\n', (size_t)r - 1));
		} else {
			FZ_ASSERT(r == PROXY_V2_FIXED + (data[14] << 8 | data[15]));
			FZ_ASSERT((data[12] >> 4) == 2);
		}
		if (!h.local && (h.src.ss_family == AF_INET || h.src.ss_family == AF_INET6)) {
			FZ_ASSERT(h.dst.ss_family == h.src.ss_family);
			round_trip(&h.src, &h.dst);
		}
		if (!h.local && h.src.ss_family == AF_UNIX) {
			FZ_ASSERT(h.version == 2);
			FZ_ASSERT(strlen(((struct sockaddr_un *)&h.src)->sun_path) < 108);
		}
	}

	/* the input as addresses to send */
	if (size >= 38) {
		struct sockaddr_storage s, d;

		make_addr(&s, data, data[36] & 1);
		make_addr(&d, data + 18, data[36] & 2);
		if (data[37] & 1)
			d.ss_family = AF_UNSPEC;     /* unknown destination */
		if (data[37] & 2)
			s.ss_family = AF_UNIX;       /* a UNIX socket client */
		round_trip(&s, &d);
	}
	return 0;
}
