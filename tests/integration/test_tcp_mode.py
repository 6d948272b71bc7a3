"""mode tcp: bytes both ways, half-close carried through."""

import os
import socket
import threading

import pytest

import sluicetest as st

CFG = """\
global
    nbthread 1
listen raw
    mode tcp
    bind 127.0.0.1:{port}
    timeout connect 1s
    timeout client 5s
    timeout server 5s
    server echo 127.0.0.1:{oport}
"""


def echo_session(port, data):
    s = socket.create_connection(("127.0.0.1", port), timeout=10)
    try:
        out = []

        def reader():
            while True:
                d = s.recv(65536)
                if not d:
                    return
                out.append(d)

        t = threading.Thread(target=reader)
        t.start()
        s.sendall(data)
        s.shutdown(socket.SHUT_WR)        # half-close: we still read
        t.join(10)
        assert not t.is_alive(), "no EOF from the proxy"
        return b"".join(out)
    finally:
        s.close()


def test_tcp_half_close(sluice, origins):
    o = origins("tcp", tcp=True)
    port = st.free_port()
    s = sluice(CFG.format(port=port, oport=o.port))
    data = os.urandom(1 << 20)
    got = echo_session(port, data)
    assert got == data + b"BYE %d\n" % len(data)
    stats = s.wait_stats({"fe.raw.conns": 1, "srv.raw.echo.conns": 1,
                          "fe.raw.cur_conns": 0})
    assert stats["fe.raw.bytes_in"] >= len(data)
    assert stats["fe.raw.bytes_out"] >= len(data)


def test_tcp_reply_after_client_shutdown(sluice, origins):
    """Nothing comes back before the client's FIN; the reply still arrives."""
    o = origins("tcp", tcp=True)
    port = st.free_port()
    sluice(CFG.format(port=port, oport=o.port))
    assert echo_session(port, b"") == b"BYE 0\n"


def test_tcp_concurrent_sessions(sluice, origins):
    o = origins("tcp", tcp=True)
    port = st.free_port()
    s = sluice(CFG.format(port=port, oport=o.port))
    results = {}

    def run(i):
        data = os.urandom(100000 + i)
        results[i] = echo_session(port, data) == data + b"BYE %d\n" % len(data)

    ts = [threading.Thread(target=run, args=(i,)) for i in range(8)]
    for t in ts:
        t.start()
    for t in ts:
        t.join(20)
    assert results == {i: True for i in range(8)}
    s.wait_stats({"fe.raw.conns": 8, "srv.raw.echo.conns": 8,
                  "fe.raw.cur_conns": 0})


def test_tcp_server_down_closes_client(sluice):
    port = st.free_port()
    sluice(CFG.format(port=port, oport=st.free_port()))
    with st.Client(port) as c:
        try:
            c.send(b"hello")
        except (BrokenPipeError, ConnectionResetError):
            return
        assert c.closed_by_peer(5)


def pipes_of(pid):
    n = 0
    for fd in os.listdir("/proc/%d/fd" % pid):
        try:
            if os.readlink("/proc/%d/fd/%s" % (pid, fd)).startswith("pipe:"):
                n += 1
        except OSError:             # closed meanwhile
            pass
    return n


@pytest.mark.parametrize("nosplice", [False, True], ids=["splice", "nosplice"])
def test_tcp_with_and_without_splice(sluice, origins, nosplice):
    """Bytes move through kernel pipes when both transports can splice,
    through buffers when they cannot ("nosplice" takes the path a TLS
    transport will take); either way everything arrives, half-close too.
    The pipes a session holds say which path it took."""
    o = origins("tcp", tcp=True)
    port = st.free_port()
    cfg = CFG.format(port=port, oport=o.port)
    if nosplice:
        cfg = cfg.replace("    nbthread 1\n", "    nbthread 1\n    nosplice\n")
    s = sluice(cfg)
    base = pipes_of(s.pid)
    c = socket.create_connection(("127.0.0.1", port), timeout=10)
    try:
        chunk = os.urandom(65536)
        c.sendall(chunk)
        got = b""
        while len(got) < len(chunk):
            d = c.recv(65536)
            assert d, "closed early"
            got += d
        assert got == chunk
        held = pipes_of(s.pid) - base
        assert held == (0 if nosplice else 4), held
    finally:
        c.close()
    data = os.urandom(1 << 20)
    assert echo_session(port, data) == data + b"BYE %d\n" % len(data)
    s.wait_stats({"fe.raw.conns": 2, "fe.raw.cur_conns": 0})
    assert st.wait_until(lambda: pipes_of(s.pid) == base, 3)
