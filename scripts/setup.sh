#!/usr/bin/env bash
# Installs everything the build, the tests and the demo need on a fresh Debian machine:
# Debian packages (as root) and the npm dependencies from package-lock.json.
set -euo pipefail
cd "$(dirname "$0")/.."

packages=(
  cmake make gcc clang libclang-rt-14-dev   # native build, sanitizers, libFuzzer
  emscripten binaryen wabt                  # the wasm module: emcc, wasm-opt, wasm-objdump
  gcc-aarch64-linux-gnu qemu-user           # ARM64 golden streams under qemu
  libc6-dev-i386 lib32gcc-12-dev            # 32-bit x87 golden streams (gcc -m32)
  chromium                                  # the browser test (headless)
  python3-dev python3-setuptools python3-pip python3-wheel  # the Python module
  python3-numpy python3-torch python3-pytest                # its inputs and tests
)
# Node and npm may come from outside Debian's packages; only install them when absent.
command -v node >/dev/null && command -v npm >/dev/null || packages+=(nodejs npm)
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "setup: installing ${missing[*]}"
  if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi
# onnxruntime-node's postinstall only downloads CUDA providers (offline it fails; the CPU
# binaries ship in the package): package.json's allowScripts denies it on npm >= 11, the
# variable skips it on older npm.
ONNXRUNTIME_NODE_INSTALL=skip npm ci --no-audit --no-fund
# The Python module for Debian's python3 (from this checkout's C sources; no package index).
# As root into /usr/local, otherwise into the user's site-packages.
if [ "$(id -u)" -ne 0 ]; then pip_where=--user; else pip_where=; fi
/usr/bin/python3 -m pip install --quiet --no-build-isolation --no-deps --break-system-packages \
  $pip_where ./python
rm -rf python/build python/*.egg-info
