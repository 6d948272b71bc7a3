"""Connection management: Connection: close, HTTP/1.0 clients, responses
delimited by closing, clients going away."""

import time

import sluicetest as st


def test_connection_close_from_client(sluice, origin):
    port = st.free_port()
    s = sluice(st.http_cfg(port, ["s1 %d" % origin.port]))
    with st.Client(port) as c:
        c.request("GET", "/id", [("Connection", "close")])
        r = c.read_response()
        assert r.status == 200 and r.body == b"o1\n"
        assert c.closed_by_peer(3), "connection not closed after the response"
    s.wait_stats({"fe.fe.cur_conns": 0, "fe.fe.rsp_2xx": 1})


def test_http10_closes_by_default(sluice, origin):
    port = st.free_port()
    sluice(st.http_cfg(port, ["s1 %d" % origin.port]))
    with st.Client(port) as c:
        c.send(b"GET /id HTTP/1.0\r\n\r\n")          # no Host: fine in 1.0
        r = c.read_response()
        assert r.status == 200 and r.body == b"o1\n"
        assert r.header("transfer-encoding") is None
        assert c.closed_by_peer(3)


def test_http10_keepalive_when_asked(sluice, nginx):
    port = st.free_port()
    s = sluice(st.http_cfg(port, ["ng %d" % nginx.port]))
    with st.Client(port) as c:
        for _ in range(3):
            c.send(b"GET /f4k HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
            r = c.read_response()
            assert r.status == 200 and len(r.body) == 4096
            assert r.has_token("connection", "keep-alive"), r.headers
    s.wait_stats({"fe.fe.conns": 1, "fe.fe.requests": 3})


def test_http10_client_unknown_length_ends_by_close(sluice, origin):
    """A chunked response cannot go to a 1.0 client: it gets the plain body
    and the end is marked by closing, even if it asked for keep-alive."""
    port = st.free_port()
    sluice(st.http_cfg(port, ["s1 %d" % origin.port]))
    for extra in (b"", b"Connection: keep-alive\r\n"):
        with st.Client(port) as c:
            c.send(b"GET /chunked?n=5&size=1000 HTTP/1.0\r\n" + extra + b"\r\n")
            r = c.read_head()
            assert r.status == 200
            assert r.header("transfer-encoding") is None, r.headers
            if r.header("content-length") is None:
                body = c.read_until_close()
            else:
                body = c._exact(int(r.header("content-length")))
                if not extra:
                    assert c.closed_by_peer(3)
            assert len(body) == 5000


def test_response_without_length_relayed_until_close(sluice, origin):
    port = st.free_port()
    s = sluice(st.http_cfg(port, ["s1 %d" % origin.port]))
    with st.Client(port) as c:
        c.request("GET", "/no-length?size=300000")
        r = c.read_head()
        assert r.status == 200
        if r.header("transfer-encoding", "").lower() == "chunked":
            # chunked re-encoding is fine for a 1.1 client; read it
            body = []
            while True:
                size = int(c._line().split(b";")[0], 16)
                if size == 0:
                    c._fields()
                    break
                body.append(c._exact(size))
                c._exact(2)
            body = b"".join(body)
        else:
            assert r.header("content-length") is None
            body = c.read_until_close()
        assert len(body) == 300000
    s.wait_stats({"fe.fe.rsp_2xx": 1, "be.be.srv_errors": 0,
                  "srv.be.s1.resp_errors": 0})


def test_response_without_length_closes_client(sluice, origin):
    port = st.free_port()
    sluice(st.http_cfg(port, ["s1 %d" % origin.port]))
    with st.Client(port) as c:
        c.request("GET", "/no-length?size=1000")
        r = c.read_head()
        if r.header("transfer-encoding") is None:
            assert len(c.read_until_close()) == 1000


def test_truncated_response_closes_client(sluice, origin):
    """The server closes in the middle of a Content-Length body: the client
    sees the head and the connection closed before the announced length."""
    port = st.free_port()
    sluice(st.http_cfg(port, ["s1 %d" % origin.port]))
    with st.Client(port) as c:
        c.request("GET", "/truncated")
        r = c.read_head()
        assert r.status == 200 and r.header("content-length") == "100000"
        rest = c.read_until_close()
        assert len(rest) < 100000


def test_client_abort_counted(sluice, origin):
    port = st.free_port()
    s = sluice(st.http_cfg(port, ["s1 %d" % origin.port]))
    c = st.Client(port)
    c.request("GET", "/drip?size=2000000&chunk=10000&ms=20")
    assert c.read_head().status == 200
    c.close()
    s.wait_stats({"fe.fe.cli_aborts": 1, "fe.fe.cur_conns": 0}, timeout=5)
    assert st.get(port, "/id").status == 200


def test_client_abort_before_response(sluice, origin):
    port = st.free_port()
    s = sluice(st.http_cfg(port, ["s1 %d" % origin.port]))
    c = st.Client(port)
    c.request("GET", "/slow?ms=500")
    time.sleep(0.1)
    c.close()
    s.wait_stats({"fe.fe.cur_conns": 0}, timeout=3)
    assert st.get(port, "/id").status == 200
