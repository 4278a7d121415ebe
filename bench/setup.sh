#!/usr/bin/env bash
# What the benchmarks need beyond ci/setup.sh: the peer servers and client libraries
# (Debian), and the Python tools for the report and the Python benchmarks (.venv).
# Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."
bash ci/setup.sh
packages=(redis-server nats-server libhiredis-dev libbenchmark-dev libabsl-dev)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  echo "bench/setup.sh: installing ${missing[*]}"
  sudo_cmd=""
  [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $sudo_cmd apt-get update -qq
  $sudo_cmd apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
venv=${HOTSTATE_VENV:-$PWD/.venv}
stamp="$venv/.hotstate-bench-requirements"
if [ -f bench/requirements.txt ] && ! cmp -s bench/requirements.txt "$stamp" 2>/dev/null; then
  "$venv/bin/python" -m pip install -q --disable-pip-version-check -r bench/requirements.txt
  cp bench/requirements.txt "$stamp"
fi
