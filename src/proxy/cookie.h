/* cookie.h: cookie-based server persistence ("cookie" in a backend, the
 * "cookie" server option), HAProxy's insert, rewrite and prefix modes. */
#ifndef SLUICE_PROXY_COOKIE_H
#define SLUICE_PROXY_COOKIE_H

#include <stddef.h>
#include "http/msg-t.h"

struct proxy;
struct server;
struct h1_emit_opts;

/* Look for the backend's cookie in the request. Returns the server it
 * names when that one is usable, else NULL. Edits <m> for the server:
 * "indirect" removes the cookie, "prefix" strips the server's prefix; the
 * new values are written into scratch[0..room). */
struct server *cookie_req(struct proxy *be, struct http_msg *m, char *scratch, size_t room);

/* Adjust the response of <srv> for the client: insert a Set-Cookie (when
 * <had_valid> is 0, the client did not already carry this server's
 * cookie), rewrite or prefix the server's own Set-Cookie, add
 * "Cache-Control: private" for nocache. Added headers go to <extra>
 * (room for 2), values into scratch. Returns the number of extra headers. */
unsigned cookie_rsp(struct proxy *be, struct server *srv, int had_valid, struct http_msg *m,
		    struct http_hdr *extra, char *scratch, size_t room);

#endif
