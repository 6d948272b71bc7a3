"""Runs the C unit tests (built by `make unit`) and the libFuzzer targets
(built by `make fuzz`) as pytest cases, one case each."""

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
def test_unit(src):
    binary = REPO / "build" / "tests" / "unit" / src.stem
    if not binary.exists():
        pytest.fail("%s is missing: run `make unit` first" %
                    binary.relative_to(REPO))
    r = subprocess.run([str(binary)], cwd=str(REPO), capture_output=True,
                       text=True, errors="replace", timeout=120)
    assert r.returncode == 0, "%s exited with %d\n%s%s" % (
        src.stem, r.returncode, tail(r.stdout), tail(r.stderr))


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
