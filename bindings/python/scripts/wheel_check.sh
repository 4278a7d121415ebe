#!/usr/bin/env bash
# wheel_check.sh HOTSTATED: what a user does. Builds a wheel of bindings/python with pip
# (scikit-build-core compiles the library), installs it into a new virtualenv, then
# against a real hotstated runs five lines that read a flag locally and react to a
# change, and the example web service (examples/python/flag_service.py).
set -euo pipefail
hotstated=$(realpath "$1")
root=$(cd "$(dirname "$0")/../../.." && pwd)
python=${HOTSTATE_PYTHON:-python3}
work=$(mktemp -d "${TMPDIR:-/tmp}/hotstate-wheel.XXXXXX")
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2> /dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

echo "wheel_check: building the wheel"
start=$(date +%s)
"$python" -m pip wheel -q --no-deps -w "$work/dist" "$root/bindings/python"
echo "wheel_check: built $(basename "$work"/dist/*.whl) in $(($(date +%s) - start)) s"
"$python" -m venv "$work/venv"
"$work/venv/bin/pip" install -q --disable-pip-version-check "$work"/dist/*.whl

"$hotstated" --listen 127.0.0.1:0 --memory --log-level error > "$work/server.out" &
pids+=($!)
for _ in $(seq 100); do grep -q "listening on" "$work/server.out" && break; sleep 0.05; done
url="http://$(sed -n 's/^listening on //p' "$work/server.out")"

cd "$work"  # nothing of the checkout on sys.path: only the installed wheel
"$work/venv/bin/python" - "$url" << 'PY'
import sys, threading, hotstate
changed = threading.Event()
with hotstate.Client(sys.argv[1], collections=["flags"]) as client:
    client.wait_ready(timeout=10)
    client.on_change(lambda batch: changed.set(), key="beta")
    client.wait_for_revision(client.put("flags", "beta", True), timeout=10)
    assert client.get("flags", "beta") is True and changed.wait(10)
assert hotstate.__file__.startswith(sys.prefix), hotstate.__file__
print("wheel_check: five lines read a flag locally and saw it change")
PY

"$work/venv/bin/python" "$root/examples/python/flag_service.py" --hotstate "$url" --port 0 > "$work/example.out" 2>&1 &
pids+=($!)
for _ in $(seq 100); do grep -q "serving on" "$work/example.out" && break; sleep 0.05; done
service=$(sed -n 's/^serving on //p' "$work/example.out")
[ -n "$service" ] || { cat "$work/example.out"; exit 1; }
before=$(curl -fsS -H 'X-User: ada' "$service")
curl -fsS -X PUT --data '{"enabled": true, "percent": 100}' "$url/v1/c/flags/new-checkout" > /dev/null
after=""
for _ in $(seq 100); do
  after=$(curl -fsS -H 'X-User: ada' "$service")
  [[ $after == *'"new"'* ]] && break
  sleep 0.05
done
echo "wheel_check: example before: $before, after the flag flip: $after"
[[ $before == *'"classic"'* && $after == *'"new"'* ]]
echo "wheel_check: ok"
