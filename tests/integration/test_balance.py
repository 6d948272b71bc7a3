"""balance roundrobin, smooth and weighted."""

import collections

import sluicetest as st


def spread(port, n, keepalive=False):
    seen = collections.Counter()
    order = []
    if keepalive:
        with st.Client(port) as c:
            for _ in range(n):
                c.request("GET", "/id")
                name = c.read_response().body.decode().strip()
                seen[name] += 1
                order.append(name)
    else:
        for _ in range(n):
            name = st.get(port, "/id").body.decode().strip()
            seen[name] += 1
            order.append(name)
    return seen, order


def test_weights_1_and_3(sluice, origins):
    a, b = origins("a"), origins("b")
    port = st.free_port()
    s = sluice(st.http_cfg(port, ["a %d weight 1" % a.port,
                                  "b %d weight 3" % b.port],
                           balance="roundrobin"))
    seen, order = spread(port, 400)
    assert abs(seen["a"] - 100) <= 20 and abs(seen["b"] - 300) <= 20, seen
    # smooth: never long runs of the heavier server
    run = longest = 0
    for name in order:
        run = run + 1 if name == "b" else 0
        longest = max(longest, run)
    assert longest <= 3, "b served %d in a row: not smooth" % longest
    s.wait_stats({"srv.be.a.requests": seen["a"],
                  "srv.be.b.requests": seen["b"], "be.be.requests": 400})


def test_equal_weights_alternate(sluice, origins):
    a, b = origins("a"), origins("b")
    port = st.free_port()
    sluice(st.http_cfg(port, ["a %d" % a.port, "b %d" % b.port],
                       balance="roundrobin"))
    seen, order = spread(port, 100)
    assert seen == {"a": 50, "b": 50}, seen
    assert all(x != y for x, y in zip(order, order[1:])), order


def test_keepalive_client_balanced_per_request(sluice, origins):
    a, b = origins("a"), origins("b")
    port = st.free_port()
    sluice(st.http_cfg(port, ["a %d" % a.port, "b %d" % b.port],
                       balance="roundrobin"))
    seen, _ = spread(port, 40, keepalive=True)
    assert abs(seen["a"] - 20) <= 2, seen
