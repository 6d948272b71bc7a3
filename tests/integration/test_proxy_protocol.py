"""The PROXY protocol and source binding: headers sent by `send-proxy` and
`send-proxy-v2` (checked byte for byte on a raw server), a client's address
carried through two sluice instances (A sends, B `accept-proxy`s) in HTTP
and TCP mode, every kind of malformed or late header refused, closed,
counted and logged while B keeps serving, and `source` choosing the local
address of server connections."""

import json
import socket
import struct
import threading
import time

import pytest

import sluicetest as st
from test_shm_writer import crashed, run_tool

SIG = b"\r\n\r\n\x00\r\nQUIT\n"


# ----------------------------------------------------------------- helpers

class Recorder:
    """A raw TCP server: each connection's bytes are recorded until the
    peer shuts its side, then answered with b"GOT <n>\\n" and closed."""

    def __init__(self, host=st.LOOPBACK):
        self.ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.ls.bind((host, 0))
        self.ls.listen(16)
        self.port = self.ls.getsockname()[1]
        self.conns = []              # (peer address, bytes received)
        self.lock = threading.Lock()
        self.t = threading.Thread(target=self.run, daemon=True)
        self.t.start()

    def run(self):
        while True:
            try:
                c, peer = self.ls.accept()
            except OSError:
                return
            threading.Thread(target=self.serve, args=(c, peer),
                             daemon=True).start()

    def serve(self, c, peer):
        data = b""
        c.settimeout(10)
        try:
            while True:
                d = c.recv(65536)
                if not d:
                    break
                data += d
            c.sendall(b"GOT %d\n" % len(data))
        except OSError:
            pass
        finally:
            c.close()
        with self.lock:
            self.conns.append((peer, data))

    def wait(self, n=1, timeout=5.0):
        assert st.wait_until(lambda: len(self.conns) >= n, timeout), \
            "the raw server got %d connections, expected %d" % (
                len(self.conns), n)
        return self.conns

    def close(self):
        self.ls.close()


@pytest.fixture
def recorder():
    r = Recorder()
    yield r
    r.close()


def session(port, data, host=st.LOOPBACK):
    """Connect, send data, half-close, read to the end. Returns (the
    client's own (address, port), bytes received)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    s = socket.socket(family, socket.SOCK_STREAM)
    s.settimeout(10)
    s.connect((host, port))
    me = s.getsockname()[:2]
    try:
        s.sendall(data)
        s.shutdown(socket.SHUT_WR)
        out = b""
        while True:
            d = s.recv(65536)
            if not d:
                return me, out
            out += d
    finally:
        s.close()


def parse_v1(data):
    """(header fields, rest) of a v1 line."""
    line, _, rest = data.partition(b"\r\n")
    return line.decode("ascii").split(" "), rest


def parse_v2(data):
    """(command, family byte, (src ip, dst ip, sport, dport), rest)."""
    assert data[:12] == SIG, data[:16]
    ver_cmd, fam, n = struct.unpack("!BBH", data[12:16])
    assert ver_cmd >> 4 == 2
    body, rest = data[16:16 + n], data[16 + n:]
    if fam == 0x11:
        addrs = (socket.inet_ntop(socket.AF_INET, body[0:4]),
                 socket.inet_ntop(socket.AF_INET, body[4:8])) + \
            struct.unpack("!HH", body[8:12])
    elif fam == 0x21:
        addrs = (socket.inet_ntop(socket.AF_INET6, body[0:16]),
                 socket.inet_ntop(socket.AF_INET6, body[16:32])) + \
            struct.unpack("!HH", body[32:36])
    else:
        addrs = None
    return ver_cmd & 0xF, fam, addrs, rest


def v1(src, dst, sport, dport, proto=None):
    proto = proto or ("TCP6" if ":" in src else "TCP4")
    return ("PROXY %s %s %s %d %d\r\n" % (proto, src, dst, sport,
                                          dport)).encode()


def v2(src, dst, sport, dport, cmd=1, tlvs=b""):
    if ":" in src:
        body = socket.inet_pton(socket.AF_INET6, src) + \
            socket.inet_pton(socket.AF_INET6, dst)
        fam = 0x21
    else:
        body = socket.inet_pton(socket.AF_INET, src) + \
            socket.inet_pton(socket.AF_INET, dst)
        fam = 0x11
    body += struct.pack("!HH", sport, dport) + tlvs
    return SIG + struct.pack("!BBH", 0x20 | cmd, fam, len(body)) + body


def echo_xff(port, prefix=b"", target="/echo"):
    """One request to B (optionally behind raw header bytes); returns the
    origin's view: (X-Forwarded-For, its own peer)."""
    with st.Client(port) as c:
        c.send(prefix)
        c.request("GET", target)
        r = c.read_response()
    assert r.status == 200, r
    j = json.loads(r.body)
    xff = [v for k, v in j["headers"] if k.lower() == "x-forwarded-for"]
    return xff, j.get("peer")


B_CFG = """\
global
    nbthread {nbthread}
defaults
    timeout connect 2s
    timeout client {tclient}
    timeout server 5s
frontend fb
    mode http
    bind 127.0.0.1:{port} accept-proxy
    option forwardfor
    default_backend bo
backend bo
    mode http
    server o 127.0.0.1:{oport}
"""


def start_b(sluice, origin, tclient="5s", nbthread=1):
    port = st.free_port()
    return sluice(B_CFG.format(port=port, oport=origin.port, tclient=tclient,
                               nbthread=nbthread), name="b")


A_TCP_CFG = """\
global
    nbthread 1
listen a
    mode tcp
    bind 127.0.0.1:{port}
    bind [::1]:{port6}
    timeout connect 2s
    timeout client 5s
    timeout server 5s
    server b 127.0.0.1:{bport} {opt}
"""


def start_a_tcp(sluice, bport, opt):
    port, port6 = st.free_port(), st.free_port("::1")
    return sluice(A_TCP_CFG.format(port=port, port6=port6, bport=bport,
                                   opt=opt), name="a"), port, port6


def log_text(s):
    r = run_tool("sluicelog", "-n", s.shm_path, "-d", "-g", "raw")
    assert r.returncode == 0 and not crashed(r), r.stderr
    return r.stdout


# ------------------------------------------------- headers on the wire

@pytest.mark.parametrize("opt", ["send-proxy", "send-proxy-v2"])
@pytest.mark.parametrize("host", ["127.0.0.1", "::1"])
def test_send_proxy_header_bytes(sluice, recorder, opt, host):
    """The header is the first thing the server gets, with the client's
    address and port and the address it connected to; the client's bytes
    follow unchanged; the answer comes back."""
    a, port, port6 = start_a_tcp(sluice, recorder.port, opt)
    payload = b"hello\r\nPROXY not a header\r\n" * 100
    me, out = session(port6 if ":" in host else port, payload, host=host)
    (peer, data), = recorder.wait()
    dport = port6 if ":" in host else port
    if opt == "send-proxy":
        fields, rest = parse_v1(data)
        assert fields == ["PROXY", "TCP6" if ":" in host else "TCP4", me[0],
                          host, str(me[1]), str(dport)], data[:120]
        assert data.startswith(v1(me[0], host, me[1], dport))
    else:
        cmd, fam, addrs, rest = parse_v2(data)
        assert cmd == 1 and fam == (0x21 if ":" in host else 0x11)
        assert addrs == (me[0], host, me[1], dport)
    assert rest == payload
    assert out == b"GOT %d\n" % len(data)


def test_no_send_proxy_sends_no_header(sluice, recorder):
    a, port, _ = start_a_tcp(sluice, recorder.port, "")
    session(port, b"plain")
    (peer, data), = recorder.wait()
    assert data == b"plain"


# ------------------------------------- the client's address through A and B

@pytest.mark.parametrize("opt", ["send-proxy", "send-proxy-v2"])
def test_http_client_address_through_two_instances(sluice, origins, opt):
    """client -> A (tcp, send-proxy) -> B (http, accept-proxy, forwardfor)
    -> origin: the origin sees the real client in X-Forwarded-For, IPv6
    included though A reaches B over IPv4, on every request of a
    kept-alive connection."""
    o = origins("o1")
    b = start_b(sluice, o)
    a, port, port6 = start_a_tcp(sluice, b.port, opt)
    for host, p in (("::1", port6), ("127.0.0.1", port)):
        with st.Client(p, host=host) as c:
            for _ in range(3):
                c.request("GET", "/echo")
                r = c.read_response()
                assert r.status == 200, r
                j = json.loads(r.body)
                xff = [v for k, v in j["headers"]
                       if k.lower() == "x-forwarded-for"]
                assert xff == [host], j["headers"]
                assert j["peer"][0] == "127.0.0.1"      # B's own connection
    b.wait_stats({"fe.fb.conns": 2, "fe.fb.requests": 6,
                  "fe.fb.denied_conn": 0, "fe.fb.cur_conns": 0}, timeout=5)


@pytest.mark.parametrize("reuse", ["safe", "always"])
@pytest.mark.parametrize("opt", ["send-proxy", "send-proxy-v2"])
def test_http_front_sends_proxy_header(sluice, origins, opt, reuse):
    """A in HTTP mode with send-proxy toward B: each client's own address
    arrives, also when A could reuse server connections (a connection
    that carried one client's header never carries another's requests)."""
    o = origins("o1")
    b = start_b(sluice, o)
    port, port6 = st.free_port(), st.free_port("::1")
    sluice("""\
global
    nbthread 1
defaults
    mode http
    http-reuse %s
    timeout connect 2s
    timeout client 5s
    timeout server 5s
frontend fa
    bind 127.0.0.1:%d
    bind [::1]:%d
    default_backend ba
backend ba
    server b 127.0.0.1:%d %s
""" % (reuse, port, port6, b.port, opt), name="a")
    for host, p in (("::1", port6), ("127.0.0.1", port), ("::1", port6),
                    ("127.0.0.1", port)):
        with st.Client(p, host=host) as c:
            for _ in range(2):
                c.request("GET", "/echo")
                r = c.read_response()
                assert r.status == 200, r
                xff = [v for k, v in json.loads(r.body)["headers"]
                       if k.lower() == "x-forwarded-for"]
                assert xff == [host]
    b.wait_stats({"fe.fb.denied_conn": 0})


def test_tcp_through_two_instances(sluice, recorder):
    """client (::1) -> A (tcp, send-proxy-v2) -> B (tcp, accept-proxy,
    send-proxy) -> raw server: B passes on the address it was told; the
    client's bytes, sent with the header in one segment, are intact."""
    bport = st.free_port()
    b = sluice("""\
global
    nbthread 1
listen b
    mode tcp
    bind 127.0.0.1:%d accept-proxy
    timeout connect 2s
    timeout client 5s
    timeout server 5s
    server r 127.0.0.1:%d send-proxy
""" % (bport, recorder.port), name="b")
    a, port, port6 = start_a_tcp(sluice, bport, "send-proxy-v2")
    payload = bytes(range(256)) * 4000
    me, out = session(port6, payload, host="::1")
    (peer, data), = recorder.wait()
    fields, rest = parse_v1(data)
    # the destination is B's own address (the original one is not kept)
    assert fields[:2] == ["PROXY", "TCP6"] and fields[2] == "::1", fields
    assert fields[4] == str(me[1]), fields
    assert rest == payload
    assert out == b"GOT %d\n" % len(data)
    b.wait_stats({"fe.b.conns": 1, "fe.b.denied_conn": 0})


# ------------------------------------------- headers sent directly to B

GOOD_HEADERS = [
    ("v1-tcp4", v1("192.0.2.7", "198.51.100.1", 40000, 80), "192.0.2.7"),
    ("v1-tcp6", v1("2001:db8::7", "2001:db8::1", 40000, 80), "2001:db8::7"),
    ("v1-unknown", b"PROXY UNKNOWN\r\n", "127.0.0.1"),
    ("v1-unknown-long", b"PROXY UNKNOWN 1.2.3.4 5.6.7.8 1 2\r\n",
     "127.0.0.1"),
    ("v2-tcp4", v2("192.0.2.8", "198.51.100.1", 40000, 80), "192.0.2.8"),
    ("v2-tcp6", v2("2001:db8::8", "2001:db8::1", 1, 2), "2001:db8::8"),
    ("v2-tlvs", v2("192.0.2.9", "198.51.100.1", 1, 2,
                   tlvs=b"\x04\x00\x00\x02\x00\x04host\xe0\x00\x02ab"),
     "192.0.2.9"),
    ("v2-local", SIG + b"\x20\x00\x00\x00", "127.0.0.1"),
    ("v2-local-addr", v2("192.0.2.10", "198.51.100.1", 1, 2, cmd=0),
     "127.0.0.1"),
    ("v2-unspec", SIG + b"\x21\x00\x00\x03abc", "127.0.0.1"),
]


@pytest.mark.parametrize("name,header,want", GOOD_HEADERS,
                         ids=[g[0] for g in GOOD_HEADERS])
def test_headers_accepted(sluice, origin, name, header, want):
    b = start_b(sluice, origin)
    xff, _ = echo_xff(b.port, header)
    assert xff == [want]


def test_header_byte_by_byte_then_request(sluice, origin):
    """A header that trickles in is waited for; what follows it, sent
    later, reaches the session."""
    b = start_b(sluice, origin)
    h = v1("203.0.113.5", "127.0.0.1", 5555, b.port)
    with st.Client(b.port) as c:
        for i in range(len(h)):
            c.send(h[i:i + 1])
            time.sleep(0.005)
        time.sleep(0.1)
        c.request("GET", "/echo")
        r = c.read_response()
        c.request("GET", "/echo")
        r2 = c.read_response()
    for x in (r, r2):
        xff = [v for k, v in json.loads(x.body)["headers"]
               if k.lower() == "x-forwarded-for"]
        assert xff == ["203.0.113.5"]


def test_header_and_request_in_one_segment(sluice, origin):
    b = start_b(sluice, origin)
    h = v2("203.0.113.6", "127.0.0.1", 5555, b.port)
    req = b"GET /echo HTTP/1.1\r\nHost: x\r\n\r\n"
    with st.Client(b.port) as c:
        c.send(h + req + req)                  # pipelined, all at once
        for _ in range(2):
            r = c.read_response()
            xff = [v for k, v in json.loads(r.body)["headers"]
                   if k.lower() == "x-forwarded-for"]
            assert xff == ["203.0.113.6"]


def test_no_header_is_refused_not_guessed(sluice, origin):
    """A plain request on an accept-proxy listener is refused: the header
    is never optional (the specification forbids guessing)."""
    b = start_b(sluice, origin)
    with st.Client(b.port) as c:
        c.request("GET", "/echo")
        assert c.closed_by_peer(3)
    b.wait_stats({"fe.fb.denied_conn": 1})


BAD_HEADERS = [
    ("garbage", b"\x16\x03\x01\x00\xa5\x01\x00\x00\xa1\x03\x03" + b"x" * 40),
    ("v1-bad-address", b"PROXY TCP4 1.2.3.256 5.6.7.8 1 2\r\n"),
    ("v1-leading-zero", b"PROXY TCP4 1.2.3.4 5.6.7.8 01 2\r\n"),
    ("v1-bad-proto", b"PROXY TCP7 1.2.3.4 5.6.7.8 1 2\r\n"),
    ("v1-double-space", b"PROXY TCP4  1.2.3.4 5.6.7.8 1 2\r\n"),
    ("v1-lf-only", b"PROXY TCP4 1.2.3.4 5.6.7.8 1 2\n"),
    ("v1-too-long", b"PROXY UNKNOWN " + b"x" * 100),
    ("v1-family-mix", b"PROXY TCP4 ::1 5.6.7.8 1 2\r\n"),
    ("v2-bad-signature", b"\r\n\r\n\x00\r\nQUIX\n\x21\x11\x00\x0c" + b"\0" * 12),
    ("v2-version-1", SIG + b"\x11\x11\x00\x0c" + b"\0" * 12),
    ("v2-bad-command", SIG + b"\x2f\x11\x00\x0c" + b"\0" * 12),
    ("v2-bad-family", SIG + b"\x21\x41\x00\x0c" + b"\0" * 12),
    ("v2-length-overflow", SIG + b"\x21\x11\xff\xff" + b"\0" * 12),
    ("v2-address-overflow", SIG + b"\x21\x21\x00\x0c" + b"\0" * 12),
    ("v2-tlv-overflow", v2("192.0.2.1", "192.0.2.2", 1, 2,
                           tlvs=b"\x04\x00\x09abc")),
]


@pytest.mark.parametrize("name,data", BAD_HEADERS,
                         ids=[b[0] for b in BAD_HEADERS])
def test_malformed_header_closed_counted_logged(sluice, origin, name, data):
    b = start_b(sluice, origin)
    with st.Client(b.port) as c:
        c.send(data + b"GET /echo HTTP/1.1\r\nHost: x\r\n\r\n")
        assert c.closed_by_peer(3), "connection still open"
    b.wait_stats({"fe.fb.denied_conn": 1, "fe.fb.requests": 0,
                  "fe.fb.cur_conns": 0})
    # B keeps serving
    xff, _ = echo_xff(b.port, v1("192.0.2.77", "127.0.0.1", 1, 2))
    assert xff == ["192.0.2.77"]
    b.wait_stats({"fe.fb.denied_conn": 1, "fe.fb.requests": 1})
    text = st.wait_until(lambda: (lambda t: "accept-proxy" in t and t)(
        log_text(b)), 3)
    if not text and not log_text(b).strip():
        pytest.skip("no log records written by this build")
    assert text, log_text(b)[-2000:]
    lines = [l for l in text.splitlines() if "accept-proxy" in l]
    assert lines and "Error" in lines[0], lines


def test_truncated_header_then_close(sluice, origin):
    b = start_b(sluice, origin)
    with st.Client(b.port) as c:
        c.send(b"PROXY TCP4 192.0.2.1 192.0")
        c.sock.shutdown(socket.SHUT_WR)
        assert c.closed_by_peer(3)
    with st.Client(b.port) as c:
        c.send(SIG + b"\x21\x11\x00\x0c\xc0\x00")
        c.sock.shutdown(socket.SHUT_WR)
        assert c.closed_by_peer(3)
    b.wait_stats({"fe.fb.denied_conn": 2})


def test_slow_header_times_out(sluice, origin):
    """timeout client bounds the wait for the header, whether some of it
    came or none; B keeps serving meanwhile."""
    b = start_b(sluice, origin, tclient="1s")
    t0 = time.monotonic()
    c1 = st.Client(b.port)
    c2 = st.Client(b.port)
    try:
        c1.send(b"PROXY TCP4 192.0.2.1 ")
        xff, _ = echo_xff(b.port, b"PROXY UNKNOWN\r\n")   # served meanwhile
        assert xff == ["127.0.0.1"]
        assert c1.closed_by_peer(4) and c2.closed_by_peer(4)
        took = time.monotonic() - t0
        assert 0.8 <= took < 3.5, took
    finally:
        c1.close()
        c2.close()
    b.wait_stats({"fe.fb.denied_conn": 2, "fe.fb.requests": 1,
                  "fe.fb.cur_conns": 0})


def test_silent_close_is_not_counted(sluice, origin):
    """A connection closed before any byte (a TCP health check) is not an
    error."""
    b = start_b(sluice, origin)
    for _ in range(3):
        socket.create_connection((st.LOOPBACK, b.port), timeout=2).close()
    assert st.wait_until(lambda: b.stats().get("fe.fb.conns") == 3, 3)
    b.wait_stats({"fe.fb.cur_conns": 0, "fe.fb.denied_conn": 0})


def test_many_threads_many_headers(sluice, origin):
    """Concurrent clients, each its own address, on a 4-thread B."""
    b = start_b(sluice, origin, nbthread=4)
    results = {}

    def run(i):
        src = "198.18.%d.%d" % (i // 250, i % 250 + 1)
        hdr = v1(src, "127.0.0.1", 1000 + i, 80) if i % 2 else \
            v2(src, "127.0.0.1", 1000 + i, 80)
        try:
            results[i] = echo_xff(b.port, hdr)[0] == [src]
        except Exception as e:          # reported below
            results[i] = repr(e)

    ts = [threading.Thread(target=run, args=(i,)) for i in range(40)]
    for t in ts:
        t.start()
    for t in ts:
        t.join(20)
    bad = {i: r for i, r in results.items() if r is not True}
    assert len(results) == 40 and not bad, bad
    b.wait_stats({"fe.fb.requests": 40, "fe.fb.denied_conn": 0})


# ------------------------------------------------------------------ source

def test_server_source_address(sluice, origin):
    """`source` on a server, on a backend, and a server's own overriding
    its backend's: the origin sees that address as its peer."""
    cfg = """\
global
    nbthread 1
defaults
    mode http
    timeout connect 2s
    timeout client 5s
    timeout server 5s
frontend f1
    bind 127.0.0.1:{p1}
    default_backend b1
frontend f2
    bind 127.0.0.1:{p2}
    default_backend b2
backend b1
    source 127.0.0.3
    server s1 127.0.0.1:{o} source 127.0.0.2
backend b2
    source 127.0.0.3
    server s1 127.0.0.1:{o}
"""
    p1, p2 = st.free_port(), st.free_port()
    sluice(cfg.format(p1=p1, p2=p2, o=origin.port))
    r = st.get(p1, "/echo")
    assert r.status == 200 and json.loads(r.body)["peer"][0] == "127.0.0.2"
    r = st.get(p2, "/echo")
    assert r.status == 200 and json.loads(r.body)["peer"][0] == "127.0.0.3"


def test_source_port_range_tcp(sluice, recorder):
    """A port range: every connection gets a port of it, round robin."""
    base = st.free_port("127.0.0.2")
    if base > 65530:
        base -= 10
    port = st.free_port()
    sluice("""\
global
    nbthread 1
listen t
    mode tcp
    bind 127.0.0.1:%d
    timeout connect 2s
    timeout client 5s
    timeout server 5s
    source 127.0.0.2:%d-%d
    server r 127.0.0.1:%d
""" % (port, base, base + 3, recorder.port))
    for i in range(4):
        session(port, b"x%d" % i)
    conns = recorder.wait(4)
    peers = [p for p, _ in conns]
    assert all(h == "127.0.0.2" and base <= pt <= base + 3
               for h, pt in peers), peers
    assert len({pt for _, pt in peers}) >= 2, peers
