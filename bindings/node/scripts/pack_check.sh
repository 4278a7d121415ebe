#!/usr/bin/env bash
# Packs the npm package, installs the tarball into an empty project (which builds the
# addon with cmake-js, offline apart from the npm registry) and runs a smoke test there
# against a real hotstated. Usage: scripts/pack_check.sh PATH/TO/hotstated
# HOTSTATE_BUILD_JOBS (default 1) limits the compile jobs of the build.
set -euo pipefail
hotstated=$(realpath "${1:?usage: pack_check.sh PATH/TO/hotstated}")
package_dir=$(cd "$(dirname "$0")/.." && pwd)
work=$(mktemp -d)
server=""
cleanup() {
  [ -n "$server" ] && kill "$server" 2>/dev/null && wait "$server" 2>/dev/null
  rm -rf "$work"
}
trap cleanup EXIT

export HOTSTATE_BUILD_JOBS=${HOTSTATE_BUILD_JOBS:-1}
command -v ccache > /dev/null && export CMAKE_CXX_COMPILER_LAUNCHER=ccache CMAKE_C_COMPILER_LAUNCHER=ccache

echo "== npm pack"
tarball=$(cd "$package_dir" && npm pack --silent --pack-destination "$work" | tail -1)
echo "$tarball: $(tar -tzf "$work/$tarball" | wc -l) files"

echo "== npm install into an empty project (builds the addon)"
mkdir "$work/app"
cd "$work/app"
npm init -y > /dev/null
npm install --no-audit --no-fund --foreground-scripts "$work/$tarball" > "$work/install.log" 2>&1 ||
  { tail -50 "$work/install.log"; exit 1; }

echo "== smoke test"
"$hotstated" --listen 127.0.0.1:0 --log-level warn --memory > "$work/server.out" &
server=$!
for _ in $(seq 100); do grep -q listening "$work/server.out" && break; sleep 0.1; done
url="http://$(awk '/listening on/{print $3}' "$work/server.out")"
cat > smoke.js <<'JS'
const { Client } = require('hotstate');
(async () => {
  const client = new Client({ url: process.argv[2], collections: ['flags'] });
  await client.ready({ timeoutMs: 10000 });
  const changed = new Promise((resolve) => client.once('change', resolve));
  const keep = setInterval(() => {}, 1 << 30);  // a change event alone keeps no process alive
  await client.waitForRevision(await client.put('flags', 'checkout-v2', { enabled: true }));
  const batch = await changed;
  clearInterval(keep);
  if (client.get('flags', 'checkout-v2').enabled !== true || batch.changes[0].key !== 'checkout-v2')
    throw new Error('unexpected state');
  client.close();
  console.log('smoke test passed: hotstate', require('hotstate').version);
})().catch((e) => { console.error(e); process.exit(1); });
JS
node smoke.js "$url"
