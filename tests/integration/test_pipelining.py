"""Pipelined requests: several in one send, answered in order."""

import json

import sluicetest as st


def test_pipelined_gets_in_order(sluice, origin):
    port = st.free_port()
    s = sluice(st.http_cfg(port, ["s1 %d" % origin.port]))
    n = 8
    data = b"".join(b"GET /echo?i=%d HTTP/1.1\r\nHost: x\r\n\r\n" % i
                    for i in range(n))
    with st.Client(port) as c:
        c.send(data)
        for i in range(n):
            r = c.read_response()
            assert r.status == 200
            assert json.loads(r.body)["target"] == "/echo?i=%d" % i
    s.wait_stats({"fe.fe.requests": n, "fe.fe.rsp_2xx": n, "fe.fe.conns": 1})


def test_pipelined_mixed_methods_and_bodies(sluice, origin):
    port = st.free_port()
    sluice(st.http_cfg(port, ["s1 %d" % origin.port]))
    data = (b"POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nhello"
            b"HEAD /chunked HTTP/1.1\r\nHost: x\r\n\r\n"
            b"POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
            b"\r\n3\r\nabc\r\n0\r\n\r\n"
            b"GET /status/204 HTTP/1.1\r\nHost: x\r\n\r\n"
            b"GET /chunked?n=2&size=10 HTTP/1.1\r\nHost: x\r\n\r\n"
            b"GET /id HTTP/1.1\r\nHost: x\r\n\r\n")
    with st.Client(port) as c:
        c.send(data)
        r = c.read_response()
        assert json.loads(r.body)["body"] == "hello"
        r = c.read_response("HEAD")
        assert r.status == 200 and r.body == b""
        r = c.read_response()
        assert json.loads(r.body)["body"] == "abc"
        r = c.read_response()
        assert r.status == 204
        r = c.read_response()
        assert len(r.body) == 20
        r = c.read_response()
        assert r.body == b"o1\n"


def test_pipelined_slow_first_keeps_order(sluice, origin):
    port = st.free_port()
    sluice(st.http_cfg(port, ["s1 %d" % origin.port]))
    with st.Client(port) as c:
        c.send(b"GET /slow?ms=300 HTTP/1.1\r\nHost: x\r\n\r\n"
               b"GET /id HTTP/1.1\r\nHost: x\r\n\r\n")
        assert c.read_response().body == b"slow\n"
        assert c.read_response().body == b"o1\n"


def test_many_pipelined_to_nginx(sluice, nginx):
    port = st.free_port()
    s = sluice(st.http_cfg(port, ["ng %d" % nginx.port]))
    n = 100
    with st.Client(port) as c:
        c.send(b"GET /f64 HTTP/1.1\r\nHost: x\r\n\r\n" * n)
        for _ in range(n):
            r = c.read_response()
            assert r.status == 200 and len(r.body) == 64
    s.wait_stats({"fe.fe.requests": n, "fe.fe.rsp_2xx": n})


def test_pipelined_request_after_close_is_ignored(sluice, origin):
    """Connection: close on the first request: the second is not answered."""
    port = st.free_port()
    s = sluice(st.http_cfg(port, ["s1 %d" % origin.port]))
    with st.Client(port) as c:
        c.send(b"GET /id HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"
               b"GET /id?second HTTP/1.1\r\nHost: x\r\n\r\n")
        r = c.read_response()
        assert r.status == 200
        assert c.closed_by_peer(3)
    s.wait_stats({"fe.fe.requests": 1, "srv.be.s1.requests": 1})
