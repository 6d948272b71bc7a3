/* http_log.h: log records and timing counters of HTTP/1 sessions and
 * exchanges. Every function is cheap when the log is off (only the timing
 * counters remain). */
#ifndef SLUICE_PROXY_HTTP_LOG_H
#define SLUICE_PROXY_HTTP_LOG_H

#include <stddef.h>
#include "proxy/stream-t.h"

/* Current time for the log and the timing counters, in microseconds. */
uint64_t hlog_now(void);

void hlog_sess_open(struct h1_sess *s);
void hlog_sess_close(struct h1_sess *s, const char *reason);
/* A request head of <len> bytes at <head> was parsed. */
void hlog_req(struct stream *st, const char *head, size_t len);
/* The request head for the server is at the start of st->req_out. */
void hlog_bereq(struct stream *st, int reused);
void hlog_connected(struct stream *st);
void hlog_first_byte(struct stream *st);
void hlog_beresp(struct stream *st, const char *head, size_t len);
void hlog_resp(struct stream *st, const char *head, size_t len);
/* A refused request (400s, 408...) or a failure, with its cause. */
void hlog_reject(struct stream *st, int status, const char *why);
void hlog_error(struct stream *st, const char *where, const char *why);
/* End of the exchange: byte counts, timestamps, timing counters. */
void hlog_end(struct stream *st);

#endif
