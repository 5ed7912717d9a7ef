#!/usr/bin/env bash
# Bulletin benchmark (docs/benchmarks.md, "Bulletins"): `indicatorctl bulletin` of the bundled
# Lishui plan with its test values, and of a generated plan of N quarterly indicators with two
# quarters stored (one in seven Q2 reports missing, one in five late), in each format; prints
# the wall time and peak RSS of each run and checks them against the targets (Lishui < 100 ms,
# as the daemon answers GET /api/v1/bulletin with its plan loaded; the generated plan < 3 s and
# < 300 MB for the whole `indicatorctl bulletin`, loading the plan included), and that the JSON
# counts every indicator.
#
#   bench/bulletin.sh [--smoke] [BUILD_DIR]     (default build-bench)
#
# --smoke: 2,000 indicators, the figures are not checked (CI, bench/smoke.sh). BULLETIN_INDICATORS
# sets N (1..100000). Needs sqlite3, /usr/bin/time and /usr/bin/python3.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/.." && pwd)
smoke=0
[[ ${1:-} == --smoke ]] && { smoke=1; shift; }
[[ ${1:-} != -* ]] || { echo "usage: bench/bulletin.sh [--smoke] [BUILD_DIR]" >&2; exit 2; }
build=${1:-build-bench}
[[ -d $build ]] || build=$repo/$build
build=$(cd "$build" 2>/dev/null && pwd) || { echo "bulletin.sh: no build directory '${1:-build-bench}'" >&2; exit 2; }
((smoke)) && : "${BULLETIN_INDICATORS:=2000}"
N=${BULLETIN_INDICATORS:-100000}
(( N >= 1 && N <= 100000 )) || { echo "bulletin.sh: BULLETIN_INDICATORS must be 1..100000" >&2; exit 2; }
ctl=$build/daemon/indicatorctl
[[ -x $ctl ]] || { echo "bulletin.sh: missing $ctl (ninja -C $build indicatorctl)" >&2; exit 2; }
for c in sqlite3 curl /usr/bin/time /usr/bin/python3; do
    command -v "$c" >/dev/null || { echo "bulletin.sh: needs $c" >&2; exit 2; }
done

tmp=$(mktemp -d "${TMPDIR:-/tmp}/indicatord-bulletin.XXXXXX")
daemon_pid=""
cleanup() {
    [[ -n $daemon_pid ]] && kill -KILL "$daemon_pid" 2>/dev/null
    rm -rf "$tmp"
}
trap cleanup EXIT
failures=()
fail() { failures+=("$*"); echo "CHECK FAILED: $*" >&2; }

schema="CREATE TABLE observation (id INTEGER PRIMARY KEY, indicator TEXT NOT NULL,
  period TEXT NOT NULL, revision INTEGER NOT NULL, value REAL NOT NULL, note TEXT NOT NULL DEFAULT '',
  reported_at INTEGER NOT NULL, reporter TEXT NOT NULL DEFAULT '', UNIQUE (indicator, period, revision));"

# run NAME LIMIT_MS LIMIT_MB ARGS...: one `indicatorctl bulletin`, timed; limits 0: not checked
run() {
    local name=$1 limit_ms=$2 limit_mb=$3 ms mb
    shift 3
    /usr/bin/time -f '%e %M' -o "$tmp/time" "$ctl" bulletin "$@" 2>"$tmp/err" ||
        { fail "$name: indicatorctl bulletin failed: $(head -3 "$tmp/err")"; return; }
    ms=$(awk '{ printf "%d", $1 * 1000 }' "$tmp/time")
    mb=$(awk '{ printf "%.0f", $2 / 1024 }' "$tmp/time")
    printf '%-34s %8s ms %8s MB\n' "$name" "$ms" "$mb"
    if ((!smoke)); then
        ((limit_ms == 0 || ms < limit_ms)) || fail "$name: $ms ms, target < $limit_ms ms"
        ((limit_mb == 0 || mb < limit_mb)) || fail "$name: $mb MB peak RSS, target < $limit_mb MB"
    fi
}

echo "bulletin benchmark: $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg)"

# The Lishui plan with its test values (stored as the daemon stores them; the one row naming its
# indicator by name instead of key is left out by the bulletin like any unknown key).
/usr/bin/python3 - "$repo/rules/tests/lishui-2023-values.csv" "$tmp/lishui.db" "$schema" <<'EOF'
import csv, datetime, sqlite3, sys
db = sqlite3.connect(sys.argv[2])
db.executescript(sys.argv[3])
with open(sys.argv[1], encoding="utf-8") as f:
    for r in csv.DictReader(f):
        at = int(datetime.datetime.fromisoformat(r["reported_at"]).timestamp() * 1000)
        db.execute("INSERT INTO observation (indicator, period, revision, value, note, reported_at)"
                   " VALUES (?, ?, 1, ?, ?, ?)", (r["indicator"], r["period"], float(r["value"]),
                                                  r["note"], at))
db.commit()
EOF
for f in json xlsx html md; do
    run "lishui, indicatorctl $f" 0 0 "$repo/config/indicatord.yaml" --database "$tmp/lishui.db" \
        --as-of 2023-07-31 --format "$f" -o "$tmp/lishui.$f"
done

# The daemon's answer to GET /api/v1/bulletin, the plan loaded already: the bulletin alone
# (reading the values as they stood, evaluating, rendering). Best of five.
mkdir -p "$tmp/daemon"
printf 'rules: %s/rules/lishui-2023\ncalendars: %s/config/calendars\nevaluation_interval: 1h\n' \
    "$repo" "$repo" > "$tmp/daemon/lishui.yaml"
"$build/daemon/indicatord" --config "$tmp/daemon/lishui.yaml" --listen 127.0.0.1:0 \
    --database "$tmp/daemon/lishui.db" --test-clock --now 2024-02-01T00:00:00+08:00 \
    >"$tmp/daemon/out" 2>"$tmp/daemon/err" &
daemon_pid=$!
port=""
for ((i = 0; i < 1500; i++)); do
    port=$(sed -n 's/^indicatord: listening on http:\/\/127\.0\.0\.1:\([0-9]*\).*/\1/p' "$tmp/daemon/out")
    [[ -n $port ]] && break
    kill -0 "$daemon_pid" 2>/dev/null || break
    sleep 0.02
done
if [[ -z $port ]]; then
    fail "indicatord did not start: $(head -3 "$tmp/daemon/err")"
else
    "$ctl" import "$tmp/daemon/lishui.yaml" "$repo/rules/tests/lishui-2023-values.csv" \
        --url "http://127.0.0.1:$port" >/dev/null || fail "indicatorctl import failed"
    for f in json xlsx; do
        best=""
        for ((i = 0; i < 5; i++)); do
            t=$(curl -sf -o "$tmp/daemon/b.$f" -w '%{time_total}' \
                "http://127.0.0.1:$port/api/v1/bulletin?as_of=2023-07-31&format=$f") ||
                { fail "GET /api/v1/bulletin?format=$f failed"; break; }
            ms=$(awk -v t="$t" 'BEGIN { printf "%d", t * 1000 }')
            [[ -z $best || $ms -lt $best ]] && best=$ms
        done
        printf '%-34s %8s ms\n' "lishui, GET /api/v1/bulletin $f" "${best:-?}"
        if ((!smoke)) && [[ -n $best ]] && ((best >= 100)); then
            fail "lishui, GET /api/v1/bulletin $f: $best ms, target < 100 ms"
        fi
    done
    cmp -s "$tmp/daemon/b.json" <("$ctl" bulletin "$tmp/daemon/lishui.yaml" --database \
        "$tmp/daemon/lishui.db" --as-of 2023-07-31) ||
        fail "the daemon's bulletin differs from indicatorctl bulletin's"
    kill -TERM "$daemon_pid"
    wait "$daemon_pid" || fail "indicatord exited with an error after SIGTERM"
    daemon_pid=""
fi

# The generated plan: N quarterly threshold indicators in tasks of ten, 100 units.
mkdir -p "$tmp/rules"
awk -v n="$N" 'BEGIN {
    print "plan:\n  id: bench-2023\n  name: Benchmark plan\n  year: 2023\n  timezone: Asia/Shanghai"
    print "  defaults:\n    cadence: quarter\n    due: 20d\n    grace: 5d\n    remind: 3d"
    print "  report:\n    cadence: quarter\n    due: 10d"
    print "units:"
    for (u = 0; u < 100; u++) printf "  - id: unit_%02d\n    name: Bench unit %d\n    kind: department\n", u, u
    print "tasks:"
    for (i = 0; i < n; i++) {
        if (i % 10 == 0)
            printf "  - number: %d\n    section: bench %d\n    text: Benchmark task %d.\n    lead: unit_%02d\n    indicators:\n", i / 10 + 1, i / 10000, i / 10 + 1, (i / 10) % 100
        printf "      - key: bench_%05d\n        name: Bench %d\n        kind: threshold\n        measure: \"%%\"\n        op: \">=\"\n        target: 50\n        cadence: quarter\n", i, i
    }
}' > "$tmp/rules/plan.yaml"
printf 'database: bench.db\nrules: rules\ncalendars: %s/config/calendars\n' "$repo" > "$tmp/bench.yaml"
# Q1 reported 2023-04-15 (on time), Q2 2023-07-15, or 2023-07-25 (late: due 07-20) for one in
# five; one in seven Q2 reports missing (overdue by 07-31).
sqlite3 "$tmp/bench.db" >/dev/null <<EOF
PRAGMA synchronous=OFF;
$schema
BEGIN;
WITH RECURSIVE i(x) AS (SELECT 0 UNION ALL SELECT x + 1 FROM i WHERE x + 1 < $N),
               q(y) AS (SELECT 1 UNION ALL SELECT 2)
INSERT INTO observation (indicator, period, revision, value, note, reported_at)
SELECT printf('bench_%05d', x), '2023-Q' || y, 1, (x * 7 + y * 13) % 100, '',
       CASE WHEN y = 1 THEN 1681488000000 WHEN x % 5 = 0 THEN 1690214400000 ELSE 1689350400000 END
FROM i, q WHERE NOT (y = 2 AND x % 7 = 0);
COMMIT;
EOF
# the part every command pays: loading and checking the plan (indicatorctl check)
/usr/bin/time -f '%e %M' -o "$tmp/time" "$ctl" check "$tmp/bench.yaml" >/dev/null
printf '%-34s %8s ms %8s MB   (loading the plan: the floor of each run below)\n' \
    "generated $N indicators, check" "$(awk '{ printf "%d", $1 * 1000 }' "$tmp/time")" \
    "$(awk '{ printf "%.0f", $2 / 1024 }' "$tmp/time")"
for f in json xlsx md; do
    run "generated $N indicators, $f" 3000 300 "$tmp/bench.yaml" --as-of 2023-07-31 \
        --format "$f" -o "$tmp/bench.$f"
done
indicators=$(/usr/bin/python3 -c 'import json, sys; print(json.load(open(sys.argv[1]))["counts"]["indicators"])' "$tmp/bench.json")
[[ $indicators == "$N" ]] || fail "the bulletin counts $indicators indicators, expected $N"

echo
if ((${#failures[@]})); then
    for f in "${failures[@]}"; do echo "  FAILED: $f"; done
    exit 1
fi
echo "checks: every bulletin written and complete$( ((smoke)) || echo ', every figure within its target'): passed"
