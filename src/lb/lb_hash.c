/* lb_hash.c: the hashing algorithms "balance source", "uri", "url_param"
 * and "hdr(<name>)", each mapping a key taken from the request to a server
 * through "hash-type":
 *   map-based (default): a smooth weighted table of the set (lb_seq) built
 *     when servers come and go; key -> table[hash % len]. O(1). Static
 *     as in HAProxy: configured weights, taken when a server enters. Most
 *     keys move when the set changes.
 *   consistent: a ring of points, (160 / average weight) per unit of
 *     effective weight, each at the hash of the server's name and the
 *     point's number; key -> the server of the first point at or after its
 *     hash. Dynamic. A server leaving moves only its own keys, one entering
 *     takes only its share. The ring is filtered from a master list of every
 *     server's points sorted once, so changes cost O(points), no sort;
 *     lookups use a bucket index on the top bits, then a binary search
 *     within the bucket: O(1) expected, O(log n) at worst.
 * Both are snapshots published with lb_publish(). Without a key (no client
 * address, no such parameter or header, TCP mode), the request goes round
 * robin over the table or the ring with a per-thread cursor, as HAProxy
 * falls back to round robin. Keys are hashed with XXH3 (header-only). */
#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#define XXH_INLINE_ALL
#include <xxhash.h>

#include "http/h1.h"
#include "http/msg-t.h"
#include "lb/lb.h"

#define CHASH_POINTS 160              /* ring points of a server of average weight */

/* A point of the master list: server idx's k-th point. */
struct ch_point {
	uint32_t h, idx, k;
};

struct ch_ring {
	unsigned n;                   /* points */
	unsigned shift;               /* 32 - bucket bits */
	uint32_t *bkt;                /* first point of each bucket, and n at the end */
	uint32_t *h;                  /* point hashes, ascending */
	struct server **srv;          /* point owners */
};

struct hash_state {
	enum lb_hash_type type;
	unsigned nb_srv;
	int dirty;                    /* the set changed since the last commit */
	/* map-based */
	unsigned *sw;                 /* weight taken when the server entered, 0 = out */
	struct lb_seq *map;           /* snapshot */
	/* consistent */
	unsigned ppw;                 /* points per unit of weight */
	unsigned *cap;                /* points of each server in the master list */
	struct ch_point *master;
	unsigned nb_master;
	struct ch_ring *ring;         /* snapshot */
	struct lb_cursor cur[MAX_THREADS];  /* round robin without a key */
};

static inline uint32_t hash_bytes(const void *p, size_t len)
{
	return (uint32_t)(XXH3_64bits(p, len) >> 32);
}

/* ------------------------------------------------------------ keys
 * Each returns 1 and sets the key, or 0 when the request has none. */

static int key_source(const struct proxy *be, const struct lb_req *req,
		      const char **key, size_t *len)
{
	const struct sockaddr_storage *ss = req->src;

	if (!ss)
		return 0;
	if (ss->ss_family == AF_INET) {
		*key = (const char *)&((const struct sockaddr_in *)ss)->sin_addr;
		*len = 4;
		return 1;
	}
	if (ss->ss_family == AF_INET6) {
		const struct in6_addr *a = &((const struct sockaddr_in6 *)ss)->sin6_addr;

		/* an IPv4 client of a dual-stack socket hashes as itself */
		if (IN6_IS_ADDR_V4MAPPED(a)) {
			*key = (const char *)a->s6_addr + 12;
			*len = 4;
		} else {
			*key = (const char *)a->s6_addr;
			*len = 16;
		}
		return 1;
	}
	return 0;
}

static int key_uri(const struct proxy *be, const struct lb_req *req,
		   const char **key, size_t *len)
{
	const struct lb_conf *c = &be->lbc;
	const char *s, *e, *q;
	unsigned slashes = 0;

	if (!req->msg)
		return 0;
	s = req->msg->uri.ptr;
	e = s + req->msg->uri.len;
	if ((c->flags & LB_URI_PATH_ONLY) && s < e && *s != '/') {
		/* absolute form: the path starts at the first '/' after "://" */
		q = memmem(s, e - s, "://", 3);
		if (q) {
			q += 3;
			while (q < e && *q != '/')
				q++;
			s = q;
		}
	}
	if (!(c->flags & LB_URI_WHOLE) && (q = memchr(s, '?', e - s)))
		e = q;
	if (c->uri_len && (size_t)(e - s) > c->uri_len)
		e = s + c->uri_len;
	if (c->uri_depth) {
		for (q = s; q < e; q++) {
			if (*q != '/')
				continue;
			if (slashes == c->uri_depth) {
				e = q;
				break;
			}
			slashes++;
		}
	}
	if (s == e)
		return 0;
	*key = s;
	*len = e - s;
	return 1;
}

static int key_url_param(const struct proxy *be, const struct lb_req *req,
			 const char **key, size_t *len)
{
	const struct lb_conf *c = &be->lbc;
	const char *s, *e, *q, *a;

	if (!req->msg)
		return 0;
	s = req->msg->uri.ptr;
	e = s + req->msg->uri.len;
	q = memchr(s, '?', e - s);
	if (!q)
		return 0;
	if ((a = memchr(q, '#', e - q)))
		e = a;
	for (a = q + 1; a < e; a = q + 1) {
		q = memchr(a, '&', e - a);
		if (!q)
			q = e;
		if ((size_t)(q - a) > c->param_len && a[c->param_len] == '=' &&
		    memcmp(a, c->param, c->param_len) == 0 && q > a + c->param_len + 1) {
			*key = a + c->param_len + 1;
			*len = q - *key;
			return 1;
		}
	}
	return 0;
}

/* "www.haproxy.org:80" -> "haproxy": the label before the last dot, after
 * dropping a port; a name without dots is kept whole. */
static void domain_only(const char **key, size_t *len)
{
	const char *s = *key, *e = s + *len, *p, *last = NULL, *prev = NULL;

	if (*len && *s != '[' && (p = memchr(s, ':', *len)))
		e = p;
	for (p = s; p < e; p++) {
		if (*p == '.') {
			prev = last;
			last = p;
		}
	}
	if (last) {
		s = prev ? prev + 1 : s;
		e = last;
	}
	*key = s;
	*len = e - s;
}

static int key_hdr(const struct proxy *be, const struct lb_req *req,
		   const char **key, size_t *len)
{
	const struct http_msg *m = req->msg;

	if (!m)
		return 0;
	for (unsigned i = 0; i < m->nb_hdrs; i++) {
		if (m->hdrs[i].n.len != be->lbc.param_len || !ist_ieq(m->hdrs[i].n, be->lbc.param))
			continue;
		*key = m->hdrs[i].v.ptr;
		*len = m->hdrs[i].v.len;
		if (be->lbc.flags & LB_HDR_DOMAIN)
			domain_only(key, len);
		return *len != 0;
	}
	return 0;
}

/* ------------------------------------------------------ consistent ring */

static int point_cmp(const void *a, const void *b)
{
	const struct ch_point *x = a, *y = b;

	if (x->h != y->h)
		return x->h < y->h ? -1 : 1;
	if (x->idx != y->idx)
		return x->idx < y->idx ? -1 : 1;
	return x->k < y->k ? -1 : x->k > y->k;
}

/* (Re)generate the master list with st->cap[] points per server. */
static int master_build(struct hash_state *st, struct server *const *srv)
{
	struct ch_point *m;
	unsigned i, k, n = 0;

	for (i = 0; i < st->nb_srv; i++)
		n += st->cap[i];
	m = malloc((n ? n : 1) * sizeof(*m));
	if (!m)
		return -1;
	n = 0;
	for (i = 0; i < st->nb_srv; i++) {
		/* a point hashes (hash of the name, number): short names and small
		 * numbers used directly as input and seed would collide */
		struct { uint64_t name; uint32_t k; } in;

		memset(&in, 0, sizeof(in));
		in.name = XXH3_64bits(srv[i]->id, strlen(srv[i]->id));
		for (k = 0; k < st->cap[i]; k++) {
			in.k = k;
			m[n++] = (struct ch_point){ (uint32_t)(XXH3_64bits(&in, sizeof(in)) >> 32), i, k };
		}
	}
	qsort(m, n, sizeof(*m), point_cmp);
	free(st->master);
	st->master = m;
	st->nb_master = n;
	return 0;
}

static struct ch_ring *ring_build(struct hash_state *st, const struct lb_state *ls)
{
	struct ch_ring *r;
	unsigned i, n = 0, bits = 1, b;
	char *mem;

	for (i = 0; i < st->nb_master; i++) {
		const struct ch_point *p = &st->master[i];

		n += p->k < ls->w[p->idx] * st->ppw;
	}
	if (!n)
		return NULL;
	while (bits < 20 && (1U << bits) < n)
		bits++;
	mem = malloc(sizeof(*r) + ((1U << bits) + 1) * sizeof(uint32_t) +
		     n * sizeof(uint32_t) + n * sizeof(struct server *));
	if (!mem)
		return NULL;
	r = (struct ch_ring *)mem;
	r->srv = (struct server **)(mem + sizeof(*r));
	r->h = (uint32_t *)(r->srv + n);
	r->bkt = r->h + n;
	r->n = n;
	r->shift = 32 - bits;
	for (i = 0, n = 0; i < st->nb_master; i++) {
		const struct ch_point *p = &st->master[i];

		if (p->k < ls->w[p->idx] * st->ppw) {
			r->h[n] = p->h;
			r->srv[n++] = ls->srv[p->idx];
		}
	}
	for (b = 0, i = 0; b <= (1U << bits); b++) {
		while (i < n && (r->h[i] >> r->shift) < b)
			i++;
		r->bkt[b] = i;
	}
	return r;
}

static inline struct server *ring_lookup(const struct ch_ring *r, uint32_t h)
{
	unsigned b = h >> r->shift, lo = r->bkt[b], hi = r->bkt[b + 1];

	while (lo < hi) {
		unsigned mid = lo + (hi - lo) / 2;

		if (r->h[mid] < h)
			lo = mid + 1;
		else
			hi = mid;
	}
	return r->srv[lo < r->n ? lo : 0];
}

/* ------------------------------------------------------------ changes */

static void hash_up(struct proxy *be, struct server *srv)
{
	struct hash_state *st = be->lb_ctx;

	st->sw[srv->puid - 1] = srv->weight ? srv->weight : lb_srv_weight(be, srv);
	st->dirty = 1;
}

static void hash_weight(struct proxy *be, struct server *srv)
{
	struct hash_state *st = be->lb_ctx;

	if (st->type == LB_HASH_CONSISTENT)
		st->dirty = 1;
}

static void hash_down(struct proxy *be, struct server *srv)
{
	struct hash_state *st = be->lb_ctx;

	st->sw[srv->puid - 1] = 0;
	st->dirty = 1;
}

static void hash_commit(struct proxy *be)
{
	struct hash_state *st = be->lb_ctx;
	struct lb_state *ls = be->lbs;
	int grow = 0;

	if (!st->dirty)
		return;
	st->dirty = 0;
	if (st->type == LB_HASH_MAP_BASED) {
		lb_publish(&st->map, lb_seq_build(ls->srv, st->sw, st->nb_srv, 0));
		return;
	}
	/* a weight raised above the configured one needs more points */
	for (unsigned i = 0; i < st->nb_srv; i++) {
		if (ls->w[i] * st->ppw > st->cap[i]) {
			st->cap[i] = ls->w[i] * st->ppw;
			grow = 1;
		}
	}
	if (grow && master_build(st, ls->srv) < 0)
		return;
	lb_publish(&st->ring, ring_build(st, ls));
}

/* -------------------------------------------------------------- picks */

typedef int (*hash_key_f)(const struct proxy *be, const struct lb_req *req,
			  const char **key, size_t *len);

static inline struct server *hash_pick(struct proxy *be, const struct lb_req *req, hash_key_f get)
{
	struct hash_state *st = be->lb_ctx;
	const char *key;
	size_t len;

	if (st->type == LB_HASH_MAP_BASED) {
		const struct lb_seq *map = lb_snap(&st->map);

		if (!map)
			return NULL;
		if (get(be, req, &key, &len))
			return map->srv[hash_bytes(key, len) % map->len];
		return map->srv[lb_cursor_next(&st->cur[tid], map->len)];
	} else {
		const struct ch_ring *r = lb_snap(&st->ring);

		if (!r)
			return NULL;
		if (get(be, req, &key, &len))
			return ring_lookup(r, hash_bytes(key, len));
		return r->srv[lb_cursor_next(&st->cur[tid], r->n)];
	}
}

static struct server *pick_source(struct proxy *be, const struct lb_req *req)
{
	return hash_pick(be, req, key_source);
}

static struct server *pick_uri(struct proxy *be, const struct lb_req *req)
{
	return hash_pick(be, req, key_uri);
}

static struct server *pick_url_param(struct proxy *be, const struct lb_req *req)
{
	return hash_pick(be, req, key_url_param);
}

static struct server *pick_hdr(struct proxy *be, const struct lb_req *req)
{
	return hash_pick(be, req, key_hdr);
}

/* ---------------------------------------------------------- lifecycle */

static int hash_init(struct proxy *be)
{
	struct hash_state *st = calloc(1, sizeof(*st));
	unsigned n = be->nb_srv ? be->nb_srv : 1, sum = 0, cnt = 0, avg;
	struct server *s;

	if (!st)
		return -1;
	be->lb_ctx = st;
	st->type = be->lbc.hash_type;
	st->nb_srv = be->nb_srv;
	st->sw = calloc(n, sizeof(*st->sw));
	st->cap = calloc(n, sizeof(*st->cap));
	if (!st->sw || !st->cap)
		return -1;
	if (st->type != LB_HASH_CONSISTENT)
		return 0;
	for (s = be->srv; s; s = s->next) {
		if (s->weight) {
			sum += s->weight;
			cnt++;
		}
	}
	avg = cnt ? (sum + cnt / 2) / cnt : 1;
	avg = avg ? avg : 1;
	st->ppw = (CHASH_POINTS + avg / 2) / avg;
	st->ppw = st->ppw ? st->ppw : 1;
	for (s = be->srv; s; s = s->next)
		st->cap[s->puid - 1] = (s->weight ? s->weight : 1) * st->ppw;
	return master_build(st, be->lbs->srv);
}

static void hash_deinit(struct proxy *be)
{
	struct hash_state *st = be->lb_ctx;

	free(st->sw);
	free(st->map);
	free(st->cap);
	free(st->master);
	free(st->ring);
	free(st);
	be->lb_ctx = NULL;
}

#define HASH_OPS(var, algo, fn, fl)                                         \
	static const struct lb_ops var = {                                  \
		.name = algo, .flags = LB_ALGO_HASH | (fl),                 \
		.init = hash_init, .pick = fn, .srv_up = hash_up,           \
		.srv_weight = hash_weight, .srv_down = hash_down,           \
		.commit = hash_commit, .deinit = hash_deinit,               \
	};                                                                  \
	LB_REGISTER(var)

HASH_OPS(lb_source_ops, "source", pick_source, 0);
HASH_OPS(lb_uri_ops, "uri", pick_uri, LB_ALGO_HTTP);
HASH_OPS(lb_url_param_ops, "url_param", pick_url_param, LB_ALGO_HTTP);
HASH_OPS(lb_hdr_ops, "hdr", pick_hdr, LB_ALGO_HTTP);
