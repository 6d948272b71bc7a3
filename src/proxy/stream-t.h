/* stream-t.h: an HTTP/1 client session and the exchange in progress on it. */
#ifndef SLUICE_PROXY_STREAM_T_H
#define SLUICE_PROXY_STREAM_T_H

#include <stdint.h>
#include "core/task-t.h"
#include "core/list.h"
#include "http/msg-t.h"
#include "mem/buf.h"
#include "proxy/backend-t.h"
#include "proxy/producer-t.h"
#include "net/proxy_proto.h"

struct conn;
struct listener;
struct proxy;
struct server;

#define SESS_MAGIC 0x53455353U
#define STRM_MAGIC 0x5354524dU

enum rq_state { RQ_BODY = 1, RQ_DONE };
enum rs_state { RS_HEAD = 1, RS_BODY, RS_DONE, RS_TUNNEL };
enum body_mode { BM_NONE = 0, BM_CL, BM_CHUNKED, BM_CLOSE };

#define STRM_F_SRV_CLOSE   0x0001  /* server conn must not be reused */
#define STRM_F_CLI_CLOSE   0x0002  /* close the client after this response */
#define STRM_F_RSP_STARTED 0x0004  /* a final response head was queued to the client */
#define STRM_F_SRV_BYTES   0x0008  /* the server sent at least one byte */
#define STRM_F_UPGRADE     0x0010  /* request asked for a protocol upgrade */
#define STRM_F_HEAD_KEPT   0x0020  /* request head still in sess->ibuf (retryable) */
#define STRM_F_ABORT       0x0040  /* tear everything down now */
#define STRM_F_REQ_SENT    0x0080  /* request fully handed to the server socket */
#define STRM_F_DECHUNK     0x0100  /* chunked response to an HTTP/1.0 client: send data only */
#define STRM_F_CK_VALID    0x1000  /* the client's persistence cookie named our server */
#define STRM_F_SRV_HELD    0x2000  /* sluice, not the server, holds its side up (buffers */
                                   /* full): the server's silence is not counted */
#define STRM_F_CLI_HELD    0x4000  /* the same for the client's side (timeout client) */

/* One request/response exchange; exists from a complete request head to the
 * end of the response. */
struct stream {
	unsigned magic;
	unsigned flags;              /* STRM_F_* */
	struct h1_sess *sess;
	struct be_att bk;            /* backend, server, slot, queue, connect retries */
	const struct producer_ops *prod; /* the response's internal producer, if any */
	const void *prod_arg;        /* what it produces (a struct http_reply...) */
	uint64_t prod_off;           /* its progress (body bytes written...) */
	struct conn *srvc;
	struct buffer req_out;       /* toward the server */
	struct buffer rsp_in;        /* from the server */
	struct buffer rsp_out;       /* toward the client */
	enum rq_state req_st;
	enum rs_state rsp_st;
	enum body_mode req_bm, rsp_bm;
	struct h1_chunk req_chk, rsp_chk;
	uint64_t req_left, rsp_left; /* Content-Length bytes still to move */
	unsigned req_mf;             /* HTTP_MF_* of the request */
	enum http_meth meth;
	int status;                  /* final status sent to the client */
	uint32_t req_head_len;
	int reuse_retried;           /* replayed once after a reused conn died */
	unsigned down_gen;           /* check_srv_down_gen(srv) when connected */
	uint8_t pp_len, pp_off;      /* PROXY header for a send-proxy server: */
	char pp_hdr[PROXY_BUILD_MAX];/* sent before the request on a new conn */
	uint64_t srv_act;            /* last server activity (ms) */
	/* log and timing figures (http_log.c); times in microseconds */
	uint32_t vxid, bvxid;        /* request and backend request transactions */
	uint64_t t_start;            /* first byte of the request head */
	uint64_t t_req;              /* request head complete */
	uint64_t t_connect;          /* connect started, then established */
	uint64_t t_fetch;            /* first byte from the server */
	uint64_t t_resp;             /* response head queued to the client */
	uint32_t req_hlen, breq_hlen, bresp_hlen, resp_hlen;
	uint64_t req_body, rsp_body; /* body bytes moved each way */
};

#define SESS_F_LINGER  0x0001    /* response sent, draining the client before close */
#define SESS_F_STOP    0x0002    /* soft stop: close after the current exchange */
#define SESS_F_RL_OK   0x0004    /* the request line being read was parsed fine */
#define SESS_F_STOP_IDLE 0x0008  /* idle when the soft stop came: closes once a last */
                                 /* read finds nothing asked */

/* An HTTP/1 client connection. While idle it holds no buffer and no stream. */
struct h1_sess {
	unsigned magic;
	unsigned flags;              /* SESS_F_* */
	struct task task;
	struct conn *cli;
	struct listener *li;
	struct proxy *fe;
	struct stream *strm;
	struct buffer ibuf;          /* request bytes */
	struct conn *priv;           /* http-reuse never: this client's idle server conn */
	struct buf_wait bw;          /* queued here when no buffer is available */
	struct list th_list;         /* in th->sessions */
	uint64_t req_exp;            /* http-request deadline of the head being read */
	uint64_t cli_act;            /* last client activity */
	uint32_t nb_req;
	size_t scan;                 /* h1_head_end() resume point in ibuf */
	uint32_t vxid;               /* the session's log transaction */
	uint64_t t_open;             /* accept time (us) */
	uint64_t t_head;             /* first byte of the head being read (us) */
	uint8_t log_peer_len;
	char log_peer[55];           /* "<ip> <port>" of the client, for the log */
};

#endif
