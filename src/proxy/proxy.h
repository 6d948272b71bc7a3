/* proxy.h: runtime entry points of the proxy room. */
#ifndef SLUICE_PROXY_PROXY_H
#define SLUICE_PROXY_PROXY_H

#include <sys/socket.h>
#include "proxy/proxy-t.h"
#include "mem/buf-t.h"

struct listener;
struct conn;
struct server;

/* Wire the accept callback and create the pools (after the config). */
void proxy_runtime_init(void);

/* The backend a frontend's request goes to (use_backend, then
 * default_backend); NULL when none. */
struct proxy *px_select_backend(struct proxy *fe);

/* Count a response status on a proxy's per-thread counters. */
static inline void px_count_status(struct proxy *px, int tid_, int status)
{
	unsigned c = (unsigned)status / 100;

	px->ctr[tid_].rsp[c >= 1 && c <= 5 ? c : 0]++;
}

/* Responses a proxy makes itself (reply_cfg.c): what a defaults section
 * passes on (errorfile lines, monitor-uri), teardown, the size limit of a
 * configured response, and the file of an "http-errors" section for a
 * status (*found: whether the section exists; NULL when it has no file for
 * that status). */
void px_errors_inherit(struct proxy *px, const struct proxy *def);
void px_errors_free(struct proxy *px);
size_t px_reply_max(void);
struct http_reply;
const struct http_reply *px_http_errors_find(const char *name, int status, int *found);

/* Client connections reach HTTP/1 sessions (http_sess.c) and TCP
 * forwarding (tcp_fwd.c) through the muxes they register, "h1" and "tcp"
 * (net/mux.h). */

/* Turn an HTTP exchange into a tunnel (after 101 or a 2xx to CONNECT).
 * Takes ownership of both connections, of the buffers' storage (pending
 * bytes are sent first) and of the server slot of <bk>, which the tunnel
 * holds until it ends (maxconn, leastconn). The tunnel calls
 * listener_conn_done(li) when it ends. */
struct be_att;
void tcp_tunnel_start(struct listener *li, struct proxy *fe, struct be_att *bk,
		      struct conn *cli, struct conn *srvc,
		      struct buffer *c2s, struct buffer *s2c);

#endif
