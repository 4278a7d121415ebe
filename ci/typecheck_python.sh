#!/usr/bin/env bash
# Type-checks the Python package (bindings/python/src/hotstate) and its stub of the native
# module, _native.pyi, so a wrong stub fails CI:
#   1. mypy --strict over the package: its calls into _native must match the stub;
#   2. mypy's stubtest: the stub's names against the built module's (pybind11 gives no
#      signatures, so this catches a missing, extra or misplaced name).
#   bash ci/typecheck_python.sh [BUILD_DIR]      (default build; HOTSTATE_PYTHON: the
#   interpreter with ci/requirements-python.txt, default .venv/bin/python)
set -euo pipefail
cd "$(dirname "$0")/.."

build=${1:-build}
python=${HOTSTATE_PYTHON:-$PWD/.venv/bin/python}
src=$PWD/bindings/python/src

(cd "$src" && "$python" -m mypy --strict --no-incremental --cache-dir=/dev/null hotstate)
# MYPYPATH: the stub of the checkout, not the copy the build placed next to the module.
MYPYPATH="$src" PYTHONPATH="$PWD/$build/bindings/python" \
  "$python" -m mypy.stubtest hotstate._native --allowlist ci/stubtest_allowlist.txt
