#!/bin/sh
# scripts/test-all.sh - `npm test`: every test, C and JS.
#   0. the JS linter and formatter check (npm run lint: ESLint, Prettier)
#   1. the wasm module (npm run build: both wasm builds, import/export check, dist/)
#   2. the native library and C tests (build/), then again with ASan+UBSan (build-sanitize/)
#   3. the JS tests (node --test test/js/), which also compare the wasm module's streams
#      with build/test/dc_encode_file's.
#   4. test_kernels and test_python01 compiled to wasm SIMD128 and run in Node
#   4b. the Python module (built into build/python) under pytest, against C and Node
#   5. the golden streams on every platform this machine runs (npm run test:platforms)
#   6. the libFuzzer targets for FUZZ_SECONDS each (npm run fuzz)
#   7. the browser demo and the Vite bundle in headless Chromium (npm run test:browser)
set -eu
cd "$(dirname "$0")/.."
# Debian's emcc runs its JS optimiser with Debian's node modules (acorn): every emcc call
# below, the configure and the build, needs them.
export NODE_PATH="${NODE_PATH:-/usr/share/nodejs}"
jobs="${DC_BUILD_JOBS:-2}"
# Build directories (override to keep several checkouts' builds apart).
native="${DC_NATIVE_BUILD:-build}"
sanitize="${DC_SANITIZE_BUILD:-build-sanitize}"

echo "== lint (ESLint, Prettier --check)"
npm run lint

echo "== wasm module"
npm run build

echo "== native build and C tests"
cmake -S . -B "$native" -DCMAKE_BUILD_TYPE=Release
cmake --build "$native" -j "$jobs"
ctest --test-dir "$native" --output-on-failure

echo "== native build with sanitizers and C tests"
cmake -S . -B "$sanitize" -DCMAKE_BUILD_TYPE=RelWithDebInfo -DDC_SANITIZE=ON
cmake --build "$sanitize" -j "$jobs"
ctest --test-dir "$sanitize" --output-on-failure

echo "== JS tests"
DC_ENCODE_FILE="${DC_ENCODE_FILE:-$PWD/$native/test/dc_encode_file}" node --test test/js/

echo "== C kernel tests compiled to wasm: SIMD128 kernels against the scalar reference"
# the library's own source list and flags, through emcmake (test/CMakeLists.txt)
emcmake cmake -S . -B build-wasm-tests \
  -DCMAKE_BUILD_TYPE=Release -DCMAKE_C_FLAGS=-msimd128
cmake --build build-wasm-tests --target test_kernels test_classes test_python01 test_tolerant test_logits -j "$jobs"
for t in test_kernels test_classes test_python01 test_tolerant test_logits; do
  (cd test && node --no-experimental-fetch "../build-wasm-tests/test/$t.cjs")
done

echo "== Python module (pytest)"
sh scripts/build-python.sh
DC_ENCODE_FILE="${DC_ENCODE_FILE:-$PWD/$native/test/dc_encode_file}" \
  PYTHONDONTWRITEBYTECODE=1 /usr/bin/python3 -m pytest -q -p no:cacheprovider test/python

echo "== golden streams on every platform"
npm run test:platforms

echo "== fuzzing"
npm run fuzz

echo "== browser tests"
npm run test:browser

echo "== all tests passed"
