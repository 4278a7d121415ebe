#!/usr/bin/env bash
# Installs everything hotstate needs to build and test: Debian's packages, a Python
# virtualenv (.venv, or $HOTSTATE_VENV) with the pinned tools of ci/requirements-python.txt,
# and Node.js when the machine has none. Idempotent: when everything is present it returns
# in about a second.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(
  build-essential cmake ninja-build ccache pkg-config
  libboost1.81-dev libboost-json1.81-dev libboost-program-options1.81-dev
  flatbuffers-compiler libflatbuffers-dev
  librocksdb-dev
  libgtest-dev libgmock-dev
  libssl-dev
  openssl  # the TLS tests make a throwaway CA with it (tests/tls/make_test_pki.sh)
  curl
  clang-14 libclang-rt-14-dev  # ci/fuzz.sh: libFuzzer and the sanitizers' runtimes
  lld-14  # the sanitizer builds of ci/test.sh link with it (several times faster than ld.bfd)
  clang-format-14  # .clang-format: `git clang-format-14` formats the lines a change touches
  python3 python3-dev python3-venv
)
# Node.js: the machine's own if it has one (a newer release with npm), else Debian's.
command -v node > /dev/null && command -v npm > /dev/null || packages+=(nodejs npm)

missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if [ ${#missing[@]} -gt 0 ]; then
  echo "ci/setup.sh: installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  sudo_cmd=""
  [ "$(id -u)" -eq 0 ] || sudo_cmd="sudo"
  $sudo_cmd apt-get update -qq
  $sudo_cmd apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

# flatc and the FlatBuffers headers must be the same release: generated code checks it.
flatc_version=$(flatc --version | awk '{print $3}')
header_version=$(awk '/define FLATBUFFERS_VERSION_(MAJOR|MINOR|REVISION)/{printf "%s%s", sep, $3; sep="."}' \
  /usr/include/flatbuffers/base.h)
if [ "$flatc_version" != "$header_version" ]; then
  echo "ci/setup.sh: flatc $flatc_version does not match FlatBuffers headers $header_version" >&2
  exit 1
fi

# The Python tools live in a virtualenv, so nothing depends on the machine's site-packages.
venv=${HOTSTATE_VENV:-$PWD/.venv}
stamp="$venv/.hotstate-requirements"
if ! cmp -s ci/requirements-python.txt "$stamp" 2>/dev/null; then
  echo "ci/setup.sh: preparing the Python virtualenv $venv"
  [ -x "$venv/bin/python" ] || python3 -m venv "$venv"
  "$venv/bin/python" -m pip install -q --disable-pip-version-check -r ci/requirements-python.txt
  cp ci/requirements-python.txt "$stamp"
fi
echo "ci/setup.sh: dependencies present (flatc $flatc_version, $("$venv/bin/python" --version), node $(node --version))"
