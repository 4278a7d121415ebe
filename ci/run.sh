#!/usr/bin/env bash
# The main job: build hotstated, start it on 127.0.0.1:7700, show a short demo with the
# hotstate CLI, then keep the server running in the foreground until Ctrl-C.
set -euo pipefail
cd "$(dirname "$0")/.."

bash ci/setup.sh
bash ci/build.sh

listen=${HOTSTATE_LISTEN:-127.0.0.1:7700}
url="http://$listen"
./build/apps/hotstated/hotstated --listen "$listen" "$@" &
server=$!
trap 'kill -TERM $server 2>/dev/null; wait $server' INT TERM
for _ in $(seq 50); do
  curl -fs "$url/readyz" > /dev/null 2>&1 && break
  sleep 0.1
done

cli=./build/apps/hotstate/hotstate
echo
echo "== demo: writes go over HTTP, every connected client receives them on its stream"
( set -x
  $cli --url "$url" put flags checkout-v2 '{"enabled":true,"rollout":25}'
  $cli --url "$url" put flags dark-mode '{"enabled":false}'
  $cli --url "$url" get flags checkout-v2
  $cli --url "$url" ls flags
  $cli --url "$url" status
)
echo
echo "hotstated is running on $url (Ctrl-C to stop)."
wait $server
