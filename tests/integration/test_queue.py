"""Server maxconn slots, queues (timeout queue, maxqueue), connect retries
and option redispatch."""

import threading
import time

import sluicetest as st


def parallel(port, paths):
    out = [None] * len(paths)

    def one(i):
        try:
            r = st.get(port, paths[i], timeout=10)
            out[i] = (r.status, r.header("x-origin"))
        except Exception as e:
            out[i] = ("error", repr(e))

    ts = [threading.Thread(target=one, args=(i,)) for i in range(len(paths))]
    for t in ts:
        t.start()
    for t in ts:
        t.join(20)
    return out


def test_maxconn_queues_and_serves_everyone(sluice, origin):
    """maxconn 2: six slow requests at once are served two at a time; the
    origin never sees more than two in flight."""
    port = st.free_port()
    sluice(st.http_cfg(port, ["s1 %d maxconn 2" % origin.port],
                       defaults="timeout queue 5s"))
    seen = []
    stop = threading.Event()

    def watch():
        while not stop.is_set():
            seen.append(int(st.get(origin.port, "/inflight").body))
            time.sleep(0.02)

    w = threading.Thread(target=watch)
    w.start()
    t0 = time.time()
    res = parallel(port, ["/slow?ms=300"] * 6)
    stop.set()
    w.join()
    assert all(r[0] == 200 for r in res), res
    assert max(seen) <= 2, seen
    # three rounds of 300 ms, not one
    assert time.time() - t0 >= 0.85


def test_queue_timeout_gives_503(sluice, origin):
    port = st.free_port()
    s = sluice(st.http_cfg(port, ["s1 %d maxconn 1" % origin.port],
                           defaults="timeout queue 200ms"))
    slow = {}
    t = threading.Thread(target=lambda: slow.update(r=st.get(port, "/slow?ms=1500", timeout=10)))
    t.start()
    # the slow request holds the only slot before the second one comes
    assert st.wait_until(lambda: int(st.get(origin.port, "/inflight").body) >= 1)
    t0 = time.time()
    r = st.get(port, "/id")
    assert r.status == 503, r
    assert 0.15 <= time.time() - t0 < 1.2
    t.join(10)
    assert slow["r"].status == 200
    s.wait_stats({"be.be.no_srv": 1, "fe.fe.rsp_5xx": 1, "fe.fe.rsp_2xx": 1})


def test_retries_against_a_closed_port(sluice):
    port, dead = st.free_port(), st.free_port()
    s = sluice(st.http_cfg(port, ["s1 %d" % dead],
                           defaults="retries 2\ntimeout connect 100ms"))
    t0 = time.time()
    r = st.get(port, "/")
    assert r.status == 503
    # two retries, each after a turn-around of min(timeout connect, 1s)
    assert time.time() - t0 >= 0.19
    s.wait_stats({"srv.be.s1.connect_errors": 3, "be.be.no_srv": 1})


def test_redispatch_moves_the_last_retry(sluice, origin):
    port, dead = st.free_port(), st.free_port()
    s = sluice(st.http_cfg(port, ["dead %d" % dead, "live %d" % origin.port],
                           defaults="retries 1\ntimeout connect 100ms\n"
                                    "option redispatch"))
    for _ in range(6):
        r = st.get(port, "/id")
        assert r.status == 200, r
        assert r.header("x-origin") == origin.name
    stats = s.stats()
    assert stats["srv.be.dead.connect_errors"] >= 3, stats
    assert stats["fe.fe.rsp_5xx"] == 0


def test_without_redispatch_the_dead_server_fails(sluice, origin):
    port, dead = st.free_port(), st.free_port()
    s = sluice(st.http_cfg(port, ["dead %d" % dead, "live %d" % origin.port],
                           defaults="retries 1\ntimeout connect 100ms"))
    codes = sorted(st.get(port, "/id").status for _ in range(4))
    assert codes == [200, 200, 503, 503], codes
    s.wait_stats({"srv.be.dead.connect_errors": 4})
