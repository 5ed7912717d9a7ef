#!/usr/bin/env bash
# Web console board benchmark (docs/benchmarks.md, "Web console"): the daemon on a generated plan
# of N quarterly indicators (10 per task, 100 units, as bench/startup.sh generates it) serves the
# board (总览) page by page; each page is fetched 5 times with curl and the best time to the
# first byte (the daemon's time to build the page, on 127.0.0.1) and the page's size are
# printed. Checks: every page answers 200 and is under 300 KB; with the full plan each page is
# produced in under 100 ms (docs/web.md).
#
#   bench/board.sh [--smoke] [BUILD_DIR]        (default build)
#
# --smoke: 2,000 indicators, the times are not checked (CI, bench/smoke.sh). BOARD_INDICATORS
# sets N (1..100000).
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/.." && pwd)
smoke=0
[[ ${1:-} == --smoke ]] && { smoke=1; shift; }
[[ ${1:-} != -* ]] || { echo "usage: bench/board.sh [--smoke] [BUILD_DIR]" >&2; exit 2; }
build=${1:-build}
[[ -d $build ]] || build=$repo/$build
build=$(cd "$build" 2>/dev/null && pwd) || { echo "board.sh: no build directory '${1:-build}'" >&2; exit 2; }
((smoke)) && : "${BOARD_INDICATORS:=2000}"
N=${BOARD_INDICATORS:-100000}
(( N >= 1 && N <= 100000 )) || { echo "board.sh: BOARD_INDICATORS must be 1..100000" >&2; exit 2; }
daemon=$build/daemon/indicatord
[[ -x $daemon ]] || { echo "board.sh: missing $daemon (ninja -C $build indicatord)" >&2; exit 2; }
command -v curl >/dev/null || { echo "board.sh: needs curl" >&2; exit 2; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/indicatord-board.XXXXXX")
pid=""
cleanup() {
    local rc=$?  # the script's own status, whatever killing the daemon returns
    if [[ -n $pid ]]; then
        kill -KILL "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true  # 137: killed, as meant (set -e holds in traps)
    fi
    rm -rf "$tmp"
    exit "$rc"
}
trap cleanup EXIT
failures=()
fail() { failures+=("$*"); echo "CHECK FAILED: $*" >&2; }

mkdir -p "$tmp/rules"
awk -v n="$N" 'BEGIN {
    print "plan:\n  id: bench-2023\n  name: Benchmark plan\n  year: 2023\n  timezone: Asia/Shanghai"
    print "  defaults:\n    cadence: quarter\n    due: 20d\n    grace: 5d"
    print "units:"
    for (u = 0; u < 100; u++) printf "  - id: unit_%02d\n    name: Bench unit %d\n", u, u
    print "tasks:"
    for (i = 0; i < n; i++) {
        if (i % 10 == 0)
            printf "  - number: %d\n    section: part %d\n    text: Benchmark task %d.\n    lead: unit_%02d\n    indicators:\n", i / 10 + 1, (i / 10) % 7, i / 10 + 1, (i / 10) % 100
        printf "      - {key: bench_%05d, name: Bench %d, kind: threshold, measure: \"%%\", op: \">=\", target: 50}\n", i, i
    }
}' > "$tmp/rules/plan.yaml"
cat > "$tmp/indicatord.yaml" <<EOF
listen: 127.0.0.1:0
database: indicatord.db
rules: rules
calendars: $repo/config/calendars
evaluation_interval: 1h
log_level: warn
EOF

# On 2023-05-10 every indicator's Q1 is overdue: every task is red, the worst case for filters.
"$daemon" --config "$tmp/indicatord.yaml" --now 2023-05-10T09:00:00+08:00 >"$tmp/out" 2>"$tmp/err" &
pid=$!
base=""
for _ in $(seq 1 600); do
    base=$(sed -n 's/^indicatord: listening on \(http:[^ ]*\).*/\1/p' "$tmp/out")
    [[ -n $base ]] && break
    kill -0 "$pid" 2>/dev/null || { cat "$tmp/err" >&2; echo "board.sh: the daemon exited" >&2; exit 1; }
    sleep 0.1
done
[[ -n $base ]] || { echo "board.sh: the daemon did not start in 60 s" >&2; exit 1; }

tasks=$(( (N + 9) / 10 ))
pages=$(curl -s "$base/?page=99999" | sed -n "s/.*第 [0-9]*\/\([0-9]*\) 页.*/\1/p" | head -1)
printf 'plan: %d indicators, %d tasks, %s pages (%d CPUs, load %s)\n' "$N" "$tasks" "${pages:-1}" \
    "$(nproc)" "$(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-28s %10s %10s\n' page "best ms" "KB"
for page in "/" "/?page=2" "/?page=99999" "/?light=red" "/?unit=unit_07" "/?section=part%203" \
            "/?q=Benchmark%20task%20$tasks"; do
    best=""
    for _ in 1 2 3 4 5; do
        read -r code ttfb size < <(curl -s -o /dev/null -w '%{http_code} %{time_starttransfer} %{size_download}\n' "$base$page")
        [[ $code == 200 ]] || { fail "$page: HTTP $code"; break; }
        ms=$(awk -v t="$ttfb" 'BEGIN { printf "%.1f", t * 1000 }')
        if [[ -z $best ]] || awk -v a="$ms" -v b="$best" 'BEGIN { exit !(a < b) }'; then best=$ms; fi
    done
    [[ -n $best ]] || continue
    kb=$(( size / 1024 ))
    printf '%-28s %10s %10s\n' "$page" "$best" "$kb"
    (( size < 300 * 1024 )) || fail "$page: $kb KB, the page limit is 300 KB"
    if ((!smoke && N == 100000)); then
        awk -v a="$best" 'BEGIN { exit !(a < 100) }' || fail "$page: $best ms, target < 100 ms"
    fi
done

if ((${#failures[@]})); then
    echo "board.sh: ${#failures[@]} check(s) failed" >&2
    exit 1
fi
echo "board.sh: all checks passed"
