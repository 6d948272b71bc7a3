/* list.h: intrusive circular doubly linked lists. */
#ifndef SLUICE_CORE_LIST_H
#define SLUICE_CORE_LIST_H

#include "core/compiler.h"

struct list {
	struct list *n, *p;
};

#define LIST_HEAD_INIT(l) { &(l), &(l) }

static inline void list_init(struct list *l) { l->n = l->p = l; }
static inline int list_empty(const struct list *l) { return l->n == l; }
/* An element initialised with list_init() and removed with list_del_init()
 * can be tested for membership with list_inlist(). */
static inline int list_inlist(const struct list *e) { return e->n != e; }

static inline void list_insert(struct list *head, struct list *e)
{
	e->n = head->n; e->p = head;
	head->n->p = e; head->n = e;
}

static inline void list_append(struct list *head, struct list *e)
{
	e->p = head->p; e->n = head;
	head->p->n = e; head->p = e;
}

static inline void list_del_init(struct list *e)
{
	e->n->p = e->p; e->p->n = e->n;
	e->n = e->p = e;
}

/* Moves the elements of <from> to the front of <to>; <from> ends empty. */
static inline void list_splice_init(struct list *from, struct list *to)
{
	if (list_empty(from))
		return;
	from->p->n = to->n;
	to->n->p = from->p;
	to->n = from->n;
	from->n->p = to;
	list_init(from);
}

#define list_elem(l, type, member) container_of(l, type, member)

#define list_for_each_safe(it, bk, head) \
	for ((it) = (head)->n, (bk) = (it)->n; (it) != (head); (it) = (bk), (bk) = (it)->n)

#endif
