#!/usr/bin/env bash
# The one set-up command: the Debian packages the suite needs, then a Release build into build/.
# CUDA kernels are built whenever nvcc is found (CMakeLists.txt); extra arguments go to CMake,
# e.g. scripts/install.sh -DLASUITE_CUDA=OFF. apt is skipped when everything is already installed,
# so the script also runs without root then.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

packages=(libeigen3-dev libfmt-dev libcli11-dev nlohmann-json3-dev libgtest-dev libbenchmark-dev
          cmake ninja-build g++ git python3-matplotlib libopenmpi-dev openmpi-bin)
missing=()
for p in "${packages[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then missing+=("$p"); fi
done
if ((${#missing[@]})); then
  echo "install.sh: installing ${missing[*]}"
  if ! command -v apt-get >/dev/null; then
    echo "install.sh: apt-get not found; install these packages yourself: ${missing[*]}" >&2
    exit 1
  fi
  sudo=()
  if [ "$(id -u)" -ne 0 ]; then sudo=(sudo); fi
  "${sudo[@]}" apt-get update
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y --no-install-recommends "${missing[@]}"
else
  echo "install.sh: Debian packages already installed"
fi

cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=Release "$@"
cmake --build build -j "${LASUITE_BUILD_JOBS:-$(nproc)}"
echo "install.sh: built build/lasuite, build/lasuite_microbench and build/tests/lasuite_tests"
