"""The reader tests' writer of sluice shared-memory segment files
(src/shm/shm-t.h, format version 2, written from the format alone), and a
ctypes binding of libsluice (lib/libsluice.so.1). The other test_shm_*.py
files import it. It builds files the tools must read (or refuse) without a
running sluice, and acts as a live writer (records appended while a reader
follows, restarts, section changes, overruns). Its own tests at the end
check it against the C header and read its files back through libsluice.

    seg = Segment(path, ring_size=4096)
    seg.add_counters("frontend", "www", [("requests", "requests received",
                                          COUNTER, FE)], threads=2)
    seg.set_counter("frontend", "www", "requests", 5, thread=1)
    seg.log(TAG["ReqMethod"], 1001, b"GET")
    seg.close()
"""

import ctypes
import fcntl
import mmap
import os
import re
import struct
import subprocess
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent.parent

MAGIC = b"SLUICE-SHM" + b"\0" * 6
VERSION = 2
SECT_MAGIC = 0x54434553
HEAD_SIZE = 192
SECT_SIZE = 192
LOG_HEAD = 192
SEGS = 16
FIELD_SIZE = 136

FREE, LOG, COUNTERS, COOL = 0, 1, 2, 3
COUNTER, GAUGE = 0, 1
FE, BE = 1, 2
F_CLIENT, F_BACKEND, F_TRUNC = 1, 2, 4

# struct shm_head: magic, version, head_size, file_size, master_pid,
# alloc_seq, created, first_section, instance[64], reserved[8]
HEAD_FMT = "<16sIIQqQqQ64s64x"
# struct shm_section: magic, class, next, len, cool_until, type[32],
# ident[64], reserved[2] (+ padding to 192)
SECT_FMT = "<IIQQq32s64s16x"
assert struct.calcsize(HEAD_FMT) == HEAD_SIZE
assert struct.calcsize(SECT_FMT) == 144


def _tags():
    """Tag numbers by name, read from include/sluice/tags.h."""
    text = (REPO / "include" / "sluice" / "tags.h").read_text()
    return {m.group(2): int(m.group(1))
            for m in re.finditer(r"^SL_TAG\(\s*(\d+),\s*(\w+)", text, re.M)}


TAG = _tags()


def align(n, a=64):
    return (n + a - 1) // a * a


def rec_size(length):
    return 16 + (length + 7) // 8 * 8


class Section:
    def __init__(self, off, cls, length, type_="", ident=""):
        self.off, self.cls, self.len = off, cls, length
        self.type, self.ident = type_, ident
        self.cool_until = 0
        self.fields = []
        self.threads = 0
        self.values_off = 0

    @property
    def payload(self):
        return self.off + SECT_SIZE


def ofd_lock(fd, kind=fcntl.F_WRLCK):
    """The writer's lock on the whole file (doc/shm-format.md, "Life of
    the file"): an OFD lock, held until fd is closed."""
    # struct flock: l_type, l_whence, l_start, l_len, l_pid (x86-64, aarch64)
    fcntl.fcntl(fd, fcntl.F_OFD_SETLK,
                struct.pack("hhqqi4x", kind, os.SEEK_SET, 0, 0, 0))


class Segment:
    """A segment file being written. size: file bytes; ring_size: log ring
    bytes (0: no log section). Like sluice, it holds the file's lock while
    it is open: readers take it for a running writer until close()."""

    def __init__(self, path, size=1 << 20, ring_size=1 << 16,
                 instance="test", pid=None, created=None):
        self.path = str(path)
        self.size = size
        tmp = self.path + ".tmp"
        with open(tmp, "wb") as f:
            f.truncate(size)
        self.fd = os.open(tmp, os.O_RDWR)
        ofd_lock(self.fd)
        self.mm = mmap.mmap(self.fd, size)
        self.pid = os.getpid() if pid is None else pid
        self.instance = instance
        self.created = int(time.time()) if created is None else created
        self.seq = 1
        self.sections = []
        off = HEAD_SIZE
        self.ring_size = ring_size
        self.log_sect = None
        if ring_size:
            assert ring_size % (8 * SEGS) == 0
            self.log_sect = Section(off, LOG, align(LOG_HEAD + ring_size),
                                    "log", "log")
            self.sections.append(self.log_sect)
            off = self.log_sect.payload + self.log_sect.len
        self.sections.append(Section(off, FREE, size - off - SECT_SIZE))
        self.w_pos = 0
        self.records = 0
        self.seg_start = [0] * SEGS
        self._write_head(master_pid=0)
        self._write_sections()
        if ring_size:
            self._write_log_head()
        self._write_head(master_pid=self.pid)
        os.rename(tmp, self.path)

    # -- low level
    def _put(self, off, fmt, *vals):
        struct.pack_into(fmt, self.mm, off, *vals)

    def _write_head(self, master_pid=None, alloc_seq=None, magic=MAGIC,
                    version=VERSION, file_size=None, head_size=HEAD_SIZE):
        self._put(0, HEAD_FMT, magic, version, head_size,
                  self.size if file_size is None else file_size,
                  self.pid if master_pid is None else master_pid,
                  self.seq if alloc_seq is None else alloc_seq,
                  self.created, self.sections[0].off if self.sections else 0,
                  self.instance.encode()[:64])

    def _write_sections(self):
        for i, s in enumerate(self.sections):
            nxt = self.sections[i + 1].off if i + 1 < len(self.sections) else 0
            self._put(s.off, SECT_FMT, SECT_MAGIC, s.cls, nxt, s.len,
                      s.cool_until, s.type.encode()[:32],
                      s.ident.encode()[:64])

    def _write_log_head(self):
        p = self.log_sect.payload
        self._put(p, "<QQ16QQ", self.ring_size, self.w_pos,
                  *self.seg_start, self.records)

    def change(self, fn):
        """Change the section list under the alloc_seq protocol."""
        self._put(40, "<Q", 0)
        fn()
        self._write_sections()
        self.seq += 1
        self._put(40, "<Q", self.seq)

    # -- counters
    def add_counters(self, type_, ident, fields, threads=1):
        """fields: [(name, doc, kind, flags)]; carved from the FREE
        section. Returns the Section."""
        nf = len(fields)
        values_off = align(16 + nf * FIELD_SIZE)
        need = align(values_off + threads * nf * 8)
        sect = {}

        def carve():
            free = next(s for s in self.sections if s.cls == FREE
                        and s.len >= need + SECT_SIZE)
            new = Section(free.off, COUNTERS, need, type_, ident)
            free.off += SECT_SIZE + need
            free.len -= SECT_SIZE + need
            self.sections.insert(self.sections.index(free), new)
            new.fields = [f[0] for f in fields]
            new.kinds = [f[2] for f in fields]
            new.threads = threads
            new.values_off = values_off
            self.mm[new.payload:new.payload + need] = bytes(need)
            self._put(new.payload, "<IIQ", nf, threads, values_off)
            for i, (name, doc, kind, flags) in enumerate(fields):
                self._put(new.payload + 16 + i * FIELD_SIZE, "<32s96sII",
                          name.encode(), doc.encode(), kind, flags)
            sect["s"] = new

        self.change(carve)
        return sect["s"]

    def counters(self, type_, ident):
        return next(s for s in self.sections if s.cls == COUNTERS
                    and s.type == type_ and s.ident == ident)

    def set_counter(self, type_, ident, field, value, thread=0):
        s = self.counters(type_, ident)
        i = s.fields.index(field)
        self._put(s.payload + s.values_off + (thread * len(s.fields) + i) * 8,
                  "<Q", value)

    def free_section(self, sect, cool=10):
        def do():
            sect.cls = COOL
            sect.cool_until = int(time.time()) + cool
        self.change(do)

    # -- log
    def _ring_off(self, pos):
        return self.log_sect.payload + LOG_HEAD + pos % self.ring_size

    def log_batch(self, records, publish=True):
        """Append records [(tag, vxid, payload, flags)] as one batch, the
        way the writer does (doc/shm-format.md, "Writers"). publish=False
        reserves and copies but leaves the headers unwritten (a writer
        caught in the middle); returns the positions."""
        rs = self.ring_size
        size = sum(rec_size(len(r[2])) for r in records)
        assert size <= rs
        w = self.w_pos
        if w % rs + size > rs:
            start = w + (rs - w % rs)
        else:
            start = w
        self.w_pos = start + size
        self._put(self.log_sect.payload + 8, "<Q", self.w_pos)
        if start != w:
            self._put(self._ring_off(w), "<Q", self.hdr(w, 0, 0))
        pos = start
        positions = []
        seg = rs // SEGS
        seen = set()
        for tag, vxid, payload, flags in records:
            o = self._ring_off(pos)
            w1 = vxid << 32 | flags << 16
            self._put(o + 8, "<Q", w1 | self.check(tag, len(payload), w1,
                                                    payload))
            padded = payload + bytes(rec_size(len(payload)) - 16 - len(payload))
            self.mm[o + 16:o + 16 + len(padded)] = padded
            positions.append(pos)
            k = (pos % rs) // seg
            if k not in seen:
                seen.add(k)
                b = pos - pos % seg
                cur = self.seg_start[k]
                if cur < b or cur > pos:
                    self.seg_start[k] = pos
                    self._put(self.log_sect.payload + 16 + 8 * k, "<Q", pos)
            pos += rec_size(len(payload))
        if publish:
            self.publish(records, positions)
        return positions

    def publish(self, records, positions):
        for (tag, vxid, payload, flags), pos in zip(records, positions):
            self._put(self._ring_off(pos), "<Q",
                      self.hdr(pos, tag, len(payload)))
        self.records += len(records)
        self._put(self.log_sect.payload + 144, "<Q", self.records)

    @staticmethod
    def check(tag, length, w1, payload):
        """shm_log_check() of doc/shm-format.md ("Check")."""
        k, m = 0x9e3779b97f4a7c15, (1 << 64) - 1
        padded = payload + bytes(-len(payload) % 8)
        words = struct.unpack("<%dQ" % (len(padded) // 8), padded)
        a = (((tag & 0xff) << 24 | (length & 0xffffff)) * k + sum(words[0::2])) & m
        b = ((w1 & ~0xffff & m) + sum(words[1::2])) & m
        h = a ^ ((b << 29 | b >> 35) & m)
        h ^= h >> 32
        h = (h * 0xd6e8feb86659fd93) & m
        h ^= h >> 32
        return (h ^ (h >> 16)) & 0xffff

    @staticmethod
    def hdr(pos, tag, length):
        return ((pos // 8 + 1) & 0xffffffff) << 32 | (tag & 0xff) << 24 \
            | (length & 0xffffff)

    def log(self, tag, vxid, payload, flags=0):
        if isinstance(tag, str):
            tag = TAG[tag]
        if isinstance(payload, str):
            payload = payload.encode()
        return self.log_batch([(tag, vxid, payload, flags)])[0]

    def transaction(self, vxid, type_, parent, reason, records, flags=None):
        """Begin, the records [(tag, payload)], End, as one batch."""
        if flags is None:
            flags = F_BACKEND if type_ == "bereq" else F_CLIENT
        batch = [(TAG["Begin"], vxid, ("%s %d %s" % (type_, parent, reason))
                  .encode(), flags)]
        for tag, payload in records:
            if isinstance(payload, str):
                payload = payload.encode()
            batch.append((TAG[tag], vxid, payload, flags))
        batch.append((TAG["End"], vxid, b"", flags))
        return self.log_batch(batch)

    # -- end
    def close(self):
        self.mm.flush()
        self.mm.close()
        os.close(self.fd)


def request(seg, sess, req, bereq, method="GET", url="/", status=200,
            backend="app", server="srv1", client="127.0.0.1",
            frontend="www", headers=(("Host", "example.com"),),
            resp_bytes=100, start=1700000000.0, duration=0.0125):
    """The records of one proxied request in the order sluice publishes
    them: the request's first records (up to its Link), the backend
    request whole, then the rest of the request."""
    def rec(tag, vxid, payload, flags):
        return (TAG[tag], vxid, payload.encode(), flags)
    be_line = "%s %s 127.0.0.1:8081 new" % (backend, server)
    first = [rec("Begin", req, "req %d rxreq" % sess, F_CLIENT),
             rec("ReqStart", req, "%s 40000 %s" % (client, frontend),
                 F_CLIENT),
             rec("Timestamp", req, "Start: %.6f 0.000000 0.000000" % start,
                 0),
             rec("ReqMethod", req, method, F_CLIENT),
             rec("ReqURL", req, url, F_CLIENT),
             rec("ReqProtocol", req, "HTTP/1.1", F_CLIENT)]
    first += [rec("ReqHeader", req, "%s: %s" % kv, F_CLIENT)
              for kv in headers]
    first += [rec("Link", req, "bereq %d fetch" % bereq, F_CLIENT)]
    be = [rec("Begin", bereq, "bereq %d fetch" % req, F_BACKEND),
          rec("BereqMethod", bereq, method, F_BACKEND),
          rec("BereqURL", bereq, url, F_BACKEND),
          rec("BereqProtocol", bereq, "HTTP/1.1", F_BACKEND),
          rec("Backend", bereq, be_line, F_BACKEND),
          rec("BerespProtocol", bereq, "HTTP/1.1", F_BACKEND),
          rec("BerespStatus", bereq, str(status), F_BACKEND),
          rec("BerespReason", bereq, "OK", F_BACKEND),
          rec("End", bereq, "", 0)]
    rest = [rec("Backend", req, be_line, F_BACKEND),
            rec("RespProtocol", req, "HTTP/1.1", F_CLIENT),
            rec("RespStatus", req, str(status), F_CLIENT),
            rec("RespReason", req, "OK", F_CLIENT),
            rec("RespHeader", req, "Content-Length: %d" % resp_bytes,
                F_CLIENT),
            rec("Timestamp", req, "Resp: %.6f %.6f %.6f"
                % (start + duration, duration, duration), 0),
            rec("ReqAcct", req, "78 0 78", F_CLIENT),
            rec("RespAcct", req, "60 %d %d" % (resp_bytes, 60 + resp_bytes),
                F_CLIENT),
            rec("End", req, "", 0)]
    for batch in (first, be, rest):
        seg.log_batch(batch)


# ------------------------------------------------------------ libsluice

# The library this Python process loads is always the normal build's: an
# ASan-built one would need the ASan runtime loaded before Python.
LIB = REPO / "lib" / "libsluice.so.1"
# $SLUICE_TOOLS_DIR: where the tools are (relative to the repository root),
# and the example under it in examples/: build-asan after `make asan`
# (scripts/test.sh's sanitizer pass). Unset: the normal build's.
TOOLS_DIR = REPO / os.environ.get("SLUICE_TOOLS_DIR", ".")
TOOLS = {t: str(TOOLS_DIR / t)
         for t in ("sluicelog", "sluicencsa", "sluicestat")}
EXAMPLE = (TOOLS_DIR if os.environ.get("SLUICE_TOOLS_DIR") else
           REPO / "build") / "examples" / "sl-example"

NEXT_NONE, NEXT_RECORD, NEXT_LOST, NEXT_RESTART, NEXT_EOF = range(5)
CHECK_SAME, CHECK_SECTIONS, CHECK_RESTARTED, CHECK_STOPPED = range(4)
E = {-1: "ENOENT", -2: "EVERSION", -3: "ECORRUPT", -4: "ESYS",
     -5: "ETIMEDOUT", -6: "ENOMEM", -7: "EINVAL", -8: "EBUSY",
     -9: "ENOTREADY", -10: "ENOLOG"}


class Record(ctypes.Structure):
    _fields_ = [("tag", ctypes.c_uint), ("flags", ctypes.c_uint),
                ("vxid", ctypes.c_uint32), ("len", ctypes.c_uint32),
                ("data", ctypes.c_void_p)]


class CursorStats(ctypes.Structure):
    _fields_ = [(n, ctypes.c_uint64) for n in (
        "records", "bytes", "overruns", "rejected", "lost_records",
        "lost_bytes",
        "last_lost_records", "last_lost_bytes", "restarts", "position")]


class Counter(ctypes.Structure):
    _fields_ = [("type", ctypes.c_char_p), ("section_type", ctypes.c_char_p),
                ("ident", ctypes.c_char_p), ("name", ctypes.c_char_p),
                ("doc", ctypes.c_char_p), ("kind", ctypes.c_uint),
                ("flags", ctypes.c_uint), ("value", ctypes.c_uint64)]


class Section_(ctypes.Structure):
    _fields_ = [("class_", ctypes.c_uint), ("type", ctypes.c_char_p),
                ("ident", ctypes.c_char_p), ("offset", ctypes.c_uint64),
                ("len", ctypes.c_uint64), ("cool_until", ctypes.c_int64)]


class SlError(Exception):
    def __init__(self, code, msg):
        super().__init__("%s: %s" % (E.get(code, code), msg))
        self.code, self.name, self.msg = code, E.get(code, str(code)), msg


def lib():
    """libsluice through ctypes, loaded once."""
    global _LIB
    try:
        return _LIB
    except NameError:
        pass
    if not LIB.exists():
        import pytest
        pytest.fail("%s is missing: run `make` first" % LIB)
    L = ctypes.CDLL(str(LIB))
    vp, ip, cp = ctypes.c_void_p, ctypes.c_int, ctypes.c_char_p
    sig = {
        "sl_open": (ip, [ctypes.POINTER(vp), cp, ctypes.c_uint]),
        "sl_open_wait": (ip, [ctypes.POINTER(vp), cp, ctypes.c_uint,
                              ctypes.c_double]),
        "sl_close": (None, [ctypes.POINTER(vp)]),
        "sl_check": (ip, [vp]),
        "sl_last_error": (cp, []),
        "sl_cursor_new": (ip, [ctypes.POINTER(vp), vp, ctypes.c_uint]),
        "sl_cursor_next": (ip, [vp, ctypes.POINTER(Record)]),
        "sl_cursor_stats": (None, [vp, ctypes.POINTER(CursorStats)]),
        "sl_cursor_free": (None, [ctypes.POINTER(vp)]),
        "sl_counters_snapshot": (ip, [vp, ctypes.POINTER(vp)]),
        "sl_counters_len": (ctypes.c_size_t, [vp]),
        "sl_counters_at": (ctypes.POINTER(Counter), [vp, ctypes.c_size_t]),
        "sl_counters_free": (None, [ctypes.POINTER(vp)]),
        "sl_section_count": (ctypes.c_size_t, [vp]),
        "sl_section_get": (ip, [vp, ctypes.c_size_t,
                                ctypes.POINTER(Section_)]),
        "sl_tag_name": (cp, [ctypes.c_uint]),
    }
    for name, (res, args) in sig.items():
        f = getattr(L, name)
        f.restype, f.argtypes = res, args
    _LIB = L
    return L


def check(ret):
    if ret < 0:
        raise SlError(ret, lib().sl_last_error().decode())
    return ret


class Shm:
    """An attachment through libsluice."""

    def __init__(self, name, wait=None, flags=0):
        self.h = ctypes.c_void_p()
        if wait is None:
            check(lib().sl_open(ctypes.byref(self.h), str(name).encode(),
                                flags))
        else:
            check(lib().sl_open_wait(ctypes.byref(self.h),
                                     str(name).encode(), flags, wait))

    def check(self):
        return check(lib().sl_check(self.h))

    def cursor(self, tail=False):
        return Cursor(self, tail)

    def counters(self):
        """{(type, ident, name): value}"""
        snap = ctypes.c_void_p()
        check(lib().sl_counters_snapshot(self.h, ctypes.byref(snap)))
        out = {}
        for i in range(lib().sl_counters_len(snap)):
            c = lib().sl_counters_at(snap, i).contents
            out[(c.type.decode(), c.ident.decode(), c.name.decode())] = \
                c.value
        lib().sl_counters_free(ctypes.byref(snap))
        return out

    def sections(self):
        out = []
        for i in range(lib().sl_section_count(self.h)):
            s = Section_()
            check(lib().sl_section_get(self.h, i, ctypes.byref(s)))
            out.append((s.class_, s.type.decode(), s.ident.decode(),
                        s.offset, s.len, s.cool_until))
        return out

    def close(self):
        lib().sl_close(ctypes.byref(self.h))


class Cursor:
    def __init__(self, shm, tail=False):
        self.shm = shm          # keeps the attachment alive
        self.h = ctypes.c_void_p()
        check(lib().sl_cursor_new(ctypes.byref(self.h), shm.h,
                                  1 if tail else 0))

    def next(self):
        """(code, (tag name, vxid, flags, payload bytes) or None)"""
        r = Record()
        code = check(lib().sl_cursor_next(self.h, ctypes.byref(r)))
        if code != NEXT_RECORD:
            return code, None
        name = lib().sl_tag_name(r.tag)
        return code, (name.decode() if name else r.tag, r.vxid, r.flags,
                      ctypes.string_at(r.data, r.len))

    def read_all(self, limit=1000000):
        """Records until caught up; events other than records included
        as ("<event>", code)."""
        out = []
        for _ in range(limit):
            code, rec = self.next()
            if code == NEXT_RECORD:
                out.append(rec)
            elif code == NEXT_NONE or code == NEXT_EOF:
                return out
            else:
                out.append(("<event>", code))
        return out

    def stats(self):
        st = CursorStats()
        lib().sl_cursor_stats(self.h, ctypes.byref(st))
        return {n: getattr(st, n) for n, _ in CursorStats._fields_}

    def free(self):
        lib().sl_cursor_free(ctypes.byref(self.h))


def run_tool(tool, *args, timeout=20, input=None):
    """Run a tool; returns CompletedProcess with text stdout/stderr."""
    path = TOOLS[tool]
    if not os.path.exists(path):
        import pytest
        pytest.fail("%s is missing: run `make` first" % path)
    return subprocess.run([path] + [str(a) for a in args],
                          capture_output=True, text=True, errors="replace",
                          timeout=timeout, input=input)


def crashed(proc):
    """A tool killed by a signal (SIGSEGV, SIGBUS, SIGABRT...), or one that
    printed a sanitizer report (a build with ASan or UBSan may be told to
    go on after one). proc: a CompletedProcess, or a Popen whose stderr
    was read (then only its exit status is looked at)."""
    from conftest import sanitizer_report
    err = proc.stderr if isinstance(proc.stderr, str) else ""
    return proc.returncode < 0 or proc.returncode > 128 or \
        bool(sanitizer_report(err))


# ------------------------------------------------------- the helper's tests

def c_sizes():
    """sizeof/offsetof of the format structs, from the C header itself."""
    import tempfile
    src = r"""
#include <stddef.h>
#include <stdio.h>
#include "shm/shm-t.h"
int main(void) {
  printf("%zu %zu %zu %zu %zu %zu %zu %zu\n", sizeof(struct shm_head),
         sizeof(struct shm_section), sizeof(struct shm_log),
         sizeof(struct shm_ctr_field), offsetof(struct shm_head, alloc_seq),
         offsetof(struct shm_log, records), offsetof(struct shm_section, type),
         sizeof(struct shm_ctr_head));
  return 0;
}
"""
    with tempfile.TemporaryDirectory() as d:
        c = os.path.join(d, "s.c")
        Path(c).write_text(src)
        exe = os.path.join(d, "s")
        subprocess.run(["cc", "-I", str(REPO / "src"), "-o", exe, c],
                       check=True)
        return [int(x) for x in subprocess.run(
            [exe], capture_output=True, text=True, check=True).stdout.split()]


def test_writer_matches_the_c_header():
    assert c_sizes() == [HEAD_SIZE, SECT_SIZE, LOG_HEAD, FIELD_SIZE, 40, 144,
                         32, 16]


def test_writer_file_reads_back(tmp_path):
    path = tmp_path / "seg"
    seg = Segment(path, ring_size=4096)
    seg.add_counters("frontend", "www", [("requests", "requests", COUNTER,
                                          FE)], threads=2)
    seg.set_counter("frontend", "www", "requests", 3, thread=0)
    seg.set_counter("frontend", "www", "requests", 4, thread=1)
    seg.log("Debug", 7, "hello")
    shm = Shm(path)
    assert shm.counters() == {("frontend", "www", "requests"): 7}
    c = shm.cursor()
    assert c.read_all() == [("Debug", 7, 0, b"hello")]
    c.free()
    shm.close()
    seg.close()
