/* sluice.h: libsluice, the public API to read a running sluice's shared
 * memory (log records and counters) from other programs. Everything not
 * declared under include/sluice/ is private. Link with -lsluice.
 *
 * API version 1. Names: sl_ prefix; objects are opaque; destructors take a
 * pointer to the caller's pointer and clear it. Functions return 0 on
 * success and a negative SL_E* code on failure unless said otherwise;
 * sl_strerror() gives the message, sl_last_error() the detail of the last
 * failure on this thread (names the file and what was wrong).
 *
 * Nothing here takes a lock in the writer or makes it wait: a reader only
 * maps the segment file read-only. No object is shared between threads by
 * the library; use one sl_shm and its cursors from one thread at a time.
 *
 * Typical use (see examples/sl-example.c):
 *
 *	struct sl_shm *shm;
 *	struct sl_cursor *c;
 *	struct sl_record rec;
 *	if (sl_open(&shm, "sluice", 0) < 0) { puts(sl_last_error()); ... }
 *	sl_cursor_new(&c, shm, SL_CURSOR_HEAD);
 *	while (sl_cursor_next(c, &rec) == SL_NEXT_RECORD)
 *		printf("%u %s %s\n", rec.vxid, sl_tag_name(rec.tag), rec.data);
 *	sl_cursor_free(&c);
 *	sl_close(&shm);
 */
#ifndef SLUICE_SLUICE_H
#define SLUICE_SLUICE_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

#define SL_API_VERSION 1

enum sl_tag {
#define SL_TAG(n, name, doc) SL_TAG_##name = n,
#include "sluice/tags.h"
#undef SL_TAG
	SL_TAG_MAX = 256
};

/* Record flags (16 bits of the record's second word; the same values as
 * the format's, doc/shm-format.md). */
#ifndef SL_F_CLIENT
#define SL_F_CLIENT   0x0001U   /* client side of a transaction */
#define SL_F_BACKEND  0x0002U   /* server side */
#define SL_F_TRUNC    0x0004U   /* payload was cut by the writer */
#endif

/* ---------------------------------------------------------------- errors */

enum sl_error {
	SL_ENOENT    = -1,   /* no such instance: the file does not exist */
	SL_EVERSION  = -2,   /* a format version this library does not read */
	SL_ECORRUPT  = -3,   /* corrupt or truncated file */
	SL_ESYS      = -4,   /* a system call failed (errno in the detail) */
	SL_ETIMEDOUT = -5,   /* gave up waiting */
	SL_ENOMEM    = -6,
	SL_EINVAL    = -7,   /* bad argument: bad name, bad query, bad format */
	SL_EBUSY     = -8,   /* the section list kept changing (alloc_seq 0) */
	SL_ENOTREADY = -9,   /* the file exists but is not initialized yet */
	SL_ENOLOG    = -10,  /* the instance has no log section */
};

/* A fixed message for an SL_E* code ("no such instance", ...). */
const char *sl_strerror(int err);

/* The detail of the last failure of a libsluice call on this thread, e.g.
 * "/run/sluice/www: format version 2, this library reads 1". Valid until
 * the next failing call on this thread. Never NULL. */
const char *sl_last_error(void);

/* The library's version string ("1.0.0") and API version (SL_API_VERSION
 * of the library actually loaded). */
const char *sl_version(void);
int sl_api_version(void);

/* ------------------------------------------------------------------ tags */

/* Name of a tag ("ReqURL"), NULL if the tag is unknown to this library. */
const char *sl_tag_name(unsigned tag);
/* One-line documentation of a tag, NULL if unknown. */
const char *sl_tag_doc(unsigned tag);
/* Tag number by name, case-insensitive; -1 if unknown. */
int sl_tag_lookup(const char *name);

/* -------------------------------------------------------------- instance */

/* Resolve an instance name to its segment file path, as the writer does:
 * NULL or "" means "sluice"; a name containing '/' is the file's path;
 * otherwise <dir>/<name> where <dir> is /run/sluice for root, else
 * $XDG_RUNTIME_DIR/sluice, else /tmp/sluice-<uid>. Names are 1 to 63 of
 * [A-Za-z0-9._-] not starting with '.'. Returns 0, SL_EINVAL (bad name or
 * buffer too small). */
int sl_resolve(const char *name, char *buf, size_t size);

struct sl_shm;

/* sl_open() flags */
#define SL_OPEN_NOWAIT 0x1U  /* do not wait while the section list changes
                              * (alloc_seq 0): fail with SL_EBUSY at once */

/* Attach to an instance by name (see sl_resolve()). Maps the file read-only
 * and validates its header and section list. Returns 0 and sets *shmp, or
 * SL_ENOENT, SL_ENOTREADY, SL_EVERSION, SL_ECORRUPT, SL_EBUSY, SL_ESYS,
 * SL_EINVAL, SL_ENOMEM. */
int sl_open(struct sl_shm **shmp, const char *name, unsigned flags);

/* sl_open(), retried every 100 ms while the instance is not there yet
 * (SL_ENOENT, SL_ENOTREADY, SL_EBUSY) for at most timeout seconds (< 0:
 * forever, 0: once). Other errors return at once. Returns SL_ETIMEDOUT
 * with the last reason in sl_last_error() when the time is up. */
int sl_open_wait(struct sl_shm **shmp, const char *name, unsigned flags,
		 double timeout);

/* Unmap and free; clears *shmp. Cursors made on it must be freed first. */
void sl_close(struct sl_shm **shmp);

/* sl_check() results (>= 0); errors are negative SL_E* codes. */
enum sl_check {
	SL_CHECK_SAME      = 0,  /* nothing changed */
	SL_CHECK_SECTIONS  = 1,  /* the section list changed and was re-read */
	SL_CHECK_RESTARTED = 2,  /* a new file replaced the old one (restart):
	                          * now attached to it; cursors move to it */
	SL_CHECK_STOPPED   = 3,  /* the writer is gone (file removed, or no
	                          * process holds its lock); the old mapping
	                          * stays readable; call again to see it back */
};

/* Look for changes: stats the path (a different st_dev/st_ino means a
 * restart: reattach), re-checks the file size (a file truncated under the
 * mapping is reported as SL_ECORRUPT and never read again), and re-reads
 * the section list when alloc_seq changed. Cheap: call it every 100 ms or
 * so while following. Returns an enum sl_check value or an SL_E* code. */
int sl_check(struct sl_shm *shm);

struct sl_info {
	const char *name;       /* the name given to sl_open() */
	const char *path;       /* the file attached to */
	const char *instance;   /* the instance name written in the file */
	int64_t master_pid;     /* the writer's process */
	int64_t created;        /* unix seconds */
	uint64_t file_size;
	uint64_t alloc_seq;     /* of the section list read */
	unsigned generation;    /* 0, then +1 at each reattach */
	int alive;              /* a writer held the file at the last check
	                         * (its lock; master_pid only where the file
	                         * system has no locks) */
};

/* Fill *info; the strings belong to shm and change on reattach. */
void sl_info(const struct sl_shm *shm, struct sl_info *info);

/* Section classes (values of the format, see doc/shm-format.md). */
#define SL_CLASS_FREE     0U
#define SL_CLASS_LOG      1U
#define SL_CLASS_COUNTERS 2U
#define SL_CLASS_COOL     3U

struct sl_section {
	unsigned class_;        /* SL_CLASS_* */
	const char *type;       /* "log", "frontend", "backend", "server" ... */
	const char *ident;      /* "www", "app/srv1" ... */
	uint64_t offset;        /* of the section header in the file */
	uint64_t len;           /* payload bytes */
	int64_t cool_until;     /* COOL: unix seconds before reuse */
};

/* Number of sections in the list read last, and one of them (0..n-1);
 * returns 0 or SL_EINVAL. Strings belong to shm until the next sl_check(). */
size_t sl_section_count(const struct sl_shm *shm);
int sl_section_get(const struct sl_shm *shm, size_t i, struct sl_section *s);

/* ------------------------------------------------------------ log cursor */

struct sl_record {
	unsigned tag;           /* enum sl_tag (1..255) */
	unsigned flags;         /* SL_F_* */
	uint32_t vxid;          /* transaction id, 0 = none */
	uint32_t len;           /* payload bytes */
	const char *data;       /* len bytes followed by a NUL (payloads may
	                         * hold NULs too); a copy owned by whoever
	                         * filled the record, valid until its next call */
};

struct sl_cursor;

#define SL_CURSOR_HEAD  0x0U /* from the oldest record still in the ring */
#define SL_CURSOR_TAIL  0x1U /* from now: only records written from now on */
#define SL_CURSOR_HEADS 0x2U /* return packed records (ReqHead, RespHead,
                              * BereqHead, BerespHead, Fmt) as written,
                              * instead of expanded (see sl_cursor_next()) */

/* A cursor on the log ring of shm. Returns 0, SL_ENOLOG, SL_ENOMEM. */
int sl_cursor_new(struct sl_cursor **cp, struct sl_shm *shm, unsigned flags);

/* A cursor on a binary log file written by sl_writer ("-" is stdin);
 * flags: SL_CURSOR_HEADS or 0. Returns 0, SL_ENOENT, SL_ESYS, SL_EVERSION,
 * SL_ECORRUPT (not such a file), SL_ENOMEM. */
int sl_cursor_open_file(struct sl_cursor **cp, const char *path,
			unsigned flags);

/* sl_cursor_next() results (>= 0); errors are negative SL_E* codes. */
enum sl_next {
	SL_NEXT_NONE    = 0,  /* caught up with the writer: try again later */
	SL_NEXT_RECORD  = 1,  /* *rec is filled */
	SL_NEXT_LOST    = 2,  /* records were lost: the reader was too slow
	                       * (the cursor resynced: overruns grew), or one
	                       * record was overwritten (its check failed:
	                       * rejected grew); see sl_cursor_stats() */
	SL_NEXT_RESTART = 3,  /* the instance restarted (sl_check() said so):
	                       * the cursor now reads the new ring from its
	                       * oldest record */
	SL_NEXT_EOF     = 4,  /* file cursor: end of the file */
};

/* The next record. The payload is copied out of the ring and checked
 * against the lap stamp and the write position after the copy, so a
 * record overwritten while being read is never returned (it counts as
 * lost). WRAP records are skipped. A head record (ReqHead: the start line
 * and the header lines of a message, CRLF-separated) is returned as the
 * records it stands for, one per call, with the head's vxid: ReqMethod,
 * ReqURL, ReqProtocol, then one ReqHeader per header line (RespHead:
 * RespProtocol, RespStatus, RespReason, RespHeader...; likewise Bereq and
 * Beresp), side flags set, SL_F_TRUNC on the last one if the head was cut.
 * An Fmt record is returned as the record of the tag it names, its text
 * formatted from its template and values (Timestamp, Begin, Link, the Acct
 * tags); one that does not parse is returned as written. Both unless the
 * cursor has SL_CURSOR_HEADS. Returns an enum sl_next value or
 * SL_ECORRUPT (file cursor: bad record; ring cursor: the file was found
 * truncated by sl_check()), SL_ENOMEM. */
int sl_cursor_next(struct sl_cursor *c, struct sl_record *rec);

struct sl_cursor_stats {
	uint64_t records;         /* records returned */
	uint64_t bytes;           /* their payload bytes */
	uint64_t overruns;        /* times the cursor had to resync */
	uint64_t rejected;        /* records skipped: their check failed */
	uint64_t lost_records;    /* from the writer's records counter: an
	                           * estimate at each overrun, made exact
	                           * when the cursor catches up */
	uint64_t lost_bytes;      /* ring bytes skipped */
	uint64_t last_lost_records; /* of the last SL_NEXT_LOST */
	uint64_t last_lost_bytes;
	uint64_t restarts;        /* SL_NEXT_RESTART returned */
	uint64_t position;        /* ring position or file offset */
};

void sl_cursor_stats(const struct sl_cursor *c, struct sl_cursor_stats *st);

/* Frees the cursor; clears *cp. */
void sl_cursor_free(struct sl_cursor **cp);

/* ------------------------------------------------------ binary log files
 *
 * A file header (magic "SLUICELG", version, instance, time) then records
 * (tag, flags, vxid, len, payload); see doc/tools.md. Read them back with
 * sl_cursor_open_file(). */

struct sl_writer;

/* Create (truncate) path, "-" for stdout; instance is written in the
 * header (may be NULL). Returns 0, SL_ESYS, SL_ENOMEM. */
int sl_writer_open(struct sl_writer **wp, const char *path,
		   const char *instance);
/* Append one record. Returns 0 or SL_ESYS (write error, e.g. disk full). */
int sl_writer_put(struct sl_writer *w, const struct sl_record *rec);
/* Flush buffered records to the file. Returns 0 or SL_ESYS. */
int sl_writer_flush(struct sl_writer *w);
/* Flush, close and free; clears *wp. Returns 0 or SL_ESYS. */
int sl_writer_close(struct sl_writer **wp);

/* ------------------------------------------------- grouping transactions
 *
 * Records of one transaction (vxid) go between its Begin and its End. A
 * Begin says '<type> <parent vxid> <reason>' and a Link in the parent
 * names each child, so transactions form trees: sess -> req -> bereq.
 * A grouper buffers records per vxid and calls back with a whole group
 * when its last End arrives, or incomplete when it waited too long, when
 * it holds too much, or when told to flush (after an overrun). */

enum sl_grouping {
	SL_GROUP_RAW     = 0,   /* every record alone, at once */
	SL_GROUP_VXID    = 1,   /* every transaction alone, at its End */
	SL_GROUP_REQUEST = 2,   /* a request and its backend requests */
	SL_GROUP_SESSION = 3,   /* a session and all of its requests */
};

enum sl_txn_type {
	SL_TXN_UNKNOWN = 0,     /* no Begin seen (e.g. started mid-way) */
	SL_TXN_SESS    = 1,
	SL_TXN_REQ     = 2,
	SL_TXN_BEREQ   = 3,
	SL_TXN_RAW     = 4,     /* SL_GROUP_RAW: one record */
};

struct sl_txn {
	uint32_t vxid;
	uint32_t parent;        /* from Begin, 0 = none */
	enum sl_txn_type type;
	unsigned level;         /* depth in the group: 0 for the first */
	int complete;           /* its End was seen */
	const char *reason;     /* third word of Begin ("" if none) */
	size_t n_records;
	const struct sl_record *records;
};

/* Why a group is delivered. */
enum sl_deliver {
	SL_DELIVER_COMPLETE = 0,  /* every transaction of it ended */
	SL_DELIVER_TIMEOUT  = 1,  /* waited longer than the timeout */
	SL_DELIVER_MEMORY   = 2,  /* the grouper held too much */
	SL_DELIVER_FLUSH    = 3,  /* sl_group_flush() (overrun, restart, end) */
};

/* Called with a group: txn[0..n-1] in tree order (parent before children,
 * level says the depth). The group and its records are valid during the
 * call only. Return 0 to go on; any other value is returned by the
 * sl_group_* call that delivered (the caller decides what it means). */
typedef int sl_group_f(void *priv, const struct sl_txn *const *txn,
		       size_t n, enum sl_deliver why);

struct sl_group_opts {
	enum sl_grouping mode;
	double timeout;         /* seconds before an incomplete group is
	                         * delivered; 0 = default (30 s) */
	size_t max_txns;        /* transactions held; 0 = default (20000) */
	size_t max_bytes;       /* record bytes held; 0 = default (64 MiB) */
	int with_session;       /* SL_GROUP_REQUEST: put the request's session
	                         * (its records so far) first in the group */
};

struct sl_group;

/* Returns 0, SL_EINVAL, SL_ENOMEM. opts NULL = request grouping with
 * the defaults. */
int sl_group_new(struct sl_group **gp, const struct sl_group_opts *opts,
		 sl_group_f *cb, void *priv);

/* Give one record (copied). Returns 0, the callback's non-zero value, or
 * SL_ENOMEM. */
int sl_group_feed(struct sl_group *g, const struct sl_record *rec);

/* Deliver the groups that waited longer than the timeout (monotonic
 * clock) or exceed the memory bound. Call it when idle. Same returns. */
int sl_group_tick(struct sl_group *g);

/* Deliver everything held, incomplete, with reason why. Same returns. */
int sl_group_flush(struct sl_group *g, enum sl_deliver why);

struct sl_group_stats {
	size_t txns, bytes;     /* held now */
	uint64_t delivered, timeouts, evicted;
};
void sl_group_stats(const struct sl_group *g, struct sl_group_stats *st);

/* Frees the grouper without delivering; clears *gp. */
void sl_group_free(struct sl_group **gp);

/* Helpers on a delivered transaction: the first record with this tag, or
 * NULL. For the header tags (ReqHeader, RespHeader, BereqHeader,
 * BerespHeader) and Timestamp, name (if not NULL) selects the header name
 * or the timestamp label, case-insensitive; *value then points at the text
 * after "Name:" and its blanks. For other tags name must be NULL and
 * *value is the payload. value may be NULL. */
const struct sl_record *sl_txn_find(const struct sl_txn *t, unsigned tag,
				    const char *name, const char **value);

/* ----------------------------------------------------------------- query
 *
 * A small language over the records of a group, for `sluicelog -q`:
 *	status >= 500 and backend == app
 *	not (method == GET or method == HEAD)
 *	url ~ "^/api/" and ReqHeader:Host == example.com
 * See doc/tools.md for the fields and the rules. */

struct sl_query;

/* Compile text. Returns 0, SL_EINVAL with a precise message in
 * sl_last_error() ("query: expected a value after '>=' at column 10"),
 * SL_ENOMEM. */
int sl_query_new(struct sl_query **qp, const char *text);

/* 1 if the group matches, 0 if not. */
int sl_query_match(const struct sl_query *q, const struct sl_txn *const *txn,
		   size_t n);

void sl_query_free(struct sl_query **qp);

/* -------------------------------------------------------------- counters */

#define SL_KIND_COUNTER 0U   /* monotonic, summed over the threads' rows */
#define SL_KIND_GAUGE   1U   /* current value, row 0 */

/* Proxy sections carry fields of both sides; a snapshot shows a
 * "frontend" section's frontend fields, a "backend" section's backend
 * fields, and splits a "listen" section into a "frontend" and a "backend"
 * view of the same name (section_type says "listen"). */
struct sl_counter {
	const char *type;       /* "frontend", "backend", "server", ... */
	const char *section_type; /* the section's own type ("listen") */
	const char *ident;      /* "www" */
	const char *name;       /* "requests" */
	const char *doc;        /* one line */
	unsigned kind;          /* SL_KIND_* */
	unsigned flags;         /* SL_CTR_F_* of the field */
	uint64_t value;
};

#define SL_CTR_F_FE 0x1U        /* a frontend-side field */
#define SL_CTR_F_BE 0x2U        /* a backend-side field */

struct sl_counters;

/* Read every counters section (not the cool or free ones) at once. The
 * section list is re-read if it changed, and the snapshot retaken if it
 * changed while reading. Returns 0, SL_ECORRUPT, SL_EBUSY, SL_ENOMEM. */
int sl_counters_snapshot(struct sl_shm *shm, struct sl_counters **cp);

size_t sl_counters_len(const struct sl_counters *c);
/* The i-th counter (in section then field order), NULL if out of range.
 * Strings belong to the snapshot. */
const struct sl_counter *sl_counters_at(const struct sl_counters *c,
					size_t i);
/* When the snapshot was taken: CLOCK_MONOTONIC and unix seconds. */
double sl_counters_mono(const struct sl_counters *c);
double sl_counters_time(const struct sl_counters *c);

void sl_counters_free(struct sl_counters **cp);

/* ------------------------------------------------------ following a log
 *
 * The loop the tools run, for programs that want the same behaviour:
 * attach (waiting if asked), read records from the oldest or from now,
 * group them, filter them with a query, call back with each group, notice
 * restarts (reattach and go on) and overruns (flush and go on), and stop
 * when caught up (dump), at the end of a file, when *stop becomes non-zero
 * or when the callback returns non-zero. */

enum sl_event {
	SL_EV_WAITING   = 1,    /* waiting for the instance to appear */
	SL_EV_ATTACHED  = 2,    /* attached (message names instance, file) */
	SL_EV_RESTARTED = 3,    /* reattached to a new file */
	SL_EV_STOPPED   = 4,    /* the writer went away; waiting for it */
	SL_EV_LOST      = 5,    /* "lost N records (M bytes)" */
	SL_EV_IDLE      = 6,    /* caught up: a good time to flush output
	                         * (msg is "") */
};

typedef void sl_notice_f(void *priv, enum sl_event ev, const char *msg);

struct sl_follow_opts {
	const char *name;       /* instance (-n) */
	const char *file;       /* read this binary log file instead (-r) */
	double wait;            /* seconds to wait for the instance, < 0:
	                         * forever, 0: fail at once */
	int dump;               /* from the oldest record; stop when caught
	                         * up (otherwise: from now, follow forever) */
	struct sl_group_opts group;
	const struct sl_query *query;   /* NULL: every group */
	sl_group_f *cb;         /* called with each group that matches */
	sl_notice_f *notice;    /* may be NULL */
	void *priv;             /* for cb and notice */
	volatile int *stop;     /* may be NULL; checked between records */
	double poll;            /* longest sleep when idle, seconds; 0 =
	                         * 0.01 (while records come, the loop sleeps
	                         * 0.5 ms, doubling on each idle pass) */
};

/* Run the loop. Returns 0 when done (or the callback's non-zero value),
 * or an SL_E* code (attach failed, file corrupt). */
int sl_follow(const struct sl_follow_opts *o);

#ifdef __cplusplus
}
#endif

#endif
