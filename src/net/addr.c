/* addr.c: socket addresses as written in configuration files. */
#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <stdarg.h>
#include <string.h>
#include <sys/un.h>

#include "core/compiler.h"
#include "net/addr.h"

#define ADDR_MAX_HOST 255

static int resolve_enabled = 1;

void addr_set_resolve(int enabled)
{
	resolve_enabled = enabled;
}

static int fail(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
static int fail(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
	return -1;
}

static int parse_unix(const char *path, unsigned flags, struct sockaddr_storage *ss,
		      socklen_t *len, char *err, size_t errlen)
{
	struct sockaddr_un *sun = (struct sockaddr_un *)ss;
	size_t plen = strlen(path);

	if (!(flags & ADDR_F_UNIX))
		return fail(err, errlen, "UNIX socket paths are not accepted here");
	if (!plen)
		return fail(err, errlen, "empty UNIX socket path");
	if (plen >= sizeof(sun->sun_path)) {
		snprintf(err, errlen, "UNIX socket path too long (%zu bytes, max %zu)",
			 plen, sizeof(sun->sun_path) - 1);
		return -1;
	}
	sun->sun_family = AF_UNIX;
	memcpy(sun->sun_path, path, plen + 1);
	*len = (socklen_t)(offsetof(struct sockaddr_un, sun_path) + plen + 1);
	return 0;
}

/* Port in 1..65535, nothing else. */
static int parse_port(const char *p, unsigned *port, char *err, size_t errlen)
{
	unsigned v = 0;
	const char *s;

	if (!*p)
		return fail(err, errlen, "missing port (expected <address>:<port>)");
	if (*p == '+' || *p == '-')
		return fail(err, errlen, "port offsets ('%s') are not supported", p);
	for (s = p; *s >= '0' && *s <= '9'; s++) {
		v = v * 10 + (*s - '0');
		if (v > 65535)
			break;
	}
	if (*s == '-' && s > p && v <= 65535)
		return fail(err, errlen, "port ranges ('%s') are not supported", p);
	if (*s || v == 0 || v > 65535)
		return fail(err, errlen, "invalid port '%s' (expected 1-65535)", p);
	*port = v;
	return 0;
}

static int is_hostname(const char *h)
{
	int alpha = 0;

	for (; *h; h++) {
		unsigned char c = *h;

		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '-' || c == '_')
			alpha = 1;
		else if (!((c >= '0' && c <= '9') || c == '.'))
			return 0;
	}
	/* all digits and dots: a broken IPv4 address, not a name
	 * (getaddrinfo would take "1.2.3" for 1.2.0.3) */
	return alpha;
}

/* Numeric host or resolved name into ss (port not set). */
static int parse_host(const char *host, int family, unsigned flags,
		      struct sockaddr_storage *ss, socklen_t *len, char *err, size_t errlen)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)ss;
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;
	struct addrinfo hints, *res = NULL;
	int ret;

	if (family != AF_INET6 && inet_pton(AF_INET, host, &sin->sin_addr) == 1) {
		sin->sin_family = AF_INET;
		*len = sizeof(*sin);
		return 0;
	}
	if (family != AF_INET && inet_pton(AF_INET6, host, &sin6->sin6_addr) == 1) {
		sin6->sin6_family = AF_INET6;
		*len = sizeof(*sin6);
		return 0;
	}

	memset(&hints, 0, sizeof(hints));
	hints.ai_family = family;
	hints.ai_socktype = SOCK_STREAM;
	if (strchr(host, ':')) {
		/* IPv6 with a zone ("fe80::1%eth0") is numeric but needs getaddrinfo */
		if (family == AF_INET || !strchr(host, '%'))
			return fail(err, errlen, "invalid address '%s' (IPv6 addresses are written "
				    "[address]:port or ipv6@address:port)", host);
		hints.ai_flags = AI_NUMERICHOST;
	} else if (!is_hostname(host)) {
		return fail(err, errlen, "invalid address '%s'", host);
	} else if (!(flags & ADDR_F_RESOLVE) || !resolve_enabled) {
		return fail(err, errlen, "cannot resolve host name '%s': name resolution is disabled", host);
	}

	ret = getaddrinfo(host, NULL, &hints, &res);
	if (ret != 0 || !res) {
		snprintf(err, errlen, "cannot resolve host name '%s': %s", host,
			 ret ? gai_strerror(ret) : "no address");
		if (res)
			freeaddrinfo(res);
		return -1;
	}
	if ((res->ai_family != AF_INET && res->ai_family != AF_INET6) ||
	    res->ai_addrlen > sizeof(*ss)) {
		freeaddrinfo(res);
		return fail(err, errlen, "host name '%s' resolved to an unsupported address family", host);
	}
	memcpy(ss, res->ai_addr, res->ai_addrlen);
	*len = res->ai_addrlen;
	freeaddrinfo(res);
	return 0;
}

int addr_parse(const char *str, unsigned flags, struct sockaddr_storage *ss,
	       socklen_t *len, char *err, size_t errlen)
{
	char host[ADDR_MAX_HOST + 1];
	const char *s = str, *port_str, *at;
	size_t hlen;
	unsigned port = 0;
	int family = AF_UNSPEC;

	memset(ss, 0, sizeof(*ss));
	*len = 0;
	if (!*s)
		return fail(err, errlen, "empty address");
	if (*s == '/')
		return parse_unix(s, flags, ss, len, err, errlen);
	if (strncmp(s, "unix@", 5) == 0)
		return parse_unix(s + 5, flags, ss, len, err, errlen);
	if (strncmp(s, "ipv4@", 5) == 0) {
		family = AF_INET;
		s += 5;
	} else if (strncmp(s, "ipv6@", 5) == 0) {
		family = AF_INET6;
		s += 5;
	} else if ((at = strchr(s, '@'))) {
		const char *p;

		for (p = s; p < at && ((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9')); p++)
			;
		if (p == at && p > s) {
			snprintf(err, errlen, "unsupported address prefix '%.*s@' (supported: ipv4@, "
				 "ipv6@, unix@)", (int)(at - s), s);
			return -1;
		}
	}

	if (*s == '[') {
		const char *end = strchr(s, ']');

		if (!end)
			return fail(err, errlen, "missing ']' after IPv6 address");
		if (family == AF_INET)
			return fail(err, errlen, "an IPv6 address in brackets cannot have the ipv4@ prefix");
		if (end[1] != ':')
			return fail(err, errlen, "missing port (expected [<address>]:<port>)");
		family = AF_INET6;
		hlen = end - (s + 1);
		s++;
		port_str = end + 2;
	} else {
		const char *colon = strrchr(s, ':');

		if (!colon)
			return fail(err, errlen, "missing port (expected <address>:<port>)");
		hlen = colon - s;
		port_str = colon + 1;
	}
	if (hlen > ADDR_MAX_HOST)
		return fail(err, errlen, "host part too long");
	memcpy(host, s, hlen);
	host[hlen] = 0;

	if (parse_port(port_str, &port, err, errlen) < 0)
		return -1;

	if (!*host || strcmp(host, "*") == 0) {
		if (!(flags & ADDR_F_ANY))
			return fail(err, errlen, "missing host (expected <address>:<port>)");
		if (family == AF_INET6) {
			struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)ss;

			sin6->sin6_family = AF_INET6;
			sin6->sin6_addr = in6addr_any;
			*len = sizeof(*sin6);
		} else {
			struct sockaddr_in *sin = (struct sockaddr_in *)ss;

			sin->sin_family = AF_INET;
			sin->sin_addr.s_addr = htonl(INADDR_ANY);
			*len = sizeof(*sin);
		}
	} else if (parse_host(host, family, flags, ss, len, err, errlen) < 0) {
		return -1;
	}

	if (ss->ss_family == AF_INET)
		((struct sockaddr_in *)ss)->sin_port = htons((uint16_t)port);
	else
		((struct sockaddr_in6 *)ss)->sin6_port = htons((uint16_t)port);
	return 0;
}

char *addr_to_str(const struct sockaddr_storage *ss, socklen_t len, char *buf, size_t size)
{
	char ip[INET6_ADDRSTRLEN];

	if (!size)
		return buf;
	buf[0] = 0;
	switch (ss->ss_family) {
	case AF_INET: {
		const struct sockaddr_in *sin = (const struct sockaddr_in *)ss;

		inet_ntop(AF_INET, &sin->sin_addr, ip, sizeof(ip));
		snprintf(buf, size, "%s:%u", ip, ntohs(sin->sin_port));
		break;
	}
	case AF_INET6: {
		const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)ss;

		inet_ntop(AF_INET6, &sin6->sin6_addr, ip, sizeof(ip));
		snprintf(buf, size, "[%s]:%u", ip, ntohs(sin6->sin6_port));
		break;
	}
	case AF_UNIX: {
		const struct sockaddr_un *sun = (const struct sockaddr_un *)ss;
		size_t max = len > offsetof(struct sockaddr_un, sun_path) ?
			len - offsetof(struct sockaddr_un, sun_path) : 0;

		snprintf(buf, size, "unix@%.*s", (int)strnlen(sun->sun_path, MIN(max, sizeof(sun->sun_path))),
			 sun->sun_path);
		break;
	}
	default:
		snprintf(buf, size, "(family %d)", ss->ss_family);
	}
	return buf;
}
