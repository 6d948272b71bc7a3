/* listener.c: listening sockets. TCP listeners get one SO_REUSEPORT socket
 * per thread so that the kernel spreads connections and no thread touches
 * another's socket; unix sockets have one socket that all threads poll with
 * EPOLLEXCLUSIVE. At maxconn a thread stops accepting (the connection waits
 * in the backlog) and resumes when a slot frees up. */
#include <errno.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <netinet/in.h>
#include "net/listener.h"
#include "net/conn.h"
#include "core/thread.h"
#include "core/fd.h"
#include "proxy/proxy-t.h"
#include "shm/counters.h"

void (*listener_accept_cb)(struct listener *li, int fd, const struct sockaddr_storage *peer);
unsigned actconn;
static unsigned nb_paused;            /* listeners paused on any thread (atomic) */
static int nb_threads;

/* The poller hands us this; one per listener and thread. */
struct li_handler {
	struct fd_handler fdh;
	struct listener *li;
};
static __thread struct li_handler *li_handlers;
static __thread int nb_li_handlers;

static int bind_one(struct listener *li, int reuseport)
{
	int fd, one = 1;

	fd = socket(li->addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (li->addr.ss_family != AF_UNIX) {
		setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
		if (reuseport && setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof(one)) < 0)
			goto fail;
		if (li->addr.ss_family == AF_INET6)
			setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	} else {
		const char *path = ((struct sockaddr_un *)&li->addr)->sun_path;
		struct stat st;

		/* Replace a stale socket, never a regular file. */
		if (lstat(path, &st) == 0 && S_ISSOCK(st.st_mode))
			unlink(path);
	}
	if (bind(fd, (struct sockaddr *)&li->addr, li->addrlen) < 0)
		goto fail;
	if (li->addr.ss_family == AF_UNIX && li->mode)
		chmod(((struct sockaddr_un *)&li->addr)->sun_path, li->mode);
	if (listen(fd, 1024) < 0)
		goto fail;
	return fd;
fail:
	{
		int err = errno;

		close(fd);
		errno = err;
	}
	return -1;
}

int listeners_bind_all(int nbthread)
{
	nb_threads = nbthread;
	for (struct proxy *px = proxies_list; px; px = px->next) {
		struct list *it, *bk;

		list_for_each_safe(it, bk, &px->listeners) {
			struct listener *li = list_elem(it, struct listener, list);
			int unix_sock = li->addr.ss_family == AF_UNIX;

			for (int t = 0; t < MAX_THREADS; t++)
				li->fds[t] = -1;
			for (int t = 0; t < (unix_sock ? 1 : nbthread); t++) {
				li->fds[t] = bind_one(li, !unix_sock);
				if (li->fds[t] < 0) {
					fprintf(stderr, "[ALERT] %s:%d: starting %s '%s': cannot bind socket (%s) [%s]\n",
						li->conf_file, li->conf_line,
						px->cap & PX_CAP_BE ? "proxy" : "frontend",
						px->id, strerror(errno), li->name);
					return -1;
				}
			}
		}
	}
	return 0;
}

static int fd_of(struct listener *li)
{
	return li->addr.ss_family == AF_UNIX ? li->fds[0] : li->fds[tid];
}

/* Returns 1 when the frontend or the process is at its connection limit. */
static int at_limit(struct proxy *fe)
{
	unsigned fe_max = fe->maxconn ? fe->maxconn : global.maxconn;

	return __atomic_load_n(&actconn, __ATOMIC_RELAXED) >= global.maxconn ||
	       __atomic_load_n(&fe->feconn, __ATOMIC_RELAXED) >= fe_max;
}

static void listener_accept(struct listener *li)
{
	struct proxy *fe = li->fe;
	int fd = fd_of(li);

	if (fd < 0)
		return;
	for (int n = 0; n < 64; n++) {
		struct sockaddr_storage peer;
		socklen_t plen = sizeof(peer);
		int cfd;

		if (at_limit(fe)) {
			if (!li->paused[tid]) {
				li->paused[tid] = 1;
				__atomic_add_fetch(&nb_paused, 1, __ATOMIC_RELAXED);
			}
			return;
		}
		cfd = accept4(fd, (struct sockaddr *)&peer, &plen, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (cfd < 0) {
			if (errno == EINTR || errno == ECONNABORTED)
				continue;
			/* EAGAIN: drained. EMFILE/ENFILE/ENOMEM: retried on the
			 * next event or when a connection closes. */
			return;
		}
		if (peer.ss_family == AF_UNIX)
			memset(&peer, 0, sizeof(peer)), peer.ss_family = AF_UNIX;
		__atomic_add_fetch(&actconn, 1, __ATOMIC_RELAXED);
		__atomic_add_fetch(&fe->feconn, 1, __ATOMIC_RELAXED);
		fe->ctr[tid].conns++;
		thr_ctr()->conns_accepted++;
		listener_accept_cb(li, cfd, &peer);
	}
	/* Budget spent with connections possibly pending: come back on the
	 * next turn (edge-triggered: no new event would tell us). */
	if (!li->paused[tid]) {
		li->paused[tid] = 1;
		__atomic_add_fetch(&nb_paused, 1, __ATOMIC_RELAXED);
	}
}

static void li_fd_cb(struct fd_handler *h, uint32_t ev)
{
	listener_accept(container_of(h, struct li_handler, fdh)->li);
}

void listener_conn_done(struct listener *li)
{
	__atomic_sub_fetch(&actconn, 1, __ATOMIC_RELAXED);
	__atomic_sub_fetch(&li->fe->feconn, 1, __ATOMIC_RELAXED);
	if (__atomic_load_n(&nb_paused, __ATOMIC_RELAXED))
		threads_wake_all();
}

/* Each loop turn: retry paused listeners of this thread. */
static void listeners_turn(void)
{
	if (!__atomic_load_n(&nb_paused, __ATOMIC_RELAXED) || is_stopping())
		return;
	for (int i = 0; i < nb_li_handlers; i++) {
		struct listener *li = li_handlers[i].li;

		if (li->paused[tid]) {
			li->paused[tid] = 0;
			__atomic_sub_fetch(&nb_paused, 1, __ATOMIC_RELAXED);
			listener_accept(li);
		}
	}
}

static void listeners_thread_init(void)
{
	int n = 0, i = 0;

	for (struct proxy *px = proxies_list; px; px = px->next) {
		struct list *it, *bk;

		list_for_each_safe(it, bk, &px->listeners)
			n++;
	}
	if (!n)
		return;
	li_handlers = calloc(n, sizeof(*li_handlers));
	BUG_ON(!li_handlers);
	for (struct proxy *px = proxies_list; px; px = px->next) {
		struct list *it, *bk;

		list_for_each_safe(it, bk, &px->listeners) {
			struct listener *li = list_elem(it, struct listener, list);
			struct li_handler *h = &li_handlers[i++];
			uint32_t ev = EPOLLIN;

			h->li = li;
			h->fdh.fd = fd_of(li);
			h->fdh.cb = li_fd_cb;
			if (li->addr.ss_family == AF_UNIX)
				ev |= EPOLLEXCLUSIVE;
			/* EPOLLEXCLUSIVE forbids EPOLLET's MOD; we never MOD. */
			BUG_ON(fd_register(&h->fdh, ev) < 0);
		}
	}
	nb_li_handlers = n;
}

/* Soft stop: this thread stops accepting. Its TCP sockets close now (the
 * kernel moves their queued connections to the remaining sockets of the
 * group or resets them once all are closed); the shared unix socket is
 * unregistered and closed by thread 0. */
static void listeners_thread_stop(void)
{
	for (int i = 0; i < nb_li_handlers; i++) {
		struct listener *li = li_handlers[i].li;

		fd_unregister(&li_handlers[i].fdh);
		if (li->addr.ss_family != AF_UNIX) {
			close(li->fds[tid]);
			li->fds[tid] = -1;
		}
	}
	nb_li_handlers = 0;
}

static void listeners_thread_exit(void)
{
	free(li_handlers);
	li_handlers = NULL;
	nb_li_handlers = 0;
}

static struct thread_hook listener_hook = {
	.init = listeners_thread_init,
	.stop = listeners_thread_stop,
	.turn = listeners_turn,
	.exit = listeners_thread_exit,
};

__attribute__((constructor)) static void listener_register(void)
{
	thread_register_hook(&listener_hook);
}
