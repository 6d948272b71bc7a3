"""Keep-alive on both sides and reuse of server connections (counters and the
origin's own connection count)."""

import time

import sluicetest as st


def test_keepalive_reuses_one_server_connection(sluice, origin):
    port = st.free_port()
    s = sluice(st.http_cfg(port, ["s1 %d" % origin.port]))
    n = 10
    with st.Client(port) as c:
        seen = set()
        for i in range(n):
            c.request("GET", "/id?i=%d" % i)
            r = c.read_response()
            assert r.status == 200 and r.body == b"o1\n"
            assert not r.has_token("connection", "close")
            seen.add(r.header("X-Conn"))
        assert seen == {"1"}, "requests went over origin connections %s" % seen
    assert origin.count() == 1
    s.wait_stats({"fe.fe.conns": 1, "fe.fe.requests": n,
                  "srv.be.s1.conns": 1, "srv.be.s1.reused": n - 1,
                  "srv.be.s1.requests": n})


def test_server_connection_reused_across_clients(sluice, origin):
    """With http-reuse always, a new client's first request may take an
    idle connection another client left."""
    port = st.free_port()
    s = sluice(st.http_cfg(port, ["s1 %d" % origin.port], be="http-reuse always"))
    for i in range(3):
        with st.Client(port) as c:
            c.request("GET", "/id")
            assert c.read_response().status == 200
        # the server connection becomes idle once the response is done
        s.wait_stats({"srv.be.s1.idle": 1})
    assert origin.count() == 1
    s.wait_stats({"fe.fe.conns": 3, "srv.be.s1.conns": 1,
                  "srv.be.s1.reused": 2, "srv.be.s1.requests": 3,
                  "srv.be.s1.idle": 1})


def test_http_server_close(sluice, origin):
    port = st.free_port()
    s = sluice(st.http_cfg(port, ["s1 %d" % origin.port],
                           defaults="option http-server-close"))
    n = 5
    with st.Client(port) as c:
        conns = set()
        for i in range(n):
            c.request("GET", "/id")
            r = c.read_response()
            assert r.status == 200
            assert not r.has_token("connection", "close"), \
                "the client side must stay alive"
            conns.add(r.header("X-Conn"))
        assert len(conns) == n
    assert origin.count() == n
    s.wait_stats({"fe.fe.conns": 1, "fe.fe.requests": n,
                  "srv.be.s1.conns": n, "srv.be.s1.reused": 0,
                  "srv.be.s1.requests": n, "srv.be.s1.idle": 0})


def test_server_closing_keeps_client_alive(sluice, origin):
    """The origin answers with Connection: close: the next request of the
    same client goes over a new server connection."""
    port = st.free_port()
    s = sluice(st.http_cfg(port, ["s1 %d" % origin.port]))
    with st.Client(port) as c:
        c.request("GET", "/id?close=1")
        r1 = c.read_response()
        assert r1.status == 200
        assert not r1.has_token("connection", "close")
        c.request("GET", "/id")
        r2 = c.read_response()
        assert r2.status == 200
        assert r1.header("X-Conn") != r2.header("X-Conn")
    s.wait_stats({"fe.fe.conns": 1, "srv.be.s1.conns": 2,
                  "srv.be.s1.reused": 0, "srv.be.s1.requests": 2})


def test_idle_server_connection_closed_by_server(sluice, origin):
    """An idle pooled connection the origin closed must not turn the next
    request into an error."""
    port = st.free_port()
    s = sluice(st.http_cfg(port, ["s1 %d" % origin.port], be="http-reuse always"))
    assert st.get(port, "/id?idle_ms=100").status == 200
    time.sleep(0.4)
    for _ in range(3):
        r = st.get(port, "/id")
        assert r.status == 200, r
    s.wait_stats({"fe.fe.rsp_2xx": 4, "fe.fe.rsp_5xx": 0,
                  "srv.be.s1.conns": 2, "srv.be.s1.requests": 4})


def test_client_keepalive_timeout(sluice, origin):
    port = st.free_port()
    s = sluice(st.http_cfg(port, ["s1 %d" % origin.port],
                           defaults="timeout http-keep-alive 300ms"))
    with st.Client(port) as c:
        c.request("GET", "/id")
        assert c.read_response().status == 200
        t0 = time.monotonic()
        assert c.closed_by_peer(3), "idle client not closed"
        assert time.monotonic() - t0 < 2.0
    s.wait_stats({"fe.fe.cur_conns": 0, "fe.fe.req_timeout": 0,
                  "fe.fe.rsp_4xx": 0})


def test_keepalive_many_requests_to_nginx(sluice, nginx):
    port = st.free_port()
    s = sluice(st.http_cfg(port, ["ng %d" % nginx.port]))
    n = 200
    with st.Client(port) as c:
        for i in range(n):
            c.request("GET", "/f4k")
            r = c.read_response()
            assert r.status == 200 and st.sha256(r.body) == nginx.sums["f4k"]
    s.wait_stats({"fe.fe.conns": 1, "fe.fe.requests": n,
                  "srv.be.ng.conns": 1, "srv.be.ng.reused": n - 1})
