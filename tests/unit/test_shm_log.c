/* test_shm_log.c: the shared-memory log writer, read back by a reader that
 * follows doc/shm-format.md ("Reading the log"): record format, flags and
 * truncation, wrap, overrun detection and resync at a segment start by a
 * slow reader, concurrent writers with a concurrent reader that checks that
 * no record is ever seen torn, vxid uniqueness.
 *
 * `test_shm_log --bench` measures the writer instead (records/s, ns/record,
 * on the CPU time of each writer thread; transactions of 20 records).
 */
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "unit.h"
#include "core/thread-t.h"
#include "shm/counters.h"
#include "shm/log.h"
#include "shm/shm.h"

static char dir[256], path[300];

static void seg_open(uint64_t ring)
{
	CHECK_INT(shm_create(path, "log", ring, 64 * 1024, 0640), 0);
}

static void seg_close(void)
{
	slog_thread_release();
	shm_close();
	unlink(path);
}

static struct shm_log *find_log(void)
{
	struct shm_head *h = shm_head();
	uint64_t off = h->first_section;

	while (off) {
		struct shm_section *s = (struct shm_section *)((char *)h + off);

		if (s->class == SHM_CLASS_LOG)
			return shm_section_payload(s);
		off = s->next;
	}
	return NULL;
}

/* ------------------------------------------------------------ a reader */

struct rd {
	struct shm_log *lg;
	const uint64_t *ring;
	uint64_t size, seg, pos;
	uint64_t nread, overruns, lost_bytes, wraps, corrupt, rejected;
	uint64_t last_resync;
	int resync_at_seg;           /* the last resync found a seg_start */
};

struct rrec {
	unsigned tag, flags;
	uint32_t vxid, len;
	uint64_t pos;
	char data[SLOG_MAX_PAYLOAD + 8] __attribute__((aligned(8)));
};

enum { RD_NONE, RD_REC, RD_LOST };

static uint64_t ld_acq(const uint64_t *p)
{
	return __atomic_load_n(p, __ATOMIC_ACQUIRE);
}

static void rd_init(struct rd *r, struct shm_log *lg, uint64_t pos)
{
	memset(r, 0, sizeof(*r));
	r->lg = lg;
	r->ring = (const uint64_t *)((const char *)lg + sizeof(*lg));
	r->size = lg->ring_size;
	r->seg = lg->ring_size / SHM_LOG_SEGS;
	r->pos = pos;
}

static void rd_resync(struct rd *r)
{
	uint64_t w = ld_acq(&r->lg->w_pos), lo = w > r->size ? w - r->size : 0, b;

	r->overruns++;
	for (b = lo - lo % r->seg + r->seg; b < w; b += r->seg) {
		uint64_t k = (b % r->size) / r->seg, s = ld_acq(&r->lg->seg_start[k]);

		if (s >= b && s < b + r->seg && s < w) {
			r->lost_bytes += s - r->pos;
			r->pos = r->last_resync = s;
			r->resync_at_seg = 1;
			return;
		}
	}
	r->lost_bytes += w - r->pos;
	r->pos = r->last_resync = w;
	r->resync_at_seg = 0;
}

static int rd_next(struct rd *r, struct rrec *out)
{
	for (;;) {
		uint64_t w = ld_acq(&r->lg->w_pos), off, h, w1, size;

		if (w - r->pos > r->size) {
			rd_resync(r);
			return RD_LOST;
		}
		if (w == r->pos)
			return RD_NONE;
		off = r->pos % r->size;
		h = ld_acq(&r->ring[off / 8]);
		if ((uint32_t)(h >> 32) != shm_log_marker(r->pos)) {
			w = ld_acq(&r->lg->w_pos);
			if (w - r->pos > r->size) {
				rd_resync(r);
				return RD_LOST;
			}
			return RD_NONE;                 /* not published yet */
		}
		if (((h >> 24) & 0xff) == 0) {
			r->pos += r->size - off;        /* WRAP */
			r->wraps++;
			continue;
		}
		out->len = (uint32_t)(h & 0xffffff);
		size = shm_log_rec_size(out->len);
		if (off + size > r->size || out->len > SLOG_MAX_PAYLOAD) {
			r->corrupt++;
			rd_resync(r);
			return RD_LOST;
		}
		w1 = __atomic_load_n(&r->ring[off / 8 + 1], __ATOMIC_RELAXED);
		memcpy(out->data, &r->ring[off / 8 + 2], (out->len + 7) & ~7U);
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		if (__atomic_load_n(&r->lg->w_pos, __ATOMIC_RELAXED) - r->pos > r->size) {
			rd_resync(r);                   /* the copy may be torn */
			return RD_LOST;
		}
		if (shm_log_check(h, w1, (const uint64_t *)out->data, out->len) != (w1 & 0xffff)) {
			r->pos += size;                 /* overwritten by a lapped writer */
			r->rejected++;
			return RD_LOST;
		}
		out->data[out->len] = 0;
		out->tag = (unsigned)(h >> 24) & 0xff;
		out->vxid = (uint32_t)(w1 >> 32);
		out->flags = (unsigned)(w1 >> 16) & 0xffff;
		out->pos = r->pos;
		r->pos += size;
		r->nread++;
		return RD_REC;
	}
}

/* Renders an Fmt record in place as the record it stands for, following
 * doc/shm-format.md ("Fmt records") independently of libsluice. 0 if it
 * does not parse. */
static int fmt_render(struct rrec *rec)
{
	uint64_t w0, v[8];
	unsigned n, tlen, k = 0;
	char out[SLOG_MAX_PAYLOAD + 8], *q = out;
	const char *t;

	memcpy(&w0, rec->data, 8);
	n = (unsigned)(w0 >> 8 & 0xff);
	tlen = (unsigned)(w0 >> 16 & 0xffff);
	if (rec->len < 8 || n > 8 || 8 * (1 + n) + tlen > rec->len)
		return 0;
	memcpy(v, rec->data + 8, 8 * n);
	t = rec->data + 8 * (1 + n);
	for (unsigned i = 0; i < tlen; i++) {
		if (t[i] == '%' && i + 1 < tlen && t[i + 1] == 'u' && k < n) {
			q += snprintf(q, 24, "%llu", (unsigned long long)v[k++]);
			i++;
		} else if (t[i] == '%' && i + 1 < tlen && t[i + 1] == 't' && k < n) {
			q += snprintf(q, 32, "%llu.%06llu", (unsigned long long)(v[k] / 1000000),
				      (unsigned long long)(v[k] % 1000000));
			k++;
			i++;
		} else {
			*q++ = t[i];
		}
	}
	rec->tag = (unsigned)(w0 & 0xff);
	rec->len = (uint32_t)(q - out);
	memcpy(rec->data, out, rec->len);
	rec->data[rec->len] = 0;
	return 1;
}

/* Reads the next record, which must exist; an Fmt record is compared as
 * the record it stands for. */
static int expect_rec(struct rd *r, struct rrec *rec, unsigned tag, uint32_t vxid,
		      unsigned flags, const char *payload, const char *file, int line)
{
	int ok = CHECK_INT_AT(rd_next(r, rec), RD_REC, file, line);

	if (rec->tag == SL_TAG_Fmt && tag != SL_TAG_Fmt)
		ok &= CHECK_AT(fmt_render(rec), file, line);
	ok &= CHECK_INT_AT(rec->tag, tag, file, line);
	ok &= CHECK_INT_AT(rec->vxid, vxid, file, line);
	ok &= CHECK_INT_AT(rec->flags, flags, file, line);
	if (payload) {
		ok &= CHECK_INT_AT(rec->len, strlen(payload), file, line);
		if (!CHECK_AT(strcmp(rec->data, payload) == 0, file, line))
			printf("  got '%s', expected '%s'\n", rec->data, payload);
	}
	return ok;
}
#define EXPECT_REC(r, rec, tag, vxid, flags, payload) \
	expect_rec(r, rec, tag, vxid, flags, payload, __FILE__, __LINE__)

/* -------------------------------------------------------------- tests */

static struct rrec rec;

static void test_records(void)
{
	struct shm_log *lg;
	struct rd r;
	uint32_t v, v2;
	char buf[64];

	seg_open(1 << 20);
	lg = find_log();
	CHECK(lg != NULL && lg->ring_size == 1 << 20);
	CHECK(slog_active());
	rd_init(&r, lg, 0);
	v = slog_vxid();
	v2 = slog_vxid();
	CHECK(v && v2 && v != v2);

	slog_begin(v, "sess", 0, "HTTP/1");
	slog_str(v, SL_TAG_SessOpen, "127.0.0.1 5555 fe 0.0.0.0:80");
	slog_begin(v2, "req", v, "rxreq");
	slog_link(v, "req", v2, "rxreq");
	slog_hdr(v2, SL_TAG_ReqHeader, "Host", 4, "example.com", 11);
	slog_printf(v2, SL_TAG_BerespStatus, "%d", 200);
	slog_ts(v2, "Resp", 1700000000123456ULL, 1700000000000000ULL, 1700000000100000ULL);
	slog_bytes(v2, SL_TAG_Debug, "12345678", 8);
	CHECK_INT(rd_next(&r, &rec), RD_NONE);    /* buffered, not published */
	CHECK_INT(lg->w_pos, 0);
	slog_end(v2);                             /* publishes */
	CHECK_INT(lg->records, 9);
	CHECK_INT(lg->seg_start[0], 0);

	EXPECT_REC(&r, &rec, SL_TAG_Begin, v, SL_F_CLIENT, "sess 0 HTTP/1");
	EXPECT_REC(&r, &rec, SL_TAG_SessOpen, v, SL_F_CLIENT, "127.0.0.1 5555 fe 0.0.0.0:80");
	snprintf(buf, sizeof(buf), "req %u rxreq", v);
	EXPECT_REC(&r, &rec, SL_TAG_Begin, v2, SL_F_CLIENT, buf);
	snprintf(buf, sizeof(buf), "req %u rxreq", v2);
	EXPECT_REC(&r, &rec, SL_TAG_Link, v, SL_F_CLIENT, buf);
	EXPECT_REC(&r, &rec, SL_TAG_ReqHeader, v2, SL_F_CLIENT, "Host: example.com");
	EXPECT_REC(&r, &rec, SL_TAG_BerespStatus, v2, SL_F_BACKEND, "200");
	EXPECT_REC(&r, &rec, SL_TAG_Timestamp, v2, 0, "Resp: 1700000000.123456 0.123456 0.023456");
	EXPECT_REC(&r, &rec, SL_TAG_Debug, v2, 0, "12345678");
	EXPECT_REC(&r, &rec, SL_TAG_End, v2, 0, "");
	CHECK_INT(rd_next(&r, &rec), RD_NONE);

	/* bereq transactions are backend-side; flush with nothing is a no-op */
	slog_begin(v, "bereq", v2, "fetch");
	slog_flush();
	EXPECT_REC(&r, &rec, SL_TAG_Begin, v, SL_F_BACKEND, NULL);
	slog_flush();
	CHECK_INT(lg->w_pos, r.pos);
	CHECK_INT(lg->records, 10);
	CHECK_INT(r.overruns, 0);
	CHECK(slog_tag_name(SL_TAG_ReqURL) && strcmp(slog_tag_name(SL_TAG_ReqURL), "ReqURL") == 0);
	seg_close();
}

/* One item of a Multi payload at <*off>, following doc/shm-format.md
 * ("Multi records"): its fields, values and text; its padding must be 0. */
struct mitem {
	unsigned tag, n, len, flags, kind;
	uint64_t v[8];
	char text[SLOG_MAX_PAYLOAD + 1];
};

static int next_item(const struct rrec *rec, uint32_t *off, struct mitem *it)
{
	uint64_t w0;
	uint32_t size;

	if (*off + 8 > rec->len)
		return 0;
	memcpy(&w0, rec->data + *off, 8);
	it->tag = (unsigned)(w0 & 0xff);
	it->n = (unsigned)(w0 >> 8 & 0xff);
	it->len = (unsigned)(w0 >> 16 & 0xffff);
	it->flags = (unsigned)(w0 >> 32 & 0xffff);
	it->kind = (unsigned)(w0 >> 48 & 0xff);
	size = 8 + 8 * it->n + ((it->len + 7) & ~7U);
	if (it->n > 8 || it->len > SLOG_MAX_PAYLOAD || *off + size > rec->len)
		return 0;
	memcpy(it->v, rec->data + *off + 8, 8 * it->n);
	memcpy(it->text, rec->data + *off + 8 + 8 * it->n, it->len);
	it->text[it->len] = 0;
	for (uint32_t i = *off + 8 + 8 * it->n + it->len; i < *off + size; i++)
		if (rec->data[i])
			return 0;
	*off += size;
	return 1;
}

static void expect_item(const struct rrec *rec, uint32_t *off, unsigned tag, unsigned kind,
			unsigned flags, const char *text, unsigned n, const uint64_t *v, int line)
{
	struct mitem it;

	if (!CHECK_AT(next_item(rec, off, &it), __FILE__, line))
		return;
	CHECK_INT_AT(it.tag, tag, __FILE__, line);
	CHECK_INT_AT(it.kind, kind, __FILE__, line);
	CHECK_INT_AT(it.flags, flags, __FILE__, line);
	if (!CHECK_AT(strcmp(it.text, text) == 0, __FILE__, line))
		printf("  got '%s', expected '%s'\n", it.text, text);
	CHECK_INT_AT(it.n, n, __FILE__, line);
	for (unsigned i = 0; i < n && i < it.n; i++)
		CHECK_INT_AT(it.v[i], v[i], __FILE__, line);
}
#define EXPECT_ITEM(rec, off, tag, kind, flags, text, n, v) \
	expect_item(rec, off, tag, kind, flags, text, n, v, __LINE__)

static void test_multi(void)
{
	static char big[SLOG_MAX_PAYLOAD + 100];
	struct slog_multi m;
	uint32_t off = 0;
	struct rd r;

	seg_open(1 << 20);
	rd_init(&r, find_log(), 0);
	CHECK(slog_multi_open(&m, 9, 64));
	slog_multi_begin(&m, SL_F_CLIENT, "req %u rxreq", 3);
	slog_multi_text(&m, SL_TAG_ReqStart);
	slog_multi_put(&m, "127.0.0.1", 9);
	slog_multi_puts(&m, " 80 www");
	slog_multi_text(&m, SL_TAG_ReqHead);
	slog_multi_put(&m, "GET / HTTP/1.1", 14);
	slog_multi_ts(&m, "Req", 1700000000000010ULL, 1700000000000000ULL, 1700000000000004ULL);
	slog_multi_fmtv(&m, SL_TAG_BereqAcct, "%u %u", 1, 2);
	slog_multi_end(&m);
	slog_multi_close(&m);
	CHECK_INT(rd_next(&r, &rec), RD_NONE);    /* buffered, not published */
	slog_flush();
	CHECK_INT(rd_next(&r, &rec), RD_REC);
	CHECK_INT(rec.tag, SL_TAG_Multi);
	CHECK_INT(rec.vxid, 9);
	CHECK_INT(rec.flags, 0);
	CHECK_INT(rec.len % 8, 0);
	EXPECT_ITEM(&rec, &off, SL_TAG_Begin, SLOG_ITEM_BEGIN, SL_F_CLIENT, "req %u rxreq", 1,
		    (const uint64_t[]){ 3 });
	EXPECT_ITEM(&rec, &off, SL_TAG_ReqStart, SLOG_ITEM_TEXT, SL_F_CLIENT,
		    "127.0.0.1 80 www", 0, NULL);
	EXPECT_ITEM(&rec, &off, SL_TAG_ReqHead, SLOG_ITEM_TEXT, 0, "GET / HTTP/1.1", 0, NULL);
	EXPECT_ITEM(&rec, &off, SL_TAG_Timestamp, SLOG_ITEM_FMT, 0, "Req: %t %t %t", 3,
		    ((const uint64_t[]){ 1700000000000010ULL, 10, 6 }));
	EXPECT_ITEM(&rec, &off, SL_TAG_BereqAcct, SLOG_ITEM_FMT, SL_F_BACKEND, "%u %u", 2,
		    ((const uint64_t[]){ 1, 2 }));
	EXPECT_ITEM(&rec, &off, SL_TAG_End, SLOG_ITEM_TEXT, 0, "", 0, NULL);
	CHECK_INT(off, rec.len);

	/* text past the room is cut and flagged; items with no room left are
	 * dropped, the record flagged */
	memset(big, 'y', sizeof(big));
	CHECK(slog_multi_open(&m, 9, 0));
	slog_multi_text(&m, SL_TAG_Debug);
	slog_multi_put(&m, big, sizeof(big));
	slog_multi_fmtv(&m, SL_TAG_ReqAcct, "%u", 1);
	slog_multi_end(&m);
	slog_multi_close(&m);
	slog_flush();
	CHECK_INT(rd_next(&r, &rec), RD_REC);
	CHECK_INT(rec.tag, SL_TAG_Multi);
	CHECK_INT(rec.flags, SL_F_TRUNC);
	off = 0;
	{
		struct mitem it;

		CHECK(next_item(&rec, &off, &it));
		CHECK(it.tag == SL_TAG_Debug && it.flags == SL_F_TRUNC && it.len > 0 &&
		      it.len < sizeof(big) && it.text[0] == 'y');
		CHECK_INT(off, rec.len);              /* nothing after it */
	}

	/* logging off: open says no */
	slog_detach();
	CHECK(!slog_multi_open(&m, 9, 64));
	seg_close();
}

static void test_truncation(void)
{
	static char big[10001];
	struct thr_counters *tc = thr_ctr();
	uint64_t trunc0 = tc->log_truncated;
	struct rd r;

	seg_open(1 << 20);
	rd_init(&r, find_log(), 0);
	memset(big, 'x', sizeof(big) - 1);
	slog_bytes(1, SL_TAG_Debug, big, 10000);
	slog_hdr(1, SL_TAG_ReqHeader, "X", 1, big, 5000);
	slog_printf(1, SL_TAG_Debug, "%s", big);
	slog_bytes(1, SL_TAG_Debug, big, SLOG_MAX_PAYLOAD);   /* exactly the limit */
	/* the buffer holds 4 * 4112 bytes: a 4050-byte line does not fit; it
	 * is formatted again after a publish, not cut */
	big[4050] = 0;
	slog_printf(1, SL_TAG_Debug, "%s", big);
	slog_flush();

	CHECK_INT(rd_next(&r, &rec), RD_REC);
	CHECK_INT(rec.len, SLOG_MAX_PAYLOAD);
	CHECK_INT(rec.flags, SL_F_TRUNC);
	CHECK_INT(rd_next(&r, &rec), RD_REC);
	CHECK_INT(rec.len, SLOG_MAX_PAYLOAD);
	CHECK_INT(rec.flags, SL_F_TRUNC | SL_F_CLIENT);
	CHECK(memcmp(rec.data, "X: xxx", 6) == 0);
	CHECK_INT(rd_next(&r, &rec), RD_REC);
	CHECK_INT(rec.len, SLOG_MAX_PAYLOAD);
	CHECK_INT(rec.flags, SL_F_TRUNC);
	CHECK_INT(rd_next(&r, &rec), RD_REC);
	CHECK_INT(rec.len, SLOG_MAX_PAYLOAD);
	CHECK_INT(rec.flags, 0);
	CHECK_INT(rd_next(&r, &rec), RD_REC);
	CHECK_INT(rec.len, 4050);
	CHECK_INT(rec.flags, 0);
	CHECK_INT(rd_next(&r, &rec), RD_NONE);
	CHECK_INT(tc->log_truncated - trunc0, 3);

	/* tiny payloads; zero padding up to the word */
	slog_bytes(2, SL_TAG_Debug, "abc", 3);
	slog_flush();
	CHECK_INT(rd_next(&r, &rec), RD_REC);
	CHECK_INT(rec.len, 3);
	CHECK_INT(((const char *)r.ring)[(rec.pos % r.size) + 16 + 3], 0);
	CHECK_INT(((const char *)r.ring)[(rec.pos % r.size) + 16 + 7], 0);
	seg_close();
}

/* Payload of test records: who wrote it and a pattern to check. */
struct tpay {
	uint32_t thread, seq, vxid, sum;
};

static uint32_t fill(char *p, unsigned len, uint32_t thread, uint32_t seq)
{
	uint32_t sum = 0;

	for (unsigned i = 0; i < len; i++) {
		p[i] = (char)((thread * 31 + seq * 7 + i) & 0xff);
		sum = sum * 33 + (unsigned char)p[i];
	}
	return sum;
}

static void write_rec(uint32_t thread, uint32_t seq, unsigned extra)
{
	char buf[sizeof(struct tpay) + 512];
	struct tpay *tp = (struct tpay *)buf;

	tp->thread = thread;
	tp->seq = seq;
	tp->vxid = slog_vxid();
	tp->sum = fill(buf + sizeof(*tp), extra, thread, seq);
	slog_bytes(tp->vxid, SL_TAG_Debug, buf, sizeof(*tp) + extra);
}

/* 1 if <rec> is a record written by write_rec(), intact. */
static int rec_intact(const struct rrec *rr, struct tpay *out)
{
	char check[512];
	struct tpay tp;

	if (rr->tag != SL_TAG_Debug || rr->len < sizeof(tp) || rr->len > sizeof(tp) + 512)
		return 0;
	memcpy(&tp, rr->data, sizeof(tp));
	if (tp.vxid != rr->vxid || fill(check, rr->len - sizeof(tp), tp.thread, tp.seq) != tp.sum ||
	    memcmp(check, rr->data + sizeof(tp), rr->len - sizeof(tp)) != 0)
		return 0;
	*out = tp;
	return 1;
}

static void test_wrap_keeping_up(void)
{
	struct rd r;
	struct tpay tp;
	uint32_t expect = 0, bad = 0;

	seg_open(64 * 1024);                      /* the smallest ring */
	rd_init(&r, find_log(), 0);
	for (uint32_t seq = 0; seq < 5000; seq++) {
		write_rec(0, seq, (seq * 37) % 300);
		if (seq % 5 == 4) {
			slog_end(0);
			while (rd_next(&r, &rec) == RD_REC) {
				if (rec.tag == SL_TAG_End)
					continue;
				if (!rec_intact(&rec, &tp) || tp.seq != expect)
					bad++;
				expect = tp.seq + 1;
			}
		}
	}
	CHECK_INT(bad, 0);
	CHECK_INT(expect, 5000);
	CHECK(r.wraps >= 10);
	CHECK_INT(r.overruns, 0);
	CHECK_INT(r.nread, find_log()->records);
	seg_close();
}

static void test_overrun(void)
{
	struct shm_log *lg;
	struct rd r;
	struct tpay tp;
	uint32_t total = 0, first = 0, prev = 0, bad = 0, got = 0;
	int lost;

	seg_open(64 * 1024);
	lg = find_log();
	rd_init(&r, lg, 0);
	/* four laps while the reader sleeps at position 0 */
	while (lg->w_pos < 4 * 64 * 1024) {
		write_rec(0, total++, 88);            /* 16 + 16 + 88 = 120 bytes */
		if (total % 10 == 0)
			slog_end(0);
	}
	slog_flush();
	lost = rd_next(&r, &rec);
	CHECK_INT(lost, RD_LOST);
	CHECK_INT(r.overruns, 1);
	CHECK(r.resync_at_seg);
	/* the resync point is a record start of the oldest intact segment */
	CHECK(r.last_resync + lg->ring_size >= lg->w_pos);
	CHECK(r.last_resync % r.seg < 128 + 8);
	while (rd_next(&r, &rec) == RD_REC) {
		if (rec.tag == SL_TAG_End)
			continue;
		if (!rec_intact(&rec, &tp)) {
			bad++;
			continue;
		}
		if (!got++)
			first = tp.seq;
		else if (tp.seq != prev + 1)
			bad++;
		prev = tp.seq;
	}
	CHECK_INT(bad, 0);
	CHECK(first > 0);
	CHECK_INT(prev, total - 1);
	CHECK_INT(r.overruns, 1);
	/* every Debug record before the resync point is lost, none after */
	CHECK_INT(total - got, first);
	CHECK_INT(lg->records, total + total / 10);
	seg_close();
}

/* ---- concurrent writers and a reader ---- */

#define MT_WRITERS 4

struct mt {
	uint32_t nrec;               /* records per writer */
	int slow;                    /* reader sleeps now and then */
	int done;                    /* writers finished */
	struct shm_log *lg;
	uint32_t bad, gaps_unexplained;
	uint64_t read, overruns, rejected, lost;
	uint32_t ends;               /* End records written, all writers */
};

struct mt_arg {
	struct mt *m;
	uint32_t thread;
};

static void *writer_main(void *arg)
{
	struct mt_arg *a = arg;
	unsigned seed = a->thread * 7919 + 1;

	tid = (int)a->thread + 1;                 /* own thread counters */
	for (uint32_t seq = 0; seq < a->m->nrec; seq++) {
		seed = seed * 1103515245 + 12345;
		write_rec(a->thread, seq, (seed >> 16) % 400);
		if ((seed >> 8) % 8 == 0) {
			slog_end(0);
			__atomic_fetch_add(&a->m->ends, 1, __ATOMIC_RELAXED);
		}
	}
	slog_thread_release();
	return NULL;
}

static void *reader_main(void *arg)
{
	struct mt *m = arg;
	uint32_t next[MT_WRITERS] = { 0 };
	uint64_t losses_seen[MT_WRITERS] = { 0 };   /* reader's losses at the last record */
	struct rrec *rr = malloc(sizeof(*rr));
	struct tpay tp;
	struct rd r;
	int idle = 0;

	rd_init(&r, m->lg, 0);
	for (;;) {
		int ret = rd_next(&r, rr);

		if (ret == RD_NONE) {
			if (__atomic_load_n(&m->done, __ATOMIC_ACQUIRE) && ++idle > 1000)
				break;
			continue;
		}
		idle = 0;
		if (ret == RD_LOST)
			continue;
		if (rr->tag == SL_TAG_End)
			continue;
		if (!rec_intact(rr, &tp) || tp.thread >= MT_WRITERS) {
			if (getenv("SHM_DEBUG"))
				printf("  torn: pos %llu len %u vxid %u\n", (unsigned long long)rr->pos, rr->len, rr->vxid);
			m->bad++;
			continue;
		}
		if (tp.seq < next[tp.thread]) {
			if (getenv("SHM_DEBUG"))
				printf("  order: thread %u seq %u next %u\n", tp.thread, tp.seq, next[tp.thread]);
			m->bad++;                 /* order within a thread */
		}
		else if (tp.seq > next[tp.thread] &&
			 r.overruns + r.rejected == losses_seen[tp.thread])
			m->gaps_unexplained++;    /* lost without the reader knowing */
		next[tp.thread] = tp.seq + 1;
		losses_seen[tp.thread] = r.overruns + r.rejected;
		if (m->slow && r.nread % 256 == 0)
			usleep(1000);
	}
	m->read = r.nread;
	m->overruns = r.overruns;
	m->rejected = r.rejected;
	m->lost = m->lg->records - r.nread;
	free(rr);
	return NULL;
}

/* Records the writers dropped so far (lapped before copying a batch). */
static uint64_t dropped_total(void)
{
	uint64_t sum = 0;

	for (int t = 0; t < MAX_THREADS; t++)
		sum += thr_ctrs[t]->log_dropped;
	return sum;
}

static void run_mt(int slow, uint32_t nrec)
{
	pthread_t w[MT_WRITERS], rt;
	struct mt_arg args[MT_WRITERS];
	struct mt m = { .nrec = nrec, .slow = slow };
	uint64_t dropped0;

	seg_open(256 * 1024);
	m.lg = find_log();
	dropped0 = dropped_total();
	pthread_create(&rt, NULL, reader_main, &m);
	for (int i = 0; i < MT_WRITERS; i++) {
		args[i].m = &m;
		args[i].thread = (uint32_t)i;
		pthread_create(&w[i], NULL, writer_main, &args[i]);
	}
	for (int i = 0; i < MT_WRITERS; i++)
		pthread_join(w[i], NULL);
	__atomic_store_n(&m.done, 1, __ATOMIC_RELEASE);
	pthread_join(rt, NULL);

	CHECK_INT(m.bad, 0);                      /* never a torn record */
	CHECK_INT(m.gaps_unexplained, 0);
	CHECK_INT(m.lg->records + (dropped_total() - dropped0), (uint64_t)MT_WRITERS * nrec + m.ends);
	CHECK(m.lg->records >= m.read);
	if (slow) {
		CHECK(m.overruns > 0);
		CHECK(m.lost > 0);
	}
	printf("  %s reader: %llu records read, %llu lost in %llu overruns, %llu rejected "
	       "(overwritten by a lapped writer), %llu dropped by writers\n",
	       slow ? "slow" : "fast", (unsigned long long)m.read,
	       (unsigned long long)m.lost, (unsigned long long)m.overruns,
	       (unsigned long long)m.rejected, (unsigned long long)(dropped_total() - dropped0));
	seg_close();
}

static void *vxid_main(void *arg)
{
	uint32_t *out = arg;

	for (int i = 0; i < 3000; i++)
		out[i] = slog_vxid();
	return NULL;
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

static void test_vxid(void)
{
	static uint32_t ids[4 * 3000];
	pthread_t t[4];
	int dup = 0, zero = 0;

	for (int i = 0; i < 4; i++)
		pthread_create(&t[i], NULL, vxid_main, ids + i * 3000);
	for (int i = 0; i < 4; i++)
		pthread_join(t[i], NULL);
	qsort(ids, 4 * 3000, sizeof(ids[0]), cmp_u32);
	for (int i = 0; i < 4 * 3000; i++) {
		zero += ids[i] == 0;
		dup += i && ids[i] == ids[i - 1];
	}
	CHECK_INT(zero, 0);
	CHECK_INT(dup, 0);
}

static void test_off(void)
{
	/* no segment: every call is a no-op */
	CHECK(!slog_active());
	slog_bytes(1, SL_TAG_Debug, "x", 1);
	slog_printf(1, SL_TAG_Debug, "%d", 1);
	slog_end(1);
	slog_flush();
	CHECK(slog_vxid() != 0);
	/* a segment without a log section (shm-log off) */
	CHECK_INT(shm_create(path, "log", 0, 64 * 1024, 0640), 0);
	CHECK(!slog_active());
	CHECK(find_log() == NULL);
	slog_str(1, SL_TAG_Debug, "nothing");
	slog_end(1);
	seg_close();
}

/* --------------------------------------------------------------- bench */

struct bench {
	uint32_t nrec;
	int kind;                    /* 0 bytes, 1 hdr, 2 printf */
	double secs;                 /* CPU time of the thread */
};

/* CPU time of the calling thread: the figures do not depend on how busy
 * the machine is (the wall clock would count time spent descheduled). */
static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

static void *bench_main(void *arg)
{
	struct bench *b = arg;
	static const char val[] = "Mozilla/5.0 (X11; Linux x86_64) sluice-bench";
	uint32_t v = slog_vxid();
	double t0 = now_s();

	for (uint32_t i = 0; i < b->nrec; i++) {
		if (b->kind == 0)
			slog_bytes(v, SL_TAG_ReqURL, "/index.html?q=bench&page=2", 26);
		else if (b->kind == 1)
			slog_hdr(v, SL_TAG_ReqHeader, "User-Agent", 10, val, sizeof(val) - 1);
		else
			slog_printf(v, SL_TAG_RespStatus, "%d", 200 + (int)(i & 3));
		if (i % 20 == 19) {
			slog_end(v);                  /* a transaction: 20 records */
			v = slog_vxid();
		}
	}
	slog_thread_release();
	b->secs = now_s() - t0;
	return NULL;
}

static void bench(void)
{
	static const char *kinds[] = { "slog_bytes (26 B)", "slog_hdr (56 B)", "slog_printf(\"%d\")" };

	seg_open(8 << 20);
	for (int kind = 0; kind < 3; kind++) {
		for (int nt = 1; nt <= 4; nt *= 2) {
			struct bench b[4];
			pthread_t t[4];
			double worst = 0;

			for (int i = 0; i < nt; i++) {
				b[i].nrec = 4000000;
				b[i].kind = kind;
				pthread_create(&t[i], NULL, bench_main, &b[i]);
			}
			for (int i = 0; i < nt; i++) {
				pthread_join(t[i], NULL);
				worst = b[i].secs > worst ? b[i].secs : worst;
			}
			printf("%-20s %d thread%s: %6.1f ns/record, %6.2f M records/s per thread "
			       "(CPU time)\n", kinds[kind], nt, nt > 1 ? "s" : " ",
			       worst * 1e9 / b[0].nrec, b[0].nrec / worst / 1e6);
		}
	}
	seg_close();
}

int main(int argc, char **argv)
{
	const char *tmp = getenv("TMPDIR");

	snprintf(dir, sizeof(dir), "%s/sluice-test-log-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	snprintf(path, sizeof(path), "%s/log.shm", dir);
	if (argc > 1 && strcmp(argv[1], "--bench") == 0) {
		bench();
		rmdir(dir);
		return 0;
	}
	test_off();
	test_records();
	test_truncation();
	test_multi();
	test_wrap_keeping_up();
	test_overrun();
	test_vxid();
	run_mt(0, 200000);
	run_mt(1, 200000);
	rmdir(dir);
	return UNIT_SUMMARY("test_shm_log");
}
