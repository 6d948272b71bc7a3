/* log.c: the shared-memory log writer.
 *
 * Each thread formats records into its own buffer (struct slog_tbuf, laid
 * out exactly as in the ring, lap stamps left at 0) and publishes the whole
 * buffer as one batch:
 *   1. reserve: one compare-and-swap on w_pos for the batch; a batch that
 *      would cross the ring's end starts at the next lap instead, behind a
 *      WRAP header; then a release fence, so that a reader who sees any of
 *      our ring stores also sees the new w_pos (its overrun check);
 *   2. for each record: copy words 1.., then store the header word with its
 *      lap stamp, with release order: a reader that sees the header sees
 *      the whole record; no record is ever visible torn;
 *   3. lower seg_start[] for the segments the batch starts records in;
 *   4. add the batch's records to `records`.
 * The writer never waits: a reader that falls behind is overrun and finds
 * out by itself (doc/shm-format.md, "Reading the log").
 */
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>

#include "core/compiler.h"
#include "core/init.h"
#include "core/thread.h"
#include "shm/log.h"
#include "shm/counters.h"

#if __BYTE_ORDER__ != __ORDER_LITTLE_ENDIAN__
#error "the ring's padding and Fmt words are written for little-endian hosts"
#endif

int slog_on;

static struct {
	struct shm_log *lg;          /* the LOG section's header, NULL: none */
	uint64_t *ring;              /* its words */
	uint64_t size;               /* ring bytes */
	uint64_t seg;                /* segment bytes */
} slog;

/* A thread's pending records, in ring format; headers without lap stamps. */
struct slog_tbuf {
	uint32_t used;               /* bytes */
	uint32_t nrec;
	uint32_t ntrunc;
	uint64_t w[SLOG_TBUF_SIZE / 8];
};

static __thread struct slog_tbuf *slog_tb;

/* ---------------------------------------------------------------- vxids */

#define VXID_BLOCK 1024

static uint32_t vxid_next = 1;
static __thread uint32_t vxid_cur, vxid_left;

uint32_t slog_vxid(void)
{
	uint32_t v;

	do {
		if (unlikely(!vxid_left)) {
			vxid_cur = __atomic_fetch_add(&vxid_next, VXID_BLOCK, __ATOMIC_RELAXED);
			vxid_left = VXID_BLOCK;
		}
		v = vxid_cur++;
		vxid_left--;
	} while (unlikely(!v));
	return v;
}

/* ------------------------------------------------------------ publishing */

/* Lowers seg_start[] of the segment of <pos> to <pos> when it holds a
 * record start of an older lap, or a later one of this lap. */
static void seg_note(uint64_t pos)
{
	uint64_t off = pos % slog.size, k = off / slog.seg;
	uint64_t base = pos - off % slog.seg;        /* segment start, this lap */
	uint64_t *slot = &slog.lg->seg_start[k];
	uint64_t cur = __atomic_load_n(slot, __ATOMIC_RELAXED);

	while (cur < base || (cur > pos && cur < base + slog.seg))
		if (__atomic_compare_exchange_n(slot, &cur, pos, 0, __ATOMIC_RELEASE,
						__ATOMIC_RELAXED))
			break;
}

static void tbuf_reset(struct slog_tbuf *b)
{
	b->used = b->nrec = b->ntrunc = 0;
}

static void slog_publish(struct slog_tbuf *b)
{
	struct thr_counters *tc = thr_ctr();
	uint64_t size = slog.size, total = b->used, old, start, pos, off, i;
	uint64_t seg_end = 0;                     /* ring offset where a new segment starts */

	if (unlikely(!slog.lg)) {
		tbuf_reset(b);
		return;
	}
	old = __atomic_load_n(&slog.lg->w_pos, __ATOMIC_RELAXED);
	do {
		off = old % size;
		start = off + total <= size ? old : old + (size - off);
	} while (!__atomic_compare_exchange_n(&slog.lg->w_pos, &old, start + total, 1,
					      __ATOMIC_RELAXED, __ATOMIC_RELAXED));
	__atomic_thread_fence(__ATOMIC_RELEASE);

	/* stalled since the reservation for most of a lap: writing now could
	 * overwrite newer records; readers lost these positions anyway */
	if (unlikely(__atomic_load_n(&slog.lg->w_pos, __ATOMIC_RELAXED) - start >
		     size - size / 4)) {
		tc->log_dropped += b->nrec;
		tbuf_reset(b);
		return;
	}
	if (start != old) {
		__atomic_store_n(&slog.ring[(old % size) / 8], shm_log_hdr(old, 0, 0),
				 __ATOMIC_RELEASE);
		seg_note(old);
	}
	/* the batch does not cross the end: offsets grow with positions */
	for (i = 0, pos = start, off = start % size; i < total / 8; ) {
		uint64_t h = b->w[i];
		uint64_t words = shm_log_rec_size((uint32_t)(h & 0xffffff)) / 8;
		uint64_t *dst = &slog.ring[off / 8];

		memcpy(dst + 1, &b->w[i + 1], (words - 1) * 8);
		__atomic_store_n(dst, (uint64_t)shm_log_marker(pos) << 32 | (h & 0xffffffffU),
				 __ATOMIC_RELEASE);
		if (off >= seg_end || i == 0) {    /* first record of the batch in a segment */
			seg_note(pos);
			seg_end = (off / slog.seg + 1) * slog.seg;
		}
		pos += words * 8;
		off += words * 8;
		i += words;
	}
	__atomic_fetch_add(&slog.lg->records, b->nrec, __ATOMIC_RELEASE);
	tc->log_records += b->nrec;
	tc->log_batches++;
	tc->log_bytes += total;
	tc->log_truncated += b->ntrunc;
	tbuf_reset(b);
}

void slog_flush(void)
{
	struct slog_tbuf *b = slog_tb;

	if (b && b->used)
		slog_publish(b);
}

void slog_thread_release(void)
{
	slog_flush();
	free(slog_tb);
	slog_tb = NULL;
}

/* ------------------------------------------------------------- records */

static struct slog_tbuf *tbuf(void)
{
	struct slog_tbuf *b = slog_tb;

	if (likely(b))
		return b;
	b = malloc(sizeof(*b));
	if (b) {
		tbuf_reset(b);
		slog_tb = b;
	}
	return b;
}

/* Room for a record of <len> payload bytes (publishing first if needed). */
static uint64_t *rec_room(struct slog_tbuf *b, uint32_t len)
{
	if (b->used + shm_log_rec_size(len) > SLOG_TBUF_SIZE)
		slog_publish(b);
	return &b->w[b->used / 8];
}

/* memcpy() through the C library: GCC expands copies of bounded size as
 * "rep movs", slow to start for the short payloads of log records, unless
 * it cannot see the size's range. */
static inline void copy_in(void *dst, const void *src, size_t n)
{
	__asm__("" : "+r"(n));
	memcpy(dst, src, n);
}

/* Completes the record at <rec> whose payload (<len> bytes) is in place. */
static void rec_commit(struct slog_tbuf *b, uint64_t *rec, unsigned tag, uint32_t vxid,
		       unsigned flags, uint32_t len)
{
	if (len & 7)                              /* zero the padding */
		rec[2 + len / 8] &= ~(uint64_t)0 >> (64 - 8 * (len & 7));
	rec[0] = (uint64_t)tag << 24 | len;
	rec[1] = (uint64_t)vxid << 32 | (uint64_t)(flags & 0xffff) << 16;
	rec[1] |= shm_log_check(rec[0], rec[1], rec + 2, len);
	b->used += (uint32_t)shm_log_rec_size(len);
	b->nrec++;
	if (flags & SL_F_TRUNC)
		b->ntrunc++;
}

static void count_dropped(void)
{
	thr_ctr()->log_dropped++;
}

static unsigned type_flags(const char *type)
{
	if (!type)
		return 0;
	if (strcmp(type, "bereq") == 0)
		return SL_F_BACKEND;
	if (strcmp(type, "sess") == 0 || strcmp(type, "req") == 0)
		return SL_F_CLIENT;
	return 0;
}

static void slog_put_flags(uint32_t vxid, unsigned tag, unsigned flags, const void *p, size_t len)
{
	struct slog_tbuf *b;
	uint64_t *rec;

	if (unlikely(!(b = tbuf()))) {
		count_dropped();
		return;
	}
	if (len > SLOG_MAX_PAYLOAD) {
		len = SLOG_MAX_PAYLOAD;
		flags |= SL_F_TRUNC;
	}
	rec = rec_room(b, (uint32_t)len);
	copy_in(rec + 2, p, len);
	rec_commit(b, rec, tag, vxid, flags, (uint32_t)len);
}

void slog_bytes(uint32_t vxid, enum sl_tag tag, const void *p, size_t len)
{
	if (slog_on)
		slog_put_flags(vxid, tag, slog_tag_side(tag), p, len);
}

const char slog_digits2[200] =
	"00010203040506070809101112131415161718192021222324252627282930313233343536373839"
	"40414243444546474849505152535455565758596061626364656667686970717273747576777879"
	"8081828384858687888990919293949596979899";

/* Fmt payload (doc/shm-format.md): a word with the tag it stands for
 * (bits 0..7), the number of values (8..15) and the template's length
 * (16..31); the values, a word each; the template. */
static void fmt_put(uint32_t vxid, unsigned tag, unsigned flags, const char *tmpl,
		    size_t tlen, unsigned n, const uint64_t *v)
{
	struct slog_tbuf *b;
	uint64_t *rec, *w;
	uint32_t len;

	ASSERT(n <= SLOG_FMT_VALS);
	if (unlikely(!(b = tbuf()))) {
		count_dropped();
		return;
	}
	if (tlen > SLOG_FMT_TMPL) {
		tlen = SLOG_FMT_TMPL;
		flags |= SL_F_TRUNC;
	}
	len = (uint32_t)(8 * (1 + n) + tlen);
	rec = rec_room(b, len);
	w = rec + 2;
	w[0] = tag | n << 8 | (uint64_t)tlen << 16;
	for (unsigned i = 0; i < n; i++)
		w[1 + i] = v[i];
	copy_in(w + 1 + n, tmpl, tlen);
	rec_commit(b, rec, SL_TAG_Fmt, vxid, flags, len);
}

void slog_fmt(uint32_t vxid, enum sl_tag tag, const char *tmpl, size_t tlen,
	      unsigned n, const uint64_t *v)
{
	if (slog_on)
		fmt_put(vxid, tag, slog_tag_side(tag), tmpl, tlen, n, v);
}

/* ---------------------------------------------------------- Multi records */

/* Payload bytes of a Multi record: half the thread's buffer, so that a
 * record always fits after a publish. */
#define SLOG_MULTI_MAX (SLOG_TBUF_SIZE / 2)

int slog_multi_open(struct slog_multi *m, uint32_t vxid, size_t room)
{
	struct slog_tbuf *b;

	if (!slog_on)
		return 0;
	if (unlikely(!(b = tbuf()))) {
		count_dropped();
		return 0;
	}
	room = (room + 512) & ~(size_t)7;        /* item words, values, padding */
	if (room > SLOG_MULTI_MAX)
		room = SLOG_MULTI_MAX;
	m->rec = rec_room(b, (uint32_t)room);
	m->next = m->rec + 2;
	m->item = NULL;
	m->q = m->end = (char *)m->next + room;
	m->vxid = vxid;
	m->flags = 0;
	m->cut = 0;
	return 1;
}

void slog_multi_item_end(struct slog_multi *m)
{
	uint64_t *it = m->item;
	size_t len;

	if (!it)
		return;
	len = (size_t)(m->q - (char *)(it + 1));
	*it |= (uint64_t)len << 16 | (uint64_t)(m->cut ? SL_F_TRUNC : 0) << 32;
	m->flags |= m->cut ? SL_F_TRUNC : 0;
	if (len & 7)
		it[1 + len / 8] &= ~(uint64_t)0 >> (64 - 8 * (len & 7));
	m->next = it + 1 + (len + 7) / 8;
	m->item = NULL;
	m->q = m->end;
	m->cut = 0;
}

void slog_multi_text(struct slog_multi *m, enum sl_tag tag)
{
	slog_multi_item_end(m);
	if ((char *)(m->next + 1) > m->end) {
		m->flags |= SL_F_TRUNC;            /* no room for the item: puts do nothing */
		return;
	}
	m->item = m->next;
	*m->item = slog_item_word(tag, 0, 0, slog_tag_side(tag), SLOG_ITEM_TEXT);
	m->q = (char *)(m->item + 1);
	m->cut = 0;
}

void slog_multi_end(struct slog_multi *m)
{
	slog_multi_item_end(m);
	if ((char *)(m->next + 1) > m->end) {
		m->flags |= SL_F_TRUNC;
		return;
	}
	*m->next++ = slog_item_word(SL_TAG_End, 0, 0, 0, SLOG_ITEM_TEXT);
}

void slog_multi_close(struct slog_multi *m)
{
	slog_multi_item_end(m);
	rec_commit(slog_tb, m->rec, SL_TAG_Multi, m->vxid, m->flags,
		   (uint32_t)((char *)m->next - (char *)(m->rec + 2)));
}

/* "<type> <id> <reason>", for Begin and Link */
static void slog_tx(uint32_t vxid, unsigned tag, const char *type, uint32_t id, const char *reason)
{
	size_t tl = strlen(type), rl = reason ? strlen(reason) : 0;
	char t[SLOG_FMT_TMPL];
	uint64_t v = id;

	if (tl + rl + 4 > sizeof(t))
		tl = rl = 0;
	memcpy(t, type, tl);
	memcpy(t + tl, " %u ", 4);
	memcpy(t + tl + 4, reason ? reason : "", rl);
	fmt_put(vxid, tag, type_flags(type), t, tl + 4 + rl, 1, &v);
}

void slog_str(uint32_t vxid, enum sl_tag tag, const char *s)
{
	if (slog_on)
		slog_bytes(vxid, tag, s, strlen(s));
}

void slog_hdr(uint32_t vxid, enum sl_tag tag, const char *n, size_t nl,
	      const char *v, size_t vl)
{
	unsigned flags = slog_tag_side(tag);
	size_t len = nl + 2 + vl, k, off;
	struct slog_tbuf *b;
	uint64_t *rec;
	char *q;

	if (!slog_on)
		return;
	if (unlikely(!(b = tbuf()))) {
		count_dropped();
		return;
	}
	if (len > SLOG_MAX_PAYLOAD) {
		len = SLOG_MAX_PAYLOAD;
		flags |= SL_F_TRUNC;
	}
	rec = rec_room(b, (uint32_t)len);
	q = (char *)(rec + 2);
	k = MIN(nl, len);
	copy_in(q, n, k);
	off = k;
	k = MIN((size_t)2, len - off);
	memcpy(q + off, ": ", k);
	off += k;
	copy_in(q + off, v, len - off);
	rec_commit(b, rec, tag, vxid, flags, (uint32_t)len);
}

/* Formats a record in place; when the end of the buffer cuts it short,
 * publishes and formats again into the empty buffer. */
static void slog_vfmt(uint32_t vxid, unsigned tag, unsigned flags, const char *fmt,
		      va_list ap)
{
	struct slog_tbuf *b = tbuf();
	uint64_t *rec;
	size_t cap;
	int n;

	if (unlikely(!b)) {
		count_dropped();
		return;
	}
	for (;;) {
		va_list aq;

		if (b->used + 16 + 64 > SLOG_TBUF_SIZE)
			slog_publish(b);
		rec = &b->w[b->used / 8];
		cap = MIN((size_t)SLOG_MAX_PAYLOAD, SLOG_TBUF_SIZE - b->used - 16 - 1);
		va_copy(aq, ap);
		n = vsnprintf((char *)(rec + 2), cap + 1, fmt, aq);
		va_end(aq);
		if (n < 0)
			return;
		if ((size_t)n <= cap)
			break;
		if (cap < SLOG_MAX_PAYLOAD && b->used) {
			slog_publish(b);
			continue;
		}
		n = (int)cap;
		flags |= SL_F_TRUNC;
		break;
	}
	rec_commit(b, rec, tag, vxid, flags, (uint32_t)n);
}


void slog_printf(uint32_t vxid, enum sl_tag tag, const char *fmt, ...)
{
	va_list ap;

	if (!slog_on)
		return;
	va_start(ap, fmt);
	slog_vfmt(vxid, tag, slog_tag_side(tag), fmt, ap);
	va_end(ap);
}

void slog_begin(uint32_t vxid, const char *type, uint32_t parent, const char *reason)
{
	if (slog_on)
		slog_tx(vxid, SL_TAG_Begin, type, parent, reason);
}

void slog_link(uint32_t vxid, const char *type, uint32_t child, const char *reason)
{
	if (slog_on)
		slog_tx(vxid, SL_TAG_Link, type, child, reason);
}

void slog_end(uint32_t vxid)
{
	struct slog_tbuf *b;
	uint64_t *rec;

	if (!slog_on)
		return;
	if (unlikely(!(b = tbuf()))) {
		count_dropped();
		return;
	}
	rec = rec_room(b, 0);
	rec_commit(b, rec, SL_TAG_End, vxid, 0, 0);
	slog_publish(b);
}

uint64_t slog_now_us(void)
{
	struct timeval tv;

	gettimeofday(&tv, NULL);
	return (uint64_t)tv.tv_sec * 1000000 + (uint64_t)tv.tv_usec;
}


/* ---------------------------------------------------------------- setup */

static void slog_turn(void)
{
	slog_flush();
}

static struct thread_hook slog_hook = {
	.turn = slog_turn,
	.exit = slog_thread_release,
};

void slog_attach(struct shm_log *lg)
{
	static int hooked;

	ASSERT(lg->ring_size >= 8 * SHM_LOG_SEGS && lg->ring_size % (8 * SHM_LOG_SEGS) == 0);
	/* a batch takes at most a quarter of the ring (lapped-writer check) */
	ASSERT(lg->ring_size >= 4 * SLOG_TBUF_SIZE);
	slog.lg = lg;
	slog.ring = (uint64_t *)((char *)lg + sizeof(*lg));
	slog.size = lg->ring_size;
	slog.seg = lg->ring_size / SHM_LOG_SEGS;
	if (!hooked) {
		thread_register_hook(&slog_hook);
		hooked = 1;
	}
	__atomic_store_n(&slog_on, 1, __ATOMIC_RELEASE);
}

void slog_detach(void)
{
	__atomic_store_n(&slog_on, 0, __ATOMIC_RELEASE);
	slog.lg = NULL;
	slog.ring = NULL;
}

/* ------------------------------------------------------------ reference */

static const struct {
	unsigned n;
	const char *name, *doc;
} slog_tags[] = {
#define SL_TAG(n, name, doc) { n, #name, doc },
#include "../../include/sluice/tags.h"
#undef SL_TAG
};

const char *slog_tag_name(unsigned tag)
{
	for (size_t i = 0; i < ARRAY_SIZE(slog_tags); i++)
		if (slog_tags[i].n == tag)
			return slog_tags[i].name;
	return NULL;
}

void slog_dump_tags(FILE *f)
{
	fputs("Tags of the shared-memory log records (doc/shm-format.md), one line each:\n"
	      "number, name, payload. Payloads are text unless said otherwise. Tag 0\n"
	      "(WRAP) is internal to the ring and never delivered.\n\n", f);
	for (size_t i = 0; i < ARRAY_SIZE(slog_tags); i++)
		fprintf(f, "  %3u  %-15s %s\n", slog_tags[i].n, slog_tags[i].name,
			slog_tags[i].doc);
}

INIT_REGISTER_DOC(logtags, "logtags", 0, slog_dump_tags);
