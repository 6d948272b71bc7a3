/* pool_dbg.h: what pool.c and pool_cfg.c ask of the debugging layer
 * (pool_dbg.c). Internal to src/mem/: other rooms use mem/pool.h. */
#ifndef SLUICE_MEM_POOL_DBG_H
#define SLUICE_MEM_POOL_DBG_H

#include <stddef.h>
#include <stdio.h>
#include "mem/pool-t.h"

/* The caller area of the trailer (POOL_DBG_CALLER): the call sites and the
 * return addresses inside the functions that called pool_alloc/pool_free. */
struct pool_trace {
	const struct pool_caller *alloc_loc;
	const void *alloc_ra;
	const struct pool_caller *free_loc;
	const void *free_ra;
};

/* Poison byte for the pools laid out from now on (poison[=BYTE]). */
extern unsigned char pool_poison_byte;

/* Set <ph>'s flags, trailer offsets and stride for <flags> (pool.c). The
 * pool must have no object yet. */
void pool_layout(struct pool_head *ph, unsigned flags);

/* Where a free object's links are: in the object, or in its trailer. */
static inline struct pool_item *pool_item_of(const struct pool_head *ph, void *obj)
{
	return (struct pool_item *)((char *)obj + ph->link_off);
}

static inline void *pool_obj_of(const struct pool_head *ph, struct pool_item *it)
{
	return (char *)it - ph->link_off;
}

/* Checks and marks, called only when ph->flags != 0. on_alloc runs once the
 * object is out of the caches (fresh: it just came from the system), on_free
 * before it enters them (or goes back to the system in no-cache mode),
 * on_release when a cached object goes back to the system. A fault is
 * reported and aborts the process. <ra> is a return address inside the
 * function that called pool_alloc()/pool_free(). */
void pool_dbg_on_alloc(struct pool_head *ph, void *obj, int fresh,
		       const struct pool_caller *caller, const void *ra);
void pool_dbg_on_free(struct pool_head *ph, void *obj,
		      const struct pool_caller *caller, const void *ra);
void pool_dbg_on_release(struct pool_head *ph, void *obj);

/* Options of the "pool-debug" keyword (pool_cfg.c): "opt[,opt...]" added to
 * those of the previous lines. Returns 0, 1 for "help", or -1 with a message
 * in <err>. */
int pool_debug_cfg(const char *opts, char *err, size_t errlen);
/* Forget the configuration's options (cfg_deinit). */
void pool_debug_cfg_reset(void);
/* One line per option, for "help" and the error messages. */
void pool_debug_help(FILE *f);

#endif
