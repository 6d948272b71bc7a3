"""Server-side failures: 502, 503, 504 with their counters; the proxy keeps
serving afterwards."""

import time

import pytest

import sluicetest as st

BAD_RESPONSES = ["/close-early", "/reset", "/malformed?kind=status",
                 "/malformed?kind=header", "/malformed?kind=cl",
                 "/malformed?kind=nul", "/malformed?kind=garbage",
                 "/huge-headers"]


def still_serving(port, status=200):
    r = st.get(port, "/id")
    assert r.status == status, r
    return r


@pytest.mark.parametrize("path", BAD_RESPONSES)
def test_bad_response_is_502(sluice, origin, path):
    port = st.free_port()
    s = sluice(st.http_cfg(port, ["s1 %d" % origin.port]))
    with st.Client(port) as c:
        c.request("GET", path)
        r = c.read_response()
        assert r.status == 502, r
    stats = s.wait_stats({"fe.fe.rsp_5xx": 1, "be.be.srv_errors": 1,
                          "fe.fe.req_rejected": 0, "be.be.srv_timeouts": 0})
    assert stats["srv.be.s1.resp_errors"] >= 1, stats
    still_serving(port)
    s.wait_stats({"fe.fe.rsp_2xx": 1, "be.be.srv_errors": 1})


def test_no_server_is_503(sluice):
    port = st.free_port()
    s = sluice(st.http_cfg(port, []))
    with st.Client(port) as c:
        c.request("GET", "/")
        r = c.read_response()
        assert r.status == 503, r
    s.wait_stats({"fe.fe.rsp_5xx": 1, "be.be.no_srv": 1,
                  "be.be.srv_errors": 0})


def test_connection_refused_is_503(sluice):
    port = st.free_port()
    dead = st.free_port()        # nothing listens there
    s = sluice(st.http_cfg(port, ["s1 %d" % dead]))
    t0 = time.monotonic()
    r = st.get(port, "/", timeout=10)
    assert r.status == 503, r
    assert time.monotonic() - t0 < 4.5
    stats = s.wait_stats({"fe.fe.rsp_5xx": 1,
                          "srv.be.s1.idle": 0})
    assert stats["srv.be.s1.connect_errors"] >= 1, stats
    r = st.get(port, "/")
    assert r.status == 503, "a second request must get the same answer"


def test_connect_timeout_is_503(sluice):
    port = st.free_port()
    with st.Blackhole() as bh:
        s = sluice(st.http_cfg(port, ["s1 %d" % bh.port],
                               defaults="timeout connect 300ms"))
        t0 = time.monotonic()
        r = st.get(port, "/")
        took = time.monotonic() - t0
        assert r.status == 503, r
        assert 0.25 < took < 2.5, "503 after %.2f s, connect timeout 0.3 s" % took
        stats = s.wait_stats({"fe.fe.rsp_5xx": 1})
        assert stats["srv.be.s1.connect_errors"] + \
            stats["srv.be.s1.timeouts"] >= 1, stats


def test_server_timeout_is_504(sluice, origin):
    port = st.free_port()
    s = sluice(st.http_cfg(port, ["s1 %d" % origin.port],
                           defaults="timeout server 500ms"))
    t0 = time.monotonic()
    r = st.get(port, "/slow?ms=3000")
    took = time.monotonic() - t0
    assert r.status == 504, r
    assert 0.4 < took < 2.5, "504 after %.2f s, server timeout 0.5 s" % took
    s.wait_stats({"fe.fe.rsp_5xx": 1, "be.be.srv_timeouts": 1,
                  "srv.be.s1.timeouts": 1, "be.be.srv_errors": 0})
    still_serving(port)


def test_one_bad_server_does_not_hurt_other_clients(sluice, origin):
    port = st.free_port()
    sluice(st.http_cfg(port, ["s1 %d" % origin.port],
                       defaults="timeout server 1s"))
    with st.Client(port) as slow, st.Client(port) as c:
        slow.request("GET", "/slow?ms=3000")
        for _ in range(5):
            c.request("GET", "/id")
            assert c.read_response().status == 200
        assert slow.read_response().status == 504

