#!/usr/bin/env bash
# install_check.sh HOTSTATED: the install commands of README.md and docs/python.md, run as
# a user runs them from the repository root, each into a new virtualenv:
#   pip install ./bindings/python
#   pip wheel --no-deps -w dist ./bindings/python      (then pip install of that wheel)
# Against a real hotstated, each install then runs five lines that read a flag locally
# and react to a change; the first also runs the example web service
# (examples/python/flag_service.py). Nothing of the checkout is on sys.path there: only
# the installed package. The build directory is fixed (pyproject.toml), so the second
# command reuses what the first compiled; ccache (CCACHE_BASEDIR) serves fresh checkouts.
# HOTSTATE_PYTHON names the interpreter the virtualenvs are made from (default python3).
set -euo pipefail
hotstated=$(realpath "${1:?usage: install_check.sh PATH/TO/hotstated}")
root=$(cd "$(dirname "$0")/../../.." && pwd)
python=${HOTSTATE_PYTHON:-python3}
work=$(mktemp -d "${TMPDIR:-/tmp}/hotstate-pip.XXXXXX")
pids=()
wheel=""
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2> /dev/null || true; done
  # The wheel this script put in the checkout's dist/ (and dist/ itself if it made it).
  [ -n "$wheel" ] && rm -f "$root/dist/$wheel"
  rmdir "$root/dist" 2> /dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
command -v ccache > /dev/null && export CMAKE_CXX_COMPILER_LAUNCHER=ccache CMAKE_C_COMPILER_LAUNCHER=ccache
export CCACHE_BASEDIR=${CCACHE_BASEDIR:-$root} CCACHE_NOHASHDIR=${CCACHE_NOHASHDIR:-1}
export PIP_DISABLE_PIP_VERSION_CHECK=1

"$hotstated" --listen 127.0.0.1:0 --memory --log-level error > "$work/server.out" &
pids+=($!)
for _ in $(seq 100); do grep -q "listening on" "$work/server.out" && break; sleep 0.05; done
url="http://$(sed -n 's/^listening on //p' "$work/server.out")"

# Five lines a user writes, run by the virtualenv's python from outside the checkout.
smoke_test() {
  local venv=$1 key=$2
  (cd "$work" && "$venv/bin/python" - "$url" "$key" << 'PY'
import sys, threading, hotstate
url, key = sys.argv[1], sys.argv[2]
changed = threading.Event()
with hotstate.Client(url, collections=["flags"]) as client:
    client.wait_ready(timeout=10)
    client.on_change(lambda batch: changed.set(), key=key)
    client.wait_for_revision(client.put("flags", key, True), timeout=10)
    assert client.get("flags", key) is True and changed.wait(10)
assert hotstate.__file__.startswith(sys.prefix), hotstate.__file__
print(f"install_check: {sys.prefix}: five lines read a flag locally and saw it change")
PY
  )
}

cd "$root"
echo "install_check: pip install ./bindings/python (a new virtualenv)"
"$python" -m venv "$work/venv"
start=$SECONDS
(source "$work/venv/bin/activate" && pip install -q ./bindings/python)
echo "install_check: installed in $((SECONDS - start)) s"
smoke_test "$work/venv" beta

# From $work: the example keeps its offline cache file in the working directory.
(cd "$work" && exec "$work/venv/bin/python" "$root/examples/python/flag_service.py" --hotstate "$url" --port 0) \
  > "$work/example.out" 2>&1 &
pids+=($!)
for _ in $(seq 100); do grep -q "serving on" "$work/example.out" && break; sleep 0.05; done
service=$(sed -n 's/^serving on //p' "$work/example.out")
[ -n "$service" ] || { cat "$work/example.out"; exit 1; }
before=$(curl -fsS -H 'X-User: ada' "$service")
curl -fsS -X PUT --data '{"state": "ENABLED", "variants": {"new": "new", "classic": "classic"},
  "defaultVariant": "classic", "targeting": {"fractional": [["new", 100], ["classic", 0]]}}' \
  "$url/v1/c/flags/new-checkout" > /dev/null
after=""
for _ in $(seq 100); do
  after=$(curl -fsS -H 'X-User: ada' "$service")
  [[ $after == *'"new"'* ]] && break
  sleep 0.05
done
echo "install_check: example before: $before, after the flag flip: $after"
[[ $before == *'"classic"'* && $after == *'"new"'* ]]

echo "install_check: pip wheel --no-deps -w dist ./bindings/python, then pip install of the wheel (a new virtualenv)"
start=$SECONDS
(source "$work/venv/bin/activate" && pip wheel -q --no-deps -w dist ./bindings/python)
wheel=$(cd dist && ls -t hotstate-*.whl | head -1)
echo "install_check: built dist/$wheel in $((SECONDS - start)) s"
"$python" -m venv "$work/venv-wheel"
"$work/venv-wheel/bin/pip" install -q "dist/$wheel"
smoke_test "$work/venv-wheel" gamma
echo "install_check: ok"
