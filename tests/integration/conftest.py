"""Fixtures for sluice's integration tests: the sluice process under test, the
test origin (origin.py), a TCP echo origin, a scripted raw-bytes origin
(raworigin.py) and an nginx origin.

The binary is $SLUICE_BIN (relative paths are taken from the repository root)
or ./sluice at the repository root. $SLUICE_EXTRA_ARGS (shell words) is
appended to the command line of every sluice started by the `sluice`
fixture, e.g. SLUICE_EXTRA_ARGS=-dMno-cache. Every process started here is
stopped by its PID at teardown, also when the test failed."""

import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

import sluicetest as st
from raworigin import RawOrigin

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent
NGINX = "/usr/sbin/nginx"

# What sanitizers print when they find something.
SANITIZER_MARKS = ("ERROR: AddressSanitizer", "ERROR: LeakSanitizer",
                   "runtime error:", "WARNING: ThreadSanitizer",
                   "ERROR: ThreadSanitizer", "ERROR: UndefinedBehaviorSanitizer")


TEST_TIMEOUT = 120        # seconds; no test should come near it


class TestTimeout(Exception):
    pass


@pytest.fixture(autouse=True)
def _time_limit():
    """Fail a hung test instead of hanging the whole run (pytest-timeout is
    not a Debian package here)."""
    def expired(signum, frame):
        raise TestTimeout("test still running after %d s" % TEST_TIMEOUT)
    old = signal.signal(signal.SIGALRM, expired)
    signal.alarm(TEST_TIMEOUT)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, old)


def sluice_bin():
    path = os.environ.get("SLUICE_BIN")
    p = Path(path) if path else REPO / "sluice"
    if not p.is_absolute():
        p = REPO / p
    if not p.exists():
        pytest.fail("sluice binary %s not found: run `make` (or `make asan` "
                    "for build-asan/sluice) first" % p)
    return str(p)


def extra_args():
    """$SLUICE_EXTRA_ARGS split as a shell would (e.g. pool debugging)."""
    return shlex.split(os.environ.get("SLUICE_EXTRA_ARGS", ""))


def stop_pid(proc, wait=3.0):
    """SIGTERM, then SIGKILL after `wait` seconds; returns what was sent."""
    sent = set()
    if proc.poll() is None:
        proc.send_signal(signal.SIGTERM)
        sent.add(signal.SIGTERM)
        try:
            proc.wait(wait)
        except subprocess.TimeoutExpired:
            proc.kill()
            sent.add(signal.SIGKILL)
            proc.wait()
    return sent


def sanitizer_report(text):
    for mark in SANITIZER_MARKS:
        i = text.find(mark)
        if i >= 0:
            return text[max(0, i - 200):i + 4000]
    return None


class Sluice:
    """A running sluice. cfg is the configuration text; a `stats socket` is
    added to its global section unless it has one."""

    def __init__(self, workdir, sockdir, cfg, name="sluice", args=(),
                 preexec=None):
        self.workdir = Path(workdir)
        self.name = name
        self.stats_path = os.path.join(sockdir, name + ".stats.sock")
        self.cfg = self._with_stats(cfg)
        self.cfg_path = self.workdir / (name + ".cfg")
        self.cfg_path.write_text(self.cfg)
        self.err_path = self.workdir / (name + ".stderr")
        self.out_path = self.workdir / (name + ".stdout")
        self.signals_sent = set()
        self.exit_expected = False
        self.checked = False
        self.binds = re.findall(r"^\s*bind\s+(\S+)", self.cfg, re.M)
        # every instance gets its own shared-memory file unless the test
        # names one (-n): tests must never collide with each other or with
        # a sluice running on the machine
        self.shm_path = str(self.workdir / (name + ".shm"))
        if "-n" not in args:
            args = ("-n", self.shm_path) + tuple(args)
        with open(self.err_path, "wb") as err, \
                open(self.out_path, "wb") as out:
            self.proc = subprocess.Popen(
                [sluice_bin(), "-f", str(self.cfg_path)] + list(args)
                + extra_args(),
                stdin=subprocess.DEVNULL, stdout=out, stderr=err,
                cwd=str(self.workdir), preexec_fn=preexec)
        self.pid = self.proc.pid
        self.ports = [int(b.rsplit(":", 1)[1]) for b in self.binds
                      if not b.startswith("unix@")]
        self.port = self.ports[0] if self.ports else None

    def _with_stats(self, cfg):
        line = "    stats socket %s" % self.stats_path
        if re.search(r"^\s*stats\s+socket\s+(\S+)", cfg, re.M):
            self.stats_path = re.search(r"^\s*stats\s+socket\s+(\S+)", cfg,
                                        re.M).group(1)
            return cfg
        if re.search(r"^global\b", cfg, re.M):
            return re.sub(r"^(global\b.*)$", r"\1\n" + line, cfg, count=1,
                          flags=re.M)
        return "global\n%s\n\n%s" % (line, cfg)

    # -- life cycle
    def wait_ready(self, timeout=5.0):
        """Wait until every bind is listening; fail with stderr if not."""
        deadline = time.monotonic() + timeout
        unix = [b[5:] for b in self.binds if b.startswith("unix@")]
        while True:
            if self.proc.poll() is not None:
                pytest.fail("sluice exited with %s at start\n--- config:\n%s"
                            "\n--- stderr:\n%s" % (self.proc.returncode,
                                                   self.cfg, self.stderr()))
            ok = set(self.ports) <= st.listening_ports()
            if ok and unix:
                # not /proc/net/unix: a socket bound under a temporary name
                # and renamed into place is listed under the first name
                ok = all(st.is_socket(p) for p in unix)
            if ok:
                return self
            if time.monotonic() > deadline:
                pytest.fail("sluice not listening on %s after %.0f s\n"
                            "--- config:\n%s\n--- stderr:\n%s"
                            % (self.binds, timeout, self.cfg, self.stderr()))
            time.sleep(0.02)

    def send_signal(self, sig):
        self.signals_sent.add(sig)
        self.proc.send_signal(sig)

    def wait_exit(self, timeout):
        """Wait for the process to end; returns its return code or None."""
        try:
            return self.proc.wait(timeout)
        except subprocess.TimeoutExpired:
            return None

    def stderr(self):
        try:
            return self.err_path.read_text(errors="replace")
        except FileNotFoundError:
            return ""

    def stop(self):
        """Stop (SIGTERM, then SIGKILL) and return a list of problems."""
        problems = []
        if self.proc.poll() is not None and not self.signals_sent \
                and not self.exit_expected:
            problems.append("sluice exited on its own with status %s during "
                            "the test" % self.proc.returncode)
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            self.signals_sent.add(signal.SIGTERM)
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                problems.append("sluice did not exit within 5 s of SIGTERM")
                self.proc.kill()
                self.signals_sent.add(signal.SIGKILL)
                self.proc.wait()
        rc = self.proc.returncode
        if rc < 0 and -rc not in self.signals_sent:
            problems.append("sluice died of signal %s"
                            % signal.Signals(-rc).name)
        elif rc > 0 and not self.exit_expected:
            problems.append("sluice exited with status %d" % rc)
        rep = sanitizer_report(self.stderr())
        if rep:
            problems.append("sanitizer report:\n" + rep)
        return problems

    # -- observation
    def stats(self):
        return st.parse_kv(st.stats_query(self.stats_path, "show stat"))

    def info(self):
        return st.parse_kv(st.stats_query(self.stats_path, "show info"))

    def wait_stats(self, expect, timeout=2.0):
        """Wait until every key of expect has its value in `show stat`
        (counters of other threads may be summed a moment later); return
        the last stats. Fails listing every mismatch."""
        deadline = time.monotonic() + timeout
        while True:
            s = self.stats()
            bad = {k: (s.get(k, "<missing>"), v) for k, v in expect.items()
                   if s.get(k) != v}
            if not bad:
                return s
            if time.monotonic() > deadline:
                lines = ["  %s = %s, expected %s" % (k, got, want)
                         for k, (got, want) in sorted(bad.items())]
                pytest.fail("counters differ:\n" + "\n".join(lines))
            time.sleep(0.05)

    def rss_kb(self):
        return st.rss_kb(self.pid)


@pytest.fixture
def sockdir():
    """A short directory for AF_UNIX paths (tmp_path can be over 108 bytes)."""
    d = tempfile.mkdtemp(prefix="sl-")
    yield d
    shutil.rmtree(d, ignore_errors=True)


@pytest.fixture
def sluice(tmp_path, sockdir):
    """Factory: sluice(cfg_text, name="sluice", args=(), wait=True,
    preexec=None); preexec runs in the child before exec (limits...)."""
    started = []

    def start(cfg, name="sluice", args=(), wait=True, preexec=None):
        s = Sluice(tmp_path, sockdir, cfg, name=name, args=args,
                   preexec=preexec)
        started.append(s)
        if wait:
            s.wait_ready()
        return s

    yield start
    problems = []
    for s in started:
        found = s.stop()
        if found:
            err = s.stderr()
            problems.append("[%s pid %d] %s" % (s.name, s.pid,
                                                "\n".join(found)))
            if not sanitizer_report(err):
                problems.append("--- stderr (tail):\n" + err[-3000:])
    if problems:
        pytest.fail("\n".join(problems), pytrace=False)


class Origin:
    def __init__(self, proc, port, name):
        self.proc, self.port, self.name = proc, port, name
        self.pid = proc.pid

    def count(self):
        """Connections this origin accepted (asked directly, not through
        sluice; this query's own connection is not counted)."""
        return int(st.get(self.port, "/count").body) - 1

    def inflight(self):
        return int(st.get(self.port, "/inflight").body)


def start_origin(tmp_path, name, extra=()):
    err = open(tmp_path / ("origin-%s.stderr" % name), "wb")
    proc = subprocess.Popen([sys.executable, str(HERE / "origin.py"),
                             "--name", name] + list(extra),
                            stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                            stderr=err)
    err.close()
    line = proc.stdout.readline().decode()
    if not line.startswith("PORT "):
        stop_pid(proc)
        pytest.fail("origin %s did not start: %r" % (name, line))
    return Origin(proc, int(line.split()[1]), name)


@pytest.fixture
def origins(tmp_path):
    """Factory: origins(name="o1", tcp=False, host="127.0.0.1") -> Origin."""
    started = []

    def start(name="o1", tcp=False, host=st.LOOPBACK):
        extra = ["--host", host] + (["--tcp"] if tcp else [])
        o = start_origin(tmp_path, name, extra)
        started.append(o)
        return o

    yield start
    for o in started:
        stop_pid(o.proc)
        o.proc.stdout.close()


@pytest.fixture
def origin(origins):
    """One test origin (origin.py) on a free port."""
    return origins("o1")


@pytest.fixture
def raw_origin():
    """Factory: raw_origin(script, ...) -> RawOrigin (raworigin.py). The
    i-th script plays on the i-th connection, the last one on later ones."""
    started = []

    def start(*scripts):
        o = RawOrigin(scripts)
        started.append(o)
        return o

    yield start
    for o in started:
        o.stop()


@pytest.fixture(scope="session")
def docroot(tmp_path_factory):
    """Files served by nginx: f64, f4k, f1m (random) and f100m (sparse)."""
    d = tmp_path_factory.mktemp("docroot")
    files = {"f64": os.urandom(64), "f4k": os.urandom(4096),
             "f1m": os.urandom(1 << 20)}
    for name, data in files.items():
        (d / name).write_bytes(data)
    with open(d / "f100m", "wb") as f:
        f.truncate(100 << 20)
    sums = {k: st.sha256(v) for k, v in files.items()}
    sums["f100m"] = st.sha256(bytes(100 << 20))
    return d, sums


NGINX_CONF = """\
daemon off;
master_process on;
worker_processes 1;
{user}
pid {tmp}/nginx.pid;
error_log {tmp}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log {tmp}/access.log;
    client_body_temp_path {tmp}/client_body;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;
    default_type application/octet-stream;
    keepalive_requests 1000000;
    keepalive_timeout 60s;
    server {{
        listen 127.0.0.1:{port};
        root {root};
        location = /xff {{ return 200 "$http_x_forwarded_for\\n"; }}
        location = /host {{ return 200 "$http_host\\n"; }}
    }}
}}
"""


class Nginx:
    def __init__(self, port, root, sums, proc):
        self.port, self.root, self.sums, self.proc = port, root, sums, proc
        self.pid = proc.pid


@pytest.fixture(scope="session")
def nginx(tmp_path_factory, docroot):
    """An nginx origin for the whole session, serving the docroot."""
    root, sums = docroot
    tmp = tmp_path_factory.mktemp("nginx")
    port = st.free_port()
    user = "user root root;" if os.geteuid() == 0 else ""
    (tmp / "nginx.conf").write_text(NGINX_CONF.format(
        tmp=tmp, port=port, root=root, user=user))
    err = open(tmp / "stderr", "wb")
    proc = subprocess.Popen([NGINX, "-p", str(tmp), "-e", str(tmp / "error.log"),
                             "-c", str(tmp / "nginx.conf")],
                            stdin=subprocess.DEVNULL, stdout=err, stderr=err)
    err.close()
    if not st.wait_until(lambda: port in st.listening_ports() or
                         proc.poll() is not None, 5) or proc.poll() is not None:
        stop_pid(proc)
        pytest.fail("nginx did not start:\n" + (tmp / "stderr").read_text() +
                    (tmp / "error.log").read_text())
    yield Nginx(port, root, sums, proc)
    stop_pid(proc)
