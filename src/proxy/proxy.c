/* proxy.c: runtime side of frontends and backends: accept dispatch by mode
 * and backend selection. */
#include <unistd.h>
#include "proxy/proxy.h"
#include "net/listener.h"
#include "net/handshake.h"

struct proxy *px_select_backend(struct proxy *fe)
{
	/* use_backend rules have no conditions yet: the first one wins */
	if (!list_empty(&fe->switch_rules)) {
		struct switch_rule *r = list_elem(fe->switch_rules.n, struct switch_rule, list);

		return r->be;
	}
	return fe->defbe;
}

/* After the listener's handshake chain (net/handshake.h). */
static void px_accept_conn(struct listener *li, struct conn *c)
{
	if (li->fe->mode == PX_MODE_HTTP)
		http_sess_accept_conn(li, c);
	else
		tcp_sess_accept_conn(li, c);
}

static void px_accept(struct listener *li, int fd, const struct sockaddr_storage *peer)
{
	if (li->nb_hs)
		handshake_start(li, fd, peer, px_accept_conn);
	else if (li->fe->mode == PX_MODE_HTTP)
		http_sess_accept(li, fd, peer);
	else
		tcp_sess_accept(li, fd, peer);
}

void proxy_runtime_init(void)
{
	listener_accept_cb = px_accept;
}
