/* handshake-t.h: the handshake chain of a listener and the steps it is
 * made of: work done on an accepted connection before a mux gets it (the
 * PROXY protocol header, then the transport's own handshake: TLS). */
#ifndef SLUICE_NET_HANDSHAKE_T_H
#define SLUICE_NET_HANDSHAKE_T_H

#include <stdint.h>
#include "core/task-t.h"

struct conn;
struct handshake;
struct listener;

#define HS_MAGIC 0x48534b31U

/* A step of the chain: a const struct, defined in the file that
 * implements it and put on a listener's chain by the bind keyword that
 * asks for it (handshake_add_step()). The transport's own handshake, when
 * it has one, is the chain's last step, added by the handshake room.
 * Steps run one after the other on the thread that accepted, within one
 * deadline for the whole chain (the frontend's "timeout client"). */
struct hs_step {
	const char *name;            /* required: its bind keyword, "accept-proxy";
	                              * starts the Error record of a refusal */
	const char *sess;            /* optional: the kind of session the log's
	                              * Begin record names when it refuses ("PROXY");
	                              * NULL: the transport's name */
	/* required: one pass over hs->conn, never blocking. Returns 1 when
	 * done (the next step runs at once), 0 to wait (the connection's
	 * next I/O event, or the deadline, runs it again), -1 to refuse the
	 * connection: hs->why then says why for the log (NULL: closed
	 * without counting nor logging, e.g. a health check that connected
	 * and left) and hs->end the SessClose reason. A step sets hs->seen
	 * once the client sent a byte. It must take exactly its own bytes
	 * from the connection: what follows belongs to the next step or to
	 * the mux. */
	int (*run)(struct handshake *hs);
	/* required: the Error reasons of the deadline passing in this step,
	 * before the client's first byte and after it (hs->seen) */
	const char *tmo_before, *tmo_in;
};

/* Handed a connection once its chain succeeded: see handshake_start(). */
typedef void (*handshake_done_f)(struct listener *li, struct conn *c);

/* One connection going through its listener's chain (net/handshake.c). */
struct handshake {
	unsigned magic;              /* HS_MAGIC */
	unsigned step;               /* index in li->hs[] of the running step */
	int seen;                    /* the client sent bytes: not a bare health check */
	const char *why;             /* set by a step that refuses (see run) */
	const char *end;
	struct task task;            /* owner of conn while the chain runs */
	struct conn *conn;
	struct listener *li;
	handshake_done_f done;
	uint64_t exp;                /* deadline of the whole chain (ms) */
	uint64_t t_start;            /* ms */
};

#endif
