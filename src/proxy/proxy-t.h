/* proxy-t.h: frontends, backends and listen sections. */
#ifndef SLUICE_PROXY_PROXY_T_H
#define SLUICE_PROXY_PROXY_T_H

#include <stdint.h>
#include "core/list.h"
#include "core/global-t.h"
#include "shm/counters-t.h"
#include "lb/lb-t.h"
#include "http/reply-t.h"

struct server;
struct lb_ops;
struct source_cfg;

#define PX_MAGIC 0x50525859U

#define PX_CAP_FE 0x1
#define PX_CAP_BE 0x2

enum px_mode { PX_MODE_TCP = 0, PX_MODE_HTTP };

#define PX_O_FORWARDFOR        0x0001  /* option forwardfor */
#define PX_O_FF_IFNONE         0x0002  /* ... if-none */
#define PX_O_HTTP_SERVER_CLOSE 0x0004  /* option http-server-close */
#define PX_O_HTTP_KEEP_ALIVE   0x0008  /* option http-keep-alive (default) */
#define PX_O_HTTPCLOSE         0x0010  /* option httpclose */
#define PX_O_ALLBACKUPS 0x0020
#define PX_O_REDISPATCH        0x0040  /* option redispatch */

/* cookie persistence modes and flags (px->ck.mode) */
#define PX_CK_INSERT   0x01
#define PX_CK_REWRITE  0x02
#define PX_CK_PREFIX   0x04
#define PX_CK_INDIRECT 0x10
#define PX_CK_NOCACHE  0x20
#define PX_CK_HTTPONLY 0x40
#define PX_CK_SECURE   0x80

/* http-reuse strategies (connection-reuse design note) */
enum px_reuse { PX_REUSE_NEVER = 0, PX_REUSE_SAFE, PX_REUSE_AGGRESSIVE, PX_REUSE_ALWAYS };

struct px_timeouts {                  /* milliseconds; 0 = unset */
	unsigned connect, client, server;
	unsigned http_request, http_keep_alive, tunnel;
	unsigned client_fin, server_fin;
	unsigned queue;               /* max wait in a queue; 0 = timeout connect */
	unsigned check;               /* health checks: read time once connected
	                               * (lb/check.c); 0 = inter bounds it all */
};

/* A "use_backend NAME" rule; conditions come with ACLs. */
struct switch_rule {
	char *be_name;
	struct proxy *be;             /* resolved after parsing */
	const char *conf_file;
	int conf_line;
	struct list list;
};

struct proxy {
	unsigned magic;
	char *id;
	int cap;                      /* PX_CAP_* */
	enum px_mode mode;
	const char *conf_file;
	int conf_line;
	struct proxy *next;           /* all proxies, config order */

	/* frontend */
	struct list listeners;        /* struct listener.list */
	unsigned maxconn;             /* 0 = global maxconn */
	unsigned feconn;              /* current connections (atomic) */
	char *defbe_name;
	struct proxy *defbe;
	const char *defbe_conf_file;  /* where default_backend was set (maybe a defaults section) */
	int defbe_conf_line;
	struct list switch_rules;     /* struct switch_rule.list */

	/* backend */
	struct server *srv;           /* config order */
	unsigned nb_srv;
	const struct lb_ops *lb;      /* "balance" algorithm */
	struct lb_conf lbc;           /* its arguments and "hash-type" */
	struct lb_state *lbs;         /* set and lock shared by algorithms (lb/lb.c) */
	void *lb_ctx;                 /* the algorithm's own state */
	struct source_cfg *source;     /* "source" (net/source_cfg.c), inherited from defaults */

	/* both */
	struct px_timeouts timeout;
	unsigned options;             /* PX_O_* */
	unsigned retries;             /* connect retries ("retries", default 3) */
	enum px_reuse reuse;          /* "http-reuse", default safe */
	struct px_cookie {            /* "cookie" persistence (proxy/cookie.c) */
		char *name;           /* NULL: none */
		unsigned mode;        /* PX_CK_* */
	} ck;
	struct list queue;            /* exchanges waiting for any server (lb/queue.c) */
	unsigned nb_pend;             /* their number (atomic) */
	char *fwdfor_hdr;             /* header name for forwardfor, default X-Forwarded-For */

	/* responses sluice makes itself (proxy/reply_cfg.c): per status slot
	 * (http_err_slot()), the errorfile to send instead of the built-in
	 * page, resolved after parsing from the errorfile/errorfiles lines in
	 * their order (<err_dirs>, the defaults' first) */
	const struct http_reply *errmsg[HTTP_ERR_SLOTS];
	struct err_dir *err_dirs;
	char *monitor_uri;            /* frontend: answered 200 without a backend */
	const struct http_reply *monitor_reply; /* its answer (errorfile 200 or built-in) */
	struct list http_req_rules;   /* "http-request" rules (rules/http_rules.c) */

	/* per-thread counters (struct px_counters, shm/counters-tbl.h): rows
	 * of a shared-memory block, ctr[tid].field++; NULL until
	 * shm_counters_alloc() (the configuration code never counts) */
	struct px_counters *ctr;
};

extern struct proxy *proxies_list;

#endif
