#!/usr/bin/env bash
# Local flag evaluation in Node beside flagd's evaluator: bench/flags/node/run.sh [quick|full] [OUT_DIR]
#
# Installs this folder's npm dependencies (its own package-lock.json), starts its own
# hotstated (--memory, pinned to cpu0, idle while the benchmark runs: evaluations are
# local), and runs flags_bench.js pinned to cpu1 (taskset -c 1): hotstate with a plain
# object context, with an EvalContext, with details, and through the OpenFeature client,
# beside @openfeature/flagd-core and the flagd provider through the OpenFeature client.
# quick: 5 runs of >= 0.3 s per subject; full: 7 runs of >= 1 s. Writes
# bench/results/flags_node.json (and OUT_DIR/flags_node.json when given).
#
# Inputs (environment; defaults are the repository's builds):
#   HOTSTATED            server binary    (default: build/apps/hotstated/hotstated)
#   HOTSTATE_NODE_ADDON  the Node addon   (default: build/bindings/node/hotstate.node)
set -euo pipefail
mode=${1:-quick}
out_dir=${2:-}
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../../.." && pwd)
case $mode in
  quick) runs=5 min_time=0.3 ;;
  full) runs=7 min_time=1 ;;
  *) echo "usage: bench/flags/node/run.sh [quick|full] [OUT_DIR]" >&2; exit 2 ;;
esac
hotstated=${HOTSTATED:-$root/build/apps/hotstated/hotstated}
export HOTSTATE_NODE_ADDON=${HOTSTATE_NODE_ADDON:-$root/build/bindings/node/hotstate.node}
for f in "$hotstated" "$HOTSTATE_NODE_ADDON"; do
  [ -e "$f" ] || { echo "flags bench: missing $f (build with -DHOTSTATE_BUILD_NODE=ON)" >&2; exit 1; }
done
# The hotstate package's own dependencies (its OpenFeature SDK is a devDependency), then ours.
[ -d "$root/bindings/node/node_modules/@openfeature/server-sdk" ] ||
  (cd "$root/bindings/node" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error)
(cd "$here" && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error)

raw=$(mktemp -d "${TMPDIR:-/tmp}/hotstate-flags-bench.XXXXXX")
server_pid=
cleanup() {
  [ -z "$server_pid" ] || { kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; }
  rm -rf "$raw"
}
trap cleanup EXIT INT TERM

taskset -c 0 "$hotstated" --memory --listen 127.0.0.1:0 --log-level warn >"$raw/hotstated.out" 2>"$raw/hotstated.err" &
server_pid=$!
for _ in $(seq 100); do grep -q "listening on" "$raw/hotstated.out" && break; sleep 0.1; done
port=$(sed -n 's/^listening on 127\.0\.0\.1:\([0-9]*\)$/\1/p' "$raw/hotstated.out")
[ -n "$port" ] || { echo "hotstated did not start: $(cat "$raw/hotstated.err")" >&2; exit 1; }

mkdir -p "$root/bench/results"
result=$root/bench/results/flags_node.json
taskset -c 1 node "$here/flags_bench.js" --url "http://127.0.0.1:$port" --runs "$runs" --min-time "$min_time" \
  --placement "node pinned to cpu1 (taskset -c 1); hotstated on cpu0, idle during evaluation" --out "$result"
[ -z "$out_dir" ] || cp "$result" "$out_dir/flags_node.json"
echo "wrote $result"
