/* init.c: the registries of start-up steps and of reference texts
 * (core/init.h). Filled before main() by constructors, read by main(). */
#include <string.h>
#include "core/compiler.h"
#include "core/init.h"

static struct init_hook *hooks;          /* by stage, then order */
static struct init_doc *docs;            /* by name, then order */

void init_register(struct init_hook *h)
{
	struct init_hook **p = &hooks;

	ASSERT(h->fn != NULL && h->stage < INIT_STAGES);
	while (*p && ((*p)->stage < h->stage ||
		      ((*p)->stage == h->stage && (*p)->order <= h->order)))
		p = &(*p)->next;
	h->next = *p;
	*p = h;
}

int init_run(enum init_stage stage)
{
	for (struct init_hook *h = hooks; h; h = h->next) {
		if (h->stage != stage)
			continue;
		if (h->fn() < 0 && stage != INIT_STOP)
			return -1;
	}
	return 0;
}

void init_register_doc(struct init_doc *d)
{
	struct init_doc **p = &docs;
	int c;

	ASSERT(d->dump != NULL && d->name != NULL);
	while (*p && ((c = strcmp((*p)->name, d->name)) < 0 ||
		      (c == 0 && (*p)->order <= d->order)))
		p = &(*p)->next;
	d->next = *p;
	*p = d;
}

int init_print_doc(const char *name, FILE *f)
{
	int found = 0;

	for (struct init_doc *d = docs; d; d = d->next)
		if (strcmp(d->name, name) == 0) {
			d->dump(f);
			found = 1;
		}
	return found ? 0 : -1;
}

void init_print_doc_names(FILE *f)
{
	const char *last = NULL;

	for (struct init_doc *d = docs; d; d = d->next) {
		if (last && strcmp(last, d->name) == 0)
			continue;
		fprintf(f, "%s%s", last ? ", " : "", d->name);
		last = d->name;
	}
}
