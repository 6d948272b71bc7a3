/* log.h: the writer of the shared-memory log (records in the ring of
 * shm-t.h). Every function may be called from any worker thread without a
 * lock; all of them are cheap no-ops while logging is off (shm-log off, or
 * no segment). Records of a thread collect in a private buffer and are
 * published as a batch by slog_end(), slog_flush() and when the buffer is
 * full; the event loop flushes at the end of every turn. */
#ifndef SLUICE_SHM_LOG_H
#define SLUICE_SHM_LOG_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include "shm/shm-t.h"

/* The tags: the same numbers as enum sl_tag of include/sluice/sluice.h,
 * from the same table (reached by a relative path so that src/ builds need
 * no -Iinclude). Do not include both headers in one file. */
#ifndef SLUICE_SLUICE_H
enum sl_tag {
#define SL_TAG(n, name, doc) SL_TAG_##name = n,
#include "../../include/sluice/tags.h"
#undef SL_TAG
	SL_TAG_MAX = 256
};
#endif

#define SLOG_TBUF_SIZE    16384   /* per-thread buffer, bytes */
#define SLOG_MAX_PAYLOAD  4096    /* longer payloads are cut, with SL_F_TRUNC */

/* 1 while records go to the ring. Test it before preparing costly
 * arguments; the functions below test it too. */
extern int slog_on;

static inline int slog_active(void)
{
	return slog_on;
}

/* A new transaction id, unique in the process (it wraps after 2^32), never
 * 0. Threads take blocks of ids from a shared counter: no atomic per id.
 * Works while logging is off. */
uint32_t slog_vxid(void);

/* Begin: "<type> <parent> <reason>" (type "sess", "req" or "bereq"; parent
 * 0 for a session). Link, in the parent: "<type> <child> <reason>". */
void slog_begin(uint32_t vxid, const char *type, uint32_t parent, const char *reason);
void slog_link(uint32_t vxid, const char *type, uint32_t child, const char *reason);

/* End of the transaction; publishes the thread's buffer. */
void slog_end(uint32_t vxid);

/* A record with <len> bytes of <p> as payload (cut at SLOG_MAX_PAYLOAD). */
void slog_bytes(uint32_t vxid, enum sl_tag tag, const void *p, size_t len);

/* A record with the NUL-terminated <s> as payload. */
void slog_str(uint32_t vxid, enum sl_tag tag, const char *s);

/* A record formatted like printf (cut at SLOG_MAX_PAYLOAD). */
void slog_printf(uint32_t vxid, enum sl_tag tag, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* A header record "Name: value" from unterminated strings. */
void slog_hdr(uint32_t vxid, enum sl_tag tag, const char *n, size_t nl,
	      const char *v, size_t vl);

/* A Timestamp record "<label>: <now> <now - start> <now - prev>", all
 * arguments in microseconds since the epoch (slog_now_us()), printed in
 * seconds with 6 decimals. */
void slog_ts(uint32_t vxid, const char *label, uint64_t now_us, uint64_t start_us,
	     uint64_t prev_us);

/* Wall clock in microseconds since the epoch. */
uint64_t slog_now_us(void);

/* A text payload built without printf (the request path logs a few of
 * these per request; vsnprintf would cost more than the record itself).
 * Appends past the end are dropped; send it with slog_line_end(). */
struct slog_line {
	size_t len;
	char buf[240];
};

static inline void slog_put(struct slog_line *l, const char *s, size_t n)
{
	if (n > sizeof(l->buf) - l->len)
		n = sizeof(l->buf) - l->len;
	memcpy(l->buf + l->len, s, n);
	l->len += n;
}

static inline void slog_putc(struct slog_line *l, char c)
{
	if (l->len < sizeof(l->buf))
		l->buf[l->len++] = c;
}

static inline void slog_puts(struct slog_line *l, const char *s)
{
	slog_put(l, s, strlen(s));
}

/* "00".."99": two digits per division when formatting numbers. */
extern const char slog_digits2[200];

static inline void slog_putu(struct slog_line *l, uint64_t v)
{
	char tmp[20];
	int n = sizeof(tmp);

	while (v >= 100) {
		unsigned r = (unsigned)(v % 100);

		v /= 100;
		n -= 2;
		memcpy(tmp + n, slog_digits2 + 2 * r, 2);
	}
	if (v >= 10) {
		n -= 2;
		memcpy(tmp + n, slog_digits2 + 2 * v, 2);
	} else {
		tmp[--n] = (char)('0' + v);
	}
	slog_put(l, tmp + n, sizeof(tmp) - (size_t)n);
}

/* Microseconds as "seconds.micros" (6 digits). */
static inline void slog_putus(struct slog_line *l, uint64_t us)
{
	unsigned frac = (unsigned)(us % 1000000);
	char d[7];

	slog_putu(l, us / 1000000);
	d[0] = '.';
	memcpy(d + 1, slog_digits2 + 2 * (frac / 10000), 2);
	memcpy(d + 3, slog_digits2 + 2 * (frac / 100 % 100), 2);
	memcpy(d + 5, slog_digits2 + 2 * (frac % 100), 2);
	slog_put(l, d, 7);
}

#define slog_line_end(vxid, tag, l) slog_bytes((vxid), (tag), (l)->buf, (l)->len)

/* Publishes the calling thread's buffered records (nothing to do: a few
 * instructions). Never waits for readers. */
void slog_flush(void);

/* Publishes and frees the calling thread's buffer (thread exit). */
void slog_thread_release(void);

/* Prints the tags table: number, name, documentation ("sluice -x logtags"). */
void slog_dump_tags(FILE *f);

/* Name of tag <tag>, or NULL. */
const char *slog_tag_name(unsigned tag);

/* Called by shm.c: start writing into <lg> (its ring_size set), stop. */
void slog_attach(struct shm_log *lg);
void slog_detach(void);

#endif
