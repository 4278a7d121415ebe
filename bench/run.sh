#!/usr/bin/env bash
# The benchmark command: bench/run.sh [quick|full]
# Builds everything in Release (build-bench/, with the Python and Node bindings), starts
# every server it needs on 127.0.0.1 (hotstated, redis-server, nats-server), runs the
# network, local-read and Node flag-evaluation benchmarks, and writes
# bench/results/latest.json, bench/results/flags_node.json, bench/RESULTS.md and PNG plots
# in bench/results/. quick: a few minutes on 2 cores; full: longer.
set -euo pipefail
cd "$(dirname "$0")/.."
mode=${1:-quick}
[[ $mode == quick || $mode == full ]] || { echo "usage: bench/run.sh [quick|full]" >&2; exit 2; }

bash bench/setup.sh
venv=${HOTSTATE_VENV:-$PWD/.venv}
(cd bindings/node && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error)
HOTSTATE_BUILD_DIR=build-bench HOTSTATE_BUILD_TYPE=Release bash ci/build.sh \
  -DHOTSTATE_BUILD_BENCH=ON -DHOTSTATE_BUILD_TESTS=OFF \
  -DHOTSTATE_BUILD_PYTHON=ON -DPython_EXECUTABLE="$venv/bin/python" -DHOTSTATE_BUILD_NODE=ON

parts=$(mktemp -d "${TMPDIR:-/tmp}/hotstate-bench.XXXXXX")
trap 'rm -rf "$parts"' EXIT
# Every part uses this one Release build: the servers, the bindings and the bench programs.
export HOTSTATE_BENCH_BUILD=$PWD/build-bench BENCH_BUILD=$PWD/build-bench
export HOTSTATED=$PWD/build-bench/apps/hotstated/hotstated
export HOTSTATE_PYTHONPATH=$PWD/build-bench/bindings/python
export HOTSTATE_NODE_ADDON=$PWD/build-bench/bindings/node/hotstate.node PYTHON=$venv/bin/python
for script in bench/scripts/net_bench.sh bench/scripts/reads_bench.sh bench/flags/cpp/run.sh bench/flags/python/run.sh bench/flags/node/run.sh; do
  if [ -x "$script" ]; then
    echo "== $script $mode"
    bash "$script" "$mode" "$parts"
  fi
done
"$venv/bin/python" bench/report.py --mode "$mode" --parts "$parts" --out bench
