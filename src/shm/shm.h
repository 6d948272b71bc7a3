/* shm.h: the shared-memory segment file (-n NAME): creation at start-up and
 * the allocator of its sections. The layout is shm/shm-t.h; readers'
 * documentation is doc/shm-format.md. */
#ifndef SLUICE_SHM_SHM_H
#define SLUICE_SHM_SHM_H

#include <stddef.h>
#include <stdint.h>
#include "shm/shm-t.h"

#define SHM_NAME_DEFAULT     "sluice"
#define SHM_LOG_SIZE_DEFAULT (8ULL << 20)
#define SHM_LOG_SIZE_MIN     (1ULL << 20)
#define SHM_LOG_SIZE_MAX     (1ULL << 30)
#define SHM_MODE_DEFAULT     0640U

/* Global keywords shm-log, shm-log-size, shm-mode (shm_cfg.c). */
struct shm_settings {
	int log_off;                 /* shm-log off: no log section, no records */
	uint64_t log_size;           /* ring bytes */
	unsigned mode;               /* file mode */
};
extern struct shm_settings shm_settings;

/* Creates the segment of this instance and maps it: <name> is the -n
 * argument (NULL: "sluice"), sized from the loaded configuration
 * (proxies, servers, global.nbthread, pools) and shm_settings. Refuses an
 * instance whose file a running sluice holds (its lock: shm.c). Call once, after the
 * configuration is checked and global.nbthread is final, before threads
 * start. Returns 0, or -1 after printing an [ALERT] naming the file. */
int shm_init(const char *name);

/* Writes the file's path for -n <name> into <buf> (see
 * doc/shm-format.md, "Location"). Returns 0, or -1 with a message in
 * <err>. Creates nothing. */
int shm_path_for(const char *name, char *buf, size_t size, char *err, size_t errlen);

/* The steps of shm_init(), for tests: replaces any file at <path> that no
 * running sluice holds, creates it with a log ring of <log_size> bytes (0: no
 * log; else a multiple of 4096) and <space> bytes for sections, and maps
 * it. The directory must exist. Returns 0 or -1 after printing why. */
int shm_create(const char *path, const char *instance, uint64_t log_size,
	       uint64_t space, unsigned mode);

/* Records the calling process as the file's owner (after daemonizing). */
void shm_set_master_pid(void);

/* Unmaps the segment and lets its lock go (the file stays). For tests and
 * exit paths; nothing may use a section afterwards. */
void shm_close(void);

/* The mapped header, or NULL when no segment exists. */
struct shm_head *shm_head(void);
const char *shm_path(void);

/* Allocates a section of <len> payload bytes (rounded up to 64, zeroed),
 * of class <class> (SHM_CLASS_LOG or SHM_CLASS_COUNTERS) with the given
 * type and ident (truncated to fit). Reuses FREE space and COOL space past
 * its cool_until, merging neighbours and splitting the rest off. alloc_seq
 * reads 0 during the change and a new value after. Thread-safe (a mutex:
 * not for the request path). Returns NULL when no segment exists or no
 * room is left. */
struct shm_section *shm_section_alloc(uint32_t class, const char *type,
				      const char *ident, size_t len);

/* The same, calling <init>(payload, <arg>) on the zeroed payload before
 * the section takes its class and alloc_seq its new value: readers never
 * see the section half described. <init> must not allocate sections. */
struct shm_section *shm_section_alloc_init(uint32_t class, const char *type,
					   const char *ident, size_t len,
					   void (*init)(void *payload, void *arg), void *arg);

/* Frees a section: it turns COOL for SHM_COOL_SECONDS, keeping its type,
 * ident and payload for the readers that still look at it. The caller
 * must not use its payload any more. NULL is ignored. */
void shm_section_free(struct shm_section *s);

static inline void *shm_section_payload(struct shm_section *s)
{
	return (char *)s + sizeof(*s);
}

/* Looks at the file (thread 0 does it every second): one fstat() and the
 * header. A file truncated under the mapping (a SIGBUS handler has then
 * put private zero pages there, at the same address) or with a damaged
 * header is recreated from the writer's image under the same path, mapped
 * at the same address, said once on stderr and counted in thread 0's
 * shm_recreated. Returns 1 when it recreated the file, 0 when there was
 * nothing to do (or not yet), -1 when it could not (tried again next
 * time; the segment lives in private memory meanwhile). Call it from one
 * thread only. */
int shm_check(void);

/* Clock of the cool period, unix seconds (tests inject one; NULL: time()). */
void shm_set_clock(int64_t (*now)(void));

#endif
