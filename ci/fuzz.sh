#!/usr/bin/env bash
# A short, bounded fuzz run (docs/fuzzing.md): builds the libFuzzer targets with clang,
# AddressSanitizer and UndefinedBehaviorSanitizer into ./build-fuzz (optimised; or reuses
# HOTSTATE_FUZZ_BUILD_DIR if that is already a fuzz build, as ci/test.sh's build-san is),
# then runs each target
# for FUZZ_SECONDS (default 25) from the committed corpus and regressions. Fails on the
# first crash, leak, timeout or broken property, naming the input that caused it; ends with
# one summary line per target.
#   FUZZ_SECONDS=300 bash ci/fuzz.sh            # longer
#   FUZZ_TARGETS="http_request" bash ci/fuzz.sh  # some targets only
set -euo pipefail
cd "$(dirname "$0")/.."

bash ci/setup.sh > /dev/null
seconds=${FUZZ_SECONDS:-25}
targets=(${FUZZ_TARGETS:-stream_inbound client_frames json_to_flex flex_to_json http_request cache_file})
build_dir=${HOTSTATE_FUZZ_BUILD_DIR:-build-fuzz}
export CCACHE_DIR=${CCACHE_DIR:-$HOME/.cache/ccache}
export CCACHE_BASEDIR=${CCACHE_BASEDIR:-$PWD} CCACHE_NOHASHDIR=${CCACHE_NOHASHDIR:-1}

start=$SECONDS
echo "== fuzz: building the targets (clang 14, libFuzzer, ASan+UBSan) in $build_dir"
mkdir -p "$build_dir"
if ! grep -q '^HOTSTATE_BUILD_FUZZ:BOOL=ON$' "$build_dir/CMakeCache.txt" 2> /dev/null; then
  CC=clang-14 CXX=clang++-14 cmake -S . -B "$build_dir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DHOTSTATE_BUILD_FUZZ=ON -DHOTSTATE_BUILD_TESTS=OFF -DHOTSTATE_BUILD_APPS=OFF \
    -DHOTSTATE_BUILD_EXAMPLES=OFF > "$build_dir.configure.log" 2>&1 ||
    { cat "$build_dir.configure.log"; exit 1; }
fi
fuzzers=()
for t in "${targets[@]}"; do fuzzers+=(--target "fuzz_$t"); done
cmake --build "$build_dir" -j "$(nproc)" "${fuzzers[@]}"
echo "built in $((SECONDS - start)) s"

# UBSan findings abort (the build uses -fno-sanitize-recover); print where they happened.
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1}
summary=()
failed=0
for t in "${targets[@]}"; do
  work="$build_dir/corpus/$t"            # grows across runs; never committed
  artifacts="$build_dir/artifacts/$t/"
  log="$build_dir/logs/$t.log"
  mkdir -p "$work" "$artifacts" "$(dirname "$log")"
  inputs=("$work" "fuzz/corpus/$t")
  [ -d "fuzz/regressions/$t" ] && inputs+=("fuzz/regressions/$t")
  options=(-max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1
           -artifact_prefix="$artifacts")
  [ -f "fuzz/dict/$t.dict" ] && options+=(-dict="fuzz/dict/$t.dict")
  echo "== fuzz_$t for ${seconds} s (log: $log)"
  if "$build_dir/fuzz/fuzz_$t" "${options[@]}" "${inputs[@]}" > "$log" 2>&1; then
    status=ok
  else
    status=FAILED
    failed=1
    tail -n 60 "$log"
    echo "fuzz_$t failed; the input is in $artifacts (see docs/fuzzing.md: add it to fuzz/regressions/$t/)"
  fi
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)
  cov=$(grep -o 'cov: [0-9]* ft: [0-9]*' "$log" | tail -n 1 || true)
  summary+=("$(printf '%-15s %-6s execs=%-9s exec/s=%-6s %s' "$t" "$status" "${execs:-?}" "${rate:-?}" "${cov:-}")")
done

echo "== fuzz summary ($((SECONDS - start)) s in all)"
printf '%s\n' "${summary[@]}"
passed=0
for line in "${summary[@]}"; do [[ $line == *" ok "* ]] && passed=$((passed + 1)); done
echo "fuzz: $passed passed, $((${#targets[@]} - passed)) failed"
exit $failed
