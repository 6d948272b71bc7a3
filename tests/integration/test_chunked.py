"""Chunked bodies both ways, with trailers, streamed."""

import json
import subprocess
import time

import sluicetest as st


def test_chunked_upload_with_trailers(sluice, origin):
    port = st.free_port()
    s = sluice(st.http_cfg(port, ["s1 %d" % origin.port]))
    with st.Client(port) as c:
        c.send(b"POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n"
               b"Trailer: X-Sum\r\n\r\n"
               b"5\r\nhello\r\n"
               b"1;ext=1\r\n \r\n"
               b"A\r\n0123456789\r\n"
               b"0\r\nX-Sum: 42\r\n\r\n")
        r = c.read_response()
        info = json.loads(r.body)
        assert info["body"] == "hello 0123456789"
        trailers = [(k.lower(), v) for k, v in info["trailers"]]
        assert ("x-sum", "42") in trailers, info
        c.request("GET", "/id")
        assert c.read_response().body == b"o1\n"
    s.wait_stats({"fe.fe.requests": 2, "fe.fe.req_rejected": 0})


def test_chunked_upload_streamed_in_pieces(sluice, origin):
    port = st.free_port()
    sluice(st.http_cfg(port, ["s1 %d" % origin.port]))
    parts = [b"a" * 1000, b"b" * 5000, b"c" * 3]
    with st.Client(port) as c:
        c.send(b"POST /sink HTTP/1.1\r\nHost: x\r\n"
               b"Transfer-Encoding: chunked\r\n\r\n")
        for p in parts:
            time.sleep(0.05)
            c.send(b"%x\r\n" % len(p))
            time.sleep(0.02)
            c.send(p + b"\r\n")
        c.send(b"0\r\n\r\n")
        info = json.loads(c.read_response().body)
        assert info["bytes"] == 6003
        assert info["sha256"] == st.sha256(b"".join(parts))


def test_chunked_download_with_trailers(sluice, origin):
    port = st.free_port()
    s = sluice(st.http_cfg(port, ["s1 %d" % origin.port]))
    with st.Client(port) as c:
        c.request("GET", "/chunked?n=20&size=5000")
        r = c.read_response()
        assert r.status == 200
        assert r.header("transfer-encoding", "").lower() == "chunked"
        assert len(r.body) == 100000
        t = {k.lower(): v for k, v in r.trailers}
        assert t.get("x-trailer") == "done", r.trailers
        assert t.get("x-checksum") == st.sha256(r.body)
        c.request("GET", "/id")
        assert c.read_response().body == b"o1\n"
    s.wait_stats({"fe.fe.rsp_2xx": 2, "srv.be.s1.conns": 1})


def test_chunked_download_with_curl(sluice, origin):
    port = st.free_port()
    sluice(st.http_cfg(port, ["s1 %d" % origin.port]))
    r = subprocess.run(["curl", "-sS", "--max-time", "10",
                        "http://127.0.0.1:%d/chunked?n=50&size=1000" % port],
                       capture_output=True, timeout=15)
    assert r.returncode == 0, r.stderr
    assert len(r.stdout) == 50000


def test_chunked_response_is_streamed(sluice, origin):
    """Chunks reach the client while the origin is still sending."""
    port = st.free_port()
    sluice(st.http_cfg(port, ["s1 %d" % origin.port]))
    with st.Client(port) as c:
        t0 = time.monotonic()
        c.request("GET", "/chunked?n=10&size=100&ms=150")
        c.read_head()
        c._line()                     # first chunk size
        first = time.monotonic() - t0
        assert first < 0.8, "first chunk after %.2f s: not streamed" % first


def test_content_length_response_is_streamed(sluice, origin):
    port = st.free_port()
    sluice(st.http_cfg(port, ["s1 %d" % origin.port]))
    with st.Client(port) as c:
        t0 = time.monotonic()
        c.request("GET", "/drip?size=100000&chunk=10000&ms=150")
        r = c.read_head()
        assert r.status == 200
        c._exact(5000)
        first = time.monotonic() - t0
        assert first < 0.8, "first bytes after %.2f s: not streamed" % first
        rest = c._exact(95000)
        assert len(rest) == 95000


def test_content_length_upload(sluice, origin):
    port = st.free_port()
    sluice(st.http_cfg(port, ["s1 %d" % origin.port]))
    body = bytes(range(256)) * 40000          # 10 MB
    with st.Client(port, timeout=20) as c:
        c.request("PUT", "/sink", body=body)
        info = json.loads(c.read_response().body)
    assert info["bytes"] == len(body) and info["sha256"] == st.sha256(body)


def test_chunk_size_line_cut_by_the_end_of_the_buffer(sluice, origin):
    """A request buffer that ends in the middle of a chunk-size line: the
    bytes before it go out, the rest of the line is still to be read. The
    few bytes left sit at the end of the buffer's storage; reading must go
    on after them (once, sluice stopped reading there until the server
    timeout answered 504)."""
    port = st.free_port()
    s = sluice(st.http_cfg(port, ["s1 %d" % origin.port],
                           glob="tune.bufsize 1024",
                           defaults="timeout server 3s"))
    head = (b"POST /sink HTTP/1.1\r\nHost: x\r\n"
            b"Transfer-Encoding: chunked\r\n\r\n")
    for cut in range(1, 6):
        # the second size line, "3e8\r\n", starts <cut> bytes before the
        # 1024th byte: the first read (the whole buffer) ends inside it
        first = 1024 - cut - len(head) - len(b"3bd\r\n") - 2
        assert 0x100 <= first < 0x1000
        body = [b"x" * first, b"y" * 1000]
        wire = head + b"".join(b"%x\r\n%s\r\n" % (len(p), p) for p in body)
        assert wire.index(b"3e8\r\n") == 1024 - cut
        with st.Client(port, timeout=10) as c:
            c.send(wire + b"0\r\n\r\n")
            r = c.read_response()
            assert r.status == 200, (cut, r.status, r.body)
            info = json.loads(r.body)
            assert info["bytes"] == first + 1000, (cut, info)
            assert info["sha256"] == st.sha256(b"".join(body))
    s.wait_stats({"be.be.srv_timeouts": 0, "fe.fe.rsp_2xx": 5})
