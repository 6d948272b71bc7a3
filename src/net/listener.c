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
#include "core/task.h"
#include "core/clock.h"
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

unsigned listeners_count(void)
{
	unsigned n = 0;

	for (struct proxy *px = proxies_list; px; px = px->next) {
		struct list *it, *bk;

		list_for_each_safe(it, bk, &px->listeners)
			n++;
	}
	return n;
}

static int fd_of(struct listener *li)
{
	return li->addr.ss_family == AF_UNIX ? li->fds[0] : li->fds[tid];
}

/* Take one unit of <*ctr> unless it already reached <max>: the check and the
 * increment are one atomic step, so threads accepting at once never push it
 * past the limit. Returns 1 when taken. */
static int slot_take(unsigned *ctr, unsigned max)
{
	unsigned n = __atomic_load_n(ctr, __ATOMIC_RELAXED);

	do {
		if (n >= max)
			return 0;
	} while (!__atomic_compare_exchange_n(ctr, &n, n + 1, 1, __ATOMIC_RELAXED,
					      __ATOMIC_RELAXED));
	return 1;
}

/* A connection slot of the process and of the frontend <fe>; 0 at a limit. */
static int conn_slot_take(struct proxy *fe)
{
	if (!slot_take(&actconn, global.maxconn))
		return 0;
	if (slot_take(&fe->feconn, fe->maxconn ? fe->maxconn : global.maxconn))
		return 1;
	__atomic_sub_fetch(&actconn, 1, __ATOMIC_RELAXED);
	return 0;
}

static void conn_slot_put(struct proxy *fe)
{
	__atomic_sub_fetch(&actconn, 1, __ATOMIC_RELAXED);
	__atomic_sub_fetch(&fe->feconn, 1, __ATOMIC_RELAXED);
}

/* Pause <li> on this thread; listeners_turn() retries it. */
static void listener_pause(struct listener *li)
{
	if (!li->paused[tid]) {
		li->paused[tid] = 1;
		__atomic_add_fetch(&nb_paused, 1, __ATOMIC_RELAXED);
	}
}

/* Per thread: the retry timer of listeners paused by a lack of resources
 * (no fd, no memory). Nothing else would wake them when no connection of
 * this process closes: the descriptors may be held by another process. */
static __thread struct task li_retry;
static __thread int li_retry_armed;
#define LI_RETRY_MS 100

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

		if (!conn_slot_take(fe)) {
			listener_pause(li);         /* resumed when a slot frees up */
			return;
		}
		cfd = accept4(fd, (struct sockaddr *)&peer, &plen, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (cfd < 0) {
			int err = errno;

			conn_slot_put(fe);
			if (err == EINTR || err == ECONNABORTED)
				continue;
			if (err == EAGAIN || err == EWOULDBLOCK)
				return;         /* drained: the next edge says when */
			/* EMFILE, ENFILE, ENOBUFS, ENOMEM...: the queued
			 * connections stay queued and no new edge would come
			 * for them. Retry when a connection of ours closes
			 * (listener_conn_done) or on a short timer. */
			listener_pause(li);
			if (!li_retry_armed) {
				li_retry_armed = 1;
				task_schedule(&li_retry, now_ms + LI_RETRY_MS);
			}
			if (!__atomic_exchange_n(&li->warned, 1, __ATOMIC_RELAXED))
				fprintf(stderr, "[WARNING] %s '%s': accept() failed (%s): accepting "
					"paused, retried every %d ms and when a connection closes "
					"(said once per listener)\n",
					fe->cap & PX_CAP_BE ? "proxy" : "frontend", fe->id,
					strerror(err), LI_RETRY_MS);
			return;
		}
		if (peer.ss_family == AF_UNIX)
			memset(&peer, 0, sizeof(peer)), peer.ss_family = AF_UNIX;
		fe->ctr[tid].conns++;
		thr_ctr()->conns_accepted++;
		listener_accept_cb(li, cfd, &peer);
	}
	/* Budget spent with connections possibly pending: come back on the
	 * next turn (edge-triggered: no new event would tell us). */
	listener_pause(li);
}

static void li_fd_cb(struct fd_handler *h, uint32_t ev)
{
	listener_accept(container_of(h, struct li_handler, fdh)->li);
}

void listener_conn_done(struct listener *li)
{
	conn_slot_put(li->fe);
	if (__atomic_load_n(&nb_paused, __ATOMIC_RELAXED))
		threads_wake_all();
}

/* Each loop turn: retry paused listeners of this thread. */
static void listeners_turn(void)
{
	if (!__atomic_load_n(&nb_paused, __ATOMIC_RELAXED) || is_stopping())
		return;
	if (li_retry_armed) {
		li_retry_armed = 0;
		task_cancel(&li_retry);
	}
	for (int i = 0; i < nb_li_handlers; i++) {
		struct listener *li = li_handlers[i].li;

		if (li->paused[tid]) {
			li->paused[tid] = 0;
			__atomic_sub_fetch(&nb_paused, 1, __ATOMIC_RELAXED);
			listener_accept(li);
		}
	}
}

/* The retry timer's task: the turn hook that follows does the work. */
static void li_retry_task(struct task *t, void *ctx)
{
	li_retry_armed = 0;
}

static void listeners_thread_init(void)
{
	int n = 0, i = 0;

	task_init(&li_retry, li_retry_task, NULL);

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

/* Soft stop: this thread stops accepting. What its TCP sockets hold in
 * their accept queues is accepted first and served (each response says
 * "Connection: close"): closing a listening socket resets its queued
 * connections, which clients would see as errors on requests they already
 * sent. Then the sockets close; the shared unix socket is unregistered and
 * closed by thread 0. */
static void listeners_thread_stop(void)
{
	for (int i = 0; i < nb_li_handlers; i++) {
		struct listener *li = li_handlers[i].li;

		if (li->addr.ss_family != AF_UNIX)
			listener_accept(li);

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
	task_cancel(&li_retry);
	li_retry_armed = 0;
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
