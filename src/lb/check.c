/* check.c: server health checks at runtime: the per-server state machine
 * (rise/fall, slowstart), TCP and HTTP checks driven by timers on the worker
 * threads, state change reports, and "show servers state".
 *
 * Life of a check (struct check, lb/check-t.h):
 *   - check_cfg.c creates it while parsing the server line and completes it
 *     after parsing (target address, HTTP settings, health = rise);
 *   - at start, each worker's init hook takes every nbthread-th enabled check
 *     (check i runs on thread i % nbthread), initialises its task on that
 *     thread and arms its first run, spread over one interval;
 *   - check_task() then runs on that thread only: phase IDLE waits for
 *     chk->next; a check goes CONNECT (non-blocking connect) -> for HTTP
 *     checks SEND -> RECV -> check_done(), which closes the connection,
 *     reports the outcome to the state machine and arms the next run after
 *     check_interval(). The slowstart ramp shares the same timer. Deadlines
 *     as in HAProxy: the whole check within inter; with "timeout check",
 *     the connect within min(timeout connect, inter), then the rest within
 *     "timeout check";
 *   - at soft stop, the stop hook cancels the task and closes the connection,
 *     so that the thread can leave its loop; nothing is freed before
 *     cfg_deinit().
 * No check ever blocks its thread: every socket call is non-blocking and
 * every phase has a deadline.
 */
#include <errno.h>
#include <inttypes.h>
#include <string.h>
#include <strings.h>

#include "core/clock.h"
#include "core/compiler.h"
#include "core/global-t.h"
#include "core/task.h"
#include "core/thread.h"
#include "ctl/ctl.h"
#include "http/h1.h"
#include "lb/check.h"
#include "lb/lb.h"
#include "lb/server-t.h"
#include "net/conn.h"
#include "proxy/proxy-t.h"
#include "shm/log.h"

static FILE *msg_stream;
static unsigned shutdown_epoch;       /* atomic */

void check_set_msg_stream(FILE *f)
{
	msg_stream = f;
}

static FILE *msg_out(void)
{
	return msg_stream ? msg_stream : stderr;
}

/* ------------------------------------------------------------- names */

static const struct {
	const char *name, *desc;
} chk_names[CHK_S_MAX] = {
	[CHK_S_INI]     = { "INI",     "Initializing" },
	[CHK_S_SOCKERR] = { "SOCKERR", "Socket error" },
	[CHK_S_L4OK]    = { "L4OK",    "Layer4 check passed" },
	[CHK_S_L4TOUT]  = { "L4TOUT",  "Layer4 timeout" },
	[CHK_S_L4CON]   = { "L4CON",   "Layer4 connection problem" },
	[CHK_S_L7OK]    = { "L7OK",    "Layer7 check passed" },
	[CHK_S_L7TOUT]  = { "L7TOUT",  "Layer7 timeout" },
	[CHK_S_L7RSP]   = { "L7RSP",   "Layer7 invalid response" },
	[CHK_S_L7STS]   = { "L7STS",   "Layer7 wrong status" },
};

const char *check_status_name(enum chk_status st)
{
	return (unsigned)st < CHK_S_MAX ? chk_names[st].name : "?";
}

const char *check_status_desc(enum chk_status st)
{
	return (unsigned)st < CHK_S_MAX ? chk_names[st].desc : "?";
}

/* ------------------------------------------------------------ lookups */

static int cmp_srv(const void *key, const void *elem)
{
	const struct server *s = key;
	const struct server *e = (*(struct check *const *)elem)->srv;

	return s < e ? -1 : s > e;
}

struct check *check_of(const struct server *srv)
{
	struct check **p;

	if (!check_nb)
		return NULL;
	p = bsearch(srv, check_all, check_nb, sizeof(*check_all), cmp_srv);
	return p ? *p : NULL;
}

unsigned check_srv_down_gen(const struct server *srv)
{
	const struct check *chk = check_of(srv);

	return chk ? __atomic_load_n(&chk->down_gen, __ATOMIC_ACQUIRE) : 0;
}

unsigned check_shutdown_epoch(void)
{
	return __atomic_load_n(&shutdown_epoch, __ATOMIC_ACQUIRE);
}

/* --------------------------------------------------------- state machine */

static unsigned srv_state(const struct server *srv)
{
	return __atomic_load_n(&srv->state, __ATOMIC_RELAXED);
}

/* Up for the checks: anything but STOPPED (a draining server stays
 * draining while its checks pass). */
static int srv_up(const struct server *srv)
{
	return srv_state(srv) != SRV_ST_STOPPED;
}

static void srv_set(struct server *srv, unsigned state, unsigned eweight)
{
	__atomic_store_n(&srv->eweight, eweight, __ATOMIC_RELEASE);
	__atomic_store_n(&srv->state, state, __ATOMIC_RELEASE);
	lb_srv_changed(srv);
}

static unsigned chk_full(const struct check *chk)
{
	return chk->rise + chk->fall - 1;
}

unsigned check_interval(const struct check *chk)
{
	if (srv_up(chk->srv))
		return chk->health >= chk_full(chk) ? chk->inter : chk->fastinter;
	return chk->health == 0 ? chk->downinter : chk->fastinter;
}

/* Servers of the backend still usable, active and backup. */
static void count_usable(const struct proxy *be, unsigned *act, unsigned *bck)
{
	*act = *bck = 0;
	for (const struct server *s = be->srv; s; s = s->next) {
		unsigned st = srv_state(s);

		if ((s->flags & SRV_F_MAINT) || (st != SRV_ST_RUNNING && st != SRV_ST_STARTING))
			continue;
		if (s->flags & SRV_F_BACKUP)
			(*bck)++;
		else
			(*act)++;
	}
}

/* "reason: Layer4 connection problem, info: \"Connection refused\"" and
 * the like, without the leading "reason: ". */
static void describe(char *dst, size_t len, enum chk_status st, int code, const char *info)
{
	int n = snprintf(dst, len, "%s", check_status_desc(st));

	if (code && n >= 0 && (size_t)n < len)
		n += snprintf(dst + n, len - n, ", code: %d", code);
	if (info && *info && n >= 0 && (size_t)n < len)
		snprintf(dst + n, len - n, ", info: \"%s\"", info);
}

/* A state change: message on the message stream, Health log record in a
 * transaction of its own, then the counters. */
static void announce(struct check *chk, int up, enum chk_status st, int code, const char *info)
{
	struct server *srv = chk->srv;
	struct proxy *be = srv->be;
	const char *kind = (srv->flags & SRV_F_BACKUP) ? "Backup Server" : "Server";
	unsigned act, bck;
	char why[256];
	uint32_t vxid;

	describe(why, sizeof(why), st, code, info);
	count_usable(be, &act, &bck);
	if (up)
		fprintf(msg_out(), "[WARNING] %s %s/%s is UP, reason: %s, check duration: %ums. "
			"%u active and %u backup servers online.\n",
			kind, be->id, srv->id, why, chk->duration, act, bck);
	else
		fprintf(msg_out(), "[WARNING] %s %s/%s is DOWN, reason: %s, check duration: %ums. "
			"%u active and %u backup servers left. %u sessions active.\n",
			kind, be->id, srv->id, why, chk->duration, act, bck,
			__atomic_load_n(&srv->cur_sess, __ATOMIC_RELAXED));
	if (!up && !act && !bck)
		fprintf(msg_out(), "[ALERT] backend '%s' has no server available!\n", be->id);

	vxid = slog_vxid();
	slog_begin(vxid, "health", 0, "check");
	slog_printf(vxid, SL_TAG_Health, "%s %s %s %s %s", be->id, srv->id,
		    up ? "DOWN" : "UP", up ? "UP" : "DOWN", why);
	slog_end(vxid);

	if (srv->ctr) {
		if (up)
			srv->ctr[tid].ups++;
		else
			srv->ctr[tid].downs++;
	}
}

static void mark_down(struct check *chk, enum chk_status st, int code, const char *info)
{
	struct server *srv = chk->srv;

	chk->ramp_start = 0;
	srv_set(srv, SRV_ST_STOPPED, __atomic_load_n(&srv->eweight, __ATOMIC_RELAXED));
	if (chk->flags & CHK_F_SHUTDOWN) {
		__atomic_add_fetch(&chk->down_gen, 1, __ATOMIC_RELEASE);
		__atomic_add_fetch(&shutdown_epoch, 1, __ATOMIC_RELEASE);
	}
	announce(chk, 0, st, code, info);
}

static void mark_up(struct check *chk, enum chk_status st, int code, const char *info,
		    uint64_t now)
{
	struct server *srv = chk->srv;

	if (chk->slowstart && srv->weight) {
		/* the ramp's first step: weight/20 at least 1 */
		chk->ramp_start = now;
		srv_set(srv, SRV_ST_STARTING, MAX(srv->weight / 20, 1));
		check_ramp(chk, now);
	} else {
		chk->ramp_start = 0;
		srv_set(srv, SRV_ST_RUNNING, srv->weight);
	}
	announce(chk, 1, st, code, info);
}

uint64_t check_ramp(struct check *chk, uint64_t now)
{
	struct server *srv = chk->srv;
	uint64_t elapsed, k;
	unsigned w;

	if (!chk->ramp_start)
		return 0;
	elapsed = now > chk->ramp_start ? now - chk->ramp_start : 0;
	if (elapsed >= chk->slowstart) {
		chk->ramp_start = 0;
		chk->ramp_next = 0;
		srv_set(srv, SRV_ST_RUNNING, srv->weight);
		return 0;
	}
	k = 1 + elapsed * 20 / chk->slowstart;              /* step 1..20 */
	w = (unsigned)(srv->weight * k / 20);
	if (!w)
		w = 1;
	if (w != __atomic_load_n(&srv->eweight, __ATOMIC_RELAXED))
		srv_set(srv, SRV_ST_STARTING, w);
	chk->ramp_next = chk->ramp_start + (k * chk->slowstart + 19) / 20;
	return chk->ramp_next;
}

void check_report(struct check *chk, enum chk_status st, int code, const char *info,
		  uint64_t now)
{
	struct server *srv = chk->srv;
	int ok = check_status_ok(st);

	CHECK_OBJ(chk, CHECK_MAGIC);
	__atomic_store_n(&chk->status, (unsigned)st, __ATOMIC_RELAXED);
	chk->code = code;
	snprintf(chk->info, sizeof(chk->info), "%s", info ? info : "");
	if (srv->ctr) {
		if (ok)
			srv->ctr[tid].checks_ok++;
		else
			srv->ctr[tid].checks_failed++;
	}
	if (ok) {
		if (chk->health < chk_full(chk))
			__atomic_store_n(&chk->health, chk->health + 1, __ATOMIC_RELAXED);
		if (!srv_up(srv) && chk->health >= chk->rise) {
			__atomic_store_n(&chk->health, chk_full(chk), __ATOMIC_RELAXED);
			mark_up(chk, st, code, chk->info, now);
		}
		return;
	}
	if (srv_up(srv)) {
		if (chk->health > chk->rise) {
			__atomic_store_n(&chk->health, chk->health - 1, __ATOMIC_RELAXED);
		} else {
			__atomic_store_n(&chk->health, 0, __ATOMIC_RELAXED);
			mark_down(chk, st, code, chk->info);
		}
	} else if (chk->health > 0) {
		__atomic_store_n(&chk->health, chk->health - 1, __ATOMIC_RELAXED);
	}
}

/* ---------------------------------------------------------- HTTP verdict */

static int status_in(const struct chk_expect *e, int status)
{
	for (unsigned i = 0; i < e->nb_ranges; i++)
		if ((unsigned)status >= e->ranges[i].lo && (unsigned)status <= e->ranges[i].hi)
			return 1;
	return 0;
}

/* Does rule <e> match (before negation)? */
static int expect_match(const struct chk_expect *e, int status, const char *body, size_t blen)
{
	char code[4];
	regmatch_t m;

	switch (e->kind) {
	case CHK_EXP_STATUS:
		return status_in(e, status);
	case CHK_EXP_RSTATUS:
		code[0] = (char)('0' + status / 100 % 10);
		code[1] = (char)('0' + status / 10 % 10);
		code[2] = (char)('0' + status % 10);
		code[3] = 0;
		return regexec(&e->re, code, 0, NULL, 0) == 0;
	case CHK_EXP_STRING:
		return e->len <= blen && memmem(body, blen, e->text, e->len) != NULL;
	case CHK_EXP_RSTRING:
		/* REG_STARTEND: the body need not be NUL-terminated */
		m.rm_so = 0;
		m.rm_eo = (regoff_t)blen;
		return regexec(&e->re, body, 1, &m, REG_STARTEND) == 0;
	}
	return 0;
}

static int expect_on_body(const struct chk_expect *e)
{
	return e->kind == CHK_EXP_STRING || e->kind == CHK_EXP_RSTRING;
}

/* The body of a response whose head is raw[0..hlen): de-chunked into
 * scratch when chunked. Sets *body and *blen; returns 1 when the body is
 * complete, 0 when more may come. */
static int collect_body(const struct http_msg *msg, const char *raw, size_t len, size_t hlen,
			int bodyless, char *scratch, const char **body, size_t *blen)
{
	const char *p = raw + hlen;
	size_t avail = len - hlen;

	*body = p;
	*blen = 0;
	if (bodyless)
		return 1;
	if (msg->flags & HTTP_MF_CHUNKED) {
		struct h1_chunk ck;
		size_t used = 0, n = 0;

		h1_chunk_init(&ck);
		while (used < avail && ck.state != H1_CHK_DONE) {
			size_t doff, dlen;
			long r = h1_chunk_step(&ck, p + used, avail - used, &doff, &dlen, NULL);

			if (r <= 0)
				break;                  /* incomplete, or malformed: judge what we have */
			if (dlen && n + dlen <= CHK_BUFSIZE) {
				memcpy(scratch + n, p + used + doff, dlen);
				n += dlen;
			}
			used += (size_t)r;
		}
		*body = scratch;
		*blen = n;
		return ck.state == H1_CHK_DONE;
	}
	if (msg->flags & HTTP_MF_CL) {
		*blen = avail < msg->body_len ? avail : (size_t)msg->body_len;
		return avail >= msg->body_len;
	}
	*blen = avail;
	return 0;                                     /* until the server closes */
}

int check_http_verdict(const struct check_px *hc, const char *raw, size_t len, int more,
		       char *scratch, enum chk_status *st, int *code, char *info, size_t infolen)
{
	struct http_hdr hdrs[HTTP_MAX_HDR_DEFAULT];
	struct http_msg msg;
	size_t off = 0;
	const char *body = NULL;
	size_t blen = 0;
	int r, need_body = 0, bodyless;

	*code = 0;
	info[0] = 0;
	for (;;) {
		memset(&msg, 0, sizeof(msg));
		msg.hdrs = hdrs;
		msg.max_hdrs = ARRAY_SIZE(hdrs);
		r = h1_parse_rsp(raw + off, len - off, &msg, NULL);
		if (r < 0) {
			*st = CHK_S_L7RSP;
			snprintf(info, infolen, "invalid response: %s", h1_err_str(r));
			return 1;
		}
		if (r == 0) {
			if (more)
				return 0;
			*st = CHK_S_L7RSP;
			snprintf(info, infolen, "%s", !len ? "empty response" :
				 len >= CHK_BUFSIZE ? "response head too large" :
				 "incomplete response head");
			return 1;
		}
		if (msg.status >= 200 || msg.status == 101)
			break;
		off += (size_t)r;                     /* interim 1xx: the final one follows */
	}
	*code = msg.status;

	for (unsigned i = 0; hc && i < hc->nb_exp; i++)
		need_body |= expect_on_body(&hc->exp[i]);
	if (need_body) {
		bodyless = msg.status == 204 || msg.status == 304 || msg.status == 101 ||
			   (hc->meth && strcasecmp(hc->meth, "HEAD") == 0);
		if (!collect_body(&msg, raw, len, off + (size_t)r, bodyless, scratch, &body, &blen) &&
		    more)
			return 0;
	}

	if (!hc || !hc->nb_exp) {
		*st = msg.status >= 200 && msg.status < 400 ? CHK_S_L7OK : CHK_S_L7STS;
		snprintf(info, infolen, "%.*s", (int)MIN(msg.reason.len, 64), msg.reason.ptr);
		return 1;
	}
	for (unsigned i = 0; i < hc->nb_exp; i++) {
		const struct chk_expect *e = &hc->exp[i];

		if (expect_match(e, msg.status, body, blen) != e->neg)
			continue;
		if (expect_on_body(e)) {
			*st = CHK_S_L7RSP;
			snprintf(info, infolen, "body %s %s '%.40s'", e->neg ? "matches" : "does not match",
				 e->kind == CHK_EXP_STRING ? "string" : "regex", e->text);
		} else {
			*st = CHK_S_L7STS;
			snprintf(info, infolen, "status %d %s %s '%.40s'", msg.status,
				 e->neg ? "matches" : "does not match",
				 e->kind == CHK_EXP_STATUS ? "status" : "rstatus", e->text);
		}
		return 1;
	}
	*st = CHK_S_L7OK;
	snprintf(info, infolen, "%.*s", (int)MIN(msg.reason.len, 64), msg.reason.ptr);
	return 1;
}

/* ------------------------------------------------------------- running */

static void check_arm(struct check *chk)
{
	uint64_t when = chk->phase == CHK_P_IDLE ? chk->next : chk->deadline;

	if (chk->ramp_start)
		when = tick_first(when, chk->ramp_next);
	task_schedule(&chk->task, when ? when : 1);
}

/* Release what one check used (connection, buffer). */
static void check_close(struct check *chk)
{
	conn_free(&chk->conn);
	free(chk->buf);
	chk->buf = NULL;
	chk->sent = chk->len = 0;
	chk->phase = CHK_P_IDLE;
}

static void check_done(struct check *chk, enum chk_status st, int code, const char *info)
{
	uint64_t now = now_ms;

	check_close(chk);
	chk->duration = (unsigned)(now - chk->start);
	check_report(chk, st, code, info, now);
	chk->next = now + check_interval(chk);
}

static void check_start(struct check *chk)
{
	int err;

	chk->start = now_ms;
	chk->code = 0;
	chk->conn = conn_new_connect(&chk->addr, chk->addrlen, &chk->task);
	if (!chk->conn) {
		err = errno;
		check_done(chk, err == ECONNREFUSED || err == ENOENT || err == ENETUNREACH ||
			   err == EHOSTUNREACH || err == EADDRNOTAVAIL || err == EAGAIN ?
			   CHK_S_L4CON : CHK_S_SOCKERR, 0, strerror(err));
		return;
	}
	chk->phase = CHK_P_CONNECT;
	chk->deadline = chk->start + chk->timeout;
}

/* Move the check as far as its connection allows. */
static void check_io(struct check *chk)
{
	struct conn *c = chk->conn;
	const struct check_px *hc = chk->hc;
	int expired = now_ms >= chk->deadline;

	if (chk->phase == CHK_P_CONNECT) {
		int r = conn_connect_check(c);

		if (r < 0) {
			check_done(chk, CHK_S_L4CON, 0, strerror(errno));
			return;
		}
		if (r == 0) {
			if (expired)
				check_done(chk, CHK_S_L4TOUT, 0, NULL);
			return;
		}
		if (!hc) {
			check_done(chk, CHK_S_L4OK, 0, NULL);
			return;
		}
		chk->phase = CHK_P_SEND;
		chk->deadline = chk->timeout_check ? now_ms + chk->timeout_check
						   : chk->start + chk->inter;
		expired = now_ms >= chk->deadline;
		chk->buf = malloc(2 * CHK_BUFSIZE);   /* response, then de-chunked body */
		if (!chk->buf) {
			check_done(chk, CHK_S_SOCKERR, 0, "out of memory");
			return;
		}
	}
	if (chk->phase == CHK_P_SEND) {
		while (chk->sent < hc->req_len) {
			ssize_t n = conn_send(c, hc->req + chk->sent, hc->req_len - chk->sent, 0);

			if (n <= 0)
				break;
			chk->sent += (size_t)n;
		}
		if (c->flags & CO_FL_ERROR) {
			check_done(chk, CHK_S_L7RSP, 0, "error while sending the request");
			return;
		}
		if (chk->sent < hc->req_len) {
			if (expired)
				check_done(chk, CHK_S_L7TOUT, 0, NULL);
			return;
		}
		chk->phase = CHK_P_RECV;
	}
	if (chk->phase == CHK_P_RECV) {
		enum chk_status st;
		char info[CHK_INFO_LEN];
		int code, more;

		while (chk->len < CHK_BUFSIZE) {
			ssize_t n = conn_recv(c, chk->buf + chk->len, CHK_BUFSIZE - chk->len);

			if (n <= 0)
				break;
			chk->len += (size_t)n;
		}
		more = !(c->flags & (CO_FL_RD_SH | CO_FL_ERROR)) && chk->len < CHK_BUFSIZE;
		if (check_http_verdict(hc, chk->buf, chk->len, more, chk->buf + CHK_BUFSIZE,
				       &st, &code, info, sizeof(info))) {
			check_done(chk, st, code, info);
			return;
		}
		if (expired)
			check_done(chk, CHK_S_L7TOUT, 0, NULL);
	}
}

static void check_task(struct task *t, void *ctx)
{
	struct check *chk = ctx;

	CHECK_OBJ(chk, CHECK_MAGIC);
	if (is_stopping()) {
		check_close(chk);
		task_cancel(t);
		return;
	}
	if (chk->ramp_start && now_ms >= chk->ramp_next)
		check_ramp(chk, now_ms);
	if (chk->phase == CHK_P_IDLE) {
		if (now_ms >= chk->next)
			check_start(chk);
	}
	if (chk->phase != CHK_P_IDLE)
		check_io(chk);
	check_arm(chk);
}

/* ------------------------------------------------------------ threads */

static int check_runs(const struct check *chk)
{
	return (chk->flags & CHK_F_ENABLED) && !(chk->srv->flags & SRV_F_MAINT);
}

/* Each worker starts the checks that fall to it: the i-th running check
 * goes to thread i % nbthread, its first run spread over one interval so
 * that a farm is not checked all at once. */
static void check_thread_init(void)
{
	unsigned i, n = 0, nb = 0, nbthread = global.nbthread > 0 ? (unsigned)global.nbthread : 1;

	for (i = 0; i < check_nb; i++)
		nb += check_runs(check_all[i]);
	for (i = 0; i < check_nb; i++) {
		struct check *chk = check_all[i];

		if (!check_runs(chk))
			continue;
		if (n++ % nbthread != (unsigned)tid)
			continue;
		chk->tid = tid;
		chk->phase = CHK_P_IDLE;
		task_init(&chk->task, check_task, chk);
		chk->next = now_ms + (uint64_t)chk->inter * (n - 1) / nb;
		check_arm(chk);
	}
}

static void check_thread_stop(void)
{
	for (unsigned i = 0; i < check_nb; i++) {
		struct check *chk = check_all[i];

		if (!check_runs(chk) || chk->tid != tid || chk->task.process != check_task)
			continue;
		check_close(chk);
		task_cancel(&chk->task);
	}
}

static struct thread_hook check_hook = {
	.init = check_thread_init,
	.stop = check_thread_stop,
	.exit = check_thread_stop,
};

__attribute__((constructor)) static void check_register(void)
{
	thread_register_hook(&check_hook);
}

/* ------------------------------------------------- show servers state */

static const char *state_word(const struct server *srv)
{
	if (srv->flags & SRV_F_MAINT)
		return "MAINT";
	switch (srv_state(srv)) {
	case SRV_ST_STOPPED:  return "DOWN";
	case SRV_ST_STARTING: return "STARTING";
	case SRV_ST_RUNNING:  return "UP";
	case SRV_ST_STOPPING: return "DRAIN";
	}
	return "?";
}

/* The lines of "show servers state", without the empty line that ends the
 * answer (the socket adds it). */
static void show_servers_lines(FILE *out)
{
	fputs("# backend/server state eweight check_status health\n", out);
	for (const struct proxy *px = proxies_list; px; px = px->next) {
		if (!(px->cap & PX_CAP_BE))
			continue;
		for (const struct server *srv = px->srv; srv; srv = srv->next) {
			const struct check *chk = check_of(srv);
			char health[32] = "-";
			const char *st = "-";

			if (chk && check_runs(chk)) {
				st = check_status_name(__atomic_load_n(&chk->status, __ATOMIC_RELAXED));
				snprintf(health, sizeof(health), "%u/%u",
					 __atomic_load_n(&chk->health, __ATOMIC_RELAXED), chk_full(chk));
			}
			fprintf(out, "%s/%s %s %u %s %s\n", px->id, srv->id, state_word(srv),
				__atomic_load_n(&srv->eweight, __ATOMIC_RELAXED), st, health);
		}
	}
}

void check_show_servers(FILE *out)
{
	show_servers_lines(out);
	fputc('\n', out);
}

static int check_show_servers_cmd(struct ctl_ctx *ctx, int argc, char **args, FILE *out)
{
	show_servers_lines(out);
	return 0;
}

static const struct ctl_cmd check_cmds[] = {
	{ "show servers state", "one line per server: state, effective weight, last check",
	  0, 0, check_show_servers_cmd },
	CTL_CMD_END
};
CTL_REGISTER_COMMANDS(check_cmds);
