"""mode tcp: bytes both ways, half-close carried through."""

import os
import socket
import threading

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
