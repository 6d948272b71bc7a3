/* proxy.c: runtime side of frontends and backends: accept dispatch by mode,
 * backend selection, their counters group (shm/counters.h) and "show info"
 * on the stats socket. */
#include <inttypes.h>
#include <stdio.h>
#include <unistd.h>
#include "core/clock.h"
#include "core/global-t.h"
#include "core/init.h"
#include "ctl/ctl.h"
#include "mem/buf.h"
#include "proxy/proxy.h"
#include "core/compiler.h"
#include "net/conn.h"
#include "net/handshake.h"
#include "net/listener.h"
#include "net/mux.h"
#include "shm/counters.h"

#ifndef SLUICE_VERSION
#define SLUICE_VERSION "dev"        /* the Makefile passes the real one */
#endif

struct proxy *px_select_backend(struct proxy *fe)
{
	/* use_backend rules have no conditions yet: the first one wins */
	if (!list_empty(&fe->switch_rules)) {
		struct switch_rule *r = list_elem(fe->switch_rules.n, struct switch_rule, list);

		return r->be;
	}
	return fe->defbe;
}

/* An accepted socket: through the listener's handshake chain (PROXY
 * header, TLS) when it has one, then to the mux chosen for it; without
 * one, to the listener's mux at once: a connection and the mux's own
 * session, the allocations a plain accept always made. */
static void px_accept(struct listener *li, int fd, const struct sockaddr_storage *peer)
{
	struct conn *c;

	if (li->nb_hs) {
		handshake_start(li, fd, peer, mux_attach);
		return;
	}
	c = conn_new_accepted(fd, peer, NULL);
	if (unlikely(!c || (li->xprt != &xprt_raw && conn_xprt_set(c, li->xprt) < 0))) {
		conn_free(&c);
		listener_conn_done(li);
		return;
	}
	li->mux->attach(li, c);
}

void proxy_runtime_init(void)
{
	listener_accept_cb = px_accept;
}

static int proxy_init_hook(void)
{
	proxy_runtime_init();
	return 0;
}
INIT_REGISTER(proxy, INIT_PREPARE, INIT_ORDER_PROXY, proxy_init_hook);

/* ---- counters ----------------------------------------------------------------
 * One block per proxy, a row per worker thread (px->ctr), each followed in
 * the file by its servers' blocks (lb/server.c). A proxy with both sides
 * ("listen") has one block that reports under both keys. */

uint64_t ctr_live_px_cur_conns(const void *obj)
{
	const struct proxy *px = obj;

	return __atomic_load_n(&px->feconn, __ATOMIC_RELAXED);
}

static int px_ctr_each(void *parent, int (*cb)(void *obj, void *arg), void *arg)
{
	int ret = 0;

	for (struct proxy *px = proxies_list; px && !ret; px = px->next) {
		CHECK_OBJ(px, PX_MAGIC);
		ret = cb(px, arg);
	}
	return ret;
}

static const char *px_ctr_name_of(const void *obj, char *ident, size_t size, unsigned *sides)
{
	const struct proxy *px = obj;

	snprintf(ident, size, "%s", px->id);
	switch (px->cap & (PX_CAP_FE | PX_CAP_BE)) {
	case PX_CAP_FE | PX_CAP_BE:
		*sides = CTR_FE | CTR_BE;
		return "listen";
	case PX_CAP_FE:
		*sides = CTR_FE;
		return "frontend";
	default:
		*sides = CTR_BE;
		return "backend";
	}
}

static void *px_ctr_get_rows(const void *obj)
{
	return ((const struct proxy *)obj)->ctr;
}

static void px_ctr_set_rows(void *obj, void *rows)
{
	((struct proxy *)obj)->ctr = rows;
}

/* "fe.<proxy>" and "be.<proxy>" */
static int px_ctr_stat_key(const void *obj, unsigned side, char *buf, size_t size)
{
	return snprintf(buf, size, "%s.%s", side == CTR_FE ? "fe" : "be",
			((const struct proxy *)obj)->id);
}

static const struct ctr_group px_ctr_group = {
	.name = "proxy", .fam = &ctr_px_family, .order = CTR_ORDER_PROXY,
	.flags = CTR_GRP_PER_THREAD,
	.each = px_ctr_each, .name_of = px_ctr_name_of,
	.get_rows = px_ctr_get_rows, .set_rows = px_ctr_set_rows,
	.stat_key = px_ctr_stat_key,
};
CTR_REGISTER_GROUP(px_ctr_group);

/* ---- show info ---------------------------------------------------------------
 * The process as a whole: one "KEY VALUE" line each. The keys are an
 * interface (tests and tools read them): add, never rename. */

static int px_show_info(struct ctl_ctx *ctx, int argc, char **args, FILE *out)
{
	uint64_t cur = 0;

	for (const struct proxy *px = proxies_list; px; px = px->next)
		if (px->cap & PX_CAP_FE)
			cur += ctr_live_px_cur_conns(px);
	fprintf(out, "pid %d\n", (int)getpid());
	fprintf(out, "nbthread %d\n", global.nbthread);
	fprintf(out, "uptime_sec %lld\n", (long long)((clock_mono_ms() - start_mono_ms) / 1000));
	fprintf(out, "curr_conns %" PRIu64 "\n", cur);
	fprintf(out, "maxconn %u\n", global.maxconn);
	fprintf(out, "version %s\n", SLUICE_VERSION);
	buf_dump_info(out);
	return 0;
}

static const struct ctl_cmd px_cmds[] = {
	{ "show info", "process information, one KEY VALUE per line", 0, 0, px_show_info },
	CTL_CMD_END
};
CTL_REGISTER_COMMANDS(px_cmds);

/* After the counters' reference (`sluice -x counters`). */
static void px_show_info_doc(FILE *f)
{
	fputs("\n\"show info\" reports: pid, nbthread, uptime_sec, curr_conns (client\n"
	      "connections open on all frontends), maxconn (as in force: lowered at start\n"
	      "when the file descriptor limit is too low for the configured one), version.\n", f);
}
INIT_REGISTER_DOC(show_info, "counters", 20, px_show_info_doc);
