/* fd.c: epoll registration for the calling thread. */
#include <errno.h>
#include <fcntl.h>
#include "core/fd.h"
#include "core/thread.h"

int fd_register(struct fd_handler *h, uint32_t events)
{
	struct epoll_event ev = { .events = events | EPOLLET, .data.ptr = h };

	return epoll_ctl(th->epfd, EPOLL_CTL_ADD, h->fd, &ev);
}

int fd_modify(struct fd_handler *h, uint32_t events)
{
	struct epoll_event ev = { .events = events | EPOLLET, .data.ptr = h };

	return epoll_ctl(th->epfd, EPOLL_CTL_MOD, h->fd, &ev);
}

void fd_unregister(struct fd_handler *h)
{
	epoll_ctl(th->epfd, EPOLL_CTL_DEL, h->fd, NULL);
}

int fd_set_nonblock(int fd)
{
	int fl = fcntl(fd, F_GETFL);

	return fl < 0 ? -1 : fcntl(fd, F_SETFL, fl | O_NONBLOCK);
}
