"""Responses without a body: HEAD, 204, 304; the connection goes on."""

import sluicetest as st


def test_head_keeps_length_without_body(sluice, nginx):
    port = st.free_port()
    s = sluice(st.http_cfg(port, ["ng %d" % nginx.port]))
    with st.Client(port) as c:
        c.request("HEAD", "/f1m")
        r = c.read_response("HEAD")
        assert r.status == 200
        assert r.header("content-length") == str(1 << 20)
        c.request("GET", "/f64")
        r = c.read_response()
        assert r.status == 200 and st.sha256(r.body) == nginx.sums["f64"]
    s.wait_stats({"fe.fe.requests": 2, "fe.fe.rsp_2xx": 2, "fe.fe.conns": 1})


def test_head_of_chunked_response(sluice, origin):
    port = st.free_port()
    sluice(st.http_cfg(port, ["s1 %d" % origin.port]))
    with st.Client(port) as c:
        c.request("HEAD", "/chunked")
        r = c.read_response("HEAD")
        assert r.status == 200 and r.body == b""
        c.request("GET", "/id")
        r = c.read_response()
        assert r.body == b"o1\n", "HEAD response was followed by a body"


def test_204_and_304_without_body(sluice, origin):
    port = st.free_port()
    s = sluice(st.http_cfg(port, ["s1 %d" % origin.port]))
    with st.Client(port) as c:
        for code in (204, 304, 204):
            c.request("GET", "/status/%d" % code)
            r = c.read_response()
            assert r.status == code
            assert r.header("transfer-encoding") is None
            c.request("GET", "/id")
            r = c.read_response()
            assert r.body == b"o1\n", "a body followed a %d" % code
    s.wait_stats({"fe.fe.rsp_2xx": 5, "fe.fe.rsp_3xx": 1, "fe.fe.conns": 1})


def test_304_from_nginx(sluice, nginx):
    port = st.free_port()
    sluice(st.http_cfg(port, ["ng %d" % nginx.port]))
    with st.Client(port) as c:
        c.request("GET", "/f4k")
        etag = c.read_response().header("etag")
        assert etag
        c.request("GET", "/f4k", [("If-None-Match", etag)])
        r = c.read_response()
        assert r.status == 304
        c.request("GET", "/f64")
        r = c.read_response()
        assert r.status == 200 and len(r.body) == 64
