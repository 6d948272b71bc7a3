"""A scripted raw-bytes TCP origin for byte-exact tests: it records every
byte each connection receives and answers with scripted bytes, so a test can
assert on exactly what crossed the proxy in each direction.

It runs in threads of the test process (fixture `raw_origin` in conftest.py),
which lets a test read what was received while the exchange goes on.

A script is a list of steps (until, reply), played in order on one
connection:
  until   None: go on at once; bytes: wait until they were received after
          the point where the previous wait stopped (HEAD waits for the end
          of a head); int: wait for that many more bytes
  reply   bytes sent once the wait is over, or CLOSE to close the
          connection (the script ends there)
A connection whose peer closes during a wait stops its script. After the
last step the connection is read until the peer closes, still recording.
The i-th script given plays on the i-th accepted connection; the last one
plays on every later connection.
"""

import socket
import threading
import time

HEAD = b"\r\n\r\n"
CLOSE = object()


class RawConn:
    """One accepted connection: .data holds every byte received on it."""

    def __init__(self, sock, index, script):
        self.sock, self.index, self.script = sock, index, script
        self.data = bytearray()
        self.peer_closed = False
        self.finished = False        # the connection is over, data is final
        self.cond = threading.Condition()

    def _recv(self):
        try:
            chunk = self.sock.recv(65536)
        except OSError:
            chunk = b""
        with self.cond:
            if chunk:
                self.data += chunk
            else:
                self.peer_closed = True
            self.cond.notify_all()
        return bool(chunk)

    def _wait(self, until, mark):
        """Read until the step's condition holds; returns the new mark, or
        None when the peer closed first."""
        while True:
            if until is None:
                return mark
            if isinstance(until, int):
                if len(self.data) - mark >= until:
                    return mark + until
            else:
                i = self.data.find(until, mark)
                if i >= 0:
                    return i + len(until)
            if not self._recv():
                return None

    def run(self):
        mark = 0
        try:
            for until, reply in self.script:
                mark = self._wait(until, mark)
                if mark is None:
                    return
                if reply is CLOSE:
                    return
                self.sock.sendall(reply)
            while self._recv():
                pass
        except OSError:
            pass
        finally:
            try:
                self.sock.close()
            except OSError:
                pass
            with self.cond:
                self.finished = True
                self.cond.notify_all()


class RawOrigin:
    def __init__(self, scripts, host="127.0.0.1"):
        if not scripts:
            raise ValueError("a raw origin needs at least one script")
        self.scripts = [list(s) for s in scripts]
        self.ls = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.ls.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.ls.bind((host, 0))
        self.ls.listen(64)
        self.port = self.ls.getsockname()[1]
        self.conns = []
        self.threads = []
        self.lock = threading.Condition()
        self.stopping = False
        self.acceptor = threading.Thread(target=self._accept, daemon=True)
        self.acceptor.start()

    def _accept(self):
        while True:
            try:
                sock, _ = self.ls.accept()
            except OSError:
                return
            with self.lock:
                if self.stopping:
                    sock.close()
                    return
                i = len(self.conns)
                c = RawConn(sock, i, self.scripts[min(i, len(self.scripts) - 1)])
                self.conns.append(c)
                t = threading.Thread(target=c.run, daemon=True)
                self.threads.append(t)
                self.lock.notify_all()
            t.start()

    def count(self):
        """Connections accepted so far."""
        with self.lock:
            return len(self.conns)

    def conn(self, i, timeout=3.0):
        """The i-th accepted connection, waiting for it to come."""
        with self.lock:
            if not self.lock.wait_for(lambda: len(self.conns) > i, timeout):
                raise AssertionError("raw origin: connection %d never came "
                                     "(%d accepted)" % (i, len(self.conns)))
            return self.conns[i]

    def received(self, i=0, expect=None, timeout=3.0, settle=0.2):
        """The bytes connection i received. With expect (bytes), first wait
        until that many bytes came or the connection ended; then wait until
        nothing new comes for `settle` seconds, so stray extra bytes show."""
        c = self.conn(i, timeout)
        deadline = time.monotonic() + timeout
        with c.cond:
            if expect is not None:
                c.cond.wait_for(lambda: len(c.data) >= len(expect) or
                                c.finished or c.peer_closed,
                                max(0.0, deadline - time.monotonic()))
            while not c.finished and time.monotonic() < deadline:
                n = len(c.data)
                c.cond.wait(settle)
                if len(c.data) == n:
                    break
            return bytes(c.data)

    def wait_finished(self, i=0, timeout=3.0):
        """True once connection i is over (closed by either side)."""
        c = self.conn(i, timeout)
        with c.cond:
            return c.cond.wait_for(lambda: c.finished, timeout)

    def all_received(self, settle=0.2):
        """What every connection received, in the order they were accepted."""
        time.sleep(settle)
        with self.lock:
            conns = list(self.conns)
        return [self.received(c.index, settle=settle) for c in conns]

    def stop(self):
        with self.lock:
            self.stopping = True
            conns = list(self.conns)
        try:
            self.ls.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.ls.close()
        for c in conns:
            try:
                c.sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        self.acceptor.join(3)
        for t in self.threads:
            t.join(3)
