"""Helpers shared by sluice's integration tests: a raw HTTP/1.1 client that
shows exactly what came over the wire, the statistics socket reader, ports,
and config templates."""

import hashlib
import os
import socket
import stat
import time

LOOPBACK = "127.0.0.1"


def free_port(host=LOOPBACK):
    """A TCP port that was free on host a moment ago."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as s:
        s.bind((host, 0))
        return s.getsockname()[1]


def sha256(data):
    return hashlib.sha256(data).hexdigest()


def listening_ports():
    """Ports in LISTEN state on this host (TCP, IPv4 and IPv6)."""
    ports = set()
    for name in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            with open(name) as f:
                next(f)
                for line in f:
                    cols = line.split()
                    if cols[3] == "0A":
                        ports.add(int(cols[1].rsplit(":", 1)[1], 16))
        except FileNotFoundError:
            pass
    return ports


def is_socket(path):
    try:
        return stat.S_ISSOCK(os.stat(path).st_mode)
    except FileNotFoundError:
        return False


# ---------------------------------------------------------------- statistics

def stats_query(path, command, timeout=3.0):
    """Send one command to the stats socket; return the whole answer. The
    socket may not be up yet right after start: retry connecting briefly."""
    deadline = time.monotonic() + timeout
    while True:
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(timeout)
        try:
            s.connect(path)
            break
        except (FileNotFoundError, ConnectionRefusedError):
            s.close()
            if time.monotonic() > deadline:
                raise
            time.sleep(0.05)
    try:
        s.sendall(command.encode() + b"\n")
        out = b""
        while True:
            data = s.recv(65536)
            if not data:
                return out.decode("utf-8", "replace")
            out += data
            # The answer ends when the server closes. An empty line also
            # ends it, so a server that keeps the socket open does not stall
            # every test; test_stats checks the close on its own.
            if out.endswith(b"\n\n"):
                return out.decode("utf-8", "replace")
    finally:
        s.close()


def parse_kv(text):
    """`KEY VALUE` lines into a dict; values that are integers become int."""
    out = {}
    for line in text.splitlines():
        line = line.strip()
        if not line:
            continue
        key, _, value = line.partition(" ")
        value = value.strip()
        try:
            out[key] = int(value)
        except ValueError:
            out[key] = value
    return out


# ------------------------------------------------------------- HTTP client

class Response:
    def __init__(self):
        self.version = ""
        self.status = 0
        self.reason = ""
        self.headers = []
        self.trailers = []
        self.body = b""
        self.head = b""
        self.interim = []          # 1xx responses seen before this one

    def header(self, name, default=None):
        name = name.lower()
        for k, v in self.headers:
            if k.lower() == name:
                return v
        return default

    def header_all(self, name):
        return [v for k, v in self.headers if k.lower() == name.lower()]

    def json(self):
        import json
        return json.loads(self.body)

    def has_token(self, name, token):
        """Whether a comma-separated header (e.g. Connection) holds token."""
        for v in self.header_all(name):
            if token.lower() in [t.strip().lower() for t in v.split(",")]:
                return True
        return False

    def __repr__(self):
        return "<Response %d %s headers=%r body=%d bytes>" % (
            self.status, self.reason, self.headers, len(self.body))


class ConnectionClosed(Exception):
    pass


class Client:
    """One client connection, bytes in and out exactly as given. Reads are
    buffered so pipelined responses can be taken one by one."""

    def __init__(self, port=None, host=LOOPBACK, unix=None, timeout=5.0):
        if unix:
            self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            self.sock.settimeout(timeout)
            self.sock.connect(unix)
        else:
            family = socket.AF_INET6 if ":" in host else socket.AF_INET
            self.sock = socket.socket(family, socket.SOCK_STREAM)
            self.sock.settimeout(timeout)
            self.sock.connect((host, port))
        self.buf = b""
        self.eof = False

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self):
        try:
            self.sock.close()
        except OSError:
            pass

    def settimeout(self, t):
        self.sock.settimeout(t)

    def send(self, data):
        self.sock.sendall(data)

    def request(self, method="GET", target="/", headers=None, body=None,
                version="HTTP/1.1", host="test.local"):
        """Send one request. headers is a list of (name, value); Host is
        added first unless host is None; Content-Length is added for a body
        unless headers already say how the body is framed."""
        lines = ["%s %s %s" % (method, target, version)]
        hdrs = list(headers or [])
        if host is not None:
            lines.append("Host: %s" % host)
        names = {k.lower() for k, _ in hdrs}
        if body is not None and "content-length" not in names \
                and "transfer-encoding" not in names:
            hdrs.append(("Content-Length", str(len(body))))
        lines += ["%s: %s" % kv for kv in hdrs]
        data = ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
        if body is not None:
            data += body
        self.send(data)

    def _fill(self):
        if self.eof:
            raise ConnectionClosed("connection closed by peer")
        data = self.sock.recv(262144)
        if not data:
            self.eof = True
            raise ConnectionClosed("connection closed by peer")
        self.buf += data

    def _line(self):
        while True:
            i = self.buf.find(b"\n")
            if i >= 0:
                out, self.buf = self.buf[:i + 1], self.buf[i + 1:]
                return out
            self._fill()

    def _exact(self, n):
        while len(self.buf) < n:
            self._fill()
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def _fields(self):
        fields = []
        raw = b""
        while True:
            line = self._line()
            raw += line
            if line in (b"\r\n", b"\n"):
                return fields, raw
            k, _, v = line.decode("latin-1").rstrip("\r\n").partition(":")
            fields.append((k, v.strip(" \t")))

    def read_head(self):
        r = Response()
        line = self._line()
        r.head = line
        parts = line.decode("latin-1").rstrip("\r\n").split(" ", 2)
        r.version = parts[0]
        r.status = int(parts[1])
        r.reason = parts[2] if len(parts) > 2 else ""
        r.headers, raw = self._fields()
        r.head += raw
        return r

    def read_response(self, method="GET", interim=False):
        """Read one response; 1xx heads are collected in .interim (or
        returned alone when interim=True)."""
        seen = []
        while True:
            r = self.read_head()
            if 100 <= r.status < 200 and r.status != 101:
                if interim:
                    return r
                seen.append(r)
                continue
            break
        r.interim = seen
        if method == "HEAD" or r.status in (204, 304) or r.status == 101:
            return r
        te = r.header("transfer-encoding")
        if te and te.lower().split(",")[-1].strip() == "chunked":
            body = []
            while True:
                size = int(self._line().split(b";")[0].strip(), 16)
                if size == 0:
                    r.trailers, _ = self._fields()
                    break
                body.append(self._exact(size))
                if self._exact(2) != b"\r\n":
                    raise AssertionError("bad chunk terminator")
            r.body = b"".join(body)
        elif r.header("content-length") is not None:
            r.body = self._exact(int(r.header("content-length")))
        else:
            r.body = self.read_until_close()
        return r

    def read_until_close(self):
        out = [self.buf]
        self.buf = b""
        while not self.eof:
            data = self.sock.recv(262144)
            if not data:
                self.eof = True
                break
            out.append(data)
        return b"".join(out)

    def closed_by_peer(self, timeout=2.0):
        """True if the peer closes (EOF or reset) within timeout with no
        more data; raises if data arrives instead."""
        if self.buf:
            raise AssertionError("unexpected data: %r" % self.buf[:200])
        if self.eof:
            return True
        old = self.sock.gettimeout()
        self.sock.settimeout(timeout)
        try:
            data = self.sock.recv(65536)
        except socket.timeout:
            return False
        except ConnectionResetError:
            return True
        finally:
            self.sock.settimeout(old)
        if data:
            raise AssertionError("unexpected data: %r" % data[:200])
        self.eof = True
        return True


def get(port, target="/", headers=None, method="GET", body=None, **kw):
    """One request on a fresh connection (closed afterwards)."""
    with Client(port, **kw) as c:
        c.request(method, target, headers=headers, body=body)
        return c.read_response(method)


def exchange(port, data, timeout=5.0, host=LOOPBACK):
    """Send raw bytes, return every byte received until the peer closes."""
    with Client(port, host=host, timeout=timeout) as c:
        c.send(data)
        return c.read_until_close()


def wait_until(cond, timeout=3.0, step=0.02):
    deadline = time.monotonic() + timeout
    while True:
        v = cond()
        if v:
            return v
        if time.monotonic() > deadline:
            return v
        time.sleep(step)


def wait_steady(cond, steady=0.5, timeout=10.0, step=0.02):
    """Wait until cond() has held at every sample for `steady` seconds in a
    row: for states a moving system passes through before it settles (a
    transfer that fills socket buffers before it stalls)."""
    deadline = time.monotonic() + timeout
    since = None
    while time.monotonic() < deadline:
        if cond():
            since = since or time.monotonic()
            if time.monotonic() - since >= steady:
                return True
        else:
            since = None
        time.sleep(step)
    return False


def connect_refused(port, host=LOOPBACK):
    """True if connecting to port is refused now. A connection reset while
    it is being set up counts too: it reached a listening socket that was
    closed under it (what a stopping proxy does)."""
    try:
        s = socket.create_connection((host, port), timeout=1)
    except (ConnectionRefusedError, ConnectionResetError):
        return True
    s.close()
    return False


def cpu_seconds(pid):
    """User + system CPU time the process used so far."""
    with open("/proc/%d/stat" % pid) as f:
        fields = f.read().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def rss_kb(pid):
    with open("/proc/%d/status" % pid) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    raise AssertionError("no VmRSS for pid %d" % pid)


# ------------------------------------------------------------ config texts

def http_cfg(port, servers, glob="", defaults="", fe="", be="",
             balance=None, nbthread=1):
    """An HTTP frontend `fe` on port with backend `be` and the given
    servers: a list of "NAME PORT [options]" strings."""
    lines = ["global", "    nbthread %d" % nbthread]
    lines += ["    " + g for g in glob.strip().splitlines() if g.strip()]
    lines += ["", "defaults", "    mode http", "    timeout connect 1s",
              "    timeout client 5s", "    timeout server 5s"]
    lines += ["    " + d for d in defaults.strip().splitlines() if d.strip()]
    lines += ["", "frontend fe", "    bind 127.0.0.1:%d" % port,
              "    default_backend be"]
    lines += ["    " + x for x in fe.strip().splitlines() if x.strip()]
    lines += ["", "backend be"]
    if balance:
        lines.append("    balance " + balance)
    lines += ["    " + x for x in be.strip().splitlines() if x.strip()]
    for s in servers:
        name, sport, *opts = s.split()
        lines.append("    server %s 127.0.0.1:%s %s" % (name, sport,
                                                       " ".join(opts)))
    return "\n".join(lines) + "\n"


class Blackhole:
    """A loopback port where connects hang: a listener with a full accept
    queue drops new SYNs, so connecting to it times out."""

    def __init__(self):
        self.ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.ls.bind((LOOPBACK, 0))
        self.ls.listen(0)
        self.port = self.ls.getsockname()[1]
        self.fill = []
        for _ in range(3):
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.setblocking(False)
            s.connect_ex((LOOPBACK, self.port))
            self.fill.append(s)
            time.sleep(0.02)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        for s in self.fill + [self.ls]:
            s.close()
