#!/usr/bin/env bash
# Runs every test: installs what is missing, builds once, then runs the whole suite.
# This is the README's test command and what CI runs (.ci/run).
set -euo pipefail
cd "$(dirname "$0")/.."

bash ci/setup.sh
bash ci/build.sh
# Tests start their own hotstated on free loopback ports, so they can run side by side.
ctest --test-dir "${HOTSTATE_BUILD_DIR:-build}" --output-on-failure -j "$(nproc)" --timeout 600
