/* main.c: command line, configuration, start-up and shutdown of sluice.
 *
 * The rooms' own start-up steps and reference texts are registered with
 * core/init.h and run here by stage; what main() still calls by name is
 * the configuration (cfg/), the pools' debug options (mem/, -dM), the
 * listeners (net/: counted, bound, their unix sockets removed at exit)
 * and the algorithms listed by -vv (lb/). */
#include <errno.h>
#include <fcntl.h>
#include <gnu/libc-version.h>
#include <sched.h>
#include <signal.h>
#include <string.h>
#include <unistd.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/utsname.h>
#include "core/thread.h"
#include "core/clock.h"
#include "core/global-t.h"
#include "core/init.h"
#include "cfg/cfg.h"
#include "lb/lb.h"
#include "mem/pool.h"
#include "net/conn.h"
#include "net/listener.h"
#include "net/mux.h"
#include "proxy/proxy-t.h"

#ifndef SLUICE_VERSION
#define SLUICE_VERSION "dev"
#endif
#ifndef SLUICE_BUILD_OPTS
#define SLUICE_BUILD_OPTS "unknown"
#endif

static void usage(const char *prog, int code)
{
	fprintf(code ? stderr : stdout,
		"Usage: %s -f <cfgfile> [-f <cfgfile>...] [-c] [-D] [-p <pidfile>] [-n <name>] [-v|-vv]\n"
		"  -f <file>  load this configuration file (may be repeated)\n"
		"  -c         check the configuration and exit (0 valid, 1 invalid)\n"
		"  -D         run in the background (daemon)\n"
		"  -p <file>  write the pid into this file\n"
		"  -v         print the version; -vv adds build options and libraries\n"
		"  -n <name>  instance name: shared memory file name or path (default sluice)\n"
		"  -x <what>  print reference docs from the binary: ", prog);
	init_print_doc_names(code ? stderr : stdout);
	fprintf(code ? stderr : stdout, "\n"
		"  -dM<opts>  pool debugging, e.g. -dMintegrity,tag,caller (-dMhelp lists them)\n"
		"Signals: SIGTERM/SIGUSR1 soft stop (finish in-flight requests, within\n"
		"hard-stop-after), SIGINT immediate stop, SIGHUP server states to stderr,\n"
		"SIGQUIT memory pools to stderr, SIGUSR2 (reload) refused with a message,\n"
		"SIGPIPE, SIGTTIN and SIGTTOU ignored.\n");
	exit(code);
}

static int cpus_available(void)
{
	cpu_set_t set;

	if (sched_getaffinity(0, sizeof(set), &set) == 0)
		return CPU_COUNT(&set);
	return 1;
}

static void print_version(int verbose)
{
	struct utsname u;

	printf("sluice version %s\n", SLUICE_VERSION);
	if (!verbose)
		return;
	printf("Build options:\n  %s\n  compiler: %s\n", SLUICE_BUILD_OPTS, __VERSION__);
	if (uname(&u) == 0)
		printf("Running on: %s %s %s\n", u.sysname, u.release, u.machine);
	printf("Library versions:\n  glibc %s (built with %d.%d)\n",
	       gnu_get_libc_version(), __GLIBC__, __GLIBC_MINOR__);
	printf("Default settings:\n  nbthread = %d (CPUs available), maxconn = %u, bufsize = %u\n",
	       cpus_available(), global.maxconn, global.bufsize);
	printf("Available pollers: epoll (edge-triggered, one per thread)\n");
	printf("Available transports: ");
	xprt_print_names(stdout);
	printf("\n");
	printf("Available multiplexers: ");
	mux_print_names(stdout);
	printf("\n");
	printf("Available load-balancing algorithms: ");
	lb_print_names(stdout);
	printf("\n");
}

static void on_soft_stop(int sig)
{
	if (!is_stopping()) {
		if (global.hard_stop_after)
			__atomic_store_n(&run_stop_deadline, clock_mono_ms() + global.hard_stop_after,
					 __ATOMIC_RELEASE);
		__atomic_store_n(&run_soft_stop, 1, __ATOMIC_RELEASE);
	}
	threads_wake_all();
}

static void on_hard_stop(int sig)
{
	__atomic_store_n(&run_killed, 1, __ATOMIC_RELEASE);
	threads_wake_all();
}

/* SIGHUP, SIGQUIT: a report, written by the room that owns the figures
 * (servers, pools) from thread 0's loop, not from the handler. */
static void on_report(int sig)
{
	run_signal_post(sig);
	thread_wake(0);
}

static void on_reload(int sig)
{
	static const char msg[] = "[WARNING] SIGUSR2: reload is not supported yet; "
				  "signal ignored, still running\n";
	int err = errno;

	(void)!write(STDERR_FILENO, msg, sizeof(msg) - 1);   /* async-signal-safe */
	errno = err;
}

/* Every signal an operator may send has a meaning (see usage() and the
 * management guide): none is left to its default, deadly action. */
static void setup_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sigemptyset(&sa.sa_mask);
	sa.sa_handler = SIG_IGN;
	sigaction(SIGPIPE, &sa, NULL);
	sigaction(SIGTTIN, &sa, NULL);
	sigaction(SIGTTOU, &sa, NULL);
	sa.sa_handler = on_soft_stop;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGUSR1, &sa, NULL);
	sa.sa_handler = on_hard_stop;
	sigaction(SIGINT, &sa, NULL);
	sa.sa_handler = on_report;
	sigaction(SIGHUP, &sa, NULL);
	sigaction(SIGQUIT, &sa, NULL);
	sa.sa_handler = on_reload;
	sigaction(SIGUSR2, &sa, NULL);
}

/* File descriptors: every connection may need a client and a server fd, an
 * idle server connection and pipes in TCP mode (4), plus a reserve for
 * listeners, pollers, checks and the shared memory. Raise the soft limit
 * toward that within the hard one; when even the hard one is too low, lower
 * maxconn to what fits at 3 fds a connection (pipes fall back to buffers
 * when none can be had), as HAProxy does, and say so: past the limit
 * accept() fails and connections would pile up in the listen queues. */
#define NOFILE_PER_CONN_WANT 4
#define NOFILE_PER_CONN_MIN  3
static void fit_nofile(int nbthread)
{
	struct rlimit rl;
	rlim_t reserve = 256 + (rlim_t)nbthread * 64;
	rlim_t want = (rlim_t)global.maxconn * NOFILE_PER_CONN_WANT + reserve;
	rlim_t fits;

	if (getrlimit(RLIMIT_NOFILE, &rl) < 0 || rl.rlim_cur >= want)
		return;
	rl.rlim_cur = want < rl.rlim_max ? want : rl.rlim_max;
	if (setrlimit(RLIMIT_NOFILE, &rl) < 0)
		getrlimit(RLIMIT_NOFILE, &rl);
	if (rl.rlim_cur >= want)
		return;
	fits = rl.rlim_cur > reserve + NOFILE_PER_CONN_MIN ?
	       (rl.rlim_cur - reserve) / NOFILE_PER_CONN_MIN : 1;
	if (fits < global.maxconn) {
		fprintf(stderr, "[WARNING] maxconn lowered from %u to %llu: the file descriptor "
			"limit is %llu (raise it with 'ulimit -n %llu' to keep %u)\n",
			global.maxconn, (unsigned long long)fits, (unsigned long long)rl.rlim_cur,
			(unsigned long long)want, global.maxconn);
		global.maxconn = (unsigned)fits;
	}
}

static void daemonize(void)
{
	pid_t pid = fork();
	int fd;

	if (pid < 0) {
		fprintf(stderr, "[ALERT] cannot fork: %s\n", strerror(errno));
		exit(1);
	}
	if (pid > 0)
		_exit(0);
	setsid();
	fd = open("/dev/null", O_RDWR);
	if (fd >= 0) {
		dup2(fd, 0);
		dup2(fd, 1);
		dup2(fd, 2);
		if (fd > 2)
			close(fd);
	}
}

static void write_pidfile(void)
{
	FILE *f;

	if (!global.pidfile)
		return;
	f = fopen(global.pidfile, "w");
	if (!f) {
		fprintf(stderr, "[ALERT] cannot write pidfile '%s': %s\n", global.pidfile, strerror(errno));
		exit(1);
	}
	fprintf(f, "%d\n", (int)getpid());
	fclose(f);
}

static void remove_unix_sockets(void)
{
	for (struct proxy *px = proxies_list; px; px = px->next) {
		struct list *it, *bk;

		list_for_each_safe(it, bk, &px->listeners) {
			struct listener *li = list_elem(it, struct listener, list);

			if (li->addr.ss_family == AF_UNIX && li->fds[0] >= 0) {
				close(li->fds[0]);
				unlink(((struct sockaddr_un *)&li->addr)->sun_path);
			}
		}
	}
}

int main(int argc, char **argv)
{
	const char *files[16];
	int nb_files = 0, check = 0, verbose = -1, daemon_opt = 0, nbthread;
	const char *pidfile = NULL, *doc = NULL, *instance = NULL;

	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "-f") && i + 1 < argc) {
			if (nb_files == (int)ARRAY_SIZE(files))
				usage(argv[0], 1);
			files[nb_files++] = argv[++i];
		} else if (!strcmp(a, "-c"))
			check = 1;
		else if (!strcmp(a, "-v"))
			verbose = 0;
		else if (!strcmp(a, "-vv"))
			verbose = 1;
		else if (!strcmp(a, "-D"))
			daemon_opt = 1;
		else if (!strcmp(a, "-p") && i + 1 < argc)
			pidfile = argv[++i];
		else if (!strcmp(a, "-x") && i + 1 < argc)
			doc = argv[++i];
		else if (!strcmp(a, "-n") && i + 1 < argc)
			instance = argv[++i];
		else if (!strncmp(a, "-dM", 3)) {
			if (pool_debug_cli(a + 3) < 0)
				return 1;
		} else if (!strcmp(a, "-h") || !strcmp(a, "--help"))
			usage(argv[0], 0);
		else {
			fprintf(stderr, "[ALERT] unknown or incomplete option '%s'\n", a);
			usage(argv[0], 1);
		}
	}
	if (verbose >= 0) {
		print_version(verbose);
		return 0;
	}
	if (doc) {
		if (init_print_doc(doc, stdout) < 0) {
			fprintf(stderr, "[ALERT] -x takes one of ");
			init_print_doc_names(stderr);
			fprintf(stderr, "; not '%s'\n", doc);
			return 1;
		}
		return 0;
	}
	if (!nb_files) {
		fprintf(stderr, "[ALERT] no configuration file given (use -f <file>)\n");
		usage(argv[0], 1);
	}
	for (int i = 0; i < nb_files; i++)
		cfg_parse_file(files[i]);
	if (cfg_check() < 0) {
		fprintf(stderr, "[ALERT] fatal errors found in configuration.\n");
		return 1;
	}
	if (!listeners_count()) {
		/* As HAProxy: a process that can accept nothing is a mistake.
		 * "-c" says the file is correct but would not start (exit 2). */
		for (int i = 0; i < nb_files; i++)
			fprintf(stderr, "[%s] %s: no 'bind' line in any frontend or listen "
				"section: nothing to serve.\n", check ? "WARNING" : "ALERT",
				files[i]);
		if (check) {
			printf("Configuration file has no error but will not start (no listener)\n");
			return 2;
		}
		fprintf(stderr, "[ALERT] no listener: not starting.\n");
		return 1;
	}
	pool_debug_apply();     /* before anything is allocated from a pool */
	if (check) {
		printf("Configuration file is valid\n");
		return 0;
	}
	if (pidfile)
		global.pidfile = strdup(pidfile);
	if (daemon_opt)
		global.daemon = 1;
	global.instance = instance;

	nbthread = global.nbthread ? global.nbthread : cpus_available();
	if (nbthread > MAX_THREADS)
		nbthread = MAX_THREADS;
	global.nbthread = nbthread;
	fit_nofile(nbthread);
	if (init_run(INIT_PREPARE) < 0)
		return 1;
	for (int i = 0; i < nbthread; i++) {
		if (thread_ctx_init(i) < 0) {
			fprintf(stderr, "[ALERT] cannot set up thread %d: %s\n", i, strerror(errno));
			return 1;
		}
	}
	thread_bind(0);
	if (listeners_bind_all(nbthread) < 0)
		return 1;
	if (global.daemon)
		daemonize();
	if (init_run(INIT_OWNER) < 0)
		return 1;
	write_pidfile();
	if (init_run(INIT_START) < 0)
		return 1;
	setup_signals();

	threads_run(nbthread);

	init_run(INIT_STOP);
	remove_unix_sockets();
	if (global.pidfile)
		unlink(global.pidfile);
	return 0;
}
