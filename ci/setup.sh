#!/usr/bin/env bash
# Installs everything hotstate needs to build and test, from Debian's packages.
# Idempotent: when every package is already present it returns in about a second.
set -euo pipefail

packages=(
  build-essential cmake ninja-build ccache pkg-config
  libboost1.81-dev libboost-json1.81-dev libboost-program-options1.81-dev
  flatbuffers-compiler libflatbuffers-dev
  librocksdb-dev
  libgtest-dev libgmock-dev
  libssl-dev
  curl
)

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
echo "ci/setup.sh: dependencies present (flatc $flatc_version)"
