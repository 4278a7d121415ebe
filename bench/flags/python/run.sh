#!/usr/bin/env bash
# The Python flag benchmark: hotstate beside flagd's in-process OpenFeature provider.
#
#   bench/flags/python/run.sh [quick|full] [PARTS_DIR]
#
# Installs the peer (requirements.txt) into the repo's .venv, starts its own hotstated
# (--memory, pinned to cpu0) and runs flags_bench.py pinned to cpu1 (taskset -c 1). Writes
# bench/results/flags_python.json, and PARTS_DIR/flags_python.json for bench/report.py
# when bench/run.sh calls it. quick: 5 runs of 0.2 s per subject; full: 7 runs of 1 s.
#
# Inputs (environment; defaults are the project's build):
#   HOTSTATED            server binary          (default: build/apps/hotstated/hotstated)
#   HOTSTATE_PYTHONPATH  the hotstate package   (default: build/bindings/python)
#   HOTSTATE_VENV        the virtualenv         (default: .venv)
set -euo pipefail
mode=${1:-quick}
parts=${2:-}
root=$(cd "$(dirname "$0")/../../.." && pwd)
case $mode in
  quick) runs=5 min_time=0.2 ;;
  full) runs=7 min_time=1.0 ;;
  *) echo "usage: run.sh [quick|full] [PARTS_DIR]" >&2; exit 2 ;;
esac
venv=${HOTSTATE_VENV:-$root/.venv}
hotstated=${HOTSTATED:-$root/build/apps/hotstated/hotstated}
export PYTHONPATH=${HOTSTATE_PYTHONPATH:-$root/build/bindings/python}
for f in "$hotstated" "$PYTHONPATH/hotstate/__init__.py"; do
  [ -e "$f" ] || { echo "run.sh: missing $f (build hotstated and the Python package first)" >&2; exit 1; }
done

here=$root/bench/flags/python
stamp="$venv/.hotstate-bench-flags-python"
if ! cmp -s "$here/requirements.txt" "$stamp" 2>/dev/null; then
  "$venv/bin/python" -m pip install -q --disable-pip-version-check -r "$here/requirements.txt"
  cp "$here/requirements.txt" "$stamp"
fi

outs=(--out "$root/bench/results/flags_python.json")
[ -n "$parts" ] && outs+=(--out "$parts/flags_python.json")
cd "$here"
taskset -c 1 "$venv/bin/python" flags_bench.py --hotstated "$hotstated" --mode "$mode" --runs "$runs" \
  --min-time "$min_time" "${outs[@]}"
