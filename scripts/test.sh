#!/usr/bin/env bash
# Installs what is missing (build tools and the real test peers: prometheus, promtool,
# pushgateway, aiosmtpd, curl), builds everything, and runs the whole test suite with CTest.
# Exits non-zero on any failure.
#   --sanitize   also build with ASan+UBSan into build-asan/ and run the suite there
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/install-deps.sh --test
jobs=$(nproc)

cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j "$jobs"
ctest --test-dir build --output-on-failure -j "$jobs"

if [[ "${1:-}" == "--sanitize" ]]; then
  cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DINDICATORD_SANITIZE=ON \
        -DINDICATORD_BUILD_BENCH=OFF >/dev/null
  cmake --build build-asan -j "$jobs"
  ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
    ctest --test-dir build-asan --output-on-failure -j "$jobs"
fi
