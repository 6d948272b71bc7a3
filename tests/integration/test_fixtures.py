"""Self-checks of the test fixtures, without sluice: the origins and nginx
behave as the other tests assume, so a failure elsewhere is sluice's."""

import json
import socket
import subprocess

import sluicetest as st
from origin import ws_frame
from raworigin import CLOSE, HEAD


def test_nginx_serves_docroot(nginx):
    for name in ("f64", "f4k", "f1m"):
        r = st.get(nginx.port, "/" + name)
        assert r.status == 200
        assert st.sha256(r.body) == nginx.sums[name]
    out = subprocess.run(["curl", "-sS", "-o", "/dev/null", "-w",
                          "%{http_code} %{size_download}",
                          "http://127.0.0.1:%d/f100m" % nginx.port],
                         capture_output=True, text=True, timeout=30)
    assert out.stdout == "200 %d" % (100 << 20)


def test_origin_echo_keepalive(origin):
    with st.Client(origin.port) as c:
        c.request("POST", "/echo?a=1", [("X-Test", "yes")], body=b"hello")
        r = c.read_response()
        info = json.loads(r.body)
        assert info["method"] == "POST" and info["target"] == "/echo?a=1"
        assert ["X-Test", "yes"] in info["headers"]
        assert info["body"] == "hello"
        c.request("GET", "/id")
        r2 = c.read_response()
        assert r2.body == b"o1\n"
        assert r.header("X-Conn") == r2.header("X-Conn") == "1"
        assert (r.header("X-Req"), r2.header("X-Req")) == ("1", "2")
    assert origin.count() == 1


def test_origin_chunked_both_ways(origin):
    with st.Client(origin.port) as c:
        c.send(b"POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked"
               b"\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\nX-T: 1\r\n\r\n")
        info = json.loads(c.read_response().body)
        assert info["body"] == "abcde" and info["trailers"] == [["X-T", "1"]]
        c.request("GET", "/chunked?n=3&size=10")
        r = c.read_response()
        assert len(r.body) == 30
        assert dict(r.trailers)["X-Checksum"] == st.sha256(r.body)


def test_origin_expect(origin):
    with st.Client(origin.port) as c:
        c.request("POST", "/expect", [("Expect", "100-continue"),
                                      ("Content-Length", "4")])
        r = c.read_response(interim=True)
        assert r.status == 100
        c.send(b"abcd")
        info = json.loads(c.read_response().body)
        assert info["bytes"] == 4 and info["expect"] is True


def test_origin_bad_paths(origin):
    raw = st.exchange(origin.port, b"GET /close-early HTTP/1.1\r\nHost: x\r\n\r\n")
    assert raw == b"HTTP/1.1 200 OK\r\nContent-Le"
    with st.Client(origin.port) as c:
        c.request("GET", "/reset")
        try:
            data = c.sock.recv(100)
            assert False, "expected a reset, got %r" % data
        except ConnectionResetError:
            pass
    raw = st.exchange(origin.port, b"GET /malformed HTTP/1.1\r\nHost: x\r\n\r\n")
    assert raw.startswith(b"HTTP/1.1 abc")
    r = st.get(origin.port, "/huge-headers")
    assert len(r.head) > 64000
    with st.Client(origin.port) as c:
        c.request("GET", "/no-length?size=5000")
        r = c.read_response()
        assert r.header("content-length") is None and len(r.body) == 5000
    for code in (204, 304):
        with st.Client(origin.port) as c:
            c.request("GET", "/status/%d" % code)
            c.request("GET", "/id")
            assert c.read_response().status == code
            assert c.read_response().body == b"o1\n"


def test_origin_websocket(origin):
    with st.Client(origin.port) as c:
        c.request("GET", "/ws", [("Upgrade", "websocket"),
                                 ("Connection", "Upgrade"),
                                 ("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="),
                                 ("Sec-WebSocket-Version", "13")])
        r = c.read_response()
        assert r.status == 101
        assert r.header("Sec-WebSocket-Accept") == "s3pPLMBiTxaQ9kYGzzhZRbK+xOo="
        c.send(ws_frame(1, b"hi there", mask=b"abcd"))
        assert c._exact(10) == ws_frame(1, b"hi there")


def test_tcp_echo_half_close(origins):
    o = origins("tcp", tcp=True)
    s = socket.create_connection(("127.0.0.1", o.port), timeout=5)
    try:
        s.sendall(b"x" * 1000)
        s.shutdown(socket.SHUT_WR)
        out = b""
        while True:
            d = s.recv(65536)
            if not d:
                break
            out += d
    finally:
        s.close()
    assert out == b"x" * 1000 + b"BYE 1000\n"


def test_raw_origin_records_and_replays(raw_origin):
    """Each connection records exactly what it got and plays its script;
    the last script plays on later connections."""
    o = raw_origin([(HEAD, b"ONE\r\n"), (3, b"TWO"), (None, CLOSE)],
                   [(None, b"hello"), (b"x", CLOSE)])
    with st.Client(o.port) as c:
        c.send(b"GET / HTTP/1.1\r\n")
        c.send(b"\r\nabcdef")
        assert c.read_until_close() == b"ONE\r\nTWO"
    assert o.received(0) == b"GET / HTTP/1.1\r\n\r\nabcdef"
    assert o.wait_finished(0)
    for i in (1, 2):
        with st.Client(o.port) as c:
            assert c._exact(5) == b"hello"
            c.send(b"yx")
            assert c.closed_by_peer(3)
        assert o.received(i) == b"yx"
    assert o.count() == 3
    with st.Client(o.port) as c:
        c.send(b"bytes then close")
    assert o.received(3, b"bytes then close") == b"bytes then close"
    assert o.wait_finished(3)
    assert o.all_received() == [b"GET / HTTP/1.1\r\n\r\nabcdef", b"yx", b"yx",
                                b"bytes then close"]


def test_blackhole_connect_hangs():
    with st.Blackhole() as bh:
        s = socket.socket()
        s.settimeout(0.3)
        try:
            s.connect(("127.0.0.1", bh.port))
            assert False, "connected to the blackhole"
        except socket.timeout:
            pass
        finally:
            s.close()
