#!/usr/bin/python3
"""Test origin for sluice's integration tests: a small HTTP/1.1 server (stdlib
only) whose behaviour is chosen by the request path, good and bad on purpose.

Run: origin.py [--name NAME] [--host 127.0.0.1] [--tcp]
It binds a free port, prints "PORT <n>" on stdout, then serves until killed.

Every HTTP response carries X-Origin (the --name), X-Conn (the id of the
connection it was sent on, 1 for the first accepted) and X-Req (the index of
the request on that connection, from 1), so tests can see server-side reuse.

Paths (query strings as ?k=v&k2=v2):
  /echo             JSON: method, path, version, headers, body, trailers
  /sink             reads the body without keeping it; JSON: bytes, sha256
  /expect           like /sink, says whether Expect: 100-continue was seen
  /chunked?n=&size=&ms=   chunked response (n chunks of size bytes, ms
                    apart) with trailers
  /slow?ms=N        waits N ms before answering
  /drip?size=&chunk=&ms=   Content-Length body sent chunk by chunk, slowly
  /close-early      sends part of a response head, then closes
  /reset            resets the connection (SO_LINGER 0) without answering
  /malformed?kind=  invalid response head (status, header, cl, nul)
  /huge-headers     response head of about 64 KB
  /no-length?size=  body without length, delimited by closing
  /status/N         answers with status N
  /hop              response carrying hop-by-hop headers
  /early            answers at once without reading the request body
  /ws               WebSocket handshake, then echoes frames
  /count            number of connections accepted so far
  /inflight         number of requests being served now, this one excluded
  /id               the origin's name
  /truncated        Content-Length 100000 but closes after 1000 bytes
Query options on every path: close=1 (answer with Connection: close and close),
idle_ms=N (close the connection if no next request comes within N ms).
  anything else     200 "ok\n"

With --tcp it is a TCP echo server instead: it echoes what it reads, and when
the client shuts down its write side it sends "BYE <bytes>\\n" and closes.
"""

import argparse
import base64
import hashlib
import json
import socket
import struct
import sys
import threading
import time
import urllib.parse

MAX_HEAD = 256 * 1024
WS_GUID = "258EAFA5-E914-47DA-95CA-C5AB0DC85B11"

lock = threading.Lock()
state = {"conns": 0, "inflight": 0}
NAME = "origin"


class BadRequest(Exception):
    pass


class Closed(Exception):
    pass


class Reader:
    """Buffered reads over a socket, with line and exact-size reads."""

    def __init__(self, sock):
        self.sock = sock
        self.buf = b""

    def _fill(self):
        data = self.sock.recv(65536)
        if not data:
            raise Closed()
        self.buf += data

    def line(self, limit=MAX_HEAD):
        while True:
            i = self.buf.find(b"\n")
            if i >= 0:
                out, self.buf = self.buf[:i + 1], self.buf[i + 1:]
                return out
            if len(self.buf) > limit:
                raise BadRequest("line too long")
            self._fill()

    def exact(self, n):
        while len(self.buf) < n:
            self._fill()
        out, self.buf = self.buf[:n], self.buf[n:]
        return out

    def some(self, n):
        """Up to n bytes, at least one."""
        if not self.buf:
            self._fill()
        out, self.buf = self.buf[:n], self.buf[n:]
        return out


class Request:
    def __init__(self):
        self.method = self.target = self.version = ""
        self.headers = []
        self.trailers = []

    def get(self, name, default=None):
        name = name.lower()
        for k, v in self.headers:
            if k.lower() == name:
                return v
        return default

    def get_all(self, name):
        return [v for k, v in self.headers if k.lower() == name.lower()]

    @property
    def path(self):
        return self.target.split("?", 1)[0]

    @property
    def query(self):
        q = self.target.split("?", 1)[1] if "?" in self.target else ""
        return dict(urllib.parse.parse_qsl(q))

    def qint(self, name, default):
        return int(self.query.get(name, default))

    def qstr(self, name, default=None):
        return self.query.get(name, default)


def read_head(rd):
    """Read a request head; None on a clean close before any byte."""
    req = Request()
    try:
        line = rd.line()
    except Closed:
        return None
    while line in (b"\r\n", b"\n"):     # tolerate empty lines between requests
        line = rd.line()
    parts = line.decode("latin-1").rstrip("\r\n").split(" ")
    if len(parts) != 3:
        raise BadRequest("bad request line %r" % line)
    req.method, req.target, req.version = parts
    req.headers = read_fields(rd)
    return req


def read_fields(rd):
    fields = []
    total = 0
    while True:
        line = rd.line()
        total += len(line)
        if total > MAX_HEAD:
            raise BadRequest("head too large")
        if line in (b"\r\n", b"\n"):
            return fields
        text = line.decode("latin-1").rstrip("\r\n")
        if ":" not in text:
            raise BadRequest("bad header %r" % text)
        k, v = text.split(":", 1)
        fields.append((k, v.strip(" \t")))


def body_chunks(rd, req):
    """Yield the request body in pieces (chunked or Content-Length)."""
    te = req.get("transfer-encoding")
    if te is not None:
        if te.lower().split(",")[-1].strip() != "chunked":
            raise BadRequest("unsupported transfer-encoding")
        while True:
            line = rd.line(4096).decode("latin-1").strip()
            size = int(line.split(";", 1)[0], 16)
            if size == 0:
                req.trailers = read_fields(rd)
                return
            left = size
            while left:
                piece = rd.some(min(left, 65536))
                left -= len(piece)
                yield piece
            if rd.exact(2) != b"\r\n":
                raise BadRequest("bad chunk end")
    cl = req.get("content-length")
    if cl is None:
        return
    left = int(cl)
    while left:
        piece = rd.some(min(left, 65536))
        left -= len(piece)
        yield piece


def wants_close(req):
    conn = (req.get("connection") or "").lower()
    tokens = [t.strip() for t in conn.split(",")]
    if req.version == "HTTP/1.0":
        return "keep-alive" not in tokens
    return "close" in tokens


REASONS = {100: "Continue", 101: "Switching Protocols", 200: "OK",
           204: "No Content", 301: "Moved Permanently", 304: "Not Modified",
           400: "Bad Request", 404: "Not Found", 500: "Internal Server Error",
           503: "Service Unavailable"}


class Handler:
    def __init__(self, sock, conn_id):
        self.sock = sock
        self.rd = Reader(sock)
        self.conn_id = conn_id
        self.nreq = 0

    def head(self, status, headers, close):
        lines = ["HTTP/1.1 %d %s" % (status, REASONS.get(status, "Status"))]
        lines += ["X-Origin: %s" % NAME, "X-Conn: %d" % self.conn_id,
                  "X-Req: %d" % self.nreq]
        lines += ["%s: %s" % kv for kv in headers]
        if close:
            lines.append("Connection: close")
        return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")

    def respond(self, req, status, body=b"", headers=(), close=False):
        headers = list(headers)
        no_body = status in (204, 304) or status < 200
        if not no_body:
            headers.append(("Content-Length", str(len(body))))
        data = self.head(status, headers, close)
        if req.method != "HEAD" and not no_body:
            data += body
        self.sock.sendall(data)
        return not close

    def serve(self):
        while True:
            req = read_head(self.rd)
            if req is None:
                return
            self.nreq += 1
            with lock:
                state["inflight"] += 1
            try:
                keep = self.dispatch(req)
            finally:
                with lock:
                    state["inflight"] -= 1
            if not keep:
                return
            idle = req.query.get("idle_ms")
            self.sock.settimeout(int(idle) / 1000.0 if idle else None)

    def send_continue(self, req):
        if (req.get("expect") or "").lower() == "100-continue":
            self.sock.sendall(b"HTTP/1.1 100 Continue\r\n\r\n")
            return True
        return False

    def dispatch(self, req):
        path = req.path
        close = wants_close(req) or req.query.get("close") == "1"
        if path == "/early":
            self.respond(req, 200, b"early\n", close=True)
            try:
                self.sock.settimeout(2)
                for _ in body_chunks(self.rd, req):
                    pass
            except Exception:
                pass
            return False
        saw_expect = self.send_continue(req) if path != "/ws" else False
        if path in ("/sink", "/expect"):
            h = hashlib.sha256()
            n = 0
            for piece in body_chunks(self.rd, req):
                h.update(piece)
                n += len(piece)
            out = {"bytes": n, "sha256": h.hexdigest(), "expect": saw_expect,
                   "chunked": req.get("transfer-encoding") is not None,
                   "trailers": req.trailers}
            return self.respond(req, 200, json.dumps(out).encode(),
                                [("Content-Type", "application/json")], close)
        body = b"".join(body_chunks(self.rd, req))
        if path == "/echo":
            out = {"method": req.method, "target": req.target,
                   "version": req.version, "headers": req.headers,
                   "body": body.decode("latin-1"), "trailers": req.trailers,
                   "expect": saw_expect,
                   "peer": list(self.sock.getpeername()[:2])}
            extra = [("Content-Type", "application/json")]
            setc = req.qstr("setcookie")
            if setc:                      # /echo?setcookie=<urlencoded value>
                extra.append(("Set-Cookie", setc))
            return self.respond(req, 200, json.dumps(out).encode(), extra, close)
        if path == "/chunked":
            return self.chunked(req, close)
        if path == "/slow":
            time.sleep(req.qint("ms", 1000) / 1000.0)
            return self.respond(req, 200, b"slow\n", close=close)
        if path == "/drip":
            return self.drip(req, close)
        if path == "/close-early":
            self.sock.sendall(b"HTTP/1.1 200 OK\r\nContent-Le")
            return False
        if path == "/reset":
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER,
                                 struct.pack("ii", 1, 0))
            return False
        if path == "/malformed":
            self.malformed(req.query.get("kind", "status"))
            return False
        if path == "/huge-headers":
            fill = [("X-Filler-%02d" % i, "x" * 1000) for i in range(64)]
            return self.respond(req, 200, b"huge\n", fill, close)
        if path == "/no-length":
            size = req.qint("size", 100000)
            self.sock.sendall(self.head(200, [("Content-Type", "text/plain")],
                                        False))
            if req.method != "HEAD":
                self.sock.sendall(pattern(size))
            return False
        if path.startswith("/status/"):
            code = int(path.split("/")[2])
            hdrs = [("ETag", '"v1"')] if code == 304 else []
            return self.respond(req, code, b"status %d\n" % code, hdrs, close)
        if path == "/hop":
            hdrs = [("Connection", "X-Secret"), ("X-Secret", "1"),
                    ("Proxy-Connection", "keep-alive"),
                    ("Keep-Alive", "timeout=5")]
            return self.respond(req, 200, b"hop\n", hdrs, close)
        if path == "/ws":
            return self.websocket(req)
        if path == "/count":
            with lock:
                n = state["conns"]
            return self.respond(req, 200, b"%d\n" % n, close=close)
        if path == "/inflight":
            with lock:
                n = state["inflight"] - 1
            return self.respond(req, 200, b"%d\n" % n, close=close)
        if path == "/truncated":
            self.sock.sendall(self.head(200, [("Content-Length", "100000")],
                                        False) + pattern(1000))
            return False
        if path == "/id":
            return self.respond(req, 200, NAME.encode() + b"\n", close=close)
        return self.respond(req, 200, b"ok\n", close=close)

    def chunked(self, req, close):
        n = req.qint("n", 5)
        size = req.qint("size", 1000)
        delay = req.qint("ms", 0) / 1000.0
        h = hashlib.sha256()
        self.sock.sendall(self.head(200, [
            ("Transfer-Encoding", "chunked"),
            ("Trailer", "X-Trailer, X-Checksum")], close))
        if req.method == "HEAD":
            return not close
        for i in range(n):
            data = pattern(size, i)
            h.update(data)
            self.sock.sendall(b"%x\r\n%s\r\n" % (len(data), data))
            if delay:
                time.sleep(delay)
        self.sock.sendall(b"0\r\nX-Trailer: done\r\nX-Checksum: %s\r\n\r\n"
                          % h.hexdigest().encode())
        return not close

    def drip(self, req, close):
        size = req.qint("size", 100000)
        chunk = req.qint("chunk", 10000)
        delay = req.qint("ms", 10) / 1000.0
        self.sock.sendall(self.head(200, [("Content-Length", str(size))],
                                    close))
        if req.method == "HEAD":
            return not close
        sent = 0
        while sent < size:
            n = min(chunk, size - sent)
            self.sock.sendall(pattern(n))
            sent += n
            time.sleep(delay)
        return not close

    def malformed(self, kind):
        heads = {
            "status": b"HTTP/1.1 abc Bad\r\nContent-Length: 2\r\n\r\nok",
            "header": b"HTTP/1.1 200 OK\r\nNo colon here\r\n"
                      b"Content-Length: 2\r\n\r\nok",
            "cl": b"HTTP/1.1 200 OK\r\nContent-Length: abc\r\n\r\nok",
            "nul": b"HTTP/1.1 200 OK\r\nX-Bad: a\0b\r\n"
                   b"Content-Length: 2\r\n\r\nok",
            "garbage": b"\x16\x03\x01 this is not HTTP at all\r\n\r\n",
        }
        self.sock.sendall(heads[kind])

    def websocket(self, req):
        key = req.get("sec-websocket-key")
        if (req.get("upgrade") or "").lower() != "websocket" or not key:
            return self.respond(req, 400, b"not a websocket request\n",
                                close=True)
        accept = base64.b64encode(hashlib.sha1(
            (key + WS_GUID).encode()).digest()).decode()
        self.sock.sendall(
            b"HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n"
            b"Connection: Upgrade\r\nSec-WebSocket-Accept: %s\r\n\r\n"
            % accept.encode())
        while True:
            try:
                fin, opcode, payload = ws_read_frame(self.rd)
            except Closed:
                return False
            if opcode == 8:
                self.sock.sendall(ws_frame(8, payload[:2]))
                return False
            if opcode == 9:
                self.sock.sendall(ws_frame(10, payload))
                continue
            self.sock.sendall(ws_frame(opcode, payload, fin=fin))


def ws_read_frame(rd):
    b0, b1 = rd.exact(2)
    fin, opcode = bool(b0 & 0x80), b0 & 0x0F
    masked, n = bool(b1 & 0x80), b1 & 0x7F
    if n == 126:
        n = struct.unpack("!H", rd.exact(2))[0]
    elif n == 127:
        n = struct.unpack("!Q", rd.exact(8))[0]
    mask = rd.exact(4) if masked else b"\0\0\0\0"
    data = rd.exact(n)
    if masked:
        data = bytes(c ^ mask[i % 4] for i, c in enumerate(data))
    return fin, opcode, data


def ws_frame(opcode, payload, fin=True, mask=None):
    """Encode one WebSocket frame (masked when mask, 4 bytes, is given)."""
    b0 = (0x80 if fin else 0) | opcode
    n = len(payload)
    mbit = 0x80 if mask else 0
    if n < 126:
        head = struct.pack("!BB", b0, mbit | n)
    elif n < 65536:
        head = struct.pack("!BBH", b0, mbit | 126, n)
    else:
        head = struct.pack("!BBQ", b0, mbit | 127, n)
    if mask:
        payload = bytes(c ^ mask[i % 4] for i, c in enumerate(payload))
        head += mask
    return head + payload


def pattern(n, seed=0):
    """n bytes of a printable pattern, different per seed."""
    unit = (b"%08d-0123456789abcdefghijklmnopqrstuvwxyz-" % seed) * 64
    out = unit * (n // len(unit) + 1)
    return out[:n]


def serve_http(sock, conn_id):
    h = Handler(sock, conn_id)
    try:
        h.serve()
    except (Closed, ConnectionError, socket.timeout):
        pass
    except BadRequest as e:
        try:
            sock.sendall(b"HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n"
                         b"Connection: close\r\n\r\n")
        except OSError:
            pass
        print("origin %s: bad request: %s" % (NAME, e), file=sys.stderr)
    except Exception as e:             # keep serving other connections
        print("origin %s: error: %r" % (NAME, e), file=sys.stderr)
    finally:
        try:
            sock.close()
        except OSError:
            pass


def serve_tcp(sock, conn_id):
    n = 0
    try:
        while True:
            data = sock.recv(65536)
            if not data:
                break
            n += len(data)
            sock.sendall(data)
        sock.sendall(b"BYE %d\n" % n)
        sock.shutdown(socket.SHUT_WR)
    except OSError:
        pass
    finally:
        sock.close()


def main():
    global NAME
    ap = argparse.ArgumentParser()
    ap.add_argument("--name", default="origin")
    ap.add_argument("--host", default="127.0.0.1")
    ap.add_argument("--tcp", action="store_true")
    args = ap.parse_args()
    NAME = args.name
    family = socket.AF_INET6 if ":" in args.host else socket.AF_INET
    ls = socket.socket(family, socket.SOCK_STREAM)
    ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    ls.bind((args.host, 0))
    ls.listen(128)
    print("PORT %d" % ls.getsockname()[1], flush=True)
    target = serve_tcp if args.tcp else serve_http
    while True:
        s, _ = ls.accept()
        with lock:
            state["conns"] += 1
            cid = state["conns"]
        threading.Thread(target=target, args=(s, cid), daemon=True).start()


if __name__ == "__main__":
    main()
