"""Basic proxying with real clients (curl, http.client) and counters."""

import http.client
import json
import subprocess

import sluicetest as st


def curl(*args, timeout=30):
    return subprocess.run(["curl", "-sS", "--max-time", str(timeout)] +
                          list(args), capture_output=True, timeout=timeout + 5)


def test_curl_files_from_nginx(sluice, nginx):
    port = st.free_port()
    s = sluice(st.http_cfg(port, ["ng %d" % nginx.port]))
    sizes = {"f64": 64, "f4k": 4096, "f1m": 1 << 20}
    for name in sizes:
        r = curl("http://127.0.0.1:%d/%s" % (port, name))
        assert r.returncode == 0, r.stderr
        assert st.sha256(r.stdout) == nginx.sums[name], name
    stats = s.wait_stats({"fe.fe.conns": 3, "fe.fe.requests": 3,
                          "fe.fe.rsp_2xx": 3, "be.be.requests": 3,
                          "be.be.rsp_2xx": 3, "srv.be.ng.requests": 3,
                          "fe.fe.rsp_4xx": 0, "fe.fe.rsp_5xx": 0,
                          "fe.fe.req_rejected": 0})
    total = sum(sizes.values())
    assert stats["fe.fe.bytes_out"] >= total, stats
    assert stats["fe.fe.bytes_in"] >= 3 * len("GET /f64 HTTP/1.1\r\n"), stats
    # Direction names for backends and servers vary between proxies; the
    # response bytes must show up on one side.
    assert max(stats["be.be.bytes_in"], stats["be.be.bytes_out"]) >= total
    assert max(stats["srv.be.ng.bytes_in"],
               stats["srv.be.ng.bytes_out"]) >= total


def test_http_client_get_and_post(sluice, origin):
    port = st.free_port()
    s = sluice(st.http_cfg(port, ["s1 %d" % origin.port]))
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
    try:
        conn.request("GET", "/echo?x=1", headers={"X-Hello": "world"})
        r = conn.getresponse()
        info = json.loads(r.read())
        assert r.status == 200
        assert info["method"] == "GET" and info["target"] == "/echo?x=1"
        hdrs = {k.lower(): v for k, v in info["headers"]}
        assert hdrs["x-hello"] == "world"
        assert hdrs["host"] == "127.0.0.1:%d" % port
        body = bytes(range(256)) * 4096
        conn.request("POST", "/sink", body=body)
        r = conn.getresponse()
        info = json.loads(r.read())
        assert info["bytes"] == len(body)
        assert info["sha256"] == st.sha256(body)
    finally:
        conn.close()
    s.wait_stats({"fe.fe.requests": 2, "fe.fe.rsp_2xx": 2, "fe.fe.conns": 1})


def test_status_classes_are_counted(sluice, origin):
    port = st.free_port()
    s = sluice(st.http_cfg(port, ["s1 %d" % origin.port]))
    with st.Client(port) as c:
        for code in (200, 301, 404, 500, 503, 204):
            c.request("GET", "/status/%d" % code)
            r = c.read_response()
            assert r.status == code
            if code != 204:
                assert r.body == b"status %d\n" % code
    s.wait_stats({"fe.fe.requests": 6, "fe.fe.rsp_2xx": 2, "fe.fe.rsp_3xx": 1,
                  "fe.fe.rsp_4xx": 1, "fe.fe.rsp_5xx": 2,
                  "be.be.rsp_5xx": 2, "srv.be.s1.requests": 6,
                  # answers from the server are not errors of sluice's
                  "fe.fe.req_rejected": 0, "be.be.srv_errors": 0,
                  "be.be.no_srv": 0, "srv.be.s1.resp_errors": 0})


def test_listen_section(sluice, origin):
    port = st.free_port()
    s = sluice("""\
global
    nbthread 1
listen web
    mode http
    bind 127.0.0.1:%d
    timeout client 5s
    timeout server 5s
    timeout connect 1s
    server s1 127.0.0.1:%d
""" % (port, origin.port))
    assert st.get(port, "/id").body == b"o1\n"
    s.wait_stats({"fe.web.requests": 1, "be.web.requests": 1,
                  "srv.web.s1.requests": 1})


def test_use_backend(sluice, origins):
    a, b = origins("a"), origins("b")
    port = st.free_port()
    s = sluice("""\
global
    nbthread 1
defaults
    mode http
    timeout client 5s
    timeout server 5s
    timeout connect 1s
frontend fe
    bind 127.0.0.1:%d
    use_backend other
    default_backend main
backend main
    server a 127.0.0.1:%d
backend other
    server b 127.0.0.1:%d
""" % (port, a.port, b.port))
    assert st.get(port, "/id").body == b"b\n"
    s.wait_stats({"be.other.requests": 1, "be.main.requests": 0})


def test_two_binds_one_frontend(sluice, origin):
    p1, p2 = st.free_port(), st.free_port()
    cfg = st.http_cfg(p1, ["s1 %d" % origin.port]).replace(
        "    bind 127.0.0.1:%d\n" % p1,
        "    bind 127.0.0.1:%d\n    bind 127.0.0.1:%d\n" % (p1, p2))
    s = sluice(cfg)
    assert st.get(p1, "/id").status == 200
    assert st.get(p2, "/id").status == 200
    s.wait_stats({"fe.fe.conns": 2, "fe.fe.requests": 2})


def test_multithreaded_many_connections(sluice, nginx):
    port = st.free_port()
    s = sluice(st.http_cfg(port, ["ng %d" % nginx.port], nbthread=2))
    for i in range(100):
        r = st.get(port, "/f4k")
        assert r.status == 200 and len(r.body) == 4096
    s.wait_stats({"fe.fe.conns": 100, "fe.fe.requests": 100,
                  "fe.fe.rsp_2xx": 100, "fe.fe.cur_conns": 0})
    assert s.info()["nbthread"] == 2


def test_head_sent_byte_by_byte(sluice, origin):
    """A head arriving one byte per packet is parsed once complete, with
    CPU work linear in its size; a bad request line is refused as soon as
    it ends, before the headers."""
    import socket
    import time
    port = st.free_port()
    s = sluice(st.http_cfg(port, ["s1 %d" % origin.port]))
    head = (b"GET /id HTTP/1.1\r\nHost: x\r\n" +
            b"".join(b"X-Pad-%d: %s\r\n" % (i, b"v" * 40) for i in range(100)) +
            b"\r\n")
    t0 = st.cpu_seconds(s.pid)
    with st.Client(port) as c:
        c.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        for b in head:
            c.send(bytes([b]))
        r = c.read_response()
        assert r.status == 200, r
    # ~5 KB sent in ~5,000 packets: far below a quadratic re-parse
    assert st.cpu_seconds(s.pid) - t0 < 1.0
    with st.Client(port) as c:
        c.send(b"GET / HTTP/9.9\r\n")
        time.sleep(0.1)
        c.send(b"Host: x\r\n")
        r = c.read_head()
        assert r.status == 505, r
    s.wait_stats({"fe.fe.req_rejected": 1})
