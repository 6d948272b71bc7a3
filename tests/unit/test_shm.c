/* test_shm.c: the shared-memory segment file (path, creation, collision
 * with a live owner) and its section allocator (split, reuse, merge, cool
 * delay with an injected clock, alloc_seq, out of space), and the counters
 * blocks (tables, layout, show-stat values). */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "unit.h"
#include "cfg/cfg.h"
#include "core/global-t.h"
#include "lb/server-t.h"
#include "proxy/proxy-t.h"
#include "shm/counters.h"
#include "shm/shm.h"

static char dir[256];
static int64_t fake_now = 1000000;

static int64_t test_clock(void)
{
	return fake_now;
}

static void mk_path(char *buf, size_t size, const char *name)
{
	snprintf(buf, size, "%s/%s", dir, name);
}

/* Runs a function with stderr sent to /dev/null (expected alerts). */
static int quiet(int (*fn)(void *), void *arg)
{
	int saved = dup(2), devnull = open("/dev/null", O_WRONLY), r;

	fflush(stderr);
	dup2(devnull, 2);
	r = fn(arg);
	fflush(stderr);
	dup2(saved, 2);
	close(saved);
	close(devnull);
	return r;
}

static int create_fn(void *arg)
{
	return shm_create(arg, "test", 0, 64 * 1024, 0640);
}

static struct shm_section *first(void)
{
	return (struct shm_section *)((char *)shm_head() + shm_head()->first_section);
}

static struct shm_section *next_of(struct shm_section *s)
{
	return s->next ? (struct shm_section *)((char *)shm_head() + s->next) : NULL;
}

static uint64_t off_of(const struct shm_section *s)
{
	return (uint64_t)((const char *)s - (const char *)shm_head());
}

/* The list covers the file exactly, in address order, with valid headers. */
static void check_list(const char *file, int line)
{
	uint64_t expect = shm_head()->first_section;
	struct shm_section *s;

	for (s = first(); s; s = next_of(s)) {
		CHECK_INT_AT(off_of(s), expect, file, line);
		CHECK_INT_AT(s->magic, SHM_SECT_MAGIC, file, line);
		CHECK_INT_AT(s->len % 64, 0, file, line);
		expect = off_of(s) + sizeof(*s) + s->len;
	}
	CHECK_INT_AT(expect, shm_head()->file_size, file, line);
}
#define CHECK_LIST() check_list(__FILE__, __LINE__)

static void test_path_for(void)
{
	char buf[512], err[256];

	CHECK_INT(shm_path_for("www-1.a_b", buf, sizeof(buf), err, sizeof(err)), 0);
	CHECK(strlen(buf) > strlen("/www-1.a_b"));
	CHECK(strcmp(buf + strlen(buf) - strlen("/www-1.a_b"), "/www-1.a_b") == 0);
	CHECK_INT(shm_path_for(NULL, buf, sizeof(buf), err, sizeof(err)), 0);
	CHECK(strcmp(buf + strlen(buf) - strlen("/sluice"), "/sluice") == 0);
	CHECK_INT(shm_path_for("./x.shm", buf, sizeof(buf), err, sizeof(err)), 0);
	CHECK(strcmp(buf, "./x.shm") == 0);
	CHECK_INT(shm_path_for("..", buf, sizeof(buf), err, sizeof(err)), -1);
	CHECK_INT(shm_path_for(".hidden", buf, sizeof(buf), err, sizeof(err)), -1);
	CHECK_INT(shm_path_for("a b", buf, sizeof(buf), err, sizeof(err)), -1);
	CHECK_INT(shm_path_for("", buf, sizeof(buf), err, sizeof(err)), -1);
	CHECK(strstr(err, "invalid instance name") != NULL);
}

static void test_create(void)
{
	char path[300];
	struct stat st;
	struct shm_section *s;

	mk_path(path, sizeof(path), "create.shm");
	CHECK_INT(shm_create(path, "create", 0, 64 * 1024, 0640), 0);
	CHECK_INT(stat(path, &st), 0);
	CHECK_INT(st.st_mode & 0777, 0640);
	CHECK_INT(st.st_size, shm_head()->file_size);
	CHECK(memcmp(shm_head()->magic, SHM_MAGIC, 16) == 0);
	CHECK_INT(shm_head()->version, SHM_VERSION);
	CHECK_INT(shm_head()->head_size, sizeof(struct shm_head));
	CHECK_INT(shm_head()->master_pid, getpid());
	CHECK(shm_head()->alloc_seq != 0);
	CHECK(strcmp(shm_head()->instance, "create") == 0);
	CHECK_INT(shm_head()->file_size % 4096, 0);
	s = first();
	CHECK_INT(s->class, SHM_CLASS_FREE);
	CHECK(s->next == 0);
	CHECK(s->len >= 64 * 1024);
	CHECK_LIST();
	shm_close();
	CHECK_INT(stat(path, &st), 0);               /* the file stays */
	unlink(path);
}

/* A stale segment file at <path>: a header recording <pid>, nobody
 * holding it. */
static void write_head(const char *path, int64_t pid)
{
	struct shm_head h;
	FILE *f;

	memset(&h, 0, sizeof(h));
	memcpy(h.magic, SHM_MAGIC, sizeof(h.magic));
	h.version = SHM_VERSION;
	h.head_size = sizeof(h);
	h.file_size = 4096;
	h.master_pid = pid;
	unlink(path);
	f = fopen(path, "w");
	CHECK(f != NULL && fwrite(&h, sizeof(h), 1, f) == 1);
	fclose(f);
}

static void test_collision(void)
{
	char path[300], other[300];
	struct stat st1, st2;
	pid_t child;
	FILE *f;
	int reader;

	mk_path(path, sizeof(path), "coll.shm");
	child = fork();
	if (child == 0) {
		/* a "running sluice": owns the file, then waits to be killed */
		if (shm_create(path, "coll", 0, 64 * 1024, 0640) < 0)
			_exit(1);
		for (;;)
			pause();
	}
	CHECK(child > 0);
	for (int i = 0; i < 200; i++) {          /* wait until it owns the file */
		FILE *r = fopen(path, "r");
		struct shm_head h;

		if (r && fread(&h, sizeof(h), 1, r) == 1 && h.master_pid == child) {
			fclose(r);
			break;
		}
		if (r)
			fclose(r);
		usleep(10000);
	}
	CHECK_INT(stat(path, &st1), 0);
	/* a live owner: refused, and the file is left alone */
	CHECK_INT(quiet(create_fn, path), -1);
	CHECK(shm_head() == NULL);
	CHECK_INT(stat(path, &st2), 0);
	CHECK(st1.st_ino == st2.st_ino);

	/* once the owner is dead, the file is replaced by a new inode: a
	 * reader that still has the old one open sees a different st_ino */
	reader = open(path, O_RDONLY);
	CHECK(reader >= 0);
	kill(child, SIGKILL);
	waitpid(child, NULL, 0);
	CHECK_INT(shm_create(path, "coll", 0, 64 * 1024, 0640), 0);
	CHECK_INT(stat(path, &st2), 0);
	CHECK(st1.st_ino != st2.st_ino || st1.st_dev != st2.st_dev);
	close(reader);
	CHECK_INT(shm_head()->master_pid, getpid());
	shm_close();

	/* our own pid in the file (a restart in a container) is no collision */
	CHECK_INT(shm_create(path, "coll", 0, 64 * 1024, 0640), 0);
	shm_close();
	unlink(path);

	/* a file that is not ours is never replaced */
	mk_path(other, sizeof(other), "notours");
	f = fopen(other, "w");
	fputs("precious data, not a segment\n", f);
	fclose(f);
	CHECK_INT(quiet(create_fn, other), -1);
	CHECK_INT(stat(other, &st1), 0);
	CHECK_INT(st1.st_size, 29);
	unlink(other);

	/* a file nobody holds is stale, whatever pid it records: 0 (killed
	 * while setting up), -1, or a live process that is not sluice */
	{
		const int64_t pids[] = { 0, -1, getppid() };

		for (size_t i = 0; i < sizeof(pids) / sizeof(pids[0]); i++) {
			write_head(other, pids[i]);
			CHECK_INT(stat(other, &st1), 0);
			CHECK_INT(shm_create(other, "test", 0, 64 * 1024, 0640), 0);
			CHECK_INT(stat(other, &st2), 0);
			CHECK(st1.st_ino != st2.st_ino);
			shm_close();
		}
	}
	/* one that another open file holds is in use, pid or not (an OFD
	 * lock conflicts within a process too) */
	{
		struct flock fl = { .l_type = F_WRLCK, .l_whence = SEEK_SET };
		int fd;

		write_head(other, 0);
		fd = open(other, O_RDWR);
		CHECK(fd >= 0 && fcntl(fd, F_OFD_SETLK, &fl) == 0);
		CHECK_INT(quiet(create_fn, other), -1);
		CHECK(shm_head() == NULL);
		close(fd);
		CHECK_INT(quiet(create_fn, other), 0);
		shm_close();
	}
	unlink(other);
}

static int check_fn(void *arg)
{
	return shm_check();
}

static uint64_t file_word(const char *path, uint64_t off)
{
	uint64_t v = 0;
	int fd = open(path, O_RDONLY);

	CHECK(fd >= 0 && pread(fd, &v, sizeof(v), (off_t)off) == (ssize_t)sizeof(v));
	close(fd);
	return v;
}

/* The file cut under the mapping: an access past its new end does not
 * kill (the SIGBUS guard puts zero pages there), and shm_check() makes
 * the file again from the image, with the same sections at the same
 * addresses, under the same path: a new inode, as after a restart. */
static void test_truncated(void)
{
	char path[300];
	struct stat st1, st2;
	struct shm_section *a, *b, *s;
	uint64_t *va, off;

	mk_path(path, sizeof(path), "trunc.shm");
	CHECK_INT(shm_create(path, "trunc", 64 * 1024, 64 * 1024, 0640), 0);
	a = shm_section_alloc(SHM_CLASS_COUNTERS, "test", "a", 256);
	b = shm_section_alloc(SHM_CLASS_COUNTERS, "test", "b", 256);
	CHECK(a != NULL && b != NULL);
	shm_section_free(b);
	va = shm_section_payload(a);
	off = (uint64_t)((char *)va - (char *)shm_head());
	va[0] = 7;
	CHECK_INT(shm_check(), 0);
	CHECK_INT(file_word(path, off), 7);

	/* cut, then written to: the write lands in zero pages */
	CHECK_INT(stat(path, &st1), 0);
	CHECK_INT(truncate(path, 0), 0);
	va[1] = 8;
	CHECK_INT(va[1], 8);
	CHECK_INT(va[0], 0);
	CHECK_INT(quiet(check_fn, NULL), 1);
	CHECK_INT(stat(path, &st2), 0);
	CHECK(st1.st_ino != st2.st_ino);
	CHECK_INT(st2.st_size, shm_head()->file_size);
	CHECK_INT(st2.st_mode & 0777, 0640);
	CHECK(memcmp(shm_head()->magic, SHM_MAGIC, 16) == 0);
	CHECK_INT(shm_head()->master_pid, getpid());
	CHECK(shm_head()->alloc_seq != 0);
	CHECK_LIST();
	s = next_of(first());                     /* the log, then a and b */
	CHECK(s == a && s->class == SHM_CLASS_COUNTERS && strcmp(s->ident, "a") == 0);
	s = next_of(s);
	CHECK(s == b && s->class == SHM_CLASS_COOL && strcmp(s->ident, "b") == 0);
	CHECK_INT(((struct shm_log *)shm_section_payload(first()))->ring_size, 64 * 1024);
	CHECK_INT(va[0], 0);                      /* values are lost */
	va[0] = 9;                                /* the mapping is the new file */
	CHECK_INT(file_word(path, off), 9);
	CHECK_INT(shm_check(), 0);

	/* cut without a fault before the check: its size tells */
	CHECK_INT(truncate(path, 4096), 0);
	CHECK_INT(quiet(check_fn, NULL), 1);
	CHECK_INT(stat(path, &st1), 0);
	CHECK_INT(st1.st_size, shm_head()->file_size);
	va[0] = 10;
	CHECK_INT(file_word(path, off), 10);

	/* a header overwritten in place: made again too */
	memset(shm_head()->magic, 'x', 8);
	CHECK_INT(quiet(check_fn, NULL), 1);
	CHECK(memcmp(shm_head()->magic, SHM_MAGIC, 16) == 0);
	CHECK_INT(stat(path, &st2), 0);
	CHECK(st1.st_ino != st2.st_ino);

	/* the allocator still works on the new file */
	s = shm_section_alloc(SHM_CLASS_COUNTERS, "test", "c", 128);
	CHECK(s != NULL && file_word(path, (uint64_t)((char *)s - (char *)shm_head())) ==
	      ((uint64_t)SHM_CLASS_COUNTERS << 32 | SHM_SECT_MAGIC));
	CHECK_LIST();
	shm_close();
	unlink(path);
}

static uint64_t seen_seq_in_change = 1;

static void note_seq(void *payload, void *arg)
{
	seen_seq_in_change = shm_head()->alloc_seq;
	memset(payload, 0x5a, 64);
}

static void test_alloc_split_and_seq(void)
{
	char path[300];
	struct shm_section *a, *b, *rest;
	uint64_t seq0, seq1;

	mk_path(path, sizeof(path), "alloc.shm");
	CHECK_INT(shm_create(path, "alloc", 0, 64 * 1024, 0640), 0);
	seq0 = shm_head()->alloc_seq;
	a = shm_section_alloc(SHM_CLASS_COUNTERS, "frontend", "www", 100);
	CHECK(a != NULL);
	CHECK(a == first());
	CHECK_INT(a->len, 128);                   /* rounded up to 64 */
	CHECK_INT(a->class, SHM_CLASS_COUNTERS);
	CHECK(strcmp(a->type, "frontend") == 0 && strcmp(a->ident, "www") == 0);
	seq1 = shm_head()->alloc_seq;
	CHECK(seq1 != 0 && seq1 != seq0);
	rest = next_of(a);
	CHECK(rest != NULL && rest->class == SHM_CLASS_FREE);
	CHECK_INT(off_of(rest), off_of(a) + sizeof(*a) + 128);
	CHECK_LIST();

	/* the payload is initialised while alloc_seq reads 0 */
	b = shm_section_alloc_init(SHM_CLASS_COUNTERS, "server", "be/a-very-long-ident-"
				   "that-does-not-fit-in-sixty-four-bytes-of-the-header-field",
				   64, note_seq, NULL);
	CHECK(b != NULL);
	CHECK_INT(seen_seq_in_change, 0);
	CHECK(shm_head()->alloc_seq != 0 && shm_head()->alloc_seq != seq1);
	CHECK_INT(((unsigned char *)shm_section_payload(b))[63], 0x5a);
	CHECK_INT(strlen(b->ident), SHM_NAME_LEN - 1);  /* truncated, NUL kept */
	CHECK(next_of(a) == b);
	CHECK_LIST();
	shm_close();
	unlink(path);
}

static void test_cool_reuse_and_merge(void)
{
	char path[300];
	struct shm_section *a, *b, *c, *d, *x;
	uint64_t seq;
	size_t left;

	shm_set_clock(test_clock);
	mk_path(path, sizeof(path), "cool.shm");
	CHECK_INT(shm_create(path, "cool", 0, 64 * 1024, 0640), 0);
	a = shm_section_alloc(SHM_CLASS_COUNTERS, "backend", "a", 1024);
	b = shm_section_alloc(SHM_CLASS_COUNTERS, "backend", "b", 1024);
	c = shm_section_alloc(SHM_CLASS_COUNTERS, "backend", "c", 1024);
	CHECK(a && b && c);
	/* take the rest of the space */
	left = next_of(c)->len;
	d = shm_section_alloc(SHM_CLASS_COUNTERS, "backend", "d", left);
	CHECK(d != NULL);
	CHECK(next_of(d) == NULL);
	CHECK(shm_section_alloc(SHM_CLASS_COUNTERS, "backend", "full", 64) == NULL);

	memset(shm_section_payload(b), 0x77, 1024);
	seq = shm_head()->alloc_seq;
	shm_section_free(b);
	CHECK(shm_head()->alloc_seq != seq && shm_head()->alloc_seq != 0);
	CHECK_INT(b->class, SHM_CLASS_COOL);
	CHECK_INT(b->cool_until, fake_now + SHM_COOL_SECONDS);
	CHECK(strcmp(b->ident, "b") == 0);      /* readers still see what it was */
	CHECK_INT(((unsigned char *)shm_section_payload(b))[0], 0x77);

	/* not reused within the cool period */
	CHECK(shm_section_alloc(SHM_CLASS_COUNTERS, "backend", "e", 64) == NULL);
	fake_now += SHM_COOL_SECONDS - 1;
	CHECK(shm_section_alloc(SHM_CLASS_COUNTERS, "backend", "e", 64) == NULL);
	CHECK_INT(b->class, SHM_CLASS_COOL);
	/* reused after it, split, zeroed */
	fake_now += 1;
	x = shm_section_alloc(SHM_CLASS_COUNTERS, "backend", "e", 64);
	CHECK(x == b);
	CHECK_INT(x->len, 64);
	CHECK(strcmp(x->ident, "e") == 0);
	CHECK_INT(((unsigned char *)shm_section_payload(x))[0], 0);
	CHECK(next_of(x)->class == SHM_CLASS_FREE);
	CHECK(next_of(next_of(x)) == c);
	CHECK_LIST();

	/* merging: a and x freed (a cool, x cool), plus the free space between
	 * x and c; none is merged while a is cool */
	shm_section_free(a);
	fake_now += 3;
	shm_section_free(x);
	CHECK(shm_section_alloc(SHM_CLASS_COUNTERS, "backend", "big", 2048) == NULL);
	fake_now += SHM_COOL_SECONDS - 3;       /* a is reusable, x is not yet */
	CHECK(shm_section_alloc(SHM_CLASS_COUNTERS, "backend", "big", 2048) == NULL);
	fake_now += 3;                          /* both: one run of 2 * 1024 + 192 */
	x = shm_section_alloc(SHM_CLASS_COUNTERS, "backend", "big", 2048);
	CHECK(x == a);
	CHECK_LIST();
	/* the run (a, x, the free rest of b) is merged; what is left after
	 * 2048 bytes is too small for a section: it stays in x */
	CHECK(x && next_of(x) == c);
	CHECK_INT(x ? x->len : 0, 1024 + 192 + 64 + 192 + 768);

	/* out of space */
	CHECK(shm_section_alloc(SHM_CLASS_COUNTERS, "backend", "huge", 1 << 30) == NULL);
	shm_close();
	shm_set_clock(NULL);
	unlink(path);
}

static void test_counters(void)
{
	static const char cfg[] =
		"global\n  nbthread 3\n"
		"frontend fe\n  bind 127.0.0.1:1\n  default_backend be\n"
		"backend be\n  server s1 127.0.0.1:2\n  server s2 127.0.0.1:3\n"
		"listen both\n  bind 127.0.0.1:4\n  server s3 127.0.0.1:5\n";
	char path[300];
	struct proxy *fe, *be, *both;
	struct shm_section *s;
	int found = 0, seen_listen = 0;
	FILE *f;
	char *doc = NULL;
	size_t doclen = 0;

	CHECK_INT(ctr_check_tables(), 0);
	CHECK_INT(ctr_px_family.nb * 8, sizeof(struct px_counters));
	CHECK_INT(ctr_srv_family.nb * 8, sizeof(struct srv_counters));

	cfg_set_error_stream(fopen("/dev/null", "w"));
	CHECK_INT(cfg_parse_buffer("t.cfg", cfg, sizeof(cfg) - 1), 0);
	CHECK_INT(cfg_check(), 0);
	fe = proxies_list;
	CHECK(fe && fe->ctr == NULL);              /* no counters before the runtime */
	mk_path(path, sizeof(path), "ctr.shm");
	CHECK_INT(shm_create(path, "ctr", 0, ctr_space_estimate(global.nbthread), 0640), 0);
	CHECK_INT(shm_counters_alloc(), 0);
	CHECK_INT(ctr_nb_rows(), 3);
	for (be = proxies_list; be && strcmp(be->id, "be"); be = be->next)
		;
	for (both = proxies_list; both && strcmp(both->id, "both"); both = both->next)
		;
	CHECK(fe->ctr && be && be->ctr && both && both->ctr);
	CHECK(be->srv && be->srv->ctr && be->srv->next && be->srv->next->ctr);

	/* every thread writes its row; readers sum */
	fe->ctr[0].requests += 2;
	fe->ctr[2].requests += 5;
	fe->ctr[1].rsp[2]++;
	be->srv->ctr[1].bytes_in += 1000;
	for (unsigned i = 0; i < ctr_px_family.nb; i++) {
		const struct ctr_desc *d = &ctr_px_family.desc[i];

		if (strcmp(d->name, "requests") == 0)
			CHECK_INT(ctr_value(&ctr_px_family, d, fe, fe->ctr), 7);
		if (strcmp(d->name, "rsp_2xx") == 0)
			CHECK_INT(ctr_value(&ctr_px_family, d, fe, fe->ctr), 1);
		if (strcmp(d->name, "cur_conns") == 0) {
			fe->feconn = 4;
			CHECK_INT(ctr_value(&ctr_px_family, d, fe, fe->ctr), 4);
			ctr_refresh();                  /* copied to row 0 for readers */
			CHECK_INT(fe->ctr[0].cur_conns, 4);
			fe->feconn = 0;
		}
	}

	/* the blocks as a reader finds them */
	for (s = first(); s; s = next_of(s)) {
		struct shm_ctr_head *h = shm_section_payload(s);
		struct shm_ctr_field *fl = (struct shm_ctr_field *)(h + 1);

		if (s->class != SHM_CLASS_COUNTERS)
			continue;
		CHECK(h->nb_fields >= 1);
		CHECK_INT(h->values_off % 64, 0);
		CHECK(h->values_off >= sizeof(*h) + h->nb_fields * sizeof(*fl));
		CHECK(h->values_off + (uint64_t)h->nb_threads * h->nb_fields * 8 <= s->len);
		if (strcmp(s->type, "frontend") == 0 && strcmp(s->ident, "fe") == 0) {
			const uint64_t *v = (const uint64_t *)((char *)h + h->values_off);

			found++;
			CHECK_INT(h->nb_threads, 3);
			CHECK_INT(h->nb_fields, ctr_px_family.nb);
			CHECK((void *)v == (void *)fe->ctr);
			for (unsigned i = 0; i < h->nb_fields; i++) {
				CHECK(strcmp(fl[i].name, ctr_px_family.desc[i].name) == 0);
				if (strcmp(fl[i].name, "conns") == 0)
					CHECK_INT(fl[i].flags, SHM_CTR_F_FE);
				if (strcmp(fl[i].name, "requests") == 0) {
					CHECK_INT(fl[i].flags, SHM_CTR_F_FE | SHM_CTR_F_BE);
					CHECK_INT(v[i] + v[h->nb_fields + i] + v[2 * h->nb_fields + i], 7);
				}
				if (strcmp(fl[i].name, "cur_conns") == 0)
					CHECK_INT(fl[i].kind, SHM_CTR_GAUGE);
			}
		}
		if (strcmp(s->type, "backend") == 0 && strcmp(s->ident, "be") == 0) {
			found++;
			for (unsigned i = 0; i < h->nb_fields; i++)
				if (strcmp(fl[i].name, "requests") == 0)
					CHECK(strcmp(fl[i].doc, "requests forwarded to this backend") == 0);
		}
		if (strcmp(s->type, "server") == 0 && strcmp(s->ident, "be/s2") == 0)
			found++;
		if (strcmp(s->type, "listen") == 0 && strcmp(s->ident, "both") == 0)
			seen_listen = 1;
		if (strcmp(s->type, "thread") == 0) {
			CHECK_INT(h->nb_threads, 1);
			found++;
		}
	}
	CHECK_INT(found, 3 + 3);
	CHECK(seen_listen);

	/* a server added while running gets a block; a removed one turns cool */
	{
		struct server *srv = be->srv->next;
		void *old = srv->ctr;
		int cool = 0, live = 0;

		ctr_server_detach(srv);
		CHECK(srv->ctr == NULL);
		CHECK_INT(ctr_server_attach(srv), 0);
		CHECK(srv->ctr != NULL && (void *)srv->ctr != old);
		for (s = first(); s; s = next_of(s)) {
			if (strcmp(s->ident, "be/s2") != 0)
				continue;
			cool += s->class == SHM_CLASS_COOL;
			live += s->class == SHM_CLASS_COUNTERS;
		}
		CHECK_INT(cool, 1);
		CHECK_INT(live, 1);
	}

	/* the reference lists the show-stat keys and the shm-only ones */
	f = open_memstream(&doc, &doclen);
	ctr_dump_docs(f);
	fclose(f);
	CHECK(strstr(doc, "fe.<proxy>.cur_conns") != NULL);
	CHECK(strstr(doc, "be.<proxy>.srv_errors") != NULL);
	CHECK(strstr(doc, "fe.<proxy>.srv_errors") == NULL);
	CHECK(strstr(doc, "srv.<backend>.<server>.idle") != NULL);
	CHECK(strstr(doc, "[shm] time to connect") != NULL);
	CHECK(strstr(doc, "pool.<name>.allocated") != NULL);
	free(doc);

	shm_close();
	CHECK(fe->ctr == NULL);                    /* ctr_reset() */
	cfg_deinit();
	unlink(path);
}

int main(void)
{
	const char *tmp = getenv("TMPDIR");

	snprintf(dir, sizeof(dir), "%s/sluice-test-shm-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	test_path_for();
	test_create();
	test_collision();
	test_alloc_split_and_seq();
	test_cool_reuse_and_merge();
	test_counters();
	test_truncated();
	rmdir(dir);
	return UNIT_SUMMARY("test_shm");
}
