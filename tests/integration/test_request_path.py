"""The request path end to end: a request with 100 headers goes through
whole and in order, and a request replayed after its reused server
connection died reaches the next connection with the same head."""

import json

import sluicetest as st
from raworigin import CLOSE, HEAD

OK = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"


def test_a_100_header_request_goes_through_in_order(sluice, origin):
    port = st.free_port()
    sluice(st.http_cfg(port, ["s1 %d" % origin.port]))
    hdrs = [("X-H-%03d" % i, "v%d" % i) for i in range(100)]
    r = st.get(port, "/echo", headers=hdrs)
    assert r.status == 200
    got = [(k, v) for k, v in json.loads(r.body)["headers"]
           if k.lower().startswith("x-h-")]
    assert got == hdrs


def test_a_replayed_request_has_the_same_head(sluice, raw_origin):
    """First connection: one answered request, then the second request is
    read and the connection closed without an answer. sluice replays it on
    a new connection: both servers saw the same bytes."""
    o = raw_origin([(HEAD, OK), (HEAD, CLOSE)], [(HEAD, OK)])
    port = st.free_port()
    sluice(st.http_cfg(port, ["s1 %d" % o.port],
                       defaults="http-reuse always"))
    with st.Client(port) as c:
        c.request("GET", "/first")
        assert c.read_response().status == 200
        c.request("GET", "/second?x=1", [("X-Trace", "abc"),
                                         ("Cookie", "a=b")])
        r = c.read_response()
        assert r.status == 200 and r.body == b"ok"
    first = bytes(o.received(0))
    second_head = first.split(HEAD, 1)[1]           # after /first's head
    replay = bytes(o.received(1))
    assert second_head.startswith(b"GET /second?x=1 HTTP/1.1\r\n")
    assert replay == second_head
