#!/usr/bin/env bash
# The README's test command, and what CI runs (.ci/run): installs what is missing (build tools
# and the real test peers: prometheus, promtool, pushgateway, aiosmtpd, curl, clang), then
#   0. checks that every C++ source follows .clang-format (clang-format --dry-run -Werror);
#   1. builds everything (build/) and runs the whole suite with CTest;
#      then smoke-runs every benchmark of bench/ for about a second each (bench/smoke.sh);
#   2. builds with ASan+UBSan (build-asan/, -O0 with line tables only) and runs the whole suite
#      again;
#   3. builds the daemon, indicatorctl and the integration suite with ThreadSanitizer
#      (build-tsan/, -O1 with line tables only) and runs the integration suite again, browsers
#      aside (the daemon's threads: event loop, writer, delivery; docs/architecture.md);
#   4. builds the libFuzzer targets with clang (build-fuzz/) and runs each briefly
#      (INDICATORD_FUZZ_SECONDS, default 10).
# The sanitizer builds keep line tables (-g1), enough for every report's stack, instead of full
# debug information, and TSan builds at -O1 as its manual advises: together they halve those
# builds, which were most of CI's time.
# Exits non-zero on any failure.
#   --quick   only step 1 (for a quick local run)
set -euo pipefail
cd "$(dirname "$0")/.."

quick=0
for arg in "$@"; do
  case "$arg" in
    --quick) quick=1 ;;
    *) echo "usage: $0 [--quick]" >&2; exit 2 ;;
  esac
done

bash scripts/install-deps.sh --test
jobs=$(nproc)
step() { printf '\n=== %s (%s)\n' "$1" "$(date +%T)"; }

step "format (.clang-format)"
git ls-files '*.cpp' '*.hpp' | xargs clang-format --dry-run -Werror

step "build and test"
cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j "$jobs"
ctest --test-dir build --output-on-failure -j "$jobs"

step "benchmark smoke run"
bash bench/smoke.sh build
((quick)) && exit 0

# The .deb tests check the package (lintian, purge), not memory or threads: the first suite runs
# them; under ASan they took 2.5 minutes of CI for nothing a sanitizer looks at.
packaging='^integration: ?(deb: |cpack )'

step "ASan+UBSan build and test"
cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS_DEBUG=-g1 \
      -DINDICATORD_SANITIZE=ON -DINDICATORD_BUILD_BENCH=OFF >/dev/null
cmake --build build-asan -j "$jobs"
ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest --test-dir build-asan --output-on-failure -j "$jobs" -E "$packaging"

step "ThreadSanitizer build and test"
cmake -S . -B build-tsan -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
      -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -g1 -DNDEBUG" -DINDICATORD_SANITIZE=thread \
      -DINDICATORD_BUILD_BENCH=OFF >/dev/null
cmake --build build-tsan -j "$jobs" --target indicatord indicatorctl integration_tests
TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1 suppressions=$PWD/tests/tsan.supp" \
  ctest --test-dir build-tsan --output-on-failure -j "$jobs" -L integration -LE browser \
  -E "$packaging"

step "fuzz"
bash scripts/fuzz.sh "${INDICATORD_FUZZ_SECONDS:-10}"
step "all passed"
