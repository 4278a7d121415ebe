#!/usr/bin/env bash
# Runs the Node package's tests against an addon and a hotstated already built in
# BUILD_DIR (configured with -DHOTSTATE_BUILD_NODE=ON): installs the npm dependencies
# from package-lock.json without building anything, then `node --test`.
# Usage: ci/test_node.sh [BUILD_DIR]   (default: build)
set -euo pipefail
cd "$(dirname "$0")/.."
build_dir=$(realpath "${1:-build}")

export HOTSTATE_NODE_ADDON="$build_dir/bindings/node/hotstate.node"
export HOTSTATED="$build_dir/apps/hotstated/hotstated"
for f in "$HOTSTATE_NODE_ADDON" "$HOTSTATED"; do
  [ -f "$f" ] || { echo "ci/test_node.sh: $f is missing: build $build_dir with -DHOTSTATE_BUILD_NODE=ON" >&2; exit 1; }
done

cd bindings/node
npm ci --ignore-scripts --no-audit --no-fund --loglevel=error
# A test that hangs fails after 2 minutes, naming itself, instead of holding up the run.
node --test --test-timeout=120000 --test-reporter=spec test/
