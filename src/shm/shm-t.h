/* shm-t.h: the layout of the shared-memory segment file (format version 2).
 * This header is the contract between the writer (sluice, src/shm/) and the
 * readers (libsluice, lib/). Everything is little-endian native x86-64/
 * aarch64 layout, naturally aligned; offsets are from the file start.
 * doc/shm-format.md is the prose version and must follow any change here.
 *
 * The writer holds an OFD write lock (F_OFD_SETLK) on the whole file for
 * its life: that lock, not master_pid, says the file is in use.
 *
 * File: [struct shm_head][section][section]...  (a singly linked list of
 * sections through shm_section.next, in address order; the space is
 * allocated at creation with a fixed size and carved into sections). */
#ifndef SLUICE_SHM_SHM_T_H
#define SLUICE_SHM_SHM_T_H

#include <stdint.h>
#ifdef __SSE2__
#include <emmintrin.h>
#endif

#define SHM_MAGIC        "SLUICE-SHM\0\0\0\0\0"   /* 16 bytes */
#define SHM_VERSION      2U
#define SHM_SECT_MAGIC   0x54434553U              /* "SECT" */
#define SHM_NAME_LEN     64
#define SHM_COOL_SECONDS 10                        /* min delay before reuse */

struct shm_head {
	char magic[16];              /* SHM_MAGIC */
	uint32_t version;            /* SHM_VERSION: readers refuse others */
	uint32_t head_size;          /* sizeof(struct shm_head) */
	uint64_t file_size;          /* bytes mapped */
	int64_t master_pid;          /* writer process, for messages: whether it
	                              * runs is whether the file's lock is held
	                              * (doc/shm-format.md, section 2); stored
	                              * last (release), readers wait while 0 */
	uint64_t alloc_seq;          /* 0 while the section list changes, then a
	                              * new value different from the previous */
	int64_t created;             /* creation time, unix seconds */
	uint64_t first_section;      /* offset of the first section */
	char instance[SHM_NAME_LEN]; /* -n NAME */
	uint64_t reserved[8];
};

/* Section classes (shm_section.class). */
#define SHM_CLASS_FREE     0U    /* unused space */
#define SHM_CLASS_LOG      1U    /* the log ring: struct shm_log */
#define SHM_CLASS_COUNTERS 2U    /* a counters block: struct shm_ctr_head */
#define SHM_CLASS_COOL     3U    /* freed, not reusable before cool_until */

struct shm_section {
	uint32_t magic;              /* SHM_SECT_MAGIC */
	uint32_t class;              /* SHM_CLASS_* */
	uint64_t next;               /* offset of the next section, 0 = last */
	uint64_t len;                /* payload bytes after this header */
	int64_t cool_until;          /* COOL: first unix second at which the
	                              * space may be reused (>= free + 10 s) */
	char type[32];               /* counters: "frontend", "backend", "listen",
	                              * "server", "thread", "pool"; log: "log" */
	char ident[SHM_NAME_LEN];    /* "www", "app/srv1", "buffer", "3" */
	uint64_t reserved[2];
	/* payload follows, 64-byte aligned */
} __attribute__((aligned(64)));

/* ---- the log ring ----
 *
 * A ring of 8-byte words. Records are whole words:
 *   word 0: header = (uint64_t)marker << 32 | tag << 24 | len
 *           len: payload bytes (< 2^24), tag: SL_TAG_* (1..255), marker:
 *           the low 32 bits of (record position / 8) + 1 ("lap stamp"),
 *           so a reader can tell a record written at this lap from a stale
 *           one; the header word is stored last, with release order.
 *   word 1: (uint64_t)vxid << 32 | flags << 16 | check (SL_F_* flags;
 *           check: shm_log_check() of the record, which lets a reader
 *           reject a record whose words a stalled writer of an older lap
 *           overwrote after it was published)
 *   words 2..: payload, len bytes, zero-padded to a word.
 * Special tag 0 = WRAP: the rest of the ring up to its end is skipped
 * (written when a reservation would cross the end). A WRAP record is the
 * header word alone (len 0, no word 1): it may sit in the ring's last word.
 * Positions are 64-bit byte counters that only grow; ring offset = pos %
 * ring_size. w_pos is where the next reservation starts (advanced by
 * writers with compare-and-swap, one reservation per batch of records,
 * never crossing the ring's end). A reader at position r has lost records
 * when w_pos - r > ring_size; it resyncs at the oldest segment start still
 * intact: seg_start[] records, for each of the SHM_LOG_SEGS equal segments
 * of the ring, the position of the first record that starts in it in its
 * latest lap (updated by the writers that start records there).
 * doc/shm-format.md gives the reader's algorithm. */
#define SHM_LOG_SEGS 16

/* Record flags (word 1, bits 16..31). */
#define SL_F_CLIENT  0x0001U         /* tag of a client-side transaction (sess, req) */
#define SL_F_BACKEND 0x0002U         /* tag of a backend transaction (bereq) */
#define SL_F_TRUNC   0x0004U         /* the writer truncated the payload */

/* Lap stamp of the record at position <pos>, and header word of a record. */
static inline uint32_t shm_log_marker(uint64_t pos)
{
	return (uint32_t)(pos / 8 + 1);
}

static inline uint64_t shm_log_hdr(uint64_t pos, unsigned tag, uint32_t len)
{
	return (uint64_t)shm_log_marker(pos) << 32 | (uint64_t)(tag & 0xff) << 24 |
	       (len & 0xffffffU);
}

/* The check of word 1 (bits 0..15). With x[0] = the header's low half
 * (tag, len), x[1] = word 1 without its check bits, p[0..] = the payload
 * words (zero-padded): a = x[0] * K + sum of p[even], b = x[1] + sum of
 * p[odd] (mod 2^64), K = 0x9e3779b97f4a7c15; h = a ^ rotl(b, 29); then
 * h ^= h >> 32; h *= 0xd6e8feb86659fd93; h ^= h >> 32; check = (h ^ h >> 16)
 * & 0xffff. A stalled writer's words change a sum: that is all it must
 * catch, at one addition per word for the writer (format version 1 had a
 * multiplication per word). <w0> may carry its marker and <w1> its check:
 * both are masked. */
static inline uint32_t shm_log_check(uint64_t w0, uint64_t w1, const uint64_t *payload,
				     uint32_t len)
{
	uint64_t a = (w0 & 0xffffffffU) * 0x9e3779b97f4a7c15ULL, b = w1 & ~(uint64_t)0xffff;
	uint64_t nw = ((uint64_t)len + 7) / 8, i = 0, h;

#ifdef __SSE2__
	/* the same sums, two words per addition: lane 0 even words, lane 1 odd */
	__m128i s0 = _mm_set_epi64x((long long)b, (long long)a), s1 = _mm_setzero_si128();

	for (; i + 4 <= nw; i += 4) {
		s0 = _mm_add_epi64(s0, _mm_loadu_si128((const __m128i *)(const void *)(payload + i)));
		s1 = _mm_add_epi64(s1, _mm_loadu_si128((const __m128i *)(const void *)(payload + i + 2)));
	}
	s0 = _mm_add_epi64(s0, s1);
	a = (uint64_t)_mm_cvtsi128_si64(s0);
	b = (uint64_t)_mm_cvtsi128_si64(_mm_unpackhi_epi64(s0, s0));
#endif
	for (; i + 2 <= nw; i += 2) {
		a += payload[i];
		b += payload[i + 1];
	}
	if (i < nw)
		a += payload[i];
	h = a ^ (b << 29 | b >> 35);
	h ^= h >> 32;
	h *= 0xd6e8feb86659fd93ULL;
	h ^= h >> 32;
	return (uint32_t)((h ^ h >> 16) & 0xffff);
}

/* Size in bytes of a record with a <len>-byte payload (not WRAP). */
static inline uint64_t shm_log_rec_size(uint32_t len)
{
	return 16 + (((uint64_t)len + 7) & ~(uint64_t)7);
}

struct shm_log {
	uint64_t ring_size;          /* bytes, a multiple of 8 * SHM_LOG_SEGS */
	uint64_t w_pos;              /* next write position (atomic) */
	uint64_t seg_start[SHM_LOG_SEGS]; /* positions, see above; 0 = none yet */
	uint64_t records;            /* records published since creation (a
	                              * batch is added after its headers) */
	uint64_t reserved[5];
	/* ring follows, 64-byte aligned */
} __attribute__((aligned(64)));

/* ---- counters ----
 *
 * A counters section holds one block: a description of its fields then
 * nb_threads rows of nb_fields uint64_t (per-thread values; readers sum
 * the rows; gauges are stored in row 0 only). Writers write their own row
 * without atomics. */
#define SHM_CTR_NAME_LEN 32
#define SHM_CTR_DOC_LEN  96

#define SHM_CTR_COUNTER 0U           /* monotonic, summed over threads */
#define SHM_CTR_GAUGE   1U           /* current value, row 0 */

struct shm_ctr_field {
	char name[SHM_CTR_NAME_LEN];  /* "requests" */
	char doc[SHM_CTR_DOC_LEN];    /* one line */
	uint32_t kind;                /* SHM_CTR_COUNTER / SHM_CTR_GAUGE */
	uint32_t flags;               /* SHM_CTR_F_*; 0 = applies everywhere */
};

/* shm_ctr_field.flags: the sides of a proxy a field applies to. A section of
 * type "frontend" shows the fields with SHM_CTR_F_FE, "backend" those with
 * SHM_CTR_F_BE, "listen" (both sides, one block) each under its side. */
#define SHM_CTR_F_FE    0x1U
#define SHM_CTR_F_BE    0x2U

struct shm_ctr_head {
	uint32_t nb_fields;
	uint32_t nb_threads;
	uint64_t values_off;          /* from the payload start, 64-byte aligned */
	/* struct shm_ctr_field fields[nb_fields]; then values */
};

#endif
