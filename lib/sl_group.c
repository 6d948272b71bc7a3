/* sl_group.c: libsluice's grouping of log records into transactions.
 *
 * Every record names its transaction (vxid). A transaction's records go
 * from its Begin ('<type> <parent> <reason>') to its End; a parent names
 * each child with a Link ('<type> <vxid> <reason>'). The grouper keeps one
 * entry per vxid (records copied into a per-entry buffer) in a hash table
 * and in an age list, and delivers a tree when it is complete:
 *   vxid     each transaction alone, at its End;
 *   request  a request with its backend requests (and, if asked, its
 *            session's records so far in front); sessions are kept only
 *            as context and dropped at their End;
 *   session  a session with all of its requests and their backend ones.
 * A tree is complete when its root and every child it knows ended. Trees
 * that wait longer than the timeout, or the oldest when the grouper holds
 * more than its bounds, are delivered incomplete. Delivered entries are
 * freed. Transactions whose Begin was missed (the reader started
 * mid-way) get their type from their first records, or stay unknown and
 * are delivered alone. */
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "sl_int.h"

#define DEF_TIMEOUT   30.0
#define DEF_MAX_TXNS  20000
#define DEF_MAX_BYTES (64U << 20)
#define MAX_DEPTH     16

struct grec {
	unsigned tag, flags;
	uint32_t len;
	size_t off;              /* in gtxn.data */
};

struct gtxn {
	uint32_t vxid, parent;
	enum sl_txn_type type;
	int complete;
	unsigned mark;           /* delivery walk */
	char reason[32];
	struct grec *recs;
	size_t nrec, rcap;
	char *data;
	size_t dlen, dcap;
	uint32_t *kids;
	size_t nkids, kcap;
	double born;             /* last activity, monotonic */
	struct gtxn *hnext;
	struct gtxn *older, *newer;
};

struct sl_group {
	unsigned magic;
	struct sl_group_opts o;
	sl_group_f *cb;
	void *priv;
	struct gtxn **buckets;
	size_t nbuckets, ntxns, bytes;
	struct gtxn *oldest, *newest;
	unsigned epoch;
	uint64_t delivered, timeouts, evicted;
	/* delivery scratch */
	struct gtxn **dl;
	size_t ndl, dlcap;
	struct sl_txn *pub;
	const struct sl_txn **ptrs;
	size_t pubcap;
	struct sl_record *recs;
	size_t reccap;
};

/* ------------------------------------------------------------ the table */

static size_t bucket(const struct sl_group *g, uint32_t vxid)
{
	return (size_t)((vxid * 2654435761U) & (g->nbuckets - 1));
}

static struct gtxn *lookup(const struct sl_group *g, uint32_t vxid)
{
	struct gtxn *t = g->buckets[bucket(g, vxid)];

	while (t && t->vxid != vxid)
		t = t->hnext;
	return t;
}

static void age_unlink(struct sl_group *g, struct gtxn *t)
{
	if (t->older)
		t->older->newer = t->newer;
	else
		g->oldest = t->newer;
	if (t->newer)
		t->newer->older = t->older;
	else
		g->newest = t->older;
	t->older = t->newer = NULL;
}

static void age_push(struct sl_group *g, struct gtxn *t)
{
	t->older = g->newest;
	t->newer = NULL;
	if (g->newest)
		g->newest->newer = t;
	else
		g->oldest = t;
	g->newest = t;
}

static int grow_table(struct sl_group *g)
{
	size_t n = g->nbuckets * 2;
	struct gtxn **nb = calloc(n, sizeof(*nb));
	struct gtxn **old = g->buckets;
	size_t oldn = g->nbuckets;

	if (!nb)
		return SL_ENOMEM;
	g->buckets = nb;
	g->nbuckets = n;
	for (size_t i = 0; i < oldn; i++) {
		struct gtxn *t = old[i], *next;

		for (; t; t = next) {
			size_t b = bucket(g, t->vxid);

			next = t->hnext;
			t->hnext = nb[b];
			nb[b] = t;
		}
	}
	free(old);
	return 0;
}

static struct gtxn *create(struct sl_group *g, uint32_t vxid)
{
	struct gtxn *t;
	size_t b;

	if (g->ntxns >= g->nbuckets * 2 && grow_table(g) < 0)
		return NULL;
	t = calloc(1, sizeof(*t));
	if (!t)
		return NULL;
	t->vxid = vxid;
	t->born = sli_mono();
	b = bucket(g, vxid);
	t->hnext = g->buckets[b];
	g->buckets[b] = t;
	age_push(g, t);
	g->ntxns++;
	return t;
}

static void destroy(struct sl_group *g, struct gtxn *t)
{
	struct gtxn **pp = &g->buckets[bucket(g, t->vxid)];

	while (*pp && *pp != t)
		pp = &(*pp)->hnext;
	if (*pp)
		*pp = t->hnext;
	age_unlink(g, t);
	g->ntxns--;
	g->bytes -= t->dcap + t->rcap * sizeof(*t->recs);
	free(t->recs);
	free(t->data);
	free(t->kids);
	free(t);
}

/* ------------------------------------------------------------- records */

static int store(struct sl_group *g, struct gtxn *t,
		 const struct sl_record *rec)
{
	size_t need = t->dlen + rec->len + 1;

	if (t->nrec == t->rcap) {
		size_t n = t->rcap ? t->rcap * 2 : 16;
		struct grec *nr = realloc(t->recs, n * sizeof(*nr));

		if (!nr)
			return SL_ENOMEM;
		g->bytes += (n - t->rcap) * sizeof(*nr);
		t->recs = nr;
		t->rcap = n;
	}
	if (need > t->dcap) {
		size_t n = t->dcap ? t->dcap : 512;
		char *nd;

		while (n < need)
			n *= 2;
		nd = realloc(t->data, n);
		if (!nd)
			return SL_ENOMEM;
		g->bytes += n - t->dcap;
		t->data = nd;
		t->dcap = n;
	}
	memcpy(t->data + t->dlen, rec->data, rec->len);
	t->data[t->dlen + rec->len] = 0;
	t->recs[t->nrec].tag = rec->tag;
	t->recs[t->nrec].flags = rec->flags;
	t->recs[t->nrec].len = rec->len;
	t->recs[t->nrec].off = t->dlen;
	t->nrec++;
	t->dlen = need;
	return 0;
}

static int add_kid(struct gtxn *p, uint32_t kid)
{
	/* children are named twice (Link, and Begin's parent) close in
	 * time: looking at the last few is enough to avoid duplicates */
	for (size_t i = p->nkids, n = 0; i > 0 && n < 8; i--, n++)
		if (p->kids[i - 1] == kid)
			return 0;
	if (p->nkids == p->kcap) {
		size_t n = p->kcap ? p->kcap * 2 : 4;
		uint32_t *nk = realloc(p->kids, n * sizeof(*nk));

		if (!nk)
			return SL_ENOMEM;
		p->kids = nk;
		p->kcap = n;
	}
	p->kids[p->nkids++] = kid;
	return 0;
}

static enum sl_txn_type type_word(const char *w, size_t n)
{
	if (n == 4 && !strncmp(w, "sess", 4))
		return SL_TXN_SESS;
	if (n == 3 && !strncmp(w, "req", 3))
		return SL_TXN_REQ;
	if (n == 5 && !strncmp(w, "bereq", 5))
		return SL_TXN_BEREQ;
	return SL_TXN_UNKNOWN;
}

/* '<type> <vxid> <reason>' of Begin and Link */
static void parse_tvr(const char *s, enum sl_txn_type *type, uint32_t *vxid,
		      char *reason, size_t rsz)
{
	const char *p = s, *w;
	unsigned long long v = 0;

	while (*p == ' ')
		p++;
	w = p;
	while (*p && *p != ' ')
		p++;
	*type = type_word(w, (size_t)(p - w));
	while (*p == ' ')
		p++;
	while (*p >= '0' && *p <= '9' && v <= UINT32_MAX)
		v = v * 10 + (unsigned)(*p++ - '0');
	*vxid = v <= UINT32_MAX ? (uint32_t)v : 0;
	while (*p && *p != ' ')
		p++;
	while (*p == ' ')
		p++;
	if (reason) {
		size_t n = 0;

		while (p[n] && p[n] != ' ' && n + 1 < rsz)
			n++;
		memcpy(reason, p, n);
		reason[n] = 0;
	}
}

/* ------------------------------------------------------------ delivery */

static struct gtxn *root_of(struct sl_group *g, struct gtxn *t)
{
	struct gtxn *x = t, *p;

	if (g->o.mode == SL_GROUP_VXID)
		return t;
	if (g->o.mode == SL_GROUP_REQUEST && t->type == SL_TXN_SESS)
		return NULL;
	for (int d = 0; d < MAX_DEPTH && x->parent; d++) {
		p = lookup(g, x->parent);
		if (!p || p == t)
			break;
		if (g->o.mode == SL_GROUP_REQUEST && p->type == SL_TXN_SESS)
			break;
		x = p;
	}
	return x;
}

static int tree_complete(struct sl_group *g, struct gtxn *t, int depth)
{
	if (!t->complete)
		return 0;
	if (g->o.mode == SL_GROUP_VXID || depth >= MAX_DEPTH ||
	    t->mark == g->epoch)
		return 1;
	t->mark = g->epoch;
	for (size_t i = 0; i < t->nkids; i++) {
		struct gtxn *k = lookup(g, t->kids[i]);

		if (!k || !tree_complete(g, k, depth + 1))
			return 0;
	}
	return 1;
}

/* A tree whose root names a parent not seen yet waits for it: a backend
 * request may end before its request's records are published. Only where
 * the parent belongs to the same group (request: a bereq's req; session:
 * anything below the session). */
static int waits_for_parent(struct sl_group *g, const struct gtxn *root)
{
	if (!root->parent || lookup(g, root->parent))
		return 0;
	return (g->o.mode == SL_GROUP_REQUEST && root->type == SL_TXN_BEREQ) ||
	       g->o.mode == SL_GROUP_SESSION;
}

static int dl_push(struct sl_group *g, struct gtxn *t)
{
	if (g->ndl == g->dlcap) {
		size_t n = g->dlcap ? g->dlcap * 2 : 16;
		struct gtxn **nd = realloc(g->dl, n * sizeof(*nd));

		if (!nd)
			return SL_ENOMEM;
		g->dl = nd;
		g->dlcap = n;
	}
	g->dl[g->ndl++] = t;
	return 0;
}

/* Collect t and its present descendants into g->dl, parents first, their
 * depths into levels[] (as far as it goes). */
static int collect(struct sl_group *g, struct gtxn *t, unsigned level,
		   unsigned *levels, size_t cap)
{
	if (t->mark == g->epoch || level >= MAX_DEPTH)
		return 0;
	t->mark = g->epoch;
	if (g->ndl < cap)
		levels[g->ndl] = level;
	if (dl_push(g, t) < 0)
		return SL_ENOMEM;
	if (g->o.mode == SL_GROUP_VXID)
		return 0;
	for (size_t i = 0; i < t->nkids; i++) {
		struct gtxn *k = lookup(g, t->kids[i]);

		if (k) {
			int ret = collect(g, k, level + 1, levels, cap);

			if (ret < 0)
				return ret;
		}
	}
	return 0;
}

static int ensure_pub(struct sl_group *g, size_t ntx, size_t nrec)
{
	if (ntx > g->pubcap) {
		struct sl_txn *np = realloc(g->pub, ntx * sizeof(*np));
		const struct sl_txn **pp;

		if (!np)
			return SL_ENOMEM;
		g->pub = np;
		pp = realloc(g->ptrs, ntx * sizeof(*pp));
		if (!pp)
			return SL_ENOMEM;
		g->ptrs = pp;
		g->pubcap = ntx;
	}
	if (nrec > g->reccap) {
		struct sl_record *nr = realloc(g->recs, nrec * sizeof(*nr));

		if (!nr)
			return SL_ENOMEM;
		g->recs = nr;
		g->reccap = nrec;
	}
	return 0;
}

static void fill_pub(struct sl_txn *p, const struct gtxn *t, unsigned level,
		     struct sl_record *recs)
{
	for (size_t i = 0; i < t->nrec; i++) {
		recs[i].tag = t->recs[i].tag;
		recs[i].flags = t->recs[i].flags;
		recs[i].vxid = t->vxid;
		recs[i].len = t->recs[i].len;
		recs[i].data = t->data + t->recs[i].off;
	}
	p->vxid = t->vxid;
	p->parent = t->parent;
	p->type = t->type;
	p->level = level;
	p->complete = t->complete;
	p->reason = t->reason;
	p->n_records = t->nrec;
	p->records = recs;
}

/* Deliver root's tree and free it. The session put in front (request
 * grouping, with_session) is not freed: it lives on until its End. */
static int deliver(struct sl_group *g, struct gtxn *root, enum sl_deliver why)
{
	unsigned levels[256];
	struct gtxn *sess = NULL;
	size_t nrec = 0, n, first = 0;
	int ret;

	g->ndl = 0;
	g->epoch++;
	if (g->o.mode == SL_GROUP_REQUEST && g->o.with_session &&
	    root->parent && (sess = lookup(g, root->parent)) &&
	    sess->type == SL_TXN_SESS && sess != root) {
		sess->mark = g->epoch;
		levels[0] = 0;
		if (dl_push(g, sess) < 0)
			return SL_ENOMEM;
		first = 1;
	} else {
		sess = NULL;
	}
	ret = collect(g, root, first ? 1 : 0, levels,
		      sizeof(levels) / sizeof(levels[0]));
	if (ret < 0)
		return ret;
	n = g->ndl;
	for (size_t i = 0; i < n; i++)
		nrec += g->dl[i]->nrec;
	if (ensure_pub(g, n, nrec ? nrec : 1) < 0)
		return SL_ENOMEM;
	nrec = 0;
	for (size_t i = 0; i < n; i++) {
		unsigned lv = i < sizeof(levels) / sizeof(levels[0]) ?
			levels[i] : 1;

		fill_pub(&g->pub[i], g->dl[i], lv, g->recs + nrec);
		g->ptrs[i] = &g->pub[i];
		nrec += g->dl[i]->nrec;
	}
	g->delivered++;
	if (why == SL_DELIVER_TIMEOUT)
		g->timeouts++;
	else if (why == SL_DELIVER_MEMORY)
		g->evicted++;
	ret = g->cb(g->priv, (const struct sl_txn *const *)g->ptrs, n, why);
	for (size_t i = first; i < g->ndl; i++)
		destroy(g, g->dl[i]);
	g->ndl = 0;
	return ret;
}

/* Deliver (or, for a session kept as request context, drop) the oldest
 * entry's tree. */
static int expire_oldest(struct sl_group *g, enum sl_deliver why)
{
	struct gtxn *t = g->oldest, *root;
	uint32_t vxid = t->vxid;
	int ret;

	root = root_of(g, t);
	if (!root) {
		destroy(g, t);
		return 0;
	}
	ret = deliver(g, root, why);
	t = lookup(g, vxid);
	if (t && t == g->oldest && ret >= 0) {
		/* not reached from its root (odd links): alone */
		int r2 = deliver(g, t, why);

		if (ret == 0)
			ret = r2;
	}
	return ret;
}

static int enforce_bounds(struct sl_group *g)
{
	while (g->oldest && (g->ntxns > g->o.max_txns ||
			     g->bytes > g->o.max_bytes)) {
		int ret = expire_oldest(g, SL_DELIVER_MEMORY);

		if (ret)
			return ret;
	}
	return 0;
}

/* --------------------------------------------------------------- public */

int sl_group_new(struct sl_group **gp, const struct sl_group_opts *opts,
		 sl_group_f *cb, void *priv)
{
	struct sl_group *g;

	*gp = NULL;
	if (!cb)
		return sli_err(SL_EINVAL, "sl_group_new: no callback");
	if (opts && (opts->mode < SL_GROUP_RAW ||
		     opts->mode > SL_GROUP_SESSION || opts->timeout < 0))
		return sli_err(SL_EINVAL, "sl_group_new: bad options");
	g = calloc(1, sizeof(*g));
	if (!g)
		return sli_err(SL_ENOMEM, "out of memory");
	g->magic = SLI_GROUP_MAGIC;
	if (opts)
		g->o = *opts;
	else
		g->o.mode = SL_GROUP_REQUEST;
	if (g->o.timeout == 0)
		g->o.timeout = DEF_TIMEOUT;
	if (g->o.max_txns == 0)
		g->o.max_txns = DEF_MAX_TXNS;
	if (g->o.max_bytes == 0)
		g->o.max_bytes = DEF_MAX_BYTES;
	g->cb = cb;
	g->priv = priv;
	g->nbuckets = 256;
	g->buckets = calloc(g->nbuckets, sizeof(*g->buckets));
	if (!g->buckets) {
		free(g);
		return sli_err(SL_ENOMEM, "out of memory");
	}
	*gp = g;
	return 0;
}

static int deliver_alone(struct sl_group *g, const struct sl_record *rec,
			 enum sl_txn_type type)
{
	struct sl_txn t;
	const struct sl_txn *tp = &t;

	memset(&t, 0, sizeof(t));
	t.vxid = rec->vxid;
	t.type = type;
	t.complete = 1;
	t.reason = "";
	t.n_records = 1;
	t.records = rec;
	g->delivered++;
	return g->cb(g->priv, &tp, 1, SL_DELIVER_COMPLETE);
}

/* A type from the first records of a transaction whose Begin we missed. */
static void infer_type(struct gtxn *t, unsigned tag)
{
	if (t->type != SL_TXN_UNKNOWN)
		return;
	if (tag == SL_TAG_SessOpen)
		t->type = SL_TXN_SESS;
	else if (tag == SL_TAG_ReqStart || tag == SL_TAG_ReqMethod)
		t->type = SL_TXN_REQ;
	else if (tag == SL_TAG_BereqMethod)
		t->type = SL_TXN_BEREQ;
}

int sl_group_feed(struct sl_group *g, const struct sl_record *rec)
{
	struct gtxn *t;
	int ret;

	if (g->o.mode == SL_GROUP_RAW)
		return deliver_alone(g, rec, SL_TXN_RAW);
	if (rec->vxid == 0)
		return deliver_alone(g, rec, SL_TXN_UNKNOWN);
	t = lookup(g, rec->vxid);
	if (t && rec->tag == SL_TAG_Begin && (t->complete || t->nrec)) {
		/* a new transaction under a vxid still held: deliver the
		 * old one as it is */
		struct gtxn *root = root_of(g, t);

		ret = root ? deliver(g, root, SL_DELIVER_FLUSH) : 0;
		if ((t = lookup(g, rec->vxid)))
			destroy(g, t);
		t = NULL;
		if (ret)
			return ret;
	}
	if (!t && !(t = create(g, rec->vxid)))
		return sli_err(SL_ENOMEM, "out of memory");
	if (rec->tag == SL_TAG_Begin) {
		uint32_t parent;
		struct gtxn *p;

		parse_tvr(rec->data, &t->type, &parent, t->reason,
			  sizeof(t->reason));
		t->parent = parent != t->vxid ? parent : 0;
		if (t->parent && (p = lookup(g, t->parent))) {
			if (add_kid(p, t->vxid) < 0)
				return sli_err(SL_ENOMEM, "out of memory");
			if (p->type == SL_TXN_SESS) {
				/* a session stays as long as it has work */
				p->born = sli_mono();
				age_unlink(g, p);
				age_push(g, p);
			}
		}
	} else if (rec->tag == SL_TAG_Link) {
		enum sl_txn_type ktype;
		uint32_t kid;
		struct gtxn *k;

		parse_tvr(rec->data, &ktype, &kid, NULL, 0);
		if (kid && kid != t->vxid) {
			if (add_kid(t, kid) < 0)
				return sli_err(SL_ENOMEM, "out of memory");
			if ((k = lookup(g, kid)) && !k->parent)
				k->parent = t->vxid;
		}
	} else {
		infer_type(t, rec->tag);
	}
	if (!(g->o.mode == SL_GROUP_REQUEST && !g->o.with_session &&
	      t->type == SL_TXN_SESS) && store(g, t, rec) < 0)
		return sli_err(SL_ENOMEM, "out of memory");
	if (rec->tag == SL_TAG_End) {
		struct gtxn *root;

		t->complete = 1;
		root = root_of(g, t);
		if (!root) {
			destroy(g, t);          /* session context: done */
		} else {
			g->epoch++;
			if (tree_complete(g, root, 0) &&
			    !waits_for_parent(g, root)) {
				ret = deliver(g, root, SL_DELIVER_COMPLETE);
				if (ret)
					return ret;
			}
		}
	}
	return enforce_bounds(g);
}

int sl_group_tick(struct sl_group *g)
{
	double now = sli_mono();

	while (g->oldest && now - g->oldest->born > g->o.timeout) {
		int ret = expire_oldest(g, SL_DELIVER_TIMEOUT);

		if (ret)
			return ret;
	}
	return enforce_bounds(g);
}

int sl_group_flush(struct sl_group *g, enum sl_deliver why)
{
	/* deliver in age order; sessions kept as context go too */
	while (g->oldest) {
		struct gtxn *t = g->oldest;
		int ret;

		if (g->o.mode == SL_GROUP_REQUEST && t->type == SL_TXN_SESS) {
			destroy(g, t);
			continue;
		}
		ret = expire_oldest(g, why);
		if (ret)
			return ret;
	}
	return 0;
}

void sl_group_stats(const struct sl_group *g, struct sl_group_stats *st)
{
	st->txns = g->ntxns;
	st->bytes = g->bytes;
	st->delivered = g->delivered;
	st->timeouts = g->timeouts;
	st->evicted = g->evicted;
}

void sl_group_free(struct sl_group **gp)
{
	struct sl_group *g = *gp;

	if (!g)
		return;
	while (g->oldest)
		destroy(g, g->oldest);
	free(g->buckets);
	free(g->dl);
	free(g->pub);
	free(g->ptrs);
	free(g->recs);
	g->magic = 0;
	free(g);
	*gp = NULL;
}

/* ------------------------------------------------------------- helpers */

/* "Name: value" (headers, Timestamp): does name match, where is value. */
static int named(const char *data, const char *name, const char **value)
{
	size_t n = strlen(name);

	if (strncasecmp(data, name, n) || data[n] != ':')
		return 0;
	data += n + 1;
	while (*data == ' ' || *data == '\t')
		data++;
	if (value)
		*value = data;
	return 1;
}

const struct sl_record *sl_txn_find(const struct sl_txn *t, unsigned tag,
				    const char *name, const char **value)
{
	for (size_t i = 0; i < t->n_records; i++) {
		const struct sl_record *r = &t->records[i];

		if (r->tag != tag)
			continue;
		if (name) {
			if (named(r->data, name, value))
				return r;
			continue;
		}
		if (value)
			*value = r->data;
		return r;
	}
	return NULL;
}
