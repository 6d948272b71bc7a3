/* thread.h: worker threads, their loop, and process-wide run state. */
#ifndef SLUICE_CORE_THREAD_H
#define SLUICE_CORE_THREAD_H

#include <signal.h>
#include "core/thread-t.h"

/* Process run state, written by the signal handlers, read by every thread:
 * atomics (a signal handler may store to a lock-free atomic), read through
 * the functions below. */
extern int run_soft_stop;              /* soft stop requested (SIGTERM) */
extern int run_killed;                 /* hard stop (SIGINT, hard-stop-after) */
extern uint64_t run_stop_deadline;     /* monotonic ms of the hard stop, 0 = none */

static inline int is_stopping(void)
{
	return __atomic_load_n(&run_soft_stop, __ATOMIC_ACQUIRE);
}

static inline int is_killed(void)
{
	return __atomic_load_n(&run_killed, __ATOMIC_ACQUIRE);
}

/* The hard stop's deadline, set before the soft stop is (release/acquire):
 * a thread that sees is_stopping() sees it. 0 = none. */
static inline uint64_t stop_deadline(void)
{
	return __atomic_load_n(&run_stop_deadline, __ATOMIC_ACQUIRE);
}

/* Report signals (SIGHUP, SIGQUIT): the handler records the signal and wakes
 * thread 0, whose turn hooks take it with run_signal_take() and act. */
extern unsigned run_signals;           /* bit (1 << signo) per pending signal */

static inline void run_signal_post(int sig)
{
	__atomic_or_fetch(&run_signals, 1U << sig, __ATOMIC_RELEASE);
}

/* Whether <sig> came since the last call (one taker per signal, thread 0). */
static inline int run_signal_take(int sig)
{
	if (!(__atomic_load_n(&run_signals, __ATOMIC_ACQUIRE) & (1U << sig)))
		return 0;
	return !!(__atomic_fetch_and(&run_signals, ~(1U << sig), __ATOMIC_ACQ_REL) & (1U << sig));
}

/* Fills <set> with the signals that threads other than the main one block:
 * all but a thread's own faults (SIGBUS, SIGSEGV, SIGFPE, SIGILL). Those
 * are delivered to the thread that faulted whatever its mask, and a
 * blocked one kills the process instead of reaching its handler (the
 * shared memory's SIGBUS guard, shm/shm.c). */
void signals_async_set(sigset_t *set);

/* Set up thread <i>'s context (epoll, eventfd); 0 or -1 with errno. */
int thread_ctx_init(int i);
/* Bind thread-local pointers for the calling thread. */
void thread_bind(int i);
/* Start workers 1..n-1 in the background and run worker 0 in the caller;
 * returns when every worker has exited. */
void threads_run(int n);
/* Wake thread <i> from epoll_wait (async-signal-safe). */
void thread_wake(int i);
void threads_wake_all(void);
/* Number of worker threads started (0 before threads_run()). */
int thread_count(void);

/* Per-thread hooks, registered at startup from the room that needs them.
 * Each member is optional and runs on every worker thread. */
struct thread_hook {
	void (*init)(void);          /* before the loop: register fds */
	void (*stop)(void);          /* once, at soft stop: close listeners, idle clients */
	void (*turn)(void);          /* every loop turn, after tasks: cheap checks only */
	void (*exit)(void);          /* when the thread leaves its loop: free per-thread state */
	struct thread_hook *next;
};
void thread_register_hook(struct thread_hook *h);

#endif
