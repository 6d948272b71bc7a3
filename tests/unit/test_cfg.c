/* test_cfg.c: unit tests of the configuration parser: the structs a valid
 * file produces, and the exact file:line and message of every error. */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>
#include <sys/un.h>
#include <unistd.h>

#include "cfg/cfg.h"
#include "core/global-t.h"
#include "ctl/ctl.h"
#include "http/h1.h"
#include "lb/lb.h"
#include "lb/server-t.h"
#include "net/addr.h"
#include "net/listener-t.h"
#include "proxy/proxy-t.h"
#include "unit.h"

#define CFG_NAME "t.cfg"

/* Messages of the last parse (an open_memstream buffer). */
static char *msgs;
static size_t msgs_len;

/* Route messages to a fresh msgs buffer until capture_end(). */
static FILE *capture_start(void)
{
	FILE *f;

	free(msgs);
	msgs = NULL;
	f = open_memstream(&msgs, &msgs_len);
	cfg_set_error_stream(f);
	return f;
}

static void capture_end(FILE *f)
{
	cfg_set_error_stream(NULL);
	fclose(f);
}

/* Parse text as "t.cfg" from a clean state, then run the checks if parsing
 * succeeded. Returns what cfg_check/cfg_parse_buffer returned. */
static int parse(const char *text)
{
	FILE *f;
	int ret;

	cfg_deinit();
	f = capture_start();
	ret = cfg_parse_buffer(CFG_NAME, text, strlen(text));
	if (ret == 0)
		ret = cfg_check();
	capture_end(f);
	return ret;
}

static int has_msg(const char *s)
{
	return msgs && strstr(msgs, s) != NULL;
}

/* The config must fail and print exactly this line (among others). */
#define EXPECT_ERR(text, line) do { \
	int r_ = parse(text); \
	CHECK(r_ == -1); \
	if (!CHECK(has_msg(line))) \
		printf("    expected: %s\n    got:      %s", line, msgs ? msgs : "(nothing)\n"); \
} while (0)

/* The config must load, with this message among the warnings. */
#define EXPECT_WARN(text, line) do { \
	int r_ = parse(text); \
	CHECK(r_ == 0); \
	if (!CHECK(has_msg(line))) \
		printf("    expected: %s\n    got:      %s", line, msgs ? msgs : "(nothing)\n"); \
} while (0)

#define EXPECT_OK(text) do { \
	int r_ = parse(text); \
	if (!CHECK(r_ == 0)) \
		printf("    messages: %s", msgs ? msgs : "(nothing)\n"); \
} while (0)

static struct proxy *px_find(const char *name, int cap)
{
	struct proxy *px;

	for (px = proxies_list; px; px = px->next)
		if (strcmp(px->id, name) == 0 && (px->cap & cap))
			return px;
	return NULL;
}

static struct server *srv_find(struct proxy *be, const char *name)
{
	struct server *s;

	for (s = be ? be->srv : NULL; s; s = s->next)
		if (strcmp(s->id, name) == 0)
			return s;
	return NULL;
}

static struct listener *li_nth(struct proxy *fe, int n)
{
	struct list *it, *bk;

	if (!fe)
		return NULL;
	list_for_each_safe(it, bk, &fe->listeners)
		if (n-- == 0)
			return list_elem(it, struct listener, list);
	return NULL;
}

static int nb_listeners(struct proxy *fe)
{
	int n = 0;

	while (li_nth(fe, n))
		n++;
	return n;
}

static int is_v4(const struct sockaddr_storage *ss, const char *ip, int port)
{
	const struct sockaddr_in *sin = (const struct sockaddr_in *)ss;
	struct in_addr a;

	inet_pton(AF_INET, ip, &a);
	return ss->ss_family == AF_INET && sin->sin_addr.s_addr == a.s_addr &&
	       ntohs(sin->sin_port) == port;
}

static int is_v6(const struct sockaddr_storage *ss, const char *ip, int port)
{
	const struct sockaddr_in6 *sin6 = (const struct sockaddr_in6 *)ss;
	struct in6_addr a;

	inet_pton(AF_INET6, ip, &a);
	return ss->ss_family == AF_INET6 && memcmp(&sin6->sin6_addr, &a, sizeof(a)) == 0 &&
	       ntohs(sin6->sin6_port) == port;
}

static int is_unix(const struct sockaddr_storage *ss, const char *path)
{
	return ss->ss_family == AF_UNIX &&
	       strcmp(((const struct sockaddr_un *)ss)->sun_path, path) == 0;
}

/* A minimal valid frame around a few lines. */
#define DEFAULTS "defaults\n mode http\n timeout connect 1s\n timeout client 1s\n timeout server 1s\n"

/* ---------------------------------------------------------------- tests */

static void test_global_defaults(void)
{
	EXPECT_OK("global\n");
	CHECK_INT(global.nbthread, 0);
	CHECK_INT(global.maxconn, 4096);
	CHECK_INT(global.daemon, 0);
	CHECK(global.pidfile == NULL);
	CHECK_INT(global.bufsize, 16384);
	CHECK_INT(global.maxrewrite, 1024);
	CHECK_INT(h1_settings.max_hdrs, 101);
	CHECK_INT(h1_settings.max_reqline, 8192);
	CHECK_INT(h1_settings.max_head, 16384 - 1024);
	CHECK_INT(global.pipesize, 0);
	CHECK(ctl_settings.socket == NULL);
	CHECK(proxies_list == NULL);
}

static void test_global_values(void)
{
	EXPECT_OK("global\n"
		  "  nbthread 64\n  maxconn 100\n  daemon\n  pidfile /run/s.pid\n"
		  "  hard-stop-after 2m\n  tune.bufsize 32k\n  tune.maxrewrite 4096\n"
		  "  tune.http.maxhdr 32767\n  tune.http.max-reqline 1000\n"
		  "  tune.http.max-head 20000\n  tune.pipesize 1m\n"
		  "  stats socket unix@run/ctl.sock mode 660\n");
	CHECK_INT(global.nbthread, 64);
	CHECK_INT(global.maxconn, 100);
	CHECK_INT(global.daemon, 1);
	CHECK(global.pidfile && strcmp(global.pidfile, "/run/s.pid") == 0);
	CHECK_INT(global.hard_stop_after, 120000);
	CHECK_INT(global.bufsize, 32768);
	CHECK_INT(global.maxrewrite, 4096);
	CHECK_INT(h1_settings.max_hdrs, 32767);
	CHECK_INT(h1_settings.max_reqline, 1000);
	CHECK_INT(h1_settings.max_head, 20000);
	CHECK_INT(global.pipesize, 1 << 20);
	CHECK(ctl_settings.socket && strcmp(ctl_settings.socket, "run/ctl.sock") == 0);
	CHECK_INT(ctl_settings.mode, 0660);

	/* derived limits follow bufsize/maxrewrite whatever the order */
	EXPECT_OK("global\n tune.maxrewrite 512\n tune.bufsize 4096\n");
	CHECK_INT(h1_settings.max_head, 4096 - 512);
	CHECK_INT(h1_settings.max_reqline, 4096 - 512);   /* clamped: not set explicitly */
	EXPECT_OK("global\n stats socket /tmp/x.sock\n");
	CHECK(ctl_settings.socket && strcmp(ctl_settings.socket, "/tmp/x.sock") == 0);
	CHECK_INT(ctl_settings.mode, 0);

	EXPECT_WARN("global\n tune.bufsize 2048\n tune.maxrewrite 1500\n",
		    "[WARNING] t.cfg:3: 'tune.maxrewrite' 1500 reduced to 1024 (half of tune.bufsize)");
	CHECK_INT(global.maxrewrite, 1024);
	EXPECT_WARN("global\n pidfile /a\n pidfile /b\n",
		    "[WARNING] t.cfg:3: 'pidfile' given twice: '/b' replaces '/a'");
	CHECK(strcmp(global.pidfile, "/b") == 0);
}

static void test_global_errors(void)
{
	EXPECT_ERR("global\n log /dev/log local0\n",
		   "[ALERT] t.cfg:2: unknown keyword 'log' in 'global' section");
	EXPECT_ERR("global\n user haproxy\n",
		   "[ALERT] t.cfg:2: unknown keyword 'user' in 'global' section");
	EXPECT_ERR("global\n nbthread 0\n",
		   "[ALERT] t.cfg:2: 'nbthread': value '0' out of range (expected an integer between 1 and 64)");
	EXPECT_ERR("global\n nbthread 65\n",
		   "[ALERT] t.cfg:2: 'nbthread': value '65' out of range (expected an integer between 1 and 64)");
	EXPECT_ERR("global\n nbthread four\n",
		   "[ALERT] t.cfg:2: 'nbthread': invalid value 'four' (expected an integer between 1 and 64)");
	EXPECT_ERR("global\n nbthread\n",
		   "[ALERT] t.cfg:2: 'nbthread': missing argument (expected 'nbthread <1-64>')");
	EXPECT_ERR("global\n nbthread 2 3\n",
		   "[ALERT] t.cfg:2: 'nbthread': too many arguments (expected 'nbthread <1-64>')");
	EXPECT_ERR("global\n maxconn -1\n",
		   "[ALERT] t.cfg:2: 'maxconn': invalid value '-1' (expected an integer between 1 and 2147483647)");
	EXPECT_ERR("global\n maxconn 99999999999999999999999\n",
		   "[ALERT] t.cfg:2: 'maxconn': value '99999999999999999999999' out of range");
	EXPECT_ERR("global\n daemon yes\n",
		   "[ALERT] t.cfg:2: 'daemon': too many arguments (expected 'daemon')");
	EXPECT_ERR("global\n no daemon\n", "[ALERT] t.cfg:2: 'no' cannot be used with 'daemon'");
	EXPECT_ERR("global\n pidfile \"\"\n", "[ALERT] t.cfg:2: 'pidfile': empty path");
	EXPECT_ERR("global\n hard-stop-after 1y\n",
		   "[ALERT] t.cfg:2: 'hard-stop-after': invalid time value '1y' (expected a number with "
		   "an optional unit us, ms, s, m, h, d)");
	EXPECT_ERR("global\n tune.bufsize 512\n",
		   "[ALERT] t.cfg:2: 'tune.bufsize': size '512' out of range (expected between 1024 and 1073741824 bytes)");
	EXPECT_ERR("global\n tune.bufsize 16q\n",
		   "[ALERT] t.cfg:2: 'tune.bufsize': invalid size '16q' (expected a number with an optional unit k, m, g)");
	EXPECT_ERR("global\n tune.http.maxhdr 40000\n",
		   "[ALERT] t.cfg:2: 'tune.http.maxhdr': value '40000' out of range (expected an integer between 1 and 32767)");
	EXPECT_ERR("global\n tune.http.max-head 16000\n",
		   "[ALERT] t.cfg:2: 'tune.http.max-head' 16000 cannot exceed tune.bufsize - tune.maxrewrite (15360)");
	EXPECT_ERR("global\n tune.http.max-head 4000\n tune.http.max-reqline 5000\n",
		   "[ALERT] t.cfg:3: 'tune.http.max-reqline' 5000 cannot exceed tune.http.max-head (4000)");
	EXPECT_ERR("global\n tune.foo 1\n", "[ALERT] t.cfg:2: unknown keyword 'tune.foo' in 'global' section");
	EXPECT_ERR("global\n stats socket sluice.sock\n",
		   "[ALERT] t.cfg:2: 'stats socket': 'sluice.sock' is not a UNIX socket path (expected "
		   "'unix@<path>' or an absolute path)");
	EXPECT_ERR("global\n stats socket /run/a.sock mode 660 level admin\n",
		   "[ALERT] t.cfg:2: 'stats socket': unsupported option 'level' (supported: mode)");
	EXPECT_ERR("global\n stats socket /run/a.sock mode 999\n",
		   "[ALERT] t.cfg:2: 'stats socket': invalid mode '999' (expected an octal value such as 660)");
	EXPECT_ERR("global\n stats timeout 30s\n",
		   "[ALERT] t.cfg:2: 'stats timeout' is not supported (supported: 'stats socket <path> [mode <octal>]')");
	EXPECT_ERR("global\n stats socket /a\n stats socket /b\n",
		   "[ALERT] t.cfg:3: 'stats socket': only one statistics socket is supported ('/a' already set)");
	EXPECT_ERR("global foo\n", "[ALERT] t.cfg:1: 'global' takes no argument");
	EXPECT_ERR("global\n bind :80\n",
		   "[ALERT] t.cfg:2: 'bind' is not allowed in 'global' section (allowed in: frontend, listen)");
	EXPECT_ERR("frontend f\n nbthread 2\n",
		   "[ALERT] t.cfg:2: 'nbthread' is not allowed in 'frontend' section (allowed in: global)");
}

static void test_timeouts(void)
{
	static const struct { const char *v; unsigned ms; } t[] = {
		{ "0", 0 }, { "100", 100 }, { "1us", 1 }, { "999us", 1 }, { "1000us", 1 },
		{ "1001us", 2 }, { "5ms", 5 }, { "3s", 3000 }, { "2m", 120000 },
		{ "1h", 3600000 }, { "1d", 86400000 }, { "24d", 2073600000 },
		{ "2147483647", 2147483647U }, { "2147483647000us", 2147483647U },
	};
	static const char *bad[] = { "", "abc", "-1", "1.5s", "10 s", "1S", "1sec", "+5", "0x10", "5mss" };
	static const char *big[] = { "25d", "2147483648", "596524h", "99999999999999999999999" };
	char buf[256], exp[256];
	unsigned ms;
	size_t i;

	for (i = 0; i < ARRAY_SIZE(t); i++) {
		CHECK(cfg_parse_time(t[i].v, &ms) == 0 && ms == t[i].ms);
		snprintf(buf, sizeof(buf), "backend b\n timeout connect %s\n", t[i].v);
		EXPECT_OK(buf);
		CHECK(px_find("b", PX_CAP_BE) && px_find("b", PX_CAP_BE)->timeout.connect == t[i].ms);
	}
	for (i = 0; i < ARRAY_SIZE(bad); i++)
		CHECK(cfg_parse_time(bad[i], &ms) == CFG_ERR_SYNTAX);
	for (i = 0; i < ARRAY_SIZE(big); i++)
		CHECK(cfg_parse_time(big[i], &ms) == CFG_ERR_RANGE);

	EXPECT_ERR("defaults\n timeout connect abc\n",
		   "[ALERT] t.cfg:2: 'timeout connect': invalid time value 'abc' (expected a number with an "
		   "optional unit us, ms, s, m, h, d)");
	EXPECT_ERR("defaults\n\n timeout server 30d\n",
		   "[ALERT] t.cfg:3: 'timeout server': time value '30d' is too large (max 2147483647 ms, about 24.8 days)");
	EXPECT_ERR("defaults\n timeout tarpit 1m\n",
		   "[ALERT] t.cfg:2: 'timeout tarpit' is not supported (supported: check, client, client-fin, "
		   "connect, http-keep-alive, http-request, queue, server, server-fin, tunnel)");
	EXPECT_ERR("defaults\n timeout\n", "[ALERT] t.cfg:2: 'timeout': missing argument");
	EXPECT_ERR("defaults\n timeout client\n",
		   "[ALERT] t.cfg:2: 'timeout client': missing argument (expected 'timeout client <time>')");
	EXPECT_ERR("defaults\n timeout client 1s 2s\n",
		   "[ALERT] t.cfg:2: 'timeout client': too many arguments (expected 'timeout client <time>')");
	EXPECT_ERR("defaults\n contimeout 5s\n", "[ALERT] t.cfg:2: unknown keyword 'contimeout' in 'defaults' section");

	/* every timeout lands in its field */
	EXPECT_OK("listen l\n bind :1\n timeout connect 1\n timeout client 2\n timeout server 3\n"
		  " timeout http-request 4\n timeout http-keep-alive 5\n timeout tunnel 6\n"
		  " timeout client-fin 7\n timeout server-fin 8\n server s 1.1.1.1:1\n");
	struct proxy *l = px_find("l", PX_CAP_FE);
	if (CHECK(l)) {
		CHECK_INT(l->timeout.connect, 1);
		CHECK_INT(l->timeout.client, 2);
		CHECK_INT(l->timeout.server, 3);
		CHECK_INT(l->timeout.http_request, 4);
		CHECK_INT(l->timeout.http_keep_alive, 5);
		CHECK_INT(l->timeout.tunnel, 6);
		CHECK_INT(l->timeout.client_fin, 7);
		CHECK_INT(l->timeout.server_fin, 8);
	}

	/* the wrong side: accepted, ignored, warned about, as in HAProxy */
	snprintf(exp, sizeof(exp), "[WARNING] t.cfg:7: 'timeout server' ignored: frontend 'f' has no backend side");
	EXPECT_WARN(DEFAULTS "frontend f\n timeout server 5s\n bind :1\n", exp);
	CHECK(px_find("f", PX_CAP_FE) && px_find("f", PX_CAP_FE)->timeout.server == 1000);
	EXPECT_WARN("backend b\n timeout client 5s\n timeout client-fin 1s\n",
		    "[WARNING] t.cfg:3: 'timeout client-fin' ignored: backend 'b' has no frontend side");
	EXPECT_WARN("backend b\n timeout connect 5s\n timeout connect 6s\n",
		    "[WARNING] t.cfg:3: 'timeout connect' given twice in this section: the last value wins");
	CHECK(px_find("b", PX_CAP_BE)->timeout.connect == 6000);
}

static void test_sizes_and_ints(void)
{
	unsigned long long v;

	CHECK(cfg_parse_size("0", &v) == 0 && v == 0);
	CHECK(cfg_parse_size("16k", &v) == 0 && v == 16384);
	CHECK(cfg_parse_size("16K", &v) == 0 && v == 16384);
	CHECK(cfg_parse_size("2m", &v) == 0 && v == 2 << 20);
	CHECK(cfg_parse_size("1G", &v) == 0 && v == 1 << 30);
	CHECK(cfg_parse_size("1kb", &v) == CFG_ERR_SYNTAX);
	CHECK(cfg_parse_size("k", &v) == CFG_ERR_SYNTAX);
	CHECK(cfg_parse_size("-1", &v) == CFG_ERR_SYNTAX);
	CHECK(cfg_parse_size("99999999999g", &v) == CFG_ERR_RANGE);
	CHECK(cfg_parse_uint("007", 0, 10, &v) == 0 && v == 7);
	CHECK(cfg_parse_uint("11", 0, 10, &v) == CFG_ERR_RANGE);
	CHECK(cfg_parse_uint("1 ", 0, 10, &v) == CFG_ERR_SYNTAX);
	CHECK(cfg_parse_uint("18446744073709551615", 0, ~0ULL, &v) == 0 && v == ~0ULL);
	CHECK(cfg_parse_uint("18446744073709551616", 0, ~0ULL, &v) == CFG_ERR_RANGE);
	CHECK(cfg_parse_uint("18446744073709551616x", 0, ~0ULL, &v) == CFG_ERR_SYNTAX);
}

static void test_proxies_and_inheritance(void)
{
	struct proxy *fe, *be, *fe2, *be2;

	EXPECT_OK("defaults base\n"
		  "  mode http\n"
		  "  timeout connect 5s\n  timeout client 30s\n  timeout server 31s\n"
		  "  maxconn 500\n  option forwardfor\n  option httpclose\n"
		  "  default_backend be1\n  balance roundrobin\n"
		  "frontend fe1\n  bind :80\n"
		  "backend be1\n  server s1 127.0.0.1:8000\n"
		  "defaults\n  mode tcp\n  timeout client 1s\n"
		  "frontend fe2\n  bind :81\n  default_backend be2\n"
		  "backend be2\n  server s1 127.0.0.1:8001\n  timeout connect 1s\n  timeout server 1s\n");
	fe = px_find("fe1", PX_CAP_FE);
	be = px_find("be1", PX_CAP_BE);
	fe2 = px_find("fe2", PX_CAP_FE);
	be2 = px_find("be2", PX_CAP_BE);
	if (!CHECK(fe && be && fe2 && be2))
		return;
	CHECK(proxies_list == fe && fe->next == be && be->next == fe2 && fe2->next == be2 && !be2->next);
	CHECK_INT(fe->magic, PX_MAGIC);
	CHECK_INT(fe->cap, PX_CAP_FE);
	CHECK_INT(be->cap, PX_CAP_BE);
	CHECK_INT(fe->mode, PX_MODE_HTTP);
	CHECK_INT(be->mode, PX_MODE_HTTP);
	CHECK_INT(fe->timeout.client, 30000);
	CHECK_INT(be->timeout.connect, 5000);
	CHECK_INT(be->timeout.server, 31000);
	CHECK_INT(fe->maxconn, 500);
	CHECK_INT(be->maxconn, 0);                    /* backends do not take maxconn */
	CHECK(fe->options & PX_O_FORWARDFOR);
	CHECK(fe->fwdfor_hdr && strcmp(fe->fwdfor_hdr, "X-Forwarded-For") == 0);
	CHECK_INT(fe->options & (PX_O_HTTPCLOSE | PX_O_HTTP_KEEP_ALIVE | PX_O_HTTP_SERVER_CLOSE),
		  PX_O_HTTPCLOSE);
	CHECK(fe->defbe == be);
	CHECK(be->defbe_name == NULL && be->defbe == NULL);
	CHECK(strcmp(fe->conf_file, "t.cfg") == 0 && fe->conf_line == 11);
	CHECK(be->lb == lb_find("roundrobin") && be->lb != NULL);
	CHECK(fe->lb == NULL);
	/* the second defaults section starts from scratch */
	CHECK_INT(fe2->mode, PX_MODE_TCP);
	CHECK_INT(fe2->timeout.client, 1000);
	CHECK_INT(fe2->maxconn, 0);
	CHECK(!(fe2->options & PX_O_FORWARDFOR) && fe2->fwdfor_hdr == NULL);
	CHECK_INT(fe2->options & (PX_O_HTTPCLOSE | PX_O_HTTP_KEEP_ALIVE | PX_O_HTTP_SERVER_CLOSE),
		  PX_O_HTTP_KEEP_ALIVE);
	CHECK(fe2->defbe == be2);
	CHECK(be2->lb == lb_find("roundrobin"));

	/* proxies without any defaults: tcp, keep-alive, no timeouts (warned) */
	EXPECT_WARN("frontend f\n bind :1\n default_backend b\nbackend b\n server s 1.2.3.4:5\n",
		    "[WARNING] t.cfg:1: missing timeouts for frontend 'f' ('client'). While not properly "
		    "invalid, you will certainly encounter various problems with such a configuration");
	CHECK(has_msg("[WARNING] t.cfg:4: missing timeouts for backend 'b' ('connect', 'server')."));
	CHECK_INT(px_find("f", PX_CAP_FE)->mode, PX_MODE_TCP);

	/* a frontend and a backend may share a name */
	EXPECT_OK(DEFAULTS "frontend app\n bind :1\n default_backend app\nbackend app\n server s 1.2.3.4:5\n");
	CHECK(px_find("app", PX_CAP_FE)->defbe == px_find("app", PX_CAP_BE));
	CHECK(px_find("app", PX_CAP_FE) != px_find("app", PX_CAP_BE));
}

static void test_listen(void)
{
	struct proxy *l;

	EXPECT_OK(DEFAULTS "defaults\n timeout connect 1s\n timeout client 1s\n timeout server 1s\n"
		  " default_backend other\n"
		  "listen web\n bind 127.0.0.1:8080\n server a 127.0.0.1:1\n server b 127.0.0.1:2 weight 3\n"
		  "backend other\n server x 127.0.0.1:3\n");
	l = px_find("web", PX_CAP_FE);
	if (!CHECK(l))
		return;
	CHECK_INT(l->cap, PX_CAP_FE | PX_CAP_BE);
	CHECK(l->defbe == l);                  /* a listen serves its own servers */
	CHECK(l->defbe_name == NULL);
	CHECK_INT(l->nb_srv, 2);
	CHECK(l->lb == lb_find("roundrobin"));
	CHECK_INT(l->mode, PX_MODE_TCP);       /* second defaults: from scratch */

	EXPECT_OK(DEFAULTS "listen l\n bind :1\n default_backend b\nbackend b\n server s 1.1.1.1:1\n");
	CHECK(px_find("l", PX_CAP_FE)->defbe == px_find("b", PX_CAP_BE));
	CHECK(!has_msg("has no server"));     /* l routes elsewhere: no warning */

	EXPECT_WARN(DEFAULTS "listen l\n bind :1\n",
		    "[WARNING] t.cfg:6: listen 'l' has no server: its requests will get a 503 response");
}

static void test_binds(void)
{
	struct proxy *fe;
	struct listener *li;
	int i;

	EXPECT_OK(DEFAULTS
		  "frontend f\n"
		  " bind 127.0.0.1:8080\n"                          /* 0 */
		  " bind *:81\n"                                    /* 1 */
		  " bind :82\n"                                     /* 2 */
		  " bind :::8083\n"                                 /* 3 */
		  " bind [::1]:8084\n"                              /* 4 */
		  " bind ipv6@::1:8085\n"                           /* 5 */
		  " bind ipv4@127.0.0.2:8086\n"                     /* 6 */
		  " bind ipv6@*:8087\n"                             /* 7 */
		  " bind unix@/tmp/sluice-t1.sock mode 600\n"       /* 8 */
		  " bind /tmp/sluice-t2.sock\n"                     /* 9 */
		  " bind 10.0.0.1:1,10.0.0.2:2,[2001:db8::1]:3\n"    /* 10, 11, 12 */
		  " bind localhost:8088\n"                          /* 13 */
		  " bind [fe80::1%lo]:8089\n"                       /* 14 */
		  " default_backend b\n"
		  "backend b\n server s 127.0.0.1:9000\n");
	fe = px_find("f", PX_CAP_FE);
	if (!CHECK(fe))
		return;
	CHECK_INT(nb_listeners(fe), 15);
	CHECK(is_v4(&li_nth(fe, 0)->addr, "127.0.0.1", 8080));
	CHECK(is_v4(&li_nth(fe, 1)->addr, "0.0.0.0", 81));
	CHECK(is_v4(&li_nth(fe, 2)->addr, "0.0.0.0", 82));
	CHECK(is_v6(&li_nth(fe, 3)->addr, "::", 8083));
	CHECK(is_v6(&li_nth(fe, 4)->addr, "::1", 8084));
	CHECK(is_v6(&li_nth(fe, 5)->addr, "::1", 8085));
	CHECK(is_v4(&li_nth(fe, 6)->addr, "127.0.0.2", 8086));
	CHECK(is_v6(&li_nth(fe, 7)->addr, "::", 8087));
	CHECK(is_unix(&li_nth(fe, 8)->addr, "/tmp/sluice-t1.sock"));
	CHECK_INT(li_nth(fe, 8)->mode, 0600);
	CHECK(is_unix(&li_nth(fe, 9)->addr, "/tmp/sluice-t2.sock"));
	CHECK_INT(li_nth(fe, 9)->mode, 0);
	CHECK(is_v4(&li_nth(fe, 10)->addr, "10.0.0.1", 1));
	CHECK(is_v4(&li_nth(fe, 11)->addr, "10.0.0.2", 2));
	CHECK(is_v6(&li_nth(fe, 12)->addr, "2001:db8::1", 3));
	CHECK(strcmp(li_nth(fe, 11)->name, "10.0.0.2:2") == 0);
	CHECK(li_nth(fe, 11)->conf_line == 17);
	CHECK(is_v4(&li_nth(fe, 13)->addr, "127.0.0.1", 8088) || is_v6(&li_nth(fe, 13)->addr, "::1", 8088));
	CHECK(li_nth(fe, 14)->addr.ss_family == AF_INET6 &&
	      ((struct sockaddr_in6 *)&li_nth(fe, 14)->addr)->sin6_scope_id != 0);
	for (i = 0; (li = li_nth(fe, i)); i++) {
		int t, ok = 1;

		CHECK_INT(li->magic, LI_MAGIC);
		CHECK(li->fe == fe);
		for (t = 0; t < MAX_THREADS; t++)
			ok &= li->fds[t] == -1 && li->paused[t] == 0;
		CHECK(ok);
		CHECK(li->addrlen == (li->addr.ss_family == AF_INET ? sizeof(struct sockaddr_in) :
				      li->addr.ss_family == AF_INET6 ? sizeof(struct sockaddr_in6) :
				      li->addrlen));
	}

	EXPECT_ERR("frontend f\n bind\n",
		   "[ALERT] t.cfg:2: 'bind': missing argument (expected 'bind <address>:<port>[,<address>:<port>...] [options...]')");
	EXPECT_ERR("frontend f\n bind 127.0.0.1\n",
		   "[ALERT] t.cfg:2: 'bind': invalid address '127.0.0.1': missing port (expected <address>:<port>)");
	EXPECT_ERR("frontend f\n bind :80-90\n",
		   "[ALERT] t.cfg:2: 'bind': invalid address ':80-90': port ranges ('80-90') are not supported");
	EXPECT_ERR("frontend f\n bind :0\n",
		   "[ALERT] t.cfg:2: 'bind': invalid address ':0': invalid port '0' (expected 1-65535)");
	EXPECT_ERR("frontend f\n bind :65536\n", "invalid port '65536' (expected 1-65535)");
	EXPECT_ERR("frontend f\n bind :+1\n", "port offsets ('+1') are not supported");
	EXPECT_ERR("frontend f\n bind 1.2.3:80\n", "[ALERT] t.cfg:2: 'bind': invalid address '1.2.3:80': invalid address '1.2.3'");
	EXPECT_ERR("frontend f\n bind 1.2.3.4.5:80\n", "invalid address '1.2.3.4.5'");
	EXPECT_ERR("frontend f\n bind ::1:80:x\n", "invalid port 'x' (expected 1-65535)");
	EXPECT_ERR("frontend f\n bind [::1:80\n", "missing ']' after IPv6 address");
	EXPECT_ERR("frontend f\n bind [::1]80\n", "missing port (expected [<address>]:<port>)");
	EXPECT_ERR("frontend f\n bind ipv4@[::1]:80\n", "an IPv6 address in brackets cannot have the ipv4@ prefix");
	EXPECT_ERR("frontend f\n bind ipv4@::1:80\n", "invalid address '::1' (IPv6 addresses are written");
	EXPECT_ERR("frontend f\n bind abns@foo\n",
		   "[ALERT] t.cfg:2: 'bind': invalid address 'abns@foo': unsupported address prefix 'abns@' "
		   "(supported: ipv4@, ipv6@, unix@)");
	EXPECT_ERR("frontend f\n bind fd@3\n", "unsupported address prefix 'fd@'");
	EXPECT_ERR("frontend f\n bind unix@\n", "empty UNIX socket path");
	EXPECT_ERR("frontend f\n bind /aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\n",
		   "UNIX socket path too long (131 bytes, max 107)");
	EXPECT_ERR("frontend f\n bind :80 mode 600\n", "[ALERT] t.cfg:2: 'bind': 'mode' only applies to UNIX sockets");
	EXPECT_ERR("frontend f\n bind /x.sock mode rw\n",
		   "[ALERT] t.cfg:2: 'bind': invalid mode 'rw' (expected an octal value such as 600)");
	EXPECT_ERR("frontend f\n bind /x.sock mode\n", "'bind': 'mode' needs 1 value (expected 'mode <octal>')");
	EXPECT_ERR("frontend f\n bind :443 ssl crt /x.pem\n",
		   "[ALERT] t.cfg:2: 'bind': unknown option 'ssl'");
	EXPECT_ERR("frontend f\n bind :1,,:2\n", "[ALERT] t.cfg:2: 'bind': empty address in list");
	EXPECT_ERR("frontend f\n bind :1,\n", "[ALERT] t.cfg:2: 'bind': empty address in list");
	EXPECT_ERR("frontend f\n bind :1,:2,bad\n", "'bind': invalid address 'bad': missing port");
	CHECK(px_find("f", PX_CAP_FE) && nb_listeners(px_find("f", PX_CAP_FE)) == 0); /* all or nothing */
	EXPECT_ERR("backend b\n bind :80\n",
		   "[ALERT] t.cfg:2: 'bind' is not allowed in 'backend' section (allowed in: frontend, listen)");
	EXPECT_ERR("defaults\n bind :80\n",
		   "[ALERT] t.cfg:2: 'bind' is not allowed in 'defaults' section (allowed in: frontend, listen)");
	addr_set_resolve(0);
	EXPECT_ERR("frontend f\n bind some.host.example:80\n",
		   "[ALERT] t.cfg:2: 'bind': invalid address 'some.host.example:80': cannot resolve host name "
		   "'some.host.example': name resolution is disabled");
	addr_set_resolve(1);
	EXPECT_ERR(DEFAULTS "frontend a\n bind :80\n default_backend b\n"
		   "frontend c\n bind 0.0.0.0:80\n default_backend b\nbackend b\n",
		   "[ALERT] t.cfg:10: 'bind': address '0.0.0.0:80' is already bound at t.cfg:7");
	EXPECT_ERR(DEFAULTS "frontend a\n bind /tmp/a.sock,/tmp/a.sock\n default_backend b\nbackend b\n",
		   "[ALERT] t.cfg:7: 'bind': address '/tmp/a.sock' is already bound at t.cfg:7");
	/* same port, different addresses: fine */
	EXPECT_OK(DEFAULTS "frontend a\n bind :80\n bind 127.0.0.1:80\n bind :::80\n default_backend b\n"
		  "backend b\n server s 1.1.1.1:1\n");
}

static void test_servers(void)
{
	struct proxy *be;
	struct server *s1, *s2, *s3, *s4;
	int t, ok = 1;

	EXPECT_OK(DEFAULTS "backend b\n"
		  " server s1 10.0.0.1:80\n"
		  " server s2 [::1]:81 weight 0\n"
		  " server s3 localhost:82 weight 256\n"
		  " server s4 /run/app.sock weight 7 weight 8\n");
	be = px_find("b", PX_CAP_BE);
	s1 = srv_find(be, "s1");
	s2 = srv_find(be, "s2");
	s3 = srv_find(be, "s3");
	s4 = srv_find(be, "s4");
	if (!CHECK(be && s1 && s2 && s3 && s4))
		return;
	CHECK(be->srv == s1 && s1->next == s2 && s2->next == s3 && s3->next == s4 && !s4->next);
	CHECK_INT(be->nb_srv, 4);
	CHECK_INT(s1->puid, 1);
	CHECK_INT(s4->puid, 4);
	CHECK(s1->be == be && s4->be == be);
	CHECK_INT(s1->magic, SRV_MAGIC);
	CHECK_INT(s1->weight, 1);
	CHECK_INT(s2->weight, 0);
	CHECK_INT(s3->weight, 256);
	CHECK_INT(s4->weight, 8);
	CHECK(is_v4(&s1->addr, "10.0.0.1", 80) && s1->addrlen == sizeof(struct sockaddr_in));
	CHECK(is_v6(&s2->addr, "::1", 81) && s2->addrlen == sizeof(struct sockaddr_in6));
	CHECK(is_v4(&s3->addr, "127.0.0.1", 82) || is_v6(&s3->addr, "::1", 82));
	CHECK(is_unix(&s4->addr, "/run/app.sock"));
	CHECK(strcmp(s3->addr_str, "localhost:82") == 0);
	CHECK(s2->conf_line == 8 && strcmp(s2->conf_file, "t.cfg") == 0);
	for (t = 0; t < MAX_THREADS; t++)
		ok &= list_empty(&s1->idle[t]) && s1->idle[t].n == &s1->idle[t] && s1->nb_idle[t] == 0;
	CHECK(ok);
	CHECK(be->lb == lb_find("roundrobin"));

	EXPECT_ERR("backend b\n server\n",
		   "[ALERT] t.cfg:2: 'server': missing argument (expected 'server <name> <address>:<port> [options...]')");
	EXPECT_ERR("backend b\n server s1\n", "'server': missing argument");
	EXPECT_ERR("backend b\n server s1 10.0.0.1:80 frobnicate\n",
		   "[ALERT] t.cfg:2: 'server s1': unknown option 'frobnicate'");
	EXPECT_ERR("backend b\n server s1 10.0.0.1:80 weight 257\n",
		   "[ALERT] t.cfg:2: 'server s1 weight': value '257' out of range (expected an integer between 0 and 256)");
	EXPECT_ERR("backend b\n server s1 10.0.0.1:80 weight\n",
		   "[ALERT] t.cfg:2: 'server s1': 'weight' needs 1 value (expected 'weight <0-256>')");
	EXPECT_ERR("backend b\n server s1 10.0.0.1\n",
		   "[ALERT] t.cfg:2: 'server s1': invalid address '10.0.0.1': missing port (expected <address>:<port>)");
	EXPECT_ERR("backend b\n server s1 :80\n",
		   "[ALERT] t.cfg:2: 'server s1': invalid address ':80': missing host (expected <address>:<port>)");
	EXPECT_ERR("backend b\n server s1 *:80\n", "missing host");
	EXPECT_ERR("backend b\n server s/1 10.0.0.1:80\n",
		   "[ALERT] t.cfg:2: 'server': character '/' is not permitted in server name 's/1'");
	EXPECT_ERR("backend b\n server s1 1.1.1.1:1\n server s1 1.1.1.1:2\n",
		   "[ALERT] t.cfg:3: 'server s1': a server with this name was already declared in backend 'b' at t.cfg:2");
	EXPECT_ERR("frontend f\n server s1 1.1.1.1:1\n",
		   "[ALERT] t.cfg:2: 'server' is not allowed in 'frontend' section (allowed in: backend, listen)");
	EXPECT_ERR("defaults\n server s1 1.1.1.1:1\n",
		   "[ALERT] t.cfg:2: 'server' is not allowed in 'defaults' section (allowed in: backend, listen)");
	addr_set_resolve(0);
	EXPECT_ERR("backend b\n server s1 app.internal:80\n",
		   "cannot resolve host name 'app.internal': name resolution is disabled");
	addr_set_resolve(1);

	EXPECT_ERR("backend b\n balance nosuchalgo\n",
		   "[ALERT] t.cfg:2: 'balance': unsupported balance algorithm 'nosuchalgo' (supported: roundrobin, static-rr, leastconn, first, source, uri, url_param, hdr(<name>), random)");
	EXPECT_ERR("backend b\n balance\n",
		   "[ALERT] t.cfg:2: 'balance': missing argument (expected 'balance <algorithm> [<arguments>]')");
	EXPECT_ERR("backend b\n balance roundrobin x\n", "[ALERT] t.cfg:2: 'balance roundrobin' takes no argument");
	EXPECT_WARN(DEFAULTS "frontend f\n bind :1\n balance roundrobin\n default_backend b\n"
		    "backend b\n server s 1.1.1.1:1\n",
		    "[WARNING] t.cfg:8: 'balance' ignored in 'frontend' section: it only applies to defaults, backend, listen");
	EXPECT_WARN(DEFAULTS "backend b\n",
		    "[WARNING] t.cfg:6: backend 'b' has no server: its requests will get a 503 response");
	CHECK(px_find("b", PX_CAP_BE)->lb == lb_find("roundrobin"));
}

static void test_options(void)
{
	struct proxy *f;

	EXPECT_OK(DEFAULTS " option forwardfor\n option http-server-close\n"
		  "frontend f\n bind :1\n default_backend b\n"
		  " option forwardfor header X-Real-IP if-none\n"
		  "frontend g\n bind :2\n default_backend b\n"
		  " no option forwardfor\n no option http-server-close\n"
		  "frontend h\n bind :3\n default_backend b\n"
		  " option httpclose\n option forwardfor\n"
		  "backend b\n server s 1.1.1.1:1\n option http-keep-alive\n");
	f = px_find("f", PX_CAP_FE);
	if (!CHECK(f))
		return;
	CHECK(f->options & PX_O_FORWARDFOR);
	CHECK(f->options & PX_O_FF_IFNONE);
	CHECK(f->fwdfor_hdr && strcmp(f->fwdfor_hdr, "X-Real-IP") == 0);
	CHECK(f->options & PX_O_HTTP_SERVER_CLOSE);
	f = px_find("g", PX_CAP_FE);
	CHECK(!(f->options & (PX_O_FORWARDFOR | PX_O_FF_IFNONE)) && f->fwdfor_hdr == NULL);
	CHECK_INT(f->options & (PX_O_HTTPCLOSE | PX_O_HTTP_KEEP_ALIVE | PX_O_HTTP_SERVER_CLOSE),
		  PX_O_HTTP_KEEP_ALIVE);
	f = px_find("h", PX_CAP_FE);
	CHECK_INT(f->options & (PX_O_HTTPCLOSE | PX_O_HTTP_KEEP_ALIVE | PX_O_HTTP_SERVER_CLOSE),
		  PX_O_HTTPCLOSE);
	CHECK(!(f->options & PX_O_FF_IFNONE));
	CHECK(f->fwdfor_hdr && strcmp(f->fwdfor_hdr, "X-Forwarded-For") == 0);
	f = px_find("b", PX_CAP_BE);
	CHECK_INT(f->options & (PX_O_HTTPCLOSE | PX_O_HTTP_KEEP_ALIVE | PX_O_HTTP_SERVER_CLOSE),
		  PX_O_HTTP_KEEP_ALIVE);
	CHECK(f->options & PX_O_FORWARDFOR);

	EXPECT_ERR("defaults\n option forwardfor except 127.0.0.0/8\n",
		   "[ALERT] t.cfg:2: 'option forwardfor': 'except' is not supported yet");
	EXPECT_ERR("defaults\n option forwardfor header\n",
		   "[ALERT] t.cfg:2: 'option forwardfor': 'header' needs a header name (expected "
		   "'option forwardfor [header <name>] [if-none]')");
	EXPECT_ERR("defaults\n option forwardfor header X:Y\n",
		   "[ALERT] t.cfg:2: 'option forwardfor': invalid header name 'X:Y'");
	EXPECT_ERR("defaults\n option forwardfor always\n",
		   "[ALERT] t.cfg:2: 'option forwardfor': unknown argument 'always'");
	EXPECT_ERR("defaults\n no option forwardfor header X\n",
		   "[ALERT] t.cfg:2: 'no option forwardfor' takes no argument");
	EXPECT_ERR("defaults\n option httplog\n",
		   "[ALERT] t.cfg:2: unknown option 'httplog'");
	EXPECT_ERR("defaults\n option httpclose now\n", "[ALERT] t.cfg:2: 'option httpclose' takes no argument");
	EXPECT_ERR("defaults\n option\n", "[ALERT] t.cfg:2: 'option': missing option name");
	EXPECT_ERR("defaults\n no\n", "[ALERT] t.cfg:2: 'no' must be followed by a keyword");
	EXPECT_ERR("defaults\n no mode http\n", "[ALERT] t.cfg:2: 'no' cannot be used with 'mode'");
	EXPECT_WARN(DEFAULTS " mode tcp\n option forwardfor\nbackend b\n server s 1.1.1.1:1\n",
		    "[WARNING] t.cfg:8: 'option forwardfor' ignored in backend 'b': it requires 'mode http'");
}

static void test_mode_maxconn_switching(void)
{
	struct proxy *f;
	struct list *it, *bk;
	int n = 0;

	EXPECT_OK(DEFAULTS "frontend f\n bind :1\n maxconn 77\n use_backend b1\n use_backend b2\n"
		  "backend b1\n server s 1.1.1.1:1\nbackend b2\n server s 1.1.1.1:1\n");
	f = px_find("f", PX_CAP_FE);
	if (!CHECK(f))
		return;
	CHECK_INT(f->maxconn, 77);
	CHECK(f->defbe == NULL);
	list_for_each_safe(it, bk, &f->switch_rules) {
		struct switch_rule *r = list_elem(it, struct switch_rule, list);

		CHECK(r->be == px_find(n ? "b2" : "b1", PX_CAP_BE));
		CHECK_INT(r->conf_line, 9 + n);
		n++;
	}
	CHECK_INT(n, 2);
	CHECK(!has_msg("neither"));

	EXPECT_ERR("defaults\n mode health\n",
		   "[ALERT] t.cfg:2: 'mode': unknown mode 'health' (expected 'mode http' or 'mode tcp')");
	EXPECT_ERR("defaults\n mode\n", "[ALERT] t.cfg:2: 'mode': missing argument (expected 'mode http|tcp')");
	EXPECT_ERR("frontend f\n maxconn x\n",
		   "[ALERT] t.cfg:2: 'maxconn': invalid value 'x' (expected an integer between 0 and 2147483647)");
	EXPECT_WARN("backend b\n maxconn 10\n",
		    "[WARNING] t.cfg:2: 'maxconn' ignored in 'backend' section: it only applies to defaults, frontend, listen");
	EXPECT_WARN("backend b\n default_backend x\n",
		    "[WARNING] t.cfg:2: 'default_backend' ignored in 'backend' section");
	EXPECT_ERR("frontend f\n use_backend b if { path /x }\n",
		   "[ALERT] t.cfg:2: 'use_backend': conditions are not supported yet ('if ...' after the backend name)");
	EXPECT_ERR("frontend f\n use_backend b unless x\n", "'use_backend': conditions are not supported yet");
	EXPECT_ERR("frontend f\n use_backend b x\n",
		   "[ALERT] t.cfg:2: 'use_backend': unexpected 'x' after the backend name (expected 'use_backend <backend>')");
	EXPECT_ERR("frontend f\n use_backend be_%[req.hdr(host)]\n",
		   "'use_backend': dynamic backend names ('be_%[req.hdr(host)]') are not supported yet");
	EXPECT_ERR("defaults\n use_backend b\n",
		   "[ALERT] t.cfg:2: 'use_backend' is not allowed in 'defaults' section (allowed in: frontend, listen)");
	EXPECT_ERR("frontend f\n default_backend a b\n",
		   "[ALERT] t.cfg:2: 'default_backend': too many arguments (expected 'default_backend <backend>')");
}

static void test_sections(void)
{
	EXPECT_ERR("maxconn 10\nglobal\n",
		   "[ALERT] t.cfg:1: 'maxconn' found before any section (expected 'global', 'defaults', "
		   "'frontend', 'backend' or 'listen' first)");
	EXPECT_ERR("frontend\n bind :1\n", "[ALERT] t.cfg:1: 'frontend': missing name (expected 'frontend <name>')");
	CHECK(!has_msg("t.cfg:2"));         /* lines of a nameless section are skipped */
	EXPECT_ERR("listen stats 0.0.0.0:8080\n",
		   "[ALERT] t.cfg:1: 'listen': too many arguments (expected 'listen <name>'; listening "
		   "addresses go on 'bind' lines)");
	EXPECT_ERR("backend b from d\n", "[ALERT] t.cfg:1: 'backend': 'from' is not supported");
	EXPECT_ERR("defaults d from e\n", "[ALERT] t.cfg:1: 'defaults': 'from' is not supported");
	EXPECT_ERR("defaults a b\n", "[ALERT] t.cfg:1: 'defaults': too many arguments (expected 'defaults [<name>]')");
	EXPECT_ERR("backend b/c\n",
		   "[ALERT] t.cfg:1: character '/' is not permitted in backend name 'b/c' (use letters, digits, '-', '_', '.', ':')");
	EXPECT_ERR("frontend \"\"\n", "[ALERT] t.cfg:1: empty frontend name");
	EXPECT_ERR("userlist u\n user a password x\nglobal\n bogus\n",
		   "[ALERT] t.cfg:1: 'userlist' sections are not supported; their lines are skipped");
	CHECK(!has_msg("t.cfg:2:"));
	CHECK(has_msg("[ALERT] t.cfg:4: unknown keyword 'bogus' in 'global' section"));
	EXPECT_ERR("global\n daemon\nresolvers dns\n nameserver a 1.1.1.1:53\n",
		   "[ALERT] t.cfg:3: 'resolvers' sections are not supported");
	CHECK(!has_msg("t.cfg:4:"));

	/* post-parse cross checks */
	EXPECT_ERR(DEFAULTS "frontend x\n bind :1\n default_backend b\nlisten x\n bind :2\nbackend b\n",
		   "[ALERT] t.cfg:9: listen 'x' has the same name as frontend 'x' declared at t.cfg:6");
	EXPECT_ERR(DEFAULTS "backend x\nbackend x\n",
		   "[ALERT] t.cfg:7: backend 'x' has the same name as backend 'x' declared at t.cfg:6");
	EXPECT_ERR(DEFAULTS "frontend f\n bind :1\n default_backend nope\n",
		   "[ALERT] t.cfg:8: 'default_backend' in frontend 'f': no backend named 'nope'");
	EXPECT_ERR(DEFAULTS " default_backend nope\nfrontend f\n bind :1\n",
		   "[ALERT] t.cfg:6: 'default_backend' in frontend 'f': no backend named 'nope'");
	EXPECT_ERR(DEFAULTS "frontend f\n bind :1\n use_backend g\nfrontend g\n bind :2\n default_backend f\n",
		   "[ALERT] t.cfg:8: 'use_backend' in frontend 'f': 'g' is a frontend, not a backend");
	CHECK(has_msg("[ALERT] t.cfg:11: 'default_backend' in frontend 'g': 'f' is a frontend, not a backend"));
	EXPECT_ERR(DEFAULTS "frontend f\n bind :1\n default_backend b\nbackend b\n mode tcp\n",
		   "[ALERT] t.cfg:8: frontend 'f' (mode http) cannot use backend 'b' (mode tcp)");
	EXPECT_ERR(DEFAULTS "frontend f\n bind :1\n use_backend b\nbackend b\n mode tcp\n",
		   "[ALERT] t.cfg:8: frontend 'f' (mode http) cannot use backend 'b' (mode tcp)");
	EXPECT_ERR(DEFAULTS "frontend f\n default_backend b\nbackend b\n",
		   "[ALERT] t.cfg:6: frontend 'f' has no 'bind' line: it would never accept a connection");
	EXPECT_ERR(DEFAULTS "listen l\n server s 1.1.1.1:1\n",
		   "[ALERT] t.cfg:6: listen 'l' has no 'bind' line");
	EXPECT_WARN(DEFAULTS "frontend f\n bind :1\n",
		    "[WARNING] t.cfg:6: frontend 'f' has neither 'default_backend' nor 'use_backend': "
		    "every request will get a 503 response");
	/* checks are skipped after parse errors: no cascade */
	EXPECT_ERR(DEFAULTS "frontend f\n bind :1\n default_backend b\nbakend b\n",
		   "[ALERT] t.cfg:9: unknown keyword 'bakend' in 'frontend' section");
	CHECK(!has_msg("no backend named"));
}

static void test_tokenizer(void)
{
	setenv("SLUICE_T", "/env/val", 1);
	setenv("SLUICE_SP", "a b", 1);
	unsetenv("SLUICE_UNSET");
#define PIDFILE_IS(line, want) do { \
		EXPECT_OK("global\n pidfile " line "\n"); \
		if (!CHECK(global.pidfile && strcmp(global.pidfile, want) == 0)) \
			printf("    pidfile: [%s] want [%s]\n", global.pidfile ? global.pidfile : "(null)", want); \
	} while (0)
	PIDFILE_IS("\"/tmp/a b\"", "/tmp/a b");
	PIDFILE_IS("'/tmp/$SLUICE_T \\x41'", "/tmp/$SLUICE_T \\x41");
	PIDFILE_IS("/tmp/a\\ b\\#c", "/tmp/a b#c");
	PIDFILE_IS("/a#comment", "/a");
	PIDFILE_IS("/a # comment with \"quote", "/a");
	PIDFILE_IS("\"/a#b\"", "/a#b");
	PIDFILE_IS("a\"b c\"'d e'f", "ab cd ef");
	PIDFILE_IS("\"${SLUICE_T}/x\"", "/env/val/x");
	PIDFILE_IS("\"$SLUICE_T/x\"", "/env/val/x");
	PIDFILE_IS("${SLUICE_T}/x", "/env/val/x");          /* braced: expanded unquoted too */
	PIDFILE_IS("$SLUICE_T/x", "$SLUICE_T/x");           /* bare: only in double quotes */
	PIDFILE_IS("\"\\$SLUICE_T\"", "$SLUICE_T");
	PIDFILE_IS("a\\$b", "a\\$b");                       /* unquoted \$ kept (regexes) */
	PIDFILE_IS("'${SLUICE_T}'", "${SLUICE_T}");
	PIDFILE_IS("\"x${SLUICE_UNSET}y\"", "xy");
	PIDFILE_IS("\"${SLUICE_SP}\"", "a b");
	PIDFILE_IS("\"a$\"", "a$");
	PIDFILE_IS("\"$5\"", "$5");
	PIDFILE_IS("^/api$", "^/api$");
	PIDFILE_IS("a\\.b\\d", "a\\.b\\d");
	PIDFILE_IS("\\x41\\x42", "AB");
	PIDFILE_IS("\"\\\"q\\\"\"", "\"q\"");
	PIDFILE_IS("\\'x", "'x");
	PIDFILE_IS("\"\\\\\"", "\\");
	PIDFILE_IS("\"tab\\there\"", "tab\there");
	PIDFILE_IS("/p\t\t", "/p");

	/* ${VAR} with spaces stays one word */
	EXPECT_ERR("global\n pidfile ${SLUICE_SP} x\n", "'pidfile': too many arguments");
	EXPECT_OK("global\n pidfile ${SLUICE_SP}\n");
	CHECK(global.pidfile && strcmp(global.pidfile, "a b") == 0);

	/* CRLF line endings, blank lines, comments, no final newline */
	EXPECT_OK("# a comment\r\n\r\nglobal\r\n  maxconn 5\r\n\t# indented comment\r\n  daemon");
	CHECK_INT(global.maxconn, 5);
	CHECK_INT(global.daemon, 1);

	EXPECT_ERR("global\n pidfile \"/a\n", "[ALERT] t.cfg:2: missing closing double quote");
	EXPECT_ERR("global\n pidfile '/a\n", "[ALERT] t.cfg:2: missing closing single quote");
	EXPECT_ERR("global\n pidfile /a\\\n", "[ALERT] t.cfg:2: backslash at end of line");
	EXPECT_ERR("global\n pidfile \\x4\n", "[ALERT] t.cfg:2: invalid escape sequence '\\x' (expected \\xHH)");
	EXPECT_ERR("global\n pidfile a\\x00b\n", "[ALERT] t.cfg:2: escape sequence '\\x00' is not allowed");
	EXPECT_ERR("global\n pidfile \"${1X}\"\n", "[ALERT] t.cfg:2: invalid environment variable reference");
	EXPECT_ERR("global\n pidfile ${SLUICE_T\n", "[ALERT] t.cfg:2: invalid environment variable reference");
	EXPECT_ERR("global\n pidfile ${}\n", "[ALERT] t.cfg:2: invalid environment variable reference");
	{
		static const char nul[] = "global\n maxconn 1\0\n daemon x\n";

		cfg_deinit();
		FILE *f = capture_start();

		CHECK(cfg_parse_buffer(CFG_NAME, nul, sizeof(nul) - 1) == -1);
		capture_end(f);
		CHECK(has_msg("[ALERT] t.cfg:2: NUL character at column 11 is not allowed"));
		CHECK(has_msg("[ALERT] t.cfg:3: 'daemon': too many arguments"));   /* goes on */
	}
	{
		/* a line of CFG_MAX_LINE bytes is fine, one more is not */
		size_t n = CFG_MAX_LINE + 64;
		char *big = malloc(n);

		memcpy(big, "global\n pidfile /", 17);
		memset(big + 17, 'a', CFG_MAX_LINE - 10);
		memcpy(big + 17 + CFG_MAX_LINE - 10, "\n daemon\n", 10);
		EXPECT_OK(big);
		CHECK(global.pidfile && strlen(global.pidfile) == CFG_MAX_LINE - 9);
		memset(big + 17, 'a', CFG_MAX_LINE - 9);
		memcpy(big + 17 + CFG_MAX_LINE - 9, "\n daemon\n", 10);
		EXPECT_ERR(big, "[ALERT] t.cfg:2: line too long (65537 bytes, max 65536)");
		free(big);
	}
	{
		char line[1024];
		size_t used = snprintf(line, sizeof(line), "global\n pidfile");
		int i;

		for (i = 0; i < CFG_MAX_ARGS; i++)
			used += snprintf(line + used, sizeof(line) - used, " x");
		snprintf(line + used, sizeof(line) - used, "\n");
		EXPECT_ERR(line, "[ALERT] t.cfg:2: too many words on the line (max 64)");
	}
	{
		/* expansion beyond the line limit */
		char *val = malloc(40000);

		memset(val, 'v', 39999);
		val[39999] = 0;
		setenv("SLUICE_BIG", val, 1);
		free(val);
		EXPECT_ERR("global\n pidfile \"${SLUICE_BIG}${SLUICE_BIG}\"\n",
			   "[ALERT] t.cfg:2: line too long after environment variable expansion (max 65536 bytes)");
		unsetenv("SLUICE_BIG");
	}
	/* control characters in messages are not printed raw */
	EXPECT_ERR("global\n \x1b[31mred\n", "[ALERT] t.cfg:2: unknown keyword '?[31mred' in 'global' section");
}

static void test_error_limit(void)
{
	char text[4096];
	size_t used = snprintf(text, sizeof(text), "global\n");
	int i, n = 0;
	const char *p;

	for (i = 0; i < 30; i++)
		used += snprintf(text + used, sizeof(text) - used, " bogus\n");
	CHECK(parse(text) == -1);
	for (p = msgs; (p = strstr(p, "unknown keyword 'bogus'")); p++)
		n++;
	CHECK_INT(n, CFG_MAX_ERRORS);
	CHECK(has_msg("[ALERT] too many errors (20), giving up"));
	CHECK(!has_msg("t.cfg:22:"));
	CHECK_INT(cfg_nb_errors(), CFG_MAX_ERRORS);
}

static void test_files(void)
{
	char path[] = "/tmp/sluice-test-cfg-XXXXXX";
	FILE *f;
	int fd;

	cfg_deinit();
	f = capture_start();
	CHECK(cfg_load("/nonexistent/sluice.cfg") == -1);
	capture_end(f);
	CHECK(has_msg("[ALERT] cannot open configuration file '/nonexistent/sluice.cfg': No such file or directory\n"));

	cfg_deinit();
	f = capture_start();
	CHECK(cfg_load("/tmp") == -1);
	capture_end(f);
	CHECK(has_msg("[ALERT] cannot read configuration file '/tmp': Is a directory"));

	fd = mkstemp(path);
	if (!CHECK(fd >= 0))
		return;
	static const char text[] = "global\r\n maxconn 42\r\ndefaults\r\n timeout client 1x\r\n";
	CHECK(write(fd, text, sizeof(text) - 1) == (ssize_t)(sizeof(text) - 1));
	close(fd);
	cfg_deinit();
	f = capture_start();
	CHECK(cfg_load(path) == -1);
	capture_end(f);
	{
		char want[256];

		snprintf(want, sizeof(want), "[ALERT] %s:4: 'timeout client': invalid time value '1x'", path);
		CHECK(has_msg(want));
	}
	CHECK_INT(global.maxconn, 42);
	unlink(path);

	/* state carries from one file to the next: defaults, then proxies */
	cfg_deinit();
	CHECK(cfg_parse_buffer("a.cfg", DEFAULTS, strlen(DEFAULTS)) == 0);
	static const char b[] = "backend b\n server s 1.1.1.1:1\n";
	CHECK(cfg_parse_buffer("b.cfg", b, strlen(b)) == 0);
	CHECK(cfg_check() == 0);
	CHECK(px_find("b", PX_CAP_BE) && px_find("b", PX_CAP_BE)->timeout.server == 1000);
	CHECK(strcmp(px_find("b", PX_CAP_BE)->conf_file, "b.cfg") == 0);
}

/* The data file, from the repository root (as "make unit" runs it), from
 * tests/unit, or under $SLUICE_SRCDIR. */
static const char *data_file(const char *name, char *buf, size_t size)
{
	const char *top = getenv("SLUICE_SRCDIR");

	if (top) {
		snprintf(buf, size, "%s/tests/unit/data/%s", top, name);
		return buf;
	}
	snprintf(buf, size, "tests/unit/data/%s", name);
	if (access(buf, R_OK) == 0)
		return buf;
	snprintf(buf, size, "data/%s", name);
	return buf;
}

static void test_haproxy_compat(void)
{
	struct proxy *www, *app, *st, *my;
	char path[512];
	FILE *f;
	int ret;

	cfg_deinit();
	f = capture_start();
	ret = cfg_load(data_file("haproxy-compat.cfg", path, sizeof(path)));
	capture_end(f);
	if (!CHECK(ret == 0))
		printf("    messages: %s\n", msgs);
	CHECK(cfg_nb_warnings() == 0);
	CHECK_INT(global.maxconn, 20000);
	CHECK_INT(global.nbthread, 4);
	CHECK_INT(global.daemon, 1);
	CHECK_INT(global.bufsize, 32768);
	CHECK_INT(global.maxrewrite, 2048);
	CHECK_INT(h1_settings.max_head, 32768 - 2048);
	CHECK_INT(h1_settings.max_hdrs, 128);
	CHECK_INT(global.hard_stop_after, 30000);
	CHECK(ctl_settings.socket && strcmp(ctl_settings.socket, "/var/run/haproxy-admin.sock") == 0);
	www = px_find("www", PX_CAP_FE);
	app = px_find("app", PX_CAP_BE);
	st = px_find("static", PX_CAP_BE);
	my = px_find("mysql", PX_CAP_FE);
	if (!CHECK(www && app && st && my))
		return;
	CHECK_INT(nb_listeners(www), 4);
	CHECK(is_v6(&li_nth(www, 1)->addr, "::", 8080));
	CHECK(is_unix(&li_nth(www, 3)->addr, "/var/run/haproxy-www.sock") && li_nth(www, 3)->mode == 0660);
	CHECK_INT(www->maxconn, 10000);
	CHECK(www->defbe == app);
	CHECK_INT(www->timeout.client, 50000);
	CHECK_INT(app->timeout.server, 50000);
	CHECK_INT(app->timeout.tunnel, 3600000);
	CHECK_INT(app->nb_srv, 3);
	CHECK_INT(srv_find(app, "app3")->weight, 0);
	CHECK(strcmp(app->fwdfor_hdr, "X-Client-IP") == 0 && (app->options & PX_O_FF_IFNONE));
	CHECK(app->options & PX_O_HTTP_SERVER_CLOSE);
	CHECK(is_v6(&srv_find(st, "static2")->addr, "::1", 8002));
	CHECK_INT(my->mode, PX_MODE_TCP);
	CHECK(my->defbe == my);
	CHECK_INT(my->timeout.client, 3600000);
	CHECK_INT(srv_find(my, "db2")->weight, 50);
}

/* Degenerate inputs of the kind the fuzzer produces (empty words, names
 * reused, sections without content): each must be refused or loaded
 * cleanly, without leaks (the ASan build checks). */
static void test_degenerate_inputs(void)
{
	static const char *inputs[] = {
		"frontend \"\"\n bind :1\n",
		"listen a\nlisten a\n",
		"defaults\n default_backend x\nlisten x\n bind :1\n",
		"global\n\"\"\n",
		"frontend f\n''\n",
		"backend b\n no\n",
		"backend b\n server a 1.1.1.1:1\n server a 1.1.1.1:1\n",
	};
	size_t i;

	addr_set_resolve(0);
	for (i = 0; i < ARRAY_SIZE(inputs); i++) {
		int r = parse(inputs[i]);

		CHECK(r == 0 || r == -1);
	}
	addr_set_resolve(1);
	EXPECT_ERR("global\n\"\"\n", "[ALERT] t.cfg:2: unknown keyword '' in 'global' section");
}

/* Text of the block of `sluice -x keywords` that starts with <title>, up to
 * the next line that is not indented (a copy to free). */
static char *dump_block(const char *dump, const char *title)
{
	const char *b = strstr(dump, title), *e;

	while (b && b != dump && b[-1] != '\n')        /* at the start of a line */
		b = strstr(b + 1, title);
	if (!b)
		return NULL;
	for (e = strchr(b, '\n'); e && e[1] == ' '; e = strchr(e + 1, '\n'))
		;
	return strndup(b, e ? (size_t)(e - b + 1) : strlen(b));
}

/* "\n    <prefix><usage>\n" is in <block> */
static int listed(const char *block, const char *prefix, const char *usage)
{
	char line[512];

	snprintf(line, sizeof(line), "\n    %s%s\n", prefix, usage);
	return block && strstr(block, line) != NULL;
}

/* The reference is generated from the registries: every keyword under
 * each section it is accepted in, every "option" name, bind option and
 * server option, with its usage; and each block lists no more than its
 * registry holds. */
static void test_keywords_reference(void)
{
	char *dump = NULL, *opts, *binds, *srvs;
	size_t len = 0, nopt = 0, nbind = 0, nsrv = 0;
	FILE *f = open_memstream(&dump, &len);

	cfg_dump_keywords(f);
	fclose(f);
	opts = dump_block(dump, "options (after 'option', in: defaults, frontend, backend, listen)\n");
	binds = dump_block(dump, "bind options (after 'bind', in: frontend, listen)\n");
	srvs = dump_block(dump, "server options (after 'server', in: backend, listen)\n");
	CHECK(opts && binds && srvs);

	for (const struct cfg_kw_list *l = cfg_keyword_lists(); l; l = l->next)
		for (const struct cfg_kw *k = l->kws; k->kw; k++) {
			char *sec;

			if (!CHECK(k->usage && strncmp(k->usage, k->kw, strlen(k->kw)) == 0))
				printf("    keyword '%s': usage '%s'\n", k->kw, k->usage);
			sec = dump_block(dump, k->sections & CFG_SEC_GLOBAL ? "global\n" :
					 k->sections & CFG_SEC_FRONTEND ? "frontend\n" :
					 k->sections & CFG_SEC_BACKEND ? "backend\n" :
					 k->sections & CFG_SEC_DEFAULTS ? "defaults\n" :
					 k->sections & CFG_SEC_LISTEN ? "listen\n" : "http-errors\n");
			if (!CHECK(listed(sec, k->flags & CFG_KW_NEG ? "[no] " : "", k->usage)))
				printf("    keyword '%s' is not listed\n", k->kw);
			free(sec);
		}
	for (const struct cfg_opt_kw_list *l = cfg_option_lists(); l; l = l->next)
		for (const struct cfg_opt_kw *k = l->kws; k->name; k++, nopt++)
			if (!CHECK(listed(opts, "[no] ", k->usage)))
				printf("    option '%s' is not listed\n", k->name);
	for (const struct bind_kw_list *l = cfg_bind_kw_lists(); l; l = l->next)
		for (const struct bind_kw *k = l->kws; k->kw; k++, nbind++)
			if (!CHECK(listed(binds, "", k->usage)))
				printf("    bind option '%s' is not listed\n", k->kw);
	for (const struct srv_kw_list *l = cfg_srv_kw_lists(); l; l = l->next)
		for (const struct srv_kw *k = l->kws; k->kw; k++, nsrv++)
			if (!CHECK(listed(srvs, "", k->usage)))
				printf("    server option '%s' is not listed\n", k->kw);

	/* one line per registered entry, the title aside; a few known ones */
	for (char *p = opts; p && (p = strstr(p, "\n    ")); p++)
		nopt--;
	for (char *p = binds; p && (p = strstr(p, "\n    ")); p++)
		nbind--;
	for (char *p = srvs; p && (p = strstr(p, "\n    ")); p++)
		nsrv--;
	CHECK_INT(nopt, 0);
	CHECK_INT(nbind, 0);
	CHECK_INT(nsrv, 0);
	CHECK(listed(opts, "[no] ", "option redispatch"));
	CHECK(listed(binds, "", "accept-proxy"));
	CHECK(listed(srvs, "", "weight <0-256>"));
	free(opts);
	free(binds);
	free(srvs);
	free(dump);
}

int main(void)
{
	test_keywords_reference();
	test_global_defaults();
	test_global_values();
	test_global_errors();
	test_timeouts();
	test_sizes_and_ints();
	test_proxies_and_inheritance();
	test_listen();
	test_binds();
	test_servers();
	test_options();
	test_mode_maxconn_switching();
	test_sections();
	test_tokenizer();
	test_error_limit();
	test_files();
	test_haproxy_compat();
	test_degenerate_inputs();
	cfg_deinit();
	free(msgs);
	return UNIT_SUMMARY("test_cfg");
}
