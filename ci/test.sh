#!/usr/bin/env bash
# Runs every test: installs what is missing, builds, then runs the suite three ways:
#   1. AddressSanitizer + UndefinedBehaviorSanitizer build, whole suite (the soak test
#      for 20 s, the fuzz corpora and regressions replayed);
#   2. ThreadSanitizer build, the C++ suite but for what drives the Debian RocksDB, which
#      is not instrumented (its storage engine and durability suites, the soak), and one
#      test that needs a fast server to overflow a queue (ci/tsan.supp says more), and
#      the fork tests (TSan does not support a child of a multi-threaded process that
#      starts threads: die_after_fork; the child's client must start its own), and the
#      restart herd (it forks its server while 125 clients live: the fork handler then
#      holds more locks than TSan's deadlock detector tracks, 64);
#   then a short libFuzzer run of every fuzz target (ci/fuzz.sh, clang);
#   3. the normal build (with the Python and Node bindings), the C++ suite (soak: 60 s),
#      and the README's main command (ci/run.sh and its demo, ci/run_check.sh);
#   4. both packages installed with the commands README.md and docs/ show, as a user runs
#      them: `pip install ./bindings/python` (and `pip wheel`) into new virtualenvs,
#      `npm install <checkout>/bindings/node` (linked, and copied with --install-links)
#      and an `npm pack` tarball into empty projects; each smoke-tested against a real
#      hotstated;
#   5. the type checks of the bindings' declarations: Python's _native.pyi and package with
#      mypy --strict and mypy's stubtest against the built module (ci/typecheck_python.sh);
#      Node's index.d.ts with tsc --noEmit on test/types/usage.ts, which is one of the Node
#      tests (test/types.test.js);
#   6. the Node tests (node --test), then the Python tests (pytest) against the build of
#      step 3 — pytest last, so the run ends with its summary line.
# This is the README's test command and what CI runs (.ci/run).
# HOTSTATE_SKIP_SANITIZERS=1 skips steps 1 and 2 (quick local runs).
set -euo pipefail
cd "$(dirname "$0")/.."

bash ci/setup.sh
jobs=$(nproc)
# Tests start their own hotstated on free loopback ports, so they run side by side.
run_ctest() { ctest --test-dir "$1" --output-on-failure -j "$jobs" --timeout 900 "${@:2}"; }

if [ "${HOTSTATE_SKIP_SANITIZERS:-0}" != 1 ]; then
  echo "== address + undefined-behaviour sanitizers"
  HOTSTATE_BUILD_DIR=build-asan HOTSTATE_BUILD_TYPE=Debug bash ci/build.sh -DHOTSTATE_SANITIZE=address,undefined
  # SlowConsumerNeverBlocksWriters needs a writer that outruns a reader by far, which a
  # sanitized server under a parallel run may not be. The fork test's child of a busy
  # parent sometimes never connected under ASan: GCC 12's libasan neither intercepts fork()
  # nor installs pthread_atfork handlers (LLVM added them in 18: llvm-project PR 75290), so
  # a child forked while a parent thread holds an allocator lock can block in its first
  # malloc. Both run in the normal build (step 3).
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
    run_ctest build-asan -E 'SlowConsumerNeverBlocksWriters|^e2e_fork_test$'

  echo "== thread sanitizer"
  HOTSTATE_BUILD_DIR=build-tsan HOTSTATE_BUILD_TYPE=Debug bash ci/build.sh -DHOTSTATE_SANITIZE=thread
  TSAN_OPTIONS="halt_on_error=1:second_deadlock_stack=1:suppressions=$PWD/ci/tsan.supp" \
    run_ctest build-tsan -LE soak -E '^(RocksDbStorage|Durability)\.|SlowConsumerNeverBlocksWriters|^e2e_capi_test$|^ForkTest\.|^e2e_fork_test$|RestartHerd'

  echo "== fuzz (short run)"
  bash ci/fuzz.sh
fi

echo "== normal build"
venv=${HOTSTATE_VENV:-$PWD/.venv}
# node-addon-api (napi.h) comes from npm; nothing is built by npm here.
(cd bindings/node && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error)
bash ci/build.sh -DHOTSTATE_BUILD_PYTHON=ON -DPython_EXECUTABLE="$venv/bin/python" -DHOTSTATE_BUILD_NODE=ON
run_ctest build

echo "== the README's main command: ci/run.sh (its demo), as written"
bash ci/run_check.sh

export CCACHE_BASEDIR=${CCACHE_BASEDIR:-$PWD} CCACHE_NOHASHDIR=${CCACHE_NOHASHDIR:-1}
echo "== Python package: pip install ./bindings/python into a new virtualenv (and pip wheel), smoke tests"
HOTSTATE_PYTHON="$venv/bin/python" bash bindings/python/scripts/install_check.sh build/apps/hotstated/hotstated
echo "== Node package: npm install <fresh checkout>/bindings/node into an empty project (and npm pack), smoke tests"
HOTSTATE_BUILD_JOBS=$jobs bash bindings/node/scripts/install_check.sh build/apps/hotstated/hotstated

echo "== Python types: mypy --strict and stubtest of _native.pyi (Node's tsc runs with the Node tests)"
HOTSTATE_PYTHON="$venv/bin/python" bash ci/typecheck_python.sh build

echo "== Node tests"
bash ci/test_node.sh build

echo "== Python tests"
PYTHONPATH="$PWD/build/bindings/python" HOTSTATED="$PWD/build/apps/hotstated/hotstated" \
  "$venv/bin/python" -m pytest -p no:cacheprovider bindings/python/tests
