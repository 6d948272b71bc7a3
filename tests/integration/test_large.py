"""100 MB through sluice in both directions with bounded memory."""

import hashlib
import json
import threading
import time

import sluicetest as st

SIZE = 100 << 20
MAX_GROWTH_KB = 20 * 1024


class RssWatch:
    """Samples a process's RSS in a thread; .peak is the highest seen."""

    def __init__(self, pid):
        self.pid = pid
        self.base = st.rss_kb(pid)
        self.peak = self.base
        self.stop = threading.Event()
        self.t = threading.Thread(target=self.run, daemon=True)
        self.t.start()

    def run(self):
        while not self.stop.is_set():
            try:
                self.peak = max(self.peak, st.rss_kb(self.pid))
            except (OSError, AssertionError):
                return
            time.sleep(0.02)

    def done(self):
        self.stop.set()
        self.t.join()
        return self.peak - self.base


def test_100mb_download_bounded_memory(sluice, nginx):
    port = st.free_port()
    s = sluice(st.http_cfg(port, ["ng %d" % nginx.port]))
    assert st.get(port, "/f64").status == 200       # warm up pools
    watch = RssWatch(s.pid)
    h = hashlib.sha256()
    n = 0
    with st.Client(port, timeout=30) as c:
        c.request("GET", "/f100m")
        r = c.read_head()
        assert r.status == 200
        assert int(r.header("content-length")) == SIZE
        time.sleep(0.5)      # a slow reader: sluice must not buffer it all
        if c.buf:
            h.update(c.buf)
            n += len(c.buf)
            c.buf = b""
        while n < SIZE:
            data = c.sock.recv(min(1 << 20, SIZE - n))
            assert data, "closed after %d bytes" % n
            h.update(data)
            n += len(data)
    growth = watch.done()
    assert h.hexdigest() == nginx.sums["f100m"]
    assert growth < MAX_GROWTH_KB, "RSS grew by %d KB" % growth
    stats = s.wait_stats({"fe.fe.rsp_2xx": 2})
    assert stats["fe.fe.bytes_out"] >= SIZE


def test_100mb_chunked_upload_bounded_memory(sluice, origin):
    port = st.free_port()
    s = sluice(st.http_cfg(port, ["s1 %d" % origin.port],
                           defaults="timeout server 30s\ntimeout client 30s"))
    assert st.get(port, "/id").status == 200
    watch = RssWatch(s.pid)
    block = bytes(range(256)) * 256                # 64 KB
    h = hashlib.sha256()
    chunk = b"%x\r\n%s\r\n" % (len(block), block)
    with st.Client(port, timeout=60) as c:
        c.send(b"POST /sink HTTP/1.1\r\nHost: x\r\n"
               b"Transfer-Encoding: chunked\r\n\r\n")
        for _ in range(SIZE // len(block)):
            c.send(chunk)
            h.update(block)
        c.send(b"0\r\n\r\n")
        r = c.read_response()
    growth = watch.done()
    info = json.loads(r.body)
    assert info["bytes"] == SIZE
    assert info["sha256"] == h.hexdigest()
    assert info["chunked"] is True
    assert growth < MAX_GROWTH_KB, "RSS grew by %d KB" % growth
    stats = s.wait_stats({"fe.fe.rsp_2xx": 2})
    assert stats["fe.fe.bytes_in"] >= SIZE
