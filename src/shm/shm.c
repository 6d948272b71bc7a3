/* shm.c: the shared-memory segment file of an instance and the allocator of
 * its sections.
 *
 * Lifecycle:
 *   shm_init()           resolves -n NAME to a path, prepares its directory,
 *                        sizes the file from the configuration, then
 *   shm_create()         refuses a file that a running sluice holds (its
 *                        lock, below), creates the new file under a hidden
 *                        temporary name, locks it, allocates its blocks (a
 *                        full disk fails here rather than with SIGBUS
 *                        later), maps it, lays out the header, the log
 *                        section and one FREE section, stores master_pid,
 *                        and puts it in place: rename() over an old file
 *                        (readers go from the old inode to the new one),
 *                        link() where there was none (EEXIST: another
 *                        sluice got there first);
 *   shm_section_alloc()  carves sections out of FREE space (and of COOL
 *   shm_section_free()   space whose cool period is over); frees turn COOL;
 *   exit                 the file stays: readers can read the last state,
 *                        and the next start replaces it (nobody holds it).
 *
 * The lock: the writer holds an OFD write lock (F_OFD_SETLK) on the whole
 * file from before the file has its name until the process ends. Whether a
 * file is in use is whether that lock is held, not whether master_pid is a
 * live process: a pid may be 0, garbage, or reused by another program
 * after a crash, while the lock goes with the last descriptor of the open
 * file, so with the process however it ends, and stays with a daemon
 * across fork(). Readers test it without taking it (F_OFD_GETLK), so they
 * never stand in a starting sluice's way.
 *
 * Section list changes follow the alloc_seq protocol of doc/shm-format.md:
 * alloc_seq is 0 while headers change and a new value after, so a reader
 * that walked the list during a change knows to walk again.
 *
 * The image: a private anonymous mapping as large as the file, holding what
 * it takes to make the file again: the header, every section header, every
 * payload as it was allocated (descriptions, zeroed values). The allocator
 * reads and changes the image only and copies what it changed into the
 * file; the request path writes the file only. Image pages nobody writes
 * (the log ring, the counter values) cost no memory.
 *
 * Truncation: anyone who may write the file may truncate it under the
 * mapping (truncate -s 0 FILE); the next access to a page past its new end
 * raises SIGBUS in the thread that makes it, a worker counting a request,
 * any time. Two parts make that harmless, at no cost per request:
 *   shm_on_sigbus()  for a fault inside the mapping, maps private zero
 *                    pages over the whole mapping, at the same address
 *                    (every pointer into the segment stays valid), and
 *                    returns: the access is made again, into memory nobody
 *                    else sees. The segment is LOST;
 *   shm_check()      once a second on thread 0: one fstat() and a look at
 *                    the header. A LOST segment, or a file shorter than the
 *                    mapping or with a damaged header, is made again from
 *                    the image under a hidden name, mapped over the same
 *                    address and renamed over the path: readers see a new
 *                    inode, as after a restart. Counters restart from zero
 *                    and the log from an empty ring.
 * seg.state orders them: MAPPED -> SWAPPING (one thread won the right to
 * swap in zero pages) -> LOST -> MAPPED (shm_check() mapped a new file).
 * Only a SWAPPING thread maps zero pages and only shm_check() maps a file,
 * so the state never says MAPPED over zero pages. A thread whose fault on
 * the cut file is handled only after the new file is mapped swaps zero
 * pages over the new file: one recreation more, nothing worse.
 */
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>

#include "core/clock.h"
#include "core/compiler.h"
#include "core/global-t.h"
#include "core/init.h"
#include "core/thread.h"
#include "shm/shm.h"
#include "shm/log.h"
#include "shm/counters.h"

#define SECT_HDR      sizeof(struct shm_section)
#define SHM_ALIGN     64
#define SHM_PAGE      4096
#define TAKEOVER_TRIES 5       /* a file replaced while we judged it: look again */
#define CHECK_MS      1000     /* shm_check() period on thread 0 */

/* seg.state */
#define SEG_MAPPED    0        /* the mapping is the file */
#define SEG_SWAPPING  1        /* a thread is mapping zero pages over it */
#define SEG_LOST      2        /* the mapping is zero pages: make a new file */

_Static_assert(sizeof(struct shm_head) % SHM_ALIGN == 0, "header keeps sections aligned");
_Static_assert(sizeof(struct shm_section) == 192, "section header size is in the format");
_Static_assert(sizeof(struct shm_log) == 192, "log header size is in the format");
_Static_assert(sizeof(struct shm_ctr_field) == 136, "field size is in the format");

static struct {
	char *base;                  /* the file's mapping, NULL when none */
	char *img;                   /* the image (above), as large */
	size_t size;
	size_t page;                 /* the system's page size */
	char *path;
	unsigned mode;
	int fd;                      /* the file, locked; -1 when none */
	struct shm_head *head;       /* in base */
	uint64_t seq;                /* last alloc_seq stored */
	int64_t (*now)(void);        /* injected clock, NULL: time() */
	pthread_mutex_t lock;        /* section list changes, the image, remaking */
	int state;                   /* SEG_* (atomic) */
	int recreate_failed;           /* said so once; tried again every check */
	uint64_t recreated;          /* files made again */
	uint64_t next_check;         /* thread 0's now_ms */
	struct sigaction old_bus;    /* the SIGBUS action before ours */
} seg = { .fd = -1, .lock = PTHREAD_MUTEX_INITIALIZER };

/* Whole unix seconds now, rounded down (<up> 0) or up (<up> 1): a cool
 * period starts at the next whole second and ends when the clock, rounded
 * down, reaches cool_until, so it lasts at least SHM_COOL_SECONDS. */
static int64_t shm_now(int up)
{
	struct timespec ts;

	if (seg.now)
		return seg.now();
	clock_gettime(CLOCK_REALTIME, &ts);
	return (int64_t)ts.tv_sec + (up && ts.tv_nsec > 0);
}

void shm_set_clock(int64_t (*now)(void))
{
	seg.now = now;
}

struct shm_head *shm_head(void)
{
	return seg.head;
}

const char *shm_path(void)
{
	return seg.path;
}

/* Copies <src> into a fixed-size NUL-padded field, keeping a final NUL. */
static void put_field(char *dst, size_t size, const char *src)
{
	size_t n = src ? strnlen(src, size - 1) : 0;

	memset(dst, 0, size);
	memcpy(dst, src ? src : "", n);
}

/* ------------------------------------------------------------- location */

/* 1 if <name> is a valid bare instance name. */
static int shm_name_valid(const char *name)
{
	size_t n = strlen(name);

	if (n < 1 || n >= SHM_NAME_LEN || name[0] == '.')
		return 0;
	return strspn(name, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
			    "0123456789._-") == n;
}

/* Directory of bare instance names for this user. */
static int shm_dir(char *buf, size_t size)
{
	const char *xdg = getenv("XDG_RUNTIME_DIR");
	int n;

	if (geteuid() == 0)
		n = snprintf(buf, size, "/run/sluice");
	else if (xdg && xdg[0] == '/')
		n = snprintf(buf, size, "%s/sluice", xdg);
	else
		n = snprintf(buf, size, "/tmp/sluice-%u", (unsigned)geteuid());
	return n > 0 && (size_t)n < size ? 0 : -1;
}

int shm_path_for(const char *name, char *buf, size_t size, char *err, size_t errlen)
{
	char dir[PATH_MAX];
	int n;

	if (!name)
		name = SHM_NAME_DEFAULT;
	if (strchr(name, '/')) {
		n = snprintf(buf, size, "%s", name);
		if (n <= 0 || (size_t)n >= size) {
			snprintf(err, errlen, "instance path '%.64s...' is too long", name);
			return -1;
		}
		return 0;
	}
	if (!shm_name_valid(name)) {
		snprintf(err, errlen, "invalid instance name '%.80s' (expected 1 to %d characters "
			 "among A-Z a-z 0-9 . _ -, not starting with '.', or a path with a '/')",
			 name, SHM_NAME_LEN - 1);
		return -1;
	}
	if (shm_dir(dir, sizeof(dir)) < 0) {
		snprintf(err, errlen, "the directory for shared memory files is too long");
		return -1;
	}
	n = snprintf(buf, size, "%s/%s", dir, name);
	if (n <= 0 || (size_t)n >= size) {
		snprintf(err, errlen, "path of instance '%s' is too long", name);
		return -1;
	}
	return 0;
}

/* Creates the directory of bare names if needed and checks that nobody else
 * can put files in it. The mode derives from the file's: the read bits
 * granted on the file become search bits. */
static int shm_prepare_dir(const char *dir, unsigned file_mode)
{
	mode_t dmode = (0700 | (file_mode & 0055) | ((file_mode & 0044) >> 2)) & ~0022;
	struct stat st;

	if (mkdir(dir, dmode) == 0) {
		if (chmod(dir, dmode) < 0) {
			fprintf(stderr, "[ALERT] shared memory: cannot set mode %o on '%s': %s\n",
				(unsigned)dmode, dir, strerror(errno));
			return -1;
		}
	} else if (errno != EEXIST) {
		fprintf(stderr, "[ALERT] shared memory: cannot create directory '%s': %s "
			"(use -n <path> to place the file elsewhere)\n", dir, strerror(errno));
		return -1;
	}
	if (lstat(dir, &st) < 0) {
		fprintf(stderr, "[ALERT] shared memory: '%s': %s\n", dir, strerror(errno));
		return -1;
	}
	if (!S_ISDIR(st.st_mode)) {
		fprintf(stderr, "[ALERT] shared memory: '%s' is not a directory (a symbolic link?)\n", dir);
		return -1;
	}
	if (st.st_uid != geteuid()) {
		fprintf(stderr, "[ALERT] shared memory: directory '%s' belongs to uid %u, not to "
			"uid %u; use -n <path>\n", dir, (unsigned)st.st_uid, (unsigned)geteuid());
		return -1;
	}
	if (st.st_mode & 0022) {
		fprintf(stderr, "[ALERT] shared memory: directory '%s' is writable by group or "
			"others (mode %o); use -n <path>\n", dir, (unsigned)(st.st_mode & 07777));
		return -1;
	}
	return 0;
}

/* ------------------------------------------------------------ creation */

/* Takes (<type> F_WRLCK or F_RDLCK) the lock of the whole file <fd>
 * without waiting. Returns 0, or -1 with errno (EAGAIN or EACCES: another
 * open file holds it). */
static int shm_lock(int fd, short type)
{
	struct flock fl;

	memset(&fl, 0, sizeof(fl));
	fl.l_type = type;
	fl.l_whence = SEEK_SET;          /* l_start 0, l_len 0: the whole file */
	return fcntl(fd, F_OFD_SETLK, &fl);
}

/* 1 if <path> still names the file whose fstat() is <st>. */
static int still_at(const char *path, const struct stat *st)
{
	struct stat now;

	return stat(path, &now) == 0 && now.st_dev == st->st_dev &&
	       now.st_ino == st->st_ino;
}

/* 1 if <pid> is a live process (for messages, and where files cannot be
 * locked). */
static int pid_alive(int64_t pid)
{
	return pid > 0 && pid <= INT_MAX && (kill((pid_t)pid, 0) == 0 || errno == EPERM);
}

static void collision(const char *path, const char *instance, int64_t pid)
{
	if (pid_alive(pid))
		fprintf(stderr, "[ALERT] instance name '%s' collides with running sluice pid "
			"%lld (file %s); use -n to choose another name\n",
			instance, (long long)pid, path);
	else
		fprintf(stderr, "[ALERT] instance name '%s' collides with a running sluice that "
			"holds its file %s (the file records pid %lld, which is not running); "
			"use -n to choose another name\n", instance, path, (long long)pid);
}

/* One look at an existing file at <path>: returns 1 with *<fdp> set when it
 * is a stale segment file (a sluice file nobody holds, or an empty file),
 * now locked by us so that nobody else takes it over meanwhile; 0 when
 * there is none; 2 when it changed under us (look again); -1 after an
 * [ALERT] when it is not ours to replace (held by a running sluice, not a
 * sluice file, a symbolic link...). <instance> is for messages. */
static int take_over_once(const char *path, const char *instance, int *fdp)
{
	struct shm_head h;
	struct stat st;
	short type = F_WRLCK;
	ssize_t n;
	int fd;

	fd = open(path, O_RDWR | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
	if (fd < 0 && errno == EACCES) {
		/* not writable by us: a read lock conflicts with a writer's too */
		fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC | O_NONBLOCK);
		type = F_RDLCK;
	}
	if (fd < 0) {
		if (errno == ENOENT)
			return 0;
		if (errno == ELOOP)
			fprintf(stderr, "[ALERT] shared memory file '%s' is a symbolic link; "
				"not replacing it\n", path);
		else
			fprintf(stderr, "[ALERT] cannot open shared memory file '%s': %s\n",
				path, strerror(errno));
		return -1;
	}
	memset(&h, 0, sizeof(h));
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		fprintf(stderr, "[ALERT] '%s' is not a regular file; not replacing it with "
			"a shared memory file\n", path);
		return -1;
	}
	n = pread(fd, &h, sizeof(h), 0);
	if (n < 0) {
		fprintf(stderr, "[ALERT] cannot read shared memory file '%s': %s\n",
			path, strerror(errno));
		close(fd);
		return -1;
	}
	if (n > 0 && memcmp(h.magic, SHM_MAGIC, MIN((size_t)n, sizeof(h.magic))) != 0) {
		fprintf(stderr, "[ALERT] '%s' is not a sluice shared memory file; not "
			"replacing it (remove it or use -n)\n", path);
		close(fd);
		return -1;
	}
	if ((size_t)n < offsetof(struct shm_head, master_pid) + sizeof(h.master_pid))
		h.master_pid = 0;
	if (shm_lock(fd, type) < 0) {
		if (errno != EAGAIN && errno != EACCES) {
			/* a file system without such locks: the pid decides, as it
			 * did before the lock */
			if (pid_alive(h.master_pid) && h.master_pid != (int64_t)getpid()) {
				collision(path, instance, h.master_pid);
				close(fd);
				return -1;
			}
		} else if (!still_at(path, &st)) {
			close(fd);       /* its holder replaced it: judge the new one */
			return 2;
		} else {
			collision(path, instance, h.master_pid);
			close(fd);
			return -1;
		}
	}
	if (!still_at(path, &st)) {
		close(fd);
		return 2;
	}
	*fdp = fd;
	return 1;
}

/* Decides about an existing file at <path>. Returns 1 with *<fdp> holding
 * the stale file we may replace (keep it open until it is replaced: that
 * keeps its lock), 0 when the path is free, or -1 after an [ALERT]. */
static int shm_take_over(const char *path, const char *instance, int *fdp)
{
	int r = 2;

	*fdp = -1;
	for (int i = 0; r == 2 && i < TAKEOVER_TRIES; i++)
		r = take_over_once(path, instance, fdp);
	if (r == 2) {
		fprintf(stderr, "[ALERT] shared memory file '%s' keeps being replaced while "
			"sluice looks at it (instance '%s'); use -n to choose another name\n",
			path, instance);
		return -1;
	}
	return r;
}

/* Writes into <buf> the hidden temporary name next to <path> under which
 * a new file is prepared ('.' starts no instance name, and the pid keeps
 * two processes apart). Returns 0, or -1 if it does not fit. */
static int tmp_name(const char *path, char *buf, size_t size)
{
	const char *slash = strrchr(path, '/');
	int dlen = slash ? (int)(slash - path + 1) : 0;
	int n = snprintf(buf, size, "%.*s.%s.%d.new", dlen, path, slash ? slash + 1 : path,
			 (int)getpid());

	return n > 0 && (size_t)n < size ? 0 : -1;
}

/* Creates a segment file of <size> bytes and mode <mode> under the name
 * <tmp>, locks it (before anybody can see it under its real name) and
 * allocates its blocks. <path> is for messages, printed unless <quiet>.
 * Returns its descriptor, or -1 after an [ALERT] (nothing left behind). */
static int shm_new_file(const char *path, const char *tmp, uint64_t size, unsigned mode,
			int quiet)
{
	int fd, r;

	fd = open(tmp, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0 && errno == EEXIST && unlink(tmp) == 0)   /* left by a dead pid like ours */
		fd = open(tmp, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600);
	if (fd < 0) {
		if (!quiet)
			fprintf(stderr, "[ALERT] cannot create shared memory file '%s': %s\n",
				tmp, strerror(errno));
		return -1;
	}
	if (shm_lock(fd, F_WRLCK) < 0 && !quiet)
		fprintf(stderr, "[WARNING] cannot lock shared memory file '%s' (%s): another "
			"sluice will judge whether it is in use by its pid alone\n",
			path, strerror(errno));
	if (fchmod(fd, (mode_t)(mode & 0777)) < 0) {
		if (!quiet)
			fprintf(stderr, "[ALERT] cannot set mode %o on shared memory file "
				"'%s': %s\n", mode, path, strerror(errno));
		goto fail;
	}
	r = posix_fallocate(fd, 0, (off_t)size);
	if (r) {
		if (!quiet)
			fprintf(stderr, "[ALERT] cannot allocate %llu bytes for shared memory "
				"file '%s': %s\n", (unsigned long long)size, path, strerror(r));
		goto fail;
	}
	return fd;
fail:
	close(fd);
	unlink(tmp);
	return -1;
}

/* Gives the prepared file <tmp> its name <path>: over the stale file when
 * <replace> (we hold its lock, so it is still the one we judged), else
 * only if nobody created one meanwhile. Returns 0, or -1 after an [ALERT]
 * (<tmp> is removed either way). */
static int shm_publish(const char *tmp, const char *path, const char *instance, int replace)
{
	if (replace) {
		if (rename(tmp, path) == 0)
			return 0;
		fprintf(stderr, "[ALERT] cannot replace shared memory file '%s': %s\n",
			path, strerror(errno));
	} else if (link(tmp, path) == 0) {
		unlink(tmp);
		return 0;
	} else if (errno == EEXIST) {
		fprintf(stderr, "[ALERT] instance name '%s' collides with a sluice starting "
			"at the same time (file %s); use -n to choose another name\n",
			instance, path);
	} else {
		fprintf(stderr, "[ALERT] cannot create shared memory file '%s': %s\n",
			path, strerror(errno));
	}
	unlink(tmp);
	return -1;
}

/* ---------------------------------------------------------- the image */

static struct shm_head *img_head(void)
{
	return (struct shm_head *)seg.img;
}

/* Copies <len> bytes at offset <off> of the image into the file. */
static void push(uint64_t off, size_t len)
{
	memcpy(seg.base + off, seg.img + off, len);
}

/* Zeroes <len> bytes of the image at <p>. Whole pages are given back
 * instead (they read as zeros again, a private anonymous mapping's), so
 * that the log ring never costs the image memory. */
static void img_zero(char *p, size_t len)
{
	uintptr_t a = ((uintptr_t)p + seg.page - 1) & ~(uintptr_t)(seg.page - 1);
	uintptr_t b = ((uintptr_t)p + len) & ~(uintptr_t)(seg.page - 1);

	if (b <= a || madvise((void *)a, b - a, MADV_DONTNEED) < 0) {
		memset(p, 0, len);
		return;
	}
	memset(p, 0, a - (uintptr_t)p);
	memset((void *)b, 0, (uintptr_t)p + len - b);
}

static void begin_change(void)
{
	img_head()->alloc_seq = 0;
	__atomic_store_n(&seg.head->alloc_seq, 0, __ATOMIC_RELAXED);
	__atomic_thread_fence(__ATOMIC_RELEASE);
}

static void end_change(void)
{
	if (++seg.seq == 0)
		seg.seq = 1;
	img_head()->alloc_seq = seg.seq;
	__atomic_store_n(&seg.head->alloc_seq, seg.seq, __ATOMIC_RELEASE);
}

/* ----------------------------------------------------- truncation guard */

/* Maps private zero pages over the whole mapping, at the same address.
 * Async-signal-safe: the system call itself, not a wrapper that a
 * sanitizer may intercept. Returns 0 or -1. */
static int swap_zero(void)
{
	long r = syscall(SYS_mmap, seg.base, seg.size, PROT_READ | PROT_WRITE,
			 MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED | MAP_NORESERVE, -1, 0);

	return r == -1 ? -1 : 0;
}

/* Takes the mapping from MAPPED to LOST (zero pages). Returns 1 if this
 * call did it, 0 if another thread is doing or did it, -1 if the pages
 * could not be mapped (out of memory: the mapping stays the file). */
static int lose(void)
{
	int expect = SEG_MAPPED;

	if (!__atomic_compare_exchange_n(&seg.state, &expect, SEG_SWAPPING, 0,
					 __ATOMIC_ACQ_REL, __ATOMIC_ACQUIRE))
		return 0;
	if (swap_zero() < 0) {
		__atomic_store_n(&seg.state, SEG_MAPPED, __ATOMIC_RELEASE);
		return -1;
	}
	__atomic_store_n(&seg.state, SEG_LOST, __ATOMIC_RELEASE);
	return 1;
}

/* SIGBUS, in the thread whose access faulted. Inside the mapping: the file
 * was cut under it; once zero pages are there, returning makes the access
 * again, harmlessly. While another thread swaps, the access faults again
 * until it is done (a few microseconds). Outside: whatever was there before
 * us, the default action being to die of it. */
static void shm_on_sigbus(int sig, siginfo_t *si, void *ctx)
{
	char *a = si->si_addr, *base = seg.base;
	int e = errno;

	if (base && a >= base && a < base + seg.size && lose() >= 0) {
		errno = e;
		return;
	}
	if (seg.old_bus.sa_flags & SA_SIGINFO) {
		seg.old_bus.sa_sigaction(sig, si, ctx);
	} else if (seg.old_bus.sa_handler != SIG_DFL && seg.old_bus.sa_handler != SIG_IGN) {
		seg.old_bus.sa_handler(sig);
	} else {
		struct sigaction dfl;

		memset(&dfl, 0, sizeof(dfl));
		dfl.sa_handler = SIG_DFL;
		sigaction(SIGBUS, &dfl, NULL);   /* the access faults again: core */
	}
	errno = e;
}

static void shm_guard_install(void)
{
	static int done;
	struct sigaction sa;

	if (done)
		return;
	memset(&sa, 0, sizeof(sa));
	sa.sa_sigaction = shm_on_sigbus;
	sa.sa_flags = SA_SIGINFO | SA_RESTART;
	sigemptyset(&sa.sa_mask);
	if (sigaction(SIGBUS, &sa, &seg.old_bus) == 0)
		done = 1;
}

/* Writes the whole image into <fd>. Returns 0, or -1 with errno. */
static int write_image(int fd)
{
	for (size_t off = 0; off < seg.size; ) {
		ssize_t n = pwrite(fd, seg.img + off, seg.size - off, (off_t)off);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return -1;
		off += (size_t)n;
	}
	return 0;
}

/* Makes the file again from the image and maps it over the LOST mapping.
 * Returns 0, or -1 after saying why the first time (tried again at the
 * next check; meanwhile the segment lives in private memory). */
static int shm_recreate(void)
{
	char tmp[PATH_MAX];
	struct stat old, now;
	int fd;

	pthread_mutex_lock(&seg.lock);           /* the image holds still */
	if (tmp_name(seg.path, tmp, sizeof(tmp)) < 0)
		goto fail;
	fd = shm_new_file(seg.path, tmp, seg.size, seg.mode, seg.recreate_failed);
	if (fd < 0)
		goto fail;
	if (write_image(fd) < 0 ||
	    mmap(seg.base, seg.size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED,
		 fd, 0) == MAP_FAILED) {
		if (!seg.recreate_failed)
			fprintf(stderr, "[ALERT] cannot write or map the new shared memory "
				"file '%s': %s\n", seg.path, strerror(errno));
		close(fd);
		unlink(tmp);
		goto fail;
	}
	/* the path may name another file now (removed, and another sluice
	 * started under that name): not ours to replace */
	if (fstat(seg.fd, &old) == 0 && stat(seg.path, &now) == 0 &&
	    (now.st_dev != old.st_dev || now.st_ino != old.st_ino)) {
		fprintf(stderr, "[WARNING] shared memory file '%s' is another file now; "
			"leaving it alone: this sluice's counters and log are no longer "
			"visible\n", seg.path);
		unlink(tmp);
	} else if (rename(tmp, seg.path) < 0) {
		fprintf(stderr, "[WARNING] cannot rename the new shared memory file over "
			"'%s': %s; this sluice's counters and log are no longer visible\n",
			seg.path, strerror(errno));
		unlink(tmp);
	}
	close(seg.fd);                           /* the old inode and its lock */
	seg.fd = fd;
	__atomic_store_n(&seg.state, SEG_MAPPED, __ATOMIC_RELEASE);
	seg.recreated++;
	seg.recreate_failed = 0;
	pthread_mutex_unlock(&seg.lock);
	thr_ctr()->shm_recreated = seg.recreated;      /* the new file's counters are 0 */
	return 0;
fail:
	if (!seg.recreate_failed)
		fprintf(stderr, "[ALERT] shared memory file '%s' cannot be recreated; "
			"counters and log records go to private memory until it can\n",
			seg.path);
	seg.recreate_failed = 1;
	pthread_mutex_unlock(&seg.lock);
	return -1;
}

int shm_check(void)
{
	struct stat st;
	int state;

	if (!seg.base)
		return 0;
	state = __atomic_load_n(&seg.state, __ATOMIC_ACQUIRE);
	if (state == SEG_SWAPPING)
		return 0;                        /* a thread is at it: next time */
	if (state == SEG_MAPPED) {
		/* a header read past a cut faults: then we are LOST already */
		int damaged = memcmp(seg.head->magic, SHM_MAGIC, sizeof(seg.head->magic)) ||
			      seg.head->version != SHM_VERSION;

		if (fstat(seg.fd, &st) < 0)
			return 0;
		if ((uint64_t)st.st_size >= seg.size && !damaged &&
		    __atomic_load_n(&seg.state, __ATOMIC_ACQUIRE) == SEG_MAPPED)
			return 0;
		/* no thread may fault while the new file is made */
		if (lose() < 0)
			return -1;
		if (__atomic_load_n(&seg.state, __ATOMIC_ACQUIRE) != SEG_LOST)
			return 0;                /* a thread is swapping: next time */
	}
	if (!seg.recreate_failed) {
		if (fstat(seg.fd, &st) == 0 && (uint64_t)st.st_size < seg.size)
			fprintf(stderr, "[WARNING] shared memory file '%s' was truncated to "
				"%lld bytes under sluice (%zu expected); recreating it: its "
				"counters and log records are lost\n", seg.path,
				(long long)st.st_size, seg.size);
		else
			fprintf(stderr, "[WARNING] shared memory file '%s' was truncated or "
				"overwritten under sluice; recreating it: its counters and "
				"log records are lost\n", seg.path);
	}
	return shm_recreate() < 0 ? -1 : 1;
}

/* Thread 0, every loop turn: shm_check() every CHECK_MS. */
static void shm_turn(void)
{
	if (tid != 0 || now_ms < seg.next_check)
		return;
	seg.next_check = now_ms + CHECK_MS;
	shm_check();
}

static struct thread_hook shm_hook = { .turn = shm_turn };


static void log_describe(void *payload, void *arg)
{
	((struct shm_log *)payload)->ring_size = *(const uint64_t *)arg;
}

int shm_create(const char *path, const char *instance, uint64_t log_size,
	       uint64_t space, unsigned mode)
{
	char tmp[PATH_MAX];
	uint64_t size;
	struct shm_head *h;
	struct shm_section *s;
	char *base, *img;
	int fd, old, stale;

	ASSERT(seg.base == NULL);
	ASSERT(log_size % SHM_PAGE == 0);
	BUG_ON(ctr_check_tables() < 0);
	size = sizeof(struct shm_head) + SECT_HDR + space;
	if (log_size)
		size += SECT_HDR + sizeof(struct shm_log) + log_size;
	size = (size + SHM_PAGE - 1) / SHM_PAGE * SHM_PAGE;

	if (tmp_name(path, tmp, sizeof(tmp)) < 0) {
		fprintf(stderr, "[ALERT] shared memory file path '%s' is too long\n", path);
		return -1;
	}
	stale = shm_take_over(path, instance, &old);
	if (stale < 0)
		return -1;
	fd = shm_new_file(path, tmp, size, mode, 0);
	if (fd < 0)
		goto fail_old;
	base = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
	if (base == MAP_FAILED) {
		fprintf(stderr, "[ALERT] cannot map shared memory file '%s' (%llu bytes): %s\n",
			path, (unsigned long long)size, strerror(errno));
		close(fd);
		unlink(tmp);
		goto fail_old;
	}

	img = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS |
		   MAP_NORESERVE, -1, 0);
	if (img == MAP_FAILED) {
		fprintf(stderr, "[ALERT] cannot map %llu bytes for the image of shared memory "
			"file '%s': %s\n", (unsigned long long)size, path, strerror(errno));
		munmap(base, size);
		close(fd);
		unlink(tmp);
		goto fail_old;
	}

	seg.base = base;
	seg.img = img;
	seg.size = size;
	seg.page = (size_t)sysconf(_SC_PAGESIZE);
	seg.mode = mode;
	seg.fd = fd;
	seg.path = strdup(path);
	seg.head = (struct shm_head *)base;
	seg.seq = 0;
	seg.state = SEG_MAPPED;
	seg.recreate_failed = 0;
	h = img_head();
	memcpy(h->magic, SHM_MAGIC, sizeof(h->magic));
	h->version = SHM_VERSION;
	h->head_size = sizeof(struct shm_head);
	h->file_size = size;
	h->created = (int64_t)time(NULL);
	h->first_section = sizeof(struct shm_head);
	put_field(h->instance, sizeof(h->instance), instance);

	s = (struct shm_section *)(img + sizeof(struct shm_head));
	s->magic = SHM_SECT_MAGIC;
	s->class = SHM_CLASS_FREE;
	s->next = 0;
	s->len = size - sizeof(struct shm_head) - SECT_HDR;
	push(0, sizeof(struct shm_head) + SECT_HDR);
	shm_guard_install();

	if (log_size) {
		struct shm_log *lg;

		s = shm_section_alloc_init(SHM_CLASS_LOG, "log", "log", sizeof(*lg) + log_size,
					   log_describe, &log_size);
		ASSERT(s != NULL);
		lg = shm_section_payload(s);
		slog_attach(lg);
	} else {
		end_change();
	}
	shm_set_master_pid();
	if (shm_publish(tmp, path, instance, stale) < 0) {
		shm_close();
		goto fail_old;
	}
	if (old >= 0)
		close(old);
	return 0;
fail_old:
	if (old >= 0)
		close(old);
	return -1;
}

int shm_init(const char *name)
{
	static int hooked;
	char path[PATH_MAX], err[256];
	uint64_t log_size = 0;

	if (!name)
		name = SHM_NAME_DEFAULT;
	if (shm_path_for(name, path, sizeof(path), err, sizeof(err)) < 0) {
		fprintf(stderr, "[ALERT] -n: %s\n", err);
		return -1;
	}
	if (!strchr(name, '/')) {
		char *slash = strrchr(path, '/');

		*slash = '\0';
		if (shm_prepare_dir(path, shm_settings.mode) < 0)
			return -1;
		*slash = '/';
	}
	if (!shm_settings.log_off)
		log_size = shm_settings.log_size / SHM_PAGE * SHM_PAGE;
	if (shm_create(path, name, log_size, ctr_space_estimate(global.nbthread),
		       shm_settings.mode) < 0)
		return -1;
	if (!hooked) {
		thread_register_hook(&shm_hook);
		hooked = 1;
	}
	return 0;
}

void shm_set_master_pid(void)
{
	if (!seg.head)
		return;
	pthread_mutex_lock(&seg.lock);
	img_head()->master_pid = (int64_t)getpid();
	__atomic_store_n(&seg.head->master_pid, (int64_t)getpid(), __ATOMIC_RELEASE);
	pthread_mutex_unlock(&seg.lock);
}

void shm_close(void)
{
	if (!seg.base)
		return;
	slog_detach();
	ctr_reset();
	seg.base = NULL;              /* first: a fault there is no longer ours */
	__atomic_signal_fence(__ATOMIC_SEQ_CST);
	munmap(seg.head, seg.size);
	munmap(seg.img, seg.size);
	close(seg.fd);                /* and with it the lock */
	free(seg.path);
	seg.fd = -1;
	seg.img = NULL;
	seg.head = NULL;
	seg.path = NULL;
	seg.size = 0;
}

/* ------------------------------------------------------------ sections */

/* The allocator walks and changes the image's headers (never the file's:
 * a truncated file may fault, a damaged one lie) and pushes them. */
static struct shm_section *sect_at(uint64_t off)
{
	return off ? (struct shm_section *)(seg.img + off) : NULL;
}

static uint64_t sect_off(const struct shm_section *s)
{
	return (uint64_t)((const char *)s - seg.img);
}

static int reusable(const struct shm_section *s, int64_t now)
{
	return s->class == SHM_CLASS_FREE ||
	       (s->class == SHM_CLASS_COOL && now >= s->cool_until);
}

struct shm_section *shm_section_alloc(uint32_t class, const char *type,
				      const char *ident, size_t len)
{
	return shm_section_alloc_init(class, type, ident, len, NULL, NULL);
}

struct shm_section *shm_section_alloc_init(uint32_t class, const char *type,
					   const char *ident, size_t len,
					   void (*init)(void *payload, void *arg), void *arg)
{
	struct shm_section *s, *t, *found = NULL;
	uint64_t need = (len + SHM_ALIGN - 1) / SHM_ALIGN * SHM_ALIGN, avail = 0;
	int64_t now;

	ASSERT(class != SHM_CLASS_FREE && class != SHM_CLASS_COOL);
	if (!seg.base)
		return NULL;
	if (!need)
		need = SHM_ALIGN;
	pthread_mutex_lock(&seg.lock);
	now = shm_now(0);
	/* first fit over runs of reusable neighbours */
	for (s = sect_at(img_head()->first_section); s; s = t) {
		uint64_t end;

		t = sect_at(s->next);
		if (!reusable(s, now))
			continue;
		end = sect_off(s) + SECT_HDR + s->len;
		while (t && reusable(t, now)) {
			end = sect_off(t) + SECT_HDR + t->len;
			t = sect_at(t->next);
		}
		avail = end - sect_off(s) - SECT_HDR;
		if (avail >= need) {
			found = s;
			break;
		}
	}
	if (!found) {
		pthread_mutex_unlock(&seg.lock);
		return NULL;
	}
	s = found;
	begin_change();
	s->next = t ? sect_off(t) : 0;            /* merge the run */
	s->len = avail;
	if (avail - need >= SECT_HDR + SHM_ALIGN) {
		struct shm_section *rest = (struct shm_section *)((char *)s + SECT_HDR + need);

		memset(rest, 0, SECT_HDR);
		rest->magic = SHM_SECT_MAGIC;
		rest->class = SHM_CLASS_FREE;
		rest->next = s->next;
		rest->len = avail - need - SECT_HDR;
		s->next = sect_off(rest);
		s->len = need;
		push(sect_off(rest), SECT_HDR);
	}
	img_zero(shm_section_payload(s), s->len);
	if (init)
		init(shm_section_payload(s), arg);
	put_field(s->type, sizeof(s->type), type);
	put_field(s->ident, sizeof(s->ident), ident);
	s->cool_until = 0;
	s->magic = SHM_SECT_MAGIC;
	s->class = class;
	push(sect_off(s), SECT_HDR + s->len);
	end_change();
	pthread_mutex_unlock(&seg.lock);
	return (struct shm_section *)(seg.base + sect_off(s));
}

void shm_section_free(struct shm_section *s)
{
	uint64_t off;

	if (!s || !seg.base)
		return;
	off = (uint64_t)((char *)s - seg.base);
	ASSERT(off >= sizeof(struct shm_head) && off < seg.size);
	s = sect_at(off);
	ASSERT(s->magic == SHM_SECT_MAGIC && s->class != SHM_CLASS_FREE &&
	       s->class != SHM_CLASS_COOL);
	pthread_mutex_lock(&seg.lock);
	begin_change();
	s->cool_until = shm_now(1) + SHM_COOL_SECONDS;
	s->class = SHM_CLASS_COOL;
	push(off, SECT_HDR);
	end_change();
	pthread_mutex_unlock(&seg.lock);
}

/* ------------------------------------------------------------ start-up */

static int shm_init_hook(void)
{
	return shm_init(global.instance);
}
INIT_REGISTER(shm, INIT_PREPARE, INIT_ORDER_SHM, shm_init_hook);

/* after -D forked: readers look for the running pid there */
static int shm_owner_hook(void)
{
	shm_set_master_pid();
	return 0;
}
INIT_REGISTER(shm_owner, INIT_OWNER, INIT_ORDER_SHM, shm_owner_hook);
