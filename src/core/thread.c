/* thread.c: worker threads and their event loop. Each thread polls its own
 * epoll instance, runs its own timers and run queue, and owns the
 * connections it accepted or opened: nothing on the request path locks. */
#include <errno.h>
#include <signal.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/eventfd.h>
#include "core/thread.h"
#include "core/task.h"
#include "core/fd.h"
#include "core/clock.h"

struct thread_ctx thread_ctx[MAX_THREADS];
__thread struct thread_ctx *th;
__thread int tid;
__thread uint64_t now_ms;
__thread uint64_t now_real_us;
uint64_t start_mono_ms;

__attribute__((constructor)) static void clock_start(void)
{
	start_mono_ms = clock_mono_ms();
}

int run_soft_stop;
int run_killed;
unsigned run_signals;
uint64_t run_stop_deadline;

static struct thread_hook *hooks;
static struct fd_handler wake_h[MAX_THREADS];
static int nb_started;

void thread_register_hook(struct thread_hook *h)
{
	h->next = hooks;
	hooks = h;
}

static void wake_cb(struct fd_handler *h, uint32_t ev)
{
	uint64_t v;

	while (read(h->fd, &v, sizeof(v)) > 0)
		;
}

int thread_ctx_init(int i)
{
	struct thread_ctx *c = &thread_ctx[i];

	c->tid = i;
	list_init(&c->runq);
	list_init(&c->sessions);
	list_init(&c->idle_srv);
	list_init(&c->idle_grave);
	if (pthread_spin_init(&c->idle_lock, PTHREAD_PROCESS_PRIVATE))
		return -1;
	c->epfd = epoll_create1(EPOLL_CLOEXEC);
	if (c->epfd < 0)
		return -1;
	c->wake_fd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
	if (c->wake_fd < 0)
		return -1;
	return 0;
}

void thread_bind(int i)
{
	tid = i;
	th = &thread_ctx[i];
	clock_update();
}

void thread_wake(int i)
{
	uint64_t one = 1;
	ssize_t r = write(thread_ctx[i].wake_fd, &one, sizeof(one));

	(void)r; /* a full counter already means "wake up" */
}

int thread_count(void)
{
	return nb_started;
}

void threads_wake_all(void)
{
	for (int i = 0; i < nb_started; i++)
		thread_wake(i);
}

static void thread_loop(void)
{
	struct epoll_event evs[256];

	wake_h[tid].fd = th->wake_fd;
	wake_h[tid].cb = wake_cb;
	BUG_ON(fd_register(&wake_h[tid], EPOLLIN) < 0);
	for (struct thread_hook *h = hooks; h; h = h->next)
		if (h->init)
			h->init();

	for (;;) {
		uint64_t next;
		int timeout, n;

		if (is_stopping() && !th->stopping_seen) {
			th->stopping_seen = 1;
			for (struct thread_hook *h = hooks; h; h = h->next)
				if (h->stop)
					h->stop();
		}
		if (is_killed())
			break;
		if (is_stopping() && !th->nb_conns && list_empty(&th->runq))
			break;
		if (stop_deadline() && now_ms >= stop_deadline())
			break;

		timeout = 1000;
		if (!list_empty(&th->runq))
			timeout = 0;
		else if ((next = timers_next())) {
			timeout = next > now_ms ? (int)MIN(next - now_ms, 1000) : 0;
		}
		if (stop_deadline())
			timeout = MIN(timeout, 100);

		n = epoll_wait(th->epfd, evs, ARRAY_SIZE(evs), timeout);
		clock_update();
		th->stats.loops++;
		if (n > 0)
			th->stats.events += (uint64_t)n;
		for (int i = 0; i < n; i++) {
			struct fd_handler *h = evs[i].data.ptr;

			h->cb(h, evs[i].events);
		}
		timers_run();
		runq_run();
		for (struct thread_hook *h = hooks; h; h = h->next)
			if (h->turn)
				h->turn();
	}
	for (struct thread_hook *h = hooks; h; h = h->next)
		if (h->exit)
			h->exit();
	free(th->timers);
	th->timers = NULL;
	th->nb_timers = th->sz_timers = 0;
}

void signals_async_set(sigset_t *set)
{
	sigfillset(set);
	sigdelset(set, SIGBUS);
	sigdelset(set, SIGSEGV);
	sigdelset(set, SIGFPE);
	sigdelset(set, SIGILL);
}

static void *thread_start(void *arg)
{
	sigset_t set;

	/* Only the main thread takes signals sent to the process. */
	signals_async_set(&set);
	pthread_sigmask(SIG_BLOCK, &set, NULL);
	thread_bind((int)(long)arg);
	thread_loop();
	return NULL;
}

void threads_run(int n)
{
	nb_started = n;
	for (int i = 1; i < n; i++) {
		if (pthread_create(&thread_ctx[i].pth, NULL, thread_start, (void *)(long)i)) {
			fprintf(stderr, "[ALERT] cannot start thread %d: %s\n", i, strerror(errno));
			exit(1);
		}
	}
	thread_bind(0);
	thread_loop();
	/* A hard stop must not wait for threads busy with long transfers. */
	for (int i = 1; i < n; i++) {
		if (is_killed())
			thread_wake(i);
		pthread_join(thread_ctx[i].pth, NULL);
	}
}
