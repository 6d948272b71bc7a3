/* conn-t.h: a connection = a socket (ctrl) + a transport layer (xprt) with
 * its per-connection context. The owner (a mux's session, a stream, a
 * handshake) is a task woken on every I/O event. The layers are described
 * in doc/architecture.md, "Connection layers". */
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

/* Transport layer (xprt): how bytes cross the socket (raw: as they are;
 * TLS: encrypted). A const ops struct registered from its own file
 * (XPRT_REGISTER, conn.h). Every member runs on the thread that owns the
 * connection and takes no lock; none may block.
 *
 * I/O members return the byte count (>0), or 0 when nothing moved; then
 * the connection's flags say why: RD_READY / WR_READY cleared when the
 * socket (or the transport, e.g. a TLS record cut short) must wait for the
 * poller, RD_SH on the end of the stream, ERROR on a failure. They are the
 * hot path: callers reach them through one indirect call (conn_recv(),
 * conn_send()), nothing else. */
struct xprt_ops {
	const char *name;                 /* required: "raw", "tls" (sluice -vv) */

	/* optional: prepare <c>, already holding its socket, for this
	 * transport (conn_xprt_set()): allocate what it keeps per
	 * connection into c->xprt_ctx. Returns 0, or -1 (out of memory, bad
	 * setup): then it has freed what it allocated, and close() will not
	 * be called. Absent: the transport keeps no per-connection state. */
	int (*init)(struct conn *c);
	/* optional: release c->xprt_ctx. Called once, by conn_free(), while
	 * the socket is still open (a TLS alert may be sent, never waited
	 * for); not called when the socket was taken over by another
	 * connection (conn_takeover(): the context moves with the socket). */
	void (*close)(struct conn *c);
	/* optional: one step of the transport's own handshake (TLS), never
	 * blocking: 1 done, 0 again later (it waits for I/O: the cleared
	 * RD_READY or WR_READY flag says which way; the poller's event wakes
	 * the owner), -1 failed: CO_FL_ERROR set, or only CO_FL_RD_SH when
	 * the client closed before sending a byte (a health check: not
	 * counted as a refusal). Run by the handshake chain
	 * (net/handshake.h) as its last step, after the steps that read the
	 * socket itself (PROXY header). Absent: nothing to negotiate. */
	int (*handshake)(struct conn *c);
	/* optional: the application protocol the handshake negotiated (TLS
	 * ALPN): points *name at it (not NUL-terminated, valid while <c> is)
	 * with its length in *len and returns 1; returns 0 when none was.
	 * Asked once the handshake is done, to choose the mux. Absent: none. */
	int (*alpn)(const struct conn *c, const char **name, size_t *len);

	/* required: read at most <len> bytes into <dst>. */
	ssize_t (*rcv_buf)(struct conn *c, char *dst, size_t len);
	/* required: send at most <len> bytes of <src>; <more>: more follow
	 * at once (coalesce: MSG_MORE). */
	ssize_t (*snd_buf)(struct conn *c, const char *src, size_t len, int more);
	/* optional: move bytes between the socket and a pipe (splice(2)),
	 * for transports that send the bytes as they are. Callers check
	 * conn_can_splice() first and use buffers when it says no. rcv_pipe
	 * may also return 0 with RD_READY cleared because the pipe is full:
	 * the caller tells the two apart by the pipe's fill level. */
	ssize_t (*rcv_pipe)(struct conn *c, int pipe_wr, size_t len);
	ssize_t (*snd_pipe)(struct conn *c, int pipe_rd, size_t len);
	/* optional: shut the write side after the last bytes (conn_shutw()
	 * calls it once). Absent: nothing is sent until the socket closes. */
	void (*shutw)(struct conn *c);
};

struct conn {
	unsigned magic;
	unsigned flags;
	struct fd_handler fdh;       /* fd and poller callback */
	const struct xprt_ops *xprt;
	void *xprt_ctx;              /* the transport's own state (init/close), or NULL */
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
