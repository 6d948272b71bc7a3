"""HTTP/1.1 conformance of what sluice forwards, byte for byte: each test
sends raw bytes through sluice to the raw origin (raworigin.py) and asserts
on exactly what the origin received and exactly what the client received.
"""

import pytest

import sluicetest as st
from raworigin import CLOSE, HEAD

OK0 = b"HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"


@pytest.fixture
def proxy(sluice, raw_origin):
    """Factory: proxy(script, ...) -> (sluice port, raw origin)."""
    def start(*scripts):
        o = raw_origin(*scripts)
        port = st.free_port()
        sluice(st.http_cfg(port, ["s1 %d" % o.port],
                           defaults="timeout tunnel 5s"))
        return port, o
    return start


def error_page(status, reason, text):
    """The exact answer h1_emit_error() gives."""
    body = ("<html><body><h1>%d %s</h1>\n%s\n</body></html>\n"
            % (status, reason, text)).encode()
    return (b"HTTP/1.1 %d %s\r\ncontent-length: %d\r\ncache-control: no-cache"
            b"\r\ncontent-type: text/html\r\nconnection: close\r\n\r\n"
            % (status, reason.encode(), len(body))) + body


BAD_REQUEST = error_page(400, "Bad Request", "Your browser sent an invalid request.")


# ------------------------------------------------------------------ CONNECT

def test_connect_2xx_tunnel_is_byte_exact(proxy):
    """After a 2xx to CONNECT, each side gets exactly the other's bytes: the
    head is not replayed into the tunnel (RFC 9110 9.3.6)."""
    head = b"CONNECT t.example:443 HTTP/1.1\r\nHost: t.example:443\r\n\r\n"
    established = b"HTTP/1.1 200 Connection established\r\n\r\n"
    hello = b"\x16\x03\x01\x00\x05hello-from-client"
    reply = b"\x16\x03\x03\x00\x05hello-from-server"
    port, o = proxy([(HEAD, established), (len(hello), reply),
                     (b"bye", b"ciao")])
    with st.Client(port) as c:
        c.send(head)
        assert c._exact(len(established)) == established
        c.send(hello)
        assert c._exact(len(reply)) == reply
        c.send(b"bye")
        assert c._exact(4) == b"ciao"
        assert o.received(0, head + hello + b"bye") == head + hello + b"bye"
    assert o.count() == 1


def test_connect_client_bytes_sent_with_the_head_go_through_once(proxy):
    """Bytes the client sent right behind its CONNECT head wait for the
    answer and then enter the tunnel, once."""
    head = b"CONNECT t.example:22 HTTP/1.1\r\nHost: t.example:22\r\n\r\n"
    established = b"HTTP/1.1 200 OK\r\n\r\n"
    banner = b"SSH-2.0-client\r\n"
    port, o = proxy([(HEAD, established + b"SSH-2.0-server\r\n")])
    with st.Client(port) as c:
        c.send(head + banner)
        want = established + b"SSH-2.0-server\r\n"
        assert c._exact(len(want)) == want
        assert o.received(0, head + banner) == head + banner


def test_connect_refused_stays_http(proxy):
    """A non-2xx answer to CONNECT is an ordinary response: the client
    connection goes on with HTTP."""
    head = b"CONNECT t.example:443 HTTP/1.1\r\nHost: t.example:443\r\n\r\n"
    refused = b"HTTP/1.1 403 Forbidden\r\nContent-Length: 5\r\n\r\nnope\n"
    get = b"GET /next HTTP/1.1\r\nHost: x\r\n\r\n"
    port, o = proxy([(HEAD, refused), (HEAD, OK0)], [(HEAD, OK0)])
    with st.Client(port) as c:
        c.send(head)
        want = b"HTTP/1.1 403 Forbidden\r\ncontent-length: 5\r\n\r\nnope\n"
        assert c._exact(len(want)) == want
        c.send(get)
        want = b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n"
        assert c._exact(len(want)) == want
    assert b"".join(o.all_received()) == head + get


def test_connect_2xx_framing_headers_dropped(proxy):
    """A 2xx to CONNECT has no body: a Transfer-Encoding or Content-Length
    the origin put in it is not passed on (RFC 9110 9.3.6)."""
    head = b"CONNECT t.example:443 HTTP/1.1\r\nHost: t.example:443\r\n\r\n"
    port, o = proxy([(HEAD, b"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n"
                            b"X-A: 1\r\n\r\nserver-first")])
    with st.Client(port) as c:
        c.send(head)
        want = b"HTTP/1.1 200 OK\r\nX-A: 1\r\n\r\nserver-first"
        assert c._exact(len(want)) == want
        c.send(b"tunnel")
        assert o.received(0, head + b"tunnel") == head + b"tunnel"


# ------------------------------------------------- Transfer-Encoding codings

def test_request_codings_before_chunked_kept(proxy):
    """`gzip, chunked` reaches the origin as such, over one field or
    several, with the chunked body as received (RFC 9112 6.1)."""
    body = b"5\r\n\x1f\x8b\x08\x00\x00\r\n0\r\n\r\n"
    sent = [b"POST /up HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip, chunked"
            b"\r\n\r\n" + body,
            b"POST /up HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: gzip\r\n"
            b"X-A: 1\r\nTransfer-Encoding: chunked\r\n\r\n" + body]
    want = [b"POST /up HTTP/1.1\r\nHost: x\r\ntransfer-encoding: gzip, chunked"
            b"\r\n\r\n" + body,
            b"POST /up HTTP/1.1\r\nHost: x\r\nX-A: 1\r\n"
            b"transfer-encoding: gzip, chunked\r\n\r\n" + body]
    port, o = proxy([(b"0\r\n\r\n", OK0)] * 2)
    with st.Client(port) as c:
        for i, data in enumerate(sent):
            c.send(data)
            ok = b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n"
            assert c._exact(len(ok)) == ok
    assert b"".join(o.all_received()) == b"".join(want)


def test_response_codings_before_chunked_kept(proxy):
    rsp = (b"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n"
           b"3\r\n\x1f\x8b\x08\r\n0\r\n\r\n")
    port, o = proxy([(HEAD, rsp)])
    with st.Client(port) as c:
        c.send(b"GET /z HTTP/1.1\r\nHost: x\r\n\r\n")
        want = (b"HTTP/1.1 200 OK\r\ntransfer-encoding: gzip, chunked\r\n\r\n"
                b"3\r\n\x1f\x8b\x08\r\n0\r\n\r\n")
        assert c._exact(len(want)) == want
    assert o.received(0) == b"GET /z HTTP/1.1\r\nHost: x\r\n\r\n"


BAD_GATEWAY = error_page(502, "Bad Gateway",
                         "The server returned an invalid or incomplete response.")


@pytest.mark.parametrize("te,body", [
    (b"gzip, chunked", b"3\r\n\x1f\x8b\x08\r\n0\r\n\r\n"),
    (b"gzip", b"\x1f\x8b\x08")], ids=["gzip-chunked", "gzip-until-close"])
def test_response_codings_to_http10_client_refused(proxy, te, body):
    """An HTTP/1.0 client cannot be sent a Transfer-Encoding (RFC 9112 6.1)
    and removing chunked alone would hide the other codings: 502."""
    port, o = proxy([(HEAD, b"HTTP/1.1 200 OK\r\nTransfer-Encoding: " + te +
                      b"\r\n\r\n" + body)])
    raw = st.exchange(port, b"GET /z HTTP/1.0\r\n\r\n")
    assert raw == BAD_GATEWAY
    assert o.received(0) == b"GET /z HTTP/1.0\r\nconnection: keep-alive\r\n\r\n"


def test_chunked_alone_to_http10_client_is_dechunked(proxy):
    port, o = proxy([(HEAD, b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked"
                            b"\r\n\r\n3\r\nabc\r\n2\r\nde\r\n0\r\n\r\n")])
    raw = st.exchange(port, b"GET /z HTTP/1.0\r\n\r\n")
    assert raw == b"HTTP/1.1 200 OK\r\nconnection: close\r\n\r\nabcde"
    assert o.received(0) == b"GET /z HTTP/1.0\r\nconnection: keep-alive\r\n\r\n"


def test_bodyless_response_to_http10_client_has_no_transfer_encoding(proxy):
    port, o = proxy([(HEAD, b"HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, "
                            b"chunked\r\nX-A: 1\r\n\r\n")])
    raw = st.exchange(port, b"HEAD /z HTTP/1.0\r\n\r\n")
    assert raw == b"HTTP/1.1 200 OK\r\nX-A: 1\r\nconnection: close\r\n\r\n"
    assert o.received(0) == b"HEAD /z HTTP/1.0\r\nconnection: keep-alive\r\n\r\n"


# ------------------------------------ framing headers of bodiless statuses

OK0_OUT = b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n"

BODILESS = [
    # 204 and 1xx: neither Content-Length nor Transfer-Encoding (RFC 9110
    # 8.6, RFC 9112 6.1); 304: Content-Length may stay, no Transfer-Encoding
    ("204-te", b"HTTP/1.1 204 No Content\r\nTransfer-Encoding: chunked\r\n"
               b"X-A: 1\r\n\r\n",
               b"HTTP/1.1 204 No Content\r\nX-A: 1\r\n\r\n"),
    ("204-cl", b"HTTP/1.1 204 No Content\r\nContent-Length: 5\r\n\r\n",
               b"HTTP/1.1 204 No Content\r\n\r\n"),
    ("204-te-coding", b"HTTP/1.1 204 No Content\r\nTransfer-Encoding: gzip\r\n\r\n",
                      b"HTTP/1.1 204 No Content\r\n\r\n"),
    ("304-cl", b"HTTP/1.1 304 Not Modified\r\nETag: \"a\"\r\nContent-Length: 5"
               b"\r\n\r\n",
               b"HTTP/1.1 304 Not Modified\r\nETag: \"a\"\r\ncontent-length: 5"
               b"\r\n\r\n"),
    ("304-te", b"HTTP/1.1 304 Not Modified\r\nTransfer-Encoding: chunked\r\n\r\n",
               b"HTTP/1.1 304 Not Modified\r\n\r\n"),
    ("103-te-cl", b"HTTP/1.1 103 Early Hints\r\nLink: </s.css>; rel=preload\r\n"
                  b"Transfer-Encoding: gzip\r\n\r\n"
                  b"HTTP/1.1 100 Continue\r\nContent-Length: 5\r\n\r\n"
                  b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok",
                  b"HTTP/1.1 103 Early Hints\r\nLink: </s.css>; rel=preload\r\n\r\n"
                  b"HTTP/1.1 100 Continue\r\n\r\n"
                  b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok"),
]


@pytest.mark.parametrize("rsp,want", [c[1:] for c in BODILESS],
                         ids=[c[0] for c in BODILESS])
def test_bodiless_statuses_lose_framing_headers(proxy, rsp, want):
    """Nor does a body follow: the next response on the connection is the
    next one the origin sent."""
    get = b"GET /a HTTP/1.1\r\nHost: x\r\n\r\n"
    port, o = proxy([(HEAD, rsp), (HEAD, OK0)], [(HEAD, OK0)])
    with st.Client(port) as c:
        c.send(get)
        assert c._exact(len(want)) == want
        c.send(get)
        assert c._exact(len(OK0_OUT)) == OK0_OUT
        assert c.buf == b""
    assert b"".join(o.all_received()) == get + get


# ------------------------------------------------- absolute-form and Host

ABSOLUTE = [
    ("other-host", b"GET http://a.example/x HTTP/1.1\r\nHost: b.example\r\n",
                   b"GET http://a.example/x HTTP/1.1\r\nHost: a.example\r\n"),
    ("userinfo-port", b"GET http://u:p@a.example:8080/x?q=1 HTTP/1.1\r\n"
                      b"X-A: 1\r\nhost: b.example\r\n",
                      b"GET http://u:p@a.example:8080/x?q=1 HTTP/1.1\r\n"
                      b"X-A: 1\r\nhost: a.example:8080\r\n"),
    ("no-path", b"OPTIONS HTTPS://A.example:443 HTTP/1.1\r\nHost: b\r\n",
                b"OPTIONS HTTPS://A.example:443 HTTP/1.1\r\nHost: A.example:443\r\n"),
    ("query-at-once", b"GET http://[::1]:81?x HTTP/1.1\r\nHost: b\r\n",
                      b"GET http://[::1]:81?x HTTP/1.1\r\nHost: [::1]:81\r\n"),
    ("http10", b"GET http://a.example/ HTTP/1.0\r\nHost: b.example\r\n",
               b"GET http://a.example/ HTTP/1.0\r\nHost: a.example\r\n"
               b"connection: keep-alive\r\n"),
    ("same-host", b"GET http://a.example/ HTTP/1.1\r\nHost: a.example\r\n",
                  b"GET http://a.example/ HTTP/1.1\r\nHost: a.example\r\n"),
    ("origin-form", b"GET /x HTTP/1.1\r\nHost: b.example\r\n",
                    b"GET /x HTTP/1.1\r\nHost: b.example\r\n"),
]


@pytest.mark.parametrize("sent,want", [c[1:] for c in ABSOLUTE],
                         ids=[c[0] for c in ABSOLUTE])
def test_absolute_form_host_is_the_target_authority(proxy, sent, want):
    """A proxy forwarding an absolute-form target sends a Host made from
    its authority, not the received one (RFC 9112 3.2.2); the target is
    forwarded as received."""
    port, o = proxy([(HEAD, OK0)])
    answer = OK0_OUT
    if b" HTTP/1.0\r\n" in sent:
        answer = answer[:-2] + b"connection: close\r\n\r\n"
    with st.Client(port) as c:
        c.send(sent + b"\r\n")
        assert c._exact(len(answer)) == answer
    assert o.received(0) == want + b"\r\n"


# ---------------------------------------------------------------- versions

@pytest.mark.parametrize("minor", [b"2", b"9"])
def test_higher_minor_version_is_http11(proxy, minor):
    """HTTP/1.2 and up are handled as HTTP/1.1, the highest 1.x sluice
    implements (RFC 9110 2.5), both ways."""
    port, o = proxy([(HEAD, b"HTTP/1." + minor + b" 200 OK\r\nContent-Length: 2"
                            b"\r\n\r\nok"), (HEAD, OK0)], [(HEAD, OK0)])
    with st.Client(port) as c:
        c.send(b"GET /v HTTP/1." + minor + b"\r\nHost: x\r\n\r\n")
        want = b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\n\r\nok"
        assert c._exact(len(want)) == want
        c.send(b"GET /w HTTP/1.1\r\nHost: x\r\n\r\n")
        assert c._exact(len(OK0_OUT)) == OK0_OUT
    assert b"".join(o.all_received()) == (b"GET /v HTTP/1.1\r\nHost: x\r\n\r\n"
                                          b"GET /w HTTP/1.1\r\nHost: x\r\n\r\n")


def test_higher_minor_version_needs_host(proxy):
    port, o = proxy([(HEAD, OK0)])
    assert st.exchange(port, b"GET /v HTTP/1.2\r\n\r\n") == BAD_REQUEST
    assert o.count() == 0


VERSION_NOT_SUPPORTED = error_page(
    505, "HTTP Version Not Supported",
    "Your browser sent a request in an HTTP version this server does not support.")


@pytest.mark.parametrize("version", [b"HTTP/2.0", b"HTTP/3.1", b"HTTP/0.9"])
def test_other_major_version_gets_505(proxy, version):
    port, o = proxy([(HEAD, OK0)])
    raw = st.exchange(port, b"GET / " + version + b"\r\nHost: x\r\n\r\n")
    assert raw == VERSION_NOT_SUPPORTED
    assert o.count() == 0


# ------------------------------------------------------ fragment in target

@pytest.mark.parametrize("target", [b"/a#frag", b"/#", b"/a?b=1#c",
                                    b"http://a.example/#x", b"#"])
def test_fragment_in_target_refused(proxy, target):
    """A fragment is never sent in a request target (RFC 9112 3.2; HAProxy's
    fix for CVE-2023-45539): 400, and nothing reaches the origin."""
    port, o = proxy([(HEAD, OK0)])
    raw = st.exchange(port, b"GET " + target + b" HTTP/1.1\r\nHost: x\r\n\r\n")
    assert raw == BAD_REQUEST
    assert o.count() == 0
