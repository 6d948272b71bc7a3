"""Listening on IPv6 and on a unix socket; maxconn of a frontend."""

import json
import os
import subprocess
import time

import sluicetest as st


def test_ipv6_bind(sluice, origin):
    port = st.free_port("::1")
    cfg = st.http_cfg(port, ["s1 %d" % origin.port],
                      defaults="option forwardfor").replace(
        "bind 127.0.0.1:%d" % port, "bind [::1]:%d" % port)
    s = sluice(cfg)
    r = st.get(port, "/echo", host="::1")
    assert r.status == 200
    xff = [v for k, v in json.loads(r.body)["headers"]
           if k.lower() == "x-forwarded-for"]
    assert xff == ["::1"], xff
    out = subprocess.run(["curl", "-sS", "-g", "--max-time", "5",
                          "http://[::1]:%d/id" % port],
                         capture_output=True, timeout=10)
    assert out.stdout == b"o1\n", out.stderr
    s.wait_stats({"fe.fe.conns": 2, "fe.fe.rsp_2xx": 2})


def test_unix_bind(sluice, origin, sockdir):
    path = os.path.join(sockdir, "fe.sock")
    port = st.free_port()
    cfg = st.http_cfg(port, ["s1 %d" % origin.port]).replace(
        "bind 127.0.0.1:%d" % port,
        "bind 127.0.0.1:%d\n    bind unix@%s" % (port, path))
    s = sluice(cfg)
    out = subprocess.run(["curl", "-sS", "--max-time", "5", "--unix-socket",
                          path, "http://localhost/id"],
                         capture_output=True, timeout=10)
    assert out.stdout == b"o1\n", out.stderr
    with st.Client(unix=path) as c:
        for _ in range(3):
            c.request("GET", "/id")
            assert c.read_response().body == b"o1\n"
    assert st.get(port, "/id").status == 200
    s.wait_stats({"fe.fe.conns": 3, "fe.fe.requests": 5})


def test_frontend_maxconn_queues_extra_connection(sluice, origin):
    port = st.free_port()
    s = sluice(st.http_cfg(port, ["s1 %d" % origin.port], fe="maxconn 2"))
    c1, c2 = st.Client(port), st.Client(port)
    c3 = None
    try:
        for c in (c1, c2):
            c.request("GET", "/id")
            assert c.read_response().status == 200
        s.wait_stats({"fe.fe.cur_conns": 2})
        c3 = st.Client(port)        # the kernel accepts it; sluice waits
        c3.request("GET", "/id")
        c3.settimeout(0.7)
        try:
            data = c3.sock.recv(100)
            raise AssertionError("third connection served beyond maxconn "
                                 "(or refused): %r" % data)
        except TimeoutError:
            pass
        s.wait_stats({"fe.fe.cur_conns": 2})
        c1.close()
        c3.settimeout(3)
        t0 = time.monotonic()
        r = c3.read_response()
        assert r.status == 200 and r.body == b"o1\n"
        assert time.monotonic() - t0 < 2
        c2.request("GET", "/id")
        assert c2.read_response().status == 200
    finally:
        for c in (c1, c2, c3):
            if c:
                c.close()
    s.wait_stats({"fe.fe.conns": 3, "fe.fe.cur_conns": 0})
