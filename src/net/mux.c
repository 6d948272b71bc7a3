/* mux.c: the registry of multiplexers, the default mux of each listener,
 * and the choice of a mux for a connection that went through its
 * listener's handshake chain (by ALPN when the transport negotiated it,
 * else by the frontend's mode). */
#include <string.h>
#include "cfg/cfg.h"
#include "core/compiler.h"
#include "net/conn.h"
#include "net/listener-t.h"
#include "net/mux.h"

static struct mux_reg *mux_regs;

static const char *const mode_names[] = {
	[PX_MODE_TCP]  = "tcp",
	[PX_MODE_HTTP] = "http",
};

static const char *mode_name(enum px_mode m)
{
	return (unsigned)m < ARRAY_SIZE(mode_names) && mode_names[m] ? mode_names[m] : "?";
}

void mux_register(struct mux_reg *r)
{
	const struct mux_ops *o = r->ops;

	BUG_ON(!o->name || !o->attach);
	BUG_ON(mux_find(o->name));
	BUG_ON((o->flags & MUX_F_DEFAULT) && mux_default(o->mode));
	r->next = mux_regs;
	mux_regs = r;
}

const struct mux_ops *mux_find(const char *name)
{
	for (struct mux_reg *r = mux_regs; r; r = r->next)
		if (strcmp(r->ops->name, name) == 0)
			return r->ops;
	return NULL;
}

const struct mux_ops *mux_default(enum px_mode mode)
{
	for (struct mux_reg *r = mux_regs; r; r = r->next)
		if (r->ops->mode == mode && (r->ops->flags & MUX_F_DEFAULT))
			return r->ops;
	return NULL;
}

void mux_print_names(FILE *f)
{
	const char *last = "";

	/* sorted by name without a copy: a handful of entries */
	for (;;) {
		const struct mux_ops *o = NULL;

		for (struct mux_reg *r = mux_regs; r; r = r->next)
			if (strcmp(r->ops->name, last) > 0 && (!o || strcmp(r->ops->name, o->name) < 0))
				o = r->ops;
		if (!o)
			break;
		fprintf(f, "%s%s (mode %s%s", *last ? ", " : "", o->name, mode_name(o->mode),
			o->flags & MUX_F_DEFAULT ? ", default" : "");
		if (o->alpn)
			fprintf(f, ", alpn %s", o->alpn);
		fputc(')', f);
		last = o->name;
	}
}

const struct mux_ops *mux_choose(const struct listener *li, const struct conn *c)
{
	const char *p;
	size_t n;

	if (c->xprt->alpn && c->xprt->alpn(c, &p, &n) > 0) {
		for (struct mux_reg *r = mux_regs; r; r = r->next) {
			const struct mux_ops *o = r->ops;

			if (o->mode == li->fe->mode && o->alpn && strlen(o->alpn) == n &&
			    memcmp(o->alpn, p, n) == 0)
				return o;
		}
		/* a token nobody here speaks: the transport should not have
		 * agreed to it; the mode's own mux tries its luck */
	}
	return li->mux;
}

void mux_attach(struct listener *li, struct conn *c)
{
	mux_choose(li, c)->attach(li, c);
}

/* Each listener's mux when ALPN names none: its frontend mode's. */
static int mux_check(void)
{
	int ret = 0;

	for (struct proxy *px = proxies_list; px; px = px->next) {
		struct list *it, *bk;

		list_for_each_safe(it, bk, &px->listeners) {
			struct listener *li = list_elem(it, struct listener, list);

			li->mux = mux_default(px->mode);
			if (!li->mux)
				ret = cfg_alert_at(li->conf_file, li->conf_line,
						   "'bind %s': no multiplexer serves mode %s",
						   li->name, mode_name(px->mode));
		}
	}
	return ret;
}
CFG_REGISTER_POSTPARSER(mux, CFG_POST_LISTENER + 2, mux_check);
