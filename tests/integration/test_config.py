"""Command line: `-c` config checks with file:line errors, `-vv`."""

import re
import subprocess

import pytest

import sluicetest as st
from conftest import sluice_bin

FULL = """\
global
    nbthread 2
    maxconn 1000
    hard-stop-after 5s
    stats socket {sock}
    tune.bufsize 16384
    tune.http.maxhdr 101
    tune.http.max-reqline 8192
    tune.http.max-head 8192

defaults
    mode http
    timeout connect 1s
    timeout client 5s
    timeout server 5s
    timeout http-request 2s
    timeout http-keep-alive 2s
    timeout tunnel 30s

frontend web
    bind 127.0.0.1:{p1}
    bind [::1]:{p2}
    bind unix@{unix}
    maxconn 100
    option forwardfor
    option http-server-close
    use_backend app
    default_backend app

backend app
    balance roundrobin
    server a 127.0.0.1:{p3} weight 1
    server b 127.0.0.1:{p4} weight 3

listen raw
    mode tcp
    bind 127.0.0.1:{p5}
    timeout tunnel 1m
    server t 127.0.0.1:{p6}
"""


def check(path):
    return subprocess.run([sluice_bin(), "-c", "-f", str(path)],
                          capture_output=True, text=True, timeout=10)


def test_check_valid_full_config(tmp_path, sockdir):
    cfg = tmp_path / "full.cfg"
    cfg.write_text(FULL.format(sock=sockdir + "/s.sock", unix=sockdir + "/u.sock",
                               p1=10001, p2=10002, p3=10003, p4=10004,
                               p5=10005, p6=10006))
    r = check(cfg)
    assert r.returncode == 0, "valid config refused:\n" + r.stderr
    assert "[ALERT]" not in r.stderr


# (name, config lines, line number of the error, or a tuple of acceptable
# line numbers for errors found after parsing)
BAD = [
    ("unknown-keyword", "frontend fe\n    bind 127.0.0.1:10001\n"
     "    frobnicate yes\n    default_backend be\nbackend be\n", 3),
    ("unknown-section", "frontdoor fe\n    bind 127.0.0.1:10001\n", 1),
    ("bad-port", "frontend fe\n    bind 127.0.0.1:99999\n"
     "    default_backend be\nbackend be\n", 2),
    ("bad-bind-address", "frontend fe\n    bind 127.0.0.1\n"
     "    default_backend be\nbackend be\n", 2),
    ("server-without-address", "backend be\n    mode http\n    server s1\n", 3),
    ("bad-timeout", "defaults\n    timeout client 5 parsecs\n", 2),
    ("bad-timeout-value", "defaults\n    timeout client abc\n", 2),
    ("bad-mode", "defaults\n    mode ftp\n", 2),
    ("bad-balance", "backend be\n    balance nosuchalgo\n", 2),
    ("bad-weight", "backend be\n    server s1 127.0.0.1:10002 weight x\n", 2),
    ("bad-nbthread", "global\n    nbthread zero\n", 2),
    ("keyword-outside-section", "    bind 127.0.0.1:10001\n", 1),
    ("missing-backend", "frontend fe\n    bind 127.0.0.1:10001\n"
     "    default_backend nowhere\n", (1, 3)),
    ("missing-use-backend", "frontend fe\n    bind 127.0.0.1:10001\n"
     "    use_backend nowhere\n    default_backend be\nbackend be\n", (1, 3)),
]


@pytest.mark.parametrize("name,text,line", BAD, ids=[b[0] for b in BAD])
def test_check_invalid_names_file_and_line(tmp_path, name, text, line):
    cfg = tmp_path / (name + ".cfg")
    cfg.write_text(text)
    r = check(cfg)
    assert r.returncode == 1, "exit %d for an invalid config\nstderr: %s" % (
        r.returncode, r.stderr)
    lines = line if isinstance(line, tuple) else (line,)
    want = ["[ALERT] %s:%d:" % (cfg, n) for n in lines]
    assert any(w in r.stderr for w in want), \
        "expected one of %r in stderr:\n%s" % (want, r.stderr)


def test_check_missing_file(tmp_path):
    r = check(tmp_path / "nope.cfg")
    assert r.returncode == 1
    assert "nope.cfg" in r.stderr


def test_check_does_not_bind(tmp_path):
    port = st.free_port()
    cfg = tmp_path / "ok.cfg"
    cfg.write_text(st.http_cfg(port, ["s1 %d" % st.free_port()]))
    r = check(cfg)
    assert r.returncode == 0, r.stderr
    assert port not in st.listening_ports()


def test_vv_prints_version_build_and_libraries():
    r = subprocess.run([sluice_bin(), "-vv"], capture_output=True, text=True,
                       timeout=10)
    out = r.stdout + r.stderr
    assert r.returncode == 0, out
    assert re.search(r"sluice.*\d+\.\d+\.\d+", out, re.I), out
    assert "CC=" in out or "CFLAGS" in out, "no build options in:\n" + out
    assert re.search(r"(?i)(glibc|libc|openssl|pcre2|nghttp2|xxhash)", out), \
        "no library versions in:\n" + out
    algos = re.search(r"Available load-balancing algorithms: (.*)", out)
    assert algos, out
    names = algos.group(1).split(", ")
    assert names == sorted(names), names
    assert {"roundrobin", "static-rr", "leastconn", "first", "source",
            "uri", "url_param", "hdr", "random"} <= set(names), names
    # the connection layers, from their registries: each mux with the
    # mode it serves, each transport with the optional operations it has
    muxes = re.search(r"Available multiplexers: (.*)", out)
    assert muxes, out
    entries = re.findall(r"(\S+) \(([^)]*)\)", muxes.group(1))
    assert [n for n, _ in entries] == sorted(n for n, _ in entries), entries
    modes = {n: attrs.split(", ") for n, attrs in entries}
    assert {"mode http", "default"} <= set(modes.get("h1", [])), entries
    assert {"mode tcp", "default"} <= set(modes.get("tcp", [])), entries
    xprts = re.search(r"Available transports: (.*)", out)
    assert xprts and "raw (splice)" in xprts.group(1), out


def test_start_with_bad_config_fails(tmp_path):
    cfg = tmp_path / "bad.cfg"
    cfg.write_text("frontend fe\n    bind 127.0.0.1:10001\n    frobnicate\n")
    r = subprocess.run([sluice_bin(), "-f", str(cfg)], capture_output=True,
                       text=True, timeout=10)
    assert r.returncode != 0
    assert "[ALERT] %s:3:" % cfg in r.stderr


def test_port_in_use_is_an_error(tmp_path):
    import socket
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    s.listen(1)
    try:
        cfg = tmp_path / "busy.cfg"
        cfg.write_text(st.http_cfg(s.getsockname()[1], ["s1 1"]))
        r = subprocess.run([sluice_bin(), "-n", str(tmp_path / "shm"), "-f", str(cfg)],
                           capture_output=True, text=True, timeout=10)
        assert r.returncode != 0
        assert "cannot bind" in r.stderr, r.stderr
    finally:
        s.close()


def keywords_reference():
    r = subprocess.run([sluice_bin(), "-x", "keywords"], capture_output=True,
                       text=True, timeout=10)
    assert r.returncode == 0, r.stderr
    blocks, cur = {}, None
    for line in r.stdout.splitlines():
        if line.startswith("    "):
            blocks[cur].append(line.strip())
        else:
            cur = line.split(" (")[0]
            blocks[cur] = []
    return blocks


def test_x_keywords_lists_keywords_options_binds_and_server_options():
    """`sluice -x keywords` lists every section's keywords, then the
    "option" names, the bind options and the server options, each with
    its usage, from the registries."""
    b = keywords_reference()
    for sec in ("global", "defaults", "frontend", "backend", "listen",
                "http-errors", "options", "bind options", "server options"):
        assert sec in b, (sec, list(b))
    for kw in ("maxconn <number>", "stats socket <path> [mode <octal>]",
               "tune.http.max-head <size>", "tune.bufsize <size>",
               "shm-log-size <size>", "nbthread <1-64>"):
        assert kw in b["global"], kw
    assert "server <name> <address>:<port> [options...]" in b["backend"]
    assert "use_backend <backend>" in b["frontend"]
    for opt in ("[no] option redispatch", "[no] option allbackups",
                "[no] option forwardfor [header <name>] [if-none]",
                "[no] option http-server-close", "[no] option httpclose",
                "[no] option http-keep-alive"):
        assert opt in b["options"], opt
    assert any(o.startswith("[no] option httpchk ") for o in b["options"])
    for opt in ("accept-proxy", "mode <octal>"):
        assert opt in b["bind options"], opt
    for opt in ("weight <0-256>", "check", "inter <time>", "backup",
                "send-proxy-v2", "cookie <value>", "maxconn <number>",
                "pool-purge-delay <time>"):
        assert opt in b["server options"], opt
    for name in ("options", "bind options", "server options"):
        assert b[name] == sorted(b[name], key=lambda u: u.split()[
            2 if u.startswith("[no] option") else 0]), (name, b[name])


CHECK_FRAME = """\
defaults
    mode http
    timeout connect 1s
    timeout client 1s
    timeout server 1s
listen l
    bind 127.0.0.1:{port}{bind_opt}
    {option}
    server s 127.0.0.1:{port2}{srv_opt}
"""


def test_x_keywords_lists_only_what_the_parser_takes(tmp_path):
    """Each listed option, and each bind and server option without an
    argument, is accepted by `-c` where the reference says it goes."""
    b = keywords_reference()
    cases = [dict(option=u[len("[no] "):].split(" [")[0], bind_opt="",
                  srv_opt="") for u in b["options"]]
    cases += [dict(option="", bind_opt=" " + u, srv_opt="")
              for u in b["bind options"] if " " not in u]
    cases += [dict(option="", bind_opt="", srv_opt=" " + u)
              for u in b["server options"] if " " not in u]
    assert len(cases) >= 7 + 1 + 5
    for i, case in enumerate(cases):
        cfg = tmp_path / ("k%d.cfg" % i)
        cfg.write_text(CHECK_FRAME.format(port=st.free_port(),
                                          port2=st.free_port(), **case))
        r = check(cfg)
        assert r.returncode == 0, (case, r.stdout, r.stderr)
