"""Responses made inside sluice (internal producers): http-request return
with each content source, errorfile/errorfiles/http-errors replacing every
error sluice generates, and monitor-uri."""

import socket
import subprocess
import time

import pytest

import sluicetest as st
from conftest import sluice_bin


def cfg(port, oport, fe="", be="", glob="", defaults="", extra=""):
    text = st.http_cfg(port, ["s1 %d" % oport], fe=fe, be=be, glob=glob,
                       defaults=defaults)
    return text + extra


def write(tmp_path, name, data):
    p = tmp_path / name
    p.write_bytes(data if isinstance(data, bytes) else data.encode())
    return str(p)


# ------------------------------------------------------ http-request return

def test_return_string_with_headers(sluice, origin):
    port = st.free_port()
    s = sluice(cfg(port, origin.port, fe='http-request return status 201 '
                   'content-type "text/plain; charset=utf-8" string "hello" '
                   'hdr X-A one hdr X-B "50%% off"'))
    with st.Client(port) as c:
        for _ in range(2):                      # kept alive
            c.request("GET", "/anything")
            r = c.read_response()
            assert r.status == 201 and r.body == b"hello"
            assert r.header("content-type") == "text/plain; charset=utf-8"
            assert r.header("x-a") == "one" and r.header("x-b") == "50% off"
            assert r.header("content-length") == "5"
            assert not r.has_token("connection", "close")
    assert origin.count() == 0
    s.wait_stats({"fe.fe.rsp_2xx": 2, "fe.fe.requests": 2})


def test_return_dummy_has_only_the_status(sluice, origin):
    port = st.free_port()
    sluice(cfg(port, origin.port, fe="http-request return status 404"))
    r = st.get(port, "/")
    assert r.status == 404 and r.body == b""
    assert r.header("content-length") == "0"
    assert r.header("content-type") is None


def test_return_file_and_lf_sources(sluice, origin, tmp_path):
    body = b"line one\nline two\n" * 100
    f = write(tmp_path, "body.txt", body)
    lf = write(tmp_path, "body.lf", "100%% plain\n")
    port, port2, port3 = st.free_port(), st.free_port(), st.free_port()
    text = cfg(port, origin.port,
               fe="http-request return content-type text/plain file %s" % f)
    text += ("\nfrontend f2\n    bind 127.0.0.1:%d\n    http-request return "
             "content-type text/plain lf-file %s\n" % (port2, lf))
    text += ("\nfrontend f3\n    bind 127.0.0.1:%d\n    http-request return "
             "content-type text/plain lf-string \"a%%%%b\"\n" % port3)
    sluice(text)
    r = st.get(port, "/")
    assert r.status == 200 and r.body == body
    assert st.get(port2, "/").body == b"100% plain\n"
    assert st.get(port3, "/").body == b"a%b"


def test_return_head_request_gets_no_body(sluice, origin):
    port = st.free_port()
    sluice(cfg(port, origin.port, fe="http-request return content-type "
               "text/plain string hello"))
    with st.Client(port) as c:
        c.request("HEAD", "/")
        r = c.read_response(method="HEAD")
        assert r.status == 200 and r.body == b""
        assert r.header("content-length") == "5"
        c.request("GET", "/")
        assert c.read_response().body == b"hello"


def test_return_with_request_body_closes_after(sluice, origin):
    port = st.free_port()
    sluice(cfg(port, origin.port, fe="http-request return content-type "
               "text/plain string ok"))
    with st.Client(port) as c:
        c.request("POST", "/", body=b"x" * 5000)
        r = c.read_response()
        assert r.status == 200 and r.body == b"ok"
        assert r.has_token("connection", "close")
        assert c.closed_by_peer(2)


def test_return_errorfile_sources(sluice, origin, tmp_path):
    ef = write(tmp_path, "403.http", "HTTP/1.1 403 Forbidden\r\n"
               "Content-Type: text/plain\r\nX-From: errorfile\r\n\r\nno way\n")
    sec = write(tmp_path, "sec403.http", "HTTP/1.1 403 Forbidden\r\n"
                "Content-Length: 8\r\n\r\nsection\n")
    p1, p2, p3, p4 = (st.free_port() for _ in range(4))
    text = cfg(p1, origin.port, fe="http-request return status 403 "
               "errorfile %s" % ef)
    text += ("\nhttp-errors site\n    errorfile 403 %s\n" % sec)
    text += ("\nfrontend f2\n    bind 127.0.0.1:%d\n    http-request return "
             "status 403 errorfiles site\n" % p2)
    text += ("\nfrontend f3\n    bind 127.0.0.1:%d\n    errorfile 403 %s\n"
             "    http-request return status 403 default-errorfiles\n"
             % (p3, ef))
    text += ("\nfrontend f4\n    bind 127.0.0.1:%d\n"
             "    http-request return status 403 default-errorfiles\n" % p4)
    sluice(text)
    r = st.get(p1, "/")
    assert (r.status, r.body, r.header("x-from")) == (403, b"no way\n",
                                                      "errorfile")
    assert st.get(p2, "/").body == b"section\n"
    assert st.get(p3, "/").body == b"no way\n"
    r = st.get(p4, "/")                    # no errorfile: the built-in page
    assert r.status == 403 and b"<h1>403 Forbidden</h1>" in r.body


def test_backend_rules_run_after_the_backend_is_chosen(sluice, origin):
    port = st.free_port()
    s = sluice(cfg(port, origin.port, be="http-request return status 202 "
                   "content-type text/plain string from-backend"))
    r = st.get(port, "/")
    assert r.status == 202 and r.body == b"from-backend"
    s.wait_stats({"be.be.rsp_2xx": 1, "fe.fe.rsp_2xx": 1})
    assert origin.count() == 0


# ------------------------------------------------------ errorfiles

def errorfile(tmp_path, code, reason):
    return write(tmp_path, "%d.http" % code,
                 "HTTP/1.1 %d %s\r\nContent-Type: text/plain\r\n"
                 "X-Custom: %d\r\n\r\ncustom %d page\n" % (code, reason, code,
                                                          code))


def check_custom(r, code):
    assert r.status == code, r
    assert r.header("x-custom") == str(code), r.headers
    assert r.body == b"custom %d page\n" % code


def test_errorfiles_replace_every_generated_error(sluice, origins, tmp_path):
    o = origins("o1")
    codes = {400: "Bad Request", 403: "Forbidden", 408: "Request Timeout",
             500: "Internal Server Error", 502: "Bad Gateway",
             503: "Service Unavailable", 504: "Gateway Timeout"}
    lines = ["errorfile %d %s" % (c, errorfile(tmp_path, c, n))
             for c, n in codes.items()]
    port, dead = st.free_port(), st.free_port()
    port403, port500 = st.free_port(), st.free_port()
    text = st.http_cfg(port, ["s1 %d" % o.port],
                       defaults="\n".join(lines) + "\ntimeout http-request "
                       "300ms\ntimeout server 300ms\nretries 0")
    text += ("\nbackend dead\n    server d 127.0.0.1:%d\n" % dead)
    text += ("\nfrontend f403\n    bind 127.0.0.1:%d\n    http-request return "
             "status 403 default-errorfiles\n" % port403)
    text += ("\nfrontend f500\n    bind 127.0.0.1:%d\n    http-request return "
             "status 500 default-errorfiles\n" % port500)
    text += ("\nfrontend fdead\n    bind 127.0.0.1:%d\n    default_backend "
             "dead\n" % st.free_port())
    s = sluice(text)
    dport = s.ports[-1]
    # 400: a malformed request
    with st.Client(port) as c:
        c.send(b"GET / HTTP/1.1\r\nHost: x\r\nBad Header\r\n\r\n")
        check_custom(c.read_response(), 400)
    # 408: an incomplete head at timeout http-request
    with st.Client(port) as c:
        c.send(b"GET / HTTP/1.1\r\nHost: x\r\n")
        check_custom(c.read_response(), 408)
    # 502: an invalid response head; 504: the server says nothing in time
    check_custom(st.get(port, "/malformed?kind=status"), 502)
    check_custom(st.get(port, "/slow?ms=2000"), 504)
    # 503: the server refuses connections
    check_custom(st.get(dport, "/"), 503)
    check_custom(st.get(port403, "/"), 403)
    check_custom(st.get(port500, "/"), 500)
    assert s.stats()["fe.fe.rsp_5xx"] == 2


def test_empty_errorfile_closes_without_answer(sluice, origin, tmp_path):
    empty = write(tmp_path, "408.http", b"")
    port = st.free_port()
    sluice(cfg(port, origin.port, defaults="errorfile 408 %s\n"
               "timeout http-request 300ms" % empty))
    with st.Client(port) as c:
        c.send(b"GET / HTTP/1.1\r\nHost: x\r\n")
        c.settimeout(3)
        assert c.read_until_close() == b""


def test_errorfiles_order_and_partial_import(sluice, origin, tmp_path):
    a = write(tmp_path, "a.http", "HTTP/1.1 503 A\r\n\r\nA")
    b = write(tmp_path, "b.http", "HTTP/1.1 503 B\r\n\r\nB")
    c502 = write(tmp_path, "c.http", "HTTP/1.1 502 C\r\n\r\nC")
    dead = st.free_port()
    p1, p2, p3 = st.free_port(), st.free_port(), st.free_port()
    text = ("global\n    nbthread 1\n\nhttp-errors grp\n    errorfile 503 %s\n"
            "    errorfile 502 %s\n\ndefaults\n    mode http\n"
            "    timeout connect 1s\n    timeout client 5s\n"
            "    timeout server 5s\n    retries 0\n\n" % (b, c502))
    text += ("frontend f1\n    bind 127.0.0.1:%d\n    errorfile 503 %s\n"
             "    errorfiles grp\n    default_backend dead\n\n" % (p1, a))
    text += ("frontend f2\n    bind 127.0.0.1:%d\n    errorfiles grp\n"
             "    errorfile 503 %s\n    default_backend dead\n\n" % (p2, a))
    text += ("frontend f3\n    bind 127.0.0.1:%d\n    errorfiles grp 502\n"
             "    default_backend dead\n\n" % p3)
    text += "backend dead\n    server d 127.0.0.1:%d\n" % dead
    sluice(text)
    assert st.get(p1, "/").body == b"B"      # the later line wins
    assert st.get(p2, "/").body == b"A"
    r = st.get(p3, "/")                      # 503 not imported
    assert r.status == 503 and b"<h1>503" in r.body


# ------------------------------------------------------ monitor-uri

def test_monitor_uri_answers_without_a_backend(sluice, origin):
    port = st.free_port()
    s = sluice(cfg(port, origin.port, fe="monitor-uri /alive"))
    for target in ("/alive", "/alive?x=1", "http://example.com/alive"):
        r = st.get(port, target)
        assert r.status == 200, target
        assert r.body == (b"<html><body><h1>200 OK</h1>\nService ready.\n"
                          b"</body></html>\n")
    assert st.get(port, "/alive/not").status == 200
    assert origin.count() == 1               # only /alive/not went through
    s.wait_stats({"be.be.requests": 1})


def test_monitor_uri_uses_errorfile_200(sluice, origin, tmp_path):
    ok = write(tmp_path, "200.http", "HTTP/1.1 200 OK\r\nContent-Type: "
               "text/plain\r\n\r\nall good\n")
    port = st.free_port()
    sluice(cfg(port, origin.port, defaults="monitor-uri /mon\n"
               "errorfile 200 %s" % ok))
    assert st.get(port, "/mon").body == b"all good\n"


# ------------------------------------------------------ configuration errors

@pytest.mark.parametrize("line,msg", [
    ("errorfile 299 {ok}", "status code '299' is not one sluice generates"),
    ("errorfile 503 {missing}", "cannot open"),
    ("errorfile 503 {bad}", "is not a valid HTTP response"),
    ("errorfile 503 {chunked}", "Transfer-Encoding is not supported"),
    ("errorfile 503 {badlen}", "Content-Length says 50 bytes but the body has 3"),
    ("errorfile 503 {big}", "is larger than"),
    ("errorfiles nosuch", "no http-errors section named 'nosuch'"),
    ("http-request return status 200 content-type text/plain lf-string %[src]",
     "uses log-format variables"),
    ("http-request return status 403 if TRUE", "conditions ('if') are not "
     "supported yet"),
    ("http-request return string hello", "'string' needs a 'content-type'"),
    ("http-request return status 299 errorfile {ok}", "status 299 must be one"),
    ("http-request return status 700", "is not a code from 200 to 599"),
    ("http-request deny", "'http-request deny': action not supported yet"),
    ("http-request return string a file {ok}", "both give the response"),
])
def test_configuration_errors(tmp_path, line, msg):
    files = {"ok": write(tmp_path, "ok.http", "HTTP/1.1 503 X\r\n\r\nx"),
             "missing": str(tmp_path / "missing.http"),
             "bad": write(tmp_path, "bad.http", "not http\r\n\r\n"),
             "chunked": write(tmp_path, "ch.http", "HTTP/1.1 503 X\r\n"
                              "Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n"),
             "badlen": write(tmp_path, "len.http", "HTTP/1.1 503 X\r\n"
                             "Content-Length: 50\r\n\r\nabc"),
             "big": write(tmp_path, "big.http", "HTTP/1.1 503 X\r\n\r\n"
                          + "x" * 20000)}
    text = ("defaults\n    mode http\n    timeout connect 1s\n"
            "    timeout client 1s\n    timeout server 1s\n"
            "frontend fe\n    bind 127.0.0.1:8080\n    %s\n"
            "    default_backend be\nbackend be\n    server s 127.0.0.1:1\n"
            % line.format(**files))
    p = tmp_path / "bad.cfg"
    p.write_text(text)
    r = subprocess.run([sluice_bin(), "-c", "-f", str(p)], capture_output=True,
                       text=True, timeout=10)
    assert r.returncode == 1, r.stderr
    assert msg in r.stderr, r.stderr
    assert "bad.cfg:" in r.stderr


def test_http_request_in_defaults_is_refused(tmp_path):
    p = tmp_path / "d.cfg"
    p.write_text("defaults\n    mode http\n    http-request return status 200\n"
                 "frontend fe\n    bind 127.0.0.1:8080\n")
    r = subprocess.run([sluice_bin(), "-c", "-f", str(p)], capture_output=True,
                       text=True, timeout=10)
    assert r.returncode == 1
    assert "d.cfg:3:" in r.stderr and "named defaults" in r.stderr
