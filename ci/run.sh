#!/usr/bin/env bash
# The main job: build hotstated, start it on 127.0.0.1:7700 with its durable storage in
# ./hotstate-data (HOTSTATE_DATA_DIR to change it), show a client replica at work
# (a watcher printing changes as writes happen), then keep the server running until Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/.."

bash ci/setup.sh
bash ci/build.sh

listen=${HOTSTATE_LISTEN:-127.0.0.1:7700}
url="http://$listen"
storage=(--data-dir "${HOTSTATE_DATA_DIR:-./hotstate-data}")
for arg in "$@"; do [[ $arg == --memory || $arg == --data-dir* ]] && storage=(); done  # yours wins
./build/apps/hotstated/hotstated --listen "$listen" "${storage[@]}" "$@" &
server=$!
trap 'kill -TERM $server 2>/dev/null; wait $server' INT TERM
for _ in $(seq 50); do
  curl -fs "$url/readyz" > /dev/null 2>&1 && break
  sleep 0.1
done

cli=./build/apps/hotstate/hotstate
echo
echo "== demo: a watcher keeps a local replica of 'config' and prints each change as it streams in"
$cli --url "$url" put config checkout-v2 '{"enabled":false}' > /dev/null
$cli --url "$url" watch --collection config &
watcher=$!
sleep 1
( set -x
  $cli --url "$url" put config checkout-v2 '{"enabled":true,"rollout":25}'
  $cli --url "$url" put config dark-mode '{"enabled":false}'
  $cli --url "$url" txn - <<< '{"ops":[{"op":"put","collection":"config","key":"beta","value":true},{"op":"delete","collection":"config","key":"dark-mode"}]}'
) 2>&1
sleep 1
kill -INT $watcher; wait $watcher || true
echo
echo "== the replica, read locally by a fresh client (hotstate snapshot)"
$cli --url "$url" snapshot --collection config
echo
echo "== a flag (flagd's format, docs/flags.md), evaluated locally by a client for two users"
( set -x
  $cli --url "$url" put flags new-checkout '{"state":"ENABLED","variants":{"on":true,"off":false},"defaultVariant":"off","targeting":{"if":[{"ends_with":[{"var":"email"},"@example.com"]},"on",{"fractional":[["on",25],["off",75]]}]}}'
  $cli --url "$url" flag-eval flags new-checkout --context '{"targetingKey":"u-1","email":"ann@example.com"}'
  $cli --url "$url" flag-eval flags new-checkout --context '{"targetingKey":"u-2","email":"bob@other.org"}'
) 2>&1
echo
echo "hotstated is running on $url (Ctrl-C to stop)."
wait $server
