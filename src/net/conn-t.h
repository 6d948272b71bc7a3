/* conn-t.h: a connection = a socket (ctrl) + a transport layer (xprt). The
 * owner (a session or a stream) is a task woken on every I/O event. */
#ifndef SLUICE_NET_CONN_T_H
#define SLUICE_NET_CONN_T_H

#include <sys/types.h>
#include <sys/socket.h>
#include <netinet/in.h>
#include "core/fd.h"
#include "core/list.h"

struct conn;
struct task;

#define CONN_MAGIC 0x434f4e4eU

/* Readiness and state flags (CO_FL_*). READY flags mean "the last event
 * said so and no syscall returned EAGAIN since": edge-triggered polling. */
#define CO_FL_RD_READY    0x0001
#define CO_FL_WR_READY    0x0002
#define CO_FL_RD_SH       0x0004  /* peer closed its write side (read got 0) */
#define CO_FL_WR_SH       0x0008  /* we shut our write side */
#define CO_FL_ERROR       0x0010  /* socket error: reset, refused... */
#define CO_FL_CONNECTING  0x0020  /* connect() in progress */
#define CO_FL_PEER_HUP    0x0040  /* the poller reported RDHUP/HUP */
#define CO_FL_REUSED      0x0080  /* server conn came from the idle list */
#define CO_FL_SERVER      0x0100  /* server-side connection */

/* Transport layer. rcv/snd return the byte count (>0), or 0 when nothing
 * moved; then the connection's flags say why (RD_READY/WR_READY cleared on
 * EAGAIN, RD_SH on end of stream, ERROR on failure). */
struct xprt_ops {
	const char *name;
	ssize_t (*rcv_buf)(struct conn *c, char *dst, size_t len);
	ssize_t (*snd_buf)(struct conn *c, const char *src, size_t len, int more);
	/* move bytes through a pipe (splice); optional, NULL when unsupported */
	ssize_t (*rcv_pipe)(struct conn *c, int pipe_wr, size_t len);
	ssize_t (*snd_pipe)(struct conn *c, int pipe_rd, size_t len);
	void (*shutw)(struct conn *c);
};

struct conn {
	unsigned magic;
	unsigned flags;
	struct fd_handler fdh;       /* fd and poller callback */
	const struct xprt_ops *xprt;
	struct task *owner;          /* woken on events */
	unsigned nb_req;             /* requests sent over it (server side) */
	void *srv;                   /* server this conn goes to (server side) */
	struct list idle;            /* in srv->idle[tid] while idle */
	struct list th_idle;         /* in th->idle_srv while idle */
	union conn_addr {             /* client address (client side); AF_UNIX */
		struct sockaddr sa;   /* peers keep only their family: they have */
		struct sockaddr_in in4; /* no useful address, and an idle */
		struct sockaddr_in6 in6; /* connection must stay small */
	} peer;
};

#endif
