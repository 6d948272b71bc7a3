"""WebSocket: the 101 is relayed, then a two-way tunnel (timeout tunnel)."""

import base64
import hashlib
import os
import time

import sluicetest as st
from origin import WS_GUID, ws_frame


def handshake(port):
    key = base64.b64encode(os.urandom(16)).decode()
    c = st.Client(port)
    c.request("GET", "/ws", [("Upgrade", "websocket"),
                             ("Connection", "Upgrade"),
                             ("Sec-WebSocket-Key", key),
                             ("Sec-WebSocket-Version", "13")])
    r = c.read_response()
    assert r.status == 101, r
    assert r.header("upgrade", "").lower() == "websocket", r.headers
    assert r.has_token("connection", "upgrade"), r.headers
    want = base64.b64encode(hashlib.sha1((key + WS_GUID).encode())
                            .digest()).decode()
    assert r.header("sec-websocket-accept") == want
    return c


def roundtrip(c, opcode, payload):
    c.send(ws_frame(opcode, payload, mask=os.urandom(4)))
    want = ws_frame(opcode, payload)
    got = c._exact(len(want))
    assert got == want


def test_websocket_echo(sluice, origin):
    port = st.free_port()
    s = sluice(st.http_cfg(port, ["s1 %d" % origin.port],
                           defaults="timeout tunnel 5s"))
    c = handshake(port)
    try:
        roundtrip(c, 1, b"hello through sluice")
        roundtrip(c, 2, os.urandom(200000))
        c.send(ws_frame(9, b"p", mask=b"abcd"))
        assert c._exact(3) == ws_frame(10, b"p")
        c.send(ws_frame(8, b"\x03\xe8", mask=b"abcd"))
        assert c._exact(4) == ws_frame(8, b"\x03\xe8")
        assert c.closed_by_peer(3)
    finally:
        c.close()
    s.wait_stats({"fe.fe.rsp_1xx": 1, "fe.fe.cur_conns": 0,
                  "fe.fe.rsp_5xx": 0})


def test_websocket_uses_tunnel_timeout(sluice, origin):
    """Once upgraded, the tunnel timeout replaces client/server timeouts."""
    port = st.free_port()
    sluice(st.http_cfg(port, ["s1 %d" % origin.port],
                       defaults="timeout tunnel 3s\ntimeout server 300ms\n"
                                "timeout client 300ms"))
    c = handshake(port)
    try:
        time.sleep(0.8)
        roundtrip(c, 1, b"still there")
    finally:
        c.close()


def test_websocket_tunnel_timeout_closes(sluice, origin):
    port = st.free_port()
    sluice(st.http_cfg(port, ["s1 %d" % origin.port],
                       defaults="timeout tunnel 400ms"))
    c = handshake(port)
    try:
        roundtrip(c, 1, b"x")
        t0 = time.monotonic()
        assert c.closed_by_peer(3), "idle tunnel not closed"
        assert time.monotonic() - t0 < 2.0
    finally:
        c.close()


def test_upgrade_refused_by_origin_stays_http(sluice, origin):
    port = st.free_port()
    sluice(st.http_cfg(port, ["s1 %d" % origin.port]))
    with st.Client(port) as c:
        c.request("GET", "/id", [("Upgrade", "websocket"),
                                 ("Connection", "Upgrade"),
                                 ("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="),
                                 ("Sec-WebSocket-Version", "13")])
        r = c.read_response()
        assert r.status == 200 and r.body == b"o1\n"
        c.request("GET", "/id")
        assert c.read_response().status == 200
