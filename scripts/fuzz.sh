#!/usr/bin/env bash
# Builds the libFuzzer targets (tests/fuzz) with clang into build-fuzz/ and runs each for SECONDS
# (default 20) on a fresh copy of its seed corpus (tests/fuzz/corpus/<target>/ is never written)
# with its dictionary (tests/fuzz/<target>.dict).
# Exits non-zero if any target finds a crash, a sanitizer report, a timeout or an OOM; the input
# is kept in build-fuzz/fuzz/<target>/artifacts/ and the report in build-fuzz/fuzz/<target>/log.
#   bash scripts/fuzz.sh [SECONDS] [TARGET...]       (docs/operations.md, "Fuzzing")
# Targets run side by side, as many at a time as there are cores (or FUZZ_PARALLEL).
set -euo pipefail
cd "$(dirname "$0")/.."

seconds=${1:-20}
[[ $seconds =~ ^[0-9]+$ ]] || { echo "usage: $0 [SECONDS] [TARGET...]" >&2; exit 2; }
shift $(($# > 0 ? 1 : 0))
all=(fuzz_values_json fuzz_values_csv fuzz_rules fuzz_config fuzz_http fuzz_templates)
targets=("$@")
((${#targets[@]} > 0)) || targets=("${all[@]}")
for t in "${targets[@]}"; do
  [[ " ${all[*]} " == *" $t "* ]] || { echo "fuzz: unknown target '$t' (one of ${all[*]})" >&2; exit 2; }
done

bash scripts/install-deps.sh --test
build=build-fuzz
# -O1 with line tables only, as OSS-Fuzz builds: enough for every report's stack, and half the
# compile time of -O2 -g.
CC=clang-14 CXX=clang++-14 cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_CXX_FLAGS_RELWITHDEBINFO="-O1 -gline-tables-only -DNDEBUG" \
  -DINDICATORD_FUZZ=ON -DINDICATORD_BUILD_TESTS=OFF -DINDICATORD_BUILD_BENCH=OFF >/dev/null
cmake --build "$build" --target "${targets[@]}"

symbolizer=/usr/lib/llvm-14/bin/llvm-symbolizer
[[ -x $symbolizer ]] && export ASAN_SYMBOLIZER_PATH=$symbolizer
# Allocation stacks of 10 frames and a 64 MB quarantine: with ASan's defaults (30, 256 MB) the
# stack depot alone makes fuzz_rules grow by ~1.5 MB per 10000 inputs, past -rss_limit_mb in an
# hour. Run a target by hand (docs/operations.md) for full allocation stacks.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:malloc_context_size=10:quarantine_size_mb=64:strict_string_checks=1:detect_stack_use_after_return=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}

run() {
  local t=$1 dir=$build/fuzz/$1
  rm -rf "$dir"
  mkdir -p "$dir/corpus" "$dir/artifacts"
  cp tests/fuzz/corpus/"$t"/* "$dir/corpus/"
  local dict=()
  [[ -f tests/fuzz/$t.dict ]] && dict=(-dict="tests/fuzz/$t.dict")
  "$build/tests/fuzz/$t" -max_total_time="$seconds" -timeout=5 -rss_limit_mb=2048 "${dict[@]}" \
    -artifact_prefix="$dir/artifacts/" -print_final_stats=1 "$dir/corpus" >"$dir/log" 2>&1
}

report() {
  local t=$1 status=$2 dir=$build/fuzz/$1
  local done_line runs rate
  done_line=$(grep -a -E '^#[0-9]+[[:space:]]+DONE' "$dir/log" | tail -1 || true)
  runs=$(grep -a -o -E 'stat::number_of_executed_units:[[:space:]]*[0-9]+' "$dir/log" | grep -o -E '[0-9]+$' || echo '?')
  rate=$(grep -a -o -E 'stat::average_exec_per_sec:[[:space:]]*[0-9]+' "$dir/log" | grep -o -E '[0-9]+$' || echo '?')
  if ((status == 0)); then
    printf 'fuzz: %-17s ok    %s runs, %s exec/s, %s\n' "$t" "$runs" "$rate" \
      "$(sed -E 's/.*(cov: [0-9]+ ft: [0-9]+ corp: [^ ]+).*/\1/' <<<"$done_line")"
  else
    printf 'fuzz: %-17s FAILED (exit %s) after %s runs; log %s\n' "$t" "$status" "$runs" "$dir/log"
    grep -a -E -A60 '^==[0-9]+==ERROR|runtime error:|^fuzz: invariant|deadly signal|ERROR: libFuzzer' \
      "$dir/log" | head -80 || tail -40 "$dir/log"
    for a in "$dir"/artifacts/{crash,leak,timeout,oom}-*; do
      if [[ -e $a ]]; then echo "fuzz: input kept in $a; reproduce with: $build/tests/fuzz/$t $a"; fi
    done
  fi
  return 0
}

parallel=${FUZZ_PARALLEL:-$(nproc)}
((parallel >= 1)) || parallel=1
declare -A name_of
failed=()
running=0
reap() {
  local pid status=0
  wait -n -p pid || status=$?
  running=$((running - 1))
  report "${name_of[$pid]}" "$status"
  ((status == 0)) || failed+=("${name_of[$pid]}")
}
for t in "${targets[@]}"; do
  ((running < parallel)) || reap
  run "$t" &
  name_of[$!]=$t
  running=$((running + 1))
done
while ((running > 0)); do reap; done

if ((${#failed[@]} > 0)); then
  echo "fuzz: ${#failed[@]} target(s) failed: ${failed[*]}" >&2
  exit 1
fi
echo "fuzz: ${#targets[@]} target(s), ${seconds}s each: no crash"
