/* mux.h: the registry of multiplexers and the choice of one for an
 * accepted connection. Types and the mux contract: mux-t.h. */
#ifndef SLUICE_NET_MUX_H
#define SLUICE_NET_MUX_H

#include <stdio.h>
#include "net/mux-t.h"

/* A registration, made from the mux's own file. */
struct mux_reg {
	const struct mux_ops *ops;
	struct mux_reg *next;
};
/* Before main() (constructors); checks the required members, that names
 * are unique and that no mode has two defaults. */
void mux_register(struct mux_reg *r);
/* The mux named <name>, or NULL. */
const struct mux_ops *mux_find(const char *name);
/* The default mux of <mode> (MUX_F_DEFAULT), or NULL. Each listener keeps
 * its frontend's in li->mux, set after the configuration is read. */
const struct mux_ops *mux_default(enum px_mode mode);
/* The registered muxes, sorted, comma-separated, each with its mode, its
 * ALPN token and whether it is its mode's default:
 * "h1 (mode http, default, alpn http/1.1), tcp (mode tcp, default)". */
void mux_print_names(FILE *f);

/* The mux for <c>, accepted on <li> and through its handshake chain: the
 * one of the frontend's mode whose ALPN token the transport negotiated,
 * else li->mux. Owner thread, no lock. */
const struct mux_ops *mux_choose(const struct listener *li, const struct conn *c);
/* Hand <c> over to mux_choose()'s mux (a handshake_done_f). */
void mux_attach(struct listener *li, struct conn *c);

#define MUX_REGISTER(ops_)                                                  \
	static struct mux_reg mux_reg_##ops_ = { .ops = &(ops_) };          \
	__attribute__((constructor)) static void mux_reg_fn_##ops_(void)    \
	{ mux_register(&mux_reg_##ops_); }

#endif
