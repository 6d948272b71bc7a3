"""Health checks against real origins: the test origin and nginx are taken
down (process killed or stopped) and brought back on the same port; the
server states (`show servers state`), the check counters (`show stat`), the
state change messages and log records follow, and no request reaches a
server while it is DOWN. Also: HTTP checks with `http-check expect`,
rise/fall counts, slowstart, backups and `option allbackups`, `disabled`,
`port`, and checks that hang."""

import collections
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

import sluicetest as st

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
NGINX = "/usr/sbin/nginx"

# origin.py binds a free port; to come back on the same port after being
# killed, it is run with bind() forced to the port given first.
SAME_PORT = ("import runpy, socket, sys\n"
             "port = int(sys.argv.pop(1))\n"
             "bind = socket.socket.bind\n"
             "socket.socket.bind = lambda self, a: bind(self, (a[0], port))\n"
             "sys.argv[0] = %r\n"
             "runpy.run_path(sys.argv[0], run_name='__main__')\n"
             % str(HERE / "origin.py"))


class Restartable:
    """A test origin (origin.py) that can be killed and started again on
    the same port."""

    def __init__(self, tmp_path, name):
        self.tmp_path, self.name = tmp_path, name
        self.port = st.free_port()
        self.proc = None
        self.start()

    def start(self):
        err = open(self.tmp_path / ("origin-%s.stderr" % self.name), "ab")
        self.proc = subprocess.Popen(
            [sys.executable, "-c", SAME_PORT, str(self.port), "--name",
             self.name], stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
            stderr=err)
        err.close()
        line = self.proc.stdout.readline().decode()
        assert line == "PORT %d\n" % self.port, \
            "origin %s did not start on port %d: %r" % (self.name, self.port,
                                                        line)

    def kill(self):
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        if self.proc:
            self.proc.stdout.close()
        assert st.wait_until(lambda: st.connect_refused(self.port), 3)


@pytest.fixture
def restartable(tmp_path):
    """Factory: restartable(name) -> Restartable, killed at teardown."""
    made = []

    def make(name):
        o = Restartable(tmp_path, name)
        made.append(o)
        return o

    yield make
    for o in made:
        if o.proc and o.proc.poll() is None:
            o.proc.kill()
            o.proc.wait()
            o.proc.stdout.close()


# ----------------------------------------------------------------- helpers

def cfg(port, backends, glob="", nbthread=1, default="be"):
    """A frontend on port using backend `default`; backends maps a name to
    its lines (options, servers as 'server NAME 127.0.0.1:PORT ...')."""
    lines = ["global", "    nbthread %d" % nbthread]
    lines += ["    " + g for g in glob.strip().splitlines() if g.strip()]
    lines += ["", "defaults", "    mode http", "    timeout connect 1s",
              "    timeout client 5s", "    timeout server 5s", "",
              "frontend fe", "    bind 127.0.0.1:%d" % port,
              "    default_backend %s" % default]
    for name, body in backends.items():
        lines += ["", "backend %s" % name]
        lines += ["    " + x.strip() for x in body.strip().splitlines()
                  if x.strip()]
    return "\n".join(lines) + "\n"


def query(s, command):
    """Every answer to a command line (commands separated by ';'): read
    until the socket closes, after the last one."""
    import socket
    c = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    c.settimeout(3)
    try:
        c.connect(s.stats_path)
        c.sendall(command.encode() + b"\n")
        out = b""
        while True:
            data = c.recv(65536)
            if not data:
                return out.decode()
            out += data
    finally:
        c.close()


def servers(s):
    """`show servers state` as {"be/srv": (state, eweight, status, health)}."""
    out = {}
    text = query(s, "show servers state")
    for line in text.splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        name, state, eweight, status, health = line.split()
        out[name] = (state, int(eweight), status, health)
    return out


def wait_servers(s, want, timeout=5.0):
    """Wait until each "be/srv" of want has its state (and status when want
    gives a (state, status) pair); returns the last table."""
    deadline = time.monotonic() + timeout
    while True:
        cur = servers(s)
        bad = {}
        for k, v in want.items():
            state, status = v if isinstance(v, tuple) else (v, None)
            got = cur.get(k)
            if not got or got[0] != state or (status and got[2] != status):
                bad[k] = (got, v)
        if not bad:
            return cur
        if time.monotonic() > deadline:
            pytest.fail("servers not as expected (got, wanted): %s\n"
                        "--- stderr:\n%s" % (bad, s.stderr()[-3000:]))
        time.sleep(0.03)


def origin_of(port, path="/id"):
    """Which origin answered a request (X-Origin, or nginx)."""
    r = st.get(port, path)
    assert r.status == 200, r
    if r.header("x-origin"):
        return r.header("x-origin")
    return "nginx" if (r.header("server") or "").startswith("nginx") else "?"


def spread(port, n, path="/id"):
    return collections.Counter(origin_of(port, path) for _ in range(n))


def health_records(s):
    """The Health log records of the shared memory (sluicelog)."""
    r = subprocess.run([str(REPO / "sluicelog"), "-n", s.shm_path, "-d",
                        "-g", "raw"], capture_output=True, text=True,
                       timeout=20)
    assert r.returncode == 0, r.stderr
    return [l.split("Health", 1)[1].strip() for l in r.stdout.splitlines()
            if " Health " in l or "\tHealth" in l]


# -------------------------------------------------------------- TCP checks

def test_tcp_check_takes_a_killed_origin_out_and_back(sluice, restartable,
                                                      origins):
    a, b = restartable("a"), origins("b")
    port = st.free_port()
    s = sluice(cfg(port, {"be": """
        server a 127.0.0.1:%d check inter 100 rise 2 fall 2
        server b 127.0.0.1:%d check inter 100
        """ % (a.port, b.port)}, nbthread=2))
    wait_servers(s, {"be/a": ("UP", "L4OK"), "be/b": ("UP", "L4OK")})
    assert set(spread(s.port, 20)) == {"a", "b"}

    a.kill()
    wait_servers(s, {"be/a": ("DOWN", "L4CON")})
    # no request reaches a DOWN server (a is gone: one would fail with 502)
    assert spread(s.port, 30) == {"b": 30}
    stats = s.stats()
    assert stats["srv.be.a.downs"] == 1, stats
    assert stats["srv.be.a.checks_failed"] >= 2, stats
    assert stats["srv.be.a.ups"] == 0 and stats["srv.be.b.downs"] == 0, stats
    assert stats["srv.be.a.connect_errors"] == 0, stats
    err = s.stderr()
    assert ('[WARNING] Server be/a is DOWN, reason: Layer4 connection '
            'problem, info: "Connection refused", check duration: ') in err
    assert "1 active and 0 backup servers left." in err

    a.start()
    wait_servers(s, {"be/a": ("UP", "L4OK")})
    s.wait_stats({"srv.be.a.ups": 1, "srv.be.a.downs": 1})
    assert "[WARNING] Server be/a is UP, reason: Layer4 check passed" \
        in s.stderr()
    assert set(spread(s.port, 20)) == {"a", "b"}
    recs = health_records(s)
    assert any(r.startswith("be a UP DOWN Layer4 connection problem")
               for r in recs), recs
    assert any(r.startswith("be a DOWN UP Layer4 check passed")
               for r in recs), recs


def test_every_server_down_gives_503_then_service_resumes(sluice,
                                                          restartable):
    a = restartable("a")
    port = st.free_port()
    s = sluice(cfg(port, {"be": "server a 127.0.0.1:%d check inter 100 "
                                "fall 1 rise 1" % a.port}))
    wait_servers(s, {"be/a": ("UP", "L4OK")})
    a.kill()
    wait_servers(s, {"be/a": "DOWN"})
    assert "[ALERT] backend 'be' has no server available!" in s.stderr()
    assert st.get(s.port, "/id").status == 503
    a.start()
    wait_servers(s, {"be/a": "UP"})
    assert origin_of(s.port) == "a"


def test_check_port_and_addr(sluice, origins):
    """`port` and `addr` check another place than the traffic goes to: a
    server whose check port is closed is DOWN although it answers, one
    checked elsewhere is UP."""
    a, b, c = origins("a"), origins("b"), origins("c")
    dead = st.free_port()
    port = st.free_port()
    s = sluice(cfg(port, {"be": """
        server a 127.0.0.1:%d check inter 100 port %d
        server b 127.0.0.1:%d check inter 100 addr 127.0.0.1 port %d
        """ % (a.port, dead, b.port, c.port)}))
    wait_servers(s, {"be/a": ("DOWN", "L4CON"), "be/b": ("UP", "L4OK")})
    assert spread(s.port, 20) == {"b": 20}
    assert a.count() == 0                      # neither traffic nor checks
    assert c.count() >= 1                      # b's checks


def test_checks_that_hang_time_out_without_blocking_traffic(sluice, origins):
    b = origins("b")
    port = st.free_port()
    with st.Blackhole() as hole:
        s = sluice(cfg(port, {"be": """
            timeout connect 300ms
            server h 127.0.0.1:%d check inter 500 fall 1
            server b 127.0.0.1:%d check inter 100
            """ % (hole.port, b.port)}, nbthread=1))
        t0 = time.monotonic()
        wait_servers(s, {"be/h": ("DOWN", "L4TOUT"), "be/b": "UP"})
        # without "timeout check" the whole check has inter (500 ms)
        assert time.monotonic() - t0 < 2.5
        # meanwhile (one thread only) requests are served at once
        for _ in range(10):
            t = time.monotonic()
            assert origin_of(s.port) == "b"
            assert time.monotonic() - t < 0.25
        assert "reason: Layer4 timeout" in s.stderr()


def check_durations(s):
    """{"be/srv": ms} from the DOWN and UP messages of sluice's stderr (the
    last one of each server)."""
    out = {}
    for m in re.finditer(r"Server (\S+) is (?:UP|DOWN), reason: [^,]*, "
                         r"check duration: (\d+)ms", s.stderr()):
        out[m.group(1)] = int(m.group(2))
    return out


def test_timeout_check_bounds_the_check_once_connected(sluice, origins):
    """As HAProxy: without `timeout check` the whole check must end within
    inter; with it, the check connects within min(timeout connect, inter)
    and then has `timeout check` to get its answer, longer or shorter
    than inter."""
    a = origins("a")
    port = st.free_port()
    slow = "option httpchk GET /slow?ms=600\n"
    with st.Blackhole() as hole:
        s = sluice(cfg(port, {
            "be": "server x 127.0.0.1:%d" % a.port,
            # answers in 600 ms: more than inter, less than timeout check
            "patient": slow + "timeout check 3s\n"
                       "server p 127.0.0.1:%d check inter 300 fall 1" % a.port,
            "hasty": slow + "server h 127.0.0.1:%d check inter 300 fall 1"
                     % a.port,
            # the same answer but 200 ms allowed once connected
            "short": slow + "timeout check 200\n"
                     "server t 127.0.0.1:%d check inter 5s fall 1" % a.port,
            # connecting: min(timeout connect 300 ms, inter 4 s)
            "conn": "timeout connect 300\ntimeout check 10s\n"
                    "server c 127.0.0.1:%d check inter 4s fall 1" % hole.port,
        }))
        wait_servers(s, {"patient/p": ("UP", "L7OK"),
                         "hasty/h": ("DOWN", "L7TOUT"),
                         "short/t": ("DOWN", "L7TOUT"),
                         "conn/c": ("DOWN", "L4TOUT")})
        d = check_durations(s)
        assert "patient/p" not in d, d          # never went DOWN
        assert 250 <= d["hasty/h"] < 600, d
        assert 150 <= d["short/t"] < 600, d
        assert 250 <= d["conn/c"] < 2000, d


# ------------------------------------------------------------- HTTP checks

def test_httpchk_expectations_against_the_test_origin(sluice, origins):
    a = origins("a")
    port = st.free_port()
    srv = "server a 127.0.0.1:%d check inter 100\n" % a.port
    s = sluice(cfg(port, {
        "be": "option httpchk GET /id\n" + srv,
        "b503": "option httpchk GET /status/503\n" + srv,
        "b503ok": "option httpchk GET /status/503\n"
                  "http-check expect status 503\n" + srv,
        "bnot5": "option httpchk GET /status/503\n"
                 "http-check expect ! rstatus ^5\n" + srv,
        "bstr": "option httpchk GET /id\nhttp-check expect string a\n" + srv,
        "bnostr": "option httpchk GET /id\n"
                  "http-check expect string zzz\n" + srv,
        "bdef": "option httpchk\n" + srv,
    }))
    wait_servers(s, {"be/a": ("UP", "L7OK"), "b503/a": ("DOWN", "L7STS"),
                     "b503ok/a": ("UP", "L7OK"), "bnot5/a": ("DOWN", "L7STS"),
                     "bstr/a": ("UP", "L7OK"), "bnostr/a": ("DOWN", "L7RSP"),
                     "bdef/a": ("UP", "L7OK")})
    err = s.stderr()
    assert "Server b503/a is DOWN, reason: Layer7 wrong status, code: 503, " \
        'info: "Service Unavailable"' in err, err
    assert "Server bnostr/a is DOWN, reason: Layer7 invalid response, " \
        "code: 200, info: \"body does not match string 'zzz'\"" in err, err
    assert origin_of(s.port) == "a"


def test_httpchk_status_turns_with_the_origin(sluice, origins, tmp_path):
    """The check URI's answer decides: the origin serves /status/N, the
    check follows a URI that a file lets the test switch (via nginx)."""
    root = tmp_path / "www"
    root.mkdir()
    (root / "health").write_text("alive\n")
    n = NginxOrigin(tmp_path, root)
    try:
        o = origins("o")
        port = st.free_port()
        s = sluice(cfg(port, {"be": """
            option httpchk GET /health HTTP/1.1\\r\\nHost:\\ check.local
            http-check expect string alive
            server n 127.0.0.1:%d check inter 100 rise 2 fall 2
            server o 127.0.0.1:%d
            """ % (n.port, o.port)}))
        wait_servers(s, {"be/n": ("UP", "L7OK")})
        assert set(spread(s.port, 10, "/health")) == {"nginx", "o"}

        # content check: the file no longer says "alive"
        (root / "health").write_text("dead\n")
        wait_servers(s, {"be/n": ("DOWN", "L7RSP")})
        assert spread(s.port, 10) == {"o": 10}
        (root / "health").write_text("alive\n")
        wait_servers(s, {"be/n": ("UP", "L7OK")})

        # nginx stopped, then started again on the same port
        n.stop()
        wait_servers(s, {"be/n": ("DOWN", "L4CON")})
        assert spread(s.port, 20, "/health") == {"o": 20}
        n.start()
        wait_servers(s, {"be/n": ("UP", "L7OK")})
        assert set(spread(s.port, 10, "/health")) == {"nginx", "o"}
        stats = s.stats()
        assert stats["srv.be.n.downs"] == 2 and stats["srv.be.n.ups"] == 2, \
            stats
        assert stats["srv.be.o.checks_ok"] == 0, stats   # not checked
        # nginx logged the check requests with the configured head
        log = (n.tmp / "access.log").read_text()
        assert '"GET /health HTTP/1.1" 200' in log, log[-500:]
    finally:
        n.stop()


NGINX_CONF = """\
daemon off;
master_process off;
worker_processes 1;
{user}
pid {tmp}/nginx.pid;
error_log {tmp}/error.log warn;
events {{ worker_connections 256; }}
http {{
    access_log {tmp}/access.log;
    client_body_temp_path {tmp}/client_body;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;
    default_type text/plain;
    server {{
        listen 127.0.0.1:{port};
        root {root};
        location = /id {{ return 200 "nginx\\n"; }}
    }}
}}
"""


class NginxOrigin:
    """An nginx of this test only (the session's is shared by others), to
    stop and start again on the same port."""

    def __init__(self, tmp_path, root):
        if not os.path.exists(NGINX):
            pytest.skip("nginx is not installed")
        self.tmp = tmp_path / "nginx"
        self.tmp.mkdir()
        self.port = st.free_port()
        user = "user root root;" if os.geteuid() == 0 else ""
        (self.tmp / "nginx.conf").write_text(NGINX_CONF.format(
            tmp=self.tmp, port=self.port, root=root, user=user))
        self.proc = None
        self.start()

    def start(self):
        err = open(self.tmp / "stderr", "ab")
        self.proc = subprocess.Popen(
            [NGINX, "-p", str(self.tmp), "-e", str(self.tmp / "error.log"),
             "-c", str(self.tmp / "nginx.conf")],
            stdin=subprocess.DEVNULL, stdout=err, stderr=err)
        err.close()
        if not st.wait_until(lambda: self.port in st.listening_ports()
                             or self.proc.poll() is not None, 5) \
                or self.proc.poll() is not None:
            pytest.fail("nginx did not start:\n" +
                        (self.tmp / "error.log").read_text())

    def stop(self):
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        st.wait_until(lambda: st.connect_refused(self.port), 3)


# ------------------------------------------------------------- rise, fall

def sample(s, name):
    """(state, checks_ok, checks_failed) of be/<name> at one instant: the
    counters read before and after the state must agree."""
    while True:
        text = query(s, "show stat;show servers state;show stat")
        parts = text.split("\n\n")
        before, state, after = (st.parse_kv(parts[0]), parts[1],
                                st.parse_kv(parts[2]))
        keys = ("srv.be.%s.checks_ok" % name, "srv.be.%s.checks_failed" % name)
        if all(before[k] == after[k] for k in keys):
            line = [l for l in state.splitlines()
                    if l.startswith("be/%s " % name)][0]
            return line.split()[1], before[keys[0]], before[keys[1]]


def test_rise_and_fall_counts_are_respected(sluice, restartable):
    a = restartable("a")
    port = st.free_port()
    s = sluice(cfg(port, {"be": "server a 127.0.0.1:%d check inter 150 "
                                "rise 3 fall 4" % a.port}))
    wait_servers(s, {"be/a": "UP"})
    # full health first: rise+fall-1 = 6 -> at least 4 passed checks
    assert st.wait_until(lambda: sample(s, "a")[1] >= 4, 5)
    a.kill()
    seen = []
    deadline = time.monotonic() + 6
    while time.monotonic() < deadline:
        state, ok, failed = sample(s, "a")
        seen.append((state, failed))
        if failed >= 6:
            break
        time.sleep(0.02)
    assert seen and seen[-1][1] >= 6, seen
    for state, failed in seen:
        # up while fewer than 4 checks failed, down from the 4th on
        assert (state == "DOWN") == (failed >= 4), seen
    assert any(f == 3 for _, f in seen) and any(f == 4 for _, f in seen), seen

    _, ok0, _ = sample(s, "a")
    a.start()
    seen = []
    deadline = time.monotonic() + 6
    while time.monotonic() < deadline:
        state, ok, _ = sample(s, "a")
        seen.append((state, ok - ok0))
        if ok - ok0 >= 4:
            break
        time.sleep(0.02)
    assert seen and seen[-1][1] >= 4, seen
    for state, passed in seen:
        assert (state == "UP") == (passed >= 3), seen
    assert any(p == 2 for _, p in seen), seen


# --------------------------------------------------- backups, maintenance

def test_first_backup_takes_over_when_every_active_is_down(sluice,
                                                           restartable,
                                                           origins):
    a, b = restartable("a"), restartable("b")
    c, d = origins("c"), origins("d")
    port = st.free_port()
    s = sluice(cfg(port, {"be": """
        server a 127.0.0.1:%d check inter 100 fall 1 rise 1
        server b 127.0.0.1:%d check inter 100 fall 1 rise 1
        server c 127.0.0.1:%d check inter 100 backup
        server d 127.0.0.1:%d check inter 100 backup
        """ % (a.port, b.port, c.port, d.port)}))
    wait_servers(s, {"be/%s" % x: "UP" for x in "abcd"})
    assert spread(s.port, 20) == {"a": 10, "b": 10}
    a.kill()
    wait_servers(s, {"be/a": "DOWN"})
    assert spread(s.port, 10) == {"b": 10}
    b.kill()
    wait_servers(s, {"be/b": "DOWN"})
    assert spread(s.port, 20) == {"c": 20}     # the first backup only
    assert "0 active and 2 backup servers left." in s.stderr()
    a.start()
    wait_servers(s, {"be/a": "UP"})
    assert spread(s.port, 10) == {"a": 10}     # actives first again


def test_allbackups_shares_the_load_between_backups(sluice, restartable,
                                                    origins):
    a = restartable("a")
    c, d = origins("c"), origins("d")
    port = st.free_port()
    s = sluice(cfg(port, {"be": """
        option allbackups
        server a 127.0.0.1:%d check inter 100 fall 1 rise 1
        server c 127.0.0.1:%d check inter 100 backup
        server d 127.0.0.1:%d check inter 100 backup
        """ % (a.port, c.port, d.port)}))
    wait_servers(s, {"be/a": "UP", "be/c": "UP", "be/d": "UP"})
    assert spread(s.port, 10) == {"a": 10}
    a.kill()
    wait_servers(s, {"be/a": "DOWN"})
    assert spread(s.port, 20) == {"c": 10, "d": 10}
    # a backup going down leaves the other one
    c.proc.kill()
    c.proc.wait()
    wait_servers(s, {"be/c": "DOWN"})
    assert spread(s.port, 10) == {"d": 10}


def test_disabled_servers_are_never_used_nor_checked(sluice, origins):
    a, b = origins("a"), origins("b")
    port = st.free_port()
    s = sluice(cfg(port, {"be": """
        server a 127.0.0.1:%d check inter 50 disabled
        server b 127.0.0.1:%d check inter 50
        """ % (a.port, b.port)}))
    wait_servers(s, {"be/a": "MAINT", "be/b": ("UP", "L4OK")})
    assert spread(s.port, 30) == {"b": 30}
    time.sleep(0.3)
    assert a.count() == 0                      # no check either
    state, _, status, health = servers(s)["be/a"]
    assert (state, status, health) == ("MAINT", "-", "-")
    assert s.stats()["srv.be.a.checks_ok"] == 0


# ------------------------------------------------------------- slowstart

def test_slowstart_ramps_the_weight_after_recovery(sluice, restartable,
                                                   origins):
    a, b = restartable("a"), origins("b")
    port = st.free_port()
    s = sluice(cfg(port, {"be": """
        server a 127.0.0.1:%d check inter 100 fall 1 rise 1 weight 100 slowstart 3s
        server b 127.0.0.1:%d check inter 100 weight 100
        """ % (a.port, b.port)}, nbthread=1))
    wait_servers(s, {"be/a": "UP", "be/b": "UP"})
    # no ramp at start
    assert servers(s)["be/a"][:2] == ("UP", 100)
    a.kill()
    wait_servers(s, {"be/a": "DOWN"})
    a.start()
    t0 = time.monotonic()
    wait_servers(s, {"be/a": "STARTING"})
    early = spread(s.port, 40)
    weights = [servers(s)["be/a"][1]]
    while True:
        state, w = servers(s)["be/a"][:2]
        weights.append(w)
        if state == "UP":
            break
        assert time.monotonic() - t0 < 6, weights
        time.sleep(0.1)
    assert 2.5 < time.monotonic() - t0 < 5, time.monotonic() - t0
    assert weights == sorted(weights), weights
    assert weights[0] <= 20 and weights[-1] == 100, weights
    assert len(set(weights)) >= 8, weights      # steps of 1/20
    late = spread(s.port, 40)
    assert early["a"] <= 12, early               # about 5-20 % of the traffic
    assert 15 <= late["a"] <= 25, late           # half of it



def test_on_marked_down_shutdown_sessions_cuts_exchanges(sluice, origins):
    """A server marked DOWN with on-marked-down shutdown-sessions loses its
    exchanges in progress; without the option they finish. The checks probe
    another origin (port), which the test kills while the data flows."""
    data, probe = origins("data"), origins("probe")
    port, port2 = st.free_port(), st.free_port()
    opts = "check port %d inter 100 fall 1 rise 1" % probe.port
    s = sluice(cfg(port, {
        "be": "server a 127.0.0.1:%d %s on-marked-down shutdown-sessions"
              % (data.port, opts),
        "keep": "server a 127.0.0.1:%d %s" % (data.port, opts),
    }) + "\nfrontend fe2\n    bind 127.0.0.1:%d\n    default_backend keep\n" % port2)
    wait_servers(s, {"be/a": "UP", "keep/a": "UP"})
    req = (b"GET /drip?size=40000&chunk=2000&ms=100 HTTP/1.1\r\nHost: x\r\n"
           b"Connection: close\r\n\r\n")
    cut, kept = st.Client(port, timeout=10), st.Client(port2, timeout=10)
    try:
        for c in (cut, kept):
            c.send(req)
            assert c.read_head().status == 200
        probe.proc.kill()
        wait_servers(s, {"be/a": "DOWN", "keep/a": "DOWN"})
        assert len(cut.read_until_close()) < 40000, "exchange not shut down"
        assert len(kept.read_until_close()) == 40000, "exchange without the option cut"
    finally:
        cut.close()
        kept.close()
    assert s.stats()["srv.be.a.downs"] >= 1
