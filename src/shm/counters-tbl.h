/* counters-tbl.h: every counter sluice keeps, one table per family. The
 * tables generate the C structs (shm/counters-t.h), the field descriptions
 * written into the shared memory and walked by "show stat" (counters.c),
 * and the reference printed by `sluice -x counters`. No include guard: it
 * is included once per use, with the macros of the wanted families defined
 * (a family whose macro is not defined is skipped).
 *
 *   <F>_CTR(name, kind, flags, live, doc, doc_be)        a uint64_t member
 *   <F>_CTR_ARRAY(member, n)                             uint64_t member[n],
 *   <F>_CTR_ELEM(member, idx, name, kind, flags, live, doc, doc_be)
 *                                 ... described by the n ELEM lines that
 *                                 follow it, in index order
 *
 *   name    C member (ELEM: the element's own name), field name in the
 *           shared memory and last word of the "show stat" key
 *   kind    COUNTER: monotonic, one value per thread, summed by readers;
 *           GAUGE: current value, in row 0 only
 *   flags   CTR_FE, CTR_BE: proxies: the sides it applies to;
 *           CTR_STAT: also reported by "show stat" (the socket's set of
 *           keys is part of its interface: tests depend on it)
 *   live    GAUGE only: a function reading the current value from the
 *           object (ctr_live_*, counters.c); sluice copies it into row 0
 *           every second and "show stat" calls it. NULL: the row is the
 *           value (whoever changes it uses atomics on row 0)
 *   doc     one line, at most 95 characters
 *   doc_be  proxies: the line for the backend side when it differs
 *
 * Members are read by name (px->ctr[tid].requests++), so a line may be
 * added anywhere; readers of the shared memory find fields by name too.
 */

/* ---- frontends and backends: struct px_counters (proxy->ctr[thread]) ---- */
#ifdef PX_CTR
PX_CTR(conns,        COUNTER, CTR_FE | CTR_STAT, NULL,
       "connections accepted", NULL)
PX_CTR(cur_conns,    GAUGE,   CTR_FE | CTR_STAT, ctr_live_px_cur_conns,
       "client connections open now (gauge)", NULL)
PX_CTR(requests,     COUNTER, CTR_FE | CTR_BE | CTR_STAT, NULL,
       "requests received", "requests forwarded to this backend")
PX_CTR_ARRAY(rsp, 6)
PX_CTR_ELEM(rsp, 0, rsp_other, COUNTER, CTR_FE | CTR_BE | CTR_STAT, NULL,
       "responses with any other status", NULL)
PX_CTR_ELEM(rsp, 1, rsp_1xx,   COUNTER, CTR_FE | CTR_BE | CTR_STAT, NULL,
       "responses with status 1xx", NULL)
PX_CTR_ELEM(rsp, 2, rsp_2xx,   COUNTER, CTR_FE | CTR_BE | CTR_STAT, NULL,
       "responses with status 2xx", NULL)
PX_CTR_ELEM(rsp, 3, rsp_3xx,   COUNTER, CTR_FE | CTR_BE | CTR_STAT, NULL,
       "responses with status 3xx", NULL)
PX_CTR_ELEM(rsp, 4, rsp_4xx,   COUNTER, CTR_FE | CTR_BE | CTR_STAT, NULL,
       "responses with status 4xx", NULL)
PX_CTR_ELEM(rsp, 5, rsp_5xx,   COUNTER, CTR_FE | CTR_BE | CTR_STAT, NULL,
       "responses with status 5xx", NULL)
PX_CTR(req_rejected, COUNTER, CTR_FE | CTR_STAT, NULL,
       "invalid requests rejected with a 4xx", NULL)
PX_CTR(req_timeout,  COUNTER, CTR_FE | CTR_STAT, NULL,
       "requests not received in time (408)", NULL)
PX_CTR(cli_aborts,   COUNTER, CTR_FE | CTR_STAT, NULL,
       "transfers aborted by the client", NULL)
PX_CTR(srv_errors,   COUNTER, CTR_BE | CTR_STAT, NULL,
       "failed or invalid server responses (502)", NULL)
PX_CTR(srv_timeouts, COUNTER, CTR_BE | CTR_STAT, NULL,
       "server timeouts (504)", NULL)
PX_CTR(no_srv,       COUNTER, CTR_BE | CTR_STAT, NULL,
       "requests with no server available (503)", NULL)
PX_CTR(bytes_in,     COUNTER, CTR_FE | CTR_BE | CTR_STAT, NULL,
       "bytes received from clients", "bytes received from servers")
PX_CTR(bytes_out,    COUNTER, CTR_FE | CTR_BE | CTR_STAT, NULL,
       "bytes sent to clients", "bytes sent to servers")
PX_CTR(denied_conn,  COUNTER, CTR_FE | CTR_STAT, NULL,
       "connections refused at accept", NULL)
PX_CTR(queued_cur,   GAUGE,   CTR_BE, NULL,
       "requests waiting for a server now (gauge)", NULL)
PX_CTR(queued_max,   GAUGE,   CTR_BE, NULL,
       "most requests waiting for a server at once since start (gauge)", NULL)
PX_CTR(queue_timeouts, COUNTER, CTR_BE, NULL,
       "requests that waited too long for a server (503)", NULL)
PX_CTR(t_connect_ms,  COUNTER, CTR_BE, NULL,
       "time to connect to a server, sum of the samples (ms)", NULL)
PX_CTR(t_connect_cnt, COUNTER, CTR_BE, NULL,
       "connections timed in t_connect_ms", NULL)
PX_CTR(t_ttfb_ms,     COUNTER, CTR_BE, NULL,
       "time from sending a request to the first response byte, sum (ms)", NULL)
PX_CTR(t_ttfb_cnt,    COUNTER, CTR_BE, NULL,
       "responses timed in t_ttfb_ms", NULL)
PX_CTR(t_total_ms,    COUNTER, CTR_FE | CTR_BE, NULL,
       "time from a request's first byte to its response's last, sum (ms)", NULL)
PX_CTR(t_total_cnt,   COUNTER, CTR_FE | CTR_BE, NULL,
       "requests timed in t_total_ms", NULL)
#endif

/* ---- servers: struct srv_counters (server->ctr[thread]) ---- */
#ifdef SRV_CTR
SRV_CTR(conns,          COUNTER, CTR_STAT, NULL,
	"connections opened to the server", NULL)
SRV_CTR(reused,         COUNTER, CTR_STAT, NULL,
	"requests sent over a reused idle connection", NULL)
SRV_CTR(takeovers,      COUNTER, CTR_STAT, NULL,
	"idle connections taken from another thread (some found closed, not used)", NULL)
SRV_CTR(requests,       COUNTER, CTR_STAT, NULL,
	"requests sent to the server", NULL)
SRV_CTR(connect_errors, COUNTER, CTR_STAT, NULL,
	"failed connection attempts", NULL)
SRV_CTR(resp_errors,    COUNTER, CTR_STAT, NULL,
	"invalid responses or resets (502)", NULL)
SRV_CTR(timeouts,       COUNTER, CTR_STAT, NULL,
	"server timeouts (504)", NULL)
SRV_CTR(bytes_in,       COUNTER, CTR_STAT, NULL,
	"bytes received from the server", NULL)
SRV_CTR(bytes_out,      COUNTER, CTR_STAT, NULL,
	"bytes sent to the server", NULL)
SRV_CTR(idle,           GAUGE,   CTR_STAT, ctr_live_srv_idle,
	"idle connections kept open now (gauge)", NULL)
SRV_CTR(checks_ok,      COUNTER, CTR_STAT, NULL,
	"health checks passed", NULL)
SRV_CTR(checks_failed,  COUNTER, CTR_STAT, NULL,
	"health checks failed", NULL)
SRV_CTR(downs,          COUNTER, CTR_STAT, NULL,
	"times the health checks marked the server DOWN", NULL)
SRV_CTR(ups,            COUNTER, CTR_STAT, NULL,
	"times the health checks brought the server back UP", NULL)
SRV_CTR_ARRAY(rsp, 6)
SRV_CTR_ELEM(rsp, 0, rsp_other, COUNTER, 0, NULL,
	"responses with any other status", NULL)
SRV_CTR_ELEM(rsp, 1, rsp_1xx,   COUNTER, 0, NULL, "responses with status 1xx", NULL)
SRV_CTR_ELEM(rsp, 2, rsp_2xx,   COUNTER, 0, NULL, "responses with status 2xx", NULL)
SRV_CTR_ELEM(rsp, 3, rsp_3xx,   COUNTER, 0, NULL, "responses with status 3xx", NULL)
SRV_CTR_ELEM(rsp, 4, rsp_4xx,   COUNTER, 0, NULL, "responses with status 4xx", NULL)
SRV_CTR_ELEM(rsp, 5, rsp_5xx,   COUNTER, 0, NULL, "responses with status 5xx", NULL)
SRV_CTR(queued_cur,     GAUGE,   0, NULL,
	"requests waiting for this server now (gauge)", NULL)
SRV_CTR(queued_max,     GAUGE,   0, NULL,
	"most requests waiting for this server at once since start (gauge)", NULL)
SRV_CTR(queue_timeouts, COUNTER, 0, NULL,
	"requests that waited too long for this server (503)", NULL)
SRV_CTR(t_connect_ms,   COUNTER, 0, NULL,
	"time to connect, sum of the samples (ms)", NULL)
SRV_CTR(t_connect_cnt,  COUNTER, 0, NULL,
	"connections timed in t_connect_ms", NULL)
SRV_CTR(t_ttfb_ms,      COUNTER, 0, NULL,
	"time from sending a request to the first response byte, sum (ms)", NULL)
SRV_CTR(t_ttfb_cnt,     COUNTER, 0, NULL,
	"responses timed in t_ttfb_ms", NULL)
#endif

/* ---- worker threads: struct thr_counters (thr_ctr(), one block each) ---- */
#ifdef THR_CTR
THR_CTR(loops,          COUNTER, 0, NULL, "event loop turns", NULL)
THR_CTR(events,         COUNTER, 0, NULL, "file descriptor events handled", NULL)
THR_CTR(tasks_run,      COUNTER, 0, NULL, "tasks run from the run queue", NULL)
THR_CTR(conns_accepted, COUNTER, 0, NULL, "client connections accepted", NULL)
THR_CTR(conns_cur,      GAUGE,   0, NULL,
	"client and server connections owned now (gauge)", NULL)
THR_CTR(log_records,    COUNTER, 0, NULL, "log records published", NULL)
THR_CTR(log_batches,    COUNTER, 0, NULL, "batches of log records published", NULL)
THR_CTR(log_bytes,      COUNTER, 0, NULL, "bytes of log records published", NULL)
THR_CTR(log_truncated,  COUNTER, 0, NULL,
	"log records whose payload was cut at the size limit", NULL)
THR_CTR(log_dropped,    COUNTER, 0, NULL,
	"log records dropped (out of memory, or the ring lapped the writer)", NULL)
THR_CTR(shm_recreated,  COUNTER, 0, NULL,
	"times the shared-memory file was recreated after being truncated (thread 0)", NULL)
#endif

/* ---- pools: struct pool_counters (one block each, refreshed every second) ---- */
#ifdef POOL_CTR
POOL_CTR(obj_size,  GAUGE,   0, NULL, "object size in bytes (gauge)", NULL)
POOL_CTR(allocated, GAUGE,   0, NULL, "objects obtained from the system now (gauge)", NULL)
POOL_CTR(used,      GAUGE,   0, NULL, "objects in use now (gauge)", NULL)
POOL_CTR(cached,    GAUGE,   0, NULL,
	"free objects kept in the thread and shared caches now (gauge)", NULL)
POOL_CTR(failures,  COUNTER, 0, NULL,
	"allocations refused (pool limit or system)", NULL)
#endif
