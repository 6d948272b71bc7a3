"""A short load run with wrk: no errors, only 2xx."""

import re
import subprocess

import sluicetest as st


def run_wrk(url, conns=10, secs=2):
    r = subprocess.run(["wrk", "-t1", "-c%d" % conns, "-d%ds" % secs, url],
                       capture_output=True, text=True, timeout=secs + 20)
    assert r.returncode == 0, r.stdout + r.stderr
    out = r.stdout
    m = re.search(r"(\d+) requests in", out)
    assert m, out
    return int(m.group(1)), out


def test_wrk_keepalive_no_errors(sluice, nginx):
    port = st.free_port()
    s = sluice(st.http_cfg(port, ["ng %d" % nginx.port], nbthread=2))
    n, out = run_wrk("http://127.0.0.1:%d/f4k" % port)
    assert n > 100, out
    assert "Socket errors" not in out, out
    assert "Non-2xx" not in out, out
    stats = s.wait_stats({"fe.fe.cur_conns": 0, "fe.fe.rsp_5xx": 0,
                          "fe.fe.rsp_4xx": 0, "fe.fe.req_rejected": 0,
                          "be.be.srv_errors": 0})
    assert stats["fe.fe.rsp_2xx"] >= n
    # wrk opens one connection more than -c to check the address first
    assert stats["fe.fe.conns"] in (10, 11), stats


def test_wrk_origin_small_responses(sluice, origin):
    port = st.free_port()
    sluice(st.http_cfg(port, ["s1 %d" % origin.port]))
    n, out = run_wrk("http://127.0.0.1:%d/id" % port, conns=4, secs=1)
    assert n > 10, out
    assert "Socket errors" not in out and "Non-2xx" not in out, out
