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
 * Commands are registered by the rooms that own what they report
 * (CTL_REGISTER_COMMANDS, ctl.h): this file only keeps the socket, the
 * dispatch and the commands about the connection itself (help, prompt,
 * quit). Every command runs on this thread, reading what the workers write
 * with relaxed atomic loads of whole words: a total may lag by a few events
 * but is never torn. The thread never touches a worker's event loop: a slow
 * client cannot slow traffic.
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
#include "core/init.h"
#include "core/thread.h"
#include "ctl/ctl.h"

#define CTL_LINE_MAX   1024    /* longest command line, bytes (with its \n) */
#define CTL_STR_(x)    #x
#define CTL_STR(x)     CTL_STR_(x)
#define CTL_MAX_CMDS   256     /* commands answered per connection */
#define CTL_IDLE_MS    10000   /* a client silent this long is dropped */
#define CTL_BACKLOG    16
#define CTL_MAX_WORDS  32      /* words of one command; more: unknown */

static const char ctl_blanks[] = " \t\r";

/* ---- the registry ---------------------------------------------------------- */

static struct ctl_cmd_list *ctl_cmds;

/* Whether the words of <a> and <b> (blank-separated) are the same. */
static int same_words(const char *a, const char *b)
{
	for (;;) {
		size_t la, lb;

		a += strspn(a, ctl_blanks);
		b += strspn(b, ctl_blanks);
		la = strcspn(a, ctl_blanks);
		lb = strcspn(b, ctl_blanks);
		if (la != lb || memcmp(a, b, la) != 0)
			return 0;
		if (!la)
			return 1;
		a += la;
		b += lb;
	}
}

void ctl_register_commands(struct ctl_cmd_list *l)
{
	/* a second command with the same words would never run */
	for (const struct ctl_cmd *c = l->cmds; c->words; c++) {
		ASSERT(c->fn != NULL && c->help != NULL && c->max_args >= 0);
		ASSERT(c->words[strspn(c->words, ctl_blanks)] != '\0');
		for (const struct ctl_cmd_list *o = ctl_cmds; o; o = o->next)
			for (const struct ctl_cmd *d = o->cmds; d->words; d++)
				BUG_ON(same_words(c->words, d->words));
	}
	l->next = ctl_cmds;
	ctl_cmds = l;
}

const struct ctl_cmd_list *ctl_commands(void)
{
	return ctl_cmds;
}

/* How many words of <w> (<n> of them) the words of <cmd> cover, or 0 when
 * they are not a prefix of <w>. */
static int cmd_match(const struct ctl_cmd *cmd, char **w, int n)
{
	const char *p = cmd->words;
	int i;

	for (i = 0;; i++) {
		size_t len;

		p += strspn(p, ctl_blanks);
		len = strcspn(p, ctl_blanks);
		if (!len)
			return i;
		if (i == n || strlen(w[i]) != len || memcmp(w[i], p, len) != 0)
			return 0;
		p += len;
	}
}

/* The command that covers most of <w>; *used gets its number of words. */
static const struct ctl_cmd *cmd_find(char **w, int n, int *used)
{
	const struct ctl_cmd *best = NULL;

	*used = 0;
	for (const struct ctl_cmd_list *l = ctl_cmds; l; l = l->next)
		for (const struct ctl_cmd *c = l->cmds; c->words; c++) {
			int m = cmd_match(c, w, n);

			if (m > *used) {
				*used = m;
				best = c;
			}
		}
	return best;
}

/* ---- commands of the socket itself ------------------------------------------ */

static int cmd_cmp(const void *a, const void *b)
{
	const struct ctl_cmd *const *x = a, *const *y = b;

	return strcmp((*x)->words, (*y)->words);
}

/* "help": the registry, sorted, the words in one column. */
static int ctl_help(struct ctl_ctx *ctx, int argc, char **args, FILE *out)
{
	const struct ctl_cmd **all;
	size_t n = 0, i;
	int width = 0;

	for (const struct ctl_cmd_list *l = ctl_cmds; l; l = l->next)
		for (const struct ctl_cmd *c = l->cmds; c->words; c++)
			n++;
	all = calloc(n ? n : 1, sizeof(*all));
	if (!all)
		return 0;
	n = 0;
	for (const struct ctl_cmd_list *l = ctl_cmds; l; l = l->next)
		for (const struct ctl_cmd *c = l->cmds; c->words; c++) {
			all[n++] = c;
			if ((int)strlen(c->words) > width)
				width = (int)strlen(c->words);
		}
	qsort(all, n, sizeof(*all), cmd_cmp);
	fputs("A connection runs one line of commands separated by ';' and closes,\n"
	      "unless 'prompt' made it interactive. Every answer ends with an empty line.\n", out);
	for (i = 0; i < n; i++)
		fprintf(out, "  %-*s  %s\n", width, all[i]->words, all[i]->help);
	free(all);
	return 0;
}

static int ctl_prompt(struct ctl_ctx *ctx, int argc, char **args, FILE *out)
{
	ctx->interactive = !ctx->interactive;
	return 0;
}

static int ctl_quit(struct ctl_ctx *ctx, int argc, char **args, FILE *out)
{
	return -1;
}

static const struct ctl_cmd ctl_own_cmds[] = {
	{ "help",   "this list", 0, 0, ctl_help },
	{ "prompt", "toggle interactive mode (several lines per connection)", 0,
	  CTL_CMD_NO_ANSWER, ctl_prompt },
	{ "quit",   "close this connection", 0, CTL_CMD_NO_ANSWER, ctl_quit },
	CTL_CMD_END
};
CTL_REGISTER_COMMANDS(ctl_own_cmds);

/* ---- dispatch --------------------------------------------------------------- */

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
static int ctl_exec_one(struct ctl_ctx *ctx, char *line, FILE *out)
{
	char words[CTL_LINE_MAX + 1];
	char *w[CTL_MAX_WORDS + 1];
	const struct ctl_cmd *cmd = NULL;
	char *p, *save = NULL;
	size_t len;
	int n = 0, used = 0, ret;

	line += strspn(line, ctl_blanks);
	len = strlen(line);
	while (len && strchr(ctl_blanks, line[len - 1]))
		len--;
	if (!len)
		return 1;                          /* blank: no answer */
	line[len] = '\0';
	if (len >= sizeof(words))
		goto unknown;                      /* longer than any line we accept */

	memcpy(words, line, len + 1);          /* strtok_r cuts its input */
	for (p = words; n <= CTL_MAX_WORDS && (w[n] = strtok_r(p, ctl_blanks, &save)) != NULL;
	     p = NULL)
		n++;
	if (n <= CTL_MAX_WORDS)
		cmd = cmd_find(w, n, &used);
	if (!cmd || n - used > cmd->max_args)
		goto unknown;
	ret = cmd->fn(ctx, n - used, w + used, out);
	if (!(cmd->flags & CTL_CMD_NO_ANSWER))
		fputc('\n', out);
	return ret < 0 ? 0 : 1;
unknown:
	fputs("Unknown command '", out);
	put_sanitized(out, line, len);
	fputs("'. Try 'help'.\n\n", out);
	return 1;
}

int ctl_exec(struct ctl_ctx *ctx, char *line, FILE *out)
{
	char *save = NULL, *cmd;

	for (cmd = strtok_r(line, ";", &save); cmd; cmd = strtok_r(NULL, ";", &save))
		if (!ctl_exec_one(ctx, cmd, out))
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
	struct ctl_ctx ctx = { .interactive = 0 };
	int ncmds = 0, eof = 0;

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
			keep = ctl_exec(&ctx, line, out);
			if (fclose(out) != 0) {
				free(ans);
				return;
			}
			if (anslen && ctl_send(cfd, ans, anslen) < 0)
				keep = 0;
			free(ans);
			if (!keep || !ctx.interactive)
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
	const char *path = ctl_settings.socket;
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
	mode = ctl_settings.mode ? (mode_t)(ctl_settings.mode & 07777) : 0600;
	ctl.fd = ctl_bind(path, mode);
	if (ctl.fd < 0)
		goto fail;
	ctl.stop_fd = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
	if (ctl.stop_fd < 0) {
		fprintf(stderr, "sluice: stats socket: eventfd: %s\n", strerror(errno));
		goto fail_unlink;
	}

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

static int ctl_stop_hook(void)
{
	ctl_stop();
	return 0;
}
INIT_REGISTER(ctl_start, INIT_START, INIT_ORDER_CTL, ctl_start);
INIT_REGISTER(ctl_stop, INIT_STOP, INIT_ORDER_CTL, ctl_stop_hook);
