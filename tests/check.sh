#!/usr/bin/env bash
# The whole test suite, as CI runs it: dependencies, a normal build with
# every test, then the ASan+UBSan build with every test, the ThreadSanitizer
# build with the tests that run the worker threads, then the fuzz targets
# for a short run.  Exit status is non-zero on any failure.
set -euo pipefail
cd "$(dirname "$0")/.."

bash tests/install-deps.sh

echo "== normal build"
cmake --preset default >/dev/null
cmake --build --preset default
ctest --preset default

echo "== ASan + UBSan build"
cmake --preset asan >/dev/null
cmake --build --preset asan
ctest --preset asan

echo "== ThreadSanitizer build (unit tests and the runner's e2e tests)"
cmake --preset tsan >/dev/null
cmake --build --preset tsan
ctest --preset tsan

if command -v clang >/dev/null 2>&1; then
  echo "== fuzz targets (short run)"
  cmake --preset fuzz >/dev/null
  cmake --build --preset fuzz
  ctest --test-dir build-fuzz -R '^fuzz\.' --output-on-failure
fi
