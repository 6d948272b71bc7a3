"""Expect: 100-continue: the server's 100 is relayed before the body."""

import json
import subprocess
import time

import sluicetest as st


def test_100_continue_relayed(sluice, origin):
    port = st.free_port()
    s = sluice(st.http_cfg(port, ["s1 %d" % origin.port]))
    with st.Client(port) as c:
        c.request("POST", "/expect", [("Expect", "100-continue"),
                                      ("Content-Length", "10")])
        r = c.read_response(interim=True)
        assert r.status == 100, r
        c.send(b"0123456789")
        r = c.read_response()
        assert r.status == 200
        info = json.loads(r.body)
        assert info["bytes"] == 10 and info["expect"] is True
        c.request("GET", "/id")
        assert c.read_response().body == b"o1\n"
    s.wait_stats({"fe.fe.requests": 2, "fe.fe.rsp_2xx": 2})


def test_100_continue_chunked_body(sluice, origin):
    port = st.free_port()
    sluice(st.http_cfg(port, ["s1 %d" % origin.port]))
    with st.Client(port) as c:
        c.request("POST", "/expect", [("Expect", "100-continue"),
                                      ("Transfer-Encoding", "chunked")])
        assert c.read_response(interim=True).status == 100
        c.send(b"4\r\nabcd\r\n0\r\n\r\n")
        info = json.loads(c.read_response().body)
        assert info["bytes"] == 4 and info["expect"] is True


def test_curl_large_post_does_not_wait_for_expect_timeout(sluice, origin):
    """curl sends Expect: 100-continue for big bodies and waits 1 s for the
    100: through sluice the 100 must come at once."""
    port = st.free_port()
    sluice(st.http_cfg(port, ["s1 %d" % origin.port]))
    body = b"z" * (2 << 20)
    t0 = time.monotonic()
    r = subprocess.run(["curl", "-sS", "--max-time", "10", "--expect100-timeout",
                        "3", "-H", "Expect: 100-continue", "--data-binary", "@-",
                        "http://127.0.0.1:%d/expect" % port],
                       input=body, capture_output=True, timeout=15)
    took = time.monotonic() - t0
    assert r.returncode == 0, r.stderr
    info = json.loads(r.stdout)
    assert info["bytes"] == len(body) and info["expect"] is True
    assert took < 2.5, "took %.2f s: the 100 Continue was not relayed" % took
