#!/usr/bin/env bash
# test.sh: run sluice's test suites; called by `make test` once everything is
# built (./sluice, build-asan/: sluice and the tools, the unit tests and the
# fuzz targets).
#
#   1. the integration suite against the ASan+UBSan binaries: sluice with the
#      pools in no-cache mode (-dMno-cache: every pool object is a malloc, so
#      ASan sees its whole life) and the tools (sluicelog, sluicencsa,
#      sluicestat, the libsluice example) of build-asan/; stops at the first
#      failure; sanitizer reports make the test fail;
#   2. the integration modules that run several worker threads against the
#      ThreadSanitizer binary (a race report makes sluice exit 66 and the
#      test fail; tests/tsan.supp lists the races that are the design);
#   3. every test (integration, C unit tests, fuzz targets) with ./sluice.
#
# Exits non-zero if any run failed. The last line printed is the summary
# line of the last pytest run. Debian's python3 is used on purpose, not
# whatever python3 comes first in PATH.
set -euo pipefail

cd "$(dirname "$0")/.."
PYTHON=/usr/bin/python3
export PYTHONDONTWRITEBYTECODE=1     # leave no __pycache__ in the tree

# Sanitizer errors abort with a report on stderr, which the fixtures read.
export ASAN_OPTIONS="abort_on_error=1:halt_on_error=1:detect_leaks=1:disable_coredump=1:print_summary=1:strict_string_checks=1:detect_stack_use_after_return=1:quarantine_size_mb=8"
export UBSAN_OPTIONS="abort_on_error=1:halt_on_error=1:print_stacktrace=1:print_summary=1"

status=0

echo "== integration tests against build-asan/ (sluice, pools in no-cache mode, and the tools)"
# The tests' own Python process loads libsluice through ctypes: that stays
# the normal build's lib/libsluice.so.1 (an ASan library needs the ASan
# runtime loaded first); the tools and the example run from build-asan/.
SLUICE_EXTRA_ARGS=-dMno-cache SLUICE_BIN=build-asan/sluice \
SLUICE_TOOLS_DIR=build-asan \
    "$PYTHON" -m pytest -q -x -p no:cacheprovider \
    tests/integration --ignore=tests/integration/test_unit.py \
    --deselect tests/integration/test_shm_sluice.py::test_the_writers_batches_read_whole_by_concurrent_readers \
    || status=1

echo "== multi-threaded integration tests against build-tsan/sluice"
TSAN_OPTIONS="suppressions=$PWD/tests/tsan.supp history_size=7" \
SLUICE_BIN=build-tsan/sluice "$PYTHON" -m pytest -q -p no:cacheprovider \
    tests/integration/test_basic.py tests/integration/test_buffers.py \
    tests/integration/test_checks.py tests/integration/test_hostile.py \
    tests/integration/test_reuse.py \
    tests/integration/test_signals.py tests/integration/test_stats.py \
    tests/integration/test_tcp_mode.py tests/integration/test_wrk.py \
    tests/integration/test_shm_sluice.py \
    --deselect tests/integration/test_shm_sluice.py::test_the_writers_batches_read_whole_by_concurrent_readers \
    || status=1

echo "== all tests against ./sluice"
SLUICE_BIN=sluice "$PYTHON" -m pytest -q -p no:cacheprovider tests/ || status=1

exit "$status"
