"""Dynamic buffers under a tiny tune.buffers.limit: connections that cannot
get a buffer wait in line, nothing deadlocks and no byte is lost."""

import hashlib
import json
import os
import socket
import threading

import sluicetest as st


def upload(port, body, chunked):
    with st.Client(port, timeout=30) as c:
        if chunked:
            head = (b"POST /sink HTTP/1.1\r\nHost: x\r\n"
                    b"Transfer-Encoding: chunked\r\n\r\n")
            step = 7001
            parts = [b"%x\r\n%s\r\n" % (len(body[i:i + step]), body[i:i + step])
                     for i in range(0, len(body), step)]
            c.send(head + b"".join(parts) + b"0\r\n\r\n")
        else:
            c.send(b"POST /sink HTTP/1.1\r\nHost: x\r\nContent-Length: %d\r\n\r\n"
                   % len(body) + body)
        r = c.read_response()
        return r.status, json.loads(r.body) if r.status == 200 else None


def download(port, path):
    with st.Client(port, timeout=30) as c:
        c.send(b"GET %s HTTP/1.1\r\nHost: x\r\n\r\n" % path.encode())
        r = c.read_response()
        return r.status, r.body


def test_tiny_buffer_limit_many_clients(sluice, origin):
    port = st.free_port()
    s = sluice(st.http_cfg(port, ["s1 %d" % origin.port], nbthread=2,
                           glob="tune.buffers.limit 3\ntune.buffers.reserve 1",
                           defaults="timeout client 20s\ntimeout server 20s"))
    bodies = [os.urandom(300_000 + 1000 * i) for i in range(12)]
    results, errors = {}, []

    def worker(i):
        try:
            if i < 12:
                results[i] = upload(port, bodies[i], chunked=i % 2 == 0)
            else:
                results[i] = download(port, "/chunked?n=200&size=2000")
        except Exception as e:      # a hang or a cut shows up here
            errors.append((i, repr(e)))

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(24)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not any(t.is_alive() for t in threads), "clients still waiting: deadlock"
    assert not errors, errors
    for i in range(12):
        status, info = results[i]
        assert status == 200, (i, status)
        assert info["bytes"] == len(bodies[i]), (i, info)
        assert info["sha256"] == hashlib.sha256(bodies[i]).hexdigest(), i
    for i in range(12, 24):
        status, body = results[i]
        assert status == 200 and len(body) == 200 * 2000, (i, status, len(body))
    info = s.info()
    assert info["buffers_limit"] == 3, info
    assert info["buffer_waits"] > 0, "the limit was never reached: test too weak"
    assert st.wait_until(lambda: s.info()["buffers_used"] == 0), s.info()
    assert s.info()["buffer_waiters"] == 0


def test_waiting_for_a_buffer_still_times_out(sluice, origin):
    """With the buffers held by downloads whose clients do not read, a new
    client waits; its http-request timeout still fires and it is closed
    without needing a buffer."""
    port = st.free_port()
    s = sluice(st.http_cfg(port, ["s1 %d" % origin.port],
                           glob="tune.buffers.limit 3\ntune.buffers.reserve 1",
                           defaults="timeout http-request 500ms\n"
                                    "timeout client 3s\ntimeout server 3s"))
    holders = []
    for _ in range(2):
        c = st.Client(port)
        c.sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        # a big response the client never reads: its buffers stay full
        c.send(b"GET /chunked?n=2000&size=10000 HTTP/1.1\r\nHost: x\r\n\r\n")
        holders.append(c)
    # until the socket buffers are full a holder's buffer empties and is
    # given back between reads: wait for the stall, not for a passing moment
    assert st.wait_steady(lambda: s.info()["buffers_used"] >= 2, steady=0.5,
                          timeout=20), s.info()
    with st.Client(port) as c:
        c.send(b"GET /id HTTP/1.1\r\nHost: x\r\n\r\n")
        assert c.closed_by_peer(timeout=3.0)
    assert s.info()["buffer_waits"] >= 1, "the new client never waited"
    for c in holders:
        c.close()
    assert st.wait_until(lambda: s.info()["buffers_used"] == 0, timeout=5), s.info()
    # and the proxy serves normally again
    assert st.get(port, "/id").status == 200
