"""Runs the C unit tests and the libFuzzer targets (built by `make fuzz`) as
pytest cases, one case each. Every unit test runs three times: as built by
`make unit`, under valgrind's memcheck (a read of uninitialised memory fails
on every machine, not only where the stack held garbage), and as built with
ASan+UBSan (`make BUILD=build-asan SAN=1 unit-bin`)."""

import os
import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
UNIT_SRC = sorted((REPO / "tests" / "unit").glob("test_*.c"))
FUZZ_SRC = sorted((REPO / "tests" / "fuzz").glob("fuzz_*.c"))
FUZZ_SECONDS = 20


def tail(text, n=6000):
    return text if len(text) <= n else "...\n" + text[-n:]


def test_there_are_unit_tests_and_fuzz_targets():
    assert UNIT_SRC, "no tests/unit/test_*.c found"
    assert FUZZ_SRC, "no tests/fuzz/fuzz_*.c found"


@pytest.mark.parametrize("src", UNIT_SRC, ids=[p.stem for p in UNIT_SRC])
@pytest.mark.parametrize("how", ["plain", "memcheck", "asan"])
def test_unit(src, how):
    build = "build-asan" if how == "asan" else "build"
    binary = REPO / build / "tests" / "unit" / src.stem
    if not binary.exists():
        pytest.fail("%s is missing: run `make test` (or `make unit` and "
                    "`make BUILD=build-asan SAN=1 unit-bin`) first" %
                    binary.relative_to(REPO))
    cmd = [str(binary)]
    env = dict(os.environ)
    if how == "memcheck":
        if not shutil.which("valgrind"):
            pytest.fail("valgrind is missing: run scripts/deps.sh as root")
        # --fair-sched: the threaded tests would starve a thread otherwise
        cmd = ["valgrind", "-q", "--error-exitcode=99", "--fair-sched=yes",
               "--undef-value-errors=yes"] + cmd
    elif how == "asan":
        env["ASAN_OPTIONS"] = "abort_on_error=1:halt_on_error=1:detect_leaks=1"
        env["UBSAN_OPTIONS"] = "halt_on_error=1:print_stacktrace=1"
    r = subprocess.run(cmd, cwd=str(REPO), capture_output=True, env=env,
                       text=True, errors="replace", timeout=300)
    assert r.returncode == 0, "%s (%s) exited with %d\n%s%s" % (
        src.stem, how, r.returncode, tail(r.stdout), tail(r.stderr))


@pytest.mark.parametrize("src", FUZZ_SRC, ids=[p.stem for p in FUZZ_SRC])
def test_fuzz(src, tmp_path):
    binary = REPO / "build-fuzz" / src.stem
    if not binary.exists():
        pytest.fail("%s is missing: run `make fuzz` first" %
                    binary.relative_to(REPO))
    name = src.stem[len("fuzz_"):]
    seeds = REPO / "tests" / "fuzz" / "corpus" / name
    if not seeds.is_dir():
        pytest.fail("no seed corpus tests/fuzz/corpus/%s/ for %s"
                    % (name, src.stem))
    corpus = tmp_path / "corpus"
    shutil.copytree(seeds, corpus)        # libFuzzer adds to it: not the tree
    artifacts = tmp_path / "artifacts"
    artifacts.mkdir()
    r = subprocess.run([str(binary), "-max_total_time=%d" % FUZZ_SECONDS,
                        "-runs=5000000", "-timeout=10", "-rss_limit_mb=2048",
                        "-print_final_stats=1",
                        "-artifact_prefix=%s/" % artifacts, str(corpus)],
                       cwd=str(tmp_path), capture_output=True, text=True,
                       errors="replace", timeout=FUZZ_SECONDS + 120)
    crashes = sorted(p.name for p in artifacts.iterdir())
    assert r.returncode == 0 and not crashes, \
        "%s failed (exit %d, artifacts %s)\n%s" % (
            src.stem, r.returncode, crashes, tail(r.stderr))
