#!/usr/bin/env bash
# Configures and builds everything into ./build (reused by every test stage; ccache keeps
# rebuilds cheap). Extra arguments go to cmake's configure step.
set -euo pipefail
cd "$(dirname "$0")/.."

build_dir=${HOTSTATE_BUILD_DIR:-build}
build_type=${HOTSTATE_BUILD_TYPE:-RelWithDebInfo}
export CCACHE_DIR=${CCACHE_DIR:-$HOME/.cache/ccache}
export CCACHE_MAXSIZE=${CCACHE_MAXSIZE:-2G}

cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE="$build_type" "$@" > "$build_dir.configure.log" 2>&1 ||
  { cat "$build_dir.configure.log"; exit 1; }
cmake --build "$build_dir" -j "$(nproc)"
