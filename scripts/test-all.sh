#!/bin/sh
# scripts/test-all.sh - `npm test`: every test, C and JS.
#   1. the wasm module (npm run build: both wasm builds, import/export check, dist/)
#   2. the native library and C tests (build/), then again with ASan+UBSan (build-sanitize/)
#   3. the JS tests (node --test test/js/), which also compare the wasm module's streams
#      with build/test/dc_encode_file's.
set -eu
cd "$(dirname "$0")/.."
jobs="${DC_BUILD_JOBS:-2}"

echo "== wasm module"
npm run build

echo "== native build and C tests"
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release
cmake --build build -j "$jobs"
ctest --test-dir build --output-on-failure

echo "== native build with sanitizers and C tests"
cmake -S . -B build-sanitize -DCMAKE_BUILD_TYPE=RelWithDebInfo -DDC_SANITIZE=ON
cmake --build build-sanitize -j "$jobs"
ctest --test-dir build-sanitize --output-on-failure

echo "== JS tests"
node --test test/js/

echo "== all tests passed"
