/* check.h: server health checks: the hooks other rooms use, and the state
 * machine exposed for the unit tests. */
#ifndef SLUICE_LB_CHECK_H
#define SLUICE_LB_CHECK_H

#include <stdio.h>
#include "lb/check-t.h"

/* The check of <srv> (any check option gives it one), NULL when none.
 * O(log n); valid from the end of parsing until cfg_deinit(). */
struct check *check_of(const struct server *srv);

/* ---- "on-marked-down shutdown-sessions" --------------------------------
 *
 * When a server with this option is marked DOWN by its checks, the check
 * bumps the server's "down generation" and the process-wide shutdown epoch
 * (both atomic, release order). Killing the exchanges is the request path's
 * job, on the threads that own them:
 *   - when an exchange gets its server connection, it keeps
 *     check_srv_down_gen(srv);
 *   - each thread keeps the last check_shutdown_epoch() it saw (a turn hook
 *     is cheap enough: one load); when it changed, the thread walks its
 *     exchanges and ends those whose server's generation differs from the
 *     one they kept.
 * Servers without the option always return 0 and never move the epoch. */
unsigned check_srv_down_gen(const struct server *srv);
unsigned check_shutdown_epoch(void);

/* ---- state machine (check.c) ---------------------------------------------
 *
 * Health follows HAProxy's counter: it moves between 0 and rise+fall-1. A
 * passed check adds one (up to the top); a failed one takes one off. A DOWN
 * server comes UP when its health reaches <rise> (then it jumps to the top);
 * an UP server goes DOWN when a check fails with its health at <rise> (then
 * it drops to 0). So it takes <fall> failures in a row to go down from full
 * health, <rise> passes in a row to come up from 0. At start a checked server
 * is UP with health <rise>: its first failed check marks it DOWN.
 *
 * The functions below take the time as an argument (tests pass their own
 * clock) and run on the check's thread; they change srv->state/eweight with
 * atomic stores and call lb_srv_changed() after each change. */

/* 1 if a check outcome counts as passed. */
static inline int check_status_ok(enum chk_status st)
{
	return st == CHK_S_L4OK || st == CHK_S_L7OK;
}

/* Account the outcome of one check: counters, health, state changes (with
 * their message, log record and counter). <code> is the HTTP status or 0;
 * <info> a detail for messages (may be NULL). */
void check_report(struct check *chk, enum chk_status st, int code, const char *info,
		  uint64_t now);

/* Delay until the next check: inter at full health, downinter at zero
 * health while DOWN, fastinter in between (either way). */
unsigned check_interval(const struct check *chk);

/* Slowstart: after a DOWN server came back UP, its effective weight grows
 * from weight/20 to weight in 20 steps over the slowstart period (state
 * STARTING, then RUNNING). Applies the step due at <now>; returns when the
 * next one is due, 0 when the ramp is over (or there is none). */
uint64_t check_ramp(struct check *chk, uint64_t now);

/* Judge the HTTP response in raw[0..len) against the rules of <hc>.
 * <more>: more bytes may still come (not at end of stream, buffer not
 * full). <scratch> (CHK_BUFSIZE bytes) receives the de-chunked body.
 * Returns 0 when more bytes are needed, else 1 with *st, *code (HTTP
 * status, 0 if none) and info (a NUL-terminated detail) set. Pure: no
 * state, no I/O. */
#define CHK_BUFSIZE 16384         /* response bytes read per HTTP check */
int check_http_verdict(const struct check_px *hc, const char *raw, size_t len, int more,
		       char *scratch, enum chk_status *st, int *code, char *info, size_t infolen);

/* "L4OK", "L7STS"... and "Layer4 check passed"... */
const char *check_status_name(enum chk_status st);
const char *check_status_desc(enum chk_status st);

/* "show servers state": one line per server of every backend,
 * "<be>/<srv> <state> <eweight> <check status> <health>", after a "#" header
 * line; state is UP, DOWN, STARTING (slowstart), DRAIN or MAINT; check status
 * "-" when the server is not checked, health "<n>/<rise+fall-1>" or "-".
 * Ends with an empty line. Safe from the stats socket's thread. */
void check_show_servers(FILE *out);

/* State change messages ("[WARNING] Server be/s1 is DOWN, ...") go to stderr
 * unless another stream is set (NULL: stderr again). For tests. */
void check_set_msg_stream(FILE *f);

/* ---- between check_cfg.c and check.c ------------------------------------ */

/* Every check, sorted by server address once parsing is over. */
extern struct check **check_all;
extern unsigned check_nb;

/* The HTTP check settings of proxy <px>, NULL when it has none. */
const struct check_px *check_px_of(const struct proxy *px);

#endif
