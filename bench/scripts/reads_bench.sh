#!/usr/bin/env bash
# Local-read, initial-sync and replica-memory benchmarks (targets: bench/RESULTS.md), each beside its peer:
# a Redis GET on loopback and the language's own map, in C++/C, Python and Node.
#
#   bench/scripts/reads_bench.sh quick|full OUT_DIR     -> OUT_DIR/reads.json + tables
#
# Starts its own hotstated (--memory) and redis-server (persistence off) on free
# 127.0.0.1 ports, loads both with the same records, runs everything, stops them (trap).
# Placement: both servers pinned to cpu0; a 1-thread reader and every sync client on
# cpu1; 2-thread readers on cpu0 and cpu1 (sharing cpu0 with the idle servers; Redis is
# busy during its own GETs). quick: 100k and 1M records, 3 runs of ~0.1 s each; full:
# 5 runs of ~0.5 s.
#
# Inputs (environment; defaults are the project's builds):
#   BENCH_BUILD   C++ build dir with the bench targets (built here, Release, if missing)
#   HOTSTATED     server binary                       (default: build/apps/hotstated/hotstated)
#   HOTSTATE_PYTHONPATH  the hotstate Python package  (default: build/bindings/python)
#   HOTSTATE_NODE_ADDON  the Node addon               (default: build/bindings/node/hotstate.node)
#   PYTHON        interpreter with redis-py           (default: .venv/bin/python)
set -euo pipefail
mode=${1:?usage: reads_bench.sh quick|full OUT_DIR}
out=${2:?usage: reads_bench.sh quick|full OUT_DIR}
root=$(cd "$(dirname "$0")/../.." && pwd)
case $mode in
  quick) runs=3 min_time=0.1 ;;
  full) runs=5 min_time=0.5 ;;
  *) echo "mode is quick or full" >&2; exit 2 ;;
esac
sets=("100k:100000:1" "1m:1000000:2")  # label:records:redis db; collection = "r" + label

build=${BENCH_BUILD:-$root/build-bench-reads}
hotstated=${HOTSTATED:-$root/build/apps/hotstated/hotstated}
python=${PYTHON:-$root/.venv/bin/python}
export PYTHONPATH=${HOTSTATE_PYTHONPATH:-$root/build/bindings/python}
export HOTSTATE_NODE_ADDON=${HOTSTATE_NODE_ADDON:-$root/build/bindings/node/hotstate.node}
pydir=$root/bench/reads/python
nodedir=$root/bench/reads/node
mkdir -p "$out"
out=$(cd "$out" && pwd)
raw=$out/reads-raw
rm -rf "$raw" && mkdir -p "$raw"
started=$(date +%s)

log() { echo "[reads $(($(date +%s) - started))s] $*" >&2; }

# ---- what must exist ------------------------------------------------------------------
for f in "$hotstated" "$HOTSTATE_NODE_ADDON" "$PYTHONPATH/hotstate/__init__.py" /usr/bin/redis-server; do
  [ -e "$f" ] || { echo "reads_bench.sh: missing $f (build the project with -DHOTSTATE_BUILD_PYTHON=ON -DHOTSTATE_BUILD_NODE=ON)" >&2; exit 1; }
done
"$python" -c 'import redis' 2>/dev/null || "$python" -m pip install -q -r "$root/bench/requirements.txt"
[ -d "$nodedir/node_modules/redis" ] || (cd "$nodedir" && npm ci --no-audit --no-fund >&2)
if [ ! -x "$build/bench/reads/hs_reads_bench" ] || [ ! -x "$build/bench/reads/hs_sync_bench" ]; then
  log "building the C++ benchmarks in $build (Release)"
  # HOTSTATE_WERROR=OFF: GCC 12 at -O3 warns (-Wrestrict, a false positive) inside
  # libstdc++ from core/src/net/url.cpp; the bench sources themselves build warning-free.
  cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DHOTSTATE_BUILD_BENCH=ON \
    -DHOTSTATE_BUILD_TESTS=OFF -DHOTSTATE_WERROR=OFF >&2
fi
cmake --build "$build" -j1 --target hs_reads_bench hs_sync_bench >&2

# ---- servers, stopped on any exit -------------------------------------------------------
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
}
trap cleanup EXIT INT TERM

free_port() { "$python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

taskset -c 0 "$hotstated" --memory --listen 127.0.0.1:0 --log-level warn >"$raw/hotstated.out" 2>"$raw/hotstated.err" &
pids+=($!)
for _ in $(seq 100); do grep -q "listening on" "$raw/hotstated.out" && break; sleep 0.1; done
hs_port=$(sed -n 's/^listening on 127\.0\.0\.1:\([0-9]*\)$/\1/p' "$raw/hotstated.out")
[ -n "$hs_port" ] || { echo "hotstated did not start: $(cat "$raw/hotstated.err")" >&2; exit 1; }
url=http://127.0.0.1:$hs_port

redis_port=$(free_port)
taskset -c 0 redis-server --bind 127.0.0.1 --port "$redis_port" --save "" --appendonly no \
  --databases 4 --logfile "$raw/redis.log" &
pids+=($!)
for _ in $(seq 100); do redis-cli -p "$redis_port" ping >/dev/null 2>&1 && break; sleep 0.1; done
redis-cli -p "$redis_port" ping >/dev/null || { echo "redis-server did not start" >&2; exit 1; }
placement="hotstated and redis-server (persistence off) pinned to cpu0 on 127.0.0.1; 1-thread readers and sync clients on cpu1; 2-thread readers on cpu0+cpu1; $(nproc) vCPUs, $(uname -r)"
log "hotstated $url, redis 127.0.0.1:$redis_port"

load_args=()
for s in "${sets[@]}"; do load_args+=("r${s%%:*}:${s#*:}"); done
(cd "$pydir" && taskset -c 1 "$python" load.py --url "$url" --redis-port "$redis_port" "${load_args[@]}")

# ---- local reads ------------------------------------------------------------------------
for s in "${sets[@]}"; do
  IFS=: read -r label records db <<<"$s"
  common=(--url "$url" --collection "r$label" --records "$records" --redis-port "$redis_port" --redis-db "$db")
  log "C++/C reads, $label"
  taskset -c 0,1 "$build/bench/reads/hs_reads_bench" "${common[@]}" --cpu1t 1 \
    --benchmark_min_time="$min_time" --benchmark_repetitions="$runs" \
    --benchmark_out="$raw/cpp-$label.json" --benchmark_out_format=json >"$raw/cpp-$label.txt"
  log "Python reads, $label"
  (cd "$pydir" && taskset -c 0,1 "$python" reads.py "${common[@]}" --label "$label" --runs "$runs" \
    --min-time "$min_time" --cpu1t 1 >"$raw/python-$label.json")
  log "Node reads, $label"
  (cd "$nodedir" && taskset -c 1 node reads.js "${common[@]}" --label "$label" --runs "$runs" \
    --min-time "$min_time" --threads 1 >"$raw/node-$label-1t.json")
  (cd "$nodedir" && taskset -c 0,1 node reads.js "${common[@]}" --label "$label" --runs "$runs" \
    --min-time "$min_time" --threads 2 >"$raw/node-$label-2t.json")
done

# ---- initial sync and replica memory: one fresh process per run ------------------------
for s in "${sets[@]}"; do
  IFS=: read -r label records db <<<"$s"
  common=(--url "$url" --collection "r$label" --records "$records" --redis-port "$redis_port" --redis-db "$db")
  log "initial sync, $label"
  for run in $(seq "$runs"); do
    for system in hotstate redis; do
      taskset -c 1 "$build/bench/reads/hs_sync_bench" --system "$system" "${common[@]}" >"$raw/sync-cpp-$system-$label-$run.json"
      (cd "$pydir" && taskset -c 1 "$python" sync.py --system "$system" "${common[@]}" >"$raw/sync-python-$system-$label-$run.json")
    done
  done
done

log "done; report:"
(cd "$pydir" && "$python" report.py "$raw" "$out/reads.json" "$mode" "$placement")
