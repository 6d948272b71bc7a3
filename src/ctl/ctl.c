/* ctl.c: the statistics socket, a minimal control socket with a thread of its own.
 *
 * Lifecycle:
 *   ctl_start()   binds "stats socket PATH" (under a temporary name, then
 *                 renamed over PATH so that the path never points nowhere)
 *                 and starts ctl_thread();
 *   ctl_thread()  waits for a client, answers its command lines one by one,
 *                 closes it at EOF, after "quit", after CTL_IDLE_MS without a
 *                 complete line, on a line longer than CTL_LINE_MAX or after
 *                 CTL_MAX_CMDS commands; then waits for the next client. One
 *                 client at a time: this is an operator's tool, not a service;
 *   ctl_stop()    wakes the thread through an eventfd, joins it, closes the
 *                 socket and removes its file if it is still the one we made.
 *
 * The thread only reads: the proxy list (fixed after the configuration is
 * loaded) and the per-thread counters, each slot written by its own worker
 * thread without atomics. Reads are relaxed atomic loads of whole 64-bit
 * words, so a total may lag by a few events but is never torn. The thread
 * never touches a worker's event loop: a slow client cannot slow traffic.
 *
 * Protocol: one command per line ("\n" or "\r\n"); every answer ends with an
 * empty line, so a client may send several commands and split the answers.
 */
#include <errno.h>
#include <inttypes.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <string.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "core/compiler.h"
#include "core/global-t.h"
#include "core/thread.h"
#include "proxy/proxy-t.h"
#include "lb/server-t.h"
#include "shm/counters.h"
#include "mem/buf.h"
#include "mem/pool.h"
#include "lb/check.h"
#include "ctl/ctl.h"

#ifndef SLUICE_VERSION
#define SLUICE_VERSION "dev"        /* the Makefile passes the real one */
#endif

#define CTL_LINE_MAX   1024    /* longest command line, bytes (with its \n) */
#define CTL_STR_(x)    #x
#define CTL_STR(x)     CTL_STR_(x)
#define CTL_MAX_CMDS   256     /* commands answered per connection */
#define CTL_IDLE_MS    10000   /* a client silent this long is dropped */
#define CTL_BACKLOG    16

/* ---- counters ---------------------------------------------------------------
 * "show stat" and "sluice -x counters" both walk the tables of
 * shm/counters-tbl.h (shm/counters.h), so a counter's name, where it is
 * read from and its description cannot drift apart. Only the lines marked
 * CTR_STAT are reported here, each on the proxy sides it applies to.
 */

static uint64_t px_cur_conns(const void *obj)
{
	return ctr_live_px_cur_conns(obj);
}

/* Prints the "show stat" lines of one object: "<kind>.<id>[.<sub>].<name>
 * <value>"; <side> (CTR_FE, CTR_BE or 0) selects the proxy side. */
static void show_rows(FILE *out, const char *kind, const char *id, const char *sub,
		      const struct ctr_family *fam, unsigned side, const void *obj,
		      const void *rows)
{
	for (unsigned i = 0; i < fam->nb; i++) {
		const struct ctr_desc *d = &fam->desc[i];

		if (!(d->flags & CTR_STAT) || (side && !(d->flags & side)))
			continue;
		fprintf(out, "%s.%s%s%s.%s %" PRIu64 "\n", kind, id, sub ? "." : "",
			sub ? sub : "", d->name, ctr_value(fam, d, obj, rows));
	}
}

/* ---- commands -------------------------------------------------------------- */

static void show_stat(FILE *out)
{
	const struct proxy *px;
	const struct server *srv;

	for (px = proxies_list; px; px = px->next) {
		CHECK_OBJ(px, PX_MAGIC);
		if (px->cap & PX_CAP_FE)
			show_rows(out, "fe", px->id, NULL, &ctr_px_family, CTR_FE, px, px->ctr);
		if (!(px->cap & PX_CAP_BE))
			continue;
		show_rows(out, "be", px->id, NULL, &ctr_px_family, CTR_BE, px, px->ctr);
		for (srv = px->srv; srv; srv = srv->next) {
			CHECK_OBJ(srv, SRV_MAGIC);
			show_rows(out, "srv", px->id, srv->id, &ctr_srv_family, 0, srv, srv->ctr);
		}
	}
	fputc('\n', out);
}

static struct timespec ctl_started_at;

static void show_info(FILE *out)
{
	const struct proxy *px;
	struct timespec now;
	uint64_t cur = 0;

	for (px = proxies_list; px; px = px->next)
		if (px->cap & PX_CAP_FE)
			cur += px_cur_conns(px);
	clock_gettime(CLOCK_MONOTONIC, &now);
	fprintf(out, "pid %d\n", (int)getpid());
	fprintf(out, "nbthread %d\n", global.nbthread);
	fprintf(out, "uptime_sec %lld\n", (long long)(now.tv_sec - ctl_started_at.tv_sec));
	fprintf(out, "curr_conns %" PRIu64 "\n", cur);
	fprintf(out, "maxconn %u\n", global.maxconn);
	fprintf(out, "version %s\n", SLUICE_VERSION);
	buf_dump_info(out);
	fputc('\n', out);
}

static void show_help(FILE *out)
{
	fputs("A connection runs one line of commands separated by ';' and closes,\n"
	      "unless 'prompt' made it interactive. Every answer ends with an empty line.\n"
	      "  help        this list\n"
	      "  prompt      toggle interactive mode (several lines per connection)\n"
	      "  show info   process information, one KEY VALUE per line\n"
	      "  show stat   frontend, backend and server counters, one KEY VALUE per line\n"
	      "  show pools  memory pools: object size, allocated, used, cached, failures\n"
	      "  show servers state  one line per server: state, effective weight, last check\n"
	      "  quit        close this connection\n"
	      "\n", out);
}

/* Echoes a command back in an error message: printable ASCII only, bounded. */
static void put_sanitized(FILE *out, const char *s, size_t len)
{
	size_t n;

	for (n = 0; n < len && n < 80; n++)
		fputc(s[n] >= 0x20 && s[n] < 0x7f ? s[n] : '?', out);
	if (n < len)
		fputs("...", out);
}

/* Runs one command (NUL-terminated) and appends its answer to <out>. Words
 * are separated by blanks. Returns 0 when the connection must be closed. */
static int ctl_exec_one(char *line, FILE *out, int *interactive)
{
	static const char blanks[] = " \t\r";
	char words[CTL_LINE_MAX + 1];
	char *w[3] = { NULL, NULL, NULL };
	char *p, *save = NULL;
	size_t len;
	int n = 0;

	line += strspn(line, blanks);
	len = strlen(line);
	while (len && strchr(blanks, line[len - 1]))
		len--;
	if (!len)
		return 1;                          /* blank: no answer */
	line[len] = '\0';

	memcpy(words, line, len + 1);          /* strtok_r cuts its input */
	for (p = words; n < 3 && (w[n] = strtok_r(p, blanks, &save)) != NULL; p = NULL)
		n++;
	if (n == 1 && strcmp(w[0], "quit") == 0)
		return 0;
	if (n == 1 && strcmp(w[0], "prompt") == 0)
		*interactive = !*interactive;
	else if (n == 1 && strcmp(w[0], "help") == 0)
		show_help(out);
	else if (n == 2 && strcmp(w[0], "show") == 0 && strcmp(w[1], "stat") == 0)
		show_stat(out);
	else if (n == 2 && strcmp(w[0], "show") == 0 && strcmp(w[1], "info") == 0)
		show_info(out);
	else if (n == 3 && strcmp(w[0], "show") == 0 && strcmp(w[1], "servers") == 0 &&
		 strcmp(w[2], "state") == 0)
		check_show_servers(out);
	else if (n == 2 && strcmp(w[0], "show") == 0 && strcmp(w[1], "pools") == 0) {
		pool_dump_stats(out);
		fputc('\n', out);
	}
	else {
		fputs("Unknown command '", out);
		put_sanitized(out, line, len);
		fputs("'. Try 'help'.\n\n", out);
	}
	return 1;
}

/* Runs a command line: commands separated by ';', as HAProxy's CLI does.
 * Returns 0 when the connection must be closed. */
static int ctl_exec(char *line, FILE *out, int *interactive)
{
	char *save = NULL, *cmd;

	for (cmd = strtok_r(line, ";", &save); cmd; cmd = strtok_r(NULL, ";", &save))
		if (!ctl_exec_one(cmd, out, interactive))
			return 0;
	return 1;
}

/* ---- the socket thread ----------------------------------------------------- */

static struct {
	int started;
	int fd;                  /* listening socket */
	int stop_fd;             /* eventfd: ctl_stop() -> thread */
	pthread_t thread;
	char *path;              /* socket file, for unlink at stop */
	dev_t dev;               /* identity of the file we bound */
	ino_t ino;
} ctl = { .fd = -1, .stop_fd = -1 };

/* Waits until <fd> is ready for <events>. Returns 1 when ready, 0 on idle
 * timeout or stop request, -1 on error. */
static int ctl_wait(int fd, short events, int timeout_ms)
{
	struct pollfd pfd[2] = {
		{ .fd = fd, .events = events },
		{ .fd = ctl.stop_fd, .events = POLLIN },
	};
	int r;

	do {
		r = poll(pfd, 2, timeout_ms);
	} while (r < 0 && errno == EINTR);
	if (r < 0)
		return -1;
	if (r == 0 || pfd[1].revents)
		return 0;
	return 1;
}

/* Sends <len> bytes of <buf> to the client. Returns 0 on success. */
static int ctl_send(int cfd, const char *buf, size_t len)
{
	while (len) {
		ssize_t n = send(cfd, buf, len, MSG_NOSIGNAL);

		if (n > 0) {
			buf += n;
			len -= (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno == EAGAIN) {
			if (ctl_wait(cfd, POLLOUT, CTL_IDLE_MS) == 1)
				continue;
		}
		return -1;
	}
	return 0;
}

static int ctl_send_str(int cfd, const char *s)
{
	return ctl_send(cfd, s, strlen(s));
}

/* Answers one client. Like HAProxy's CLI, a connection runs one command
 * line and closes, unless "prompt" made it interactive: then it runs lines
 * until the client leaves, says "quit", or a limit is hit. Does not close
 * <cfd>. */
static void ctl_serve(int cfd)
{
	char buf[CTL_LINE_MAX + 1];
	size_t len = 0;
	int ncmds = 0, eof = 0, interactive = 0;

	for (;;) {
		char *nl, *line;

		/* answer every complete line; at EOF also a last unterminated one */
		while ((nl = memchr(buf, '\n', len)) != NULL || (eof && len)) {
			size_t used = nl ? (size_t)(nl - buf) + 1 : len;
			char *ans = NULL;
			size_t anslen = 0;
			FILE *out;
			int keep;

			line = buf;
			if (nl)
				*nl = '\0';
			else
				buf[len] = '\0';
			out = open_memstream(&ans, &anslen);
			if (!out)
				return;
			keep = ctl_exec(line, out, &interactive);
			if (fclose(out) != 0) {
				free(ans);
				return;
			}
			if (anslen && ctl_send(cfd, ans, anslen) < 0)
				keep = 0;
			free(ans);
			if (!keep || !interactive)
				return;
			memmove(buf, buf + used, len - used);
			len -= used;
			if (++ncmds >= CTL_MAX_CMDS) {
				ctl_send_str(cfd, "Too many commands on one connection; closing.\n\n");
				return;
			}
		}
		if (eof)
			return;
		if (len >= CTL_LINE_MAX) {
			ctl_send_str(cfd, "Line too long (limit " CTL_STR(CTL_LINE_MAX)
				     " bytes); closing.\n\n");
			return;
		}
		if (ctl_wait(cfd, POLLIN, CTL_IDLE_MS) != 1)
			return;
		ssize_t n = recv(cfd, buf + len, CTL_LINE_MAX - len, 0);
		if (n < 0) {
			if (errno == EINTR || errno == EAGAIN)
				continue;
			return;
		}
		if (n == 0)
			eof = 1;
		len += (size_t)n;
	}
}

/* Closes a client connection so that our last answer reaches it: closing
 * with unread input would reset the connection and could drop that answer.
 * So: end our side, then discard what the client still sends, bounded in
 * bytes and time. */
static void ctl_close(int cfd)
{
	char sink[4096];
	size_t total = 0;

	shutdown(cfd, SHUT_WR);
	while (total < 64 * 1024 && ctl_wait(cfd, POLLIN, 500) == 1) {
		ssize_t n = recv(cfd, sink, sizeof(sink), 0);

		if (n == 0 || (n < 0 && errno != EINTR && errno != EAGAIN))
			break;
		if (n > 0)
			total += (size_t)n;
	}
	close(cfd);
}

static void *ctl_thread(void *arg)
{
	(void)arg;
	for (;;) {
		int r = ctl_wait(ctl.fd, POLLIN, -1);
		int cfd;

		if (r == 0)
			break;                          /* ctl_stop() */
		if (r < 0) {
			fprintf(stderr, "sluice: stats socket: poll: %s; socket closed\n",
				strerror(errno));
			break;
		}
		cfd = accept4(ctl.fd, NULL, NULL, SOCK_NONBLOCK | SOCK_CLOEXEC);
		if (cfd < 0) {
			/* out of descriptors: back off instead of spinning */
			if (errno == EMFILE || errno == ENFILE || errno == ENOBUFS ||
			    errno == ENOMEM)
				(void)ctl_wait(-1, 0, 100);
			continue;
		}
		ctl_serve(cfd);
		ctl_close(cfd);
	}
	return NULL;
}

/* Binds a listening UNIX socket on <path>: first under a temporary name, then
 * renamed over <path>, so a client never finds the path missing and a socket
 * left by an earlier run (or held by a process being replaced) is taken over
 * atomically. Falls back to unlink+bind when the temporary name is too long.
 * The socket is born accessible to its owner only (umask 077), then gets
 * <mode> before it takes its real name. Returns the descriptor, or -1 after
 * printing why. */
static int ctl_bind(const char *path, mode_t mode)
{
	struct sockaddr_un sun = { .sun_family = AF_UNIX };
	struct stat st;
	char tmp[sizeof(sun.sun_path)];
	const char *bpath = path;
	mode_t old_mask;
	int fd, r;

	if (strlen(path) >= sizeof(sun.sun_path)) {
		fprintf(stderr, "sluice: stats socket '%s': path too long (%zu bytes, at most %zu)\n",
			path, strlen(path), sizeof(sun.sun_path) - 1);
		return -1;
	}
	if (lstat(path, &st) == 0 && !S_ISSOCK(st.st_mode)) {
		fprintf(stderr, "sluice: stats socket '%s': a file that is not a socket "
			"is in the way; not replacing it\n", path);
		return -1;
	}
	r = snprintf(tmp, sizeof(tmp), "%s.%d.tmp", path, (int)getpid());
	if (r > 0 && (size_t)r < sizeof(tmp))
		bpath = tmp;
	else if (unlink(path) < 0 && errno != ENOENT) {
		fprintf(stderr, "sluice: stats socket '%s': cannot remove the old socket: %s\n",
			path, strerror(errno));
		return -1;
	}
	if (bpath == tmp)
		(void)unlink(tmp);

	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if (fd < 0) {
		fprintf(stderr, "sluice: stats socket: socket(): %s\n", strerror(errno));
		return -1;
	}
	memcpy(sun.sun_path, bpath, strlen(bpath) + 1);
	/* owner only from birth: no window in which another user could connect */
	old_mask = umask(0077);
	r = bind(fd, (struct sockaddr *)&sun, sizeof(sun));
	umask(old_mask);
	if (r < 0) {
		fprintf(stderr, "sluice: stats socket '%s': bind: %s\n", path, strerror(errno));
		close(fd);
		return -1;
	}
	if (listen(fd, CTL_BACKLOG) < 0) {
		fprintf(stderr, "sluice: stats socket '%s': listen: %s\n", path, strerror(errno));
		goto fail;
	}
	/* set the mode before the socket appears under its real name */
	if (chmod(bpath, mode) < 0) {
		fprintf(stderr, "sluice: stats socket '%s': chmod %o: %s\n", path,
			(unsigned)mode, strerror(errno));
		goto fail;
	}
	if (bpath == tmp && rename(tmp, path) < 0) {
		fprintf(stderr, "sluice: stats socket '%s': rename from '%s': %s\n",
			path, tmp, strerror(errno));
		goto fail;
	}
	if (stat(path, &st) < 0) {
		fprintf(stderr, "sluice: stats socket '%s': %s\n", path, strerror(errno));
		goto fail;
	}
	ctl.dev = st.st_dev;
	ctl.ino = st.st_ino;
	return fd;
fail:
	(void)unlink(bpath);
	close(fd);
	return -1;
}

int ctl_start(void)
{
	const char *path = global.stats_socket;
	sigset_t all, old;
	mode_t mode;
	int err;

	if (!path || ctl.started)
		return 0;
	if (strncmp(path, "unix@", 5) == 0)      /* HAProxy's address prefix */
		path += 5;
	if (!*path) {
		fprintf(stderr, "sluice: stats socket: empty path\n");
		return -1;
	}
	ctl.path = strdup(path);
	if (!ctl.path) {
		fprintf(stderr, "sluice: stats socket: out of memory\n");
		return -1;
	}
	mode = global.stats_socket_mode ? (mode_t)(global.stats_socket_mode & 07777) : 0600;
	ctl.fd = ctl_bind(path, mode);
	if (ctl.fd < 0)
		goto fail;
	ctl.stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (ctl.stop_fd < 0) {
		fprintf(stderr, "sluice: stats socket: eventfd: %s\n", strerror(errno));
		goto fail_unlink;
	}
	clock_gettime(CLOCK_MONOTONIC, &ctl_started_at);

	/* the thread inherits the workers' mask: signals sent to the process
	 * stay with the threads that handle them */
	signals_async_set(&all);
	pthread_sigmask(SIG_SETMASK, &all, &old);
	err = pthread_create(&ctl.thread, NULL, ctl_thread, NULL);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (err) {
		fprintf(stderr, "sluice: stats socket: cannot start its thread: %s\n",
			strerror(err));
		goto fail_unlink;
	}
	pthread_setname_np(ctl.thread, "sluice-ctl");
	ctl.started = 1;
	return 0;

fail_unlink:
	(void)unlink(ctl.path);
fail:
	if (ctl.stop_fd >= 0)
		close(ctl.stop_fd);
	if (ctl.fd >= 0)
		close(ctl.fd);
	ctl.fd = ctl.stop_fd = -1;
	free(ctl.path);
	ctl.path = NULL;
	return -1;
}

void ctl_stop(void)
{
	uint64_t one = 1;
	struct stat st;

	if (!ctl.started)
		return;
	ctl.started = 0;
	if (write(ctl.stop_fd, &one, sizeof(one)) != sizeof(one))
		fprintf(stderr, "sluice: stats socket: cannot wake its thread: %s\n",
			strerror(errno));
	else
		pthread_join(ctl.thread, NULL);
	close(ctl.fd);
	close(ctl.stop_fd);
	ctl.fd = ctl.stop_fd = -1;
	/* a newer process may have taken the path over: remove only our own */
	if (stat(ctl.path, &st) == 0 && st.st_dev == ctl.dev && st.st_ino == ctl.ino)
		(void)unlink(ctl.path);
	free(ctl.path);
	ctl.path = NULL;
}

/* ---- reference -------------------------------------------------------------- */

void ctl_dump_counter_docs(FILE *f)
{
	ctr_dump_docs(f);
	fputs("\n\"show info\" reports: pid, nbthread, uptime_sec, curr_conns (client\n"
	      "connections open on all frontends), maxconn (as in force: lowered at start\n"
	      "when the file descriptor limit is too low for the configured one), version.\n", f);
}
