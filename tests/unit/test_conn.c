/* test_conn.c: the transport layer's contract as connections use it: a
 * transport's init and close around a connection's life (close by
 * conn_free, while the socket is open), a failed init, the context moving
 * with a taken-over socket, optional members absent (no splice), and the
 * registry that `sluice -vv` prints. */
#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/socket.h>
#include "unit.h"
#include "core/thread.h"
#include "net/conn.h"

/* ---- a transport for the tests: a context, no pipes ---- */

struct fake_ctx {
	int magic;
	int fd;                      /* the socket when init ran */
};

static int fake_inits, fake_closes, fake_init_fails;
static int fake_close_saw_open_fd;   /* the socket was still open in close() */
static void *fake_closed_ctx;

static int fake_init(struct conn *c)
{
	struct fake_ctx *x;

	fake_inits++;
	if (fake_init_fails)
		return -1;
	x = malloc(sizeof(*x));
	if (!x)
		return -1;
	x->magic = 0x7e57;
	x->fd = c->fdh.fd;
	c->xprt_ctx = x;
	return 0;
}

static void fake_close(struct conn *c)
{
	struct fake_ctx *x = c->xprt_ctx;

	fake_closes++;
	fake_closed_ctx = x;
	fake_close_saw_open_fd = fcntl(c->fdh.fd, F_GETFD) >= 0;
	CHECK(x && x->magic == 0x7e57);
	free(x);
	c->xprt_ctx = NULL;
}

static int fake_handshake(struct conn *c)
{
	return 1;
}

static int fake_alpn(const struct conn *c, const char **name, size_t *len)
{
	return 0;
}

static ssize_t fake_rcv(struct conn *c, char *dst, size_t len)
{
	return xprt_raw.rcv_buf(c, dst, len);
}

static ssize_t fake_snd(struct conn *c, const char *src, size_t len, int more)
{
	return xprt_raw.snd_buf(c, src, len, more);
}

static const struct xprt_ops xprt_fake = {
	.name      = "zz-fake",
	.init      = fake_init,
	.close     = fake_close,
	.handshake = fake_handshake,
	.alpn      = fake_alpn,
	.rcv_buf   = fake_rcv,
	.snd_buf   = fake_snd,
};
XPRT_REGISTER(xprt_fake);

/* A connection on one end of a fresh socket pair; *peer_fd gets the other. */
static struct conn *new_conn(int *peer_fd)
{
	struct sockaddr_storage ss;
	int sv[2];

	if (socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, sv) < 0) {
		perror("socketpair");
		exit(1);
	}
	memset(&ss, 0, sizeof(ss));
	ss.ss_family = AF_UNIX;
	*peer_fd = sv[1];
	return conn_new_accepted(sv[0], &ss, NULL);
}

static void test_init_close(void)
{
	struct conn *c;
	int peer, fd;
	char buf[8];

	fake_inits = fake_closes = 0;
	c = new_conn(&peer);
	CHECK(c && c->xprt == &xprt_raw && !c->xprt_ctx);
	CHECK_INT(conn_xprt_set(c, &xprt_fake), 0);
	CHECK(c->xprt == &xprt_fake);
	CHECK(c->xprt_ctx != NULL);
	CHECK_INT(fake_inits, 1);
	/* I/O goes through it */
	CHECK_INT(write(peer, "abc", 3), 3);
	CHECK_INT(conn_recv(c, buf, sizeof(buf)), 3);
	CHECK_INT(conn_send(c, "xy", 2, 0), 2);
	CHECK_INT(read(peer, buf, sizeof(buf)), 2);
	fd = c->fdh.fd;
	conn_free(&c);
	CHECK(c == NULL);
	CHECK_INT(fake_closes, 1);
	CHECK(fake_close_saw_open_fd);
	CHECK(fcntl(fd, F_GETFD) < 0 && errno == EBADF);   /* then it closed */
	/* the peer sees the end of the stream */
	CHECK_INT(read(peer, buf, sizeof(buf)), 0);
	close(peer);

	/* no transport context: conn_free calls no close */
	c = new_conn(&peer);
	conn_free(&c);
	CHECK_INT(fake_closes, 1);
	close(peer);
	conn_free(&c);                      /* NULL: nothing */
}

static void test_init_fails(void)
{
	struct conn *c;
	int peer;

	fake_inits = fake_closes = 0;
	fake_init_fails = 1;
	c = new_conn(&peer);
	CHECK_INT(conn_xprt_set(c, &xprt_fake), -1);
	CHECK(c->xprt == &xprt_raw && !c->xprt_ctx);
	CHECK_INT(fake_inits, 1);
	conn_free(&c);
	CHECK_INT(fake_closes, 0);          /* a failed init is not closed */
	fake_init_fails = 0;
	close(peer);
}

/* The context follows the socket to the connection that takes it over;
 * the old one, left without a socket, ends without calling close. */
static void test_takeover_moves_context(void)
{
	struct conn *old, *c;
	void *ctx;
	int peer;

	fake_closes = 0;
	old = new_conn(&peer);
	CHECK_INT(conn_xprt_set(old, &xprt_fake), 0);
	ctx = old->xprt_ctx;
	c = conn_takeover(old, th->epfd, NULL);
	CHECK(c != NULL);
	if (!c)
		return;
	CHECK(c->xprt == &xprt_fake && c->xprt_ctx == ctx);
	CHECK(old->xprt_ctx == NULL && old->fdh.fd == -1);
	conn_free(&old);
	CHECK_INT(fake_closes, 0);
	conn_free(&c);
	CHECK_INT(fake_closes, 1);
	CHECK(fake_closed_ctx == ctx);
	close(peer);
}

static void test_optional_pipes(void)
{
	struct conn *a, *b;
	int pa, pb;

	a = new_conn(&pa);
	b = new_conn(&pb);
	CHECK(conn_can_splice(a, b));       /* raw both ways */
	CHECK_INT(conn_xprt_set(b, &xprt_fake), 0);
	CHECK(!conn_can_splice(a, b));      /* b cannot send from a pipe */
	CHECK(!conn_can_splice(b, a));      /* nor receive into one */
	conn_free(&a);
	conn_free(&b);
	close(pa);
	close(pb);
}

static void test_registry(void)
{
	char *out = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&out, &len);

	CHECK(xprt_find("raw") == &xprt_raw);
	CHECK(xprt_find("zz-fake") == &xprt_fake);
	CHECK(xprt_find("tls-not-yet") == NULL);
	xprt_print_names(f);
	fclose(f);
	/* sorted, with the optional members each one has */
	CHECK(out && strcmp(out, "raw (splice), zz-fake (handshake, alpn)") == 0);
	if (out && strcmp(out, "raw (splice), zz-fake (handshake, alpn)") != 0)
		printf("  got: %s\n", out);
	free(out);
}

int main(void)
{
	thread_ctx_init(0);
	thread_bind(0);
	test_init_close();
	test_init_fails();
	test_takeover_moves_context();
	test_optional_pipes();
	test_registry();
	return UNIT_SUMMARY("test_conn");
}
