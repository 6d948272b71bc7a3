/* fd.h: registration of file descriptors in the calling thread's poller.
 * Edge-triggered: the owner learns readiness once and keeps its own
 * "ready" flags until a syscall returns EAGAIN. */
#ifndef SLUICE_CORE_FD_H
#define SLUICE_CORE_FD_H

#include <stdint.h>
#include <sys/epoll.h>

struct fd_handler;
typedef void (*fd_cb_f)(struct fd_handler *h, uint32_t events);

/* Embedded in whatever owns the fd; epoll hands it back on events. */
struct fd_handler {
	fd_cb_f cb;
	int fd;
};

#define FD_EV_IN   EPOLLIN
#define FD_EV_OUT  EPOLLOUT
#define FD_EV_RDHUP EPOLLRDHUP
#define FD_EV_HUP  EPOLLHUP
#define FD_EV_ERR  EPOLLERR

/* Register h->fd in this thread's epoll for <events> (| EPOLLET added).
 * Returns 0 or -1 with errno. */
int fd_register(struct fd_handler *h, uint32_t events);
int fd_modify(struct fd_handler *h, uint32_t events);
/* Remove from the poller (closing the fd does it too). */
void fd_unregister(struct fd_handler *h);

int fd_set_nonblock(int fd);

#endif
