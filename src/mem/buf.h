/* buf.h: buffer helpers. Storage is taken with b_alloc() right before a
 * read and given back with b_release() once drained, so that an idle
 * connection holds no buffer. */
#ifndef SLUICE_MEM_BUF_H
#define SLUICE_MEM_BUF_H

#include <stdio.h>
#include <string.h>
#include "mem/buf-t.h"
#include "mem/pool.h"
#include "core/list.h"

struct task;

extern struct pool_head *pool_buffer;

/* Buffer accounting, only maintained when tune.buffers.limit is set. */
extern unsigned buf_limit;            /* max buffers in use, 0 = no limit */
extern unsigned buf_reserve;          /* kept for exchanges already running */
extern unsigned buf_used;             /* in use now (atomic) */
extern unsigned buf_nb_waiters;       /* waiters queued (atomic) */

/* Someone who could not get a buffer. Embedded in the object that waits
 * (a session, a tunnel); its task is woken, on its own thread, when a
 * buffer was handed over (then in <area>). <list>, <area> and <state> are
 * changed by buf.c under its lock only; <task>, <tid>, <prio> and <since>
 * belong to the owner's thread. */
struct buf_wait {
	struct list list;             /* in the wait queue or a thread's ready list */
	struct task *task;
	int tid;
	int prio;                     /* may use the reserve */
	char *area;                   /* storage handed over, not yet taken */
	uint64_t since;               /* when it was queued (ms) */
	unsigned state;               /* BW_*, read with buf_wait_state() */
};

/* A waiter's state. Another thread makes one change only, QUEUED -> READY
 * (a buffer handed over), in one store after <area> and <list> are set;
 * every other change is the owner's. So the owner may read the state
 * without the lock: IDLE and READY are then certain, QUEUED may have just
 * become READY. <area> and <list> are read under the lock only. */
enum { BW_IDLE = 0, BW_QUEUED, BW_READY };

static inline unsigned buf_wait_state(const struct buf_wait *w)
{
	return __atomic_load_n(&w->state, __ATOMIC_ACQUIRE);
}

/* A running exchange (prio) that waited this long takes a buffer beyond
 * the limit: exchanges holding buffers while waiting for more can then
 * never block each other for good. */
#define BUF_FORCE_MS 200

/* Deadline at which the waiter's task must retry, 0 when not waiting. */
static inline uint64_t buf_wait_deadline(const struct buf_wait *w)
{
	return buf_wait_state(w) == BW_QUEUED && w->prio ? w->since + BUF_FORCE_MS : 0;
}

static inline void buf_wait_init(struct buf_wait *w, struct task *t, int thread)
{
	*w = (struct buf_wait){ .task = t, .tid = thread, .state = BW_IDLE };
	list_init(&w->list);
}

/* Create the buffer pool (global.bufsize) at startup. */
void buf_pool_init(void);

char *buf_get_slow(int prio);
void buf_put_slow(char *area);
int b_alloc_wait_slow(struct buffer *b, struct buf_wait *w, int prio);
/* Leave the wait queue and pass on storage received but not taken; call
 * before freeing <w>, and whenever the waiter stops needing a buffer (a
 * few instructions when it is not waiting). */
void buf_wait_cancel(struct buf_wait *w);
/* "KEY VALUE" lines for the stats socket's "show info". */
void buf_dump_info(FILE *f);

static inline void b_attach(struct buffer *b, char *area)
{
	b->area = area;
	b->size = (uint32_t)pool_buffer->size;
	b->head = b->data = 0;
}

/* Attach storage if none. Returns 0, or -1 when none is available now
 * (the limit is reached or the system refuses). <prio> is set for
 * exchanges already running, which may dig into the reserve. */
static inline int b_alloc_prio(struct buffer *b, int prio)
{
	char *area;

	if (b->area)
		return 0;
	area = buf_limit ? buf_get_slow(prio) : pool_alloc(pool_buffer);
	if (!area)
		return -1;
	b_attach(b, area);
	return 0;
}

static inline int b_alloc(struct buffer *b)
{
	return b_alloc_prio(b, 1);
}

/* Like b_alloc_prio(), but on failure queue <w> (once) to be woken in
 * order when a buffer is released; storage handed to <w> meanwhile is
 * taken first. */
static inline int b_alloc_wait(struct buffer *b, struct buf_wait *w, int prio)
{
	if (b->area)
		return 0;
	if (likely(buf_wait_state(w) != BW_READY) && b_alloc_prio(b, prio) == 0)
		return 0;
	return b_alloc_wait_slow(b, w, prio);
}

/* Detach storage; its data are dropped. */
static inline void b_release(struct buffer *b)
{
	if (b->area) {
		if (buf_limit)
			buf_put_slow(b->area);
		else
			pool_free(pool_buffer, b->area);
		b->area = NULL;
		b->size = b->head = b->data = 0;
	}
}

/* Release only if empty. */
static inline void b_release_if_empty(struct buffer *b)
{
	if (b->area && !b->data)
		b_release(b);
}

static inline char *b_head(const struct buffer *b) { return b->area + b->head; }
static inline char *b_tail(const struct buffer *b) { return b->area + b->head + b->data; }
/* Room at the tail without moving data. */
static inline uint32_t b_tailroom(const struct buffer *b) { return b->size - b->head - b->data; }
static inline uint32_t b_room(const struct buffer *b) { return b->size - b->data; }

/* Move data to the start of the storage so the tail room is maximal. */
static inline void b_realign(struct buffer *b)
{
	if (b->head) {
		if (b->data)
			memmove(b->area, b->area + b->head, b->data);
		b->head = 0;
	}
}

/* Drop n bytes from the head. */
static inline void b_del(struct buffer *b, uint32_t n)
{
	b->head += n;
	b->data -= n;
	if (!b->data)
		b->head = 0;
}

/* Append; returns the bytes written (all or 0 when it does not fit). */
static inline uint32_t b_putblk(struct buffer *b, const char *p, uint32_t n)
{
	if (b_tailroom(b) < n) {
		if (b_room(b) < n)
			return 0;
		b_realign(b);
	}
	memcpy(b_tail(b), p, n);
	b->data += n;
	return n;
}

#endif
