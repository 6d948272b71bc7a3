/* test_handshake.c: the accept path's layers. A listener's handshake
 * chain as the configuration builds it (accept-proxy, then the transport's
 * own step, whatever the order of the bind options) and as it runs on a
 * connection: the PROXY header taken exactly, the transport's handshake
 * waiting for I/O and then done, the connection handed over with the
 * bytes after the header; refusals counted or not, the deadline, and the
 * transport's close on every way out. Then the mux: each listener's by
 * its mode, one chosen by the ALPN token the transport reports, and the
 * registry as `sluice -vv` prints it. */
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <sys/socket.h>
#include "unit.h"
#include "cfg/cfg.h"
#include "core/clock.h"
#include "core/task.h"
#include "core/thread.h"
#include "net/conn.h"
#include "net/handshake.h"
#include "net/listener.h"
#include "net/mux.h"
#include "proxy/proxy-t.h"

/* ---- a transport with a handshake of a few steps ---- */

static int hs_calls, hs_steps_needed, hs_result;   /* result once the steps are done */
static const char *t_alpn;                         /* what ALPN "negotiated", or NULL */
static unsigned hs_fail_flags;                     /* flags set when it fails */
static int t_inits, t_closes;
static struct conn *t_conn;                        /* the connection it last saw */

static int t_init(struct conn *c)
{
	t_inits++;
	c->xprt_ctx = malloc(16);
	return c->xprt_ctx ? 0 : -1;
}

static void t_close(struct conn *c)
{
	t_closes++;
	free(c->xprt_ctx);
	c->xprt_ctx = NULL;
}

static int t_handshake(struct conn *c)
{
	t_conn = c;
	if (++hs_calls < hs_steps_needed) {
		c->flags &= ~CO_FL_RD_READY;   /* waits for the client */
		return 0;
	}
	if (hs_result < 0)
		c->flags |= hs_fail_flags;
	return hs_result;
}

static int t_alpn_get(const struct conn *c, const char **name, size_t *len)
{
	if (!t_alpn)
		return 0;
	*name = t_alpn;
	*len = strlen(t_alpn);
	return 1;
}

static ssize_t t_rcv(struct conn *c, char *dst, size_t len)
{
	return xprt_raw.rcv_buf(c, dst, len);
}

static ssize_t t_snd(struct conn *c, const char *src, size_t len, int more)
{
	return xprt_raw.snd_buf(c, src, len, more);
}

static const struct xprt_ops xprt_test = {
	.name      = "test-hs",
	.init      = t_init,
	.close     = t_close,
	.handshake = t_handshake,
	.alpn      = t_alpn_get,
	.rcv_buf   = t_rcv,
	.snd_buf   = t_snd,
};
XPRT_REGISTER(xprt_test);

/* "test-xprt": the bind option a transport such as TLS will have ("ssl") */
static int bind_kw_test_xprt(struct cfg_ctx *ctx, struct listener *li, char **args)
{
	li->xprt = &xprt_test;
	return 0;
}

static const struct bind_kw test_bind_kws[] = {
	{ "test-xprt", 0, "test-xprt", bind_kw_test_xprt },
	{ .kw = NULL }
};
BIND_REGISTER_KEYWORDS(test_bind_kws);

/* ---- the configuration ---- */

static struct listener *first_listener(void)
{
	for (struct proxy *px = proxies_list; px; px = px->next)
		if (!list_empty(&px->listeners))
			return list_elem(px->listeners.n, struct listener, list);
	return NULL;
}

static struct listener *load_mode(const char *mode, const char *bind_opts)
{
	char cfg[512];
	struct listener *li;
	struct proxy *fe;

	cfg_deinit();
	snprintf(cfg, sizeof(cfg),
		 "defaults\n  timeout client 1s\n  timeout connect 1s\n  timeout server 1s\n"
		 "frontend f\n  mode %s\n  bind 127.0.0.1:1 %s\n  default_backend b\n"
		 "backend b\n  mode %s\n  server s 127.0.0.1:1\n", mode, bind_opts, mode);
	if (cfg_parse_buffer("t.cfg", cfg, strlen(cfg)) < 0 || cfg_check() < 0)
		return NULL;
	li = first_listener();
	if (!li)
		return NULL;
	fe = li->fe;
	fe->ctr = calloc(MAX_THREADS, sizeof(*fe->ctr));
	return li;
}

static struct listener *load(const char *bind_opts)
{
	return load_mode("http", bind_opts);
}

static void unload(struct listener *li)
{
	if (li)
		free(li->fe->ctr);
	cfg_deinit();
}

static void test_chain_from_config(void)
{
	static const char *const opts[] = { "accept-proxy test-xprt", "test-xprt accept-proxy" };
	struct listener *li;

	li = load("");
	CHECK(li && li->nb_hs == 0 && li->xprt == &xprt_raw);
	unload(li);

	li = load("accept-proxy accept-proxy");
	CHECK(li && li->nb_hs == 1 && strcmp(li->hs[0]->name, "accept-proxy") == 0);
	unload(li);

	for (unsigned i = 0; i < 2; i++) {
		li = load(opts[i]);
		CHECK(li != NULL);
		if (!li)
			continue;
		/* the header comes first on the wire, the transport's step last */
		CHECK_INT(li->nb_hs, 2);
		CHECK(strcmp(li->hs[0]->name, "accept-proxy") == 0);
		CHECK(strcmp(li->hs[1]->name, "handshake") == 0);
		CHECK(li->xprt == &xprt_test);
		unload(li);
	}

	li = load("test-xprt");
	CHECK(li && li->nb_hs == 1 && strcmp(li->hs[0]->name, "handshake") == 0);
	unload(li);
}

/* ---- running it ---- */

static struct conn *got;              /* handed over by the chain */
static struct listener *got_li;

static void on_done(struct listener *li, struct conn *c)
{
	got = c;
	got_li = li;
}

/* Start the chain of <li> on a socket pair; *client gets the other end. */
static void start(struct listener *li, int *client)
{
	struct sockaddr_storage ss;
	int sv[2];

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv) < 0) {
		perror("socketpair");
		exit(1);
	}
	memset(&ss, 0, sizeof(ss));
	ss.ss_family = AF_UNIX;
	*client = sv[1];
	/* the slot the listener took when it accepted */
	actconn = 1;
	li->fe->feconn = 1;
	got = NULL;
	t_conn = NULL;
	hs_calls = t_inits = t_closes = 0;
	handshake_start(li, sv[0], &ss, on_done);
}

/* One turn of a worker's loop, without waiting: the poller's events
 * (the connection's callback wakes its owner), timers, run queue. */
static void run(void)
{
	struct epoll_event evs[16];
	int n = epoll_wait(th->epfd, evs, 16, 0);

	for (int i = 0; i < n; i++) {
		struct fd_handler *h = evs[i].data.ptr;

		h->cb(h, evs[i].events);
	}
	timers_run();
	runq_run();
}

static const char hdr[] = "PROXY TCP4 192.0.2.1 192.0.2.2 4321 80\r\n";
static const char req[] = "GET / HTTP/1.1\r\nHost: x\r\n\r\n";

static void test_proxy_then_transport(void)
{
	struct listener *li = load("accept-proxy test-xprt");
	char buf[128];
	int cl;

	if (!CHECK(li != NULL))
		return;
	hs_steps_needed = 2;
	hs_result = 1;
	start(li, &cl);
	CHECK_INT(t_inits, 1);              /* the transport was set up first */
	/* part of the header: the chain waits in its first step */
	CHECK_INT(write(cl, hdr, 10), 10);
	run();
	CHECK(got == NULL);
	CHECK_INT(hs_calls, 0);
	/* the rest and a request in one segment */
	CHECK_INT(write(cl, hdr + 10, strlen(hdr) - 10), (long)(strlen(hdr) - 10));
	CHECK_INT(write(cl, req, strlen(req)), (long)strlen(req));
	/* the header is taken, the transport's handshake waits for I/O */
	run();
	CHECK(got == NULL);
	CHECK_INT(hs_calls, 1);
	if (!CHECK(t_conn != NULL))
		return;
	CHECK(!(t_conn->flags & CO_FL_RD_READY));
	t_conn->flags |= CO_FL_RD_READY;    /* as an event would say */
	task_wakeup(t_conn->owner);
	run();
	CHECK_INT(hs_calls, 2);
	if (!CHECK(got != NULL))
		return;
	CHECK(got_li == li);
	CHECK(got->xprt == &xprt_test && got->xprt_ctx != NULL);
	/* the header's source is the client's address now */
	CHECK_INT(got->peer.sa.sa_family, AF_INET);
	CHECK_INT(ntohl(got->peer.in4.sin_addr.s_addr), 0xc0000201);
	CHECK_INT(ntohs(got->peer.in4.sin_port), 4321);
	/* what followed the header is still there, whole */
	memset(buf, 0, sizeof(buf));
	CHECK_INT(conn_recv(got, buf, sizeof(buf)), (long)strlen(req));
	CHECK(strcmp(buf, req) == 0);
	CHECK_INT(li->fe->ctr[tid].denied_conn, 0);
	CHECK_INT(li->fe->feconn, 1);        /* the slot goes with the connection */
	conn_free(&got);
	CHECK_INT(t_closes, 1);
	close(cl);
	unload(li);
}

/* The transport refuses: counted when it says error, not when the
 * client merely left; the transport's state is closed either way. */
static void test_transport_refuses(void)
{
	static const unsigned fl[] = { CO_FL_ERROR, CO_FL_RD_SH };
	struct listener *li = load("test-xprt");
	int cl;

	if (!CHECK(li != NULL))
		return;
	for (unsigned i = 0; i < 2; i++) {
		hs_steps_needed = 1;
		hs_result = -1;
		hs_fail_flags = fl[i];
		start(li, &cl);
		run();
		CHECK(got == NULL);
		CHECK_INT(hs_calls, 1);
		CHECK_INT(t_closes, 1);
		CHECK_INT(li->fe->ctr[tid].denied_conn, 1);   /* the error only */
		CHECK_INT(li->fe->feconn, 0);
		CHECK_INT(actconn, 0);
		close(cl);
	}
	unload(li);
}

static void test_bad_header_and_deadline(void)
{
	struct listener *li = load("accept-proxy test-xprt");
	int cl;

	if (!CHECK(li != NULL))
		return;
	/* a request without its header: refused at once, counted */
	hs_steps_needed = 1;
	hs_result = 1;
	start(li, &cl);
	CHECK_INT(write(cl, req, strlen(req)), (long)strlen(req));
	run();
	CHECK(got == NULL);
	CHECK_INT(hs_calls, 0);
	CHECK_INT(t_closes, 1);
	CHECK_INT(li->fe->ctr[tid].denied_conn, 1);
	CHECK_INT(li->fe->feconn, 0);
	close(cl);

	/* a close before any byte: not counted */
	start(li, &cl);
	close(cl);
	run();
	CHECK(got == NULL);
	CHECK_INT(t_closes, 1);
	CHECK_INT(li->fe->ctr[tid].denied_conn, 1);
	CHECK_INT(li->fe->feconn, 0);

	/* half a header, then nothing: the deadline ("timeout client") */
	start(li, &cl);
	CHECK_INT(write(cl, hdr, 10), 10);
	run();
	CHECK(got == NULL);
	CHECK_INT(li->fe->feconn, 1);
	now_ms += 999;
	run();
	CHECK_INT(li->fe->feconn, 1);
	now_ms += 2;
	run();
	CHECK(got == NULL);
	CHECK_INT(t_closes, 1);
	CHECK_INT(li->fe->ctr[tid].denied_conn, 2);
	CHECK_INT(li->fe->feconn, 0);
	close(cl);
	unload(li);
}

/* ---- the mux ---- */

static struct listener *attached_li;
static struct conn *attached;

static void h2_attach(struct listener *li, struct conn *c)
{
	attached_li = li;
	attached = c;
}

/* What HTTP/2 will register. */
static const struct mux_ops mux_test_h2 = {
	.name   = "zz-h2",
	.mode   = PX_MODE_HTTP,
	.alpn   = "h2",
	.attach = h2_attach,
};
MUX_REGISTER(mux_test_h2);

static void test_mux_registry(void)
{
	static const char want[] = "h1 (mode http, default, alpn http/1.1), tcp (mode tcp, default), "
				   "zz-h2 (mode http, alpn h2)";
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);

	CHECK(mux_find("h1") && mux_find("h1")->mode == PX_MODE_HTTP);
	CHECK(mux_find("tcp") && mux_find("tcp")->mode == PX_MODE_TCP);
	CHECK(mux_find("zz-h2") == &mux_test_h2);
	CHECK(mux_find("h3") == NULL);
	CHECK(mux_default(PX_MODE_HTTP) == mux_find("h1"));
	CHECK(mux_default(PX_MODE_TCP) == mux_find("tcp"));
	mux_print_names(f);
	fclose(f);
	if (!CHECK(out && strcmp(out, want) == 0))
		printf("  got: %s\n", out ? out : "(null)");
	free(out);
}

static void test_mux_by_mode_and_alpn(void)
{
	struct listener *li;
	struct conn *c;
	int cl;

	li = load_mode("tcp", "");
	CHECK(li && li->mux == mux_find("tcp"));
	unload(li);

	li = load_mode("http", "test-xprt");
	if (!CHECK(li && li->mux == mux_find("h1")))
		return;
	/* the token the transport negotiated chooses among the mode's muxes */
	hs_steps_needed = 1;
	hs_result = 1;
	t_alpn = "h2";
	attached = NULL;
	start(li, &cl);
	run();
	CHECK(got != NULL);                 /* on_done: the chain is over */
	if (got) {
		CHECK(mux_choose(li, got) == &mux_test_h2);
		t_alpn = "http/1.1";
		CHECK(mux_choose(li, got) == mux_find("h1"));
		t_alpn = "spdy/3";          /* nobody speaks it: the mode's own */
		CHECK(mux_choose(li, got) == li->mux);
		t_alpn = NULL;
		CHECK(mux_choose(li, got) == li->mux);
		conn_free(&got);
	}
	close(cl);

	/* the whole way: chain, then mux_attach() hands it to the h2 mux */
	t_alpn = "h2";
	actconn = 1;
	li->fe->feconn = 1;
	{
		struct sockaddr_storage ss;
		int sv[2];

		CHECK_INT(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv), 0);
		memset(&ss, 0, sizeof(ss));
		ss.ss_family = AF_UNIX;
		handshake_start(li, sv[0], &ss, mux_attach);
		run();
		CHECK(attached != NULL && attached_li == li);
		c = attached;
		conn_free(&c);
		close(sv[1]);
	}
	t_alpn = NULL;
	unload(li);

	/* a tcp frontend never takes an HTTP mux, whatever ALPN said */
	li = load_mode("tcp", "test-xprt");
	if (!CHECK(li != NULL))
		return;
	start(li, &cl);
	run();
	t_alpn = "h2";
	CHECK(got && mux_choose(li, got) == mux_find("tcp"));
	t_alpn = NULL;
	conn_free(&got);
	close(cl);
	unload(li);
}

int main(void)
{
	thread_ctx_init(0);
	thread_bind(0);
	test_chain_from_config();
	test_proxy_then_transport();
	test_transport_refuses();
	test_bad_header_and_deadline();
	test_mux_registry();
	test_mux_by_mode_and_alpn();
	return UNIT_SUMMARY("test_handshake");
}
