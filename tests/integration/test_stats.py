"""The statistics socket: `show info` and `show stat`."""

import sluicetest as st

# Each side reports what applies to it (see `sluice -x counters`).
RSP_COUNTERS = ("requests", "rsp_1xx", "rsp_2xx", "rsp_3xx", "rsp_4xx",
                "rsp_5xx", "rsp_other", "bytes_in", "bytes_out")
FE_COUNTERS = RSP_COUNTERS + ("conns", "cur_conns", "req_rejected",
                              "req_timeout", "cli_aborts", "denied_conn")
BE_COUNTERS = RSP_COUNTERS + ("srv_errors", "srv_timeouts", "no_srv")
SERVER_COUNTERS = ("conns", "reused", "takeovers", "requests", "connect_errors",
                   "resp_errors", "timeouts", "bytes_in", "bytes_out", "idle",
                   "checks_ok", "checks_failed", "downs", "ups")


def test_show_info(sluice, origin):
    port = st.free_port()
    s = sluice(st.http_cfg(port, ["s1 %d" % origin.port], nbthread=2))
    info = s.info()
    assert info.get("pid") == s.pid, info
    assert info.get("nbthread") == 2, info
    assert info.get("curr_conns") == 0, info
    assert "version" in info, info


def test_show_stat_has_every_counter_at_zero(sluice, origin):
    port = st.free_port()
    s = sluice(st.http_cfg(port, ["s1 %d" % origin.port, "s2 %d" % origin.port]))
    stats = s.stats()
    want = ["fe.fe." + c for c in FE_COUNTERS]
    want += ["be.be." + c for c in BE_COUNTERS]
    want += ["srv.be.%s.%s" % (srv, c) for srv in ("s1", "s2")
             for c in SERVER_COUNTERS]
    missing = [k for k in want if k not in stats]
    assert not missing, "missing keys: %s" % missing
    extra = [k for k in stats if k not in want]
    assert not extra, "counters reported on the wrong side: %s" % extra
    nonzero = {k: stats[k] for k in want if stats[k] != 0}
    assert not nonzero, "counters not zero before any traffic: %s" % nonzero


def test_cur_conns_follows_open_connections(sluice, origin):
    port = st.free_port()
    s = sluice(st.http_cfg(port, ["s1 %d" % origin.port]))
    clients = [st.Client(port) for _ in range(3)]
    try:
        for c in clients:
            c.request("GET", "/id")
            assert c.read_response().status == 200
        s.wait_stats({"fe.fe.cur_conns": 3, "fe.fe.conns": 3})
        assert st.wait_until(lambda: s.info().get("curr_conns") == 3), s.info()
    finally:
        for c in clients:
            c.close()
    s.wait_stats({"fe.fe.cur_conns": 0, "fe.fe.conns": 3,
                  "fe.fe.requests": 3, "fe.fe.rsp_2xx": 3})
    assert st.wait_until(lambda: s.info().get("curr_conns") == 0), s.info()


def test_stats_socket_serves_many_queries(sluice, origin):
    port = st.free_port()
    s = sluice(st.http_cfg(port, ["s1 %d" % origin.port]))
    for _ in range(50):
        assert "fe.fe.conns" in s.stats()
    assert st.get(port, "/id").status == 200


def test_stats_socket_closes_after_answer(sluice, origin, tmp_path):
    """The answer to one command is read until the server closes."""
    import socket
    port = st.free_port()
    s = sluice(st.http_cfg(port, ["s1 %d" % origin.port]))
    st.stats_query(s.stats_path, "show info")          # wait until it is up
    for cmd in (b"show stat\n", b"show info\n"):
        c = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        c.settimeout(2)
        try:
            c.connect(s.stats_path)
            c.sendall(cmd)
            out = b""
            while True:
                try:
                    data = c.recv(65536)
                except socket.timeout:
                    raise AssertionError("%r: no close after the answer "
                                         "(got %d bytes)" % (cmd, len(out)))
                if not data:
                    break
                out += data
            assert out.strip(), cmd
        finally:
            c.close()


def test_help_lists_every_command_and_each_answers(sluice, origin):
    """`help` is generated from the commands the rooms register: each one
    it lists answers (none is 'Unknown'), and the known ones are there."""
    port = st.free_port()
    s = sluice(st.http_cfg(port, ["s1 %d" % origin.port]))
    text = st.stats_query(s.stats_path, "help")
    assert text.endswith("\n\n"), text
    lines = [l for l in text.splitlines() if l.startswith("  ")]
    words = [l.strip().split("  ")[0] for l in lines]
    assert words == sorted(words), words
    for known in ("help", "prompt", "quit", "show info", "show stat",
                  "show pools", "show servers state"):
        assert known in words, (known, text)
    for w in words:
        if w in ("quit", "prompt"):
            continue
        out = st.stats_query(s.stats_path, w)
        assert not out.startswith("Unknown command"), (w, out)
        assert out.endswith("\n\n"), (w, out)
    assert st.stats_query(s.stats_path, "show nothing").startswith(
        "Unknown command 'show nothing'. Try 'help'.")


def test_readme_shows_the_generated_help(sluice, origin):
    """The README's copy of `help` is what the socket answers."""
    import pathlib
    readme = (pathlib.Path(__file__).resolve().parents[2] / "README.md").read_text()
    section = readme[readme.index("## Statistics socket"):]
    block = section[section.index("```text\n") + 8:]
    block = block[:block.index("```")]
    port = st.free_port()
    s = sluice(st.http_cfg(port, ["s1 %d" % origin.port]))
    assert st.stats_query(s.stats_path, "help") == block + "\n"
