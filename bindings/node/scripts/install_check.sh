#!/usr/bin/env bash
# install_check.sh HOTSTATED: the install commands of README.md and docs/node.md, run as a
# user runs them, each into an empty project:
#   npm install <checkout>/bindings/node         (npm links the folder; see build_addon.js)
#   npm install --install-links <checkout>/bindings/node   (npm copies the folder instead)
#   npm pack there, then npm install <the tarball>
# The checkout is a fresh copy of this one (its tracked and new files, nothing ignored): a
# working checkout's bindings/node may already hold node_modules and a build, which would
# hide what a fresh clone lacks. Each install builds the addon with cmake-js (offline but
# for the npm registry); a second `npm install` of the folder must reuse that build. Each
# project then runs a smoke test against a real hotstated.
# HOTSTATE_BUILD_JOBS (default 1) limits the compile jobs. With ccache, builds of fresh
# copies hit the cache: the copies live at fixed paths below CCACHE_BASEDIR.
set -euo pipefail
hotstated=$(realpath "${1:?usage: install_check.sh PATH/TO/hotstated}")
root=$(cd "$(dirname "$0")/../../.." && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/hotstate-npm.XXXXXX")
server=""
cleanup() {
  [ -n "$server" ] && kill "$server" 2> /dev/null && wait "$server" 2> /dev/null
  rm -rf "$work"
}
trap cleanup EXIT

export HOTSTATE_BUILD_JOBS=${HOTSTATE_BUILD_JOBS:-1}
if command -v ccache > /dev/null; then
  export CMAKE_CXX_COMPILER_LAUNCHER=ccache CMAKE_C_COMPILER_LAUNCHER=ccache
  export CCACHE_BASEDIR="$work" CCACHE_NOHASHDIR=1
fi
npm_flags=(--no-audit --no-fund --foreground-scripts)

echo "== a fresh copy of the checkout"
mkdir "$work/hotstate"
git -C "$root" ls-files -z --cached --others --exclude-standard |
  while IFS= read -r -d '' file; do [ -e "$root/$file" ] && printf '%s\0' "$file"; done |
  tar -C "$root" --null -T - -cf - | tar -C "$work/hotstate" -xf -
checkout="$work/hotstate"

"$hotstated" --listen 127.0.0.1:0 --log-level error --memory > "$work/server.out" &
server=$!
for _ in $(seq 100); do grep -q listening "$work/server.out" && break; sleep 0.1; done
url="http://$(awk '/listening on/{print $3}' "$work/server.out")"

# An empty project: npm init, then the install command given.
new_project() {
  mkdir "$1"
  (cd "$1" && npm init -y > /dev/null)
}
run_install() {
  local project=$1 log=$2
  shift 2
  (cd "$project" && npm install "${npm_flags[@]}" "$@") > "$log" 2>&1 || { tail -50 "$log"; exit 1; }
}
smoke_test() {
  cat > "$1/smoke.js" << 'JS'
const { Client } = require('hotstate');
(async () => {
  const client = new Client({ url: process.argv[2], collections: ['flags'] });
  await client.ready({ timeoutMs: 10000 });
  const changed = new Promise((resolve) => client.once('change', resolve));
  const keep = setInterval(() => {}, 1 << 30);  // a change event alone keeps no process alive
  await client.waitForRevision(await client.put('flags', process.argv[3], { enabled: true }));
  const batch = await changed;
  clearInterval(keep);
  if (client.get('flags', process.argv[3]).enabled !== true || batch.changes[0].key !== process.argv[3])
    throw new Error('unexpected state');
  client.close();
  console.log(`smoke test passed in ${process.cwd()}: hotstate ${require('hotstate').version} from ` +
    require('fs').realpathSync(require.resolve('hotstate')));
})().catch((e) => { console.error(e); process.exit(1); });
JS
  (cd "$1" && node smoke.js "$url" "$2")
}

echo "== npm install $checkout/bindings/node (into an empty project; builds the addon)"
new_project "$work/app"
start=$SECONDS
run_install "$work/app" "$work/install.log" "$checkout/bindings/node"
addon="$checkout/bindings/node/build/Release/hotstate.node"
[ -f "$addon" ] || { tail -50 "$work/install.log"; echo "install_check: $addon was not built" >&2; exit 1; }
echo "installed in $((SECONDS - start)) s"
built=$(stat -c "%i %y %s" "$addon")
run_install "$work/app" "$work/install-again.log" "$checkout/bindings/node"
[ "$(stat -c "%i %y %s" "$addon")" = "$built" ] ||
  { echo "install_check: a second npm install rebuilt the addon" >&2; exit 1; }
echo "a second npm install reused the build"
smoke_test "$work/app" linked

echo "== npm install --install-links $checkout/bindings/node (a copy, not a link; into an empty project)"
new_project "$work/app-copy"
start=$SECONDS
run_install "$work/app-copy" "$work/install-copy.log" --install-links "$checkout/bindings/node"
[ ! -L "$work/app-copy/node_modules/hotstate" ] || { echo "install_check: npm linked the folder" >&2; exit 1; }
echo "installed in $((SECONDS - start)) s"
smoke_test "$work/app-copy" copied

echo "== npm pack, then npm install of the tarball (into an empty project)"
tarball=$(cd "$checkout/bindings/node" && npm pack --silent --pack-destination "$work" | tail -1)
echo "$tarball: $(tar -tzf "$work/$tarball" | wc -l) files"
new_project "$work/app-tarball"
start=$SECONDS
run_install "$work/app-tarball" "$work/install-tarball.log" "$work/$tarball"
echo "installed in $((SECONDS - start)) s"
smoke_test "$work/app-tarball" packed
