/* test_ctr_groups.c: the registry of counter groups (shm/counters.h): the
 * blocks follow the groups' order with children after their parent, a
 * late group's objects get blocks from the refresh, "show stat" reports
 * the groups that have keys, and ctr_reset() gives every object its rows
 * back. The test registers groups of
 * its own next to the rooms' (no configuration is loaded: no proxy, no
 * server). */
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "unit.h"
#include "core/global-t.h"
#include "ctl/ctl.h"
#include "shm/counters.h"
#include "shm/shm.h"

/* ---- a top-level group "tparent" with per-thread rows and two children
 * each in "tchild"; "tlate" is late and starts empty */

struct tobj {
	const char *id;
	void *rows;
	void *before;                 /* rows before allocation */
	struct tobj *kids;
	int nb_kids;
};

static struct tobj kids_a[2] = { { .id = "k1" }, { .id = "k2" } };
static struct tobj kids_b[1] = { { .id = "k3" } };
static struct tobj parents[2] = { { .id = "a", .kids = kids_a, .nb_kids = 2 },
				  { .id = "b", .kids = kids_b, .nb_kids = 1 } };
static struct tobj lates[2] = { { .id = "l1" }, { .id = "l2" } };
static int nb_lates;
static int refreshed;

static int parent_each(void *parent, int (*cb)(void *obj, void *arg), void *arg)
{
	int ret = 0;

	for (int i = 0; i < 2 && !ret; i++)
		ret = cb(&parents[i], arg);
	return ret;
}

static int child_each(void *parent, int (*cb)(void *obj, void *arg), void *arg)
{
	struct tobj *p = parent;
	int ret = 0;

	for (int i = 0; i < p->nb_kids && !ret; i++)
		ret = cb(&p->kids[i], arg);
	return ret;
}

static int late_each(void *parent, int (*cb)(void *obj, void *arg), void *arg)
{
	int ret = 0;

	for (int i = 0; i < nb_lates && !ret; i++)
		ret = cb(&lates[i], arg);
	return ret;
}

static const char *parent_name_of(const void *obj, char *ident, size_t size, unsigned *sides)
{
	snprintf(ident, size, "%s", ((const struct tobj *)obj)->id);
	*sides = CTR_FE | CTR_BE;
	return "tparent";
}

static const char *child_name_of(const void *obj, char *ident, size_t size, unsigned *sides)
{
	snprintf(ident, size, "%s", ((const struct tobj *)obj)->id);
	return "tchild";
}

static const char *late_name_of(const void *obj, char *ident, size_t size, unsigned *sides)
{
	snprintf(ident, size, "%s", ((const struct tobj *)obj)->id);
	return "tlate";
}

static void *get_rows(const void *obj)
{
	return ((const struct tobj *)obj)->rows;
}

static void set_rows(void *obj, void *rows)
{
	struct tobj *o = obj;

	o->rows = rows ? rows : o->before;
}

static int parent_key(const void *obj, unsigned side, char *buf, size_t size)
{
	return snprintf(buf, size, "t%s.%s", side == CTR_FE ? "fe" : "be",
			((const struct tobj *)obj)->id);
}

/* longer than the 256 bytes show_obj() keeps on its stack */
static int child_key(const void *obj, unsigned side, char *buf, size_t size)
{
	return snprintf(buf, size, "tchild.%0300d.%s", 0, ((const struct tobj *)obj)->id);
}

static void late_refresh(const void *obj, void *rows)
{
	((struct pool_counters *)rows)->used = 42;
	refreshed++;
}

/* a family of the test's own: no live gauge reads the fake objects */
struct t_counters {
	uint64_t conns, requests, srv_errors;
};
static const struct ctr_desc t_desc[] = {
	{ "conns",      "connections", NULL, 0,  SHM_CTR_COUNTER, CTR_FE | CTR_STAT, NULL },
	{ "requests",   "requests", "requests forwarded", 8, SHM_CTR_COUNTER,
	  CTR_FE | CTR_BE | CTR_STAT, NULL },
	{ "srv_errors", "server errors", NULL, 16, SHM_CTR_COUNTER, CTR_BE | CTR_STAT, NULL },
};
static const struct ctr_family t_family = { "t", t_desc, 3, sizeof(struct t_counters) };

static const struct ctr_group t_parent = {
	.name = "tparent", .fam = &t_family, .order = CTR_ORDER_THREAD + 1,
	.flags = CTR_GRP_PER_THREAD,
	.each = parent_each, .name_of = parent_name_of,
	.get_rows = get_rows, .set_rows = set_rows, .stat_key = parent_key,
};
static const struct ctr_group t_child = {
	.name = "tchild", .fam = &t_family, .parent = "tparent",
	.each = child_each, .name_of = child_name_of,
	.get_rows = get_rows, .set_rows = set_rows, .stat_key = child_key,
};
static const struct ctr_group t_late = {
	.name = "tlate", .fam = &ctr_pool_family, .order = CTR_ORDER_POOL + 1,
	.flags = CTR_GRP_LATE,
	.each = late_each, .name_of = late_name_of,
	.get_rows = get_rows, .set_rows = set_rows, .refresh = late_refresh,
};
CTR_REGISTER_GROUP(t_parent);
CTR_REGISTER_GROUP(t_child);
CTR_REGISTER_GROUP(t_late);

/* ---- reading the file back */

static struct shm_section *first(void)
{
	return (struct shm_section *)((char *)shm_head() + shm_head()->first_section);
}

static struct shm_section *next_of(struct shm_section *s)
{
	return s->next ? (struct shm_section *)((char *)shm_head() + s->next) : NULL;
}

/* "type:ident type:ident ..." of the COUNTERS sections, in file order */
static void layout(char *buf, size_t size)
{
	size_t used = 0;

	buf[0] = '\0';
	for (struct shm_section *s = first(); s; s = next_of(s))
		if (s->class == SHM_CLASS_COUNTERS && used < size)
			used += snprintf(buf + used, size - used, "%s%s:%s", used ? " " : "",
					 s->type, s->ident);
}

static struct shm_ctr_head *block_of(const void *rows)
{
	for (struct shm_section *s = first(); s; s = next_of(s)) {
		struct shm_ctr_head *h = shm_section_payload(s);

		if (s->class == SHM_CLASS_COUNTERS && (char *)h + h->values_off == rows)
			return h;
	}
	return NULL;
}

static void test_groups(const char *path)
{
	static uint64_t private_row[64];
	char lay[1024], *ans = NULL;
	struct shm_ctr_head *h;
	size_t len = 0;
	uint64_t space;
	FILE *out;

	CHECK(ctr_group_find("tchild") == &t_child);
	CHECK(ctr_group_find("proxy") != NULL);        /* the rooms' groups */
	CHECK(ctr_group_find("server") != NULL);
	CHECK(ctr_group_find("thread") != NULL);
	CHECK(ctr_group_find("pool") != NULL);
	CHECK(ctr_group_find("nothing") == NULL);

	global.nbthread = 2;
	parents[1].before = private_row;             /* what it counted before */
	parents[1].rows = private_row;
	private_row[1] = 5;                          /* requests, row 0 */
	space = ctr_space_estimate(global.nbthread);
	CHECK_INT(shm_create(path, "grp", 0, space, 0640), 0);
	CHECK_INT(shm_counters_alloc(), 0);
	CHECK_INT(ctr_nb_rows(), 2);

	/* threads, then each parent followed by its children, then the
	 * rooms' pools (if any), then the late group: nothing yet */
	layout(lay, sizeof(lay));
	{
		static const char want[] = "thread:0 thread:1 tparent:a tchild:k1 tchild:k2 "
					   "tparent:b tchild:k3";

		if (!CHECK(strncmp(lay, want, strlen(want)) == 0))
			printf("    got: %s\n", lay);
	}
	CHECK(strstr(lay, "tlate") == NULL);
	CHECK(parents[0].rows && kids_a[1].rows && kids_b[0].rows);
	h = block_of(parents[0].rows);
	CHECK(h && h->nb_threads == 2 && h->nb_fields == 3);
	/* a two-sided object has the frontend's docs */
	if (h) {
		struct shm_ctr_field *f = (struct shm_ctr_field *)(h + 1);

		CHECK(strcmp(f[1].name, "requests") == 0 && strcmp(f[1].doc, "requests") == 0);
		CHECK_INT(f[1].flags, CTR_FE | CTR_BE);
	}
	h = block_of(kids_a[0].rows);
	CHECK(h && h->nb_threads == 1);
	CHECK(parents[1].rows != private_row);
	CHECK_INT(((uint64_t *)parents[1].rows)[1], 5); /* copied in */

	/* late objects get blocks at the next refresh, then are refreshed */
	nb_lates = 2;
	ctr_refresh();
	layout(lay, sizeof(lay));
	CHECK(strstr(lay, "tlate:l1 tlate:l2") != NULL);
	CHECK(lates[0].rows && lates[1].rows);
	CHECK_INT(lates[1].rows ? ((struct pool_counters *)lates[1].rows)->used : 0, 42);
	CHECK(refreshed >= 2);

	/* show stat: the groups with keys, both sides of a two-sided object,
	 * a key longer than the stack buffer; the late group has none */
	((uint64_t *)parents[0].rows)[1] = 3;
	out = open_memstream(&ans, &len);
	{
		char line[] = "show stat";
		struct ctl_ctx ctx = { 0 };

		ctl_exec(&ctx, line, out);
	}
	fclose(out);
	CHECK(strncmp(ans, "tfe.a.conns 0\ntfe.a.requests 3\n", 31) == 0);
	CHECK(strstr(ans, "\ntbe.a.requests 3\n") != NULL);
	CHECK(strstr(ans, "\ntfe.a.srv_errors") == NULL);   /* backend side only */
	CHECK(strstr(ans, "\ntbe.a.srv_errors 0\n") != NULL);
	CHECK(strstr(ans, "0.k3.requests 0\n") != NULL);
	CHECK(strstr(ans, "0.k3.conns 0\n") != NULL);
	CHECK(strstr(ans, "tlate") == NULL);
	CHECK(strstr(ans, "tfe.a.") < strstr(ans, "tbe.a.") &&
	      strstr(ans, "tbe.a.") < strstr(ans, ".k1.") &&
	      strstr(ans, ".k2.") < strstr(ans, "tfe.b."));
	free(ans);

	/* attach/detach at run time */
	{
		void *old = kids_a[0].rows;

		ctr_detach(&t_child, &kids_a[0]);
		CHECK(kids_a[0].rows == NULL);
		CHECK_INT(ctr_attach(&t_child, &kids_a[0]), 0);
		CHECK(kids_a[0].rows && kids_a[0].rows != old);
	}

	shm_close();                                 /* ctr_reset() */
	CHECK(parents[0].rows == NULL && kids_a[1].rows == NULL && lates[0].rows == NULL);
	CHECK(parents[1].rows == private_row);
	CHECK_INT(ctr_nb_rows(), 0);
	CHECK(thr_ctrs[0] != NULL && thr_ctrs[1] != NULL);
	thr_ctr()->events++;                          /* private again: no fault */
	nb_lates = 0;
}

int main(void)
{
	const char *tmp = getenv("TMPDIR");
	char dir[256], path[300];

	snprintf(dir, sizeof(dir), "%s/sluice-test-grp-XXXXXX", tmp && *tmp ? tmp : "/tmp");
	if (!mkdtemp(dir)) {
		perror("mkdtemp");
		return 1;
	}
	snprintf(path, sizeof(path), "%s/grp.shm", dir);
	test_groups(path);
	unlink(path);
	rmdir(dir);
	return UNIT_SUMMARY("test_ctr_groups");
}
