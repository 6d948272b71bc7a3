"""Cookie persistence: insert (indirect, nocache, httponly, secure),
rewrite and prefix, with the `cookie` server option."""

import sluicetest as st


def cfg(port, origins, mode):
    return st.http_cfg(port, ["%s %d cookie %s" % (o.name, o.port, o.name)
                              for o in origins],
                       be="cookie SRV %s" % mode)


def test_insert_sticks_and_is_indirect(sluice, origins):
    o1, o2 = origins("o1"), origins("o2")
    port = st.free_port()
    sluice(cfg(port, [o1, o2], "insert indirect nocache httponly secure"))
    r = st.get(port, "/id")
    assert r.status == 200
    first = r.header("x-origin")
    assert r.header("set-cookie") == "SRV=%s; path=/; HttpOnly; Secure" % first, r.headers
    assert r.header("cache-control") == "private"
    # every request carrying the cookie goes to the same server, which never
    # sees the cookie (indirect); no new Set-Cookie is sent
    for _ in range(6):
        r = st.get(port, "/echo", headers=[("Cookie", "a=1; SRV=%s; b=2" % first)])
        assert r.header("x-origin") == first
        assert r.header("set-cookie") is None
        cookies = [v for k, v in r.json()["headers"] if k.lower() == "cookie"]
        assert cookies == ["a=1; b=2"], r.json()["headers"]
    # alone, the cookie header disappears altogether
    r = st.get(port, "/echo", headers=[("Cookie", "SRV=%s" % first)])
    assert [k for k, v in r.json()["headers"] if k.lower() == "cookie"] == []


def test_insert_unknown_server_gets_a_new_cookie(sluice, origins):
    o1 = origins("o1")
    port = st.free_port()
    sluice(cfg(port, [o1], "insert"))
    r = st.get(port, "/id", headers=[("Cookie", "SRV=nosuch")])
    assert r.status == 200
    assert r.header("set-cookie") == "SRV=o1; path=/"


def test_rewrite_replaces_the_servers_value(sluice, origins):
    o1 = origins("o1")
    port = st.free_port()
    sluice(cfg(port, [o1], "rewrite"))
    r = st.get(port, "/echo?setcookie=SRV%3Dabc%3B%20Path%3D%2Fx")
    assert r.header("set-cookie") == "SRV=o1; Path=/x", r.headers


def test_prefix_adds_and_strips_the_server_id(sluice, origins):
    o1, o2 = origins("o1"), origins("o2")
    port = st.free_port()
    sluice(cfg(port, [o1, o2], "prefix"))
    r = st.get(port, "/echo?setcookie=SRV%3Dsess42")
    who = r.header("x-origin")
    assert r.header("set-cookie") == "SRV=%s~sess42" % who, r.headers
    for _ in range(4):
        r = st.get(port, "/echo", headers=[("Cookie", "SRV=%s~sess42" % who)])
        assert r.header("x-origin") == who
        cookies = [v for k, v in r.json()["headers"] if k.lower() == "cookie"]
        assert cookies == ["SRV=sess42"], cookies


def test_bad_cookie_config_is_refused(tmp_path):
    import subprocess
    from conftest import sluice_bin
    p = tmp_path / "c.cfg"
    p.write_text("backend b\n    cookie SRV insert rewrite\n")
    r = subprocess.run([sluice_bin(), "-c", "-f", str(p)], capture_output=True, text=True)
    assert r.returncode == 1
    assert "c.cfg:2: 'cookie': choose one of rewrite, insert or prefix" in r.stderr
