/* test_libsluice.c: unit tests of libsluice (lib/) against segment files
 * built here with the format's own structs (src/shm/shm-t.h): attaching
 * and refusing, the log cursor (order, WRAP, lap stamps, unpublished
 * records, overruns), restarts, section changes, counters, grouping,
 * queries and binary log files. Files live in a temporary directory. */
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "shm/shm-t.h"
#include "sluice/sluice.h"
#include "unit.h"

static char tmpdir[256];

/* ------------------------------------------------------ a test writer */

struct seg {
	char path[512];
	int fd;
	unsigned char *base;
	size_t size;
	struct shm_head *h;
	struct shm_section *log_s, *free_s;
	struct shm_log *log;
	uint64_t *ring;
	uint64_t rs;
};

static struct shm_section *sect_at(struct seg *s, uint64_t off)
{
	return (struct shm_section *)(s->base + off);
}

/* A file of size bytes with a log ring of rs bytes (0: none) and the rest
 * FREE; written under a temporary name, renamed into place. Like sluice,
 * it holds the file's lock (readers see a running writer) until
 * seg_close(). */
static void seg_create(struct seg *s, const char *name, size_t size,
		       uint64_t rs)
{
	struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
	char tmp[600];
	uint64_t off = sizeof(struct shm_head);

	memset(s, 0, sizeof(*s));
	snprintf(s->path, sizeof(s->path), "%s/%s", tmpdir, name);
	snprintf(tmp, sizeof(tmp), "%s.tmp", s->path);
	s->fd = open(tmp, O_RDWR | O_CREAT | O_TRUNC, 0600);
	if (s->fd < 0 || ftruncate(s->fd, (off_t)size) < 0 ||
	    fcntl(s->fd, F_OFD_SETLK, &fl) < 0)
		abort();
	s->size = size;
	s->base = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, s->fd,
		       0);
	if (s->base == MAP_FAILED)
		abort();
	s->h = (struct shm_head *)s->base;
	memcpy(s->h->magic, SHM_MAGIC, 16);
	s->h->version = SHM_VERSION;
	s->h->head_size = sizeof(struct shm_head);
	s->h->file_size = size;
	s->h->alloc_seq = 1;
	s->h->created = time(NULL);
	s->h->first_section = off;
	snprintf(s->h->instance, sizeof(s->h->instance), "%s", name);
	s->rs = rs;
	if (rs) {
		s->log_s = sect_at(s, off);
		s->log_s->magic = SHM_SECT_MAGIC;
		s->log_s->class = SHM_CLASS_LOG;
		s->log_s->len = (sizeof(struct shm_log) + rs + 63) & ~63ULL;
		strcpy(s->log_s->type, "log");
		strcpy(s->log_s->ident, "log");
		s->log = (struct shm_log *)(s->log_s + 1);
		s->log->ring_size = rs;
		s->ring = (uint64_t *)(s->log + 1);
		off += sizeof(struct shm_section) + s->log_s->len;
		s->log_s->next = off;
	}
	s->free_s = sect_at(s, off);
	s->free_s->magic = SHM_SECT_MAGIC;
	s->free_s->class = SHM_CLASS_FREE;
	s->free_s->len = size - off - sizeof(struct shm_section);
	s->h->master_pid = getpid();
	if (rename(tmp, s->path) < 0)
		abort();
}

static void seg_close(struct seg *s)
{
	munmap(s->base, s->size);
	close(s->fd);
}

/* One record at w_pos (with a WRAP first if it would cross the end);
 * publish = 0 leaves its header unwritten. Returns its position. */
static uint64_t seg_log_n(struct seg *s, unsigned tag, uint32_t vxid,
			  const void *payload, uint32_t len, int publish)
{
	uint64_t size = shm_log_rec_size(len), w = s->log->w_pos, seg, k;

	if (w % s->rs + size > s->rs) {
		s->ring[(w % s->rs) / 8] = shm_log_hdr(w, 0, 0);
		w += s->rs - w % s->rs;
	}
	s->log->w_pos = w + size;
	memset(&s->ring[(w % s->rs) / 8 + 2], 0, size - 16);
	memcpy(&s->ring[(w % s->rs) / 8 + 2], payload, len);
	s->ring[(w % s->rs) / 8 + 1] = (uint64_t)vxid << 32 | 1U << 16;
	s->ring[(w % s->rs) / 8 + 1] |=
		shm_log_check(shm_log_hdr(w, tag, len),
			      s->ring[(w % s->rs) / 8 + 1],
			      &s->ring[(w % s->rs) / 8 + 2], len);
	seg = s->rs / SHM_LOG_SEGS;
	k = (w % s->rs) / seg;
	if (s->log->seg_start[k] < w - w % seg || s->log->seg_start[k] > w ||
	    (w < seg && s->log->seg_start[k] == 0))
		s->log->seg_start[k] = w;
	if (publish) {
		s->ring[(w % s->rs) / 8] = shm_log_hdr(w, tag, len);
		s->log->records++;
	}
	return w;
}

static uint64_t seg_log(struct seg *s, unsigned tag, uint32_t vxid,
			const char *payload, int publish)
{
	return seg_log_n(s, tag, vxid, payload, (uint32_t)strlen(payload), publish);
}

static void seg_publish(struct seg *s, uint64_t pos, unsigned tag,
			uint32_t len)
{
	s->ring[(pos % s->rs) / 8] = shm_log_hdr(pos, tag, len);
	s->log->records++;
}

struct fdef {
	const char *name;
	unsigned kind, flags;
};

/* A counters section carved from the FREE one, under alloc_seq. */
static struct shm_ctr_head *seg_counters(struct seg *s, const char *type,
					 const char *ident,
					 const struct fdef *f, unsigned nf,
					 unsigned nt)
{
	struct shm_section *c = s->free_s;
	struct shm_ctr_head *ch;
	struct shm_ctr_field *fl;
	uint64_t voff = (sizeof(*ch) + nf * sizeof(*fl) + 63) & ~63ULL;
	uint64_t len = (voff + (uint64_t)nf * nt * 8 + 63) & ~63ULL;
	uint64_t off = (uint64_t)((unsigned char *)c - s->base), rest;

	s->h->alloc_seq = 0;
	rest = c->len - len - sizeof(*c);
	c->class = SHM_CLASS_COUNTERS;
	c->len = len;
	snprintf(c->type, sizeof(c->type), "%s", type);
	snprintf(c->ident, sizeof(c->ident), "%s", ident);
	ch = (struct shm_ctr_head *)(c + 1);
	memset(ch, 0, len);
	ch->nb_fields = nf;
	ch->nb_threads = nt;
	ch->values_off = voff;
	fl = (struct shm_ctr_field *)(ch + 1);
	for (unsigned i = 0; i < nf; i++) {
		snprintf(fl[i].name, sizeof(fl[i].name), "%s", f[i].name);
		snprintf(fl[i].doc, sizeof(fl[i].doc), "doc of %s", f[i].name);
		fl[i].kind = f[i].kind;
		fl[i].flags = f[i].flags;
	}
	c->next = off + sizeof(*c) + len;
	s->free_s = sect_at(s, c->next);
	s->free_s->magic = SHM_SECT_MAGIC;
	s->free_s->class = SHM_CLASS_FREE;
	s->free_s->len = rest;
	s->free_s->next = 0;
	s->h->alloc_seq = 2 + (uint64_t)rand() % 1000;
	return ch;
}

static uint64_t *ctr_vals(struct shm_ctr_head *ch)
{
	return (uint64_t *)((unsigned char *)ch + ch->values_off);
}

/* --------------------------------------------------------------- tests */

static void test_resolve(void)
{
	char buf[256];

	CHECK_INT(sl_resolve("www", buf, sizeof(buf)), 0);
	if (geteuid() == 0)
		CHECK(!strcmp(buf, "/run/sluice/www"));
	CHECK_INT(sl_resolve(NULL, buf, sizeof(buf)), 0);
	CHECK(strstr(buf, "/sluice") != NULL);
	CHECK_INT(sl_resolve("./x/y.shm", buf, sizeof(buf)), 0);
	CHECK(!strcmp(buf, "./x/y.shm"));
	CHECK_INT(sl_resolve("bad name", buf, sizeof(buf)), SL_EINVAL);
	CHECK(strstr(sl_last_error(), "bad instance name 'bad name'"));
	CHECK_INT(sl_resolve(".hidden", buf, sizeof(buf)), SL_EINVAL);
	CHECK_INT(sl_resolve("www", buf, 4), SL_EINVAL);
}

static void write_file(const char *path, const void *data, size_t len)
{
	FILE *f = fopen(path, "wb");

	if (!f || (len && fwrite(data, len, 1, f) != 1))
		abort();
	fclose(f);
}

static void test_refusals(void)
{
	struct sl_shm *shm = NULL;
	struct seg s;
	char path[600];
	unsigned char junk[4096];

	snprintf(path, sizeof(path), "%s/missing", tmpdir);
	CHECK_INT(sl_open(&shm, path, 0), SL_ENOENT);
	CHECK(strstr(sl_last_error(), "does not exist"));
	CHECK_INT(sl_open(&shm, "no such name!", 0), SL_EINVAL);

	snprintf(path, sizeof(path), "%s/empty", tmpdir);
	write_file(path, "", 0);
	CHECK_INT(sl_open(&shm, path, 0), SL_ENOTREADY);

	memset(junk, 'x', sizeof(junk));
	snprintf(path, sizeof(path), "%s/junk", tmpdir);
	write_file(path, junk, sizeof(junk));
	CHECK_INT(sl_open(&shm, path, 0), SL_ECORRUPT);
	CHECK(strstr(sl_last_error(), "bad magic"));

	write_file(path, SHM_MAGIC, 12);
	CHECK_INT(sl_open(&shm, path, 0), SL_ECORRUPT);
	CHECK(strstr(sl_last_error(), "truncated"));

	seg_create(&s, "v1", 1 << 16, 1024);
	s.h->version = 1;
	CHECK_INT(sl_open(&shm, s.path, 0), SL_EVERSION);
	CHECK(strstr(sl_last_error(), "format version 1, this library reads 2"));
	s.h->version = SHM_VERSION;
	s.h->master_pid = 0;
	CHECK_INT(sl_open(&shm, s.path, 0), SL_ENOTREADY);
	CHECK_INT(sl_open_wait(&shm, s.path, 0, 0.3), SL_ETIMEDOUT);
	CHECK(strstr(sl_last_error(), "gave up after 0.3 s"));
	s.h->master_pid = getpid();
	s.h->file_size = s.size * 2;
	CHECK_INT(sl_open(&shm, s.path, 0), SL_ECORRUPT);
	CHECK(strstr(sl_last_error(), "truncated: the header says"));
	s.h->file_size = s.size;
	s.log_s->len = s.size;
	CHECK_INT(sl_open(&shm, s.path, 0), SL_ECORRUPT);
	CHECK(strstr(sl_last_error(), "runs past the end"));
	s.log_s->len = (sizeof(struct shm_log) + 1024 + 63) & ~63ULL;
	s.log_s->next = 12345;
	CHECK_INT(sl_open(&shm, s.path, 0), SL_ECORRUPT);
	s.log_s->next = 64;                    /* backwards: no loops */
	CHECK_INT(sl_open(&shm, s.path, 0), SL_ECORRUPT);
	s.log_s->next = (uint64_t)((unsigned char *)s.free_s - s.base);
	s.log->ring_size = 1000;
	CHECK_INT(sl_open(&shm, s.path, 0), SL_ECORRUPT);
	CHECK(strstr(sl_last_error(), "ring size 1000"));
	s.log->ring_size = 1024;
	s.free_s->magic = 0;
	CHECK_INT(sl_open(&shm, s.path, 0), SL_ECORRUPT);
	CHECK(strstr(sl_last_error(), "bad magic"));
	s.free_s->magic = SHM_SECT_MAGIC;
	s.h->alloc_seq = 0;
	CHECK_INT(sl_open(&shm, s.path, SL_OPEN_NOWAIT), SL_EBUSY);
	s.h->alloc_seq = 5;
	CHECK_INT(sl_open(&shm, s.path, 0), 0);
	sl_close(&shm);
	CHECK(shm == NULL);
	seg_close(&s);
}

static int next(struct sl_cursor *c, struct sl_record *r)
{
	return sl_cursor_next(c, r);
}

static void test_cursor(void)
{
	struct sl_shm *shm;
	struct sl_cursor *head, *tail;
	struct sl_record r;
	struct sl_cursor_stats st;
	struct seg s;
	char buf[64];
	uint64_t pos;
	int n;

	seg_create(&s, "cur", 1 << 16, 1024);
	seg_log(&s, SL_TAG_ReqMethod, 1, "GET", 1);
	seg_log(&s, SL_TAG_ReqURL, 1, "/", 1);
	CHECK_INT(sl_open(&shm, s.path, 0), 0);
	CHECK_INT(sl_cursor_new(&head, shm, SL_CURSOR_HEAD), 0);
	CHECK_INT(sl_cursor_new(&tail, shm, SL_CURSOR_TAIL), 0);
	CHECK_INT(next(head, &r), SL_NEXT_RECORD);
	CHECK_INT(r.tag, SL_TAG_ReqMethod);
	CHECK_INT(r.vxid, 1);
	CHECK_INT(r.flags, SL_F_CLIENT);
	CHECK(r.len == 3 && !strcmp(r.data, "GET"));
	CHECK_INT(next(head, &r), SL_NEXT_RECORD);
	CHECK(!strcmp(r.data, "/"));
	CHECK_INT(next(head, &r), SL_NEXT_NONE);
	CHECK_INT(next(tail, &r), SL_NEXT_NONE);

	/* a reserved but unpublished record holds readers back */
	pos = seg_log(&s, SL_TAG_Debug, 2, "later", 0);
	seg_log(&s, SL_TAG_Debug, 2, "after", 1);
	CHECK_INT(next(tail, &r), SL_NEXT_NONE);
	seg_publish(&s, pos, SL_TAG_Debug, 5);
	CHECK_INT(next(tail, &r), SL_NEXT_RECORD);
	CHECK(!strcmp(r.data, "later"));
	CHECK_INT(next(tail, &r), SL_NEXT_RECORD);
	CHECK(!strcmp(r.data, "after"));

	/* laps and WRAPs: every record in order, none lost, when read as
	 * fast as written */
	for (int i = 0; i < 200; i++) {
		snprintf(buf, sizeof(buf), "record %d %.*s", i, i % 37,
			 "abcdefghijklmnopqrstuvwxyz0123456789");
		seg_log(&s, SL_TAG_Debug, (uint32_t)i, buf, 1);
		CHECK_INT(next(tail, &r), SL_NEXT_RECORD);
		CHECK(!strcmp(r.data, buf));
		CHECK_INT(r.vxid, i);
	}
	CHECK_INT(next(tail, &r), SL_NEXT_NONE);
	sl_cursor_stats(tail, &st);
	CHECK_INT(st.lost_records, 0);
	CHECK_INT(st.overruns, 0);
	CHECK_INT(st.records, 202);

	/* the head cursor was left behind: overrun, resync, count */
	CHECK_INT(next(head, &r), SL_NEXT_LOST);
	sl_cursor_stats(head, &st);
	CHECK_INT(st.overruns, 1);
	CHECK(st.last_lost_records > 100 && st.last_lost_records < 202);
	CHECK(st.last_lost_bytes > 1024);
	n = 0;
	while ((pos = (uint64_t)next(head, &r)) == SL_NEXT_RECORD) {
		CHECK(!strncmp(r.data, "record ", 7));
		n++;
	}
	CHECK_INT(pos, SL_NEXT_NONE);
	sl_cursor_stats(head, &st);
	/* what was read plus what was lost is all that was written */
	CHECK_INT(st.lost_records + st.records, 204);
	CHECK(n > 5);

	/* a new head cursor starts at the oldest record still there */
	sl_cursor_free(&head);
	CHECK(head == NULL);
	CHECK_INT(sl_cursor_new(&head, shm, SL_CURSOR_HEAD), 0);
	CHECK_INT(next(head, &r), SL_NEXT_RECORD);
	CHECK(!strncmp(r.data, "record ", 7));
	CHECK(atoi(r.data + 7) > 150);

	/* a published record overwritten later (a lagging writer): its
	 * check fails, it is skipped and counted */
	pos = seg_log(&s, SL_TAG_Debug, 11, "original", 1);
	seg_log(&s, SL_TAG_Debug, 12, "next", 1);
	memcpy(&s.ring[(pos % s.rs) / 8 + 2], "0verwri", 7);
	CHECK_INT(next(tail, &r), SL_NEXT_LOST);
	sl_cursor_stats(tail, &st);
	CHECK_INT(st.rejected, 1);
	CHECK_INT(st.overruns, 0);
	CHECK_INT(st.last_lost_records, 1);
	CHECK_INT(next(tail, &r), SL_NEXT_RECORD);
	CHECK(!strcmp(r.data, "next"));
	while (next(head, &r) != SL_NEXT_NONE)
		;

	/* a header that cannot be right makes the cursor skip, not crash */
	pos = s.log->w_pos;
	seg_log(&s, SL_TAG_Debug, 9, "x", 1);
	s.ring[(pos % s.rs) / 8] = shm_log_hdr(pos, SL_TAG_Debug, 4000);
	while (next(head, &r) == SL_NEXT_RECORD)
		;
	CHECK_INT(next(tail, &r), SL_NEXT_LOST);
	CHECK_INT(next(tail, &r), SL_NEXT_NONE);
	seg_log(&s, SL_TAG_Debug, 10, "fine", 1);
	CHECK_INT(next(tail, &r), SL_NEXT_RECORD);
	CHECK(!strcmp(r.data, "fine"));

	sl_cursor_free(&head);
	sl_cursor_free(&tail);
	sl_close(&shm);
	seg_close(&s);
}

/* Head records come out expanded, one record per call. */
static void expect(struct sl_cursor *c, unsigned tag, const char *data,
		   unsigned flags, int line)
{
	struct sl_record r;
	int ret = sl_cursor_next(c, &r);

	if (!CHECK_AT(ret == SL_NEXT_RECORD && r.tag == tag &&
		      !strcmp(r.data, data) && r.len == strlen(data) &&
		      r.flags == flags && r.vxid == 5, __FILE__, line))
		printf("  got %d %s [%s] flags %u vxid %u\n", ret,
		       ret == SL_NEXT_RECORD ? sl_tag_name(r.tag) : "-",
		       ret == SL_NEXT_RECORD ? r.data : "", r.flags, r.vxid);
}
#define EXPECT(c, tag, data, flags) expect(c, tag, data, flags, __LINE__)

static void test_heads(void)
{
	struct sl_shm *shm;
	struct sl_cursor *c, *raw;
	struct sl_record r;
	struct seg s;
	uint64_t pos;

	seg_create(&s, "heads", 1 << 16, 4096);
	CHECK_INT(sl_open(&shm, s.path, 0), 0);
	CHECK_INT(sl_cursor_new(&c, shm, SL_CURSOR_TAIL), 0);
	CHECK_INT(sl_cursor_new(&raw, shm, SL_CURSOR_TAIL | SL_CURSOR_HEADS), 0);
	seg_log(&s, SL_TAG_ReqHead, 5, "GET /a?b HTTP/1.1\r\nHost: x\r\n"
		"\r\nA:  b c", 1);
	seg_log(&s, SL_TAG_RespHead, 5, "HTTP/1.1 404 Not Found\nX: y", 1);
	seg_log(&s, SL_TAG_BerespHead, 5, "HTTP/1.1 200 ", 1);
	seg_log(&s, SL_TAG_BereqHead, 5, "", 1);
	pos = seg_log(&s, SL_TAG_ReqHead, 5, "PUT /t HTTP/1.1\r\nX-Cut: ab", 1);
	(void)pos;
	EXPECT(c, SL_TAG_ReqMethod, "GET", SL_F_CLIENT);
	EXPECT(c, SL_TAG_ReqURL, "/a?b", SL_F_CLIENT);
	EXPECT(c, SL_TAG_ReqProtocol, "HTTP/1.1", SL_F_CLIENT);
	EXPECT(c, SL_TAG_ReqHeader, "Host: x", SL_F_CLIENT);
	EXPECT(c, SL_TAG_ReqHeader, "A:  b c", SL_F_CLIENT);
	EXPECT(c, SL_TAG_RespProtocol, "HTTP/1.1", SL_F_CLIENT);
	EXPECT(c, SL_TAG_RespStatus, "404", SL_F_CLIENT);
	EXPECT(c, SL_TAG_RespReason, "Not Found", SL_F_CLIENT);
	EXPECT(c, SL_TAG_RespHeader, "X: y", SL_F_CLIENT);
	EXPECT(c, SL_TAG_BerespProtocol, "HTTP/1.1", SL_F_CLIENT | SL_F_BACKEND);
	EXPECT(c, SL_TAG_BerespStatus, "200", SL_F_CLIENT | SL_F_BACKEND);
	EXPECT(c, SL_TAG_BerespReason, "", SL_F_CLIENT | SL_F_BACKEND);
	EXPECT(c, SL_TAG_BereqHead, "", SL_F_CLIENT);   /* empty: as it is */
	/* a head cut by the writer: the last record carries SL_F_TRUNC */
	s.ring[(pos % s.rs) / 8 + 1] |= (uint64_t)SL_F_TRUNC << 16;
	s.ring[(pos % s.rs) / 8 + 1] &= ~(uint64_t)0xffff;
	s.ring[(pos % s.rs) / 8 + 1] |= shm_log_check(
		s.ring[(pos % s.rs) / 8], s.ring[(pos % s.rs) / 8 + 1],
		&s.ring[(pos % s.rs) / 8 + 2], 27);
	EXPECT(c, SL_TAG_ReqMethod, "PUT", SL_F_CLIENT);
	EXPECT(c, SL_TAG_ReqURL, "/t", SL_F_CLIENT);
	EXPECT(c, SL_TAG_ReqProtocol, "HTTP/1.1", SL_F_CLIENT);
	EXPECT(c, SL_TAG_ReqHeader, "X-Cut: ab", SL_F_CLIENT | SL_F_TRUNC);
	CHECK_INT(sl_cursor_next(c, &r), SL_NEXT_NONE);
	/* SL_CURSOR_HEADS: as written */
	CHECK_INT(sl_cursor_next(raw, &r), SL_NEXT_RECORD);
	CHECK(r.tag == SL_TAG_ReqHead && !strncmp(r.data, "GET /a?b", 8));
	sl_cursor_free(&c);
	sl_cursor_free(&raw);
	sl_close(&shm);
	seg_close(&s);
}

/* An Fmt payload: word 0 (tag, n, template length), n values, template;
 * <n_claimed> and <tlen_extra> forge bad ones. Returns its length. */
static uint32_t fmt_payload(char *out, unsigned tag, unsigned n_claimed, unsigned n,
			    const uint64_t *v, const char *tmpl, unsigned tlen_extra)
{
	uint64_t w0 = tag | n_claimed << 8 | (uint64_t)(strlen(tmpl) + tlen_extra) << 16;

	memcpy(out, &w0, 8);
	if (n)                                  /* v may be NULL then */
		memcpy(out + 8, v, 8 * n);
	memcpy(out + 8 + 8 * n, tmpl, strlen(tmpl));
	return (uint32_t)(8 + 8 * n + strlen(tmpl));
}

static void test_fmt(void)
{
	struct sl_shm *shm;
	struct sl_cursor *c, *raw;
	struct sl_record r;
	struct seg s;
	char p[512];
	const uint64_t ts[3] = { 1700000000123456ULL, 0, 5 }, id = 42;
	const uint64_t big[2] = { UINT64_MAX, UINT64_MAX };

	seg_create(&s, "fmt", 1 << 16, 4096);
	CHECK_INT(sl_open(&shm, s.path, 0), 0);
	CHECK_INT(sl_cursor_new(&c, shm, SL_CURSOR_TAIL), 0);
	CHECK_INT(sl_cursor_new(&raw, shm, SL_CURSOR_TAIL | SL_CURSOR_HEADS), 0);
	seg_log_n(&s, SL_TAG_Fmt, 5, p, fmt_payload(p, SL_TAG_Timestamp, 3, 3, ts,
						     "Start: %t %t %t", 0), 1);
	EXPECT(c, SL_TAG_Timestamp, "Start: 1700000000.123456 0.000000 0.000005", SL_F_CLIENT);
	seg_log_n(&s, SL_TAG_Fmt, 5, p, fmt_payload(p, SL_TAG_Begin, 1, 1, &id,
						     "req %u rxreq", 0), 1);
	EXPECT(c, SL_TAG_Begin, "req 42 rxreq", SL_F_CLIENT);
	/* "%%", an unknown directive kept, a directive without a value */
	seg_log_n(&s, SL_TAG_Fmt, 5, p, fmt_payload(p, SL_TAG_Debug, 1, 1, &id,
						     "100%% %x %u %u %", 0), 1);
	EXPECT(c, SL_TAG_Debug, "100% %x 42 - %", SL_F_CLIENT);
	/* the widest values */
	seg_log_n(&s, SL_TAG_Fmt, 5, p, fmt_payload(p, SL_TAG_ReqAcct, 2, 2, big,
						     "%u %t", 0), 1);
	EXPECT(c, SL_TAG_ReqAcct, "18446744073709551615 18446744073709.551615", SL_F_CLIENT);
	/* records that do not parse come as written */
	seg_log_n(&s, SL_TAG_Fmt, 5, p, fmt_payload(p, SL_TAG_Fmt, 0, 0, NULL, "x", 0), 1);
	CHECK_INT(sl_cursor_next(c, &r), SL_NEXT_RECORD);
	CHECK(r.tag == SL_TAG_Fmt && r.len == 9);
	seg_log_n(&s, SL_TAG_Fmt, 5, p, fmt_payload(p, SL_TAG_ReqHead, 0, 0, NULL, "x", 0), 1);
	CHECK_INT(sl_cursor_next(c, &r), SL_NEXT_RECORD);
	CHECK_INT(r.tag, SL_TAG_Fmt);
	seg_log_n(&s, SL_TAG_Fmt, 5, p, fmt_payload(p, SL_TAG_Debug, 9, 1, &id, "%u", 0), 1);
	CHECK_INT(sl_cursor_next(c, &r), SL_NEXT_RECORD);
	CHECK_INT(r.tag, SL_TAG_Fmt);
	seg_log_n(&s, SL_TAG_Fmt, 5, p, fmt_payload(p, SL_TAG_Debug, 1, 1, &id, "%u", 1), 1);
	CHECK_INT(sl_cursor_next(c, &r), SL_NEXT_RECORD);
	CHECK_INT(r.tag, SL_TAG_Fmt);
	seg_log_n(&s, SL_TAG_Fmt, 5, "abc", 3, 1);
	CHECK_INT(sl_cursor_next(c, &r), SL_NEXT_RECORD);
	CHECK(r.tag == SL_TAG_Fmt && r.len == 3);
	CHECK_INT(sl_cursor_next(c, &r), SL_NEXT_NONE);
	/* SL_CURSOR_HEADS: as written */
	CHECK_INT(sl_cursor_next(raw, &r), SL_NEXT_RECORD);
	CHECK(r.tag == SL_TAG_Fmt && r.len == 8 + 24 + 15);
	sl_cursor_free(&c);
	sl_cursor_free(&raw);
	sl_close(&shm);
	seg_close(&s);
}

/* Multi items, as doc/shm-format.md ("Multi records") lays them out. */
static size_t item(char *out, unsigned tag, unsigned n, const uint64_t *v, const char *t,
		   unsigned flags, unsigned kind)
{
	size_t tlen = strlen(t), size = 8 + 8 * n + ((tlen + 7) & ~(size_t)7);
	uint64_t w0 = tag | n << 8 | (uint64_t)tlen << 16 | (uint64_t)flags << 32 |
		      (uint64_t)kind << 48;

	memset(out, 0, size);
	memcpy(out, &w0, 8);
	if (n)
		memcpy(out + 8, v, 8 * n);
	memcpy(out + 8 + 8 * n, t, tlen);
	return size;
}

static void expect_vxid(struct sl_cursor *c, unsigned tag, const char *data,
			unsigned flags, uint32_t vxid, int line)
{
	struct sl_record r;
	int ret = sl_cursor_next(c, &r);

	if (!CHECK_AT(ret == SL_NEXT_RECORD && r.tag == tag && !strcmp(r.data, data) &&
		      r.len == strlen(data) && r.flags == flags && r.vxid == vxid,
		      __FILE__, line))
		printf("  got %d %s [%s] flags %u vxid %u\n", ret,
		       ret == SL_NEXT_RECORD ? sl_tag_name(r.tag) : "-",
		       ret == SL_NEXT_RECORD ? r.data : "", r.flags, r.vxid);
}
#define EXPECT_V(c, tag, data, flags, vxid) expect_vxid(c, tag, data, flags, vxid, __LINE__)

static void test_multi(void)
{
	struct sl_shm *shm;
	struct sl_cursor *c, *raw;
	struct sl_record r;
	struct seg s;
	char p[1024];
	size_t n = 0;
	const uint64_t parent = 7, ts[3] = { 1700000000000001ULL, 2, 3 }, acct[2] = { 10, 20 };

	seg_create(&s, "multi", 1 << 16, 4096);
	CHECK_INT(sl_open(&shm, s.path, 0), 0);
	CHECK_INT(sl_cursor_new(&c, shm, SL_CURSOR_TAIL), 0);
	CHECK_INT(sl_cursor_new(&raw, shm, SL_CURSOR_TAIL | SL_CURSOR_HEADS), 0);
	n += item(p + n, SL_TAG_Begin, 1, &parent, "req %u rxreq", SL_F_CLIENT, 2);
	n += item(p + n, SL_TAG_ReqStart, 0, NULL, "127.0.0.1 5555 www", SL_F_CLIENT, 0);
	n += item(p + n, SL_TAG_ReqHead, 0, NULL, "GET /x HTTP/1.1\r\nHost: h\r\nA: 100%u", 0, 0);
	n += item(p + n, SL_TAG_Timestamp, 3, ts, "Start: %t %t %t", 0, 1);
	n += item(p + n, SL_TAG_ReqAcct, 2, acct, "%u %u", SL_F_CLIENT | SL_F_TRUNC, 1);
	n += item(p + n, SL_TAG_Debug, 0, NULL, "", 0, 0);
	n += item(p + n, SL_TAG_End, 0, NULL, "", 0, 0);
	seg_log_n(&s, SL_TAG_Multi, 5, p, (uint32_t)n, 1);
	EXPECT_V(c, SL_TAG_Link, "req 5 rxreq", SL_F_CLIENT, 7);
	EXPECT_V(c, SL_TAG_Begin, "req 7 rxreq", SL_F_CLIENT, 5);
	EXPECT_V(c, SL_TAG_ReqStart, "127.0.0.1 5555 www", SL_F_CLIENT, 5);
	EXPECT_V(c, SL_TAG_ReqMethod, "GET", SL_F_CLIENT, 5);
	EXPECT_V(c, SL_TAG_ReqURL, "/x", SL_F_CLIENT, 5);
	EXPECT_V(c, SL_TAG_ReqProtocol, "HTTP/1.1", SL_F_CLIENT, 5);
	EXPECT_V(c, SL_TAG_ReqHeader, "Host: h", SL_F_CLIENT, 5);
	EXPECT_V(c, SL_TAG_ReqHeader, "A: 100%u", SL_F_CLIENT, 5);   /* text: no directives */
	EXPECT_V(c, SL_TAG_Timestamp, "Start: 1700000000.000001 0.000002 0.000003", 0, 5);
	EXPECT_V(c, SL_TAG_ReqAcct, "10 20", SL_F_CLIENT | SL_F_TRUNC, 5);
	EXPECT_V(c, SL_TAG_Debug, "", 0, 5);
	EXPECT_V(c, SL_TAG_End, "", 0, 5);
	CHECK_INT(sl_cursor_next(c, &r), SL_NEXT_NONE);
	CHECK_INT(sl_cursor_next(raw, &r), SL_NEXT_RECORD);
	CHECK(r.tag == SL_TAG_Multi && r.len == n);

	/* a session's Begin (parent 0) stands for no Link */
	n = item(p, SL_TAG_Begin, 1, (const uint64_t[]){ 0 }, "sess %u HTTP/1", SL_F_CLIENT, 2);
	seg_log_n(&s, SL_TAG_Multi, 5, p, (uint32_t)n, 1);
	EXPECT_V(c, SL_TAG_Begin, "sess 0 HTTP/1", SL_F_CLIENT, 5);
	CHECK_INT(sl_cursor_next(c, &r), SL_NEXT_NONE);

	/* records that do not parse come as written, whole */
	{
		static const struct {
			unsigned tag, n, kind;
			const char *t;
		} bad[] = {
			{ SL_TAG_Fmt, 0, 0, "x" },         /* packed tags */
			{ SL_TAG_Multi, 0, 0, "x" },
			{ 0, 0, 0, "x" },                  /* tag 0 */
			{ SL_TAG_Debug, 1, 0, "x" },       /* text with values */
			{ SL_TAG_Debug, 9, 1, "x" },       /* too many values */
			{ SL_TAG_ReqHead, 0, 1, "x" },     /* a head as a template */
			{ SL_TAG_Debug, 1, 2, "x" },       /* BEGIN kind, not Begin */
			{ SL_TAG_Begin, 0, 2, "x" },       /* BEGIN without a parent */
			{ SL_TAG_Debug, 0, 3, "x" },       /* unknown kind */
		};
		const uint64_t v[9] = { 1, 2, 3, 4, 5, 6, 7, 8, 9 };

		for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
			n = item(p, SL_TAG_Debug, 0, NULL, "ok", 0, 0);
			n += item(p + n, bad[i].tag, bad[i].n, v, bad[i].t, 0, bad[i].kind);
			seg_log_n(&s, SL_TAG_Multi, 5, p, (uint32_t)n, 1);
			CHECK_INT(sl_cursor_next(c, &r), SL_NEXT_RECORD);
			if (!CHECK(r.tag == SL_TAG_Multi && r.len == n))
				printf("  bad item %zu came as %s\n", i, sl_tag_name(r.tag));
		}
		/* an item longer than the record, a record not of whole words */
		n = item(p, SL_TAG_Debug, 0, NULL, "abcdefgh", 0, 0);
		seg_log_n(&s, SL_TAG_Multi, 5, p, (uint32_t)n - 8, 1);
		CHECK_INT(sl_cursor_next(c, &r), SL_NEXT_RECORD);
		CHECK(r.tag == SL_TAG_Multi);
		seg_log_n(&s, SL_TAG_Multi, 5, p, (uint32_t)n - 3, 1);
		CHECK_INT(sl_cursor_next(c, &r), SL_NEXT_RECORD);
		CHECK(r.tag == SL_TAG_Multi);
		/* empty: nothing it stands for, as it is */
		seg_log_n(&s, SL_TAG_Multi, 5, p, 0, 1);
		CHECK_INT(sl_cursor_next(c, &r), SL_NEXT_RECORD);
		CHECK(r.tag == SL_TAG_Multi && r.len == 0);
	}
	CHECK_INT(sl_cursor_next(c, &r), SL_NEXT_NONE);
	sl_cursor_free(&c);
	sl_cursor_free(&raw);
	sl_close(&shm);
	seg_close(&s);
}

/* A writer runs while it holds the file's lock, whatever master_pid says:
 * a pid of no process with the lock held is running, our own live pid
 * without it is stopped (a crashed sluice whose pid was reused). */
static void test_alive_is_the_lock(void)
{
	struct sl_shm *shm;
	struct sl_info info;
	struct seg s;

	seg_create(&s, "lk", 1 << 16, 1024);
	CHECK_INT(sl_open(&shm, s.path, 0), 0);
	sl_info(shm, &info);
	CHECK_INT(info.alive, 1);
	s.h->master_pid = 0x7ffffff0;
	CHECK_INT(sl_check(shm), SL_CHECK_SAME);
	sl_info(shm, &info);
	CHECK_INT(info.alive, 1);
	s.h->master_pid = getpid();
	seg_close(&s);
	CHECK_INT(sl_check(shm), SL_CHECK_STOPPED);
	sl_info(shm, &info);
	CHECK_INT(info.alive, 0);
	CHECK_INT(info.master_pid, getpid());
	sl_close(&shm);
	unlink(s.path);
}

static void test_restart(void)
{
	struct sl_shm *shm;
	struct sl_cursor *c;
	struct sl_record r;
	struct sl_info info;
	struct seg s, s2;

	seg_create(&s, "rs", 1 << 16, 1024);
	seg_log(&s, SL_TAG_Debug, 1, "old", 1);
	CHECK_INT(sl_open(&shm, s.path, 0), 0);
	CHECK_INT(sl_cursor_new(&c, shm, SL_CURSOR_TAIL), 0);
	CHECK_INT(sl_check(shm), SL_CHECK_SAME);

	/* removed: stopped, still readable */
	unlink(s.path);
	CHECK_INT(sl_check(shm), SL_CHECK_STOPPED);
	CHECK_INT(next(c, &r), SL_NEXT_NONE);

	/* a new file: reattach, the cursor reads it from its start */
	seg_create(&s2, "rs", 1 << 16, 2048);
	seg_log(&s2, SL_TAG_Debug, 1, "new 1", 1);
	seg_log(&s2, SL_TAG_Debug, 2, "new 2", 1);
	CHECK_INT(sl_check(shm), SL_CHECK_RESTARTED);
	sl_info(shm, &info);
	CHECK_INT(info.generation, 1);
	CHECK_INT(next(c, &r), SL_NEXT_RESTART);
	CHECK_INT(next(c, &r), SL_NEXT_RECORD);
	CHECK(!strcmp(r.data, "new 1"));
	CHECK_INT(next(c, &r), SL_NEXT_RECORD);
	CHECK(!strcmp(r.data, "new 2"));
	CHECK_INT(next(c, &r), SL_NEXT_NONE);
	seg_close(&s);

	/* a file replaced by one that is not initialized: wait, then go */
	{
		struct seg s3;

		seg_create(&s3, "rs", 1 << 16, 1024);
		s3.h->master_pid = 0;
		CHECK(sl_check(shm) == SL_CHECK_SAME);
		s3.h->master_pid = getpid();
		CHECK_INT(sl_check(shm), SL_CHECK_RESTARTED);
		seg_close(&s3);
	}

	/* a file truncated under the mapping: refused, never touched */
	CHECK_INT(truncate(s2.path, 4096), 0);
	CHECK_INT(sl_check(shm), SL_ECORRUPT);
	CHECK(strstr(sl_last_error(), "truncated while attached"));
	CHECK_INT(next(c, &r), SL_ECORRUPT);
	sl_cursor_free(&c);
	sl_close(&shm);
	seg_close(&s2);
}

static const struct sl_counter *ctr(const struct sl_counters *cs,
				    const char *type, const char *ident,
				    const char *name)
{
	for (size_t i = 0; i < sl_counters_len(cs); i++) {
		const struct sl_counter *c = sl_counters_at(cs, i);

		if (!strcmp(c->type, type) && !strcmp(c->ident, ident) &&
		    !strcmp(c->name, name))
			return c;
	}
	return NULL;
}

static void test_counters(void)
{
	static const struct fdef px[] = {
		{ "requests", SHM_CTR_COUNTER, SHM_CTR_F_FE | SHM_CTR_F_BE },
		{ "cur_conns", SHM_CTR_GAUGE, SHM_CTR_F_FE },
		{ "srv_errors", SHM_CTR_COUNTER, SHM_CTR_F_BE },
	};
	static const struct fdef srv[] = {
		{ "requests", SHM_CTR_COUNTER, 0 },
	};
	struct sl_shm *shm;
	struct sl_counters *cs;
	struct shm_ctr_head *fe, *ls, *sv;
	const struct sl_counter *c;
	struct seg s;

	seg_create(&s, "ctr", 1 << 16, 0);
	fe = seg_counters(&s, "frontend", "www", px, 3, 3);
	ctr_vals(fe)[0] = 1;
	ctr_vals(fe)[3] = 10;
	ctr_vals(fe)[6] = 100;
	ctr_vals(fe)[1] = 7;              /* gauge: row 0 */
	ctr_vals(fe)[4] = 1000;           /* other rows of a gauge: ignored */
	CHECK_INT(sl_open(&shm, s.path, 0), 0);
	{
		struct sl_cursor *cur;

		CHECK_INT(sl_cursor_new(&cur, shm, 0), SL_ENOLOG);
	}
	CHECK_INT(sl_counters_snapshot(shm, &cs), 0);
	CHECK_INT(sl_counters_len(cs), 2);          /* srv_errors: BE side */
	c = ctr(cs, "frontend", "www", "requests");
	CHECK(c && c->value == 111 && c->kind == SL_KIND_COUNTER);
	c = ctr(cs, "frontend", "www", "cur_conns");
	CHECK(c && c->value == 7 && c->kind == SL_KIND_GAUGE);
	CHECK(c && !strcmp(c->doc, "doc of cur_conns"));
	sl_counters_free(&cs);
	CHECK(cs == NULL);

	/* sections added while attached: seen by the next snapshot */
	ls = seg_counters(&s, "listen", "both", px, 3, 1);
	ctr_vals(ls)[0] = 5;
	ctr_vals(ls)[2] = 6;
	sv = seg_counters(&s, "server", "app/srv1", srv, 1, 2);
	ctr_vals(sv)[1] = 9;
	CHECK_INT(sl_counters_snapshot(shm, &cs), 0);
	CHECK_INT(sl_counters_len(cs), 2 + 2 + 2 + 1);
	c = ctr(cs, "frontend", "both", "requests");
	CHECK(c && c->value == 5 && !strcmp(c->section_type, "listen"));
	c = ctr(cs, "backend", "both", "requests");
	CHECK(c && c->value == 5);
	c = ctr(cs, "backend", "both", "srv_errors");
	CHECK(c && c->value == 6);
	CHECK(ctr(cs, "frontend", "both", "srv_errors") == NULL);
	CHECK(ctr(cs, "backend", "both", "cur_conns") == NULL);
	c = ctr(cs, "server", "app/srv1", "requests");
	CHECK(c && c->value == 9);
	sl_counters_free(&cs);
	CHECK_INT(sl_check(shm), SL_CHECK_SAME);   /* already re-read */
	CHECK_INT(sl_section_count(shm), 4);

	/* freed: cool, and gone from the snapshots */
	s.h->alloc_seq = 0;
	((struct shm_section *)((unsigned char *)sv - sizeof(struct shm_section)))
		->class = SHM_CLASS_COOL;
	s.h->alloc_seq = 4242;
	CHECK_INT(sl_check(shm), SL_CHECK_SECTIONS);
	CHECK_INT(sl_counters_snapshot(shm, &cs), 0);
	CHECK_INT(sl_counters_len(cs), 6);
	sl_counters_free(&cs);

	/* a corrupt block is refused with its place */
	ls->values_off = 1 << 20;
	CHECK_INT(sl_counters_snapshot(shm, &cs), SL_ECORRUPT);
	CHECK(strstr(sl_last_error(), "listen both"));
	sl_close(&shm);
	seg_close(&s);
}

/* ------------------------------------------------------------ grouping */

static void check_text(const char *got, const char *want, int line)
{
	if (!CHECK_AT(!strcmp(got, want), __FILE__, line))
		printf("  got  %s\n  want %s\n", got, want);
}
#define CHECK_TEXT(got, want) check_text(got, want, __LINE__)

struct got {
	char text[8192];
	int groups;
	enum sl_deliver why[32];
};

static int collect(void *priv, const struct sl_txn *const *txn, size_t n,
		   enum sl_deliver why)
{
	struct got *g = priv;
	size_t len = strlen(g->text);

	if (g->groups < 32)
		g->why[g->groups] = why;
	g->groups++;
	for (size_t i = 0; i < n; i++)
		len += (size_t)snprintf(g->text + len, sizeof(g->text) - len,
					"%s%u:%u:%zu", i ? "," : "",
					txn[i]->vxid, txn[i]->level,
					txn[i]->n_records);
	snprintf(g->text + len, sizeof(g->text) - len, ";");
	return 0;
}

static void feed(struct sl_group *g, unsigned tag, uint32_t vxid,
		 const char *payload)
{
	struct sl_record r = { tag, 0, vxid, (uint32_t)strlen(payload),
			       payload };

	CHECK_INT(sl_group_feed(g, &r), 0);
}

/* sess 1 { req 2 { bereq 3 } } as sluice writes it; the bereq ends
 * first. */
static void feed_request(struct sl_group *g)
{
	feed(g, SL_TAG_Begin, 1, "sess 0 HTTP/1");
	feed(g, SL_TAG_SessOpen, 1, "127.0.0.1 4000 www 127.0.0.1:80");
	feed(g, SL_TAG_Link, 1, "req 2 rxreq");
	feed(g, SL_TAG_Begin, 2, "req 1 rxreq");
	feed(g, SL_TAG_ReqMethod, 2, "GET");
	feed(g, SL_TAG_Link, 2, "bereq 3 fetch");
	feed(g, SL_TAG_Begin, 3, "bereq 2 fetch");
	feed(g, SL_TAG_Backend, 3, "app srv1 127.0.0.1:81 new");
	feed(g, SL_TAG_End, 3, "");
	feed(g, SL_TAG_RespStatus, 2, "503");
	feed(g, SL_TAG_End, 2, "");
	feed(g, SL_TAG_SessClose, 1, "EOF 1 1");
	feed(g, SL_TAG_End, 1, "");
}

static void test_group(void)
{
	struct sl_group_opts o;
	struct sl_group *g;
	struct got got;
	struct sl_group_stats st;

	memset(&o, 0, sizeof(o));
	o.mode = SL_GROUP_REQUEST;
	memset(&got, 0, sizeof(got));
	CHECK_INT(sl_group_new(&g, &o, collect, &got), 0);
	feed_request(g);
	CHECK_TEXT(got.text, "2:0:5,3:1:3;");
	CHECK_INT(got.why[0], SL_DELIVER_COMPLETE);
	sl_group_stats(g, &st);
	CHECK_INT(st.txns, 0);
	sl_group_free(&g);
	CHECK(g == NULL);

	o.with_session = 1;
	memset(&got, 0, sizeof(got));
	CHECK_INT(sl_group_new(&g, &o, collect, &got), 0);
	feed_request(g);
	CHECK_TEXT(got.text, "1:0:3,2:1:5,3:2:3;");
	sl_group_free(&g);

	o.with_session = 0;
	o.mode = SL_GROUP_VXID;
	memset(&got, 0, sizeof(got));
	CHECK_INT(sl_group_new(&g, &o, collect, &got), 0);
	feed_request(g);
	CHECK_TEXT(got.text, "3:0:3;2:0:5;1:0:5;");
	sl_group_free(&g);

	o.mode = SL_GROUP_SESSION;
	memset(&got, 0, sizeof(got));
	CHECK_INT(sl_group_new(&g, &o, collect, &got), 0);
	feed_request(g);
	CHECK_TEXT(got.text, "1:0:5,2:1:5,3:2:3;");
	sl_group_free(&g);

	o.mode = SL_GROUP_RAW;
	memset(&got, 0, sizeof(got));
	CHECK_INT(sl_group_new(&g, &o, collect, &got), 0);
	feed_request(g);
	CHECK_INT(got.groups, 13);
	sl_group_free(&g);

	/* the backend request published before its request: waits for it */
	o.mode = SL_GROUP_REQUEST;
	memset(&got, 0, sizeof(got));
	CHECK_INT(sl_group_new(&g, &o, collect, &got), 0);
	feed(g, SL_TAG_Begin, 13, "bereq 12 fetch");
	feed(g, SL_TAG_End, 13, "");
	CHECK_INT(got.groups, 0);
	feed(g, SL_TAG_Begin, 12, "req 11 rxreq");
	feed(g, SL_TAG_Link, 12, "bereq 13 fetch");
	feed(g, SL_TAG_End, 12, "");
	CHECK_TEXT(got.text, "12:0:3,13:1:2;");
	sl_group_free(&g);

	/* incomplete groups: by time, by memory, by flush */
	o.timeout = 0.05;
	o.max_txns = 3;
	memset(&got, 0, sizeof(got));
	CHECK_INT(sl_group_new(&g, &o, collect, &got), 0);
	feed(g, SL_TAG_Begin, 20, "req 0 rxreq");
	feed(g, SL_TAG_ReqURL, 20, "/slow");
	CHECK_INT(sl_group_tick(g), 0);
	CHECK_INT(got.groups, 0);
	usleep(80000);
	CHECK_INT(sl_group_tick(g), 0);
	CHECK_TEXT(got.text, "20:0:2;");
	CHECK_INT(got.why[0], SL_DELIVER_TIMEOUT);
	for (uint32_t v = 30; v < 35; v++)
		feed(g, SL_TAG_Begin, v, "req 0 rxreq");
	CHECK_INT(got.groups, 3);
	CHECK_INT(got.why[1], SL_DELIVER_MEMORY);
	CHECK_INT(sl_group_flush(g, SL_DELIVER_FLUSH), 0);
	CHECK_INT(got.groups, 6);
	CHECK_INT(got.why[5], SL_DELIVER_FLUSH);
	sl_group_stats(g, &st);
	CHECK_INT(st.txns, 0);
	CHECK_INT(st.timeouts, 1);
	CHECK_INT(st.evicted, 2);
	sl_group_free(&g);

	/* links that loop (a corrupt log) do not hang the grouper */
	o.timeout = 0;
	o.max_txns = 0;
	memset(&got, 0, sizeof(got));
	CHECK_INT(sl_group_new(&g, &o, collect, &got), 0);
	feed(g, SL_TAG_Begin, 40, "req 41 rxreq");
	feed(g, SL_TAG_Begin, 41, "req 40 rxreq");
	feed(g, SL_TAG_Link, 40, "req 41 x");
	feed(g, SL_TAG_Link, 41, "req 40 x");
	feed(g, SL_TAG_End, 41, "");
	feed(g, SL_TAG_End, 40, "");
	CHECK_INT(sl_group_flush(g, SL_DELIVER_FLUSH), 0);
	sl_group_stats(g, &st);
	CHECK_INT(st.txns, 0);
	sl_group_free(&g);
}

/* --------------------------------------------------------------- query */

static void query_error(const char *text, const char *msg)
{
	struct sl_query *q;

	CHECK_INT(sl_query_new(&q, text), SL_EINVAL);
	if (!CHECK(!strcmp(sl_last_error(), msg)))
		printf("  query [%s]\n  got:  %s\n  want: %s\n", text,
		       sl_last_error(), msg);
}

static int query_on(const char *text, const struct sl_txn *const *t,
		    size_t n)
{
	struct sl_query *q;
	int m;

	if (!CHECK_INT(sl_query_new(&q, text), 0)) {
		printf("  %s\n", sl_last_error());
		return -1;
	}
	m = sl_query_match(q, t, n);
	sl_query_free(&q);
	return m;
}

static void test_query(void)
{
	static const struct sl_record req[] = {
		{ SL_TAG_ReqStart, 0, 2, 0, "10.0.0.1 4000 www" },
		{ SL_TAG_ReqMethod, 0, 2, 0, "POST" },
		{ SL_TAG_ReqURL, 0, 2, 0, "/api/v1?x=1" },
		{ SL_TAG_ReqHeader, 0, 2, 0, "Host: example.com" },
		{ SL_TAG_ReqHeader, 0, 2, 0, "X-Id: 42" },
		{ SL_TAG_RespStatus, 0, 2, 0, "503" },
		{ SL_TAG_Timestamp, 0, 2, 0, "Resp: 1.5 0.25 0.25" },
	};
	static const struct sl_record be[] = {
		{ SL_TAG_Backend, 0, 3, 0, "app srv1 127.0.0.1:81 new" },
	};
	struct sl_txn t1 = { 2, 1, SL_TXN_REQ, 0, 1, "rxreq", 7, req };
	struct sl_txn t2 = { 3, 2, SL_TXN_BEREQ, 1, 1, "fetch", 1, be };
	const struct sl_txn *g[] = { &t1, &t2 };

	CHECK_INT(query_on("status >= 500", g, 2), 1);
	CHECK_INT(query_on("status >= 500 and backend == app", g, 2), 1);
	CHECK_INT(query_on("status < 500 or backend == other", g, 2), 0);
	CHECK_INT(query_on("not (method == GET or method == HEAD)", g, 2), 1);
	CHECK_INT(query_on("url ~ \"^/api/\"", g, 2), 1);
	CHECK_INT(query_on("url !~ '^/api/'", g, 2), 0);
	CHECK_INT(query_on("server == srv1 and client == 10.0.0.1", g, 2), 1);
	CHECK_INT(query_on("frontend == www and vxid == 3", g, 2), 1);
	CHECK_INT(query_on("ReqHeader:host == example.com", g, 2), 1);
	CHECK_INT(query_on("host == example.com and ReqHeader:X-Id > 41", g,
			   2), 1);
	CHECK_INT(query_on("ReqHeader ~ \"^Host: ex\"", g, 2), 1);
	CHECK_INT(query_on("Timestamp:Resp[2] > 0.2", g, 2), 1);
	CHECK_INT(query_on("Backend[3] == 127.0.0.1:81", g, 2), 1);
	CHECK_INT(query_on("RespHeader", g, 2), 0);
	CHECK_INT(query_on("ReqHeader:X-Id", g, 2), 1);
	CHECK_INT(query_on("status == 503.0", g, 2), 1);
	CHECK_INT(query_on("STATUS != 503", g, 2), 0);

	query_error("status >= ", "query: expected a value after '>=' at "
		    "column 11");
	query_error("status >= 500 and", "query: expected a field name, "
		    "found the end at column 18");
	query_error("statu == 1", "query: unknown field 'statu' (a tag name "
		    "or status, bestatus, method, url, protocol, host, "
		    "client, frontend, backend, server, vxid) at column 1");
	query_error("(status == 1", "query: expected ')' to close the '(' of "
		    "column 1 at column 13");
	query_error("status > abc", "query: expected a number after '>' at "
		    "column 10");
	query_error("status = 5", "query: '=' is not an operator (use '==') "
		    "at column 8");
	query_error("url ~ \"(\"", "query: bad regular expression: "
		    "Unmatched ( or \\( at column 7");
	query_error("url == \"abc", "query: unterminated string (missing "
		    "'\"') at column 8");
	query_error("status == 1 2", "query: expected 'and', 'or' or the "
		    "end, found '2' at column 13");
	query_error("ReqURL:x == 1", "query: tag 'ReqURL' takes no ':name' "
		    "(only header tags and Timestamp do) at column 7");
	query_error("Backend[0] == x", "query: expected '[N]' with N from 1 "
		    "to 255 after the field name at column 8");
	query_error("   ", "query: empty query");
	query_error("url ~ 'a++'", "query: repetition operators that follow "
		    "one another at column 7");
	query_error("url ~ 'a{300}'", "query: repetition bound above 255 at "
		    "column 7");
	query_error("url ~ '((a{100}){100}){100}'", "query: regular expression "
		    "too large once expanded at column 7");
	query_error("url ~ '(((((((((((((((((a+)+)+)+)+)+)+)+)+)+)+)+)+)+)+)+)+)+'",
		    "query: regular expression too large once expanded at "
		    "column 7");
	CHECK_INT(query_on("url ~ '^/a[p-q]i/v[0-9]+(/x+)?[?=[:alnum:]]*$'", g,
			   2), 1);
	{
		char deep[400];

		memset(deep, '(', 300);
		strcpy(deep + 300, "status");
		query_error(deep, "query: query nested too deeply at column 65");
	}
}

/* ---------------------------------------------------------- log files */

static void test_files(void)
{
	struct sl_writer *w;
	struct sl_cursor *c;
	struct sl_record r = { SL_TAG_ReqURL, SL_F_CLIENT, 77, 5, "/a\0bc" };
	char path[600];
	FILE *f;

	snprintf(path, sizeof(path), "%s/log.bin", tmpdir);
	CHECK_INT(sl_writer_open(&w, path, "www"), 0);
	CHECK_INT(sl_writer_put(w, &r), 0);
	r.tag = SL_TAG_End;
	r.len = 0;
	r.data = "";
	CHECK_INT(sl_writer_put(w, &r), 0);
	CHECK_INT(sl_writer_close(&w), 0);
	CHECK(w == NULL);

	CHECK_INT(sl_cursor_open_file(&c, path, 0), 0);
	CHECK_INT(sl_cursor_next(c, &r), SL_NEXT_RECORD);
	CHECK_INT(r.tag, SL_TAG_ReqURL);
	CHECK_INT(r.vxid, 77);
	CHECK_INT(r.flags, SL_F_CLIENT);
	CHECK(r.len == 5 && !memcmp(r.data, "/a\0bc", 5));
	CHECK_INT(sl_cursor_next(c, &r), SL_NEXT_RECORD);
	CHECK_INT(r.tag, SL_TAG_End);
	CHECK_INT(sl_cursor_next(c, &r), SL_NEXT_EOF);
	sl_cursor_free(&c);

	/* cut in the middle of a record */
	CHECK_INT(truncate(path, 96 + 12 + 2), 0);
	CHECK_INT(sl_cursor_open_file(&c, path, 0), 0);
	CHECK_INT(sl_cursor_next(c, &r), SL_ECORRUPT);
	CHECK(strstr(sl_last_error(), "truncated record at offset 96"));
	sl_cursor_free(&c);

	f = fopen(path, "r+b");
	fseek(f, 8, SEEK_SET);
	fputc(9, f);
	fclose(f);
	CHECK_INT(sl_cursor_open_file(&c, path, 0), SL_EVERSION);
	CHECK(strstr(sl_last_error(), "binary log format version 9"));
	write_file(path, "hello world", 11);
	CHECK_INT(sl_cursor_open_file(&c, path, 0), SL_ECORRUPT);
	CHECK(strstr(sl_last_error(), "not a sluice binary log file"));
}

static void test_tags(void)
{
	CHECK(!strcmp(sl_tag_name(SL_TAG_ReqURL), "ReqURL"));
	CHECK_INT(sl_tag_lookup("requrl"), SL_TAG_ReqURL);
	CHECK_INT(sl_tag_lookup("nope"), -1);
	CHECK(sl_tag_name(0) == NULL && sl_tag_name(300) == NULL);
	CHECK(sl_tag_doc(SL_TAG_Begin) != NULL);
	CHECK_INT(sl_api_version(), SL_API_VERSION);
	CHECK(!strcmp(sl_strerror(SL_EVERSION), "unsupported format version"));
}

static void cleanup(void)
{
	char cmd[600];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", tmpdir);
	if (system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", tmpdir);
}

int main(void)
{
	snprintf(tmpdir, sizeof(tmpdir), "/tmp/test_libsluice.XXXXXX");
	if (!mkdtemp(tmpdir)) {
		perror("mkdtemp");
		return 1;
	}
	srand((unsigned)time(NULL));
	test_resolve();
	test_refusals();
	test_cursor();
	test_heads();
	test_fmt();
	test_multi();
	test_alive_is_the_lock();
	test_restart();
	test_counters();
	test_group();
	test_query();
	test_files();
	test_tags();
	cleanup();
	return UNIT_SUMMARY("test_libsluice");
}
