#!/usr/bin/env bash
# Runs every benchmark of bench/ for about a second each, to check only that it still runs and
# that its own checks pass (stored = acknowledged values, no errors, no daemon warning, complete
# scrapes, no lost value after kill -9). The figures mean nothing. scripts/test.sh runs this after
# its first build; see docs/benchmarks.md, "Smoke run".
#
#   bench/smoke.sh [BUILD_DIR]        (default: build under the repository)
#
# BUILD_DIR must hold the daemon, the bench programs and tests/integration_tests (a default
# configure builds them all). Exit status: 0 when every benchmark passed, 1 otherwise.
set -uo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/.." && pwd)
build=${1:-build}
[[ -d $build ]] || build=$repo/$build
build=$(cd "$build" 2>/dev/null && pwd) || { echo "smoke.sh: no build directory '${1:-build}'" >&2; exit 2; }

failed=()
# bench NAME CMD...: runs CMD with its output in a log, shown only when it fails.
bench() {
    local name=$1 log start rc=0
    shift
    log=$(mktemp "${TMPDIR:-/tmp}/bench-smoke.XXXXXX")
    start=$SECONDS
    "$@" >"$log" 2>&1 || rc=$?
    if ((rc == 0)); then
        printf 'bench smoke: %-12s passed (%d s)\n' "$name" $((SECONDS - start))
    else
        cat "$log"
        printf 'bench smoke: %-12s FAILED (exit %d): %s\n' "$name" "$rc" "$*"
        failed+=("$name")
    fi
    rm -f "$log"
}

bench ingest bash "$here/run.sh" --smoke "$build"
bench startup bash "$here/startup.sh" --smoke "$build"
bench eval "$build/bench/eval_bench" "$repo/config/calendars" 10000
bench crash-loop bash "$here/crash_loop.sh" --smoke "$build"
bench bulletin bash "$here/bulletin.sh" --smoke "$build"
bench board bash "$here/board.sh" --smoke "$build"

if ((${#failed[@]})); then
    echo "bench smoke: FAILED: ${failed[*]}"
    exit 1
fi
echo "bench smoke: all passed"
