"""Bad requests: the right status, a short close-delimited answer, the right
counter, nothing sent to the server, and everyone else still served."""

import time

import pytest

import sluicetest as st

GLOBAL = """\
tune.http.max-reqline 1024
tune.http.max-head 8192
tune.http.maxhdr 40
"""
DEFAULTS = "timeout http-request 500ms"


def req(*lines, body=b""):
    return b"\r\n".join(lines) + b"\r\n\r\n" + body


G = b"GET / HTTP/1.1"
H = b"Host: x"

CASES = [
    # malformed request line
    ("reqline-no-version", req(b"GET /", H), 400),
    ("reqline-bad-method-char", req(b"G@T / HTTP/1.1", H), 400),
    ("reqline-extra-token", req(b"GET / HTTP/1.1 x", H), 400),
    ("reqline-bad-protocol", req(b"GET / HTTX/1.1", H), 400),
    ("reqline-empty-target", req(b"GET  HTTP/1.1", H), 400),
    ("reqline-nul", req(b"GET /\x00 HTTP/1.1", H), 400),
    # malformed headers
    ("header-no-colon", req(G, H, b"NoColonHere"), 400),
    ("header-space-in-name", req(G, H, b"X Foo: 1"), 400),
    ("header-space-before-colon", req(G, b"Host : x"), 400),
    ("header-empty-name", req(G, H, b": x"), 400),
    ("header-nul", req(G, H, b"X-A: a\x00b"), 400),
    ("header-bare-cr", req(G, H, b"X-A: a\rb"), 400),
    ("obs-fold-space", req(G, H, b"X-A: a", b" b"), 400),
    ("obs-fold-tab", req(G, H, b"X-A: a", b"\tb"), 400),
    # message framing
    ("cl-and-te", req(b"POST / HTTP/1.1", H, b"Content-Length: 5",
                      b"Transfer-Encoding: chunked", body=b"0\r\n\r\n"), 400),
    ("cl-duplicate-differing", req(b"POST / HTTP/1.1", H, b"Content-Length: 5",
                                   b"Content-Length: 6", body=b"hello!"), 400),
    ("cl-list-differing", req(b"POST / HTTP/1.1", H, b"Content-Length: 5, 6",
                              body=b"hello!"), 400),
    ("cl-not-a-number", req(b"POST / HTTP/1.1", H, b"Content-Length: abc"), 400),
    ("cl-plus-sign", req(b"POST / HTTP/1.1", H, b"Content-Length: +5",
                         body=b"hello"), 400),
    ("cl-negative", req(b"POST / HTTP/1.1", H, b"Content-Length: -1"), 400),
    ("te-not-chunked", req(b"POST / HTTP/1.1", H, b"Transfer-Encoding: gzip",
                           body=b"abc"), 400),
    ("te-chunked-not-last", req(b"POST / HTTP/1.1", H,
                                b"Transfer-Encoding: chunked, gzip",
                                body=b"0\r\n\r\n"), 400),
    ("http11-without-host", req(G), 400),
    # limits
    ("reqline-too-long", req(b"GET /" + b"a" * 2000 + b" HTTP/1.1", H), 414),
    ("head-too-large", req(G, H, b"X-Big: " + b"b" * 9000), 431),
    ("too-many-headers", req(G, H, *[b"X-H%d: v" % i for i in range(50)]), 431),
    # versions
    ("version-2.0", req(b"GET / HTTP/2.0", H), 505),
    ("version-3.7", req(b"GET / HTTP/3.7", H), 505),
]


@pytest.fixture
def proxy(sluice, origin):
    port = st.free_port()
    s = sluice(st.http_cfg(port, ["s1 %d" % origin.port], glob=GLOBAL,
                           defaults=DEFAULTS))
    return s, port, origin


def read_error(c, code):
    """Read the error answer and check its form; the connection is then
    closed by sluice."""
    r = c.read_response()
    assert r.status == code, "expected %d, got %r" % (code, r)
    assert r.head.startswith(b"HTTP/1.1 %d " % code), r.head
    assert r.has_token("connection", "close"), r.headers
    assert 0 < len(r.body) < 2048 and b"<" in r.body, r.body
    assert c.closed_by_peer(3), "connection left open after %d" % code
    return r


def check_still_serving(port, other):
    """A new connection works, and so does an older keep-alive one."""
    r = st.get(port, "/id")
    assert r.status == 200 and r.body == b"o1\n"
    other.request("GET", "/id")
    assert other.read_response().status == 200


@pytest.mark.parametrize("name,data,code", CASES, ids=[c[0] for c in CASES])
def test_rejected(proxy, name, data, code):
    s, port, origin = proxy
    with st.Client(port) as other:
        other.request("GET", "/id")
        assert other.read_response().status == 200
        with st.Client(port) as c:
            c.send(data)
            read_error(c, code)
        expect = {"srv.be.s1.requests": 1}
        if code < 500:
            expect.update({"fe.fe.req_rejected": 1, "fe.fe.rsp_4xx": 1})
        else:
            expect.update({"fe.fe.rsp_5xx": 1})
        s.wait_stats(expect)
        assert origin.count() == 1, "the bad request reached the origin"
        check_still_serving(port, other)
    s.wait_stats({"srv.be.s1.requests": 3, "fe.fe.rsp_2xx": 3})


def test_http10_without_host_accepted(proxy):
    s, port, _ = proxy
    raw = st.exchange(port, b"GET /id HTTP/1.0\r\n\r\n")
    assert raw.startswith(b"HTTP/1.") and b" 200 " in raw.split(b"\r\n")[0]
    s.wait_stats({"fe.fe.req_rejected": 0})


def test_bad_chunk_size_before_response(proxy):
    """The head went to the server; the bad chunk aborts the request and the
    client gets a 400 as nothing was answered yet."""
    s, port, origin = proxy
    with st.Client(port) as c:
        c.send(b"POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked"
               b"\r\n\r\n5\r\nhello\r\n")
        time.sleep(0.1)
        c.send(b"zz\r\nbad\r\n0\r\n\r\n")
        read_error(c, 400)
    s.wait_stats({"fe.fe.req_rejected": 1, "fe.fe.rsp_4xx": 1})
    assert st.get(port, "/id").status == 200


def test_bad_chunk_size_in_one_packet(proxy):
    s, port, _ = proxy
    with st.Client(port) as c:
        c.send(b"POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked"
               b"\r\n\r\n-5\r\nhello\r\n0\r\n\r\n")
        read_error(c, 400)
    s.wait_stats({"fe.fe.req_rejected": 1})
    assert st.get(port, "/id").status == 200


@pytest.mark.parametrize("body", [b"5\nhello\r\n0\r\n\r\n",
                                  b"5\r\nhello\n0\r\n\r\n",
                                  b"5\r\nhello\r\n0\r\nX-T: 1\n\r\n"])
def test_chunked_bare_lf_framing_rejected(proxy, body):
    """Chunked framing is forwarded as received, so a request whose chunk
    lines end with a bare LF must not reach the server (smuggling)."""
    s, port, _ = proxy
    with st.Client(port) as c:
        c.send(b"POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked"
               b"\r\n\r\n" + body)
        read_error(c, 400)
    s.wait_stats({"fe.fe.req_rejected": 1})
    assert st.get(port, "/id").status == 200


def test_bad_chunk_size_after_response_started(proxy):
    """The origin answered before reading the body: the bad chunk can only
    close the connection, no second answer follows."""
    s, port, _ = proxy
    with st.Client(port) as c:
        c.send(b"POST /early HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked"
               b"\r\n\r\n")
        r = c.read_response()
        assert r.status == 200 and r.body == b"early\n"
        try:
            c.send(b"5\r\nhello\r\nxyz\r\n")
        except (BrokenPipeError, ConnectionResetError):
            pass
        assert c.closed_by_peer(3)
    assert st.get(port, "/id").status == 200


def test_partial_request_times_out_with_408(proxy):
    s, port, origin = proxy
    with st.Client(port) as c:
        t0 = time.monotonic()
        c.send(b"GET /id HTTP/1.1\r\nHost: x\r\n")
        read_error(c, 408)
        took = time.monotonic() - t0
        assert 0.3 < took < 2.5, "408 after %.2f s, timeout is 0.5 s" % took
    s.wait_stats({"fe.fe.req_timeout": 1, "fe.fe.rsp_4xx": 1,
                  "srv.be.s1.requests": 0})
    assert origin.count() == 0
    assert st.get(port, "/id").status == 200


def test_slow_body_does_not_count_as_http_request_timeout(proxy):
    """timeout http-request covers the head only."""
    s, port, _ = proxy
    with st.Client(port) as c:
        c.send(b"POST /sink HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n\r\nab")
        time.sleep(0.8)
        c.send(b"cd")
        r = c.read_response()
        assert r.status == 200 and b'"bytes": 4' in r.body
    s.wait_stats({"fe.fe.req_timeout": 0})


def test_idle_connection_closed_silently(proxy):
    s, port, _ = proxy
    with st.Client(port) as c:
        t0 = time.monotonic()
        assert c.closed_by_peer(3), "silent connection was not closed"
        assert time.monotonic() - t0 < 2.5
    s.wait_stats({"fe.fe.rsp_4xx": 0, "fe.fe.cur_conns": 0})


def test_garbage_then_normal_traffic(proxy):
    s, port, _ = proxy
    for junk in (b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + b"\0" * 64,
                 b"\r\n" * 5 + b"\xff\xfe\xfd\r\n\r\n"):
        try:
            raw = st.exchange(port, junk, timeout=3)
        except ConnectionResetError:
            raw = b""
        assert raw == b"" or raw.startswith((b"HTTP/1.1 400 ",
                                             b"HTTP/1.1 408 ")), raw[:100]
    assert st.get(port, "/id").status == 200
