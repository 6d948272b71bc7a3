"""Hostile clients and exhaustion: slots freed at once when a client closes in
the middle of a message, accepting resumed after running out of file
descriptors, timeouts that measure the peer's silence and not sluice's own
back-pressure, signals that never kill, and configurations that serve
nothing refused."""

import resource
import signal
import socket
import subprocess
import threading
import time

import pytest

import sluicetest as st
from conftest import sluice_bin


def fe_stat(s, key):
    return int(s.stats().get("fe.fe." + key, -1))


def curr_conns(s):
    return fe_stat(s, "cur_conns")


def serve_ok(port, n, timeout=2.0):
    """n requests on new connections; how many got a 200."""
    ok = 0
    for _ in range(n):
        try:
            if st.get(port, "/id", timeout=timeout).status == 200:
                ok += 1
        except (OSError, st.ConnectionClosed):
            pass
    return ok


# ------------------------------------------------- closes mid-message

def test_partial_head_then_fin_frees_the_slot_at_once(sluice, origin):
    """Bytes and FIN queued before sluice's first read (the connections
    wait in the accept queue behind maxconn): the read path must drain to
    the end of stream, not wait for an event that never comes."""
    port = st.free_port()
    s = sluice(st.http_cfg(port, ["s1 %d" % origin.port],
                           glob="maxconn 1",
                           defaults="timeout http-request 30s\n"
                                    "timeout client 30s"))
    holder = st.Client(port)
    holder.request("GET", "/id")
    assert holder.read_response().status == 200
    for _ in range(50):
        c = socket.create_connection((st.LOOPBACK, port))
        c.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n")
        c.close()
    time.sleep(0.2)
    holder.close()                  # now sluice accepts them, one by one
    assert st.wait_until(lambda: curr_conns(s) == 0, 2.0), \
        "sessions still held: cur_conns=%d" % curr_conns(s)
    assert serve_ok(port, 25) == 25
    assert fe_stat(s, "cli_aborts") == 50


def test_partial_chunk_line_then_fin_frees_the_slot(sluice, origin):
    """A chunked body cut inside a chunk-size line, then FIN: an abort now,
    not a wait for timeout client."""
    port = st.free_port()
    s = sluice(st.http_cfg(port, ["s1 %d" % origin.port], glob="maxconn 2",
                           defaults="timeout client 30s"))
    for _ in range(20):
        c = socket.create_connection((st.LOOPBACK, port))
        c.sendall(b"POST /sink HTTP/1.1\r\nHost: x\r\n"
                  b"Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n1")
        c.close()
    assert st.wait_until(lambda: curr_conns(s) == 0, 2.0), \
        "sessions still held: cur_conns=%d" % curr_conns(s)
    assert serve_ok(port, 5) == 5


# ------------------------------------------------- file descriptors

def fill_accept_queue(port, n):
    """n connections that complete the handshake (queued unaccepted when
    sluice cannot accept); returns the sockets."""
    socks = []
    for _ in range(n):
        c = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        c.setblocking(False)
        c.connect_ex((st.LOOPBACK, port))
        socks.append(c)
    time.sleep(0.3)
    return socks


@pytest.fixture
def many_fds():
    """Room for this test's own 1,300 client sockets."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    want = 4096
    if soft < want:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(want, hard), hard))
    yield
    resource.setrlimit(resource.RLIMIT_NOFILE, (soft, hard))


def test_accept_resumes_after_emfile(sluice, origin, many_fds):
    """Out of file descriptors with the accept queue full: no new event
    comes, so accepting must pause and retry on its own."""
    port = st.free_port()
    s = sluice(st.http_cfg(port, ["s1 %d" % origin.port]))
    assert serve_ok(port, 1) == 1
    used = len(list(__import__("os").scandir("/proc/%d/fd" % s.pid)))
    resource.prlimit(s.pid, resource.RLIMIT_NOFILE, (used + 8, used + 8))
    socks = fill_accept_queue(port, 1300)
    assert st.wait_until(lambda: "accept() failed" in s.stderr(), 3.0), \
        s.stderr()[-2000:]
    for c in socks:
        c.close()
    t0 = time.monotonic()
    assert st.wait_until(lambda: serve_ok(port, 1, timeout=0.5) == 1, 3.0), \
        "not accepting again after the connections closed"
    assert time.monotonic() - t0 < 1.5
    assert serve_ok(port, 10) == 10


def test_maxconn_fits_the_fd_limit(sluice, origin, many_fds):
    """maxconn 4096 under 'ulimit -n 1024': lowered at start with a
    warning, so connections wait in the queue instead of failing accept."""
    port = st.free_port()
    s = sluice(st.http_cfg(port, ["s1 %d" % origin.port],
                           glob="maxconn 4096", nbthread=2),
               preexec=lambda: resource.setrlimit(resource.RLIMIT_NOFILE,
                                                  (1024, 1024)))
    err = s.stderr()
    assert "maxconn lowered from 4096 to" in err, err
    lowered = int(err.split("maxconn lowered from 4096 to ")[1].split(":")[0])
    assert 100 < lowered < 1024 // 2
    assert int(s.info()["maxconn"]) == lowered
    socks = fill_accept_queue(port, 1300)
    assert st.wait_until(lambda: curr_conns(s) == lowered, 3.0), curr_conns(s)
    assert "accept() failed" not in s.stderr()
    for c in socks:
        c.close()
    assert st.wait_until(lambda: curr_conns(s) == 0, 5.0), curr_conns(s)
    assert serve_ok(port, 10) == 10


# ------------------------------------------------- timeouts

def test_server_timeout_does_not_count_a_slow_client(sluice, origin):
    """A client that stops reading for longer than timeout server: sluice's
    buffers fill and it stops reading the server, whose timer must stop too
    (the body is larger than every buffer on the way)."""
    port = st.free_port()
    size = 16 << 20
    s = sluice(st.http_cfg(port, ["s1 %d" % origin.port],
                           defaults="timeout server 1s\ntimeout client 30s"))
    c = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    c.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 8192)
    c.connect((st.LOOPBACK, port))
    c.settimeout(10)
    c.sendall(b"GET /drip?size=%d&chunk=%d&ms=0 HTTP/1.1\r\nHost: x\r\n\r\n"
              % (size, size))
    got = b""
    while b"\r\n\r\n" not in got:
        got += c.recv(4096)
    head, rest = got.split(b"\r\n\r\n", 1)
    assert head.startswith(b"HTTP/1.1 200"), head
    time.sleep(2.5)                 # 2.5 times timeout server
    body_len = len(rest)
    while body_len < size:
        data = c.recv(1 << 20)
        if not data:
            break
        body_len += len(data)
    c.close()
    assert body_len == size, "body cut at %d of %d" % (body_len, size)
    assert s.stats()["be.be.srv_timeouts"] == 0


def test_server_timeout_still_fires_on_a_silent_server(sluice):
    """The other side of it: a server that says nothing gets its 504."""
    lsock = socket.socket()
    lsock.bind((st.LOOPBACK, 0))
    lsock.listen(8)
    port = st.free_port()
    s = sluice(st.http_cfg(port, ["s1 %d" % lsock.getsockname()[1]],
                           defaults="timeout server 500ms"))
    try:
        t0 = time.monotonic()
        r = st.get(port, "/", timeout=5)
        assert r.status == 504
        assert 0.4 < time.monotonic() - t0 < 2.0
        s.wait_stats({"be.be.srv_timeouts": 1})
    finally:
        lsock.close()


def test_client_timeout_does_not_count_a_slow_server(sluice):
    """An upload the server leaves unread for longer than timeout client:
    sluice's buffers fill and it stops reading the client, whose timer must
    stop too."""
    size = 16 << 20
    lsock = socket.socket()
    lsock.bind((st.LOOPBACK, 0))
    lsock.listen(8)
    received = []

    def server():
        conn, _ = lsock.accept()
        time.sleep(2.5)             # 2.5 times timeout client
        data = b""
        while b"\r\n\r\n" not in data:
            data += conn.recv(65536)
        n = len(data.split(b"\r\n\r\n", 1)[1])
        while n < size:
            chunk = conn.recv(1 << 20)
            if not chunk:
                break
            n += len(chunk)
        received.append(n)
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\n\r\nok\n")
        conn.close()

    t = threading.Thread(target=server, daemon=True)
    t.start()
    port = st.free_port()
    s = sluice(st.http_cfg(port, ["s1 %d" % lsock.getsockname()[1]],
                           defaults="timeout client 1s\ntimeout server 30s"))
    c = socket.create_connection((st.LOOPBACK, port))
    c.settimeout(10)
    try:
        c.sendall(b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n"
                  % size + b"x" * size)
        got = b""
        while b"\r\n\r\n" not in got:
            data = c.recv(4096)
            if not data:
                break
            got += data
    finally:
        c.close()
        t.join(10)
        lsock.close()
    assert got.startswith(b"HTTP/1.1 200"), got[:200]
    assert received == [size]
    assert s.stats()["fe.fe.cli_aborts"] == 0
    assert s.stats()["fe.fe.req_timeout"] == 0


# ------------------------------------------------- signals

@pytest.mark.parametrize("sig,says", [
    (signal.SIGHUP, "Server be/s1 is UP"),
    (signal.SIGQUIT, "SIGQUIT: memory pools"),
    (signal.SIGUSR2, "SIGUSR2: reload is not supported yet"),
    (signal.SIGTTIN, None),
    (signal.SIGTTOU, None),
])
def test_report_signals_do_not_kill(sluice, origin, sig, says):
    port = st.free_port()
    s = sluice(st.http_cfg(port, ["s1 %d" % origin.port]))
    assert serve_ok(port, 1) == 1
    s.proc.send_signal(sig)           # not send_signal(): no death expected
    if says:
        assert st.wait_until(lambda: says in s.stderr(), 2.0), s.stderr()
    else:
        time.sleep(0.3)
    assert s.proc.poll() is None, "sluice exited on %s" % sig.name
    assert serve_ok(port, 3) == 3


def test_sighup_lists_every_server_with_its_figures(sluice, origin):
    port = st.free_port()
    s = sluice(st.http_cfg(port, ["s1 %d" % origin.port,
                                  "s2 %d weight 3" % origin.port]))
    assert serve_ok(port, 4) == 4
    s.proc.send_signal(signal.SIGHUP)
    assert st.wait_until(lambda: "Server be/s2" in s.stderr(), 2.0)
    err = s.stderr()
    assert "Server be/s1 is UP, weight 1/1. Conn: 0 act, 0 pend, 1 tot." \
        in err, err
    assert "Server be/s2 is UP, weight 3/3. Conn: 0 act, 0 pend, 3 tot." \
        in err, err


def test_sigterm_answers_a_request_queued_on_an_idle_connection(
        sluice, origin):
    """A keep-alive client whose next request is in the socket when the
    soft stop begins gets its answer, with Connection: close."""
    port = st.free_port()
    s = sluice(st.http_cfg(port, ["s1 %d" % origin.port],
                           glob="hard-stop-after 5s"))
    clients = []
    for _ in range(20):
        c = st.Client(port)
        c.request("GET", "/id")
        assert c.read_response().status == 200
        clients.append(c)
    # stop the process, queue the requests, then let it run: each request
    # is in its socket before sluice sees the stop
    s.proc.send_signal(signal.SIGSTOP)
    for c in clients:
        c.request("GET", "/id")
    s.send_signal(signal.SIGTERM)
    s.proc.send_signal(signal.SIGCONT)
    for c in clients:
        r = c.read_response()
        assert r.status == 200
        assert r.has_token("Connection", "close")
        assert c.closed_by_peer()
        c.close()
    assert s.wait_exit(5) == 0


def test_sigterm_awaits_the_next_request_after_a_response_begun_before(
        sluice, origin):
    """A response whose head went out before the soft stop could not say
    "Connection: close": its client may send the next request at once, so
    that request is awaited and answered with a close, not cut (HAProxy
    does the same)."""
    port = st.free_port()
    s = sluice(st.http_cfg(port, ["s1 %d" % origin.port],
                           glob="hard-stop-after 5s",
                           defaults="timeout http-keep-alive 3s"))
    with st.Client(port, timeout=5) as c:
        c.request("GET", "/drip?size=10000&chunk=1000&ms=100")
        assert st.wait_until(lambda: origin.inflight() == 1, 2)
        time.sleep(0.2)                 # the head is out, the body drips
        t0 = time.monotonic()
        s.send_signal(signal.SIGTERM)
        r = c.read_response()
        assert r.status == 200 and len(r.body) == 10000
        assert not r.has_token("Connection", "close")
        time.sleep(0.3)
        c.request("GET", "/id")
        r = c.read_response()
        assert r.status == 200
        assert r.has_token("Connection", "close")
        assert c.closed_by_peer(1)
    assert s.wait_exit(3) == 0
    assert time.monotonic() - t0 < 2.5


def test_sigterm_bounds_the_wait_by_keep_alive_timeout(sluice, origin):
    """The same client sending nothing more is closed at timeout
    http-keep-alive, and then the process exits."""
    port = st.free_port()
    s = sluice(st.http_cfg(port, ["s1 %d" % origin.port],
                           glob="hard-stop-after 5s",
                           defaults="timeout http-keep-alive 1s"))
    with st.Client(port, timeout=5) as c:
        c.request("GET", "/drip?size=10000&chunk=1000&ms=100")
        assert st.wait_until(lambda: origin.inflight() == 1, 2)
        time.sleep(0.2)
        s.send_signal(signal.SIGTERM)
        t0 = time.monotonic()
        assert c.read_response().status == 200
        assert c.closed_by_peer(3)
        took = time.monotonic() - t0
    assert 0.8 < took < 2.5, took
    assert s.wait_exit(3) == 0


# ------------------------------------------------- configurations

@pytest.mark.parametrize("text", [
    "",
    "# nothing but a comment\n",
    "global\n    nbthread 1\n\ndefaults\n    mode http\n",
    "backend be\n    server s1 127.0.0.1:1\n",
])
def test_a_configuration_without_listener_is_refused(tmp_path, text):
    cfg = tmp_path / "empty.cfg"
    cfg.write_text(text)
    # as HAProxy: "-c" exits 2 (no error, but would not start), a start 1
    for args, rc in ((["-c"], 2), ([], 1)):
        r = subprocess.run([sluice_bin(), "-f", str(cfg),
                            "-n", str(tmp_path / "x.shm")] + args,
                           capture_output=True, text=True, timeout=10)
        assert r.returncode == rc, (args, r.stdout, r.stderr)
        assert "%s: no 'bind' line" % cfg in r.stderr, r.stderr
        if args:
            assert "will not start (no listener)" in r.stdout, r.stdout
