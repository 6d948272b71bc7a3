/* sl_counters.c: libsluice's counters snapshot.
 *
 * A counters section (src/shm/shm-t.h) holds a field table then one row of
 * uint64_t per thread; counters are the sum of the rows, gauges row 0. A
 * snapshot reads every counters section of the current list, with its
 * strings copied, so it stays valid whatever the writer does next. The
 * list is re-read first if alloc_seq moved, and the snapshot retaken if it
 * moved while reading (a section freed meanwhile is "cool" and still
 * readable, so a torn snapshot is only retried, never unsafe). */
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "sl_int.h"

#define MAX_FIELDS  4096
#define MAX_THREADS 4096

struct sl_counters {
	unsigned magic;
	size_t n, cap;
	struct sl_counter *c;
	char **strs;             /* owned strings, freed with the snapshot */
	size_t nstrs, strcap;
	double mono, wall;
};

static void snap_clear(struct sl_counters *s)
{
	for (size_t i = 0; i < s->nstrs; i++)
		free(s->strs[i]);
	s->nstrs = 0;
	s->n = 0;
}

static const char *own(struct sl_counters *s, const char *src, size_t max)
{
	char *p;

	if (s->nstrs == s->strcap) {
		size_t n = s->strcap ? s->strcap * 2 : 64;
		char **ns = realloc(s->strs, n * sizeof(*ns));

		if (!ns)
			return NULL;
		s->strs = ns;
		s->strcap = n;
	}
	p = malloc(max + 1);
	if (!p)
		return NULL;
	sli_copy_str(p, max + 1, src, max);
	s->strs[s->nstrs++] = p;
	return p;
}

static struct sl_counter *slot(struct sl_counters *s)
{
	if (s->n == s->cap) {
		size_t n = s->cap ? s->cap * 2 : 64;
		struct sl_counter *nc = realloc(s->c, n * sizeof(*nc));

		if (!nc)
			return NULL;
		s->c = nc;
		s->cap = n;
	}
	return &s->c[s->n++];
}

/* The view of a field in a section of type stype: the type to show it
 * under, or NULL to hide it (the other side of a proxy). */
static const char *side_type(const char *stype, uint32_t flags, int pass)
{
	uint32_t sides = flags & (SHM_CTR_F_FE | SHM_CTR_F_BE);
	int fe = !sides || sides & SHM_CTR_F_FE;
	int be = !sides || sides & SHM_CTR_F_BE;

	if (!strcmp(stype, "frontend"))
		return pass == 0 && fe ? stype : NULL;
	if (!strcmp(stype, "backend"))
		return pass == 0 && be ? stype : NULL;
	if (!strcmp(stype, "listen"))
		return pass == 0 ? (fe ? "frontend" : NULL) :
				   (be ? "backend" : NULL);
	return pass == 0 ? stype : NULL;
}

/* One counters section into s. A "listen" section is read twice: its
 * frontend fields, then its backend fields. */
static int read_section(const struct sl_shm *shm, const struct sli_sect *sec,
			struct sl_counters *s)
{
	const unsigned char *p = shm->map.base + sec->payload;
	const struct shm_ctr_head *h = (const struct shm_ctr_head *)p;
	const struct shm_ctr_field *f;
	const uint64_t *vals;
	const char *stype = NULL, *ident = NULL, *fe = NULL, *be = NULL;
	uint32_t nf, nt;
	uint64_t voff;

	if (sec->len < sizeof(*h))
		return sli_err(SL_ECORRUPT, "%s: corrupt counters section at "
			       "offset %llu (%s %s): %llu bytes, too small",
			       shm->path, (unsigned long long)sec->off,
			       sec->type, sec->ident,
			       (unsigned long long)sec->len);
	nf = __atomic_load_n(&h->nb_fields, __ATOMIC_RELAXED);
	nt = __atomic_load_n(&h->nb_threads, __ATOMIC_RELAXED);
	voff = __atomic_load_n(&h->values_off, __ATOMIC_RELAXED);
	if (nf > MAX_FIELDS || nt > MAX_THREADS || (nf && nt == 0) ||
	    voff % 8 || voff < sizeof(*h) + (uint64_t)nf * sizeof(*f) ||
	    voff > sec->len ||
	    (sec->len - voff) / 8 / (nf ? nf : 1) < nt)
		return sli_err(SL_ECORRUPT, "%s: corrupt counters section at "
			       "offset %llu (%s %s): %u fields, %u threads, "
			       "values at %llu do not fit its %llu bytes",
			       shm->path, (unsigned long long)sec->off,
			       sec->type, sec->ident, nf, nt,
			       (unsigned long long)voff,
			       (unsigned long long)sec->len);
	f = (const struct shm_ctr_field *)(h + 1);
	vals = (const uint64_t *)(p + voff);
	if (nf == 0)
		return 0;
	if ((!(stype = own(s, sec->type, strlen(sec->type))) ||
		   !(ident = own(s, sec->ident, strlen(sec->ident))) ||
		   !(fe = own(s, "frontend", 8)) || !(be = own(s, "backend", 7))))
		return sli_err(SL_ENOMEM, "out of memory");
	for (int pass = 0; pass < 2; pass++)
	for (uint32_t i = 0; i < nf; i++) {
		uint32_t flags = __atomic_load_n(&f[i].flags, __ATOMIC_RELAXED);
		const char *view = side_type(stype, flags, pass);
		struct sl_counter *c;
		uint64_t v = 0;

		if (!view)
			continue;
		if (!(c = slot(s)))
			return sli_err(SL_ENOMEM, "out of memory");
		c->type = !strcmp(view, "frontend") ? fe :
			  !strcmp(view, "backend") ? be : stype;
		c->section_type = stype;
		c->ident = ident;
		c->flags = flags;
		c->name = own(s, f[i].name, sizeof(f[i].name));
		c->doc = own(s, f[i].doc, sizeof(f[i].doc));
		if (!c->name || !c->doc)
			return sli_err(SL_ENOMEM, "out of memory");
		c->kind = f[i].kind == SHM_CTR_GAUGE ? SL_KIND_GAUGE :
			  SL_KIND_COUNTER;
		if (c->kind == SL_KIND_GAUGE) {
			v = sli_load_relaxed(&vals[i]);
		} else {
			for (uint32_t t = 0; t < nt; t++)
				v += sli_load_relaxed(&vals[(size_t)t * nf + i]);
		}
		c->value = v;
	}
	return 0;
}

int sl_counters_snapshot(struct sl_shm *shm, struct sl_counters **cp)
{
	const struct shm_head *h = (const struct shm_head *)shm->map.base;
	struct sl_counters *s;
	int ret = 0;

	*cp = NULL;
	if (shm->broken)
		return sli_err(SL_ECORRUPT, "%s: the file was truncated while "
			       "attached; not reading it again", shm->path);
	s = calloc(1, sizeof(*s));
	if (!s)
		return sli_err(SL_ENOMEM, "out of memory");
	s->magic = SLI_CTRS_MAGIC;
	for (int tries = 0; tries < 100; tries++) {
		uint64_t seq = __atomic_load_n(&h->alloc_seq, __ATOMIC_ACQUIRE);
		struct timespec ts;

		if (seq == 0) {
			sli_sleep(0.002);
			continue;
		}
		if (seq != shm->alloc_seq) {
			ret = sli_sections_refresh(shm);
			if (ret < 0)
				break;
			seq = shm->alloc_seq;
		}
		snap_clear(s);
		ret = 0;
		for (size_t i = 0; i < shm->nsects && ret == 0; i++)
			if (shm->sects[i].class_ == SHM_CLASS_COUNTERS)
				ret = read_section(shm, &shm->sects[i], s);
		__atomic_thread_fence(__ATOMIC_ACQUIRE);
		if (__atomic_load_n(&h->alloc_seq, __ATOMIC_ACQUIRE) != seq) {
			ret = sli_err(SL_EBUSY, "%s: the section list kept "
				      "changing", shm->path);
			continue;
		}
		if (ret < 0)
			break;
		s->mono = sli_mono();
		clock_gettime(CLOCK_REALTIME, &ts);
		s->wall = ts.tv_sec + ts.tv_nsec / 1e9;
		*cp = s;
		return 0;
	}
	if (ret == 0)
		ret = sli_err(SL_EBUSY, "%s: the section list kept changing "
			      "(alloc_seq 0)", shm->path);
	sl_counters_free(&s);
	return ret;
}

size_t sl_counters_len(const struct sl_counters *c)
{
	return c->n;
}

const struct sl_counter *sl_counters_at(const struct sl_counters *c,
					size_t i)
{
	return i < c->n ? &c->c[i] : NULL;
}

double sl_counters_mono(const struct sl_counters *c)
{
	return c->mono;
}

double sl_counters_time(const struct sl_counters *c)
{
	return c->wall;
}

void sl_counters_free(struct sl_counters **cp)
{
	struct sl_counters *s = *cp;

	if (!s)
		return;
	snap_clear(s);
	free(s->strs);
	free(s->c);
	s->magic = 0;
	free(s);
	*cp = NULL;
}
