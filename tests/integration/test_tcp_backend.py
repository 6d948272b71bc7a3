"""The backend shared by HTTP and TCP: in mode tcp a session takes a server
maxconn slot (or waits in the queue for one) for its whole life, connects
are retried and redispatched, and leastconn counts TCP sessions; an HTTP
exchange turned into a tunnel keeps its slot until the tunnel closes."""

import signal
import socket
import time

import sluicetest as st
from test_websocket import handshake, roundtrip


def tcp_cfg(port, servers, extra=""):
    lines = ["global", "    nbthread 1", "listen raw", "    mode tcp",
             "    bind 127.0.0.1:%d" % port, "    timeout connect 1s",
             "    timeout client 5s", "    timeout server 5s"]
    lines += ["    " + x for x in extra.strip().splitlines() if x.strip()]
    lines += ["    server " + s for s in servers]
    return "\n".join(lines) + "\n"


def echo(sock, data=b"ping"):
    sock.sendall(data)
    got = b""
    while len(got) < len(data):
        d = sock.recv(65536)
        if not d:
            break
        got += d
    return got


def server_states(s):
    """The SIGHUP report: {server: (active, pending)} and, per backend,
    {backend: (sessions active, remaining in queue)}."""
    before = s.stderr().count("SIGHUP: server states")
    s.proc.send_signal(signal.SIGHUP)
    assert st.wait_until(
        lambda: s.stderr().count("SIGHUP: server states") > before and
        s.stderr().endswith("tot.\n"), 2.0)
    block = s.stderr().rsplit("SIGHUP: server states:\n", 1)[1]
    out = {}
    for line in block.splitlines():
        words = line.split()
        if words[0] == "Proxy":
            out[words[1]] = (int(line.split(". ")[1].split()[0]),
                             int(line.split("active, ")[1].split()[0]))
        else:
            conn = line.split("Conn: ")[1].split(",")
            out[words[1]] = (int(conn[0].split()[0]), int(conn[1].split()[0]))
    return out


def test_tcp_maxconn_queues_then_serves(sluice, origins):
    o = origins("tcp", tcp=True)
    port = st.free_port()
    s = sluice(tcp_cfg(port, ["echo 127.0.0.1:%d maxconn 1" % o.port],
                       "timeout queue 5s"))
    a = socket.create_connection((st.LOOPBACK, port), timeout=5)
    assert echo(a) == b"ping"
    b = socket.create_connection((st.LOOPBACK, port), timeout=5)
    b.sendall(b"queued")
    assert st.wait_until(lambda: server_states(s).get("raw") == (1, 1), 2.0), \
        server_states(s)
    assert s.stats()["srv.raw.echo.conns"] == 1, "the queued one connected"
    a.close()
    got = b""
    while len(got) < 6:
        got += b.recv(100)
    assert got == b"queued"
    assert server_states(s)["raw"] == (1, 0)
    b.close()
    assert st.wait_until(lambda: server_states(s)["raw/echo"] == (0, 0), 2.0)


def test_tcp_queue_timeout_closes(sluice, origins):
    o = origins("tcp", tcp=True)
    port = st.free_port()
    s = sluice(tcp_cfg(port, ["echo 127.0.0.1:%d maxconn 1" % o.port],
                       "timeout queue 300ms"))
    a = socket.create_connection((st.LOOPBACK, port), timeout=5)
    assert echo(a) == b"ping"
    b = socket.create_connection((st.LOOPBACK, port), timeout=5)
    t0 = time.monotonic()
    assert b.recv(10) == b""
    assert 0.25 < time.monotonic() - t0 < 2.0
    assert s.stats()["srv.raw.echo.conns"] == 1
    b.close()
    a.close()
    s.wait_stats({"fe.raw.cur_conns": 0})


def test_tcp_retries_then_gives_up(sluice):
    port, dead = st.free_port(), st.free_port()
    s = sluice(tcp_cfg(port, ["dead 127.0.0.1:%d" % dead],
                       "retries 2\ntimeout connect 100ms"))
    c = socket.create_connection((st.LOOPBACK, port), timeout=5)
    t0 = time.monotonic()
    assert c.recv(10) == b""
    # two retries, each after a turn-around of min(timeout connect, 1 s)
    assert time.monotonic() - t0 >= 0.19
    c.close()
    s.wait_stats({"srv.raw.dead.connect_errors": 3})


def test_tcp_redispatch_moves_the_last_retry(sluice, origins):
    o = origins("tcp", tcp=True)
    port, dead = st.free_port(), st.free_port()
    s = sluice(tcp_cfg(port, ["dead 127.0.0.1:%d" % dead,
                              "live 127.0.0.1:%d" % o.port],
                       "retries 1\ntimeout connect 100ms\noption redispatch"))
    for _ in range(4):
        c = socket.create_connection((st.LOOPBACK, port), timeout=5)
        assert echo(c) == b"ping"
        c.close()
    stats = s.stats()
    assert stats["srv.raw.dead.connect_errors"] >= 2, stats
    assert stats["srv.raw.live.conns"] == 4


def test_tcp_without_redispatch_the_dead_server_fails(sluice, origins):
    o = origins("tcp", tcp=True)
    port, dead = st.free_port(), st.free_port()
    s = sluice(tcp_cfg(port, ["dead 127.0.0.1:%d" % dead,
                              "live 127.0.0.1:%d" % o.port],
                       "retries 1\ntimeout connect 100ms"))
    ok = 0
    for _ in range(4):
        c = socket.create_connection((st.LOOPBACK, port), timeout=5)
        try:
            ok += echo(c) == b"ping"
        except OSError:
            pass
        c.close()
    assert ok == 2
    s.wait_stats({"srv.raw.dead.connect_errors": 4})


def test_leastconn_counts_tcp_sessions(sluice, origins):
    o1, o2 = origins("t1", tcp=True), origins("t2", tcp=True)
    port = st.free_port()
    s = sluice(tcp_cfg(port, ["s1 127.0.0.1:%d" % o1.port,
                              "s2 127.0.0.1:%d" % o2.port],
                       "balance leastconn"))
    held = socket.create_connection((st.LOOPBACK, port), timeout=5)
    assert echo(held) == b"ping"
    busy = "s1" if s.stats()["srv.raw.s1.conns"] == 1 else "s2"
    for _ in range(4):
        c = socket.create_connection((st.LOOPBACK, port), timeout=5)
        assert echo(c) == b"ping"
        c.close()
        time.sleep(0.05)            # the slot is given back as it closes
    stats = s.stats()
    idle = "s2" if busy == "s1" else "s1"
    assert stats["srv.raw.%s.conns" % busy] == 1, stats
    assert stats["srv.raw.%s.conns" % idle] == 4, stats
    held.close()


def test_websocket_tunnel_holds_its_slot(sluice, origin):
    """maxconn 1: while a WebSocket tunnel is open, the next request waits
    in the queue; once the tunnel closes it is served."""
    port = st.free_port()
    s = sluice(st.http_cfg(port, ["s1 %d maxconn 1" % origin.port],
                           defaults="timeout tunnel 5s\ntimeout queue 300ms"))
    c = handshake(port)
    roundtrip(c, 1, b"hello")
    assert server_states(s)["be/s1"] == (1, 0)
    assert st.get(port, "/id").status == 503      # queue timeout
    c.close()
    assert st.wait_until(lambda: server_states(s)["be/s1"] == (0, 0), 2.0)
    assert st.get(port, "/id").status == 200
    s.wait_stats({"be.be.no_srv": 1, "fe.fe.rsp_5xx": 1})
