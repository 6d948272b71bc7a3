"""http-reuse strategies (never, safe, aggressive, always), observed as
connections accepted by the origin, and the idle pool limits and purge."""

import time

import sluicetest as st


def clients_then_second_requests(port, n):
    """n clients one after the other making one request each, then one
    client making n requests on one connection."""
    for _ in range(n):
        with st.Client(port) as c:
            c.request("GET", "/id")
            assert c.read_response().status == 200
    with st.Client(port) as c:
        for _ in range(n):
            c.request("GET", "/id")
            assert c.read_response().status == 200


def origin_conns(sluice, origin, strategy, n=3, extra=""):
    port = st.free_port()
    before = origin.count()
    s = sluice(st.http_cfg(port, ["s1 %d %s" % (origin.port, extra)],
                           be="http-reuse %s" % strategy))
    clients_then_second_requests(port, n)
    # each count() query is a connection of its own to the origin
    return origin.count() - before - 1, s


def test_never_keeps_connections_private(sluice, origin):
    # 3 single-request clients: 3 connections; the last client's 3 requests
    # share its own connection: 1 more
    conns, s = origin_conns(sluice, origin, "never")
    assert conns == 4, conns
    s.wait_stats({"srv.be.s1.idle": 0, "srv.be.s1.reused": 2})


def test_safe_first_requests_never_reuse(sluice, origin):
    # first requests always open a connection (3 + 1); the last client's
    # second and third requests take idle ones
    conns, s = origin_conns(sluice, origin, "safe")
    assert conns == 4, conns
    s.wait_stats({"srv.be.s1.reused": 2})


def test_aggressive_first_requests_use_safe_connections_only(sluice, origin):
    # the first clients find no proven ("safe") connection: 3 new ones; the
    # last client's first request too (the pool holds unproven ones): 4;
    # its next requests validate idle connections
    conns, s = origin_conns(sluice, origin, "aggressive")
    assert conns == 4, conns
    port = s.port
    # now proven connections exist: a new client's first request reuses one
    before = origin.count()
    with st.Client(port) as c:
        c.request("GET", "/id")
        assert c.read_response().status == 200
    assert origin.count() == before + 1


def test_always_reuses_for_first_requests(sluice, origin):
    conns, s = origin_conns(sluice, origin, "always")
    assert conns == 1, conns
    s.wait_stats({"srv.be.s1.reused": 5, "srv.be.s1.conns": 1})


def test_pool_max_conn_bounds_idle_connections(sluice, origin):
    port = st.free_port()
    s = sluice(st.http_cfg(port, ["s1 %d pool-max-conn 2" % origin.port],
                           be="http-reuse always"))
    clients = [st.Client(port) for _ in range(5)]
    for c in clients:
        c.request("GET", "/slow?ms=200")
    for c in clients:
        assert c.read_response().status == 200
        c.close()
    assert st.wait_until(lambda: s.stats()["srv.be.s1.idle"] == 2), s.stats()


def test_idle_purge_halves_unused_connections(sluice, origin):
    """Unused idle connections above pool-low-conn go away by half-lives."""
    port = st.free_port()
    s = sluice(st.http_cfg(port, ["s1 %d pool-purge-delay 500ms pool-low-conn 1"
                                  % origin.port], be="http-reuse always"))
    clients = [st.Client(port) for _ in range(9)]
    for c in clients:
        c.request("GET", "/slow?ms=200")
    for c in clients:
        assert c.read_response().status == 200
        c.close()
    assert st.wait_until(lambda: s.stats()["srv.be.s1.idle"] == 9), s.stats()
    # about half of the 8 above the minimum go per 500 ms; never below 1
    time.sleep(1.6)
    idle = s.stats()["srv.be.s1.idle"]
    assert 1 <= idle <= 4, idle
    assert st.wait_until(lambda: s.stats()["srv.be.s1.idle"] == 1, timeout=6), s.stats()
    time.sleep(1.0)
    assert s.stats()["srv.be.s1.idle"] == 1


def test_threads_take_over_idle_connections(sluice, origin):
    """With two threads, a client served by the thread that does not hold
    the idle connection takes it over instead of opening a new one."""
    port = st.free_port()
    s = sluice(st.http_cfg(port, ["s1 %d" % origin.port], nbthread=2,
                           be="http-reuse always"))
    conn_ids = set()
    for i in range(30):
        # the kernel spreads client connections over both threads' sockets
        with st.Client(port) as c:
            c.request("GET", "/id")
            r = c.read_response()
            assert r.status == 200
            conn_ids.add(r.header("x-conn"))
        assert st.wait_until(lambda: s.stats()["srv.be.s1.idle"] == 1), s.stats()
    assert len(conn_ids) == 1, conn_ids
    stats = s.wait_stats({"srv.be.s1.conns": 1, "srv.be.s1.reused": 29})
    # 29 clients each landing on either thread: all on one is 2^-29 likely
    assert stats["srv.be.s1.takeovers"] >= 1, stats


def test_takeover_races_with_servers_closing_idle_connections(sluice, origin):
    """Idle connections that the server closes while other threads take
    them over: every request still gets its answer, nothing leaks."""
    import threading
    port = st.free_port()
    s = sluice(st.http_cfg(port, ["s1 %d" % origin.port], nbthread=2,
                           be="http-reuse always"))
    errors = []

    def client(k):
        try:
            for i in range(40):
                with st.Client(port) as c:
                    # the origin closes a connection idle for 5 ms
                    c.request("GET", "/id?idle_ms=5")
                    r = c.read_response()
                    if r.status != 200:
                        errors.append((k, i, r.status))
                time.sleep(0.001 * ((k + i) % 7))
        except Exception as e:          # noqa: BLE001 - reported below
            errors.append((k, repr(e)))

    threads = [threading.Thread(target=client, args=(k,)) for k in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors, errors[:5]
    stats = s.wait_stats({"srv.be.s1.requests": 160})
    assert stats["srv.be.s1.takeovers"] >= 1, stats
    # the origin closed them all: none stays idle
    assert st.wait_until(lambda: s.stats()["srv.be.s1.idle"] == 0), s.stats()
    assert st.get(port, "/id").status == 200


def test_connections_nobody_takes_do_not_pile_up(sluice, origin):
    """Under http-reuse safe, single-request clients never take idle
    connections: the server keeps no more than it needed at its peak."""
    port = st.free_port()
    s = sluice(st.http_cfg(port, ["s1 %d" % origin.port], be="http-reuse safe"))
    before = origin.count()
    for _ in range(30):
        with st.Client(port) as c:
            c.request("GET", "/id")
            assert c.read_response().status == 200
    # each first request opened its own connection; only one was kept
    assert origin.count() - before - 1 == 30
    assert st.wait_until(lambda: s.stats()["srv.be.s1.idle"] == 1), s.stats()
    # and that one still serves the requests that may reuse
    with st.Client(port) as c:
        for _ in range(3):
            c.request("GET", "/id")
            assert c.read_response().status == 200
    s.wait_stats({"srv.be.s1.reused": 2})
