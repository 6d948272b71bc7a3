"""Header handling: hop-by-hop headers are not forwarded, X-Forwarded-For."""

import json

import sluicetest as st


def echo_headers(port, headers, **kw):
    r = st.get(port, "/echo", headers, **kw)
    assert r.status == 200, r
    return json.loads(r.body)["headers"]


def names(headers):
    return [k.lower() for k, _ in headers]


def connection_tokens(headers):
    return {t.strip().lower() for k, v in headers if k.lower() == "connection"
            for t in v.split(",") if t.strip()}


def test_hop_by_hop_request_headers_not_forwarded(sluice, origin):
    port = st.free_port()
    sluice(st.http_cfg(port, ["s1 %d" % origin.port]))
    seen = echo_headers(port, [
        ("Connection", "keep-alive, X-Private, X-Other"),
        ("X-Private", "secret"),
        ("X-Other", "secret too"),
        ("Keep-Alive", "timeout=5, max=100"),
        ("Proxy-Connection", "keep-alive"),
        ("X-End-To-End", "kept")])
    n = names(seen)
    assert "x-end-to-end" in n, seen
    for h in ("x-private", "x-other", "keep-alive", "proxy-connection"):
        assert h not in n, "%s forwarded to the origin: %s" % (h, seen)
    assert connection_tokens(seen) <= {"keep-alive", "close"}, seen


def test_upgrade_and_te_not_forwarded_without_upgrading(sluice, origin):
    """Upgrade without the "upgrade" connection option is no upgrade
    request (RFC 9110 7.8): it is dropped like TE."""
    port = st.free_port()
    sluice(st.http_cfg(port, ["s1 %d" % origin.port]))
    seen = echo_headers(port, [("Connection", "TE"),
                               ("Upgrade", "h2c"), ("TE", "gzip")])
    n = names(seen)
    assert "upgrade" not in n, seen
    te = [v.lower() for k, v in seen if k.lower() == "te"]
    assert te in ([], ["trailers"]), seen


def test_hop_by_hop_response_headers_not_forwarded(sluice, origin):
    port = st.free_port()
    sluice(st.http_cfg(port, ["s1 %d" % origin.port]))
    with st.Client(port) as c:
        c.request("GET", "/hop")
        r = c.read_response()
        assert r.status == 200 and r.body == b"hop\n"
        n = names(r.headers)
        assert "x-secret" not in n, r.headers
        assert "proxy-connection" not in n, r.headers
        assert connection_tokens(r.headers) <= {"keep-alive", "close"}
        c.request("GET", "/id")
        assert c.read_response().status == 200


def test_forwardfor_added(sluice, origin):
    port = st.free_port()
    sluice(st.http_cfg(port, ["s1 %d" % origin.port],
                       defaults="option forwardfor"))
    seen = echo_headers(port, [])
    xff = [v for k, v in seen if k.lower() == "x-forwarded-for"]
    assert xff == ["127.0.0.1"], seen


def test_forwardfor_appends_to_client_value(sluice, origin):
    port = st.free_port()
    sluice(st.http_cfg(port, ["s1 %d" % origin.port], fe="option forwardfor"))
    seen = echo_headers(port, [("X-Forwarded-For", "192.0.2.7")])
    xff = [v for k, v in seen if k.lower() == "x-forwarded-for"]
    joined = ", ".join(xff).replace(" ", "").split(",")
    assert joined == ["192.0.2.7", "127.0.0.1"], seen


def test_forwardfor_seen_by_nginx(sluice, nginx):
    port = st.free_port()
    sluice(st.http_cfg(port, ["ng %d" % nginx.port], be="option forwardfor"))
    assert st.get(port, "/xff").body == b"127.0.0.1\n"


def test_no_forwardfor_without_option(sluice, origin):
    port = st.free_port()
    sluice(st.http_cfg(port, ["s1 %d" % origin.port]))
    seen = echo_headers(port, [])
    assert "x-forwarded-for" not in names(seen)


def test_request_forwarded_intact(sluice, origin):
    """Method, target, repeated headers in their order and values survive
    (header name case may change: names are case-insensitive)."""
    port = st.free_port()
    sluice(st.http_cfg(port, ["s1 %d" % origin.port]))
    hdrs = [("X-A", "1"), ("x-mixed-Case", "Value With  Spaces"),
            ("X-A", "2"), ("Cookie", "a=b"), ("Cookie", "c=d"),
            ("X-Empty", "")]
    r = st.get(port, "/echo?x=%2F&y=a%20b", hdrs, method="DELETE")
    info = json.loads(r.body)
    assert info["method"] == "DELETE"
    assert info["target"] == "/echo?x=%2F&y=a%20b"
    for name in ("x-a", "x-mixed-case", "cookie", "x-empty"):
        want = [v for k, v in hdrs if k.lower() == name]
        got = [v for k, v in info["headers"] if k.lower() == name]
        assert got == want, info["headers"]
