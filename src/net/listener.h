/* listener.h: binding, accepting, and pausing listeners at maxconn. */
#ifndef SLUICE_NET_LISTENER_H
#define SLUICE_NET_LISTENER_H

#include "net/listener-t.h"

/* Create every listener's sockets (one per thread for TCP, one shared for
 * unix sockets). Prints an alert and returns -1 on the first failure. */
int listeners_bind_all(int nbthread);

/* How many "bind" lines the configuration has, in every frontend. */
unsigned listeners_count(void);

/* Accounting done by whoever owns an accepted connection when it ends:
 * frees a slot of the frontend's and the process' maxconn and resumes any
 * listener paused for lack of one. */
void listener_conn_done(struct listener *li);

/* Set by the proxy room: takes ownership of an accepted fd (closes it on
 * failure). */
extern void (*listener_accept_cb)(struct listener *li, int fd,
				  const struct sockaddr_storage *peer);

extern unsigned actconn;     /* connections accepted, process-wide (atomic) */

#endif
