#!/usr/bin/env bash
# The C++/C flag benchmark: evaluations through a client whose replica holds the flag.
#
#   bench/flags/cpp/run.sh [quick|full] [PARTS_DIR]
#
# Starts its own hotstated (--memory, pinned to cpu0) and runs flags_client_bench pinned to
# cpu1 (taskset -c 1), then the engine alone (eval_bench, cpu1). Writes
# bench/results/flags_cpp.json and bench/results/eval.json (and copies into PARTS_DIR for
# bench/report.py when bench/run.sh calls it). quick: 200k calls per run; full: 2M.
#
# Inputs (environment): HOTSTATE_BENCH_BUILD, the build with -DHOTSTATE_BUILD_BENCH=ON
# (default: build-bench); HOTSTATED (default: its hotstated).
set -euo pipefail
mode=${1:-quick}
parts=${2:-}
root=$(cd "$(dirname "$0")/../../.." && pwd)
case $mode in
  quick) calls=200000 ;;
  full) calls=2000000 ;;
  *) echo "usage: run.sh [quick|full] [PARTS_DIR]" >&2; exit 2 ;;
esac
build=${HOTSTATE_BENCH_BUILD:-$root/build-bench}
hotstated=${HOTSTATED:-$build/apps/hotstated/hotstated}
bench=$build/bench/flags/cpp/flags_client_bench
engine=$build/bench/eval/eval_bench
for f in "$hotstated" "$bench" "$engine"; do
  [ -x "$f" ] || { echo "run.sh: missing $f (build with -DHOTSTATE_BUILD_BENCH=ON)" >&2; exit 1; }
done

log=$(mktemp)
taskset -c 0 "$hotstated" --memory --listen 127.0.0.1:0 --log-level warn > "$log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null; rm -f "$log"' EXIT
for _ in $(seq 100); do grep -q "listening on" "$log" && break; sleep 0.05; done
address=$(sed -n 's/.*listening on \([0-9.:]*\).*/\1/p' "$log" | head -n 1)
[ -n "$address" ] || { cat "$log"; echo "run.sh: hotstated did not start" >&2; exit 1; }

taskset -c 1 "$bench" "http://$address" "$root/bench/results/flags_cpp.json" "$calls"
taskset -c 1 "$engine" "$root/bench/results/eval.json" "$calls"
if [ -n "$parts" ]; then
  cp "$root/bench/results/flags_cpp.json" "$root/bench/results/eval.json" "$parts/"
fi
