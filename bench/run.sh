#!/usr/bin/env bash
# Ingest benchmark for indicatord (a benchmark, not a test). See docs/benchmarks.md.
#
#   bench/run.sh [--smoke] [BUILD_DIR]        (default: build-bench under the repository)
#
# --smoke: every phase for about a second on a small plan, without waiting for a quiet machine,
# to check only that the benchmark still runs and its checks pass (scripts/test.sh runs it via
# bench/smoke.sh); the figures it prints mean nothing.
#
# Builds nothing: BUILD_DIR must hold daemon/indicatord, bench/loadgen, bench/sqlite_baseline.
# In one run, on 127.0.0.1 only, bounded in time and count, it measures:
#   1. indicatord, batches of 1,000 values per POST, BENCH_BATCH_CONNECTIONS keep-alive connections;
#   2. indicatord, one value per POST, 64 keep-alive connections;
#   3. baselines: the same rows inserted straight into SQLite by one process (daemon schema and
#      pragmas; 1,000 rows per transaction and 1 row per transaction), and the same values pushed
#      to prometheus-pushgateway with the same client, connections and batch sizes;
#   4. optionally (BENCH_WRK=1, default) a wrk cross-check of the single-value figure.
# Each HTTP phase gets a fresh server and data directory. After each indicatord phase the daemon is
# stopped and `select count(*) from observation` must equal 2xx responses x values per request.
# Exit status: 0 when every check passed, 1 when a check failed (lost values, errors), 2 on setup
# failure. Targets are reported, not enforced, unless BENCH_STRICT=1.
# The daemon runs as in production: with working-day calendars, API tokens (the load generators
# send a unit token) and SMTP configured, so it logs no start-up warning and any warning fails.
#
# Environment (defaults):
#   BENCH_SECONDS=15             length of each HTTP phase
#   BENCH_INDICATORS=10000       indicators in the synthetic plan (quarterly thresholds)
#   BENCH_BATCH=1000             values per request in the batch phases
#   BENCH_BATCH_CONNECTIONS=8    connections in the batch phases
#   BENCH_SINGLE_CONNECTIONS=64  connections in the single-value phases
#   BENCH_SQLITE_MAX_SECONDS=20  cap on each raw SQLite run (1 row per transaction is fsync-bound)
#   BENCH_WRK=1                  also measure single values with wrk (cross-check of the client)
#   BENCH_QUIET_WAIT=300         seconds to wait, before each phase, for other load to end
#   BENCH_PERF=0                 1: perf record the daemon phases (perf-*.txt; use BENCH_KEEP=1)
#   BENCH_KEEP=0                 1: keep the temp dir (databases, logs, raw results)
#   BENCH_STRICT=0               1: exit 1 when a target is missed
#   TMPDIR=/tmp                  where the databases go: put it on the disk you care about
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
repo=$(cd "$here/.." && pwd)
smoke=0
[[ ${1:-} == --smoke ]] && { smoke=1; shift; }
[[ ${1:-} != -* ]] || { echo "usage: bench/run.sh [--smoke] [BUILD_DIR]" >&2; exit 2; }
build=${1:-build-bench}
[[ -d $build ]] || build=$repo/$build
build=$(cd "$build" 2>/dev/null && pwd) || { echo "run.sh: no build directory '${1:-build-bench}'" >&2; exit 2; }

if ((smoke)); then  # about a second per phase, small plan, no waiting for a quiet machine
    : "${BENCH_SECONDS:=1}" "${BENCH_INDICATORS:=2000}" "${BENCH_SQLITE_MAX_SECONDS:=1}" "${BENCH_QUIET_WAIT:=0}"
    : "${BENCH_SINGLE_CONNECTIONS:=16}"
fi
SECS=${BENCH_SECONDS:-15}
INDICATORS=${BENCH_INDICATORS:-10000}
BATCH=${BENCH_BATCH:-1000}
BATCH_CONNS=${BENCH_BATCH_CONNECTIONS:-8}
SINGLE_CONNS=${BENCH_SINGLE_CONNECTIONS:-64}
SQLITE_MAX=${BENCH_SQLITE_MAX_SECONDS:-20}
USE_WRK=${BENCH_WRK:-1}
USE_PERF=${BENCH_PERF:-0}
QUIET_WAIT=${BENCH_QUIET_WAIT:-300}
export BENCH_INDICATORS=$INDICATORS  # for single_value.lua
TARGET_BATCH=50000
TARGET_SINGLE=10000

daemon_bin=$build/daemon/indicatord
loadgen=$build/bench/loadgen
baseline=$build/bench/sqlite_baseline
pushgateway=${PUSHGATEWAY:-/usr/bin/prometheus-pushgateway}
for f in "$daemon_bin" "$loadgen" "$baseline" "$pushgateway"; do
    [[ -x $f ]] || { echo "run.sh: missing $f (build with: ninja -C $build)" >&2; exit 2; }
done
command -v sqlite3 >/dev/null || { echo "run.sh: needs the sqlite3 command-line shell" >&2; exit 2; }
command -v curl >/dev/null || { echo "run.sh: needs curl" >&2; exit 2; }
if [[ $USE_WRK == 1 ]] && ! command -v wrk >/dev/null; then
    echo "run.sh: wrk not found, skipping the wrk cross-check" >&2
    USE_WRK=0
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/indicatord-bench.XXXXXX")
server_pid=""
failures=()

cleanup() {
    local rc=$?
    if [[ -n $server_pid ]] && kill -0 "$server_pid" 2>/dev/null; then
        kill -TERM "$server_pid" 2>/dev/null || true
        for _ in $(seq 50); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.2; done
        kill -KILL "$server_pid" 2>/dev/null || true
    fi
    if [[ ${BENCH_KEEP:-0} == 1 ]]; then echo "kept $tmp" >&2; else rm -rf "$tmp"; fi
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

log() { printf '%s  %s\n' "$(date +%T)" "$*" >&2; }
fail() { failures+=("$*"); log "CHECK FAILED: $*"; }
calc() { awk "BEGIN { printf \"%.${2:-0}f\", $1 }"; }
# val FILE KEY: the value of the last KEY=VALUE line of a phase's result file, without quotes.
val() { awk -v k="$2" 'index($0, k "=") == 1 { v = substr($0, length(k) + 2) } END { gsub(/\047/, "", v); print v }' "$1"; }

# CPU accounting, in seconds: one process, the whole machine (busy), our finished children.
# (Few processes per call: on a loaded machine every fork costs tens of milliseconds.)
HZ=$(getconf CLK_TCK)
proc_cpu() { awk -v hz="$HZ" '{ printf "%.2f", ($14 + $15) / hz }' "/proc/$1/stat"; }
sys_busy() { awk -v hz="$HZ" '/^cpu / { printf "%.2f", ($2 + $3 + $4 + $7 + $8) / hz }' /proc/stat; }  # no idle, iowait, steal
# thread_cpu PID: "TID SECONDS" per thread of PID.
thread_cpu() {
    awk -v hz="$HZ" '{ n = split(FILENAME, p, "/"); printf "%s %.2f\n", p[n - 1], ($14 + $15) / hz; nextfile }' \
        /proc/"$1"/task/*/stat 2>/dev/null | sort || true
}
# children_cpu VAR: CPU seconds of our finished children so far, into VAR. `times` must run in
# this shell (not in a $(...) subshell) to see them.
children_cpu() {
    times > "$tmp/times"
    printf -v "$1" '%s' "$(awk 'END { x = 0; for (i = 1; i <= NF; i++) { split($i, b, "m"); x += b[1] * 60 + b[2] }; printf "%.2f", x }' "$tmp/times")"
}

# free_port: a port nobody listens on, below Linux's ephemeral range (32768-60999), so that no
# outgoing connection of another process takes it between this check and the bind.
free_port() {
    local p
    for _ in $(seq 100); do
        p=$(( 20000 + RANDOM % 12768 ))
        ss -Htln | awk '{print $4}' | grep -q ":$p\$" || { echo "$p"; return; }
    done
    echo "run.sh: no free port" >&2; exit 2
}

# wait_quiet: two cores are easily disturbed. Before each phase, wait (up to BENCH_QUIET_WAIT
# seconds) until the rest of the machine uses under 0.15 cores over 3 s, then go on regardless.
wait_quiet() {
    local waited=0 b0 b1 busy
    (( QUIET_WAIT > 0 )) || return 0
    while :; do
        b0=$(sys_busy); sleep 3; b1=$(sys_busy)
        busy=$(calc "($b1 - $b0) / 3" 2)
        awk -v b="$busy" 'BEGIN { exit !(b < 0.15) }' && return 0
        if (( waited >= QUIET_WAIT )); then log "machine still busy ($busy cores used by others): going on anyway"; return 0; fi
        (( waited == 0 )) && log "machine busy ($busy cores used by others): waiting up to ${QUIET_WAIT}s"
        waited=$(( waited + 3 ))
    done
}

# --- synthetic plan: $INDICATORS quarterly threshold indicators, 100 per task ----------------
mkdir -p "$tmp/rules"
awk -v n="$INDICATORS" -v per=100 'BEGIN {
    print "# Generated by bench/run.sh: " n " quarterly threshold indicators."
    print "plan:\n  id: bench-2023\n  name: Benchmark plan\n  year: 2023\n  timezone: Asia/Shanghai"
    print "  defaults:\n    cadence: quarter\n    due: 20d\n    grace: 5d\n    remind: 3d"
    print "  report:\n    cadence: quarter\n    due: 10d"
    print "units:\n  - id: bench_unit\n    name: Bench unit\n    kind: department\ntasks:"
    for (i = 0; i < n; i++) {
        if (i % per == 0)
            printf "  - number: %d\n    section: bench\n    text: Benchmark task %d.\n    lead: bench_unit\n    indicators:\n", i / per + 1, i / per + 1
        printf "      - key: bench_%05d\n        name: Bench %d\n        kind: threshold\n        measure: \"%%\"\n        op: \">=\"\n        target: 50\n        cadence: quarter\n", i, i
    }
}' > "$tmp/rules/plan.yaml"

# --- API token: the load generators write as the plan's unit, as a reporting unit would ------
# (the token format and file are those of `indicatorctl token create`; written here so that
# setting up does not load the plan once more)
BENCH_TOKEN="idt_bench_$(od -An -tx1 -N24 /dev/urandom | tr -d ' \n')"
export BENCH_TOKEN  # for bench/loadgen and single_value.lua
(umask 077; printf 'tokens:\n  - id: bench\n    unit: bench_unit\n    sha256: %s\n' \
    "$(printf '%s' "$BENCH_TOKEN" | sha256sum | cut -d' ' -f1)" > "$tmp/tokens.yaml")

# --- servers --------------------------------------------------------------------------------
# start_daemon DIR: fresh config and database in DIR; sets server_pid and port. The config is
# a production one, so that the daemon has nothing to warn about: calendars for the plan year,
# API tokens, and SMTP (a closed port: the bench unit has no email address, nothing is sent).
start_daemon() {
    local dir=$1
    mkdir -p "$dir"
    cat > "$dir/indicatord.yaml" <<EOF
listen: 127.0.0.1:0
database: indicatord.db
rules: ../rules
calendars: $repo/config/calendars
evaluation_interval: 60s
log_level: warn
auth:
  tokens_file: ../tokens.yaml
alerting:
  smtp:
    url: smtp://127.0.0.1:9
    from: indicatord-bench@localhost
http:
  body_limit_bytes: 8388608
EOF
    : > "$dir/stdout"
    "$daemon_bin" --config "$dir/indicatord.yaml" --listen 127.0.0.1:0 >"$dir/stdout" 2>"$dir/stderr" &
    server_pid=$!
    port=""
    for _ in $(seq 300); do
        port=$(sed -n 's/^indicatord: listening on http:\/\/127\.0\.0\.1:\([0-9]*\).*/\1/p' "$dir/stdout" || true)
        [[ -n $port ]] && return 0
        kill -0 "$server_pid" 2>/dev/null || break
        sleep 0.1
    done
    echo "run.sh: indicatord did not start:" >&2; cat "$dir/stderr" >&2; exit 2
}

# start_pushgateway DIR: sets server_pid and port; another port if the chosen one was taken.
start_pushgateway() {
    local dir=$1 attempt
    mkdir -p "$dir"
    for attempt in 1 2 3 4 5; do
        port=$(free_port)
        "$pushgateway" --web.listen-address="127.0.0.1:$port" --persistence.file="$dir/pushgateway.store" \
            --log.level=warn >"$dir/stdout" 2>"$dir/stderr" &
        server_pid=$!
        for _ in $(seq 300); do
            curl -sf -o /dev/null "http://127.0.0.1:$port/-/ready" && return 0
            kill -0 "$server_pid" 2>/dev/null || break
            sleep 0.1
        done
        kill -KILL "$server_pid" 2>/dev/null || true
        wait "$server_pid" 2>/dev/null || true
        server_pid=""
        grep -q 'address already in use' "$dir/stderr" || break
        log "port $port was taken (attempt $attempt): trying another"
    done
    echo "run.sh: prometheus-pushgateway did not start:" >&2; cat "$dir/stderr" >&2; exit 2
}

# stop_server NAME: SIGTERM, wait up to 30 s (the daemon drains, then commits what is queued).
stop_server() {
    local name=$1 rc=0
    kill -TERM "$server_pid"
    for _ in $(seq 300); do kill -0 "$server_pid" 2>/dev/null || break; sleep 0.1; done
    if kill -0 "$server_pid" 2>/dev/null; then
        fail "$name: server still running 30 s after SIGTERM; killed"
        kill -KILL "$server_pid" 2>/dev/null || true
    fi
    wait "$server_pid" || rc=$?
    server_pid=""
    [[ $rc == 0 ]] || fail "$name: server exited with status $rc after SIGTERM"
}

# measure PHASE CMD...: runs the client; writes CPU figures of the phase to $tmp/PHASE.cpu.
measure() {
    local phase=$1; shift
    local s0 b0 c0 s1 b1 c1
    thread_cpu "$server_pid" > "$tmp/$phase.threads0"
    s0=$(proc_cpu "$server_pid"); b0=$(sys_busy); children_cpu c0
    "$@" > "$tmp/$phase.out" 2> "$tmp/$phase.err" || { log "$phase: client failed"; cat "$tmp/$phase.err" >&2; fail "$phase: client failed"; }
    s1=$(proc_cpu "$server_pid"); b1=$(sys_busy); children_cpu c1
    thread_cpu "$server_pid" > "$tmp/$phase.threads1"
    {
        # CPU seconds per server thread, busiest first; the main thread (event loop) is marked.
        echo "THREADS='$(join "$tmp/$phase.threads0" "$tmp/$phase.threads1" |
            awk -v main="$server_pid" '{ d = $3 - $2; if (d > 0.05) printf "%.2f %s\n", d, ($1 == main ? "main" : "tid" $1) }' |
            sort -rn | head -4 | awk '{ printf "%s%s=%s", (NR > 1 ? " " : ""), $2, $1 }')'"
        echo "SERVER_CPU_S=$(calc "$s1 - $s0" 2)"
        echo "CLIENT_CPU_S_ALL=$(calc "$c1 - $c0" 2)"
        echo "OTHER_CPU_S=$(calc "($b1 - $b0) - ($s1 - $s0) - ($c1 - $c0)" 2)"
    } > "$tmp/$phase.cpu"
}

# daemon_phase PHASE CONNECTIONS BATCH SEED
daemon_phase() {
    local phase=$1 conns=$2 batch=$3 seed=$4 dir=$tmp/$1
    wait_quiet
    start_daemon "$dir"
    log "$phase: indicatord on :$port, $conns connections, $batch value(s)/request, ${SECS}s"
    local perf_pid=""
    if [[ $USE_PERF == 1 ]] && command -v perf >/dev/null; then
        perf record -g -o "$tmp/perf-$phase.data" -p "$server_pid" -- sleep "$SECS" >/dev/null 2>&1 &
        perf_pid=$!
    fi
    measure "$phase" timeout $((SECS + 90)) "$loadgen" --port "$port" --target indicatord --connections "$conns" \
        --batch "$batch" --duration "$SECS" --indicators "$INDICATORS" --seed "$seed"
    [[ -n $perf_pid ]] && { wait "$perf_pid" || true; perf report -i "$tmp/perf-$phase.data" --no-children --sort pid,dso,sym -g none --percent-limit 0.5 --stdio > "$tmp/perf-$phase.txt" 2>/dev/null || true; log "perf report: $tmp/perf-$phase.txt"; }
    stop_server "$phase"
    local out=$tmp/$phase.out stored
    stored=$(sqlite3 "$dir/indicatord.db" 'select count(*) from observation')
    echo "STORED=$stored" >> "$out"
    [[ $(val "$out" VALUES_ACKED) == "$stored" ]] ||
        fail "$phase: daemon stored $stored values but acknowledged $(val "$out" VALUES_ACKED) (200s x $batch)"
    [[ $(val "$out" NON2XX) == 0 && $(val "$out" ERRORS) == 0 && $(val "$out" UNANSWERED) == 0 ]] ||
        fail "$phase: non-2xx $(val "$out" NON2XX), errors $(val "$out" ERRORS), unanswered $(val "$out" UNANSWERED): $(val "$out" FIRST_ERROR)"
    if grep -qiE ' (error|critical|warning|warn) ' "$dir/stderr"; then
        fail "$phase: daemon logged problems: $(grep -iE ' (error|critical|warning|warn) ' "$dir/stderr" | head -3 | tr '\n' ' ')"
    fi
}

pushgateway_phase() {
    local phase=$1 conns=$2 batch=$3 seed=$4 dir=$tmp/$1
    wait_quiet
    start_pushgateway "$dir"
    log "$phase: prometheus-pushgateway on :$port, $conns connections, $batch value(s)/request, ${SECS}s"
    measure "$phase" timeout $((SECS + 90)) "$loadgen" --port "$port" --target pushgateway --connections "$conns" \
        --batch "$batch" --duration "$SECS" --indicators "$INDICATORS" --seed "$seed"
    # The Pushgateway keeps the newest sample per series: every connection's group must hold its last batch.
    local series
    series=$(curl -sf "http://127.0.0.1:$port/metrics" | grep -c '^bench_value{' || true)
    echo "SERIES=$series" >> "$tmp/$phase.out"
    stop_server "$phase"
    local out=$tmp/$phase.out
    [[ $(val "$out" NON2XX) == 0 && $(val "$out" ERRORS) == 0 && $(val "$out" UNANSWERED) == 0 ]] ||
        fail "$phase: non-2xx $(val "$out" NON2XX), errors $(val "$out" ERRORS), unanswered $(val "$out" UNANSWERED): $(val "$out" FIRST_ERROR)"
    [[ $series == $(( conns * batch )) ]] || fail "$phase: pushgateway holds $series series, expected $(( conns * batch ))"
}

# sqlite_phase PHASE ROWS BATCH
sqlite_phase() {
    local phase=$1 rows=$2 batch=$3
    wait_quiet
    mkdir -p "$tmp/$phase"
    log "$phase: raw SQLite, $rows rows, $batch per transaction (cap ${SQLITE_MAX}s)"
    local b0 c0 b1 c1
    b0=$(sys_busy); children_cpu c0
    timeout $((SQLITE_MAX + 120)) "$baseline" --db "$tmp/$phase/raw.db" --rows "$rows" --batch "$batch" \
        --indicators "$INDICATORS" --max-seconds "$SQLITE_MAX" > "$tmp/$phase.out" 2> "$tmp/$phase.err" ||
        fail "$phase: sqlite_baseline failed: $(cat "$tmp/$phase.err")"
    b1=$(sys_busy); children_cpu c1
    { echo "CLIENT_CPU_S_ALL=$(calc "$c1 - $c0" 2)"; echo "OTHER_CPU_S=$(calc "($b1 - $b0) - ($c1 - $c0)" 2)"; } > "$tmp/$phase.cpu"
}

wrk_phase() {
    local phase=wrk_single dir=$tmp/wrk_single
    wait_quiet
    start_daemon "$dir"
    log "$phase: wrk -t2 -c$SINGLE_CONNS on indicatord :$port, ${SECS}s"
    measure "$phase" timeout $((SECS + 60)) wrk -t2 -c"$SINGLE_CONNS" -d"${SECS}s" --timeout 10s \
        -s "$here/single_value.lua" "http://127.0.0.1:$port/api/v1/values"
    stop_server "$phase"
    local out=$tmp/$phase.out stored ok
    stored=$(sqlite3 "$dir/indicatord.db" 'select count(*) from observation')
    echo "STORED=$stored" >> "$out"
    ok=$(val "$out" OK)
    # wrk abandons the requests in flight when its time is up: the daemon may have stored up to
    # one more value per connection than wrk counted, never fewer.
    (( stored >= ok && stored <= ok + SINGLE_CONNS )) ||
        fail "$phase: daemon stored $stored values, wrk counted $ok 2xx (allowed: up to +$SINGLE_CONNS in flight)"
    [[ $(val "$out" NON2XX) == 0 && $(val "$out" SOCKET_ERRORS) == 0 ]] ||
        fail "$phase: wrk saw $(val "$out" NON2XX) non-2xx and $(val "$out" SOCKET_ERRORS) socket errors"
}

# --- run ------------------------------------------------------------------------------------
log "indicatord ingest benchmark: build $build, temp $tmp ($(df -P "$tmp" | awk 'NR==2 {print $1}'))"
log "$(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg), $INDICATORS indicators, ${SECS}s per HTTP phase"
((smoke)) && log "smoke run: checks only, the figures mean nothing"

daemon_phase indicatord_batch "$BATCH_CONNS" "$BATCH" 1
daemon_phase indicatord_single "$SINGLE_CONNS" 1 2
sqlite_phase sqlite_batch "$(val "$tmp/indicatord_batch.out" STORED)" "$BATCH"
sqlite_phase sqlite_single "$(val "$tmp/indicatord_single.out" STORED)" 1
pushgateway_phase pushgateway_batch "$BATCH_CONNS" "$BATCH" 1
pushgateway_phase pushgateway_single "$SINGLE_CONNS" 1 2
[[ $USE_WRK == 1 ]] && wrk_phase

# --- report ---------------------------------------------------------------------------------
r() { val "$tmp/$1.out" "$2"; }
c() { val "$tmp/$1.cpu" "$2"; }
cores() { local s; s=$(r "$1" SECONDS); [[ -n $s && -n $(c "$1" "$2") ]] && calc "$(c "$1" "$2") / $s" 2 || echo "-"; }

printf '\n%-22s %12s %10s %12s %9s %9s %8s %8s %8s\n' phase values/s req/s values p50_ms p99_ms server client other
printf '%-22s %12s %10s %12s %9s %9s %8s %8s %8s\n' "" "" "" "(stored)" "" "" "cores" "cores" "cores"
row() {
    local p=$1
    printf '%-22s %12s %10s %12s %9s %9s %8s %8s %8s\n' "$p" "$(r "$p" VALUES_PER_S)" "$(r "$p" REQ_PER_S)" \
        "$(r "$p" STORED)$(r "$p" SERIES)" "$(r "$p" P50_MS)" "$(r "$p" P99_MS)" "$(cores "$p" SERVER_CPU_S)" \
        "$(cores "$p" CLIENT_CPU_S_ALL)" "$(cores "$p" OTHER_CPU_S)"
}
row indicatord_batch
row pushgateway_batch
printf '%-22s %12s %10s %12s %9s %9s %8s %8s %8s\n' sqlite_batch "$(r sqlite_batch ROWS_PER_S)" "$(r sqlite_batch TXN_PER_S)" \
    "$(r sqlite_batch STORED)" - - - "$(cores sqlite_batch CLIENT_CPU_S_ALL)" "$(cores sqlite_batch OTHER_CPU_S)"
row indicatord_single
row pushgateway_single
printf '%-22s %12s %10s %12s %9s %9s %8s %8s %8s\n' sqlite_single "$(r sqlite_single ROWS_PER_S)" "$(r sqlite_single TXN_PER_S)" \
    "$(r sqlite_single STORED)" - - - "$(cores sqlite_single CLIENT_CPU_S_ALL)" "$(cores sqlite_single OTHER_CPU_S)"
[[ $USE_WRK == 1 ]] && row wrk_single
[[ $(r sqlite_single CAPPED) == 1 ]] &&
    echo "(sqlite_single stopped at the ${SQLITE_MAX}s cap after $(r sqlite_single ROWS) of $(r sqlite_single ROWS_ASKED) rows)"
echo "(req/s of the sqlite rows = transactions/s; server/client/other = CPU cores used on average during the"
echo " phase; other = processes outside this benchmark: above ~0.2 the figures are disturbed)"
disturbed=$(for p in indicatord_batch pushgateway_batch sqlite_batch indicatord_single pushgateway_single sqlite_single wrk_single; do
    [[ -f $tmp/$p.cpu ]] || continue
    awk -v p="$p" -v o="$(cores "$p" OTHER_CPU_S)" 'BEGIN { if (o + 0 > 0.3) printf "%s ", p }'
done)
[[ -n $disturbed ]] && echo "WARNING: other processes used over 0.3 cores during: $disturbed- rerun on a quiet machine"
echo
echo "server threads, CPU cores (busiest first; main = indicatord's event loop):"
for p in indicatord_batch indicatord_single pushgateway_batch pushgateway_single wrk_single; do
    [[ -f $tmp/$p.cpu ]] || continue
    printf '  %-20s %s\n' "$p" "$(awk -v s="$(r "$p" SECONDS)" -v t="$(c "$p" THREADS)" 'BEGIN {
        n = split(t, a, " "); for (i = 1; i <= n; i++) { split(a[i], kv, "="); printf "%s%s %.2f", (i > 1 ? ", " : ""), kv[1], kv[2] / s } }')"
done

ib=$(r indicatord_batch VALUES_PER_S); is=$(r indicatord_single REQ_PER_S)
echo
echo "ratios:"
printf '  batch:  indicatord / raw SQLite (1,000 rows/txn) = %s   indicatord / pushgateway = %s\n' \
    "$(calc "$ib / $(r sqlite_batch ROWS_PER_S)" 2)" "$(calc "$ib / $(r pushgateway_batch VALUES_PER_S)" 2)"
printf '  single: indicatord / raw SQLite (1 row/txn)      = %s   indicatord / pushgateway = %s\n' \
    "$(calc "$is / $(r sqlite_single ROWS_PER_S)" 2)" "$(calc "$is / $(r pushgateway_single REQ_PER_S)" 2)"
echo
echo "targets:"
verdict() { awk -v v="$1" -v t="$2" 'BEGIN { printf "%s (%+.0f%%)", (v >= t ? "MET" : "MISSED"), (v / t - 1) * 100 }'; }
printf '  >= %d values/s batched:            %s values/s  %s\n' $TARGET_BATCH "$ib" "$(verdict "$ib" $TARGET_BATCH)"
printf '  >= %d single-value requests/s:     %s req/s     %s\n' $TARGET_SINGLE "$is" "$(verdict "$is" $TARGET_SINGLE)"
[[ $USE_WRK == 1 ]] && printf '     (wrk cross-check:                  %s req/s     %s)\n' "$(r wrk_single REQ_PER_S)" \
    "$(verdict "$(r wrk_single REQ_PER_S)" $TARGET_SINGLE)"
echo
echo "checks: stored values = 200 responses x values per request, no errors:"
if (( ${#failures[@]} )); then
    for f in "${failures[@]}"; do echo "  FAILED: $f"; done
    exit 1
fi
echo "  all passed (indicatord_batch $(r indicatord_batch STORED), indicatord_single $(r indicatord_single STORED) values stored and acknowledged)"
if [[ ${BENCH_STRICT:-0} == 1 ]]; then
    awk -v a="$ib" -v b="$is" -v ta=$TARGET_BATCH -v tb=$TARGET_SINGLE 'BEGIN { exit !(a >= ta && b >= tb) }' || exit 1
fi
exit 0
