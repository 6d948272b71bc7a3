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

/* A record of tag <tag> whose text readers build: an Fmt record carrying
 * the template <tmpl> (<tlen> bytes, at most SLOG_FMT_TMPL) and <n> values
 * (at most SLOG_FMT_VALS). In the template "%u" stands for the next value
 * in decimal, "%t" for the next value, in microseconds, as seconds with 6
 * decimals, "%%" for "%". Numbers are never formatted on the request path;
 * slog_fmtv() takes a string literal and the values. */
#define SLOG_FMT_VALS 8
#define SLOG_FMT_TMPL 240
void slog_fmt(uint32_t vxid, enum sl_tag tag, const char *tmpl, size_t tlen,
	      unsigned n, const uint64_t *v);
#define slog_fmtv(vxid, tag, tmpl, ...) do {					\
		const uint64_t v_[] = { __VA_ARGS__ };				\
		slog_fmt((vxid), (tag), "" tmpl, sizeof(tmpl) - 1,		\
			 sizeof(v_) / sizeof(v_[0]), v_);			\
	} while (0)

/* A Timestamp record "<label>: <now> <now - start> <now - prev>" (label a
 * string literal), all arguments in microseconds since the epoch, printed
 * in seconds with 6 decimals. */
#define slog_ts(vxid, label, now_us, start_us, prev_us) do {			\
		uint64_t n_ = (now_us), s_ = (start_us), p_ = (prev_us);	\
		if (slog_on)							\
			slog_fmtv((vxid), SL_TAG_Timestamp, label ": %t %t %t", n_, \
				  n_ > s_ ? n_ - s_ : 0, n_ > p_ ? n_ - p_ : 0);	\
	} while (0)

/* A Multi record (doc/shm-format.md, "Multi records"): several records of
 * one transaction written as one, for the price of one: one header, one
 * check, one copy into the ring. Readers see the records it holds. Built
 * in place in the thread's buffer:
 *
 *	struct slog_multi m;
 *	if (slog_multi_open(&m, vxid, room)) {
 *		slog_multi_text(&m, SL_TAG_ReqStart);
 *		slog_multi_put(&m, "...", n);      (any number of pieces)
 *		slog_multi_ts(&m, "Start", now, start, prev);
 *		slog_multi_close(&m);
 *	}
 *
 * <room> bounds the text bytes of all items (what does not fit is cut,
 * with SL_F_TRUNC); nothing else may log on this thread until the close. */
struct slog_multi {
	uint64_t *rec;               /* the record in the thread's buffer */
	uint64_t *next;              /* where the next item goes */
	uint64_t *item;              /* the text item open, or NULL */
	char *q;                     /* its next byte */
	char *end;                   /* end of the room (word-aligned) */
	uint32_t vxid;
	unsigned flags;              /* SL_F_TRUNC once something was cut */
	int cut;                     /* the open text item was cut */
};

/* Item kinds (word 0 of an item, bits 48..55). */
#define SLOG_ITEM_TEXT  0U           /* literal text */
#define SLOG_ITEM_FMT   1U           /* template + values, as Fmt */
#define SLOG_ITEM_BEGIN 2U           /* a Begin template whose value 0 is the
                                      * parent: also the parent's Link */

/* Returns 0 while logging is off: then nothing else may be called. */
int slog_multi_open(struct slog_multi *m, uint32_t vxid, size_t room);
void slog_multi_close(struct slog_multi *m);

/* Opens a text item of tag <tag> (closing the one before); pieces of its
 * text follow with slog_multi_put(). */
void slog_multi_text(struct slog_multi *m, enum sl_tag tag);

static inline void slog_multi_put(struct slog_multi *m, const void *p, size_t n)
{
	if (__builtin_expect(n > (size_t)(m->end - m->q), 0)) {
		n = (size_t)(m->end - m->q);
		m->cut = 1;
	}
	memcpy(m->q, p, n);
	m->q += n;
}

static inline void slog_multi_puts(struct slog_multi *m, const char *s)
{
	slog_multi_put(m, s, strlen(s));
}

/* The side of a tag: SL_F_CLIENT, SL_F_BACKEND or 0 (either). */
static inline unsigned slog_tag_side(unsigned tag)
{
	switch (tag) {
	case SL_TAG_SessOpen: case SL_TAG_SessClose: case SL_TAG_ReqStart:
	case SL_TAG_ReqMethod: case SL_TAG_ReqURL: case SL_TAG_ReqProtocol:
	case SL_TAG_ReqHeader: case SL_TAG_RespProtocol: case SL_TAG_RespStatus:
	case SL_TAG_RespReason: case SL_TAG_RespHeader: case SL_TAG_ReqAcct:
	case SL_TAG_RespAcct: case SL_TAG_Reject:
		return SL_F_CLIENT;
	case SL_TAG_BereqMethod: case SL_TAG_BereqURL: case SL_TAG_BereqProtocol:
	case SL_TAG_BereqHeader: case SL_TAG_BerespProtocol: case SL_TAG_BerespStatus:
	case SL_TAG_BerespReason: case SL_TAG_BerespHeader: case SL_TAG_Backend:
	case SL_TAG_BereqAcct:
		return SL_F_BACKEND;
	}
	return 0;
}

/* Word 0 of an item. */
static inline uint64_t slog_item_word(unsigned tag, unsigned n, size_t len, unsigned flags,
				      unsigned kind)
{
	return tag | n << 8 | (uint64_t)len << 16 | (uint64_t)flags << 32 | (uint64_t)kind << 48;
}

/* Closes the text item open (its length, its padding). */
void slog_multi_item_end(struct slog_multi *m);

/* A template item. Inline: with a literal template and a constant number
 * of values, the copies are a few stores. */
static inline void slog_multi_item(struct slog_multi *m, unsigned tag, unsigned flags,
				   unsigned kind, const char *tmpl, size_t tlen, unsigned n,
				   const uint64_t *v)
{
	uint64_t *w;

	if (m->item)
		slog_multi_item_end(m);
	w = m->next;
	if (__builtin_expect(n > SLOG_FMT_VALS || tlen > SLOG_FMT_TMPL ||
			     (char *)(w + 1 + n + (tlen + 7) / 8) > m->end, 0)) {
		m->flags |= SL_F_TRUNC;
		return;
	}
	w[0] = slog_item_word(tag, n, tlen, flags, kind);
	for (unsigned i = 0; i < n; i++)
		w[1 + i] = v[i];
	if (tlen & 7)
		w[1 + n + tlen / 8] = 0;
	memcpy(w + 1 + n, tmpl, tlen);
	m->next = w + 1 + n + (tlen + 7) / 8;
}

/* A template item, as slog_fmt(). */
static inline void slog_multi_fmt(struct slog_multi *m, enum sl_tag tag, const char *tmpl,
				  size_t tlen, unsigned n, const uint64_t *v)
{
	slog_multi_item(m, tag, slog_tag_side(tag), SLOG_ITEM_FMT, tmpl, tlen, n, v);
}

#define slog_multi_fmtv(m, tag, tmpl, ...) do {					\
		const uint64_t v_[] = { __VA_ARGS__ };				\
		slog_multi_fmt((m), (tag), "" tmpl, sizeof(tmpl) - 1,		\
			       sizeof(v_) / sizeof(v_[0]), v_);			\
	} while (0)

/* Begin of the record's transaction, "<type> %u <reason>" in <tmpl> (a
 * string literal) with <parent>, and, when <parent> is not 0, the
 * parent's Link to it; <side> SL_F_CLIENT or SL_F_BACKEND. */
#define slog_multi_begin(m, side, tmpl, parent) do {				\
		const uint64_t p_ = (parent);					\
		slog_multi_item((m), SL_TAG_Begin, (side), SLOG_ITEM_BEGIN,	\
				"" tmpl, sizeof(tmpl) - 1, 1, &p_);		\
	} while (0)

/* A Timestamp item, as slog_ts(). */
#define slog_multi_ts(m, label, now_us, start_us, prev_us) do {				uint64_t n_ = (now_us), s_ = (start_us), p_ = (prev_us);			slog_multi_fmtv((m), SL_TAG_Timestamp, label ": %t %t %t", n_,					n_ > s_ ? n_ - s_ : 0, n_ > p_ ? n_ - p_ : 0);		} while (0)

/* An End item: the transaction ends (readers see End). */
void slog_multi_end(struct slog_multi *m);

/* Wall clock in microseconds since the epoch. */
uint64_t slog_now_us(void);

/* A text payload built without printf (the request path logs a few of
 * these per request; vsnprintf would cost more than the record itself).
 * Appends past the end are dropped; send it with slog_line_end(). */
struct slog_line {
	size_t len;
	char buf[240];
};

/* Declares an empty line <l> (its buffer left uninitialized: zeroing it
 * would cost more than the record). */
#define SLOG_LINE(l) struct slog_line l; l.len = 0

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
