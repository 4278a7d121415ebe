#!/usr/bin/env bash
# Network benchmarks: hotstated beside Redis pub/sub and NATS core pub/sub.
#   bench/scripts/net_bench.sh quick|full OUT_DIR      -> OUT_DIR/net.json + a table on stdout
# Needs hotstate_loadgen and hotstated built (Release, -DHOTSTATE_BUILD_BENCH=ON) in
# $HOTSTATE_BENCH_BUILD (default build-bench-net), redis-server and nats-server (bench/setup.sh).
# Every server runs on 127.0.0.1 on a free port, pinned to one CPU, the load generator to
# the other (this machine's cross-CPU wake-ups cost ~35 µs: see shared/BENCHMARKING.md).
# Peers run without persistence where hotstated runs --memory.
set -euo pipefail

mode=${1:-}
out=${2:-}
if [[ "$mode" != quick && "$mode" != full ]] || [[ -z "$out" ]]; then
  echo "usage: $0 quick|full OUT_DIR" >&2
  exit 2
fi
root=$(cd "$(dirname "$0")/../.." && pwd)
build=${HOTSTATE_BENCH_BUILD:-$root/build-bench-net}
loadgen=$build/bench/loadgen/hotstate_loadgen
hotstated=$build/apps/hotstated/hotstated
redis=${REDIS_SERVER:-redis-server}
nats=${NATS_SERVER:-nats-server}
for bin in "$loadgen" "$hotstated"; do
  [[ -x "$bin" ]] || { echo "$0: $bin is missing; build with: cmake -S . -B $build -G Ninja -DCMAKE_BUILD_TYPE=Release -DHOTSTATE_BUILD_BENCH=ON && cmake --build $build --target hotstated hotstate_loadgen" >&2; exit 1; }
done
command -v "$redis" >/dev/null || redis=/usr/bin/redis-server
command -v "$nats" >/dev/null || nats=/usr/sbin/nats-server

if [[ $mode == quick ]]; then
  fanout_conns=(100 1000); idle_conns=2000; recovery_conns=200; seconds=1.5
else
  fanout_conns=(100 1000 10000); idle_conns=10000; recovery_conns=1000; seconds=3
fi
runs=3
window=128              # messages not yet delivered to every subscriber (see tracker.hpp)
paced_rate=200000       # deliveries/s for the latency comparison: all three keep up here
recovery_records=1000

# Placement: servers on cpu0, the load generator on cpu1 (both on cpu0 on a 1-CPU box).
if (( $(nproc) >= 2 )); then server_cpu=0; loadgen_cpu=1; else server_cpu=0; loadgen_cpu=0; fi
placement="server on cpu$server_cpu, loadgen on cpu$loadgen_cpu"

# Thousands of sockets on each side.
ulimit -n "$(ulimit -Hn)"
max_conns=$(( idle_conns > ${fanout_conns[-1]} ? idle_conns : ${fanout_conns[-1]} ))
if (( $(ulimit -n) < max_conns + 200 )); then
  echo "$0: ulimit -n $(ulimit -n) is below the $max_conns connections this mode opens" >&2
  exit 1
fi

mkdir -p "$out"
work=$(mktemp -d /tmp/hotstate-net-bench.XXXXXX)
runs_file="$out/net-runs.jsonl"
: > "$runs_file"
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}
# Waits (bounded) until something accepts on 127.0.0.1:$1.
wait_port() {
  for _ in $(seq 100); do
    (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null && return 0
    sleep 0.1
  done
  echo "$0: nothing listens on port $1 after 10 s" >&2
  exit 1
}
# start_server NAME PORT: starts one server pinned to $server_cpu; sets $server_pid.
start_server() {
  local name=$1 port=$2
  case $name in
    hotstate) taskset -c "$server_cpu" "$hotstated" --memory --listen "127.0.0.1:$port" --log-level warn \
                --max-connections $((max_conns + 100)) >"$work/$name.out" 2>"$work/$name.err" & ;;
    redis) taskset -c "$server_cpu" "$redis" --bind 127.0.0.1 --port "$port" --save '' --appendonly no \
             --maxclients $((max_conns + 100)) >"$work/$name.out" 2>&1 & ;;
    nats) taskset -c "$server_cpu" "$nats" -a 127.0.0.1 -p "$port" >"$work/$name.out" 2>&1 & ;;
  esac
  server_pid=$!
  pids+=("$server_pid")
  wait_port "$port"
}
stop_server() {
  kill "$1"
  wait "$1" 2>/dev/null || true
}
# loadgen SCENARIO ARGS...: one run's JSON lines go to $runs_file (--placement first:
# recovery's server command follows "--" at the end).
loadgen() {
  local scenario=$1
  shift
  taskset -c "$loadgen_cpu" "$loadgen" "$scenario" --placement "$placement" "$@" >>"$runs_file"
}

echo "net benchmarks ($mode): $placement; window $window messages; paced at $paced_rate deliveries/s" >&2
started=$(date +%s)

# 1. Fan-out: one server per system, every connection count against it.
for system in hotstate redis nats; do
  port=$(free_port)
  start_server "$system" "$port"
  for n in "${fanout_conns[@]}"; do
    echo "fanout: $system, $n subscribers" >&2
    loadgen fanout --system "$system" --port "$port" --server-pid "$server_pid" --conns "$n" \
      --runs "$runs" --seconds "$seconds" --window "$window" --rate "$paced_rate"
  done
  stop_server "$server_pid"
done

# 2. Idle memory: a fresh server per run, so each starts from the same baseline.
for run in $(seq "$runs"); do
  for system in hotstate redis nats; do
    echo "idle: $system, $idle_conns connections, run $run" >&2
    port=$(free_port)
    start_server "$system" "$port"
    loadgen idle --system "$system" --port "$port" --server-pid "$server_pid" --conns "$idle_conns" --run "$run"
    stop_server "$server_pid"
  done
done

# 3. Recovery: the load generator starts and restarts the durable server itself, so it
#    sees the new server's "listening" line.
for run in $(seq "$runs"); do
  echo "recovery: $recovery_conns clients, run $run" >&2
  port=$(free_port)
  loadgen recovery --port "$port" --conns "$recovery_conns" --records "$recovery_records" --run "$run" \
    -- taskset -c "$server_cpu" "$hotstated" --data-dir "$work/recovery-$run" --listen "127.0.0.1:$port" \
    --log-level warn --max-connections $((recovery_conns + 100))
done

echo "done in $(( $(date +%s) - started )) s" >&2
python3 "$root/bench/scripts/net_summary.py" "$runs_file" "$mode" "$placement" "$out/net.json"
