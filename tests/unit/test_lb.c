/* test_lb.c: unit tests of the load-balancing algorithms: distribution
 * against weights, smoothness, stickiness of the hashing algorithms,
 * consistent hashing key movement, backups, state changes, concurrent picks
 * during state changes. With --bench: nanoseconds per pick for 10, 100 and
 * 1,000 servers per algorithm (bench/lb_pick.sh). */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cfg/cfg.h"
#include "core/thread-t.h"
#include "http/msg-t.h"
#include "lb/lb.h"
#include "lb/server-t.h"
#include "proxy/proxy-t.h"
#include "unit.h"

#define MAXS 1100

/* ------------------------------------------------------------- helpers */

static FILE *devnull;

/* Load a config holding backend "b" and build the LB state. */
static struct proxy *load(const char *text)
{
	struct proxy *px;

	cfg_deinit();
	cfg_set_error_stream(devnull);
	if (cfg_parse_buffer("t.cfg", text, strlen(text)) < 0 || cfg_check() < 0) {
		cfg_set_error_stream(NULL);
		printf("config rejected:\n%s", text);
		return NULL;
	}
	cfg_set_error_stream(NULL);
	if (lb_init_all() < 0)
		return NULL;
	for (px = proxies_list; px; px = px->next)
		if ((px->cap & PX_CAP_BE) && strcmp(px->id, "b") == 0)
			return px;
	return NULL;
}

/* "backend b" with <n> servers of weights w[i] (NULL: 1), each followed by
 * opts(i) (may be NULL), and extra lines. */
static struct proxy *backend(const char *algo, const char *hash, unsigned n, const unsigned *w,
			     const char *(*opts)(unsigned i), const char *extra)
{
	size_t cap = 256 + n * 96 + (extra ? strlen(extra) : 0);
	char *t = malloc(cap);
	size_t o = 0;
	struct proxy *px;

	o += snprintf(t + o, cap - o, "backend b\n mode http\n balance %s\n", algo);
	if (hash)
		o += snprintf(t + o, cap - o, " hash-type %s\n", hash);
	if (extra)
		o += snprintf(t + o, cap - o, "%s", extra);
	for (unsigned i = 0; i < n; i++)
		o += snprintf(t + o, cap - o, " server s%u 127.0.0.1:%u weight %u %s\n", i + 1,
			      10000 + i, w ? w[i] : 1, opts ? opts(i) : "");
	px = load(t);
	free(t);
	return px;
}

static struct server *srv_nth(struct proxy *px, unsigned puid)
{
	return px->lbs->srv[puid - 1];
}

static void set_state(struct server *s, unsigned state)
{
	__atomic_store_n(&s->state, state, __ATOMIC_RELEASE);
	lb_srv_changed(s);
}

static void set_eweight(struct server *s, unsigned w)
{
	__atomic_store_n(&s->eweight, w, __ATOMIC_RELEASE);
	lb_srv_changed(s);
}

static void set_load(struct server *s, unsigned cur)
{
	__atomic_store_n(&s->cur_sess, cur, __ATOMIC_RELEASE);
	lb_srv_load(s);
}

/* Requests: a URI, a header, a source address. */
static struct http_hdr hdrs[4];
static struct http_msg msg;
static struct lb_req req;
static struct sockaddr_storage src;
static char ubuf[256], vbuf[256];

static const struct lb_req *req_none(void)
{
	req.msg = NULL;
	req.src = NULL;
	return &req;
}

static const struct lb_req *req_uri(const char *uri)
{
	snprintf(ubuf, sizeof(ubuf), "%s", uri);
	memset(&msg, 0, sizeof(msg));
	msg.uri = (struct ist){ ubuf, strlen(ubuf) };
	msg.hdrs = hdrs;
	msg.max_hdrs = 4;
	req.msg = &msg;
	req.src = NULL;
	return &req;
}

static const struct lb_req *req_hdr(const char *name, const char *val)
{
	req_uri("/");
	snprintf(vbuf, sizeof(vbuf), "%s", val);
	hdrs[0].n = (struct ist){ "Accept", 6 };
	hdrs[0].v = (struct ist){ "*/*", 3 };
	hdrs[1].n = (struct ist){ name, strlen(name) };
	hdrs[1].v = (struct ist){ vbuf, strlen(vbuf) };
	msg.nb_hdrs = 2;
	return &req;
}

static const struct lb_req *req_src4(uint32_t ip)
{
	struct sockaddr_in *sin = (struct sockaddr_in *)&src;

	memset(&src, 0, sizeof(src));
	sin->sin_family = AF_INET;
	sin->sin_addr.s_addr = htonl(ip);
	req.msg = NULL;
	req.src = &src;
	return &req;
}

static const struct lb_req *req_src6(const char *txt)
{
	struct sockaddr_in6 *sin6 = (struct sockaddr_in6 *)&src;

	memset(&src, 0, sizeof(src));
	sin6->sin6_family = AF_INET6;
	inet_pton(AF_INET6, txt, &sin6->sin6_addr);
	req.msg = NULL;
	req.src = &src;
	return &req;
}

static unsigned pick_id(struct proxy *px, const struct lb_req *r)
{
	struct server *s = lb_pick(px, r);

	return s ? (unsigned)s->puid : 0;
}

/* Count n keyless picks per puid into cnt[0..]. */
static void count_picks(struct proxy *px, unsigned n, unsigned *cnt, unsigned nb)
{
	memset(cnt, 0, (nb + 1) * sizeof(*cnt));
	for (unsigned i = 0; i < n; i++)
		cnt[pick_id(px, req_none())]++;
}

/* |got - want| <= tol * want */
static int near(double got, double want, double tol)
{
	return got >= want * (1 - tol) && got <= want * (1 + tol);
}

#define CHECK_NEAR(got, want, tol) do { \
	double g_ = (got), w_ = (want); \
	if (!CHECK(near(g_, w_, tol))) \
		printf("    got %.1f, expected %.1f +- %.0f%%\n", g_, w_, (tol) * 100); \
} while (0)

static const unsigned w1234[] = { 1, 2, 3, 4 };

/* -------------------------------------------------------- round robin */

static void test_rr(void)
{
	unsigned cnt[16], seq[1000], run = 0, longest = 0;
	static const unsigned w311[] = { 3, 1, 1 }, w31[] = { 3, 1 };
	struct proxy *px = backend("roundrobin", NULL, 4, w1234, NULL, NULL);

	/* exact proportions over whole cycles */
	count_picks(px, 10000, cnt, 4);
	for (unsigned i = 1; i <= 4; i++)
		CHECK_INT(cnt[i], 1000 * i);
	CHECK_INT(cnt[0], 0);
	/* every window of one cycle (10 picks) gives each server its weight +-1 */
	for (unsigned i = 0; i < 1000; i++)
		seq[i] = pick_id(px, req_none());
	for (unsigned i = 0; i + 10 <= 1000; i++) {
		unsigned c[5] = { 0 };
		int ok = 1;

		for (unsigned j = i; j < i + 10; j++)
			c[seq[j]]++;
		for (unsigned s = 1; s <= 4; s++)
			ok &= c[s] + 1 >= s && c[s] <= s + 1;
		if (!CHECK(ok))
			break;
	}

	/* smooth: 3,1,1 never gives the weight-3 server 3 turns in a row */
	px = backend("roundrobin", NULL, 3, w311, NULL, NULL);
	for (unsigned i = 0; i < 1000; i++) {
		run = pick_id(px, req_none()) == 1 ? run + 1 : 0;
		longest = run > longest ? run : longest;
	}
	CHECK(longest <= 2);
	/* 3,1: at most 3 in a row (unavoidable), never 4 */
	px = backend("roundrobin", NULL, 2, w31, NULL, NULL);
	run = longest = 0;
	for (unsigned i = 0; i < 1000; i++) {
		run = pick_id(px, req_none()) == 1 ? run + 1 : 0;
		longest = run > longest ? run : longest;
	}
	CHECK(longest <= 3);

	/* equal weights: strict rotation */
	px = backend("roundrobin", NULL, 4, NULL, NULL, NULL);
	for (unsigned i = 0; i < 400; i++)
		seq[i] = pick_id(px, req_none());
	for (unsigned i = 4; i < 400; i++)
		if (!CHECK_INT(seq[i], seq[i - 4]))
			break;

	/* dynamic: eweight changes take effect (slowstart) */
	px = backend("roundrobin", NULL, 2, NULL, NULL, NULL);
	set_eweight(srv_nth(px, 1), 3);
	count_picks(px, 4000, cnt, 2);
	CHECK_NEAR(cnt[1], 3000, 0.01);
	CHECK_NEAR(cnt[2], 1000, 0.01);
	set_state(srv_nth(px, 2), SRV_ST_STOPPED);
	count_picks(px, 100, cnt, 2);
	CHECK_INT(cnt[1], 100);
	set_state(srv_nth(px, 2), SRV_ST_STARTING);
	set_state(srv_nth(px, 1), SRV_ST_STOPPING);
	count_picks(px, 100, cnt, 2);
	CHECK_INT(cnt[2], 100);
	set_state(srv_nth(px, 2), SRV_ST_STOPPED);
	CHECK_INT(pick_id(px, req_none()), 0);
}

/* ---------------------------------------------------------- static-rr */

static void test_static_rr(void)
{
	unsigned cnt[16], seq[100];
	static const unsigned w311[] = { 3, 1, 1 };
	struct proxy *px = backend("static-rr", NULL, 4, w1234, NULL, NULL);

	count_picks(px, 10000, cnt, 4);
	for (unsigned i = 1; i <= 4; i++)
		CHECK_INT(cnt[i], 1000 * i);
	/* static: a weight change while up is ignored */
	set_eweight(srv_nth(px, 4), 1);
	count_picks(px, 10000, cnt, 4);
	CHECK_INT(cnt[4], 4000);
	/* but a server going is taken out, and back in when it returns */
	set_state(srv_nth(px, 4), SRV_ST_STOPPED);
	count_picks(px, 6000, cnt, 4);
	CHECK_INT(cnt[4], 0);
	CHECK_INT(cnt[3], 3000);
	set_state(srv_nth(px, 4), SRV_ST_RUNNING);
	count_picks(px, 10000, cnt, 4);
	CHECK_INT(cnt[4], 4000);
	/* smooth like roundrobin */
	px = backend("static-rr", NULL, 3, w311, NULL, NULL);
	for (unsigned i = 0; i < 100; i++)
		seq[i] = pick_id(px, req_none());
	for (unsigned i = 2; i < 100; i++)
		if (!CHECK(!(seq[i] == 1 && seq[i - 1] == 1 && seq[i - 2] == 1)))
			break;
}

/* ---------------------------------------------------------- leastconn */

static void test_leastconn(void)
{
	unsigned cnt[16] = { 0 };
	static const unsigned w13[] = { 1, 3 };
	struct proxy *px = backend("leastconn", NULL, 4, NULL, NULL, NULL);

	/* the least loaded, loads reported with lb_srv_load() */
	set_load(srv_nth(px, 1), 5);
	set_load(srv_nth(px, 2), 3);
	set_load(srv_nth(px, 4), 2);
	CHECK_INT(pick_id(px, req_none()), 3);
	set_load(srv_nth(px, 3), 4);
	CHECK_INT(pick_id(px, req_none()), 4);
	set_load(srv_nth(px, 1), 0);
	CHECK_INT(pick_id(px, req_none()), 1);
	/* a down server is never chosen, however idle */
	set_state(srv_nth(px, 1), SRV_ST_STOPPED);
	CHECK_INT(pick_id(px, req_none()), 4);
	set_state(srv_nth(px, 1), SRV_ST_RUNNING);
	CHECK_INT(pick_id(px, req_none()), 1);

	/* loads set by hand without lb_srv_load(): picks repair the keys */
	px = backend("leastconn", NULL, 4, NULL, NULL, NULL);
	srv_nth(px, 1)->cur_sess = 5;
	srv_nth(px, 2)->cur_sess = 3;
	srv_nth(px, 4)->cur_sess = 2;
	CHECK_INT(pick_id(px, req_none()), 3);

	/* idle servers are used in turn: sequential exchanges spread evenly */
	px = backend("leastconn", NULL, 4, NULL, NULL, NULL);
	for (unsigned i = 0; i < 400; i++) {
		struct server *s = lb_pick(px, req_none());

		cnt[s->puid]++;
		set_load(s, s->cur_sess + 1);
		set_load(s, s->cur_sess - 1);
	}
	for (unsigned i = 1; i <= 4; i++)
		CHECK_INT(cnt[i], 100);

	/* weights: with 8 exchanges in flight, weight 3 holds about 3x more */
	px = backend("leastconn", NULL, 2, w13, NULL, NULL);
	{
		struct server *fifo[8];
		unsigned h = 0;

		for (unsigned i = 0; i < 1000; i++) {
			struct server *s = lb_pick(px, req_none());

			if (i >= 8) {
				struct server *o = fifo[h % 8];

				set_load(o, o->cur_sess - 1);
			}
			set_load(s, s->cur_sess + 1);
			fifo[h++ % 8] = s;
		}
		CHECK_INT(srv_nth(px, 1)->cur_sess + srv_nth(px, 2)->cur_sess, 8);
		CHECK(srv_nth(px, 2)->cur_sess >= 5 && srv_nth(px, 2)->cur_sess <= 7);
	}
}

/* -------------------------------------------------------------- first */

static const char *opt_maxconn2(unsigned i)
{
	return "maxconn 2";
}

static void test_first(void)
{
	struct proxy *px = backend("first", NULL, 3, w1234, opt_maxconn2, NULL);

	CHECK_INT(pick_id(px, req_none()), 1);
	srv_nth(px, 1)->cur_sess = 1;
	CHECK_INT(pick_id(px, req_none()), 1);
	srv_nth(px, 1)->cur_sess = 2;
	CHECK_INT(pick_id(px, req_none()), 2);
	srv_nth(px, 2)->cur_sess = 2;
	CHECK_INT(pick_id(px, req_none()), 3);
	srv_nth(px, 3)->cur_sess = 2;
	CHECK_INT(pick_id(px, req_none()), 1);   /* all full: any, the caller queues */
	srv_nth(px, 1)->cur_sess = 0;
	set_state(srv_nth(px, 1), SRV_ST_STOPPED);
	srv_nth(px, 2)->cur_sess = 1;
	CHECK_INT(pick_id(px, req_none()), 2);
	set_state(srv_nth(px, 1), SRV_ST_RUNNING);
	CHECK_INT(pick_id(px, req_none()), 1);
	/* maxconn 0: unlimited, always the first */
	px = backend("first", NULL, 3, NULL, NULL, NULL);
	srv_nth(px, 1)->cur_sess = 1000;
	CHECK_INT(pick_id(px, req_none()), 1);
}

/* ----------------------------------------------------------- hashing */

/* Distribution of 20,000 source addresses against weights 1,2,3,4. */
static void check_source_weights(struct proxy *px, double tol)
{
	unsigned cnt[8] = { 0 };

	for (unsigned i = 0; i < 20000; i++)
		cnt[pick_id(px, req_src4(0x0a000000U + i * 7919U))]++;
	for (unsigned s = 1; s <= 4; s++)
		CHECK_NEAR(cnt[s], 2000.0 * s, tol);
}

static void test_source(void)
{
	unsigned a, cnt[8];
	struct proxy *px = backend("source", NULL, 4, w1234, NULL, NULL);

	a = pick_id(px, req_src4(0xc0a80001U));
	for (int i = 0; i < 10; i++)
		CHECK_INT(pick_id(px, req_src4(0xc0a80001U)), a);
	/* an IPv4 client on a dual-stack socket hashes as itself */
	CHECK_INT(pick_id(px, req_src6("::ffff:192.168.0.1")), a);
	a = pick_id(px, req_src6("2001:db8::1"));
	CHECK_INT(pick_id(px, req_src6("2001:db8::1")), a);
	check_source_weights(px, 0.1);
	/* no address (UNIX socket): round robin */
	count_picks(px, 1000, cnt, 4);
	for (unsigned s = 1; s <= 4; s++)
		CHECK_INT(cnt[s], 100 * s);
	px = backend("source", "consistent", 4, w1234, NULL, NULL);
	check_source_weights(px, 0.2);
	count_picks(px, 1000, cnt, 4);
	CHECK_INT(cnt[0], 0);
	CHECK(cnt[1] > 0 && cnt[2] > 0 && cnt[3] > 0 && cnt[4] > 0);
}

static void test_uri(void)
{
	struct proxy *px;
	unsigned a, diff = 0, cnt[10];

	px = backend("uri", NULL, 8, NULL, NULL, NULL);
	a = pick_id(px, req_uri("/img/a.png?v=1"));
	CHECK_INT(pick_id(px, req_uri("/img/a.png?v=2")), a);
	CHECK_INT(pick_id(px, req_uri("/img/a.png")), a);
	for (int i = 0; i < 20; i++) {
		char u[64];

		snprintf(u, sizeof(u), "/img/%d.png", i);
		diff += pick_id(px, req_uri(u)) != a;
	}
	CHECK(diff > 10);

	px = backend("uri whole", NULL, 8, NULL, NULL, NULL);
	a = pick_id(px, req_uri("/q?id=1"));
	CHECK_INT(pick_id(px, req_uri("/q?id=1")), a);
	diff = 0;
	for (int i = 2; i < 22; i++) {
		char u[64];

		snprintf(u, sizeof(u), "/q?id=%d", i);
		diff += pick_id(px, req_uri(u)) != a;
	}
	CHECK(diff > 10);

	px = backend("uri len 7", NULL, 8, NULL, NULL, NULL);
	CHECK_INT(pick_id(px, req_uri("/abcdef1")), pick_id(px, req_uri("/abcdef2")));
	px = backend("uri depth 2", NULL, 8, NULL, NULL, NULL);
	a = pick_id(px, req_uri("/a/b/c1.html"));
	CHECK_INT(pick_id(px, req_uri("/a/b/c2.html")), a);
	CHECK_INT(pick_id(px, req_uri("/a/b")), a);
	px = backend("uri depth 2 len 3", NULL, 8, NULL, NULL, NULL);
	CHECK_INT(pick_id(px, req_uri("/a/x/y")), pick_id(px, req_uri("/a/z")));
	px = backend("uri path-only", "consistent", 8, NULL, NULL, NULL);
	CHECK_INT(pick_id(px, req_uri("http://example.com/x/y")), pick_id(px, req_uri("/x/y")));
	/* TCP mode / no request: round robin */
	count_picks(px, 800, cnt, 8);
	CHECK_INT(cnt[0], 0);
	for (unsigned s = 1; s <= 8; s++)
		CHECK(cnt[s] > 40);
}

static void test_url_param(void)
{
	struct proxy *px = backend("url_param user", NULL, 8, NULL, NULL, NULL);
	unsigned a, cnt[10] = { 0 }, diff = 0;

	a = pick_id(px, req_uri("/p?user=bob&x=1"));
	CHECK_INT(pick_id(px, req_uri("/other?x=2&user=bob")), a);
	CHECK_INT(pick_id(px, req_uri("/p?username=zz&user=bob#frag")), a);
	for (int i = 0; i < 20; i++) {
		char u[64];

		snprintf(u, sizeof(u), "/p?user=u%d", i);
		diff += pick_id(px, req_uri(u)) != a;
	}
	CHECK(diff > 10);
	/* absent, without value, or no query string: round robin */
	for (int i = 0; i < 800; i++) {
		static const char *const u[] = { "/p?x=1", "/p?user=", "/p?user", "/p" };

		cnt[pick_id(px, req_uri(u[i % 4]))]++;
	}
	for (unsigned s = 1; s <= 8; s++)
		CHECK_INT(cnt[s], 100);
}

static void test_hdr(void)
{
	struct proxy *px = backend("hdr(X-User)", NULL, 8, NULL, NULL, NULL);
	unsigned a, cnt[10] = { 0 }, diff = 0;

	a = pick_id(px, req_hdr("X-User", "alice"));
	CHECK_INT(pick_id(px, req_hdr("x-user", "alice")), a);
	for (int i = 0; i < 20; i++) {
		char v[32];

		snprintf(v, sizeof(v), "user%d", i);
		diff += pick_id(px, req_hdr("X-User", v)) != a;
	}
	CHECK(diff > 10);
	for (int i = 0; i < 800; i++)
		cnt[pick_id(px, req_hdr("X-Other", "alice"))]++;
	for (unsigned s = 1; s <= 8; s++)
		CHECK_INT(cnt[s], 100);
	px = backend("hdr(host) use_domain_only", NULL, 8, NULL, NULL, NULL);
	a = pick_id(px, req_hdr("Host", "www.example.com"));
	CHECK_INT(pick_id(px, req_hdr("Host", "api.example.com:8080")), a);
	CHECK_INT(pick_id(px, req_hdr("Host", "example.org")), a);
}

/* Consistent hashing: what moves when servers come and go. */
#define NKEYS 10000

static void map_keys(struct proxy *px, unsigned *out)
{
	for (unsigned k = 0; k < NKEYS; k++) {
		char u[32];

		snprintf(u, sizeof(u), "/obj/%u", k);
		out[k] = pick_id(px, req_uri(u));
	}
}

static void test_consistent(void)
{
	static unsigned before[NKEYS], after[NKEYS];
	unsigned stay = 0, moved = 0, on5 = 0, bad = 0, cnt[8] = { 0 };
	struct proxy *px = backend("uri", "consistent", 10, NULL, NULL, NULL);

	map_keys(px, before);
	/* one of 10 servers goes: only its keys move */
	set_state(srv_nth(px, 5), SRV_ST_STOPPED);
	map_keys(px, after);
	for (unsigned k = 0; k < NKEYS; k++) {
		if (before[k] == 5) {
			on5++;
			bad += after[k] == 5;
		} else {
			stay += after[k] == before[k];
		}
	}
	CHECK(on5 > NKEYS / 20);
	CHECK_INT(bad, 0);
	CHECK(stay * 100 >= (NKEYS - on5) * 99);
	CHECK_INT(stay, NKEYS - on5);
	/* back: everything returns */
	set_state(srv_nth(px, 5), SRV_ST_RUNNING);
	map_keys(px, after);
	CHECK(memcmp(before, after, sizeof(before)) == 0);

	/* an 11th server arrives: about 1/11 of the keys move, all to it */
	px = backend("uri", "consistent", 11, NULL, NULL, NULL);
	set_state(srv_nth(px, 11), SRV_ST_STOPPED);
	map_keys(px, before);
	set_state(srv_nth(px, 11), SRV_ST_RUNNING);
	map_keys(px, after);
	bad = 0;
	for (unsigned k = 0; k < NKEYS; k++) {
		if (after[k] != before[k]) {
			moved++;
			bad += after[k] != 11;
		}
	}
	CHECK_INT(bad, 0);
	CHECK_NEAR(moved, NKEYS / 11.0, 0.35);

	/* map-based moves most keys instead */
	px = backend("uri", "map-based", 10, NULL, NULL, NULL);
	map_keys(px, before);
	set_state(srv_nth(px, 5), SRV_ST_STOPPED);
	map_keys(px, after);
	moved = 0;
	for (unsigned k = 0; k < NKEYS; k++)
		moved += before[k] != 5 && after[k] != before[k];
	CHECK(moved > NKEYS / 2);

	/* consistent hashing respects weights, and follows eweight changes */
	px = backend("uri", "consistent", 4, w1234, NULL, NULL);
	map_keys(px, before);
	for (unsigned k = 0; k < NKEYS; k++)
		cnt[before[k]]++;
	for (unsigned s = 1; s <= 4; s++)
		CHECK_NEAR(cnt[s], NKEYS / 10.0 * s, 0.2);
	set_eweight(srv_nth(px, 1), 4);       /* raised above its configured weight */
	map_keys(px, after);
	memset(cnt, 0, sizeof(cnt));
	moved = 0;
	for (unsigned k = 0; k < NKEYS; k++) {
		cnt[after[k]]++;
		moved += after[k] != before[k] && after[k] != 1;
	}
	CHECK_INT(moved, 0);            /* keys only moved to the server that grew */
	CHECK_NEAR(cnt[1], NKEYS * 4 / 13.0, 0.2);
}

/* ------------------------------------------------------------- random */

static void test_random(void)
{
	unsigned cnt[8];
	struct proxy *px = backend("random(1)", NULL, 4, w1234, NULL, NULL);

	count_picks(px, 40000, cnt, 4);
	for (unsigned s = 1; s <= 4; s++)
		CHECK_NEAR(cnt[s], 4000.0 * s, 0.06);
	/* power of two choices: a loaded server is avoided */
	px = backend("random", NULL, 4, NULL, NULL, NULL);
	srv_nth(px, 1)->cur_sess = 10;
	count_picks(px, 10000, cnt, 4);
	CHECK(cnt[1] < 10000 / 4 / 3);
	px = backend("random draws 4", NULL, 4, NULL, NULL, NULL);
	CHECK_INT(px->lbc.draws, 4);
	set_state(srv_nth(px, 2), SRV_ST_STOPPED);
	count_picks(px, 1000, cnt, 4);
	CHECK_INT(cnt[2], 0);
	CHECK_INT(cnt[0], 0);
}

/* ------------------------------------------------------------ backups */

static const char *opt_backup34(unsigned i)
{
	return i >= 2 ? "backup" : "";
}

static void test_backups(const char *algo, const char *hash)
{
	unsigned cnt[8];
	int spreads = strcmp(algo, "first") != 0 && strcmp(algo, "leastconn") != 0;
	struct proxy *px = backend(algo, hash, 4, NULL, opt_backup34, NULL);

	count_picks(px, 100, cnt, 4);
	CHECK_INT(cnt[3] + cnt[4], 0);
	set_state(srv_nth(px, 1), SRV_ST_STOPPED);
	count_picks(px, 100, cnt, 4);
	CHECK_INT(cnt[2], 100);
	set_state(srv_nth(px, 2), SRV_ST_STOPPED);
	count_picks(px, 100, cnt, 4);       /* the first backup only */
	CHECK_INT(cnt[3], 100);
	set_state(srv_nth(px, 3), SRV_ST_STOPPED);
	count_picks(px, 100, cnt, 4);
	CHECK_INT(cnt[4], 100);
	set_state(srv_nth(px, 4), SRV_ST_STOPPED);
	CHECK_INT(pick_id(px, req_none()), 0);
	set_state(srv_nth(px, 3), SRV_ST_RUNNING);
	set_state(srv_nth(px, 4), SRV_ST_RUNNING);
	count_picks(px, 100, cnt, 4);
	CHECK_INT(cnt[3], 100);
	set_state(srv_nth(px, 2), SRV_ST_RUNNING);  /* an active returns */
	count_picks(px, 100, cnt, 4);
	CHECK_INT(cnt[2], 100);

	/* option allbackups: every backup, balanced */
	px = backend(algo, hash, 4, NULL, opt_backup34, NULL);
	px->options |= PX_O_ALLBACKUPS;
	set_state(srv_nth(px, 1), SRV_ST_STOPPED);
	set_state(srv_nth(px, 2), SRV_ST_STOPPED);
	count_picks(px, 1000, cnt, 4);
	CHECK(!spreads || (cnt[3] > 0 && cnt[4] > 0));
	CHECK_INT(cnt[3] + cnt[4], 1000);
	/* maintenance and weight 0 take a server out too */
	srv_nth(px, 3)->flags |= SRV_F_MAINT;
	lb_srv_changed(srv_nth(px, 3));
	count_picks(px, 100, cnt, 4);
	CHECK_INT(cnt[4], 100);
	set_eweight(srv_nth(px, 4), 0);
	CHECK_INT(pick_id(px, req_none()), 0);
}

/* ---------------------------------------------------- concurrent picks */

static const char *const all_algos[][2] = {
	{ "roundrobin", NULL }, { "static-rr", NULL }, { "leastconn", NULL }, { "first", NULL },
	{ "source", NULL }, { "source", "consistent" }, { "uri", NULL }, { "uri", "consistent" },
	{ "url_param u", NULL }, { "hdr(X-K)", "consistent" }, { "random", NULL },
};

#define CC_SRV    8
#define CC_ROUNDS 200
#define CC_PICKS  300

static struct {
	struct proxy *px;
	pthread_barrier_t bar;
	unsigned down;                /* puid taken out this round (atomic), 0 = none */
	int stop;                     /* free-running phase over (atomic) */
	unsigned bad, null, picks;    /* atomic */
} cc;

/* A request carrying every kind of key, different per pick. */
static const struct lb_req *cc_req(struct lb_req *r, struct http_msg *m, struct http_hdr *h,
				   struct sockaddr_storage *ss, char *u, unsigned i)
{
	int n = snprintf(u, 64, "/k/%u?u=%u", i, i * 31);
	struct sockaddr_in *sin = (struct sockaddr_in *)ss;

	memset(m, 0, sizeof(*m));
	m->uri = (struct ist){ u, (size_t)n };
	h[0].n = (struct ist){ "X-K", 3 };
	h[0].v = (struct ist){ u + 3, (size_t)n - 3 };
	m->hdrs = h;
	m->nb_hdrs = 1;
	m->max_hdrs = 1;
	memset(ss, 0, sizeof(*ss));
	sin->sin_family = AF_INET;
	sin->sin_addr.s_addr = htonl(0x0a000000U + i);
	r->msg = m;
	r->src = ss;
	return r;
}

static void *cc_picker(void *arg)
{
	struct lb_req r;
	struct http_msg m;
	struct http_hdr h[1];
	struct sockaddr_storage ss;
	char u[64];
	unsigned n = 0;

	tid = (int)(intptr_t)arg;
	for (int round = 0; round < CC_ROUNDS; round++) {
		pthread_barrier_wait(&cc.bar);         /* change published */
		unsigned down = __atomic_load_n(&cc.down, __ATOMIC_ACQUIRE);

		for (int i = 0; i < CC_PICKS; i++) {
			struct server *s = lb_pick(cc.px, cc_req(&r, &m, h, &ss, u, n++));

			if (!s)
				__atomic_add_fetch(&cc.null, 1, __ATOMIC_RELAXED);
			else if ((unsigned)s->puid == down)
				__atomic_add_fetch(&cc.bad, 1, __ATOMIC_RELAXED);
			else if (i & 1) {
				__atomic_add_fetch(&s->cur_sess, 1, __ATOMIC_RELAXED);
				lb_srv_load(s);
				__atomic_sub_fetch(&s->cur_sess, 1, __ATOMIC_RELAXED);
				lb_srv_load(s);
			}
		}
		pthread_barrier_wait(&cc.bar);         /* round checked */
	}
	/* free running: picks while states change under them */
	while (!__atomic_load_n(&cc.stop, __ATOMIC_ACQUIRE)) {
		struct server *s = lb_pick(cc.px, cc_req(&r, &m, h, &ss, u, n++));

		if (s && s->be != cc.px)
			__atomic_add_fetch(&cc.bad, 1, __ATOMIC_RELAXED);
		if (s) {
			__atomic_add_fetch(&s->cur_sess, 1, __ATOMIC_RELAXED);
			lb_srv_load(s);
			__atomic_sub_fetch(&s->cur_sess, 1, __ATOMIC_RELAXED);
			lb_srv_load(s);
		}
		__atomic_add_fetch(&cc.picks, 1, __ATOMIC_RELAXED);
	}
	return NULL;
}

static void test_concurrent(const char *algo, const char *hash)
{
	pthread_t th[2];
	unsigned seed = 12345;

	static const unsigned w[CC_SRV] = { 1, 2, 3, 4, 1, 2, 3, 4 };

	cc.px = backend(algo, hash, CC_SRV, w, NULL, NULL);
	if (!CHECK(cc.px != NULL))
		return;
	cc.down = 0;
	cc.stop = 0;
	cc.bad = cc.null = cc.picks = 0;
	pthread_barrier_init(&cc.bar, NULL, 3);
	for (int i = 0; i < 2; i++)
		pthread_create(&th[i], NULL, cc_picker, (void *)(intptr_t)(i + 1));
	for (int round = 0; round < CC_ROUNDS; round++) {
		unsigned d = 1 + (seed = seed * 1103515245U + 12345U) % CC_SRV;
		struct server *s = srv_nth(cc.px, d);

		/* each round: one server down, its weight changed, the others up */
		for (unsigned i = 1; i <= CC_SRV; i++)
			if (i != d && srv_nth(cc.px, i)->state != SRV_ST_RUNNING)
				set_state(srv_nth(cc.px, i), SRV_ST_RUNNING);
		set_eweight(srv_nth(cc.px, 1 + d % CC_SRV), 1 + round % 5);
		set_state(s, SRV_ST_STOPPED);
		__atomic_store_n(&cc.down, d, __ATOMIC_RELEASE);
		pthread_barrier_wait(&cc.bar);
		pthread_barrier_wait(&cc.bar);
	}
	for (int i = 0; i < 2000 || __atomic_load_n(&cc.picks, __ATOMIC_RELAXED) < 20000; i++) {
		struct server *s = srv_nth(cc.px, 1 + (seed = seed * 1103515245U + 12345U) % CC_SRV);

		if (i & 1)
			set_eweight(s, 1 + i % 7);
		else
			set_state(s, s->state == SRV_ST_RUNNING ? SRV_ST_STOPPED : SRV_ST_RUNNING);
	}
	__atomic_store_n(&cc.stop, 1, __ATOMIC_RELEASE);
	for (int i = 0; i < 2; i++)
		pthread_join(th[i], NULL);
	pthread_barrier_destroy(&cc.bar);
	if (!CHECK_INT(cc.bad, 0) || !CHECK_INT(cc.null, 0))
		printf("    algorithm %s %s\n", algo, hash ? hash : "");
	CHECK(cc.picks > 0);
	tid = 0;
}

/* -------------------------------------------------------------- config */

static void test_config(void)
{
	struct proxy *px;

	px = load("defaults\n balance uri whole len 12 depth 3 path-only\n hash-type consistent\n"
		  "backend b\n server s1 127.0.0.1:1\n");
	if (CHECK(px != NULL)) {
		CHECK(strcmp(px->lb->name, "uri") == 0);
		CHECK_INT(px->lbc.flags, LB_URI_WHOLE | LB_URI_PATH_ONLY);
		CHECK_INT(px->lbc.uri_len, 12);
		CHECK_INT(px->lbc.uri_depth, 3);
		CHECK_INT(px->lbc.hash_type, LB_HASH_CONSISTENT);
	}
	px = load("defaults\n balance hdr(X-Forwarded-Host) use_domain_only\n"
		  "backend b\n balance url_param sid\n server s1 127.0.0.1:1\n");
	if (CHECK(px != NULL)) {
		CHECK(strcmp(px->lb->name, "url_param") == 0);
		CHECK(strcmp(px->lbc.param, "sid") == 0);
		CHECK_INT(px->lbc.flags, 0);
		CHECK_INT(px->lbc.hash_type, LB_HASH_MAP_BASED);
	}
	px = load("defaults\n balance hdr(X-Forwarded-Host) use_domain_only\n"
		  "backend b\n server s1 127.0.0.1:1\n");
	if (CHECK(px != NULL)) {
		CHECK(strcmp(px->lb->name, "hdr") == 0);
		CHECK(strcmp(px->lbc.param, "X-Forwarded-Host") == 0);
		CHECK_INT(px->lbc.flags, LB_HDR_DOMAIN);
	}
	px = load("backend b\n balance random(3)\n server s1 127.0.0.1:1\n");
	if (CHECK(px != NULL))
		CHECK_INT(px->lbc.draws, 3);
}

/* -------------------------------------------------------------- bench */

/* CPU time of this thread: other processes on the machine do not count */
static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

#define BENCH_KEYS 4096

static void bench(void)
{
	static const struct {
		const char *algo, *hash, *label;
		int load;                     /* 1: also report the load twice per pick;
		                               * 2: loads never reported (lb_leastconn.c) */
	} b[] = {
		{ "roundrobin", NULL, "roundrobin", 0 },
		{ "static-rr", NULL, "static-rr", 0 },
		{ "leastconn", NULL, "leastconn", 0 },
		{ "leastconn", NULL, "leastconn+load", 1 },
		{ "leastconn", NULL, "leastconn unreported", 2 },
		{ "first", NULL, "first", 0 },
		{ "random", NULL, "random (2 draws)", 0 },
		{ "source", "map-based", "source map-based", 0 },
		{ "source", "consistent", "source consistent", 0 },
		{ "uri", "map-based", "uri map-based", 0 },
		{ "uri", "consistent", "uri consistent", 0 },
		{ "url_param u", "consistent", "url_param consistent", 0 },
		{ "hdr(X-K)", "consistent", "hdr consistent", 0 },
	};
	static const unsigned sizes[] = { 10, 100, 1000 };
	static struct lb_req rq[BENCH_KEYS];
	static struct http_msg m[BENCH_KEYS];
	static struct http_hdr h[BENCH_KEYS][1];
	static struct sockaddr_storage ss[BENCH_KEYS];
	static char u[BENCH_KEYS][64];
	static unsigned w[1000];
	unsigned long iters = getenv("LB_BENCH_PICKS") ? strtoul(getenv("LB_BENCH_PICKS"), NULL, 10) : 1000000;

	for (unsigned i = 0; i < BENCH_KEYS; i++)
		cc_req(&rq[i], &m[i], h[i], &ss[i], u[i], i * 2654435761U);
	for (unsigned i = 0; i < 1000; i++)
		w[i] = 1 + i % 4;
	printf("%-22s %10s %10s %10s   (ns of CPU per pick, best of 3 x %lu picks, weights 1-4)\n",
	       "algorithm", "10 srv", "100 srv", "1000 srv", iters);
	for (size_t a = 0; a < ARRAY_SIZE(b); a++) {
		printf("%-22s", b[a].label);
		for (size_t z = 0; z < ARRAY_SIZE(sizes); z++) {
			struct proxy *px = backend(b[a].algo, b[a].hash, sizes[z], w, NULL, NULL);
			uintptr_t sink = 0;
			uint64_t t0, best = 0;

			if (!px) {
				printf(" %10s", "error");
				continue;
			}
			if (b[a].load != 2)
				lb_srv_load(srv_nth(px, 1));
			for (unsigned long i = 0; i < 100000; i++)
				sink += (uintptr_t)lb_pick(px, &rq[i % BENCH_KEYS]);
			/* best of 3 runs: the least disturbed */
			for (int run = 0; run < 3; run++) {
				t0 = now_ns();
				for (unsigned long i = 0; i < iters; i++) {
					struct server *s = lb_pick(px, &rq[i & (BENCH_KEYS - 1)]);

					if (b[a].load == 1) {
						__atomic_add_fetch(&s->cur_sess, 1, __ATOMIC_RELAXED);
						lb_srv_load(s);
						__atomic_sub_fetch(&s->cur_sess, 1, __ATOMIC_RELAXED);
						lb_srv_load(s);
					}
					sink += (uintptr_t)s;
				}
				t0 = now_ns() - t0;
				best = run && best < t0 ? best : t0;
			}
			printf(" %10.1f", (double)best / iters);
			fflush(stdout);
			if (!sink)
				printf("?");
		}
		printf("\n");
	}
}

int main(int argc, char **argv)
{
	devnull = fopen("/dev/null", "w");
	if (argc > 1 && strcmp(argv[1], "--bench") == 0) {
		bench();
		cfg_deinit();
		return 0;
	}
	test_config();
	test_rr();
	test_static_rr();
	test_leastconn();
	test_first();
	test_source();
	test_uri();
	test_url_param();
	test_hdr();
	test_consistent();
	test_random();
	test_backups("roundrobin", NULL);
	test_backups("static-rr", NULL);
	test_backups("leastconn", NULL);
	test_backups("first", NULL);
	test_backups("source", NULL);
	test_backups("uri", "consistent");
	test_backups("random", NULL);
	for (size_t i = 0; i < ARRAY_SIZE(all_algos); i++)
		test_concurrent(all_algos[i][0], all_algos[i][1]);
	cfg_deinit();
	fclose(devnull);
	return UNIT_SUMMARY("test_lb");
}
