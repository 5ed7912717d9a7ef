#!/usr/bin/env bash
# Crash loop, the long form: kill -9 indicatord under write load, again and again, and check
# that every value that got a 200 is there after each restart. See docs/operations.md,
# "Limits and failure behaviour".
#
#   bench/crash_loop.sh [--smoke] [BUILD_DIR]        (default: build under the repository)
#
# It runs the integration test "[robustness][crash]" (tests/integration/crash_test.cpp)
# CRASH_ROUNDS times, each round with a fresh database and seed and more load than in CI. In
# every cycle of a round, CRASH_THREADS writers post over keep-alive connections (one of them
# batches of three, the rest single values, every value distinct) while the daemon is killed with
# SIGKILL after a random CRASH_MIN_MS..CRASH_MAX_MS of load, then restarted on the same file. After
# each restart: every acknowledged value is stored exactly once, nothing is stored that was never
# sent, no batch is torn. After the last cycle it stops the daemon with SIGTERM and runs
# `PRAGMA integrity_check` on the file. Builds nothing: BUILD_DIR must hold
# tests/integration_tests (ninja -C BUILD_DIR integration_tests); an ASan build (build-asan) works.
# 127.0.0.1 only. --smoke: one round of 3 short cycles (about a second), to check only that the
# script still runs (bench/smoke.sh). Exit status: 0 when every round passed, 1 at the first
# failed round (its seed is printed: CRASH_SEED=... CRASH_ROUNDS=1 repeats it), 2 on setup failure.
#
# Environment (defaults):
#   CRASH_ROUNDS=25        rounds, each a fresh database (25 x 20 = 500 kills)
#   CRASH_CYCLES=20        kill/restart cycles per round
#   CRASH_THREADS=8        writer threads
#   CRASH_MIN_MS=50        load before each kill, at least ...
#   CRASH_MAX_MS=1000      ... and at most, in ms
#   CRASH_SEED=            seed of the first round (later rounds: seed+1, ...); default random
#   TMPDIR=/tmp            where the databases go: put it on the disk you care about
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/.." && pwd)
smoke=0
[[ ${1:-} == --smoke ]] && { smoke=1; shift; }
[[ ${1:-} != -* ]] || { echo "usage: bench/crash_loop.sh [--smoke] [BUILD_DIR]" >&2; exit 2; }
build=${1:-build}
[[ -d $build ]] || build=$repo/$build
build=$(cd "$build" 2>/dev/null && pwd) || { echo "crash_loop.sh: no build directory '${1:-build}'" >&2; exit 2; }
tests=$build/tests/integration_tests
[[ -x $tests ]] || { echo "crash_loop.sh: missing $tests (build with: ninja -C $build integration_tests)" >&2; exit 2; }

if ((smoke)); then
    : "${CRASH_ROUNDS:=1}" "${CRASH_CYCLES:=3}" "${CRASH_THREADS:=4}" "${CRASH_MIN_MS:=50}" "${CRASH_MAX_MS:=200}"
fi
rounds=${CRASH_ROUNDS:-25}
seed=${CRASH_SEED:-$(( (RANDOM << 15) | RANDOM ))}
export INDICATORD_CRASH_CYCLES=${CRASH_CYCLES:-20}
export INDICATORD_CRASH_THREADS=${CRASH_THREADS:-8}
export INDICATORD_CRASH_MIN_MS=${CRASH_MIN_MS:-50}
export INDICATORD_CRASH_MAX_MS=${CRASH_MAX_MS:-1000}

echo "crash loop: $rounds rounds x $INDICATORD_CRASH_CYCLES kill -9 cycles, $INDICATORD_CRASH_THREADS writers," \
     "${INDICATORD_CRASH_MIN_MS}-${INDICATORD_CRASH_MAX_MS} ms of load per cycle, first seed $seed"
start=$SECONDS
for ((round = 1; round <= rounds; round++)); do
    export INDICATORD_CRASH_SEED=$((seed + round - 1))
    log=$(mktemp "${TMPDIR:-/tmp}/crash_loop.XXXXXX")
    if "$tests" "[robustness][crash]" >"$log" 2>&1; then
        printf 'round %d/%d: %s\n' "$round" "$rounds" "$(grep -m1 '^crash loop:' "$log" || echo 'passed')"
        rm -f "$log"
    else
        cat "$log"
        echo "crash_loop.sh: round $round FAILED; repeat it with CRASH_SEED=$INDICATORD_CRASH_SEED CRASH_ROUNDS=1" \
             "CRASH_CYCLES=$INDICATORD_CRASH_CYCLES CRASH_THREADS=$INDICATORD_CRASH_THREADS" \
             "CRASH_MIN_MS=$INDICATORD_CRASH_MIN_MS CRASH_MAX_MS=$INDICATORD_CRASH_MAX_MS (log: $log)" >&2
        exit 1
    fi
done
echo "crash loop: all $rounds rounds passed ($((rounds * INDICATORD_CRASH_CYCLES)) kills) in $((SECONDS - start)) s"
