/* sl_int.h: libsluice's private types and helpers, for the files of lib/ only.
 *
 * The library reads the segment file described by src/shm/shm-t.h (the only
 * header it takes from sluice's tree). It never trusts the file: every
 * offset and length is checked against the mapped size before use, and
 * values read from the live ring (w_pos, record headers) are only used
 * modulo the ring size validated at attach time. */
#ifndef SLUICE_LIB_SL_INT_H
#define SLUICE_LIB_SL_INT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "sluice/sluice.h"
#include "shm/shm-t.h"

#define SL_LIB_VERSION "1.0.0"

/* magic numbers of the library's objects, checked on entry */
#define SLI_SHM_MAGIC    0x534c5348U   /* "SLSH" */
#define SLI_CURSOR_MAGIC 0x534c4355U   /* "SLCU" */
#define SLI_GROUP_MAGIC  0x534c4752U   /* "SLGR" */
#define SLI_QUERY_MAGIC  0x534c5155U   /* "SLQU" */
#define SLI_CTRS_MAGIC   0x534c4354U   /* "SLCT" */
#define SLI_WRITER_MAGIC 0x534c5752U   /* "SLWR" */

/* What the library keeps of one section: a copy, so a section list being
 * rewritten by the writer never changes what callers hold. */
struct sli_sect {
	uint64_t off;            /* section header, from the file start */
	uint64_t payload;        /* payload offset */
	uint64_t len;            /* payload bytes (checked: fits the file) */
	uint32_t class_;
	int64_t cool_until;
	char type[sizeof(((struct shm_section *)0)->type) + 1];
	char ident[SHM_NAME_LEN + 1];
};

/* One mapped file. */
struct sli_map {
	int fd;
	const unsigned char *base;
	size_t size;             /* bytes mapped = header file_size */
	dev_t dev;
	ino_t ino;
};

struct sl_shm {
	unsigned magic;
	unsigned flags;          /* SL_OPEN_* */
	char *name;              /* as given */
	char *path;
	struct sli_map map;
	int broken;              /* truncated under us: never touch again */
	int alive;
	unsigned generation;     /* +1 per reattach */
	unsigned log_gen;        /* +1 when the log ring moved (reattach) */
	/* copied from the header */
	int64_t master_pid;
	int64_t created;
	uint64_t alloc_seq;
	char instance[SHM_NAME_LEN + 1];
	/* the section list */
	struct sli_sect *sects;
	size_t nsects;
	/* the log ring, if any */
	const struct shm_log *log;
	const uint64_t *ring;
	uint64_t ring_size;      /* validated: multiple of 8 * SHM_LOG_SEGS */
};

/* A cursor: on the ring of an attachment, or on a binary log file. */
struct sl_cursor {
	unsigned magic;
	struct sl_shm *shm;      /* NULL: a file cursor */
	unsigned flags;          /* SL_CURSOR_* */
	unsigned log_gen;        /* shm->log_gen the position belongs to */
	int started;             /* positioned once: later moves are restarts */
	uint64_t pos;            /* ring position (bytes, only grows) */
	char *buf;               /* the last record's payload + NUL */
	size_t bufsz;
	struct sl_cursor_stats st;
	/* lost records estimate: the writer's count of records before pos is
	 * base + seen; r0: its count when the cursor started, less what the
	 * cursor had accounted for (read + lost) by then, so that once caught
	 * up, lost = records - r0 - read exactly */
	uint64_t base, seen;
	int64_t r0;
	/* a record reserved but not published: since when */
	int stalled;
	uint64_t stall_pos;
	double stall_since;
	/* file cursor */
	void *fp;                /* FILE * */
	int own_fp;
	char *fpath;
	/* the records a packed record (ReqHead..., Fmt) expands into, still
	 * to be returned: their payloads are NUL-separated in xbuf */
	struct sli_xrec *xq;
	size_t xn, xi, xcap;
	char *xbuf;
	size_t xbufsz;
};

struct sli_xrec {
	unsigned tag, flags;
	uint32_t vxid, len;
	size_t off;              /* in xbuf */
};

/* sl_expand.c: packed records (heads, Fmt). sli_expand() queues what
 * <rec> stands for (nothing if it does not parse); sli_expanded_next()
 * returns the next queued record. */
int sli_is_packed_tag(unsigned tag);
int sli_expand(struct sl_cursor *c, const struct sl_record *rec);
int sli_expanded_next(struct sl_cursor *c, struct sl_record *rec);

/* sl_file.c */
int sli_file_next(struct sl_cursor *c, struct sl_record *rec);
void sli_file_close(struct sl_cursor *c);
int sli_buf_reserve(struct sl_cursor *c, size_t len);

/* sl_attach.c */
int sli_err(int code, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
int sli_sections_refresh(struct sl_shm *shm);
double sli_mono(void);
void sli_sleep(double seconds);
int sli_pid_alive(int64_t pid);
/* Whether a writer holds the file <fd> (its lock; <pid> where files
 * cannot be locked). */
int sli_writer_alive(int fd, int64_t pid);

/* Atomic loads from the shared map: the writer stores with release
 * order; the reader loads with acquire so what the store published is seen. */
static inline uint64_t sli_load(const uint64_t *p)
{
	return __atomic_load_n(p, __ATOMIC_ACQUIRE);
}

static inline uint64_t sli_load_relaxed(const uint64_t *p)
{
	return __atomic_load_n(p, __ATOMIC_RELAXED);
}

/* Copy a fixed-size, maybe unterminated field from the map. */
void sli_copy_str(char *dst, size_t dstsz, const char *src, size_t srcsz);

/* sl_group.c: the record search used by the query and by sl_txn_find */
int sli_is_header_tag(unsigned tag);

#endif
