#!/usr/bin/env bash
# Configures and builds into ./build (reused by every test stage; ccache keeps rebuilds
# cheap). Extra arguments go to cmake's configure step; HOTSTATE_TARGETS (space
# separated) limits what is built.
set -euo pipefail
cd "$(dirname "$0")/.."

build_dir=${HOTSTATE_BUILD_DIR:-build}
build_type=${HOTSTATE_BUILD_TYPE:-RelWithDebInfo}
export CCACHE_DIR=${CCACHE_DIR:-$HOME/.cache/ccache}
export CCACHE_MAXSIZE=${CCACHE_MAXSIZE:-4G}
# Cache hits across checkouts in different folders (CI clones afresh each run).
export CCACHE_BASEDIR=${CCACHE_BASEDIR:-$PWD}
export CCACHE_NOHASHDIR=${CCACHE_NOHASHDIR:-1}

cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE="$build_type" "$@" > "$build_dir.configure.log" 2>&1 ||
  { cat "$build_dir.configure.log"; exit 1; }
targets=()
for t in ${HOTSTATE_TARGETS:-}; do targets+=(--target "$t"); done
cmake --build "$build_dir" -j "$(nproc)" "${targets[@]}"
