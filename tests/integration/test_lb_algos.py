"""Load-balancing algorithms over real requests: distribution against
weights, stickiness of the hashing algorithms, consistent hashing when a
server goes, backups, first, and leastconn against roundrobin when one
server is slow. Every origin names itself in X-Origin; the per-server
request counters must agree with what the client saw."""

import collections
import http.client
import http.server
import socketserver
import threading
import time

import pytest

import sluicetest as st

WEIGHTS = (1, 2, 3, 4)


def origin_of(port, target="/", headers=None):
    r = st.get(port, target, headers=headers)
    assert r.status == 200, r
    return r.header("X-Origin")


def four(origins, opts=("", "", "", "")):
    """Four origins o1..o4 and their server lines with the given options."""
    os_ = [origins("o%d" % (i + 1)) for i in range(4)]
    return os_, ["o%d %d %s" % (i + 1, o.port, opts[i]) for i, o in enumerate(os_)]


def weighted(origins):
    return four(origins, tuple("weight %d" % w for w in WEIGHTS))


def spread(port, n, target="/", headers=None):
    seen = collections.Counter()
    for _ in range(n):
        seen[origin_of(port, target, headers)] += 1
    return seen


def check_counters(s, seen):
    s.wait_stats({"srv.be.%s.requests" % k: v for k, v in seen.items()})


def within(seen, total, tol):
    for i, w in enumerate(WEIGHTS):
        want = total * w / sum(WEIGHTS)
        got = seen["o%d" % (i + 1)]
        assert abs(got - want) <= tol * want, (seen, "o%d" % (i + 1), want)


@pytest.mark.parametrize("algo", ["roundrobin", "static-rr"])
def test_weighted_round_robin(sluice, origins, algo):
    _, servers = weighted(origins)
    port = st.free_port()
    s = sluice(st.http_cfg(port, servers, balance=algo))
    seen = spread(port, 400)
    within(seen, 400, 0.05)
    check_counters(s, seen)


def test_random_weights(sluice, origins):
    _, servers = weighted(origins)
    port = st.free_port()
    s = sluice(st.http_cfg(port, servers, balance="random"))
    seen = spread(port, 800)
    within(seen, 800, 0.4)
    check_counters(s, seen)


def test_leastconn_idle_servers_in_turn(sluice, origins):
    _, servers = four(origins)
    port = st.free_port()
    sluice(st.http_cfg(port, servers, balance="leastconn"))
    seen = spread(port, 100)
    assert sorted(seen.values()) == [25, 25, 25, 25], seen


def hold(port, target, n):
    """Start n requests that stay in flight; returns the threads."""
    ths = [threading.Thread(target=st.get, args=(port, target),
                            kwargs={"timeout": 10}) for _ in range(n)]
    for t in ths:
        t.start()
        time.sleep(0.1)
    return ths


def test_leastconn_avoids_busy_servers(sluice, origins):
    """Three long requests occupy three servers: every short request goes
    to the fourth, while roundrobin would send it a quarter of them."""
    _, servers = four(origins)
    port = st.free_port()
    s = sluice(st.http_cfg(port, servers, balance="leastconn"))
    ths = hold(port, "/slow?ms=2500", 3)
    seen = spread(port, 20)
    for t in ths:
        t.join()
    assert len(seen) == 1 and sum(seen.values()) == 20, seen
    busy = s.stats()
    assert sum(int(busy["srv.be.o%d.requests" % i]) for i in range(1, 5)) == 23


class SlowHandler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    delay = 0.2

    def do_GET(self):
        time.sleep(self.delay)
        body = b"slow\n"
        self.send_response(200)
        self.send_header("X-Origin", "slow")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


class SlowOrigin(socketserver.ThreadingMixIn, http.server.HTTPServer):
    daemon_threads = True
    allow_reuse_address = True


@pytest.fixture
def slow_origin():
    srv = SlowOrigin((st.LOOPBACK, 0), SlowHandler)
    th = threading.Thread(target=srv.serve_forever, daemon=True)
    th.start()
    yield srv.server_address[1]
    srv.shutdown()
    srv.server_close()


def load_share(port, clients=6, per_client=25):
    seen = collections.Counter()
    lock = threading.Lock()

    def run():
        for _ in range(per_client):
            name = origin_of(port, "/id")
            with lock:
                seen[name] += 1

    ths = [threading.Thread(target=run) for _ in range(clients)]
    for t in ths:
        t.start()
    for t in ths:
        t.join()
    return seen


def test_leastconn_against_roundrobin_with_a_slow_server(sluice, origins, slow_origin):
    """Six concurrent clients over three fast origins and one slow one:
    roundrobin gives the slow one its quarter, leastconn far fewer."""
    fast = [origins("o%d" % i) for i in range(1, 4)]
    servers = ["o%d %d" % (i + 1, o.port) for i, o in enumerate(fast)]
    servers.append("slow %d" % slow_origin)
    shares = {}
    for algo in ("roundrobin", "leastconn"):
        port = st.free_port()
        s = sluice(st.http_cfg(port, servers, balance=algo), name=algo)
        t0 = time.monotonic()
        seen = load_share(port)
        shares[algo] = (seen["slow"] / sum(seen.values()), time.monotonic() - t0)
        check_counters(s, seen)
    rr, lc = shares["roundrobin"][0], shares["leastconn"][0]
    assert 0.2 <= rr <= 0.3, shares
    assert lc < 0.15 and lc < rr / 2, shares
    # the elapsed times are in the message only: on a shared machine a
    # wall-clock comparison is noise, not a test


def test_first_fills_servers_in_order(sluice, origins):
    _, servers = four(origins, ("maxconn 1",) * 4)
    port = st.free_port()
    sluice(st.http_cfg(port, servers, balance="first"))
    assert spread(port, 10) == {"o1": 10}
    ths = hold(port, "/slow?ms=2000", 2)       # o1, then o2
    assert spread(port, 5) == {"o3": 5}
    for t in ths:
        t.join()
    assert origin_of(port) == "o1"


def test_backup_only_when_actives_are_gone(sluice, origins):
    _, servers = four(origins, ("", "", "backup", "backup"))
    port = st.free_port()
    sluice(st.http_cfg(port, servers, balance="roundrobin"))
    seen = spread(port, 20)
    assert seen == {"o1": 10, "o2": 10}, seen


def test_source_sticky_per_client_address(sluice, origins):
    _, servers = four(origins)
    port = st.free_port()
    sluice(st.http_cfg(port, servers, balance="source"))
    where = {}
    for i in range(2, 42):
        addr = "127.0.0.%d" % i
        for _ in range(3):
            c = http.client.HTTPConnection(st.LOOPBACK, port, timeout=5,
                                           source_address=(addr, 0))
            c.request("GET", "/")
            r = c.getresponse()
            r.read()
            name = r.getheader("X-Origin")
            c.close()
            assert where.setdefault(addr, name) == name, (addr, where[addr], name)
    assert len(set(where.values())) >= 3, where


@pytest.mark.parametrize("hash_type", ["map-based", "consistent"])
def test_uri_sticky(sluice, origins, hash_type):
    _, servers = four(origins)
    port = st.free_port()
    s = sluice(st.http_cfg(port, servers, balance="uri",
                           be="hash-type %s" % hash_type))
    where = {}
    seen = collections.Counter()
    for i in range(30):
        for q in range(3):
            name = origin_of(port, "/obj/%d?v=%d" % (i, q))
            seen[name] += 1
            assert where.setdefault(i, name) == name
    assert len(set(where.values())) >= 3, where
    check_counters(s, seen)


def test_uri_depth(sluice, origins):
    _, servers = four(origins)
    port = st.free_port()
    sluice(st.http_cfg(port, servers, balance="uri depth 2"))
    for d in range(10):
        names = {origin_of(port, "/d%d/x/%d.html" % (d, i)) for i in range(5)}
        assert len(names) == 1, names


def test_url_param_sticky_else_round_robin(sluice, origins):
    _, servers = four(origins)
    port = st.free_port()
    sluice(st.http_cfg(port, servers, balance="url_param user"))
    where = {}
    for u in range(20):
        for x in range(3):
            name = origin_of(port, "/p?x=%d&user=u%d" % (x, u))
            assert where.setdefault(u, name) == name
    assert len(set(where.values())) >= 3
    seen = spread(port, 40, "/p?x=1")
    assert sorted(seen.values()) == [10, 10, 10, 10], seen


def test_hdr_sticky_else_round_robin(sluice, origins):
    _, servers = four(origins)
    port = st.free_port()
    sluice(st.http_cfg(port, servers, balance="hdr(X-User)",
                       be="hash-type consistent"))
    where = {}
    for u in range(20):
        for _ in range(3):
            name = origin_of(port, "/", headers=[("x-user", "user%d" % u)])
            assert where.setdefault(u, name) == name
    assert len(set(where.values())) >= 3
    seen = spread(port, 40)
    assert sum(seen.values()) == 40 and len(seen) == 4, seen


@pytest.mark.parametrize("hash_type,max_moved", [("consistent", 0), ("map-based", None)])
def test_hash_when_a_server_goes(sluice, origins, hash_type, max_moved):
    """Remove o3 from the configuration: with consistent hashing only its
    keys move (servers are placed on the ring by name); map-based moves
    most of them."""
    _, servers = four(origins)

    def mapping(lines, name):
        port = st.free_port()
        s = sluice(st.http_cfg(port, lines, balance="uri",
                               be="hash-type %s" % hash_type), name=name)
        m = {k: origin_of(port, "/k/%d" % k) for k in range(200)}
        s.stop()
        return m

    before = mapping(servers, "four")
    after = mapping([x for x in servers if not x.startswith("o3 ")], "three")
    moved = [k for k in before if before[k] != "o3" and after[k] != before[k]]
    assert all(after[k] != "o3" for k in after)
    if max_moved is not None:
        assert len(moved) <= max_moved, moved
    else:
        assert len(moved) > 50, len(moved)


def test_config_errors(tmp_path):
    """Every form is checked with its file and line."""
    import subprocess
    from conftest import sluice_bin
    cases = [
        ("balance uri depth x", "'balance uri depth': invalid value 'x'"),
        ("balance uri sideways", "'balance uri': unknown argument 'sideways'"),
        ("balance url_param", "'balance url_param': missing parameter name"),
        ("balance url_param id check_post", "'check_post' is not supported"),
        ("balance hdr()", "'balance hdr()': missing header name"),
        ("balance random(0)", "'balance random draws': value '0' out of range"),
        ("balance hash req.cookie(id)", "unsupported balance algorithm 'hash'"),
        ("hash-type ring", "'hash-type': unknown method 'ring'"),
    ]
    for line, msg in cases:
        cfg = tmp_path / "bad.cfg"
        cfg.write_text("backend be\n    mode http\n    %s\n" % line)
        r = subprocess.run([sluice_bin(), "-c", "-f", str(cfg)],
                           capture_output=True, text=True, timeout=10)
        assert r.returncode == 1, (line, r.stderr)
        assert "bad.cfg:3:" in r.stderr and msg in r.stderr, (line, r.stderr)
    cfg = tmp_path / "ok.cfg"
    cfg.write_text("defaults\n    mode http\n    balance uri whole len 20\n"
                   "    hash-type consistent sdbm avalanche\n"
                   "frontend fe\n    bind 127.0.0.1:8080\n"
                   "    default_backend be\n"
                   "backend be\n    server s1 127.0.0.1:1\n")
    r = subprocess.run([sluice_bin(), "-c", "-f", str(cfg)],
                       capture_output=True, text=True, timeout=10)
    assert r.returncode == 0, r.stderr
    assert "'sdbm' ignored" in r.stderr
