#!/usr/bin/env bash
# Runs the README's main command, ci/run.sh, as written (durable storage, the demo), on a
# free loopback port with a scratch data directory, and checks that its demo showed a
# client reading locally and a flag evaluated locally; then stops it (Ctrl-C, as a user).
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d "${TMPDIR:-/tmp}/hotstate-run.XXXXXX")
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
HOTSTATE_LISTEN=127.0.0.1:$port HOTSTATE_DATA_DIR=$work/data setsid bash ci/run.sh > "$work/out" 2>&1 &
job=$!
stop() { kill -INT -- -$job 2>/dev/null || true; wait $job 2>/dev/null || true; rm -rf "$work"; }
trap stop EXIT
for _ in $(seq 600); do grep -q "hotstated is running" "$work/out" && break; kill -0 $job 2>/dev/null || break; sleep 0.2; done
ok=1
grep -q "hotstated is running on http://127.0.0.1:$port" "$work/out" || ok=0
grep -q '"key":"checkout-v2","value":{"enabled":true,"rollout":25}' "$work/out" || ok=0   # the replica
grep -q '"variant":"on","reason":"TARGETING_MATCH"' "$work/out" || ok=0                    # the flag
[ -d "$work/data" ] || ok=0                                                                 # durable
if [ $ok = 1 ]; then
  echo "run_check: ci/run.sh started hotstated (durable), showed the replica and a flag evaluated locally"
else
  cat "$work/out"
  echo "run_check: ci/run.sh did not do what the README says" >&2
  exit 1
fi
