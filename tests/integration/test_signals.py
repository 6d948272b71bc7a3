"""SIGTERM: graceful stop within hard-stop-after; SIGINT: immediate exit."""

import signal
import threading
import time

import sluicetest as st


class Background:
    """One request on its own connection, in a thread."""

    def __init__(self, port, target):
        self.result = None
        self.error = None
        self.t = threading.Thread(target=self.run, args=(port, target),
                                  daemon=True)
        self.t.start()

    def run(self, port, target):
        try:
            self.result = st.get(port, target, timeout=10)
        except Exception as e:          # reported by the test
            self.error = e

    def join(self, timeout):
        self.t.join(timeout)
        return not self.t.is_alive()


def in_flight(origin, n=1):
    assert st.wait_until(lambda: origin.inflight() == n, 3), \
        "the request did not reach the origin"


def test_sigterm_finishes_inflight_then_exits_0(sluice, origin):
    port = st.free_port()
    s = sluice(st.http_cfg(port, ["s1 %d" % origin.port],
                           glob="hard-stop-after 10s"))
    bg = Background(port, "/slow?ms=1500")
    in_flight(origin)
    t0 = time.monotonic()
    s.send_signal(signal.SIGTERM)
    assert st.wait_until(lambda: st.connect_refused(port), 1.0), \
        "still accepting connections after SIGTERM"
    assert bg.join(5), "in-flight request did not finish"
    assert bg.error is None, bg.error
    assert bg.result.status == 200 and bg.result.body == b"slow\n"
    rc = s.wait_exit(5)
    assert rc == 0, "exit status %r after SIGTERM" % rc
    assert time.monotonic() - t0 < 4


def test_sigterm_closes_idle_keepalive_clients(sluice, origin):
    port = st.free_port()
    s = sluice(st.http_cfg(port, ["s1 %d" % origin.port],
                           glob="hard-stop-after 10s"))
    with st.Client(port) as c:
        c.request("GET", "/id")
        assert c.read_response().status == 200
        t0 = time.monotonic()
        s.send_signal(signal.SIGTERM)
        rc = s.wait_exit(3)
        assert rc == 0, "exit status %r: an idle client held the stop" % rc
        assert time.monotonic() - t0 < 2
        assert c.closed_by_peer(1)


def test_sigterm_keepalive_client_gets_its_answer_then_close(sluice, origin):
    """A request in flight on a keep-alive connection completes, marked
    Connection: close, and the connection is closed."""
    port = st.free_port()
    s = sluice(st.http_cfg(port, ["s1 %d" % origin.port],
                           glob="hard-stop-after 10s"))
    with st.Client(port) as c:
        c.request("GET", "/id")
        assert c.read_response().status == 200
        c.request("GET", "/slow?ms=800")
        in_flight(origin)
        s.send_signal(signal.SIGTERM)
        r = c.read_response()
        assert r.status == 200 and r.body == b"slow\n"
        assert c.closed_by_peer(2)
    assert s.wait_exit(3) == 0


def test_hard_stop_after_bounds_the_stop(sluice, origin):
    port = st.free_port()
    s = sluice(st.http_cfg(port, ["s1 %d" % origin.port],
                           glob="hard-stop-after 500ms"))
    bg = Background(port, "/slow?ms=5000")
    in_flight(origin)
    t0 = time.monotonic()
    s.send_signal(signal.SIGTERM)
    s.exit_expected = True
    rc = s.wait_exit(3)
    took = time.monotonic() - t0
    assert rc is not None, "still running 3 s after SIGTERM"
    assert took < 1.5, "exited %.2f s after SIGTERM, hard-stop-after 0.5 s" % took
    assert rc >= 0, "killed by signal %d" % -rc
    assert bg.join(3)
    assert bg.error is not None or bg.result.status != 200


def test_sigint_exits_at_once(sluice, origin):
    port = st.free_port()
    s = sluice(st.http_cfg(port, ["s1 %d" % origin.port],
                           glob="hard-stop-after 10s"))
    bg = Background(port, "/slow?ms=5000")
    in_flight(origin)
    t0 = time.monotonic()
    s.send_signal(signal.SIGINT)
    s.exit_expected = True
    rc = s.wait_exit(2)
    assert rc is not None, "still running 2 s after SIGINT"
    assert time.monotonic() - t0 < 0.5
    assert rc == 0 or rc == -signal.SIGINT, "exit status %r" % rc
    assert bg.join(3)


def test_sigterm_without_traffic(sluice, origin):
    port = st.free_port()
    s = sluice(st.http_cfg(port, ["s1 %d" % origin.port]))
    t0 = time.monotonic()
    s.send_signal(signal.SIGTERM)
    assert s.wait_exit(2) == 0
    assert time.monotonic() - t0 < 1
