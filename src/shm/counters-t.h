/* counters-t.h: the per-thread counter structs, generated from
 * shm/counters-tbl.h. An object's counters are rows of such a struct, one
 * per worker thread, in a counters block of the shared memory: thread <t>
 * writes row t (obj->ctr[tid].field++) without atomics; readers sum. */
#ifndef SLUICE_SHM_COUNTERS_T_H
#define SLUICE_SHM_COUNTERS_T_H

#include <stdint.h>

/* Table flags (CTR_FE and CTR_BE are also the shared-memory flags). */
#define CTR_FE   0x001U     /* SHM_CTR_F_FE: frontend side of a proxy */
#define CTR_BE   0x002U     /* SHM_CTR_F_BE: backend side of a proxy */
#define CTR_STAT 0x100U     /* reported by "show stat" */

#define CTR_MEMBER_(name, kind, flags, live, doc, doc_be) uint64_t name;
#define CTR_ARRAY_(member, n)                             uint64_t member[n];
#define CTR_ELEM_(member, idx, name, kind, flags, live, doc, doc_be)

/* frontends and backends (struct proxy: ctr) */
struct px_counters {
#define PX_CTR       CTR_MEMBER_
#define PX_CTR_ARRAY CTR_ARRAY_
#define PX_CTR_ELEM  CTR_ELEM_
#include "shm/counters-tbl.h"
#undef PX_CTR
#undef PX_CTR_ARRAY
#undef PX_CTR_ELEM
};

/* servers (struct server: ctr) */
struct srv_counters {
#define SRV_CTR       CTR_MEMBER_
#define SRV_CTR_ARRAY CTR_ARRAY_
#define SRV_CTR_ELEM  CTR_ELEM_
#include "shm/counters-tbl.h"
#undef SRV_CTR
#undef SRV_CTR_ARRAY
#undef SRV_CTR_ELEM
};

/* worker threads (thr_ctr()) */
struct thr_counters {
#define THR_CTR CTR_MEMBER_
#include "shm/counters-tbl.h"
#undef THR_CTR
};

/* pools (refreshed by counters.c) */
struct pool_counters {
#define POOL_CTR CTR_MEMBER_
#include "shm/counters-tbl.h"
#undef POOL_CTR
};

#undef CTR_MEMBER_
#undef CTR_ARRAY_
#undef CTR_ELEM_

#endif
