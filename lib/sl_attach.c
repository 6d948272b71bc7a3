/* sl_attach.c: libsluice's instance handling: names to paths, mapping and
 * validating a segment file, the section list, following restarts.
 *
 * Life of an attachment:
 *   sl_open()    resolve the name, open + fstat + mmap read-only, check the
 *                header (magic, version, sizes), read the section list;
 *   sl_check()   stat the path: another st_dev/st_ino is a restart (attach
 *                the new file, then drop the old mapping); same file: check
 *                it did not shrink (a read past its end would be SIGBUS),
 *                re-read the section list if alloc_seq moved;
 *   sl_close()   unmap.
 * A file found truncated under the mapping is marked broken and never read
 * again: every later call returns SL_ECORRUPT. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "sl_int.h"

/* ---------------------------------------------------------------- errors */

static __thread char sli_errbuf[1024] = "no error";

int sli_err(int code, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(sli_errbuf, sizeof(sli_errbuf), fmt, ap);
	va_end(ap);
	return code;
}

const char *sl_last_error(void)
{
	return sli_errbuf;
}

const char *sl_strerror(int err)
{
	switch (err) {
	case 0:            return "success";
	case SL_ENOENT:    return "no such instance";
	case SL_EVERSION:  return "unsupported format version";
	case SL_ECORRUPT:  return "corrupt or truncated file";
	case SL_ESYS:      return "system error";
	case SL_ETIMEDOUT: return "timed out";
	case SL_ENOMEM:    return "out of memory";
	case SL_EINVAL:    return "invalid argument";
	case SL_EBUSY:     return "section list kept changing";
	case SL_ENOTREADY: return "instance not initialized yet";
	case SL_ENOLOG:    return "no log section";
	default:           return "unknown error";
	}
}

const char *sl_version(void)
{
	return SL_LIB_VERSION;
}

int sl_api_version(void)
{
	return SL_API_VERSION;
}

/* ----------------------------------------------------------------- utils */

double sli_mono(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

void sli_sleep(double seconds)
{
	struct timespec ts;

	if (seconds <= 0)
		return;
	ts.tv_sec = (time_t)seconds;
	ts.tv_nsec = (long)((seconds - (double)ts.tv_sec) * 1e9);
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

/* A pid we cannot judge (<= 0, not written yet) counts as alive. */
int sli_pid_alive(int64_t pid)
{
	if (pid <= 0 || pid > INT32_MAX)
		return 1;
	return kill((pid_t)pid, 0) == 0 || errno == EPERM;
}

/* The writer holds a write lock on the whole file for as long as it runs
 * (doc/shm-format.md, "Life of the file"): asked with F_OFD_GETLK, which
 * takes nothing, so that a reader never keeps a starting sluice from
 * replacing a stale file. A pid says nothing certain (0, garbage, or
 * reused by another program after a crash); it decides only where the
 * file system has no such locks. */
int sli_writer_alive(int fd, int64_t pid)
{
	struct flock fl;

	memset(&fl, 0, sizeof(fl));
	fl.l_type = F_RDLCK;
	fl.l_whence = SEEK_SET;
	if (fd >= 0 && fcntl(fd, F_OFD_GETLK, &fl) == 0)
		return fl.l_type != F_UNLCK;
	return sli_pid_alive(pid);
}

void sli_copy_str(char *dst, size_t dstsz, const char *src, size_t srcsz)
{
	size_t n = strnlen(src, srcsz);

	if (n >= dstsz)
		n = dstsz - 1;
	memcpy(dst, src, n);
	dst[n] = 0;
}

/* ----------------------------------------------------------------- names */

static int name_ok(const char *name)
{
	size_t n = strlen(name);

	if (n == 0 || n >= SHM_NAME_LEN || name[0] == '.')
		return 0;
	for (const char *p = name; *p; p++) {
		if (!((*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') ||
		      (*p >= '0' && *p <= '9') || *p == '.' || *p == '_' ||
		      *p == '-'))
			return 0;
	}
	return 1;
}

int sl_resolve(const char *name, char *buf, size_t size)
{
	const char *xdg;
	int n;

	if (!name || !*name)
		name = "sluice";
	if (strchr(name, '/')) {
		n = snprintf(buf, size, "%s", name);
	} else if (!name_ok(name)) {
		return sli_err(SL_EINVAL, "bad instance name '%s': use 1 to %d "
			       "letters, digits, '.', '_' or '-', not starting "
			       "with '.' (or a path containing '/')",
			       name, SHM_NAME_LEN - 1);
	} else if (geteuid() == 0) {
		n = snprintf(buf, size, "/run/sluice/%s", name);
	} else if ((xdg = getenv("XDG_RUNTIME_DIR")) && xdg[0] == '/') {
		n = snprintf(buf, size, "%s/sluice/%s", xdg, name);
	} else {
		n = snprintf(buf, size, "/tmp/sluice-%u/%s",
			     (unsigned)geteuid(), name);
	}
	if (n < 0 || (size_t)n >= size)
		return sli_err(SL_EINVAL, "instance path for '%s' is too long",
			       name);
	return 0;
}

/* ------------------------------------------------------------ the header */

static int all_zero(const unsigned char *p, size_t n)
{
	while (n--)
		if (*p++)
			return 0;
	return 1;
}

static void map_release(struct sli_map *m)
{
	if (m->base)
		munmap((void *)m->base, m->size);
	if (m->fd >= 0)
		close(m->fd);
	m->base = NULL;
	m->fd = -1;
}

/* Open, check and map path. The header is checked before anything else is
 * looked at: magic, version (other versions may have another layout),
 * then the sizes against what fstat says. */
static int map_open(const char *path, struct sli_map *m)
{
	unsigned char head[sizeof(struct shm_head)];
	const struct shm_head *h;
	struct stat st;
	ssize_t got;
	void *p;

	m->fd = -1;
	m->base = NULL;
	m->fd = open(path, O_RDONLY | O_CLOEXEC);
	if (m->fd < 0) {
		if (errno == ENOENT)
			return sli_err(SL_ENOENT, "%s does not exist", path);
		return sli_err(SL_ESYS, "%s: cannot open: %s", path,
			       strerror(errno));
	}
	if (fstat(m->fd, &st) < 0) {
		int e = errno;

		map_release(m);
		return sli_err(SL_ESYS, "%s: fstat: %s", path, strerror(e));
	}
	if (!S_ISREG(st.st_mode)) {
		map_release(m);
		return sli_err(SL_EINVAL, "%s: not a regular file", path);
	}
	m->dev = st.st_dev;
	m->ino = st.st_ino;
	if (st.st_size == 0) {
		map_release(m);
		return sli_err(SL_ENOTREADY, "%s: empty file (not initialized "
			       "yet)", path);
	}

	/* The fixed part of the header, by pread: the file may be shorter. */
	memset(head, 0, sizeof(head));
	got = pread(m->fd, head, sizeof(head), 0);
	if (got < 0) {
		int e = errno;

		map_release(m);
		return sli_err(SL_ESYS, "%s: read: %s", path, strerror(e));
	}
	h = (const struct shm_head *)head;
	if (all_zero(head, sizeof(h->magic))) {
		map_release(m);
		return sli_err(SL_ENOTREADY, "%s: header not written yet",
			       path);
	}
	if (memcmp(h->magic, SHM_MAGIC, (size_t)got < sizeof(h->magic) ?
		   (size_t)got : sizeof(h->magic))) {
		map_release(m);
		return sli_err(SL_ECORRUPT, "%s: not a sluice shared-memory "
			       "file (bad magic)", path);
	}
	if ((size_t)got < sizeof(*h)) {
		map_release(m);
		return sli_err(SL_ECORRUPT, "%s: truncated: %lld bytes, less "
			       "than the %zu-byte header", path,
			       (long long)st.st_size, sizeof(*h));
	}
	if (h->version != SHM_VERSION) {
		map_release(m);
		return sli_err(SL_EVERSION, "%s: format version %u, this "
			       "library reads %u", path, h->version,
			       SHM_VERSION);
	}
	if (h->head_size < sizeof(*h) || h->head_size % 8 ||
	    h->head_size > (uint64_t)st.st_size) {
		map_release(m);
		return sli_err(SL_ECORRUPT, "%s: corrupt header: head_size %u "
			       "(file is %lld bytes)", path, h->head_size,
			       (long long)st.st_size);
	}
	if (h->file_size > (uint64_t)st.st_size) {
		map_release(m);
		return sli_err(SL_ECORRUPT, "%s: truncated: the header says "
			       "%llu bytes, the file has %lld", path,
			       (unsigned long long)h->file_size,
			       (long long)st.st_size);
	}
	if (h->file_size < h->head_size) {
		map_release(m);
		return sli_err(SL_ECORRUPT, "%s: corrupt header: file_size "
			       "%llu is smaller than the header", path,
			       (unsigned long long)h->file_size);
	}
	if (h->master_pid == 0) {
		/* stored last by the writer: the file is being set up */
		map_release(m);
		return sli_err(SL_ENOTREADY, "%s: being set up by its writer "
			       "(master_pid 0)", path);
	}
	p = mmap(NULL, h->file_size, PROT_READ, MAP_SHARED, m->fd, 0);
	if (p == MAP_FAILED) {
		int e = errno;

		map_release(m);
		return sli_err(SL_ESYS, "%s: mmap: %s", path, strerror(e));
	}
	m->base = p;
	m->size = h->file_size;
	return 0;
}

static const struct shm_head *head_of(const struct sl_shm *shm)
{
	return (const struct shm_head *)shm->map.base;
}

/* ------------------------------------------------------ the section list */

/* Walk the list once into *out. Returns 0 or SL_ECORRUPT / SL_ENOMEM. */
static int sections_walk(const struct sl_shm *shm, struct sli_sect **out,
			 size_t *nout)
{
	const struct shm_head *h = head_of(shm);
	uint64_t size = shm->map.size;
	uint64_t off = __atomic_load_n(&h->first_section, __ATOMIC_RELAXED);
	struct sli_sect *v = NULL;
	size_t n = 0, cap = 0;
	uint64_t min = h->head_size;

	*out = NULL;
	*nout = 0;
	if (off == 0)
		return 0;
	while (off) {
		const struct shm_section *s;
		uint64_t next, len, room;
		uint32_t magic;

		if (off < min || off % 64 || off > size ||
		    size - off < sizeof(*s)) {
			free(v);
			return sli_err(SL_ECORRUPT, "%s: corrupt section list: "
				       "section offset %llu is outside the "
				       "file or misplaced (file %llu bytes)",
				       shm->path, (unsigned long long)off,
				       (unsigned long long)size);
		}
		s = (const struct shm_section *)(shm->map.base + off);
		magic = __atomic_load_n(&s->magic, __ATOMIC_RELAXED);
		if (magic != SHM_SECT_MAGIC) {
			free(v);
			return sli_err(SL_ECORRUPT, "%s: corrupt section at "
				       "offset %llu: bad magic 0x%08x",
				       shm->path, (unsigned long long)off,
				       magic);
		}
		len = __atomic_load_n(&s->len, __ATOMIC_RELAXED);
		next = __atomic_load_n(&s->next, __ATOMIC_RELAXED);
		room = size - off - sizeof(*s);
		if (len > room) {
			free(v);
			return sli_err(SL_ECORRUPT, "%s: corrupt section at "
				       "offset %llu: length %llu runs past the "
				       "end of the file (%llu bytes)",
				       shm->path, (unsigned long long)off,
				       (unsigned long long)len,
				       (unsigned long long)size);
		}
		if (n == cap) {
			size_t ncap = cap ? cap * 2 : 16;
			struct sli_sect *nv = realloc(v, ncap * sizeof(*v));

			if (!nv) {
				free(v);
				return sli_err(SL_ENOMEM, "out of memory");
			}
			v = nv;
			cap = ncap;
		}
		v[n].off = off;
		v[n].payload = off + sizeof(*s);
		v[n].len = len;
		v[n].class_ = __atomic_load_n(&s->class, __ATOMIC_RELAXED);
		v[n].cool_until = __atomic_load_n(&s->cool_until,
						  __ATOMIC_RELAXED);
		sli_copy_str(v[n].type, sizeof(v[n].type), s->type,
			     sizeof(s->type));
		sli_copy_str(v[n].ident, sizeof(v[n].ident), s->ident,
			     sizeof(s->ident));
		n++;
		/* address order: the list cannot loop */
		min = off + sizeof(*s) + len;
		off = next;
	}
	*out = v;
	*nout = n;
	return 0;
}

/* Validate the log section (if any) and point shm at its ring. */
static int log_setup(struct sl_shm *shm)
{
	const struct shm_log *old = shm->log;
	uint64_t old_size = shm->ring_size;

	shm->log = NULL;
	shm->ring = NULL;
	shm->ring_size = 0;
	for (size_t i = 0; i < shm->nsects; i++) {
		const struct sli_sect *s = &shm->sects[i];
		const struct shm_log *lg;
		uint64_t rs;

		if (s->class_ != SHM_CLASS_LOG)
			continue;
		if (s->len < sizeof(*lg))
			return sli_err(SL_ECORRUPT, "%s: corrupt log section at "
				       "offset %llu: %llu bytes, too small for "
				       "its header", shm->path,
				       (unsigned long long)s->off,
				       (unsigned long long)s->len);
		lg = (const struct shm_log *)(shm->map.base + s->payload);
		rs = sli_load_relaxed(&lg->ring_size);
		if (rs == 0 || rs % (8 * SHM_LOG_SEGS) ||
		    rs > s->len - sizeof(*lg))
			return sli_err(SL_ECORRUPT, "%s: corrupt log section at "
				       "offset %llu: ring size %llu (must be a "
				       "non-zero multiple of %d that fits the "
				       "%llu-byte section)", shm->path,
				       (unsigned long long)s->off,
				       (unsigned long long)rs,
				       8 * SHM_LOG_SEGS,
				       (unsigned long long)s->len);
		shm->log = lg;
		shm->ring = (const uint64_t *)(lg + 1);
		shm->ring_size = rs;
		break;
	}
	if (shm->log != old || shm->ring_size != old_size)
		shm->log_gen++;
	return 0;
}

/* Read the section list while alloc_seq is stable and non-zero. Waits up
 * to a second for a change to finish unless SL_OPEN_NOWAIT. */
int sli_sections_refresh(struct sl_shm *shm)
{
	const struct shm_head *h = head_of(shm);
	double deadline = -1;
	int ret = 0;

	for (;;) {
		struct sli_sect *v;
		size_t n;
		uint64_t seq1, seq2;

		seq1 = __atomic_load_n(&h->alloc_seq, __ATOMIC_ACQUIRE);
		if (seq1 != 0) {
			ret = sections_walk(shm, &v, &n);
			__atomic_thread_fence(__ATOMIC_ACQUIRE);
			seq2 = __atomic_load_n(&h->alloc_seq, __ATOMIC_ACQUIRE);
			if (seq2 == seq1) {
				if (ret < 0)
					return ret;
				free(shm->sects);
				shm->sects = v;
				shm->nsects = n;
				shm->alloc_seq = seq1;
				return log_setup(shm);
			}
			free(v);       /* changed while walking: again */
		}
		if (shm->flags & SL_OPEN_NOWAIT)
			return ret < 0 ? ret : sli_err(SL_EBUSY, "%s: the section "
				"list is being changed (alloc_seq 0)",
				shm->path);
		if (deadline < 0)
			deadline = sli_mono() + 1.0;
		else if (sli_mono() > deadline)
			return ret < 0 ? ret : sli_err(SL_EBUSY, "%s: the section "
				"list kept changing for 1 s (alloc_seq 0 or "
				"moving)", shm->path);
		sli_sleep(0.002);
	}
}

/* ----------------------------------------------------------- attachment */

static void shm_fields_from_head(struct sl_shm *shm)
{
	const struct shm_head *h = head_of(shm);

	shm->master_pid = __atomic_load_n(&h->master_pid, __ATOMIC_RELAXED);
	shm->created = h->created;
	sli_copy_str(shm->instance, sizeof(shm->instance), h->instance,
		     sizeof(h->instance));
}

/* Map path and read its sections into a fresh, unlinked attachment. */
static int attach(struct sl_shm *shm, const char *path)
{
	int ret;

	ret = map_open(path, &shm->map);
	if (ret < 0)
		return ret;
	/* pairs with the writer's release store of master_pid, the last
	 * thing it writes when it sets the file up */
	(void)__atomic_load_n(&head_of(shm)->master_pid, __ATOMIC_ACQUIRE);
	shm_fields_from_head(shm);
	ret = sli_sections_refresh(shm);
	if (ret < 0) {
		map_release(&shm->map);
		free(shm->sects);
		shm->sects = NULL;
		shm->nsects = 0;
		return ret;
	}
	shm->alive = sli_writer_alive(shm->map.fd, shm->master_pid);
	return 0;
}

int sl_open(struct sl_shm **shmp, const char *name, unsigned flags)
{
	char path[4096];
	struct sl_shm *shm;
	int ret;

	*shmp = NULL;
	if (!name || !*name)
		name = "sluice";
	ret = sl_resolve(name, path, sizeof(path));
	if (ret < 0)
		return ret;
	shm = calloc(1, sizeof(*shm));
	if (!shm)
		return sli_err(SL_ENOMEM, "out of memory");
	shm->magic = SLI_SHM_MAGIC;
	shm->flags = flags;
	shm->map.fd = -1;
	shm->name = strdup(name);
	shm->path = strdup(path);
	if (!shm->name || !shm->path) {
		sl_close(&shm);
		return sli_err(SL_ENOMEM, "out of memory");
	}
	ret = attach(shm, path);
	if (ret < 0) {
		if (ret == SL_ENOENT && strchr(name, '/'))
			sli_err(ret, "instance file %s does not exist (is "
				"sluice running with -n %s?)", path, name);
		else if (ret == SL_ENOENT)
			sli_err(ret, "instance '%s' not found: %s does not "
				"exist (is sluice running with -n %s?)", name,
				path, name);
		sl_close(&shm);
		return ret;
	}
	*shmp = shm;
	return 0;
}

int sl_open_wait(struct sl_shm **shmp, const char *name, unsigned flags,
		 double timeout)
{
	double deadline = timeout >= 0 ? sli_mono() + timeout : 0;

	for (;;) {
		int ret = sl_open(shmp, name, flags);

		if (ret != SL_ENOENT && ret != SL_ENOTREADY && ret != SL_EBUSY)
			return ret;
		if (timeout >= 0 && sli_mono() >= deadline) {
			char detail[sizeof(sli_errbuf)];

			if (timeout == 0)
				return ret;
			snprintf(detail, sizeof(detail), "%s", sli_errbuf);
			return sli_err(SL_ETIMEDOUT, "gave up after %g s: %s",
				       timeout, detail);
		}
		sli_sleep(0.1);
	}
}

void sl_close(struct sl_shm **shmp)
{
	struct sl_shm *shm = *shmp;

	if (!shm)
		return;
	map_release(&shm->map);
	free(shm->sects);
	free(shm->name);
	free(shm->path);
	shm->magic = 0;
	free(shm);
	*shmp = NULL;
}

/* Replace shm's file by the one now at its path. */
static int reattach(struct sl_shm *shm)
{
	struct sl_shm fresh;
	int ret;

	memset(&fresh, 0, sizeof(fresh));
	fresh.magic = SLI_SHM_MAGIC;
	fresh.flags = shm->flags | SL_OPEN_NOWAIT;
	fresh.path = shm->path;
	fresh.map.fd = -1;
	ret = attach(&fresh, shm->path);
	if (ret < 0)
		return ret;
	map_release(&shm->map);
	free(shm->sects);
	shm->map = fresh.map;
	shm->sects = fresh.sects;
	shm->nsects = fresh.nsects;
	shm->alloc_seq = fresh.alloc_seq;
	shm->log = fresh.log;
	shm->ring = fresh.ring;
	shm->ring_size = fresh.ring_size;
	shm->master_pid = fresh.master_pid;
	shm->created = fresh.created;
	memcpy(shm->instance, fresh.instance, sizeof(shm->instance));
	shm->alive = fresh.alive;
	shm->broken = 0;
	shm->generation++;
	shm->log_gen++;
	return 0;
}

int sl_check(struct sl_shm *shm)
{
	const struct shm_head *h;
	struct stat st;
	uint64_t seq;
	int ret;

	if (stat(shm->path, &st) < 0) {
		if (errno != ENOENT)
			return sli_err(SL_ESYS, "%s: stat: %s", shm->path,
				       strerror(errno));
		shm->alive = 0;
		return SL_CHECK_STOPPED;
	}
	if (st.st_dev != shm->map.dev || st.st_ino != shm->map.ino) {
		ret = reattach(shm);
		if (ret == 0)
			return SL_CHECK_RESTARTED;
		if (ret == SL_ENOTREADY || ret == SL_EBUSY || ret == SL_ENOENT) {
			/* the new file is being made: look again later */
			if (shm->broken)
				return SL_CHECK_STOPPED;
			shm->alive = sli_writer_alive(shm->map.fd,
						       shm->master_pid);
			return shm->alive ? SL_CHECK_SAME : SL_CHECK_STOPPED;
		}
		return ret;
	}
	if (shm->broken)
		return sli_err(SL_ECORRUPT, "%s: the file was truncated while "
			       "attached; not reading it again", shm->path);
	if (fstat(shm->map.fd, &st) < 0)
		return sli_err(SL_ESYS, "%s: fstat: %s", shm->path,
			       strerror(errno));
	if ((uint64_t)st.st_size < shm->map.size) {
		shm->broken = 1;
		return sli_err(SL_ECORRUPT, "%s: truncated while attached: "
			       "now %lld bytes, was %zu", shm->path,
			       (long long)st.st_size, shm->map.size);
	}
	h = head_of(shm);
	if (memcmp(h->magic, SHM_MAGIC, sizeof(h->magic)) ||
	    h->version != SHM_VERSION) {
		shm->broken = 1;
		return sli_err(SL_ECORRUPT, "%s: the header was overwritten "
			       "while attached", shm->path);
	}
	shm_fields_from_head(shm);
	shm->alive = sli_writer_alive(shm->map.fd, shm->master_pid);
	seq = __atomic_load_n(&h->alloc_seq, __ATOMIC_ACQUIRE);
	if (seq != 0 && seq != shm->alloc_seq) {
		unsigned flags = shm->flags;

		shm->flags |= SL_OPEN_NOWAIT;   /* never block a follower */
		ret = sli_sections_refresh(shm);
		shm->flags = flags;
		if (ret == SL_EBUSY)
			return SL_CHECK_SAME;   /* again at the next check */
		if (ret < 0)
			return ret;
		return SL_CHECK_SECTIONS;
	}
	return shm->alive ? SL_CHECK_SAME : SL_CHECK_STOPPED;
}

void sl_info(const struct sl_shm *shm, struct sl_info *info)
{
	info->name = shm->name;
	info->path = shm->path;
	info->instance = shm->instance;
	info->master_pid = shm->master_pid;
	info->created = shm->created;
	info->file_size = shm->map.size;
	info->alloc_seq = shm->alloc_seq;
	info->generation = shm->generation;
	info->alive = shm->alive;
}

size_t sl_section_count(const struct sl_shm *shm)
{
	return shm->nsects;
}

int sl_section_get(const struct sl_shm *shm, size_t i, struct sl_section *s)
{
	const struct sli_sect *p;

	if (i >= shm->nsects)
		return sli_err(SL_EINVAL, "section %zu out of range (%zu)", i,
			       shm->nsects);
	p = &shm->sects[i];
	s->class_ = p->class_;
	s->type = p->type;
	s->ident = p->ident;
	s->offset = p->off;
	s->len = p->len;
	s->cool_until = p->cool_until;
	return 0;
}
