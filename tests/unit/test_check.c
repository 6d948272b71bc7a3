/* test_check.c: unit tests of health checks: the configuration (server
 * options, option httpchk, http-check), the state machine (rise, fall,
 * intervals, slowstart steps) driven by a clock of the test's own, the
 * judgement of HTTP responses, and "show servers state". */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <string.h>

#include "cfg/cfg.h"
#include "lb/check.h"
#include "lb/lb.h"
#include "lb/server-t.h"
#include "net/addr.h"
#include "proxy/proxy-t.h"
#include "shm/counters-t.h"
#include "unit.h"

#define DEFAULTS "defaults\n timeout connect 5s\n timeout client 5s\n timeout server 5s\n"

static char *msgs;          /* configuration messages of the last parse */
static size_t msgs_len;
static char *events;        /* state change messages */
static size_t events_len;
static FILE *events_f;
static struct srv_counters *ctrs[16];
static int nb_ctrs;

static void events_reset(void)
{
	if (events_f)
		fclose(events_f);
	free(events);
	events = NULL;
	events_f = open_memstream(&events, &events_len);
	check_set_msg_stream(events_f);
}

static const char *events_text(void)
{
	fflush(events_f);
	return events ? events : "";
}

/* Load a configuration from scratch, as the process does (parse, checks,
 * LB state), with private counter rows for every checked server. */
static int load(const char *text)
{
	FILE *f;
	int ret;

	for (int i = 0; i < nb_ctrs; i++)
		free(ctrs[i]);
	nb_ctrs = 0;
	cfg_deinit();
	free(msgs);
	msgs = NULL;
	f = open_memstream(&msgs, &msgs_len);
	cfg_set_error_stream(f);
	ret = cfg_parse_buffer("t.cfg", text, strlen(text));
	if (ret == 0)
		ret = cfg_check();
	cfg_set_error_stream(NULL);
	fclose(f);
	if (ret == 0)
		ret = lb_init_all();
	for (unsigned i = 0; ret == 0 && i < check_nb && nb_ctrs < 16; i++) {
		ctrs[nb_ctrs] = calloc(1, sizeof(struct srv_counters));
		check_all[i]->srv->ctr = ctrs[nb_ctrs++];
	}
	events_reset();
	return ret;
}

static int has_msg(const char *s)
{
	return msgs && strstr(msgs, s) != NULL;
}

#define EXPECT_ERR(text, line) do { \
	CHECK(load(text) == -1); \
	if (!CHECK(has_msg(line))) \
		printf("    expected: %s\n    got:      %s", line, msgs ? msgs : "(nothing)\n"); \
} while (0)

#define EXPECT_WARN(text, line) do { \
	CHECK(load(text) == 0); \
	if (!CHECK(has_msg(line))) \
		printf("    expected: %s\n    got:      %s", line, msgs ? msgs : "(nothing)\n"); \
} while (0)

#define EXPECT_OK(text) do { \
	if (!CHECK(load(text) == 0)) \
		printf("    messages: %s", msgs ? msgs : "(nothing)\n"); \
} while (0)

static struct proxy *px_named(const char *name)
{
	for (struct proxy *px = proxies_list; px; px = px->next)
		if (strcmp(px->id, name) == 0)
			return px;
	return NULL;
}

static struct server *srv_named(const char *be, const char *name)
{
	struct proxy *px = px_named(be);

	for (struct server *s = px ? px->srv : NULL; s; s = s->next)
		if (strcmp(s->id, name) == 0)
			return s;
	return NULL;
}

static struct check *chk_named(const char *be, const char *name)
{
	struct server *srv = srv_named(be, name);

	return srv ? check_of(srv) : NULL;
}

static unsigned port_of(const struct sockaddr_storage *ss)
{
	if (ss->ss_family == AF_INET)
		return ntohs(((const struct sockaddr_in *)ss)->sin_port);
	if (ss->ss_family == AF_INET6)
		return ntohs(((const struct sockaddr_in6 *)ss)->sin6_port);
	return 0;
}

/* ------------------------------------------------------------ config */

static void test_server_options(void)
{
	struct check *c;
	struct server *s;

	EXPECT_OK(DEFAULTS "backend b\n"
		  " server s1 127.0.0.1:80 check\n"
		  " server s2 127.0.0.1:81 check inter 100ms fastinter 50 downinter 1s rise 5 fall 7 "
		  "port 8080 addr 10.0.0.9 slowstart 30s on-marked-down shutdown-sessions\n"
		  " server s3 127.0.0.1:82 backup\n"
		  " server s4 127.0.0.1:83 disabled weight 3\n"
		  " server s5 127.0.0.1:84 inter 3s\n"
		  " server s6 127.0.0.1:85 check addr ::1\n");
	c = chk_named("b", "s1");
	if (CHECK(c)) {
		CHECK(c->flags & CHK_F_ENABLED);
		CHECK(c->srv->flags & SRV_F_CHECKED);
		CHECK_INT(c->inter, 2000);
		CHECK_INT(c->fastinter, 2000);
		CHECK_INT(c->downinter, 2000);
		CHECK_INT(c->rise, 2);
		CHECK_INT(c->fall, 3);
		CHECK_INT(c->health, 2);              /* up, falls at the first failure */
		CHECK_INT(c->timeout, 2000);          /* min(timeout connect, inter) */
		CHECK_INT(port_of(&c->addr), 80);
		CHECK(c->hc == NULL);                 /* TCP check */
		CHECK_INT(c->status, CHK_S_INI);
	}
	c = chk_named("b", "s2");
	if (CHECK(c)) {
		CHECK_INT(c->inter, 100);
		CHECK_INT(c->fastinter, 50);
		CHECK_INT(c->downinter, 1000);
		CHECK_INT(c->rise, 5);
		CHECK_INT(c->fall, 7);
		CHECK_INT(c->slowstart, 30000);
		CHECK_INT(c->timeout, 100);
		CHECK(c->flags & CHK_F_SHUTDOWN);
		CHECK_INT(port_of(&c->addr), 8080);
		CHECK(c->addr.ss_family == AF_INET &&
		      ((struct sockaddr_in *)&c->addr)->sin_addr.s_addr == htonl(0x0a000009));
	}
	s = srv_named("b", "s3");
	CHECK(s && (s->flags & SRV_F_BACKUP) && !check_of(s));
	s = srv_named("b", "s4");
	CHECK(s && (s->flags & SRV_F_MAINT) && s->weight == 3 && s->state == SRV_ST_STOPPED);
	c = chk_named("b", "s5");                     /* options without "check" */
	CHECK(c && !(c->flags & CHK_F_ENABLED) && c->inter == 3000);
	CHECK(!(c->srv->flags & SRV_F_CHECKED));
	c = chk_named("b", "s6");
	CHECK(c && c->addr.ss_family == AF_INET6 && port_of(&c->addr) == 85);

	EXPECT_ERR("backend b\n server s1 1.1.1.1:80 check inter 0\n",
		   "[ALERT] t.cfg:2: 'server s1 inter': the interval must be at least 1 ms");
	EXPECT_ERR("backend b\n server s1 1.1.1.1:80 check inter\n",
		   "[ALERT] t.cfg:2: 'server s1': 'inter' needs 1 value (expected 'inter <time>')");
	EXPECT_ERR("backend b\n server s1 1.1.1.1:80 check inter 2x\n",
		   "[ALERT] t.cfg:2: 'server s1 inter': invalid time value '2x'");
	EXPECT_ERR("backend b\n server s1 1.1.1.1:80 rise 0\n",
		   "[ALERT] t.cfg:2: 'server s1 rise': value '0' out of range");
	EXPECT_ERR("backend b\n server s1 1.1.1.1:80 port 70000\n",
		   "[ALERT] t.cfg:2: 'server s1 port': value '70000' out of range");
	EXPECT_ERR("backend b\n server s1 1.1.1.1:80 on-marked-down mark-backup\n",
		   "[ALERT] t.cfg:2: 'server s1 on-marked-down': unsupported action 'mark-backup' "
		   "(supported: shutdown-sessions)");
	EXPECT_ERR("backend b\n server s1 1.1.1.1:80 addr 10.0.0.1:80\n",
		   "[ALERT] t.cfg:2: 'server s1 addr': invalid address '10.0.0.1:80'");
	EXPECT_ERR("backend b\n server s1 /tmp/x.sock check port 80\n",
		   "[ALERT] t.cfg:2: 'server s1': 'port' cannot apply to a UNIX socket address");
	EXPECT_ERR("backend b\n server s1 /tmp/x.sock check addr 127.0.0.1\n",
		   "[ALERT] t.cfg:2: 'server s1': 'addr' on a UNIX socket server needs a 'port' to check");
	EXPECT_OK(DEFAULTS "backend b\n server s1 /tmp/x.sock check addr 127.0.0.1 port 9\n");
	c = chk_named("b", "s1");
	CHECK(c && c->addr.ss_family == AF_INET && port_of(&c->addr) == 9);
}

static void test_httpchk_config(void)
{
	const struct check_px *hc;
	struct check *c;

	EXPECT_OK(DEFAULTS "backend b\n option httpchk\n server s1 1.1.1.1:80 check\n");
	c = chk_named("b", "s1");
	if (CHECK(c && c->hc)) {
		static const char req[] = "OPTIONS / HTTP/1.0\r\nConnection: close\r\n\r\n";

		CHECK_INT(c->hc->req_len, strlen(req));
		CHECK(memcmp(c->hc->req, req, strlen(req)) == 0);
	}

	EXPECT_OK(DEFAULTS "backend b\n option httpchk /health\n server s1 1.1.1.1:80 check\n");
	c = chk_named("b", "s1");
	CHECK(c && c->hc && strncmp(c->hc->req, "OPTIONS /health HTTP/1.0\r\n", 26) == 0);

	/* inherited from defaults, glued headers of old configurations */
	EXPECT_OK(DEFAULTS " option httpchk GET /ping HTTP/1.1\\r\\nHost:\\ www.example\n"
		  "backend b\n server s1 1.1.1.1:80 check\n"
		  "backend c\n no option httpchk\n server s1 1.1.1.1:80 check\n");
	c = chk_named("b", "s1");
	if (CHECK(c && c->hc)) {
		static const char req[] = "GET /ping HTTP/1.1\r\nHost: www.example\r\nConnection: close\r\n\r\n";

		CHECK_INT(c->hc->req_len, strlen(req));
		CHECK(memcmp(c->hc->req, req, strlen(req)) == 0);
	}
	c = chk_named("c", "s1");
	CHECK(c && c->hc == NULL);

	/* a later "option httpchk" line replaces the glued headers too */
	EXPECT_OK(DEFAULTS " option httpchk GET / HTTP/1.1\\r\\nHost:\\ a\\r\\nX-Y:\\ 1\n"
		  "backend b\n option httpchk HEAD / HTTP/1.1\\r\\nHost:\\ b\n"
		  " http-check send hdr X-Z 2\n server s1 1.1.1.1:80 check\n");
	c = chk_named("b", "s1");
	if (CHECK(c && c->hc)) {
		static const char req[] = "HEAD / HTTP/1.1\r\nHost: b\r\nX-Z: 2\r\nConnection: close\r\n\r\n";

		if (!CHECK(c->hc->req_len == strlen(req) && memcmp(c->hc->req, req, strlen(req)) == 0))
			printf("    got: %.*s\n", (int)c->hc->req_len, c->hc->req);
	}

	EXPECT_OK(DEFAULTS "backend b\n option httpchk HEAD /\n"
		  " http-check send meth GET uri /x ver HTTP/1.1 hdr Host h.example hdr X-A 1 body hi\n"
		  " server s1 1.1.1.1:80 check\n");
	c = chk_named("b", "s1");
	if (CHECK(c && c->hc)) {
		static const char req[] = "GET /x HTTP/1.1\r\nHost: h.example\r\nX-A: 1\r\n"
					  "Content-Length: 2\r\nConnection: close\r\n\r\nhi";

		CHECK_INT(c->hc->req_len, strlen(req));
		CHECK(memcmp(c->hc->req, req, strlen(req)) == 0);
	}

	/* rules: defaults' used unless the backend has its own */
	EXPECT_OK(DEFAULTS " option httpchk\n http-check expect status 200\n"
		  " http-check expect ! string down\n"
		  "backend b\n server s1 1.1.1.1:80 check\n"
		  "backend c\n http-check expect rstatus ^3\n server s1 1.1.1.1:80 check\n");
	hc = check_px_of(px_named("b"));
	if (CHECK(hc && hc->nb_exp == 2)) {
		CHECK(hc->exp[0].kind == CHK_EXP_STATUS && !hc->exp[0].neg);
		CHECK(hc->exp[1].kind == CHK_EXP_STRING && hc->exp[1].neg &&
		      strcmp(hc->exp[1].text, "down") == 0);
	}
	hc = check_px_of(px_named("c"));
	CHECK(hc && hc->nb_exp == 1 && hc->exp[0].kind == CHK_EXP_RSTATUS && hc->httpchk);

	EXPECT_OK(DEFAULTS "backend b\n option allbackups\n server s1 1.1.1.1:80\n");
	CHECK(px_named("b")->options & PX_O_ALLBACKUPS);
	EXPECT_OK(DEFAULTS " option allbackups\nbackend b\n no option allbackups\n server s1 1.1.1.1:80\n");
	CHECK(!(px_named("b")->options & PX_O_ALLBACKUPS));

	EXPECT_WARN(DEFAULTS "frontend f\n bind :1\n option httpchk\n default_backend b\n"
		    "backend b\n server s1 1.1.1.1:80\n",
		    "[WARNING] t.cfg:7: 'option httpchk' ignored in frontend 'f': it only applies to backends");
	EXPECT_WARN(DEFAULTS "backend b\n http-check expect status 200\n server s1 1.1.1.1:80 check\n",
		    "'http-check' rules of backend 'b' are ignored without 'option httpchk'");
	EXPECT_ERR("backend b\n option httpchk GET / HTTP/2\n",
		   "[ALERT] t.cfg:2: 'option httpchk': invalid version 'HTTP/2' (expected HTTP/1.0 or HTTP/1.1)");
	EXPECT_ERR("backend b\n option httpchk GET / HTTP/1.0 x\n",
		   "[ALERT] t.cfg:2: 'option httpchk': too many arguments");
	EXPECT_ERR("backend b\n option httpchk G(T /\n",
		   "[ALERT] t.cfg:2: 'option httpchk': invalid method 'G(T'");
	/* a check sends what sluice forwards: no fragment in the target */
	EXPECT_ERR("backend b\n option httpchk GET \"/a#b\"\n",
		   "[ALERT] t.cfg:2: 'option httpchk': invalid URI '/a#b'");
	EXPECT_ERR("backend b\n option allbackups now\n",
		   "[ALERT] t.cfg:2: 'option allbackups' takes no argument");
	EXPECT_ERR("backend b\n http-check expect status abc\n",
		   "[ALERT] t.cfg:2: 'http-check expect status': invalid status list 'abc'");
	EXPECT_ERR("backend b\n http-check expect status 200-\n", "invalid status list '200-'");
	EXPECT_ERR("backend b\n http-check expect status 300-200\n", "invalid status list '300-200'");
	EXPECT_ERR("backend b\n http-check expect rstatus (\n",
		   "[ALERT] t.cfg:2: 'http-check expect rstatus': invalid regex '('");
	EXPECT_ERR("backend b\n http-check expect hdr name x\n",
		   "[ALERT] t.cfg:2: 'http-check expect': 'hdr' is not supported");
	EXPECT_ERR("backend b\n http-check expect string\n",
		   "[ALERT] t.cfg:2: 'http-check expect string': missing pattern");
	EXPECT_ERR("backend b\n http-check expect !\n", "'http-check expect': missing argument");
	EXPECT_ERR("backend b\n http-check disable-on-404\n",
		   "[ALERT] t.cfg:2: 'http-check disable-on-404' is not supported (supported: expect, send)");
	EXPECT_ERR("backend b\n http-check send uri-lf /%[x]\n",
		   "'http-check send': 'uri-lf' (log-format) is not supported");
	EXPECT_ERR("backend b\n http-check send hdr Host\n",
		   "'http-check send': 'hdr' needs a name and a value");
	EXPECT_ERR("backend b\n http-check send meth GET\n http-check send uri /\n",
		   "[ALERT] t.cfg:3: 'http-check send': only one per section is supported");
	EXPECT_WARN(DEFAULTS "frontend f\n bind :1\n http-check expect status 200\n default_backend b\n"
		    "backend b\n server s1 1.1.1.1:80\n", "'http-check' ignored in 'frontend' section");
}

/* ------------------------------------------------------- state machine */

static void test_rise_fall(void)
{
	struct check *c;
	struct server *s;
	uint64_t now = 1000;

	EXPECT_OK(DEFAULTS "backend b\n"
		  " server s1 127.0.0.1:80 check inter 100 fastinter 50 downinter 300 rise 2 fall 3 "
		  "on-marked-down shutdown-sessions\n"
		  " server s2 127.0.0.1:81 check\n");
	c = chk_named("b", "s1");
	s = srv_named("b", "s1");
	if (!CHECK(c && s))
		return;
	CHECK_INT(s->state, SRV_ST_RUNNING);
	CHECK_INT(check_interval(c), 50);            /* health 2 of 4: transitional */
	check_report(c, CHK_S_L4OK, 0, NULL, now);
	CHECK_INT(c->health, 3);
	check_report(c, CHK_S_L4OK, 0, NULL, now);
	CHECK_INT(c->health, 4);
	check_report(c, CHK_S_L4OK, 0, NULL, now);
	CHECK_INT(c->health, 4);
	CHECK_INT(check_interval(c), 100);
	CHECK_INT(s->ctr->checks_ok, 3);

	/* fall 3: two failures leave it up, the third takes it down */
	check_report(c, CHK_S_L4CON, 0, "Connection refused", now);
	check_report(c, CHK_S_L4TOUT, 0, NULL, now);
	CHECK_INT(s->state, SRV_ST_RUNNING);
	CHECK_INT(c->health, 2);
	CHECK_INT(check_interval(c), 50);
	CHECK_INT(check_srv_down_gen(s), 0);
	unsigned epoch = check_shutdown_epoch();
	c->duration = 1;
	check_report(c, CHK_S_L4CON, 0, "Connection refused", now);
	CHECK_INT(s->state, SRV_ST_STOPPED);
	CHECK_INT(c->health, 0);
	CHECK_INT(check_interval(c), 300);
	CHECK_INT(s->ctr->checks_failed, 3);
	CHECK_INT(s->ctr->downs, 1);
	CHECK_INT(check_srv_down_gen(s), 1);
	CHECK_INT(check_shutdown_epoch(), epoch + 1);
	CHECK_INT(c->status, CHK_S_L4CON);
	if (!CHECK(strstr(events_text(), "[WARNING] Server b/s1 is DOWN, reason: Layer4 connection "
				      "problem, info: \"Connection refused\", check duration: 1ms. "
				      "1 active and 0 backup servers left. 0 sessions active.\n")))
		printf("    got: %s", events_text());
	CHECK(!strstr(events_text(), "has no server available"));

	/* rise 2, with a failure in between */
	check_report(c, CHK_S_L4OK, 0, NULL, now);
	CHECK_INT(c->health, 1);
	CHECK_INT(check_interval(c), 50);
	check_report(c, CHK_S_L4CON, 0, NULL, now);
	CHECK_INT(c->health, 0);
	check_report(c, CHK_S_L4OK, 0, NULL, now);
	CHECK_INT(s->state, SRV_ST_STOPPED);
	check_report(c, CHK_S_L7OK, 200, "OK", now);
	CHECK_INT(s->state, SRV_ST_RUNNING);
	CHECK_INT(c->health, 4);
	CHECK_INT(s->eweight, s->weight);
	CHECK_INT(s->ctr->ups, 1);
	if (!CHECK(strstr(events_text(), "[WARNING] Server b/s1 is UP, reason: Layer7 check passed, "
				      "code: 200, info: \"OK\"")))
		printf("    got: %s", events_text());

	/* health is a counter, not a run: F F S F F takes it down from full */
	check_report(c, CHK_S_L4CON, 0, NULL, now);
	check_report(c, CHK_S_L4CON, 0, NULL, now);
	check_report(c, CHK_S_L4OK, 0, NULL, now);
	check_report(c, CHK_S_L4CON, 0, NULL, now);
	CHECK_INT(s->state, SRV_ST_RUNNING);
	check_report(c, CHK_S_L4CON, 0, NULL, now);
	CHECK_INT(s->state, SRV_ST_STOPPED);

	/* the last server going: the backend has none left */
	events_reset();
	c = chk_named("b", "s2");
	check_report(c, CHK_S_L7STS, 503, "Service Unavailable", now);
	CHECK_INT(srv_named("b", "s2")->state, SRV_ST_STOPPED);      /* first failure at start */
	CHECK_INT(check_srv_down_gen(srv_named("b", "s2")), 0);     /* no shutdown-sessions */
	if (!CHECK(strstr(events_text(), "reason: Layer7 wrong status, code: 503, info: "
				      "\"Service Unavailable\"") &&
		   strstr(events_text(), "0 active and 0 backup servers left.") &&
		   strstr(events_text(), "[ALERT] backend 'b' has no server available!\n")))
		printf("    got: %s", events_text());

	/* backups are named so */
	EXPECT_OK(DEFAULTS "backend b\n server s1 127.0.0.1:80 check\n"
		  " server s2 127.0.0.1:81 check backup\n");
	c = chk_named("b", "s2");
	check_report(c, CHK_S_L4CON, 0, NULL, now);
	CHECK(strstr(events_text(), "[WARNING] Backup Server b/s2 is DOWN") != NULL);
	CHECK(strstr(events_text(), "1 active and 0 backup servers left") != NULL);
	CHECK_INT(check_srv_down_gen(srv_named("b", "s1")), 0);
	CHECK(check_of(srv_named("b", "s1")) != NULL);
}

static void test_slowstart(void)
{
	struct check *c;
	struct server *s;
	uint64_t t0 = 50000;

	EXPECT_OK(DEFAULTS "backend b\n server s1 127.0.0.1:80 check weight 100 slowstart 2s rise 1 fall 1\n"
		  " server s2 127.0.0.1:81 check weight 1 slowstart 1s rise 1 fall 1\n");
	c = chk_named("b", "s1");
	s = srv_named("b", "s1");
	if (!CHECK(c && s))
		return;
	/* no ramp at start */
	check_report(c, CHK_S_L4OK, 0, NULL, t0);
	CHECK_INT(s->state, SRV_ST_RUNNING);
	CHECK_INT(s->eweight, 100);
	CHECK_INT(check_ramp(c, t0), 0);

	check_report(c, CHK_S_L4CON, 0, NULL, t0);
	CHECK_INT(s->state, SRV_ST_STOPPED);
	check_report(c, CHK_S_L4OK, 0, NULL, t0);
	CHECK_INT(s->state, SRV_ST_STARTING);
	CHECK_INT(s->eweight, 5);                     /* 1/20 */
	CHECK_INT(c->ramp_next, t0 + 100);
	CHECK_INT(check_ramp(c, t0 + 99), t0 + 100);
	CHECK_INT(s->eweight, 5);
	CHECK_INT(check_ramp(c, t0 + 100), t0 + 200);
	CHECK_INT(s->eweight, 10);
	CHECK_INT(check_ramp(c, t0 + 1050), t0 + 1100);
	CHECK_INT(s->eweight, 55);
	CHECK_INT(s->state, SRV_ST_STARTING);
	CHECK_INT(check_ramp(c, t0 + 1999), t0 + 2000);
	CHECK_INT(s->eweight, 100);
	CHECK_INT(s->state, SRV_ST_STARTING);
	CHECK_INT(check_ramp(c, t0 + 2000), 0);
	CHECK_INT(s->state, SRV_ST_RUNNING);
	CHECK_INT(s->eweight, 100);
	CHECK_INT(c->ramp_start, 0);

	/* down during the ramp: the ramp stops, and restarts at the next up */
	check_report(c, CHK_S_L4CON, 0, NULL, t0 + 3000);
	check_report(c, CHK_S_L4OK, 0, NULL, t0 + 3000);
	CHECK_INT(check_ramp(c, t0 + 3500), t0 + 3600);
	CHECK_INT(s->eweight, 30);
	check_report(c, CHK_S_L4CON, 0, NULL, t0 + 3600);
	CHECK_INT(s->state, SRV_ST_STOPPED);
	CHECK_INT(c->ramp_start, 0);
	CHECK_INT(check_ramp(c, t0 + 3700), 0);
	check_report(c, CHK_S_L4OK, 0, NULL, t0 + 4000);
	CHECK_INT(s->eweight, 5);
	CHECK_INT(c->ramp_start, t0 + 4000);

	/* weight 1: never below 1 */
	c = chk_named("b", "s2");
	s = srv_named("b", "s2");
	check_report(c, CHK_S_L4CON, 0, NULL, t0);
	check_report(c, CHK_S_L4OK, 0, NULL, t0);
	CHECK_INT(s->state, SRV_ST_STARTING);
	CHECK_INT(s->eweight, 1);
	CHECK_INT(check_ramp(c, t0 + 500), t0 + 550);
	CHECK_INT(s->eweight, 1);
	CHECK_INT(check_ramp(c, t0 + 1000), 0);
	CHECK_INT(s->state, SRV_ST_RUNNING);
}

/* ------------------------------------------------------- HTTP verdict */

static char scratch[CHK_BUFSIZE];

struct verdict {
	int decided;
	enum chk_status st;
	int code;
	char info[CHK_INFO_LEN];
};

static struct verdict judge(const struct check_px *hc, const char *rsp, int more)
{
	struct verdict v;

	memset(&v, 0, sizeof(v));
	v.decided = check_http_verdict(hc, rsp, strlen(rsp), more, scratch, &v.st, &v.code,
				       v.info, sizeof(v.info));
	return v;
}

/* The HTTP settings of backend b after loading "option httpchk" + rules. */
static const struct check_px *rules(const char *lines)
{
	char text[1024];

	snprintf(text, sizeof(text), DEFAULTS "backend b\n option httpchk\n%s server s 1.1.1.1:1 check\n",
		 lines);
	if (load(text) != 0) {
		printf("    rules '%s' did not load: %s", lines, msgs);
		return NULL;
	}
	return check_px_of(px_named("b"));
}

#define OK200 "HTTP/1.1 200 OK\r\nContent-Length: 12\r\n\r\nall is well\n"

static void test_verdict(void)
{
	const struct check_px *hc;
	struct verdict v;

	/* default: 2xx and 3xx pass */
	v = judge(NULL, OK200, 1);
	CHECK(v.decided && v.st == CHK_S_L7OK && v.code == 200 && strcmp(v.info, "OK") == 0);
	v = judge(NULL, "HTTP/1.0 302 Found\r\n\r\n", 1);
	CHECK(v.decided && v.st == CHK_S_L7OK && v.code == 302);
	v = judge(NULL, "HTTP/1.1 503 Service Unavailable\r\n\r\n", 1);
	CHECK(v.decided && v.st == CHK_S_L7STS && v.code == 503 &&
	      strcmp(v.info, "Service Unavailable") == 0);
	v = judge(NULL, "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 404 Not Found\r\n\r\n", 1);
	CHECK(v.decided && v.st == CHK_S_L7STS && v.code == 404);
	v = judge(NULL, "HTTP/1.1 200 OK\r\nContent-Len", 1);
	CHECK(!v.decided);
	v = judge(NULL, "HTTP/1.1 200 OK\r\nContent-Len", 0);
	CHECK(v.decided && v.st == CHK_S_L7RSP && strcmp(v.info, "incomplete response head") == 0);
	v = judge(NULL, "", 0);
	CHECK(v.decided && v.st == CHK_S_L7RSP && strcmp(v.info, "empty response") == 0);
	v = judge(NULL, "SSH-2.0-OpenSSH_9.2\r\n", 1);
	CHECK(v.decided && v.st == CHK_S_L7RSP && strncmp(v.info, "invalid response", 16) == 0);

	hc = rules(" http-check expect status 200,300-399\n");
	if (CHECK(hc)) {
		CHECK(judge(hc, OK200, 1).st == CHK_S_L7OK);
		CHECK(judge(hc, "HTTP/1.1 304 Not Modified\r\n\r\n", 1).st == CHK_S_L7OK);
		v = judge(hc, "HTTP/1.1 204 No Content\r\n\r\n", 1);
		CHECK(v.decided && v.st == CHK_S_L7STS && v.code == 204);
		CHECK(strcmp(v.info, "status 204 does not match status '200,300-399'") == 0);
	}
	hc = rules(" http-check expect ! status 500-599\n");
	if (CHECK(hc)) {
		CHECK(judge(hc, "HTTP/1.1 404 Not Found\r\n\r\n", 1).st == CHK_S_L7OK);
		CHECK(judge(hc, "HTTP/1.1 503 Nope\r\n\r\n", 1).st == CHK_S_L7STS);
	}
	hc = rules(" http-check expect rstatus ^(2|4)0[04]$\n");
	if (CHECK(hc)) {
		CHECK(judge(hc, OK200, 1).st == CHK_S_L7OK);
		CHECK(judge(hc, "HTTP/1.1 404 Not Found\r\n\r\n", 1).st == CHK_S_L7OK);
		CHECK(judge(hc, "HTTP/1.1 201 Created\r\n\r\n", 1).st == CHK_S_L7STS);
	}

	hc = rules(" http-check expect string well\n");
	if (CHECK(hc)) {
		CHECK(judge(hc, OK200, 1).st == CHK_S_L7OK);
		/* the body is awaited, up to its length */
		CHECK(!judge(hc, "HTTP/1.1 200 OK\r\nContent-Length: 12\r\n\r\nall is", 1).decided);
		v = judge(hc, "HTTP/1.1 200 OK\r\nContent-Length: 12\r\n\r\nall is", 0);
		CHECK(v.decided && v.st == CHK_S_L7RSP &&
		      strcmp(v.info, "body does not match string 'well'") == 0);
		/* beyond Content-Length does not count */
		CHECK(judge(hc, "HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nallwell", 1).st == CHK_S_L7RSP);
		/* a chunked body is de-chunked: the string may span chunks */
		v = judge(hc, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n"
			  "2\r\nwe\r\n3;x=y\r\nll!\r\n0\r\n\r\n", 1);
		CHECK(v.decided && v.st == CHK_S_L7OK);
		CHECK(!judge(hc, "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nwe\r\n", 1).decided);
		/* until close */
		CHECK(!judge(hc, "HTTP/1.0 200 OK\r\n\r\nwell", 1).decided);
		CHECK(judge(hc, "HTTP/1.0 200 OK\r\n\r\nwell", 0).st == CHK_S_L7OK);
		/* the status does not matter to a string rule */
		CHECK(judge(hc, "HTTP/1.1 500 Oops\r\nContent-Length: 4\r\n\r\nwell", 1).st == CHK_S_L7OK);
	}
	hc = rules(" http-check expect status 200\n http-check expect ! string maintenance\n");
	if (CHECK(hc)) {
		CHECK(judge(hc, OK200, 1).st == CHK_S_L7OK);
		v = judge(hc, "HTTP/1.1 200 OK\r\nContent-Length: 11\r\n\r\nmaintenance", 1);
		CHECK(v.st == CHK_S_L7RSP && strcmp(v.info, "body matches string 'maintenance'") == 0);
		CHECK(judge(hc, "HTTP/1.1 503 X\r\nContent-Length: 2\r\n\r\nok", 1).st == CHK_S_L7STS);
	}
	hc = rules(" http-check expect rstring ^all.*well$\n");
	if (CHECK(hc)) {
		CHECK(judge(hc, "HTTP/1.1 200 OK\r\nContent-Length: 11\r\n\r\nall is well", 1).st == CHK_S_L7OK);
		CHECK(judge(hc, "HTTP/1.1 200 OK\r\nContent-Length: 11\r\n\r\nall is weld", 1).st == CHK_S_L7RSP);
	}
	/* HEAD: no body to look at */
	if (load(DEFAULTS "backend b\n option httpchk HEAD /\n http-check expect string x\n"
		 " server s 1.1.1.1:1 check\n") == 0) {
		hc = check_px_of(px_named("b"));
		v = judge(hc, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n", 1);
		CHECK(v.decided && v.st == CHK_S_L7RSP);
	}
}

static void test_show_servers(void)
{
	char *out = NULL;
	size_t len = 0;
	FILE *f;

	EXPECT_OK(DEFAULTS "backend b\n server s1 127.0.0.1:80 check rise 1 fall 2 weight 7\n"
		  " server s2 127.0.0.1:81\n server s3 127.0.0.1:82 check disabled\n"
		  "frontend f\n bind :1\n default_backend b\n");
	check_report(chk_named("b", "s1"), CHK_S_L4CON, 0, NULL, 1);
	f = open_memstream(&out, &len);
	check_show_servers(f);
	fclose(f);
	if (!CHECK(out && strcmp(out, "# backend/server state eweight check_status health\n"
				"b/s1 DOWN 7 L4CON 0/2\n"
				"b/s2 UP 1 - -\n"
				"b/s3 MAINT 1 - -\n\n") == 0))
		printf("    got: %s", out ? out : "(null)");
	free(out);
	CHECK_INT(strcmp(check_status_name(CHK_S_L7STS), "L7STS"), 0);
	CHECK_INT(strcmp(check_status_desc(CHK_S_L4TOUT), "Layer4 timeout"), 0);
}

int main(void)
{
	addr_set_resolve(0);
	test_server_options();
	test_httpchk_config();
	test_rise_fall();
	test_slowstart();
	test_verdict();
	test_show_servers();
	load("");
	cfg_deinit();
	check_set_msg_stream(NULL);
	fclose(events_f);
	free(events);
	free(msgs);
	return UNIT_SUMMARY("test_check");
}
