/* sl_log.c: libsluice's log cursor on the shared-memory ring.
 *
 * The ring (src/shm/shm-t.h) is read without any lock: writers reserve
 * space by moving w_pos, write the record, then store its header word last
 * with a lap stamp (marker) = low 32 bits of position / 8 + 1. A reader at
 * position r:
 *   - has nothing to read when w_pos == r;
 *   - has been overrun when w_pos - r > ring_size (its bytes were reused);
 *   - sees a record that is not published yet when the stamp at r is not
 *     its own (and w_pos says it was not overrun): it waits;
 *   - copies the payload out, then re-reads w_pos: if the writers went
 *     past r + ring_size during the copy, the copy may be torn and the
 *     record is dropped as lost;
 *   - checks the copy against the check in its word 1 (shm_log_check()):
 *     a writer of an older lap, stalled in the middle of its batch, may
 *     have overwritten a published record; such a record is skipped and
 *     counted lost ("rejected").
 * After an overrun it resyncs at a segment start (seg_start[]) that is
 * still in the ring, with a quarter of the ring of headroom, so that a slow
 * reader is not overrun again at once. */
#include <stdlib.h>
#include <string.h>

#include "sl_int.h"

#define SLI_STALL_SECONDS 2.0   /* a reservation unpublished this long is
                                 * skipped (its writer died or hangs) */

static int hdr_ok(uint64_t hdr, uint64_t pos)
{
	return (uint32_t)(hdr >> 32) == (uint32_t)(pos / 8 + 1);
}

static uint64_t rec_size(uint64_t hdr)
{
	return 16 + (((hdr & 0xffffffU) + 7) & ~(uint64_t)7);
}

int sli_buf_reserve(struct sl_cursor *c, size_t len)
{
	char *nb;
	size_t nsz;

	if (len + 1 <= c->bufsz)
		return 0;
	nsz = c->bufsz ? c->bufsz : 256;
	while (nsz < len + 1)
		nsz *= 2;
	nb = realloc(c->buf, nsz);
	if (!nb)
		return sli_err(SL_ENOMEM, "out of memory (record of %zu bytes)",
			       len);
	c->buf = nb;
	c->bufsz = nsz;
	return 0;
}

/* A published record start at s, from seg_start[], inside (lo, w]. */
static int seg_valid(const struct sl_shm *shm, unsigned i, uint64_t s,
		     uint64_t w)
{
	uint64_t rs = shm->ring_size;

	if (s % 8 || s >= w || w - s > rs)
		return 0;
	if ((s % rs) / (rs / SHM_LOG_SEGS) != i)
		return 0;
	return hdr_ok(sli_load(&shm->ring[(s % rs) / 8]), s);
}

/* The first trustworthy segment start after p, or UINT64_MAX. */
static uint64_t seg_after(const struct sl_shm *shm, uint64_t p, uint64_t w)
{
	uint64_t best = UINT64_MAX;

	for (unsigned i = 0; i < SHM_LOG_SEGS; i++) {
		uint64_t s = sli_load(&shm->log->seg_start[i]);

		if (s > p && s < best && seg_valid(shm, i, s, w))
			best = s;
	}
	return best;
}

/* Published records from p up to w, walking headers; a batch reserved but
 * not published (in flight, or dropped by a lagging writer) is stepped
 * over to the next segment start. WRAP records are not counted. */
static uint64_t count_from(const struct sl_shm *shm, uint64_t p, uint64_t w)
{
	uint64_t rs = shm->ring_size, n = 0, guard = rs / 16 + 2 * SHM_LOG_SEGS;

	while (p < w && guard--) {
		uint64_t off = p % rs, hdr = sli_load(&shm->ring[off / 8]);

		if (!hdr_ok(hdr, p) || (((hdr >> 24) & 0xff) &&
					off + rec_size(hdr) > rs)) {
			p = seg_after(shm, p, w);
			continue;
		}
		if (((hdr >> 24) & 0xff) == 0) {
			p = (p / rs + 1) * rs;
			continue;
		}
		p += rec_size(hdr);
		n++;
	}
	return n;
}

/* Where to start reading when the writer is at w: the oldest trustworthy
 * segment start at least margin bytes past the overwrite point, else the
 * newest trustworthy one, else w itself. */
static uint64_t pick_start(const struct sl_shm *shm, uint64_t w,
			   uint64_t margin)
{
	uint64_t rs = shm->ring_size, best = UINT64_MAX, newest = 0;
	int found = 0;

	if (w <= rs && margin == 0)
		return 0;             /* the first lap: everything is there */
	for (unsigned i = 0; i < SHM_LOG_SEGS; i++) {
		uint64_t s = sli_load(&shm->log->seg_start[i]);

		if (!seg_valid(shm, i, s, w))
			continue;
		if (s >= w - rs + margin && s < best)
			best = s;
		if (!found || s > newest)
			newest = s;
		found = 1;
	}
	if (best != UINT64_MAX)
		return best;
	return found ? newest : w;
}

/* Set the lost-records baseline for a cursor now at c->pos, w. */
static void rebase(struct sl_cursor *c, uint64_t w)
{
	uint64_t r = sli_load(&c->shm->log->records);
	uint64_t k = count_from(c->shm, c->pos, w);

	c->base = r > k ? r - k : 0;
	c->seen = 0;
}

static void position(struct sl_cursor *c)
{
	const struct sl_shm *shm = c->shm;
	uint64_t w = sli_load(&shm->log->w_pos);

	if (c->flags & SL_CURSOR_TAIL && !c->started)
		c->pos = w;
	else
		c->pos = pick_start(shm, w, 0);
	c->stalled = 0;
	c->log_gen = shm->log_gen;
	rebase(c, w);
	c->r0 = (int64_t)c->base - (int64_t)(c->st.records + c->st.lost_records);
}

int sl_cursor_new(struct sl_cursor **cp, struct sl_shm *shm, unsigned flags)
{
	struct sl_cursor *c;

	*cp = NULL;
	if (!shm->log)
		return sli_err(SL_ENOLOG, "%s: the instance has no log section",
			       shm->path);
	c = calloc(1, sizeof(*c));
	if (!c)
		return sli_err(SL_ENOMEM, "out of memory");
	c->magic = SLI_CURSOR_MAGIC;
	c->shm = shm;
	c->flags = flags;
	position(c);
	c->started = 1;
	*cp = c;
	return 0;
}

/* Jump to newpos after losing what lies between; counts the loss. */
static int lose(struct sl_cursor *c, uint64_t newpos, uint64_t w)
{
	uint64_t old = c->pos, bytes = newpos > old ? newpos - old : 0;
	uint64_t r = sli_load(&c->shm->log->records);
	uint64_t k = count_from(c->shm, newpos, w);
	uint64_t before = r > k ? r - k : 0, recs;

	recs = before > c->base + c->seen ? before - (c->base + c->seen) : 0;
	if (recs == 0 && bytes > 0) {
		/* the writer's count says nothing: estimate from the sizes */
		uint64_t avg = c->st.records ?
			c->st.bytes / c->st.records + 16 : 64;

		recs = bytes / (avg ? avg : 64);
		if (recs == 0)
			recs = 1;
	}
	c->pos = newpos;
	c->base = before;
	c->seen = 0;
	c->stalled = 0;
	c->st.overruns++;
	c->st.lost_records += recs;
	c->st.lost_bytes += bytes;
	c->st.last_lost_records = recs;
	c->st.last_lost_bytes = bytes;
	return SL_NEXT_LOST;
}

static int overrun(struct sl_cursor *c, uint64_t w)
{
	return lose(c, pick_start(c->shm, w, c->shm->ring_size / 4), w);
}

/* The next trustworthy segment start after c->pos, or UINT64_MAX. */
static uint64_t next_seg(const struct sl_cursor *c, uint64_t w)
{
	return seg_after(c->shm, c->pos, w);
}

/* A reservation at c->pos stayed unpublished: skip to the next segment
 * start after it, if there is one. */
static int skip_stalled(struct sl_cursor *c, uint64_t w)
{
	uint64_t s = next_seg(c, w);

	if (s == UINT64_MAX)
		return SL_NEXT_NONE;
	return lose(c, s, w);
}

/* A header at c->pos that cannot be right (corrupt file): skip to the
 * next segment start, or to w. Always moves forward, so a damaged ring
 * is never read twice. */
static int skip_corrupt(struct sl_cursor *c, uint64_t w)
{
	uint64_t s = next_seg(c, w);

	return lose(c, s == UINT64_MAX ? w : s, w);
}

/* Caught up (c->pos == w): every record before us is published, so the
 * writer's count is exact; correct the lost-records estimates with it
 * (doc/shm-format.md, "Counting lost records"). Only when the count is
 * stable around a w_pos that did not move. */
static void settle(struct sl_cursor *c, uint64_t w)
{
	const struct shm_log *lg = c->shm->log;
	uint64_t r1 = sli_load(&lg->records);
	int64_t lost;

	if (sli_load(&lg->w_pos) != w || sli_load(&lg->records) != r1)
		return;
	/* the estimates made at resyncs may be off either way: replace their
	 * sum rather than correct the last one */
	lost = (int64_t)r1 - c->r0 - (int64_t)c->st.records;
	if (lost >= 0)
		c->st.lost_records = (uint64_t)lost;
	c->base = r1 >= c->seen ? r1 - c->seen : 0;
}

/* The next record of the ring or of the file, as written. */
static int raw_next(struct sl_cursor *c, struct sl_record *rec)
{
	struct sl_shm *shm = c->shm;
	const uint64_t *ring;
	uint64_t rs;

	if (!shm)
		return sli_file_next(c, rec);
	if (shm->broken)
		return sli_err(SL_ECORRUPT, "%s: the file was truncated while "
			       "attached; not reading it again", shm->path);
	if (c->log_gen != shm->log_gen) {
		if (!shm->log)
			return sli_err(SL_ENOLOG, "%s: the instance has no log "
				       "section", shm->path);
		position(c);
		c->st.restarts++;
		return SL_NEXT_RESTART;
	}
	ring = shm->ring;
	rs = shm->ring_size;
	for (int wraps = 0; wraps < 4; wraps++) {
		uint64_t w, off, hdr, hdr2, w2, size, w1;
		uint32_t len;

		w = sli_load(&shm->log->w_pos);
		if (w == c->pos) {
			c->stalled = 0;
			if (c->st.overruns)
				settle(c, w);
			return SL_NEXT_NONE;
		}
		if (w < c->pos) {
			/* w_pos went back (not a writer of this format):
			 * wait for it to come past us again */
			return SL_NEXT_NONE;
		}
		if (w - c->pos > rs)
			return overrun(c, w);
		off = c->pos % rs;
		hdr = sli_load(&ring[off / 8]);
		if (!hdr_ok(hdr, c->pos)) {
			double now;

			w = sli_load(&shm->log->w_pos);
			if (w > c->pos && w - c->pos > rs)
				return overrun(c, w);
			/* reserved, not published yet */
			now = sli_mono();
			if (!c->stalled || c->stall_pos != c->pos) {
				c->stalled = 1;
				c->stall_pos = c->pos;
				c->stall_since = now;
				return SL_NEXT_NONE;
			}
			if (now - c->stall_since < SLI_STALL_SECONDS)
				return SL_NEXT_NONE;
			return skip_stalled(c, w);
		}
		c->stalled = 0;
		if (((hdr >> 24) & 0xff) == 0) {
			/* WRAP: the rest of this lap is padding; the
			 * reservation that wrote it reached the lap's end */
			uint64_t next = (c->pos / rs + 1) * rs;

			if (next > w && next > sli_load(&shm->log->w_pos))
				return skip_corrupt(c, w);
			c->pos = next;
			continue;
		}
		size = rec_size(hdr);
		if (off + size > rs || c->pos + size > w) {
			w = sli_load(&shm->log->w_pos);
			if (off + size > rs || c->pos + size > w)
				return skip_corrupt(c, w);
		}
		len = (uint32_t)(hdr & 0xffffffU);
		/* whole words, padding included: the check covers them */
		if (sli_buf_reserve(c, size - 16 + 1) < 0)
			return SL_ENOMEM;
		w1 = sli_load_relaxed(&ring[off / 8 + 1]);
		memcpy(c->buf, &ring[off / 8 + 2], size - 16);
		/* the copy happens before we look at w_pos again */
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		w2 = sli_load_relaxed(&shm->log->w_pos);
		hdr2 = sli_load_relaxed(&ring[off / 8]);
		if ((w2 > c->pos && w2 - c->pos > rs) || hdr2 != hdr)
			return overrun(c, w2);
		if (shm_log_check(hdr, w1, (const uint64_t *)(void *)c->buf,
				  len) != (w1 & 0xffff)) {
			/* overwritten after it was published, by a writer
			 * of an older lap: skip it, one record lost */
			c->pos += size;
			c->seen++;
			c->st.rejected++;
			c->st.lost_records++;
			c->st.lost_bytes += size;
			c->st.last_lost_records = 1;
			c->st.last_lost_bytes = size;
			return SL_NEXT_LOST;
		}
		c->buf[len] = 0;
		c->pos += size;
		c->seen++;
		c->st.records++;
		c->st.bytes += len;
		rec->tag = (unsigned)((hdr >> 24) & 0xff);
		rec->len = len;
		rec->vxid = (uint32_t)(w1 >> 32);
		rec->flags = (unsigned)((w1 >> 16) & 0xffff);
		rec->data = c->buf;
		return SL_NEXT_RECORD;
	}
	return SL_NEXT_NONE;
}

int sl_cursor_next(struct sl_cursor *c, struct sl_record *rec)
{
	int ret;

	if (c->xi < c->xn)
		return sli_expanded_next(c, rec);
	ret = raw_next(c, rec);
	if (ret == SL_NEXT_RECORD && !(c->flags & SL_CURSOR_HEADS) &&
	    sli_is_packed_tag(rec->tag)) {
		ret = sli_expand(c, rec);
		if (ret < 0)
			return ret;
		if (c->xn)
			return sli_expanded_next(c, rec);
		return SL_NEXT_RECORD;       /* nothing in it: as it is */
	}
	return ret;
}

void sl_cursor_stats(const struct sl_cursor *c, struct sl_cursor_stats *st)
{
	*st = c->st;
	st->position = c->pos;
}

void sl_cursor_free(struct sl_cursor **cp)
{
	struct sl_cursor *c = *cp;

	if (!c)
		return;
	if (!c->shm)
		sli_file_close(c);
	free(c->xq);
	free(c->xbuf);
	free(c->buf);
	c->magic = 0;
	free(c);
	*cp = NULL;
}
