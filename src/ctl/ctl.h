/* ctl.h: the statistics socket ("stats socket" in the global section). */
#ifndef SLUICE_CTL_CTL_H
#define SLUICE_CTL_CTL_H

#include <stdio.h>

/* Opens global.stats_socket (a UNIX stream socket, mode 0600 unless
 * global.stats_socket_mode is set) and starts the one thread that serves it.
 * Call once, after the configuration is loaded, global.nbthread is final and
 * the process has daemonized (a thread does not survive fork()). Does
 * nothing and returns 0 when no socket is configured. Returns -1 after
 * printing the reason on stderr. */
int ctl_start(void);

/* Stops the control thread, closes the socket and removes its file. Safe to
 * call when ctl_start() did nothing or failed, and more than once. */
void ctl_stop(void);

/* Prints every counter the socket reports, with a one-line description
 * (for "sluice -x counters"). */
void ctl_dump_counter_docs(FILE *f);

#endif
