/* check-t.h: health checks of servers: per-backend HTTP check settings and
 * per-server check state. */
#ifndef SLUICE_LB_CHECK_T_H
#define SLUICE_LB_CHECK_T_H

#include <regex.h>
#include <stdint.h>
#include <sys/socket.h>
#include "core/task-t.h"

struct proxy;
struct server;
struct conn;

#define CHECK_MAGIC 0x43484b53U

/* Outcome of one check, as HAProxy names them (its "check_status"). */
enum chk_status {
	CHK_S_INI = 0,                /* not checked yet */
	CHK_S_SOCKERR,                /* socket error before connecting */
	CHK_S_L4OK,                   /* TCP connect succeeded (TCP check passed) */
	CHK_S_L4TOUT,                 /* TCP connect timed out */
	CHK_S_L4CON,                  /* TCP connect failed (refused, unreachable...) */
	CHK_S_L7OK,                   /* HTTP response as expected */
	CHK_S_L7TOUT,                 /* no (complete) HTTP response in time */
	CHK_S_L7RSP,                  /* invalid HTTP response, or content not as expected */
	CHK_S_L7STS,                  /* HTTP status not as expected */
	CHK_S_MAX
};

/* One "http-check expect [!] <kind> <pattern>" rule. */
enum chk_expect_kind {
	CHK_EXP_STATUS = 0,           /* status in a list of codes and ranges */
	CHK_EXP_RSTATUS,              /* status (3 digits) matches a regex */
	CHK_EXP_STRING,               /* body contains a string */
	CHK_EXP_RSTRING,              /* body matches a regex */
};

struct chk_range {
	unsigned lo, hi;
};

struct chk_expect {
	enum chk_expect_kind kind;
	int neg;                      /* "!": the rule passes when the match fails */
	char *text;                   /* pattern as written (messages) */
	size_t len;                   /* string: its length */
	struct chk_range *ranges;     /* status: codes "200,300-399" */
	unsigned nb_ranges;
	regex_t re;                   /* rstatus, rstring */
	int re_ok;                    /* re compiled (regfree on deinit) */
};

/* A header of "http-check send hdr <name> <value>" (or from an old-style
 * "option httpchk ... HTTP/1.1\r\nHost: x" version string). */
struct chk_hdr {
	char *name, *value;
};

/* HTTP check settings of a proxy section ("option httpchk", "http-check").
 * Backends inherit a copy of their defaults section's. Immutable once the
 * configuration is loaded: checks on every thread read it without locks. */
struct check_px {
	struct proxy *px;             /* the section it belongs to (lookup key) */
	int httpchk;                  /* "option httpchk": HTTP checks, else TCP */
	char *meth, *uri, *ver;       /* NULL: OPTIONS, /, HTTP/1.0 */
	struct chk_hdr *hdrs;         /* "http-check send hdr" */
	unsigned nb_hdrs;
	struct chk_hdr *vhdrs;        /* glued to the version of "option httpchk" */
	unsigned nb_vhdrs;
	char *body;                   /* "http-check send body" */
	struct chk_expect *exp;       /* every rule must pass, in order */
	unsigned nb_exp;
	char *req;                    /* the request bytes, built after parsing */
	size_t req_len;
	struct check_px *next;
};

/* Server options of checks (CHK_F_*). */
#define CHK_F_ENABLED   0x0001    /* "check" */
#define CHK_F_SHUTDOWN  0x0002    /* "on-marked-down shutdown-sessions" */
#define CHK_F_HAS_ADDR  0x0004    /* "addr" given */

/* Phases of one check, driven by the check's task. */
enum chk_phase {
	CHK_P_IDLE = 0,               /* waiting for the next check */
	CHK_P_CONNECT,                /* non-blocking connect in progress */
	CHK_P_SEND,                   /* sending the HTTP request */
	CHK_P_RECV,                   /* reading the HTTP response */
};

#define CHK_INFO_LEN 96

/* A server's health check. Created while parsing (any check option makes
 * one), completed after parsing (target address, HTTP settings), run after
 * start by a task on one worker thread, the only one that ever writes the
 * runtime fields; other threads (the stats socket) read them with relaxed
 * atomic loads. */
struct check {
	unsigned magic;
	struct server *srv;
	const struct check_px *hc;    /* the backend's HTTP settings, NULL: TCP check */
	/* settings (milliseconds) */
	unsigned flags;               /* CHK_F_* */
	unsigned inter, fastinter, downinter;  /* 0 before defaults are applied */
	unsigned rise, fall;
	unsigned port;                /* "port": 0 = the server's */
	unsigned slowstart;           /* 0 = none */
	/* As HAProxy: without "timeout check", the whole check (connect,
	 * send, receive) must end within inter; with it, the connect within
	 * min(timeout connect, inter) and the rest within "timeout check"
	 * from the connection's establishment. */
	unsigned timeout;             /* connect timeout */
	unsigned timeout_check;       /* "timeout check", 0 = unset */
	struct sockaddr_storage addr; /* "addr", then the full target after parsing */
	socklen_t addrlen;
	/* runtime */
	int tid;                      /* worker thread running it */
	struct task task;
	struct conn *conn;
	enum chk_phase phase;
	unsigned health;              /* 0..rise+fall-1 (rules in check.h) */
	unsigned status;              /* enum chk_status of the last check (atomic) */
	int code;                     /* HTTP status of the last check, 0 if none */
	unsigned duration;            /* ms taken by the last check */
	char info[CHK_INFO_LEN];      /* detail of the last check (messages) */
	uint64_t start;               /* this check's start, ms */
	uint64_t deadline;            /* this check's end at the latest */
	uint64_t next;                /* next check, ms (phase IDLE) */
	uint64_t ramp_start;          /* slowstart: when the server came up, 0 = no ramp */
	uint64_t ramp_next;           /* slowstart: next weight step */
	char *buf;                    /* request sent / response read (HTTP) */
	size_t sent, len;             /* request bytes sent; response bytes in buf */
	unsigned down_gen;            /* bumped at each DOWN with CHK_F_SHUTDOWN (atomic) */
};

#endif
