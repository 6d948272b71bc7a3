/* proxy.c: runtime side of frontends and backends: accept dispatch and
 * backend selection. */
#include "proxy/proxy.h"
#include "core/compiler.h"
#include "net/conn.h"
#include "net/handshake.h"
#include "net/listener.h"
#include "net/mux.h"

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
