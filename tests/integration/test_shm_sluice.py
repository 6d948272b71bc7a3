"""A running sluice's shared memory read through libsluice and its tools:
counters move by the expected amounts, requests produce their log records
in order, a reader follows a restart, a second instance of the same name is
refused, a freed section is not reused within its cool period, a slow reader
sees an overrun, and damaged copies of a real file are refused clearly.

Every sluice here gets its own file (-n <tmp path>)."""

import json
import os
import signal
import struct
import subprocess
import time

import pytest

import sluicetest as st
from test_shm_writer import (CHECK_RESTARTED, CHECK_STOPPED, COOL, COUNTERS,
                             NEXT_LOST, NEXT_RECORD, REPO, TOOLS, Shm,
                             crashed, run_tool)

NO_RECORDS = ("sluice wrote no log records for a request (its "
              "thread.*.log_records counters stay 0): the proxy's log calls "
              "are not wired yet")


def no_records(path):
    """xfail when sluice itself says it wrote no record (not a reader
    problem); a reader that misses records sluice wrote still fails."""
    c = stat_json(path)
    written = sum(v for k, v in c.items()
                  if k.startswith("thread.") and k.endswith(".log_records"))
    if written == 0:
        pytest.xfail(NO_RECORDS)
    pytest.fail("sluice wrote %d log records but the reader found none"
                % written)


def start(sluice, origin, path, name="fe", glob="", nbthread=1):
    cfg = st.http_cfg(st.free_port(), ["s1 %d" % origin.port], glob=glob,
                      nbthread=nbthread)
    if name != "fe":
        cfg = cfg.replace("frontend fe", "frontend %s" % name)
    return sluice(cfg, args=("-n", str(path)))


def stat_json(path):
    r = run_tool("sluicestat", "-n", path, "-j", "-t", "2")
    assert r.returncode == 0, r.stderr
    return {k: v["value"] for k, v in json.loads(r.stdout)["counters"].items()}


def test_counters_move_by_the_expected_amounts(sluice, origin, tmp_path):
    path = tmp_path / "c.shm"
    s = start(sluice, origin, path, nbthread=2)
    before = stat_json(path)
    for key in ("frontend.fe.requests", "backend.be.requests",
                "server.be/s1.requests", "frontend.fe.rsp_2xx"):
        assert before[key] == 0, key
    n = 7
    with st.Client(s.port) as c:
        for _ in range(n):
            c.request("GET", "/id")
            assert c.read_response().status == 200
    r = st.get(s.port, "/id", method="POST", body=b"x" * 100)
    assert r.status == 200
    want = {"frontend.fe.requests": n + 1, "frontend.fe.rsp_2xx": n + 1,
            "backend.be.requests": n + 1, "backend.be.rsp_2xx": n + 1,
            "server.be/s1.requests": n + 1, "frontend.fe.conns": 2,
            "frontend.fe.rsp_5xx": 0, "frontend.fe.cur_conns": 0}
    deadline = time.monotonic() + 3
    while True:
        after = stat_json(path)
        bad = {k: (after.get(k), v) for k, v in want.items()
               if after.get(k) != v}
        if not bad or time.monotonic() > deadline:
            break
        time.sleep(0.05)
    assert not bad, "counters (got, expected): %s" % bad
    assert after["frontend.fe.bytes_in"] > 0
    assert after["frontend.fe.bytes_out"] > after["frontend.fe.bytes_in"]
    # the shared memory and the stats socket agree
    stats = s.stats()
    for k in ("requests", "rsp_2xx", "bytes_in", "bytes_out"):
        assert stats["fe.fe." + k] == after["frontend.fe." + k], k
    # the text and Prometheus views say the same
    once = run_tool("sluicestat", "-n", path, "-1", "-f",
                    "frontend.fe.requests")
    assert once.stdout.split()[:2] == ["frontend.fe.requests", str(n + 1)]
    prom = run_tool("sluicestat", "-n", path, "--prometheus").stdout
    assert 'sluice_frontend_requests{name="fe"} %d' % (n + 1) in prom


def test_a_second_instance_of_the_same_name_is_refused(sluice, origin,
                                                       tmp_path):
    path = tmp_path / "same.shm"
    a = start(sluice, origin, path)
    cfg = st.http_cfg(st.free_port(), ["s1 %d" % origin.port])
    b = sluice(cfg, name="second", args=("-n", str(path)), wait=False)
    b.exit_expected = True
    rc = b.wait_exit(5)
    assert rc not in (None, 0), "the second sluice started"
    assert "collides with running sluice pid %d" % a.pid in b.stderr()
    # the first one's file is untouched
    shm = Shm(path)
    r = run_tool("sluicestat", "-n", path, "-j")
    assert json.loads(r.stdout)["pid"] == a.pid
    assert shm.check() == 0
    shm.close()


def test_a_reader_attached_during_a_restart_follows_the_new_file(
        sluice, origin, tmp_path):
    path = tmp_path / "r.shm"
    a = start(sluice, origin, path, name="first")
    shm = Shm(path)
    assert ("frontend", "first", "requests") in shm.counters()
    follower = subprocess.Popen([TOOLS["sluicelog"], "-n", str(path), "-g",
                                 "raw"], stdout=subprocess.DEVNULL,
                                stderr=subprocess.PIPE, text=True)
    try:
        time.sleep(0.3)
        a.send_signal(signal.SIGTERM)
        assert a.wait_exit(5) is not None
        assert st.wait_until(lambda: shm.check() == CHECK_STOPPED, 3)
        # the stopped instance's last state stays readable
        assert ("frontend", "first", "requests") in shm.counters()
        b = start(sluice, origin, path, name="second")
        assert st.wait_until(lambda: shm.check() == CHECK_RESTARTED, 3)
        c = shm.counters()
        assert ("frontend", "second", "requests") in c
        assert ("frontend", "first", "requests") not in c
        st.get(b.port, "/id")
        assert st.wait_until(lambda: shm.counters()[
            ("frontend", "second", "requests")] == 1, 3)
        time.sleep(0.5)
    finally:
        follower.send_signal(signal.SIGTERM)
        _, err = follower.communicate(timeout=5)
    shm.close()
    assert follower.returncode == 0, err
    assert "reading instance file %s (pid %d)" % (path, a.pid) in err, err
    # the follower polls: it may or may not catch the moment between the
    # two instances ("stopped"), but it must end up on the new file
    assert "instance file %s restarted, reattached to %s (pid %d)" \
        % (path, path, b.pid) in err, err


def test_damaged_copies_of_a_real_file_are_refused(sluice, origin, tmp_path):
    path = tmp_path / "real.shm"
    start(sluice, origin, path)
    data = path.read_bytes()
    cases = {
        "truncated": (data[:len(data) // 2], "truncated: the header says"),
        "version": (data[:16] + b"\x07" + data[17:],
                    "format version 7, this library reads 2"),
        "magic": (b"X" + data[1:], "bad magic"),
        "section": (data[:192] + b"\0" * 8 + data[200:],
                    "corrupt section at offset 192: bad magic"),
        "empty": (b"", "empty file"),
    }
    for what, (content, message) in cases.items():
        p = tmp_path / ("bad-%s.shm" % what)
        p.write_bytes(content)
        for tool, args in (("sluicelog", ["-d"]), ("sluicencsa", ["-d"]),
                           ("sluicestat", ["-1"])):
            r = run_tool(tool, "-n", p, "-t", "0", *args)
            assert not crashed(r), (what, tool, r.stderr)
            assert r.returncode == 1, (what, tool, r.returncode, r.stderr)
            assert message in r.stderr, (what, tool, r.stderr)


# ------------------------------------------------------------- cool period

HARNESS = r"""
/* Drives the writer's section allocator from stdin: "alloc NAME LEN",
 * "free NAME"; prints the section offset or "none". */
#include <stdio.h>
#include <string.h>
#include "shm/shm.h"

int main(int argc, char **argv)
{
	struct shm_section *s[16] = { 0 };
	char line[256], name[64];
	unsigned long len;

	if (argc != 3 || shm_create(argv[1], "cool", 0, strtoull(argv[2], 0, 10),
				    0640) < 0)
		return 1;
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("ready\n");
	while (fgets(line, sizeof(line), stdin)) {
		if (sscanf(line, "alloc %63s %lu", name, &len) == 2) {
			int i = name[0] - 'a';
			s[i] = shm_section_alloc(SHM_CLASS_COUNTERS, "test", name, len);
			if (s[i])
				printf("%ld\n", (long)((char *)s[i] - (char *)shm_head()));
			else
				printf("none\n");
		} else if (sscanf(line, "free %63s", name) == 1) {
			shm_section_free(s[name[0] - 'a']);
			s[name[0] - 'a'] = NULL;
			printf("freed\n");
		}
	}
	shm_close();
	return 0;
}
"""


LOG_HARNESS = r"""
/* Writes log records with the writer's own code (shm/log.c) from several
 * threads: on "go", T threads each write N transactions of Begin, R Debug
 * records "t<thread> x<txn> r<rec>" and End; prints the total, then waits
 * for stdin to close (the file stays owned by a live pid). */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "shm/shm.h"
#include "shm/log.h"

static int T, N, R;

static void *run(void *arg)
{
	int t = (int)(long)arg;

	for (int x = 0; x < N; x++) {
		uint32_t v = slog_vxid();

		slog_begin(v, "req", 0, "test");
		for (int r = 0; r < R; r++)
			slog_printf(v, SL_TAG_Debug, "t%d x%d r%d %.*s", t, x, r,
				    (x + r) % 40, "abcdefghijklmnopqrstuvwxyz0123456789abcd");
		slog_end(v);
	}
	slog_thread_release();
	return NULL;
}

int main(int argc, char **argv)
{
	pthread_t th[64];
	char line[64];

	if (argc != 6)
		return 1;
	T = atoi(argv[3]);
	N = atoi(argv[4]);
	R = atoi(argv[5]);
	if (shm_create(argv[1], "logtest", strtoull(argv[2], 0, 10), 1 << 16,
		       0640) < 0)
		return 1;
	setvbuf(stdout, NULL, _IOLBF, 0);
	printf("ready\n");
	if (!fgets(line, sizeof(line), stdin))
		return 1;
	for (long t = 0; t < T; t++)
		pthread_create(&th[t], NULL, run, (void *)t);
	for (int t = 0; t < T; t++)
		pthread_join(th[t], NULL);
	printf("%d\n", T * N * (R + 2));
	while (fgets(line, sizeof(line), stdin))
		;
	shm_close();
	return 0;
}
"""


def build_harness(tmp_path, source=None):
    objs = sorted(str(p) for p in (REPO / "build" / "src").rglob("*.o")
                  if p.name != "main.o")
    if not objs:
        pytest.fail("build/src has no objects: run `make` first")
    ldlibs = subprocess.run(
        ["make", "--no-print-directory", "-s", "-f", "Makefile", "-f", "-",
         "sl-print-ldlibs"], input="sl-print-ldlibs:\n\t@echo $(LDLIBS)\n",
        cwd=str(REPO), capture_output=True, text=True).stdout.split()
    src = tmp_path / "harness.c"
    src.write_text(source or HARNESS.replace(
        "#include <string.h>", "#include <stdlib.h>\n#include <string.h>"))
    exe = tmp_path / "harness"
    r = subprocess.run(["cc", "-O1", "-D_GNU_SOURCE", "-pthread",
                        "-I", str(REPO / "src"), "-o", str(exe), str(src)]
                       + objs + (ldlibs or ["-pthread"]),
                       capture_output=True, text=True)
    assert r.returncode == 0, r.stderr
    return exe


def test_a_cool_section_is_not_reused_within_10_s(tmp_path):
    """The writer's allocator (sluice's own objects) frees a section; the
    reader sees it COOL at once, and the space is not handed out again
    before 10 s have passed."""
    exe = build_harness(tmp_path)
    path = tmp_path / "cool.shm"
    sect = 192
    space = 3 * (sect + 4096)          # exactly three sections, no more
    p = subprocess.Popen([str(exe), str(path), str(space)],
                         stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True, bufsize=1)

    def cmd(line):
        p.stdin.write(line + "\n")
        p.stdin.flush()
        return p.stdout.readline().strip()
    try:
        assert p.stdout.readline().strip() == "ready", p.stderr.read()
        offs = [cmd("alloc %s 4096" % n) for n in "abc"]
        assert "none" not in offs, offs
        assert cmd("alloc d 4096") == "none"        # full
        shm = Shm(path)
        assert [s[2] for s in shm.sections() if s[0] == COUNTERS] == \
            ["a", "b", "c"]
        t0 = time.time()
        assert cmd("free b") == "freed"
        assert shm.check() == 1                     # SECTIONS
        cool = [s for s in shm.sections() if s[0] == COOL]
        assert len(cool) == 1 and cool[0][2] == "b" and \
            cool[0][3] == int(offs[1])
        assert cool[0][5] >= int(t0) + 10
        reused = None
        while time.time() - t0 < 14:
            got = cmd("alloc d 4096")
            if got != "none":
                reused = time.time()
                break
            time.sleep(0.05)
        assert reused is not None, "never reused"
        assert got == offs[1]
        assert reused - t0 >= 10.0, \
            "reused %.2f s after the free" % (reused - t0)
        assert shm.check() == 1
        assert [s[2] for s in shm.sections() if s[0] == COUNTERS] == \
            ["a", "d", "c"]
        shm.close()
    finally:
        p.stdin.close()
        p.wait(5)


# ------------------------------------------- log records (need the wiring)

def dump(path, *args):
    r = run_tool("sluicelog", "-n", path, "-d", *args)
    assert r.returncode == 0 and not crashed(r), r.stderr
    return r.stdout


def wait_records(path, want, args=("-g", "raw"), timeout=3.0):
    """Dump until want(text) is true; fail with NO_RECORDS if the ring
    stayed empty."""
    deadline = time.monotonic() + timeout
    while True:
        text = dump(path, *args)
        if want(text):
            return text
        if time.monotonic() > deadline:
            if not dump(path, "-g", "raw").strip():
                no_records(path)
            pytest.fail("records not as expected:\n" + text[-4000:])
        time.sleep(0.05)


def test_a_request_produces_its_records_in_order(sluice, origin, tmp_path):
    path = tmp_path / "l.shm"
    s = start(sluice, origin, path)
    r = st.get(s.port, "/id", headers=[("User-Agent", "t/1")])
    assert r.status == 200
    text = wait_records(path, lambda t: "RespStatus" in t and "End" in t,
                        args=("-g", "request"))
    groups = [g for g in text.split("\n\n") if g.startswith("req ")]
    assert len(groups) == 1, text
    lines = groups[0].splitlines()
    req = [l.split(None, 2) for l in lines[1:] if l.startswith("    ")
           and not l.startswith("      ")]
    tags = [x[1] for x in req]
    assert tags[0] == "Begin" and tags[-1] == "End", tags
    for a, b in (("ReqStart", "ReqMethod"), ("ReqMethod", "ReqURL"),
                 ("ReqURL", "ReqProtocol"), ("ReqProtocol", "ReqHeader"),
                 ("ReqHeader", "RespStatus"), ("Link", "RespStatus")):
        assert a in tags and b in tags and tags.index(a) < tags.index(b), \
            (a, b, tags)
    val = {t: v for _, t, *v in req}
    assert val["ReqMethod"] == ["GET"] and val["ReqURL"] == ["/id"]
    assert val["RespStatus"] == ["200"]
    assert val["ReqStart"][0].split()[0] == "127.0.0.1"
    be = [l.split(None, 2) for l in lines if l.startswith("      ")]
    btags = [x[1] for x in be]
    assert lines[[i for i, l in enumerate(lines)
                  if l.startswith("  bereq ")][0]].startswith("  bereq ")
    assert btags[0] == "Begin" and btags[-1] == "End", btags
    for t in ("BereqMethod", "BereqURL", "BerespStatus"):
        assert t in btags, btags
    assert any(x[1] == "Backend" and x[2].split()[:2] == ["be", "s1"]
               for x in be + req), lines


def test_sluicencsa_logs_each_request(sluice, origin, tmp_path):
    path = tmp_path / "n.shm"
    s = start(sluice, origin, path)
    for i in range(3):
        assert st.get(s.port, "/id?n=%d" % i).status == 200
    text = wait_records(path, lambda t: t.count("RespStatus") >= 3)
    r = run_tool("sluicencsa", "-n", path, "-d", "--json")
    lines = [json.loads(l) for l in r.stdout.splitlines()]
    assert [(j["method"], j["url"], j["status"]) for j in lines] == \
        [("GET", "/id?n=%d" % i, 200) for i in range(3)], text
    assert all(j["backend"] == "be" and j["server"] == "s1" for j in lines)


def test_a_slow_reader_sees_an_overrun_and_resyncs(sluice, origin, tmp_path):
    path = tmp_path / "o.shm"
    s = start(sluice, origin, path, glob="shm-log-size 1m")
    shm = Shm(path)
    cur = shm.cursor()
    with st.Client(s.port) as c:
        c.request("GET", "/id")
        assert c.read_response().status == 200
        time.sleep(0.2)
        code, _ = cur.next()
        if code != NEXT_RECORD:
            no_records(path)
        # write well over a ring while the reader sleeps
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            for _ in range(200):
                c.request("GET", "/id")
                assert c.read_response().status == 200
            if w_pos(path, shm) > (3 << 20):
                break
    code, _ = cur.next()
    assert code == NEXT_LOST
    st_ = cur.stats()
    assert st_["overruns"] >= 1 and st_["lost_records"] > 0
    assert st_["lost_bytes"] > (1 << 20)
    got = cur.read_all()
    assert got and all(isinstance(r[0], str) for r in got), got[:5]
    assert got[-1][0] == "End"
    cur.free()
    shm.close()


def w_pos(path, shm):
    """The writer's position: w_pos of the log section, found through
    libsluice's section list."""
    log = [x for x in shm.sections() if x[1] == "log"][0]
    with open(path, "rb") as f:
        f.seek(log[3] + 192 + 8)
        return struct.unpack("<Q", f.read(8))[0]


def check_debug(lines):
    """Records of the log harness, as (vxid, tag, payload): every one must
    be whole, and each transaction's records in order."""
    txn = {}
    for vxid, tag, payload in lines:
        if tag == "Begin":
            assert payload == "req 0 test", payload
            txn[vxid] = None
        elif tag == "Debug":
            t, x, r, *rest = payload.split(" ")
            tid, xid, rid = int(t[1:]), int(x[1:]), int(r[1:])
            pad = (xid + rid) % 40
            assert rest == ["abcdefghijklmnopqrstuvwxyz0123456789abcd"
                            [:pad]], payload
            prev = txn.get(vxid)
            if prev is not None:
                assert prev[:2] == (tid, xid) and prev[2] == rid - 1, \
                    (vxid, prev, payload)
            txn[vxid] = (tid, xid, rid)
        else:
            assert tag == "End" and payload == "", (tag, payload)


def test_the_writers_batches_read_whole_by_concurrent_readers(tmp_path):
    """sluice's log writer (several threads, batches, WRAPs, laps) and
    libsluice readers at once: a fast reader (sluicelog) and a slow one
    (Python). Whatever is read is whole and in order; what is not read is
    reported lost, and read + lost adds up to what was written."""
    exe = build_harness(tmp_path, LOG_HARNESS)
    path = tmp_path / "log.shm"
    ring = 256 * 1024
    p = subprocess.Popen([str(exe), str(path), str(ring), "4", "20000", "3"],
                         stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                         stderr=subprocess.PIPE, text=True, bufsize=1)
    follower = None
    try:
        assert p.stdout.readline().strip() == "ready", p.stderr.read()
        out = open(tmp_path / "follow.out", "w")
        follower = subprocess.Popen([TOOLS["sluicelog"], "-n", str(path),
                                     "-g", "raw"], stdout=out,
                                    stderr=subprocess.PIPE, text=True)
        shm = Shm(path)
        cur = shm.cursor(tail=True)
        time.sleep(0.3)
        p.stdin.write("go\n")
        p.stdin.flush()
        slow, total = [], None
        while True:
            code, rec = cur.next()
            if code == NEXT_RECORD:
                slow.append((rec[1], rec[0], rec[3].decode()))
                if len(slow) % 500 == 0:
                    time.sleep(0.001)          # a slow reader
                continue
            if code == NEXT_LOST:
                continue
            if total is None:
                line = p.stdout.readline() if select_ready(p.stdout) else ""
                if line:
                    total = int(line)
                    deadline = time.monotonic() + 15
            elif code == 0 and cur.stats()["position"] == w_pos(path, shm):
                break                  # caught up: the lost count is exact
            else:
                # a batch its lagging writer dropped leaves a hole that
                # the reader skips only after a while: keep reading
                assert time.monotonic() < deadline, cur.stats()
            time.sleep(0.001)
        st_ = cur.stats()
        cur.free()
        shm.close()
        # the follower too may wait at a dropped batch's hole before it
        # skips it (libsluice waits 2 s): give it the time to catch up
        time.sleep(2.5)
        follower.send_signal(signal.SIGTERM)
        _, err = follower.communicate(timeout=10)
        out.close()
    finally:
        p.stdin.close()
        p.wait(10)
        if follower and follower.poll() is None:
            follower.kill()
    assert total == 4 * 20000 * 5
    # what was published: a writer thread lagging most of a lap behind
    # drops its batch (doc/shm-format.md), so it may be less than total
    published = records_counter(path)
    assert total * 0.9 <= published <= total
    # the slow reader: whole records, lost ones counted exactly
    check_debug(slow)
    assert st_["overruns"] > 0, st_
    assert len(slow) + st_["lost_records"] == published, \
        (len(slow), st_["lost_records"], published)
    # sluicelog, following at full speed
    assert follower.returncode == 0, err
    lines = []
    for line in (tmp_path / "follow.out").read_text().splitlines():
        vxid, side, tag, *payload = line.split(None, 3)
        lines.append((int(vxid), tag, payload[0] if payload else ""))
    check_debug(lines)
    last = [l for l in err.splitlines() if "records in all" in l]
    lost = int(last[0].split("lost ")[1].split()[0]) if last else 0
    assert len(lines) + lost == published, (len(lines), lost, published, err)


def records_counter(path):
    """The log section's records counter, read from the file."""
    shm = Shm(path)
    log = [x for x in shm.sections() if x[1] == "log"][0]
    shm.close()
    with open(path, "rb") as f:
        f.seek(log[3] + 192 + 144)
        return struct.unpack("<Q", f.read(8))[0]


def select_ready(f):
    import select
    return bool(select.select([f], [], [], 0)[0])
