/* http_log.c: what HTTP/1 sessions and exchanges write into the shared
 * memory log, and their timing counters.
 *
 * Transactions: a session ("sess", one per client connection) links its
 * requests ("req"), each of which links the backend request ("bereq") it
 * made. Heads are logged whole, as one record each (ReqHead, BereqHead,
 * BerespHead, RespHead): one copy instead of one record per header keeps
 * logging within a few percent of a request's cost; libsluice expands them
 * into the per-field tags for readers. */
#include <string.h>
#include "proxy/http_log.h"
#include "proxy/proxy.h"
#include "net/conn.h"
#include "net/listener-t.h"
#include "lb/server-t.h"
#include "shm/log.h"
#include "core/clock.h"
#include "core/thread-t.h"

/* The loop turn's wall clock: timestamps within one pass over a session
 * are equal; the passes themselves are what the timings measure. */
uint64_t hlog_now(void)
{
	return now_real_us;
}

/* Microseconds from <then> to <now>; 0 if the wall clock stepped back. */
static inline uint64_t since(uint64_t now, uint64_t then)
{
	return now > then ? now - then : 0;
}

/* The head without its final empty line. */
static size_t head_trim(const char *head, size_t len)
{
	while (len && (head[len - 1] == '\n' || head[len - 1] == '\r'))
		len--;
	return len;
}

/* "<ip> <port>" of an address. */
static void put_addr(struct slog_line *l, const union conn_addr *a, char sep)
{
	char ip[64];

	conn_addr_str(a, ip, sizeof(ip));
	slog_puts(l, ip);
	slog_putc(l, sep);
	slog_putu(l, a->sa.sa_family == AF_INET ? ntohs(a->in4.sin_port) :
		  a->sa.sa_family == AF_INET6 ? ntohs(a->in6.sin6_port) : 0);
}

void hlog_sess_open(struct h1_sess *s)
{
	SLOG_LINE(l);

	s->t_open = hlog_now();
	s->log_peer_len = 0;
	if (!slog_active())
		return;
	s->vxid = slog_vxid();
	slog_begin(s->vxid, "sess", 0, "HTTP/1");
	put_addr(&l, &s->cli->peer, ' ');
	/* kept for the ReqStart of each request */
	s->log_peer_len = (uint8_t)MIN(l.len, sizeof(s->log_peer));
	memcpy(s->log_peer, l.buf, s->log_peer_len);
	slog_putc(&l, ' ');
	slog_puts(&l, s->fe->id);
	slog_putc(&l, ' ');
	slog_puts(&l, s->li->name);
	slog_line_end(s->vxid, SL_TAG_SessOpen, &l);
}

void hlog_sess_close(struct h1_sess *s, const char *reason)
{
	if (!slog_active() || !s->vxid)
		return;
	slog_printf(s->vxid, SL_TAG_SessClose, "%s %llu %u", reason,
		    (unsigned long long)(since(hlog_now(), s->t_open) / 1000), s->nb_req);
	slog_end(s->vxid);
	s->vxid = 0;
}

/* Room for a head and the records around it in a Multi record. */
static size_t head_room(size_t len)
{
	return MIN(len, (size_t)SLOG_MAX_PAYLOAD) + 256;
}

/* A head item: cut, flagged, past SLOG_MAX_PAYLOAD as any record. */
static void put_head(struct slog_multi *m, unsigned tag, const char *head, size_t len)
{
	slog_multi_text(m, tag);
	if (len > SLOG_MAX_PAYLOAD) {
		len = SLOG_MAX_PAYLOAD;
		m->cut = 1;
	}
	slog_multi_put(m, head, len);
}

void hlog_req(struct stream *st, const char *head, size_t len)
{
	struct h1_sess *s = st->sess;
	struct slog_multi m;

	st->t_req = hlog_now();
	st->t_start = s->t_head ? s->t_head : st->t_req;
	s->t_head = 0;
	st->req_hlen = (uint32_t)len;
	if (!slog_active())
		return;
	st->vxid = slog_vxid();
	if (!s->log_peer_len) {
		/* logging was off when the session opened */
		SLOG_LINE(l);

		put_addr(&l, &s->cli->peer, ' ');
		s->log_peer_len = (uint8_t)MIN(l.len, sizeof(s->log_peer));
		memcpy(s->log_peer, l.buf, s->log_peer_len);
	}
	len = head_trim(head, len);
	if (!slog_multi_open(&m, st->vxid, head_room(len) + sizeof(s->log_peer) +
			     strlen(s->fe->id)))
		return;
	slog_multi_begin(&m, SL_F_CLIENT, "req %u rxreq", s->vxid);
	slog_multi_text(&m, SL_TAG_ReqStart);
	slog_multi_put(&m, s->log_peer, s->log_peer_len);
	slog_multi_put(&m, " ", 1);
	slog_multi_puts(&m, s->fe->id);
	put_head(&m, SL_TAG_ReqHead, head, len);
	slog_multi_ts(&m, "Start", st->t_start, st->t_start, st->t_start);
	slog_multi_ts(&m, "Req", st->t_req, st->t_start, st->t_start);
	slog_multi_close(&m);
}

void hlog_bereq(struct stream *st, int reused)
{
	const char *head = st->req_out.area + st->req_out.head;
	struct server *srv = st->bk.srv;
	struct slog_multi m;
	size_t len;

	st->t_connect = hlog_now();
	if (!slog_active() || !st->vxid)
		return;
	st->bvxid = slog_vxid();
	len = head_trim(head, st->breq_hlen);
	if (!slog_multi_open(&m, st->bvxid, head_room(len) + strlen(st->bk.be->id) +
			     strlen(srv->id) + sizeof(srv->addr_log)))
		return;
	slog_multi_begin(&m, SL_F_BACKEND, "bereq %u fetch", st->vxid);
	slog_multi_text(&m, SL_TAG_Backend);
	slog_multi_puts(&m, st->bk.be->id);
	slog_multi_put(&m, " ", 1);
	slog_multi_puts(&m, srv->id);
	slog_multi_put(&m, " ", 1);
	slog_multi_puts(&m, srv->addr_log);
	if (reused)
		slog_multi_put(&m, " reused", 7);
	else
		slog_multi_put(&m, " new", 4);
	put_head(&m, SL_TAG_BereqHead, head, len);
	slog_multi_close(&m);
}

void hlog_connected(struct stream *st)
{
	uint64_t now = hlog_now(), ms = since(now, st->t_connect) / 1000;

	st->bk.be->ctr[tid].t_connect_ms += ms;
	st->bk.be->ctr[tid].t_connect_cnt++;
	st->bk.srv->ctr[tid].t_connect_ms += ms;
	st->bk.srv->ctr[tid].t_connect_cnt++;
	if (slog_active() && st->bvxid)
		slog_ts(st->bvxid, "Connected", now, st->t_start, st->t_connect);
	st->t_connect = now;
}

void hlog_first_byte(struct stream *st)
{
	uint64_t ms;

	st->t_fetch = hlog_now();
	ms = since(st->t_fetch, st->t_req) / 1000;
	st->bk.be->ctr[tid].t_ttfb_ms += ms;
	st->bk.be->ctr[tid].t_ttfb_cnt++;
	st->bk.srv->ctr[tid].t_ttfb_ms += ms;
	st->bk.srv->ctr[tid].t_ttfb_cnt++;
}

/* A head and the Timestamp after it, as one record. */
static void head_ts(uint32_t vxid, unsigned tag, const char *head, size_t len,
		    const char *label, size_t llen, uint64_t now, uint64_t start, uint64_t prev)
{
	struct slog_multi m;

	len = head_trim(head, len);
	if (!slog_multi_open(&m, vxid, head_room(len)))
		return;
	put_head(&m, tag, head, len);
	slog_multi_fmt(&m, SL_TAG_Timestamp, label, llen, 3, (const uint64_t[]){
			now, since(now, start), since(now, prev) });
	slog_multi_close(&m);
}

void hlog_beresp(struct stream *st, const char *head, size_t len)
{
	uint64_t t;

	st->bresp_hlen = (uint32_t)len;
	if (!slog_active() || !st->bvxid)
		return;
	t = st->t_fetch ? st->t_fetch : hlog_now();
	head_ts(st->bvxid, SL_TAG_BerespHead, head, len, "Fetch: %t %t %t", 15, t,
		st->t_start, st->t_req);
}

void hlog_resp(struct stream *st, const char *head, size_t len)
{
	uint64_t prev = st->t_fetch ? st->t_fetch : st->t_req;

	st->t_resp = hlog_now();
	st->resp_hlen = (uint32_t)len;
	if (!slog_active() || !st->vxid)
		return;
	head_ts(st->vxid, SL_TAG_RespHead, head, len, "Resp: %t %t %t", 14, st->t_resp,
		st->t_start, prev);
}

void hlog_reject(struct stream *st, int status, const char *why)
{
	if (!slog_active())
		return;
	if (!st->vxid) {
		/* refused before a request could be read: a transaction of its own */
		struct h1_sess *s = st->sess;

		st->vxid = slog_vxid();
		if (s->vxid)
			slog_link(s->vxid, "req", st->vxid, "rxreq");
		slog_begin(st->vxid, "req", s->vxid, "rxreq");
		st->t_start = st->t_req = hlog_now();
	}
	slog_printf(st->vxid, SL_TAG_Reject, "%d %s", status, why);
}

void hlog_error(struct stream *st, const char *where, const char *why)
{
	if (!slog_active())
		return;
	slog_printf(st->bvxid ? st->bvxid : st->vxid, SL_TAG_Error, "%s %s", where, why);
}

void hlog_end(struct stream *st)
{
	struct h1_sess *s = st->sess;
	uint64_t now = hlog_now(), ms = since(now, st->t_start ? st->t_start : now) / 1000;

	s->fe->ctr[tid].t_total_ms += ms;
	s->fe->ctr[tid].t_total_cnt++;
	if (st->bk.be && st->bk.be != s->fe) {
		st->bk.be->ctr[tid].t_total_ms += ms;
		st->bk.be->ctr[tid].t_total_cnt++;
	}
	if (st->bk.srv && st->status)
		st->bk.srv->ctr[tid].rsp[st->status / 100 <= 5 ? st->status / 100 : 0]++;
	if (!slog_active() || !st->vxid)
		return;
	if (st->bvxid) {
		struct slog_multi m;

		if (slog_multi_open(&m, st->bvxid, 0)) {
			slog_multi_fmtv(&m, SL_TAG_BereqAcct, "%u %u %u %u", st->breq_hlen,
					st->req_body, st->bresp_hlen, st->rsp_body);
			slog_multi_end(&m);
			slog_multi_close(&m);
		}
	}
	if (st->status && !st->resp_hlen)
		slog_printf(st->vxid, SL_TAG_RespStatus, "%d", st->status);  /* our own error page */
	{
		struct slog_multi m;

		if (slog_multi_open(&m, st->vxid, 0)) {
			slog_multi_fmtv(&m, SL_TAG_ReqAcct, "%u %u %u", st->req_hlen,
					st->req_body, st->req_hlen + st->req_body);
			slog_multi_fmtv(&m, SL_TAG_RespAcct, "%u %u %u", st->resp_hlen,
					st->rsp_body, st->resp_hlen + st->rsp_body);
			slog_multi_ts(&m, "End", now, st->t_start, st->t_resp ? st->t_resp : st->t_req);
			slog_multi_end(&m);
			slog_multi_close(&m);
		}
	}
	st->vxid = st->bvxid = 0;
}
