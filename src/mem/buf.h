/* buf.h: buffer helpers. Storage is taken with b_alloc() right before a
 * read and given back with b_release() once drained, so that an idle
 * connection holds no buffer. */
#ifndef SLUICE_MEM_BUF_H
#define SLUICE_MEM_BUF_H

#include <string.h>
#include "mem/buf-t.h"
#include "mem/pool.h"

extern struct pool_head *pool_buffer;

/* Create the buffer pool (global.bufsize) at startup. */
void buf_pool_init(void);

/* Attach storage if none. Returns 0, or -1 when the pool is exhausted (the
 * seam for the buffer wait queue). */
static inline int b_alloc(struct buffer *b)
{
	if (b->area)
		return 0;
	b->area = pool_alloc(pool_buffer);
	if (!b->area)
		return -1;
	b->size = (uint32_t)pool_buffer->size;
	b->head = b->data = 0;
	return 0;
}

/* Detach storage; data must be empty. */
static inline void b_release(struct buffer *b)
{
	if (b->area) {
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
