#!/usr/bin/env bash
# consumer_test.sh BUILD_DIR HOTSTATED [CMAKE] [CC]
# Installs the build tree into a temporary prefix, then builds tests/capi/consumer twice
# against the installed files only -- with CMake find_package(hotstate) and with
# pkg-config -- and checks that both binaries read a record from a live hotstated.
set -euo pipefail

if [ $# -lt 2 ]; then
  echo "usage: $0 BUILD_DIR HOTSTATED [CMAKE] [CC]" >&2
  exit 2
fi
build_dir=$1
server_bin=$2
cmake_bin=${3:-cmake}
cc_bin=${4:-cc}
here=$(cd "$(dirname "$0")" && pwd)

work=$(mktemp -d "${TMPDIR:-/tmp}/hotstate-consumer.XXXXXX")
server_pid=""
cleanup() {
  if [ -n "$server_pid" ]; then
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT

step() { echo "== $*"; }
# Runs a command with a time limit; on failure shows its output.
run() {
  local log=$work/step.log
  if ! timeout 300 "$@" > "$log" 2>&1; then
    echo "FAILED: $*" >&2
    cat "$log" >&2
    exit 1
  fi
}

prefix=$work/prefix
step "install $build_dir into a temporary prefix"
run "$cmake_bin" --install "$build_dir" --prefix "$prefix"
pc_file=$(find "$prefix" -name hotstate.pc | head -n 1)
lib_file=$(find "$prefix" -name 'libhotstate.so*' | head -n 1)
config_file=$(find "$prefix" -name hotstateConfig.cmake | head -n 1)
for f in "$prefix/include/hotstate.h" "$pc_file" "$lib_file" "$config_file"; do
  if [ -z "$f" ] || [ ! -e "$f" ]; then
    echo "FAILED: the install lacks hotstate.h, libhotstate.so, hotstate.pc or hotstateConfig.cmake" >&2
    (cd "$prefix" && find . -type f | sort) >&2
    exit 1
  fi
done
libdir=$(dirname "$lib_file")

step "build the consumer with find_package(hotstate)"
run "$cmake_bin" -S "$here/consumer" -B "$work/cmake-build" -DCMAKE_PREFIX_PATH="$prefix" \
  -DCMAKE_BUILD_TYPE=Release -DCMAKE_C_COMPILER="$cc_bin"
run "$cmake_bin" --build "$work/cmake-build" -j 1
consumer_cmake=$work/cmake-build/consumer

step "build the consumer with pkg-config"
if ! flags=$(PKG_CONFIG_PATH="$(dirname "$pc_file")" pkg-config --cflags --libs hotstate); then
  echo "FAILED: pkg-config does not find hotstate in $(dirname "$pc_file")" >&2
  exit 1
fi
echo "pkg-config: $flags"
consumer_pc=$work/consumer-pkgconfig
# shellcheck disable=SC2086  # the flags are words
run "$cc_bin" -std=c11 -Wall -Wextra -pedantic -Werror "$here/consumer/main.c" -o "$consumer_pc" $flags

step "start hotstated"
"$server_bin" --listen 127.0.0.1:0 --memory --log-level warn > "$work/server.out" 2> "$work/server.err" &
server_pid=$!
port=""
for _ in $(seq 1 200); do
  port=$(sed -n 's/^listening on .*:\([0-9][0-9]*\)$/\1/p' "$work/server.out")
  [ -n "$port" ] && break
  kill -0 "$server_pid" 2>/dev/null || break
  sleep 0.1
done
if [ -z "$port" ]; then
  echo "FAILED: hotstated did not print 'listening on HOST:PORT'" >&2
  cat "$work/server.out" "$work/server.err" >&2
  exit 1
fi
url=http://127.0.0.1:$port

step "write flags/checkout-v2 with curl"
run curl -fsS --max-time 10 -X PUT -H 'Content-Type: application/json' \
  --data-binary '{"enabled":true}' "$url/v1/c/flags/checkout-v2"

expected='{"enabled":true}'
status=0
for consumer in "$consumer_cmake" "$consumer_pc"; do
  step "run $(basename "$consumer")"
  if ! out=$(LD_LIBRARY_PATH="$libdir${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" timeout 30 "$consumer" "$url" 2>&1); then
    echo "FAILED: $consumer exited nonzero: $out" >&2
    status=1
  elif [ "$out" != "$expected" ]; then
    echo "FAILED: $consumer printed '$out', expected '$expected'" >&2
    status=1
  else
    echo "$out"
  fi
done
# The binaries must resolve libhotstate from the prefix, not from somewhere else.
if command -v ldd > /dev/null; then
  resolved=$(LD_LIBRARY_PATH="$libdir" ldd "$consumer_pc" | awk '/libhotstate/ { print $3 }')
  case "$resolved" in
    "$prefix"/*) ;;
    *) echo "FAILED: $consumer_pc resolves libhotstate to '$resolved'" >&2; status=1 ;;
  esac
fi

[ $status -eq 0 ] && echo "capi_consumer: find_package and pkg-config consumers both read the record"
exit $status
