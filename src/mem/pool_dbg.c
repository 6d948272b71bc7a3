/* pool_dbg.c: the debugging modes of the pools: their options, the checks
 * on allocation and free, and the report of a fault. The trailer layout is
 * drawn in pool.c; doc/management.md tells what each mode catches and costs.
 *
 * State of the trailer words:        in use            free (cached)
 *   tag  (tag)                       pool_tag(pool)    ~pool_tag(pool)
 *   mark (double-free)               POOL_MARK_USED    POOL_MARK_FREE
 * Objects fresh from the system get the "in use" values; the checks on free
 * expect "in use" and those on allocation from a cache expect "free". */
#include <dlfcn.h>
#include <execinfo.h>
#include <malloc.h>
#include <stdarg.h>
#include <string.h>
#include <unistd.h>
#include "mem/pool.h"
#include "mem/pool_dbg.h"

#define POOL_POISON_DEFAULT 0x50
#define POOL_FILL_BYTE      0xa5          /* integrity: free objects; non-canonical as a pointer */
#define POOL_FILL_WORD      (POOL_FILL_BYTE * 0x0101010101010101ULL)
#define POOL_MARK_USED      0x444553554c4f4f50ULL   /* "POOLUSED" in memory (little endian) */
#define POOL_MARK_FREE      0x454552464c4f4f50ULL   /* "POOLFREE" */
#define POOL_DUMP_MAX       256           /* bytes of hex dump in a report */
/* The canary is the pool's address mixed with this key: pool heads are
 * aligned, and a canary whose first byte is 0 would miss the most common
 * overflow, a string's terminating NUL. */
#define POOL_TAG_KEY        0xc3c3c3c3c3c3c3c3ULL

unsigned pool_debug;
unsigned char pool_poison_byte = POOL_POISON_DEFAULT;

/* ---------------------------------------------------------------- options */

/* The options: one table for the parser, "help" and the messages. */
static const struct pool_dbg_opt {
	const char *name;
	const char *usage;
	unsigned flag;
	const char *help;
} pool_dbg_opts[] = {
	{ "poison", "poison[=BYTE]", POOL_DBG_POISON,
	  "fill objects with BYTE (default 0x50) when allocated: shows missing initialisation" },
	{ "integrity", "integrity", POOL_DBG_INTEGRITY,
	  "fill free objects with a pattern, check it on allocation: use-after-free writes" },
	{ "checksum", "checksum", POOL_DBG_CHECKSUM,
	  "checksum free objects, verify on allocation: use-after-free writes, contents kept" },
	{ "tag", "tag", POOL_DBG_TAG,
	  "canary after each object (its pool's address): overflows, frees into the wrong pool" },
	{ "caller", "caller", POOL_DBG_CALLER,
	  "record the callers of each object's last allocation and last free" },
	{ "double-free", "double-free", POOL_DBG_DOUBLE_FREE,
	  "mark free objects: double frees (with 'caller': same caller or where the first was)" },
	{ "preserve", "preserve", POOL_DBG_PRESERVE,
	  "keep the cache links outside the objects: free objects keep their contents" },
	{ "no-cache", "no-cache", POOL_DBG_NO_CACHE,
	  "no caches: every allocation and free goes to malloc/free (for ASan, valgrind)" },
	{ "none", "none", 0,
	  "no debugging (the default): cancels the options before it" },
	{ "help", "help", 0,
	  "list these options and exit" },
};

/* Options from one source (command line or configuration). */
struct pool_dbg_choice {
	unsigned flags;
	unsigned char poison;
	int set;                      /* command line: -dM was given */
};

static struct pool_dbg_choice dbg_cli = { 0, POOL_POISON_DEFAULT, 0 };
static struct pool_dbg_choice dbg_cfg = { 0, POOL_POISON_DEFAULT, 0 };

void pool_debug_help(FILE *f)
{
	fprintf(f, "Pool debugging options (-dM<opt>[,<opt>...] or global 'pool-debug <opt>[,<opt>...]'):\n");
	for (size_t i = 0; i < ARRAY_SIZE(pool_dbg_opts); i++)
		fprintf(f, "  %-14s %s\n", pool_dbg_opts[i].usage, pool_dbg_opts[i].help);
}

/* Combinations that cannot work: 0, or -1 with a message. */
static int pool_debug_check(unsigned flags, char *err, size_t errlen)
{
	if ((flags & POOL_DBG_INTEGRITY) && (flags & (POOL_DBG_PRESERVE | POOL_DBG_CHECKSUM))) {
		snprintf(err, errlen, "'integrity' overwrites free objects: it cannot be combined with "
			 "'preserve' or 'checksum' (use 'checksum' to catch late writes and keep the contents)");
		return -1;
	}
	if ((flags & POOL_DBG_NO_CACHE) &&
	    (flags & (POOL_DBG_INTEGRITY | POOL_DBG_CHECKSUM | POOL_DBG_PRESERVE | POOL_DBG_DOUBLE_FREE))) {
		snprintf(err, errlen, "'no-cache' frees objects at once: 'integrity', 'checksum', 'preserve' "
			 "and 'double-free' watch cached objects and cannot be combined with it "
			 "(ASan or valgrind catch these faults then)");
		return -1;
	}
	return 0;
}

/* Parse "opt[,opt...]" on top of *flags and *poison. Returns 0, 1 for "help",
 * -1 with a message in <err>. */
static int pool_debug_parse(const char *opts, unsigned *flags, unsigned char *poison,
			    char *err, size_t errlen)
{
	char buf[256], *tok, *next;

	if (strlen(opts) >= sizeof(buf)) {
		snprintf(err, errlen, "option list too long");
		return -1;
	}
	memcpy(buf, opts, strlen(opts) + 1);
	for (tok = buf; tok; tok = next) {
		const struct pool_dbg_opt *o = NULL;
		char *val;

		next = strchr(tok, ',');
		if (next)
			*next++ = 0;
		val = strchr(tok, '=');
		if (val)
			*val++ = 0;
		for (size_t i = 0; i < ARRAY_SIZE(pool_dbg_opts); i++)
			if (strcmp(pool_dbg_opts[i].name, tok) == 0)
				o = &pool_dbg_opts[i];
		if (!o) {
			size_t len = (size_t)snprintf(err, errlen, "%s option '%s' (known: ",
						      *tok ? "unknown" : "empty", tok);

			for (size_t i = 0; i < ARRAY_SIZE(pool_dbg_opts) && len < errlen; i++)
				len += (size_t)snprintf(err + len, errlen - len, "%s%s", i ? ", " : "",
							pool_dbg_opts[i].usage);
			if (len < errlen)
				snprintf(err + len, errlen - len, "; 'help' describes them)");
			return -1;
		}
		if (val && o->flag != POOL_DBG_POISON) {
			snprintf(err, errlen, "option '%s' takes no value", tok);
			return -1;
		}
		if (strcmp(o->name, "help") == 0)
			return 1;
		if (strcmp(o->name, "none") == 0) {
			*flags = 0;
			*poison = POOL_POISON_DEFAULT;
			continue;
		}
		if (o->flag == POOL_DBG_POISON) {
			*poison = POOL_POISON_DEFAULT;
			if (val) {
				char *end;
				unsigned long v = strtoul(val, &end, 0);

				if (!*val || *end || v > 255 || *val == '-' || *val == '+') {
					snprintf(err, errlen, "poison byte '%s' is not a number from 0 to 255 "
						 "(e.g. poison=0x55)", val);
					return -1;
				}
				*poison = (unsigned char)v;
			}
		}
		*flags |= o->flag;
	}
	return pool_debug_check(*flags, err, errlen);
}

int pool_debug_cli(const char *opts)
{
	struct pool_dbg_choice ch = dbg_cli;
	char err[512];
	int ret;

	if (!*opts)
		opts = "poison";      /* plain "-dM", as in HAProxy */
	ret = pool_debug_parse(opts, &ch.flags, &ch.poison, err, sizeof(err));
	if (ret > 0) {
		pool_debug_help(stdout);
		exit(0);
	}
	if (ret < 0) {
		fprintf(stderr, "[ALERT] -dM%s: %s\n", opts, err);
		return -1;
	}
	ch.set = 1;
	dbg_cli = ch;
	return 0;
}

int pool_debug_cfg(const char *opts, char *err, size_t errlen)
{
	struct pool_dbg_choice ch = dbg_cfg;
	int ret = pool_debug_parse(opts, &ch.flags, &ch.poison, err, errlen);

	if (ret == 0)
		dbg_cfg = ch;
	return ret;
}

void pool_debug_cfg_reset(void)
{
	dbg_cfg.flags = 0;
	dbg_cfg.poison = POOL_POISON_DEFAULT;
}

void pool_debug_apply(void)
{
	const struct pool_dbg_choice *ch = dbg_cli.set ? &dbg_cli : &dbg_cfg;

	pool_debug = ch->flags;
	pool_poison_byte = ch->poison;
	for (struct pool_head *ph = pools_list; ph; ph = ph->next) {
		if (ph->flags == pool_debug && ph->poison == pool_poison_byte)
			continue;
		if (ph->frozen) {
			fprintf(stderr, "[WARNING] pool '%s' already has objects: its debugging "
				"options stay unchanged\n", ph->name);
			continue;
		}
		pool_layout(ph, pool_debug);
	}
}

/* ----------------------------------------------------------------- report */

/* What a report knows about the fault. */
struct pool_fault {
	struct pool_head *ph;
	const unsigned char *obj;
	const char *op;                       /* "pool_alloc()", "pool_free()", or NULL */
	const struct pool_caller *caller;     /* call site of op */
	const void *ra;                       /* return address into op's caller */
	size_t focus;                         /* offset of interest for the dump */
	size_t avail;                         /* bytes readable from obj */
};

/* 1 if <c> looks like a call-site record (a trailer may be overwritten):
 * it and its strings lie in a loaded object; dladdr() reads none of them. */
static int pool_caller_valid(const struct pool_caller *c)
{
	Dl_info di;

	if (!c || ((uintptr_t)c & (sizeof(void *) - 1)) || !dladdr(c, &di))
		return 0;
	return dladdr(c->file, &di) && dladdr(c->func, &di);
}

/* "module(symbol+0xoff)" or "module(+0xoff)" as backtrace_symbols() does:
 * the offset from the module's start goes to addr2line -e module. */
static void pool_print_addr(const void *ra)
{
	Dl_info di;

	if (!ra || !dladdr(ra, &di) || !di.dli_fname) {
		fprintf(stderr, "[%p]", ra);
		return;
	}
	const char *mod = strrchr(di.dli_fname, '/');

	mod = mod ? mod + 1 : di.dli_fname;
	if (di.dli_sname && di.dli_saddr)
		fprintf(stderr, "%s(%s+0x%lx) [%p]", mod, di.dli_sname,
			(unsigned long)((const char *)ra - (const char *)di.dli_saddr), ra);
	else
		fprintf(stderr, "%s(+0x%lx) [%p]", mod,
			(unsigned long)((const char *)ra - (const char *)di.dli_fbase), ra);
}

static void pool_print_site(const struct pool_caller *c, const void *ra)
{
	if (c && pool_caller_valid(c))
		fprintf(stderr, "%s:%d %s()", c->file, c->line, c->func);
	else if (c)
		fprintf(stderr, "<invalid record %p: trailer overwritten?>", (const void *)c);
	else
		fprintf(stderr, "<unknown site>");
	if (ra) {
		fprintf(stderr, " from ");
		pool_print_addr(ra);
	}
}

static void pool_hexdump(const unsigned char *base, size_t from, size_t to)
{
	for (size_t line = from & ~(size_t)15; line < to; line += 16) {
		fprintf(stderr, "    +%04zx ", line);
		for (size_t i = line; i < line + 16; i++) {
			if (i >= from && i < to)
				fprintf(stderr, "%s%02x", i % 8 ? " " : "  ", base[i]);
			else
				fprintf(stderr, "%s  ", i % 8 ? " " : "  ");
		}
		fprintf(stderr, "  |");
		for (size_t i = line; i < line + 16 && i < to; i++)
			fputc(i < from ? ' ' : base[i] >= 0x20 && base[i] < 0x7f ? base[i] : '.', stderr);
		fprintf(stderr, "|\n");
	}
}

static void pool_dump_area(const struct pool_fault *f)
{
	const struct pool_head *ph = f->ph;
	size_t len = f->avail;

	fprintf(stderr, "  object at %p, %zu bytes, and trailer of %zu bytes:", (const void *)f->obj,
		ph->size, (size_t)ph->stride - ph->size);
	if (ph->tag_off)
		fprintf(stderr, " tag +%u", ph->tag_off);
	if (ph->mark_off)
		fprintf(stderr, " mark +%u", ph->mark_off);
	if (ph->caller_off)
		fprintf(stderr, " callers +%u", ph->caller_off);
	if (ph->sum_off)
		fprintf(stderr, " checksum +%u", ph->sum_off);
	if (ph->link_off)
		fprintf(stderr, " links +%u", ph->link_off);
	if (len < ph->stride)
		fprintf(stderr, " (only %zu bytes readable)", len);
	fputc('\n', stderr);
	if (len <= POOL_DUMP_MAX) {
		pool_hexdump(f->obj, 0, len);
	} else {
		/* the start, then a window around the place of interest */
		size_t from = f->focus > POOL_DUMP_MAX / 2 ? (f->focus - POOL_DUMP_MAX / 2) & ~(size_t)15 : 0;
		size_t to = MIN(len, from + POOL_DUMP_MAX * 3 / 4);

		if (from > 64) {
			pool_hexdump(f->obj, 0, 64);
			fprintf(stderr, "    ...\n");
		} else {
			from = 0;
		}
		pool_hexdump(f->obj, from, to);
		if (to < len)
			fprintf(stderr, "    ... (%zu more bytes)\n", len - to);
	}
}

__attribute__((noreturn, cold, format(printf, 2, 3)))
static void pool_fault(const struct pool_fault *f, const char *fmt, ...)
{
	const struct pool_head *ph = f->ph;
	void *bt[32];
	va_list ap;
	int n;

	fflush(stdout);
	fprintf(stderr, "FATAL: pool '%s' (object size %zu): ", ph->name, ph->size);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fprintf(stderr, " at object %p\n", (const void *)f->obj);
	if (f->op) {
		fprintf(stderr, "  detected by %s called at ", f->op);
		pool_print_site(f->caller, f->ra);
		fputc('\n', stderr);
	} else {
		fprintf(stderr, "  detected when the cached object went back to the system\n");
	}
	if (ph->caller_off && f->avail >= ph->caller_off + sizeof(struct pool_trace)) {
		const struct pool_trace *tr = (const void *)(f->obj + ph->caller_off);

		fprintf(stderr, "  last allocation: ");
		if (tr->alloc_loc || tr->alloc_ra)
			pool_print_site(tr->alloc_loc, tr->alloc_ra);
		else
			fprintf(stderr, "none recorded");
		fprintf(stderr, "\n  last free: ");
		if (tr->free_loc || tr->free_ra)
			pool_print_site(tr->free_loc, tr->free_ra);
		else
			fprintf(stderr, "none since the allocation");
		fputc('\n', stderr);
	} else if (!ph->caller_off) {
		fprintf(stderr, "  (callers not recorded: add the 'caller' pool-debug option)\n");
	}
	pool_dump_area(f);
	fprintf(stderr, "  backtrace of the detecting thread:\n");
	n = backtrace(bt, ARRAY_SIZE(bt));
	backtrace_symbols_fd(bt, n, STDERR_FILENO);
	fprintf(stderr, "  (module(+0xoffset) addresses: addr2line -f -i -e <module> <offset>)\n");
	abort();
}

/* ----------------------------------------------------------------- checks */

/* The canary of <ph>'s objects in use; its complement while they are free. */
static inline uint64_t pool_tag(const struct pool_head *ph)
{
	return (uintptr_t)ph ^ POOL_TAG_KEY;
}

static inline uint64_t *pool_word(const struct pool_head *ph, void *obj, unsigned off)
{
	return (uint64_t *)((char *)obj + off);
}

/* A checksum of the object's words (FNV-1a style, a word at a time). */
static uint64_t pool_sum(const struct pool_head *ph, const void *obj)
{
	const uint64_t *w = obj;
	uint64_t h = 0xcbf29ce484222325ULL;

	for (size_t i = 0; i < ph->size / sizeof(*w); i++) {
		h ^= w[i];
		h *= 0x100000001b3ULL;
		h ^= h >> 32;
	}
	return h;
}

/* Offset of the first byte that lost the fill pattern, -1 if none; *nb
 * counts them. */
static long pool_pattern_diff(const struct pool_head *ph, const unsigned char *o, size_t *nb)
{
	long first = -1;

	*nb = 0;
	for (size_t i = 0; i < ph->size; i += sizeof(uint64_t)) {
		uint64_t w;

		memcpy(&w, o + i, sizeof(w));
		if (likely(w == POOL_FILL_WORD))
			continue;
		for (size_t j = i; j < i + sizeof(w); j++) {
			if (o[j] != POOL_FILL_BYTE) {
				if (first < 0)
					first = (long)j;
				(*nb)++;
			}
		}
	}
	return first;
}

/* The pool whose canary is found in <obj> (which has <avail> readable
 * bytes): its address (in use) or its complement (free, *is_free set). */
static struct pool_head *pool_owner(void *obj, size_t avail, int *is_free)
{
	for (struct pool_head *p = pools_list; p; p = p->next) {
		uint64_t tag;

		if (!p->tag_off || p->tag_off + sizeof(tag) > avail)
			continue;
		tag = *pool_word(p, obj, p->tag_off);
		if (tag == pool_tag(p) || tag == ~pool_tag(p)) {
			*is_free = tag != pool_tag(p);
			return p;
		}
	}
	return NULL;
}

/* Checks of a cached object leaving the cache (allocation or release):
 * the contents and the trailer must be as the free left them. */
static void pool_check_cached(struct pool_fault *f)
{
	struct pool_head *ph = f->ph;
	void *obj = (void *)f->obj;

	if (ph->flags & POOL_DBG_INTEGRITY) {
		size_t nb;
		long first = pool_pattern_diff(ph, obj, &nb);

		if (first >= 0) {
			f->focus = (size_t)first;
			pool_fault(f, "use-after-free/late write (%zu byte%s changed after the free, "
				   "the first at +%ld)", nb, nb > 1 ? "s" : "", first);
		}
	}
	if ((ph->flags & POOL_DBG_CHECKSUM) && *pool_word(ph, obj, ph->sum_off) != pool_sum(ph, obj))
		pool_fault(f, "use-after-free/late write (the contents changed after the free: "
			   "checksum mismatch)");
	if ((ph->flags & POOL_DBG_TAG) && *pool_word(ph, obj, ph->tag_off) != ~pool_tag(ph)) {
		f->focus = ph->tag_off;
		pool_fault(f, "late write past the end of a free object (canary at +%u overwritten)",
			   ph->tag_off);
	}
	if ((ph->flags & POOL_DBG_DOUBLE_FREE) && *pool_word(ph, obj, ph->mark_off) != POOL_MARK_FREE) {
		f->focus = ph->mark_off;
		pool_fault(f, "late write past the end of a free object (free marker at +%u "
			   "overwritten)", ph->mark_off);
	}
}

void pool_dbg_on_alloc(struct pool_head *ph, void *obj, int fresh,
		       const struct pool_caller *caller, const void *ra)
{
	struct pool_fault f = { ph, obj, "pool_alloc()", caller, ra, ph->size, ph->stride };

	if (!fresh)
		pool_check_cached(&f);
	if (ph->flags & POOL_DBG_TAG)
		*pool_word(ph, obj, ph->tag_off) = pool_tag(ph);
	if (ph->flags & POOL_DBG_DOUBLE_FREE)
		*pool_word(ph, obj, ph->mark_off) = POOL_MARK_USED;
	if (ph->flags & POOL_DBG_CALLER) {
		struct pool_trace *tr = (void *)((char *)obj + ph->caller_off);

		if (fresh)
			tr->free_loc = NULL, tr->free_ra = NULL;
		tr->alloc_loc = caller;
		tr->alloc_ra = ra;
	}
	if (ph->flags & POOL_DBG_POISON)
		memset(obj, ph->poison, ph->size);
}

void pool_dbg_on_free(struct pool_head *ph, void *obj,
		      const struct pool_caller *caller, const void *ra)
{
	struct pool_fault f = { ph, obj, "pool_free()", caller, ra, ph->size, ph->stride };
	struct pool_trace *tr = ph->caller_off ? (void *)((char *)obj + ph->caller_off) : NULL;

	if (ph->flags & POOL_DBG_TAG) {
		uint64_t tag = *pool_word(ph, obj, ph->tag_off);

		f.focus = ph->tag_off;
		if (tag == ~pool_tag(ph)) {
			/* double-free, when on, tells more below */
			if (!(ph->flags & POOL_DBG_DOUBLE_FREE))
				pool_fault(&f, "double free (the canary says the object is already free)");
		} else if (tag != pool_tag(ph)) {
			struct pool_head *owner;
			int is_free = 0;

			/* not ours: how much of it may we read? */
			f.avail = MIN(malloc_usable_size(obj), (size_t)ph->stride);
			owner = pool_owner(obj, malloc_usable_size(obj), &is_free);
			if (owner && owner != ph) {
				f.avail = MIN(f.avail, (size_t)owner->stride);
				f.focus = owner->tag_off;
				pool_fault(&f, "free into the wrong pool (object of pool '%s'%s freed into pool '%s')",
					   owner->name, is_free ? ", already free there," : "", ph->name);
			}
			pool_fault(&f, "buffer overflow past the object end (canary at +%u overwritten)",
				   ph->tag_off);
		}
	}
	if (ph->flags & POOL_DBG_DOUBLE_FREE) {
		uint64_t mark = *pool_word(ph, obj, ph->mark_off);

		f.focus = ph->mark_off;
		if (mark == POOL_MARK_FREE) {
			if (!tr)
				pool_fault(&f, "double free");
			if (tr->free_loc == caller && tr->free_ra == ra)
				pool_fault(&f, "double free (same caller as the previous free)");
			if (pool_caller_valid(tr->free_loc))
				pool_fault(&f, "double free (previous free at %s:%d %s())",
					   tr->free_loc->file, tr->free_loc->line, tr->free_loc->func);
			pool_fault(&f, "double free (previous free at an unknown site)");
		} else if (mark != POOL_MARK_USED) {
			pool_fault(&f, "buffer overflow past the object end (free marker at +%u overwritten)",
				   ph->mark_off);
		}
	}
	if (ph->flags & POOL_DBG_TAG)
		*pool_word(ph, obj, ph->tag_off) = ~pool_tag(ph);
	if (ph->flags & POOL_DBG_DOUBLE_FREE)
		*pool_word(ph, obj, ph->mark_off) = POOL_MARK_FREE;
	if (tr) {
		tr->free_loc = caller;
		tr->free_ra = ra;
	}
	if (ph->flags & POOL_DBG_NO_CACHE)
		return;
	if (ph->flags & POOL_DBG_INTEGRITY)
		memset(obj, POOL_FILL_BYTE, ph->size);
	if (ph->flags & POOL_DBG_CHECKSUM)
		*pool_word(ph, obj, ph->sum_off) = pool_sum(ph, obj);
}

void pool_dbg_on_release(struct pool_head *ph, void *obj)
{
	struct pool_fault f = { ph, obj, NULL, NULL, NULL, ph->size, ph->stride };

	if (!(ph->flags & POOL_DBG_NO_CACHE))
		pool_check_cached(&f);
}
