#!/usr/bin/env bash
# Runs every test: installs what is missing, builds, then runs the suite three ways. On a
# fresh 2-core machine with an empty ccache the run takes about 27 minutes (docs/testing.md
# has the figures per stage); the builds cost most, so each is as cheap as its purpose allows:
#   1. clang, -O0 -g1, AddressSanitizer + UndefinedBehaviorSanitizer, with the libFuzzer
#      targets (build-san): the whole C++ suite (the soak test for 20 s with half its fleet,
#      the fuzz corpora and regressions replayed), then a short libFuzzer run of every fuzz
#      target from the same build (ci/fuzz.sh). clang compiles Beast's templates two to six
#      times faster than GCC here, and its UBSan checks more (-fsanitize=enum);
#   2. clang, -O0 -g1, ThreadSanitizer (build-tsan): the suites where threads meet (the
#      client's core and subscriptions, the server's hub, queues and sessions, the end-to-end
#      and flag suites), built alone. Left out: what drives the Debian RocksDB, which is not
#      instrumented (storage engine, durability, soak); a test that needs a fast server to
#      overflow a queue (ci/tsan.supp says more); the fork tests (TSan does not support a
#      child of a multi-threaded process that starts threads: die_after_fork), the herds
#      and the C ABI's thread-counting test;
#   3. the normal build (GCC, -O1 -g1, with the Python and Node bindings), the C++ suite
#      (soak: 60 s), and the README's main command (ci/run.sh and its demo, ci/run_check.sh);
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
# A test that hangs fails after 5 minutes (the slowest, the soak, takes about 90 s).
run_ctest() { ctest --test-dir "$1" --output-on-failure -j "$jobs" --timeout 300 "${@:2}"; }
stage_start=$SECONDS
stage_time() { echo "== ($1 took $((SECONDS - stage_start)) s)"; stage_start=$SECONDS; }
# The sanitizer builds: clang 14 at -O0 with line tables only (-g1), enough for stack
# traces, linked by lld (ld.bfd took ~4 s per sanitized test program).
sanitizer_build() {
  local lld=-fuse-ld=lld
  CC=clang-14 CXX=clang++-14 HOTSTATE_BUILD_DIR=$1 HOTSTATE_BUILD_TYPE=Debug bash ci/build.sh \
    "-DCMAKE_C_FLAGS_DEBUG=-O0 -g1" "-DCMAKE_CXX_FLAGS_DEBUG=-O0 -g1" -DCMAKE_EXE_LINKER_FLAGS=$lld \
    -DCMAKE_SHARED_LINKER_FLAGS=$lld -DCMAKE_MODULE_LINKER_FLAGS=$lld "${@:2}"
}

if [ "${HOTSTATE_SKIP_SANITIZERS:-0}" != 1 ]; then
  echo "== address + undefined-behaviour sanitizers (clang), with the fuzz targets"
  sanitizer_build build-san -DHOTSTATE_BUILD_FUZZ=ON
  # SlowConsumerNeverBlocksWriters needs a writer that outruns a reader by far, which a
  # sanitized server under a parallel run may not be. The fork test's child of a busy
  # parent sometimes never connected under ASan: the ASan runtimes of GCC 12 and clang 14
  # neither intercept fork() nor install pthread_atfork handlers (LLVM added them in 18:
  # llvm-project PR 75290), so a child forked while a parent thread holds an allocator lock
  # can block in its first malloc. Both run in the normal build (step 3).
  ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 \
    run_ctest build-san -E 'SlowConsumerNeverBlocksWriters|^e2e_fork_test$'
  stage_time "ASan+UBSan build and suite"

  echo "== fuzz (short run, the same build)"
  HOTSTATE_FUZZ_BUILD_DIR=build-san FUZZ_SECONDS=${FUZZ_SECONDS:-10} bash ci/fuzz.sh
  stage_time "fuzz"

  echo "== thread sanitizer (clang): the suites where threads meet"
  tsan_suites="client_test client_protocol_test replica_sync_test answer_queue_test outbound_queue_test
               record_map_test store_test stream_test http_test access_test tls_test
               e2e_test e2e_offline_cache_test e2e_flags_test"
  HOTSTATE_TARGETS="$tsan_suites" sanitizer_build build-tsan -DHOTSTATE_SANITIZE=thread
  # Only what was built runs: gtest_discover_tests names an unbuilt suite <target>_NOT_BUILT,
  # and the plain ctest tests below are programs of suites not built here.
  TSAN_OPTIONS="halt_on_error=1:second_deadlock_stack=1:suppressions=$PWD/ci/tsan.supp" \
    run_ctest build-tsan -LE soak \
    -E '_NOT_BUILT$|^(capi_|e2e_capi|e2e_fork|flagd_testbed_capi_test$|fuzz_replay\.)|SlowConsumerNeverBlocksWriters'
  stage_time "TSan build and suites"
fi

echo "== normal build"
venv=${HOTSTATE_VENV:-$PWD/.venv}
# node-addon-api (napi.h) comes from npm; nothing is built by npm here.
(cd bindings/node && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error)
# -O1 -g1: optimised code with line tables for stack traces, compiled in 0.55x the time of
# -O2 -g (the default RelWithDebInfo, which ci/run.sh gives a fresh checkout; the packages
# build -O3, step 4). ci/run.sh below reuses this build as configured.
bash ci/build.sh -DHOTSTATE_BUILD_PYTHON=ON -DPython_EXECUTABLE="$venv/bin/python" -DHOTSTATE_BUILD_NODE=ON \
  "-DCMAKE_C_FLAGS_RELWITHDEBINFO=-O1 -g1 -DNDEBUG" "-DCMAKE_CXX_FLAGS_RELWITHDEBINFO=-O1 -g1 -DNDEBUG"
run_ctest build
stage_time "normal build and C++ suite"

echo "== the README's main command: ci/run.sh (its demo), as written"
bash ci/run_check.sh
stage_time "the main command"

export CCACHE_BASEDIR=${CCACHE_BASEDIR:-$PWD} CCACHE_NOHASHDIR=${CCACHE_NOHASHDIR:-1}
echo "== Python package: pip install ./bindings/python into a new virtualenv (and pip wheel), smoke tests"
HOTSTATE_PYTHON="$venv/bin/python" bash bindings/python/scripts/install_check.sh build/apps/hotstated/hotstated
echo "== Node package: npm install <fresh checkout>/bindings/node into an empty project (and npm pack), smoke tests"
HOTSTATE_BUILD_JOBS=$jobs bash bindings/node/scripts/install_check.sh build/apps/hotstated/hotstated
stage_time "package installs"

echo "== Python types: mypy --strict and stubtest of _native.pyi (Node's tsc runs with the Node tests)"
HOTSTATE_PYTHON="$venv/bin/python" bash ci/typecheck_python.sh build

echo "== Node tests"
bash ci/test_node.sh build
stage_time "type checks and Node tests"

echo "== Python tests"
PYTHONPATH="$PWD/build/bindings/python" HOTSTATED="$PWD/build/apps/hotstated/hotstated" \
  "$venv/bin/python" -m pytest -p no:cacheprovider --timeout=300 bindings/python/tests
