"""The segment file of a running sluice against what happens around it:
files left by a sluice that is gone (whatever pid they record), a live
sluice of the same name, and the file truncated under a running sluice
(doc/shm-format.md, "Life of the file"). Every sluice here gets its own
file (-n <tmp path>).

Not for the ThreadSanitizer pass: TSan cannot know that the memory behind
an address was replaced (mmap MAP_FIXED, twice per truncation), so the
threads' writes into the log ring before and after look like races to it."""

import json
import os
import subprocess

import pytest

import sluicetest as st
from test_shm_writer import CHECK_RESTARTED, Segment, Shm, crashed, run_tool

PID_OFFSET = 32                 # struct shm_head.master_pid


def start(sluice, origin, path, nbthread=1, name="sluice", wait=True):
    cfg = st.http_cfg(st.free_port(), ["s1 %d" % origin.port],
                      nbthread=nbthread)
    return sluice(cfg, name=name, args=("-n", str(path)), wait=wait)


def stat_json(path):
    r = run_tool("sluicestat", "-n", path, "-j", "-t", "2")
    assert r.returncode == 0 and not crashed(r), r.stderr
    return json.loads(r.stdout)


def set_pid(path, pid):
    with open(path, "r+b") as f:
        f.seek(PID_OFFSET)
        f.write(pid.to_bytes(8, "little", signed=True))


# --------------------------------------------- stale files and collisions

@pytest.fixture
def other_process():
    """A live process that is not sluice (a pid reused after sluice died)."""
    p = subprocess.Popen(["sleep", "60"])
    yield p
    p.kill()
    p.wait()


@pytest.mark.parametrize("pid", ["0", "-1", "other"])
def test_a_file_no_sluice_holds_is_replaced(sluice, origin, tmp_path, pid,
                                            other_process):
    """A file left behind (sluice killed, or a file copied): whatever pid
    it records, no process holds its lock, so the next start replaces it.
    Readers agree that its writer is not running."""
    path = tmp_path / "stale.shm"
    pid = other_process.pid if pid == "other" else int(pid)
    Segment(path, pid=pid, instance="old").close()
    old = os.stat(path)
    r = run_tool("sluicestat", "-n", path, "-1", "-t", "0")
    assert not crashed(r), r.stderr
    if pid == 0:        # never finished: readers wait for a complete file
        assert "being set up by its writer (master_pid 0)" in r.stderr
    else:
        assert r.returncode == 0, r.stderr
        assert "(pid %d, not running: its last state)" % pid in r.stderr
    s = start(sluice, origin, path)
    assert "collides" not in s.stderr()
    new = os.stat(path)
    assert (new.st_dev, new.st_ino) != (old.st_dev, old.st_ino)
    j = stat_json(path)
    assert j["pid"] == s.pid and j["instance"] != "old"
    r = run_tool("sluicestat", "-n", path, "-1")
    assert "(pid %d)" % s.pid in r.stderr, r.stderr


@pytest.mark.parametrize("recorded", ["own", "0", "dead"])
def test_a_running_sluice_keeps_its_name(sluice, origin, tmp_path,
                                         recorded):
    """The lock decides, not the recorded pid: a second sluice of the same
    name is refused, and names the first one, even when the file's pid was
    overwritten (then it cannot name it and says so)."""
    path = tmp_path / "same.shm"
    a = start(sluice, origin, path, name="first")
    ino = os.stat(path).st_ino
    if recorded == "0":
        set_pid(path, 0)
    elif recorded == "dead":
        set_pid(path, 2 ** 22 + 12345)  # above pid_max's default: no one
    b = start(sluice, origin, path, name="second", wait=False)
    b.exit_expected = True
    rc = b.wait_exit(5)
    assert rc not in (None, 0), "the second sluice started"
    err = b.stderr()
    if recorded == "own":
        assert "instance name '%s' collides with running sluice pid %d " \
            "(file %s)" % (path, a.pid, path) in err, err
    else:
        assert "instance name '%s' collides with a running sluice that " \
            "holds its file %s" % (path, path) in err, err
    assert os.stat(path).st_ino == ino
    if recorded == "own":
        assert stat_json(path)["pid"] == a.pid
    assert st.get(a.port, "/id").status == 200


def test_a_daemon_keeps_its_name_after_the_fork(sluice, origin, tmp_path):
    """With -D the lock goes with the daemon (the child), not the parent
    that exits."""
    path = tmp_path / "d.shm"
    pidfile = tmp_path / "d.pid"
    cfg = st.http_cfg(st.free_port(), ["s1 %d" % origin.port])
    d = sluice(cfg, name="daemon", args=("-n", str(path), "-D", "-p",
                                         str(pidfile)), wait=False)
    d.exit_expected = True
    assert d.wait_exit(5) == 0, d.stderr()
    assert st.wait_until(lambda: pidfile.exists() and
                         pidfile.read_text().strip(), 5)
    child = int(pidfile.read_text())
    try:
        assert st.wait_until(lambda: d.port in st.listening_ports(), 5)
        assert st.wait_until(lambda: stat_json(path)["pid"] == child, 3)
        b = start(sluice, origin, path, name="second", wait=False)
        b.exit_expected = True
        assert b.wait_exit(5) not in (None, 0)
        assert "collides with running sluice pid %d" % child in b.stderr()
    finally:
        os.kill(child, 15)
    assert st.wait_until(lambda: not os.path.exists("/proc/%d" % child), 5)
    r = run_tool("sluicestat", "-n", path, "-1", "-t", "0")
    assert "not running: its last state" in r.stderr, r.stderr


# ----------------------------------------------------------- truncation

def wait_recreated(path, old, size, timeout=5.0):
    """Until path is a new file of <size> bytes."""
    def new():
        try:
            s = os.stat(path)
        except FileNotFoundError:
            return False
        return (s.st_dev, s.st_ino) != (old.st_dev, old.st_ino) and \
            s.st_size == size
    assert st.wait_until(new, timeout), "the file was not recreated"


def requests(s, n, url="/id"):
    for i in range(n):
        r = st.get(s.port, "%s?n=%d" % (url, i))
        assert r.status == 200


@pytest.mark.parametrize("size,traffic", [(0, True), (4096, True),
                                          (100, False)])
def test_a_truncated_file_is_recreated(sluice, origin, tmp_path, size,
                                       traffic):
    """truncate -s SIZE on the live file: sluice keeps serving (writes into
    the lost pages do not kill it), recreates the file within a second or
    so under the same path, says so once on stderr, and counts it. A
    reader attached to the old file follows to the new one, which has
    the same sections; counters and records continue there."""
    path = tmp_path / "t.shm"
    s = start(sluice, origin, path, nbthread=2)
    full = os.stat(path)
    requests(s, 3)
    shm = Shm(path)
    before = {k for k in shm.counters()}
    os.truncate(path, size)
    if traffic:
        # faults before sluice's next look at the file, on both threads
        requests(s, 20)
        assert s.proc.poll() is None, s.stderr()
    wait_recreated(path, full, full.st_size)
    assert s.proc.poll() is None, s.stderr()
    requests(s, 5, "/after")
    assert st.wait_until(lambda: shm.check() == CHECK_RESTARTED, 3)
    assert set(shm.counters()) == before
    assert st.wait_until(lambda: shm.counters()[
        ("frontend", "fe", "requests")] >= 5, 3)
    shm.close()
    j = stat_json(path)
    assert j["pid"] == s.pid
    assert j["counters"]["thread.0.shm_recreated"]["value"] == 1
    r = run_tool("sluicelog", "-n", path, "-d", "-g", "raw")
    assert r.returncode == 0 and not crashed(r), r.stderr
    assert "/after?n=4" in r.stdout
    err = s.stderr()
    assert err.count("was truncated") == 1, err
    assert "[WARNING] shared memory file '%s' was truncated to %d bytes " \
        "under sluice" % (path, size) in err, err
    # the stats socket kept working
    assert int(s.stats()["fe.fe.requests"]) >= 5


def test_a_file_truncated_again_is_recreated_again(sluice, origin,
                                                   tmp_path):
    path = tmp_path / "tt.shm"
    s = start(sluice, origin, path)
    for n in (1, 2):
        old = os.stat(path)
        os.truncate(path, 0)
        requests(s, 5)
        wait_recreated(path, old, old.st_size)
        assert st.wait_until(lambda: stat_json(path)["counters"][
            "thread.0.shm_recreated"]["value"] == n, 3)
    assert s.stderr().count("was truncated") == 2
