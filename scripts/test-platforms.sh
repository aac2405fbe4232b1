#!/usr/bin/env bash
# scripts/test-platforms.sh - `npm run test:platforms`: builds the library and the golden
# generator (test/golden/golden.c) for every target this machine can run and checks that
# each one reproduces every stream of test/golden/expected.txt, byte for byte (SHA-256):
#
#   gcc-O0, gcc-O3-native       native x86-64 gcc, -O0 and -O3 -march=native
#   clang-O0, clang-O3-native   the same with clang
#   x87-m32                     32-bit x86, x87 floating point: gcc -m32 -mfpmath=387 -O2
#   arm64-qemu                  aarch64-linux-gnu-gcc -O2 -static, run under qemu-aarch64
#   wasm-simd, wasm-nosimd      emcc -O3 with and without -msimd128, run in Node
#
# Each target also compares every kernel set it can run (dc_kernels_available()) with the
# scalar reference on all golden inputs, and the python-0.1 block kernel sets with theirs
# (the x86-64 and wasm-simd targets fail if no SIMD set was there to compare). A target that cannot be built (missing toolchain)
# FAILS with a message naming the Debian package; nothing is skipped.
#
# Usage: scripts/test-platforms.sh [target ...]     (default: all targets)
# Build directories: build-plat-<target>/ (kept, rebuilt incrementally).
set -uo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
EXPECTED=${DC_GOLDEN_EXPECTED:-$ROOT/test/golden/expected.txt}
# DC_GOLDEN_ARGS: extra generator arguments, e.g. "--only default-f16" while debugging
read -r -a GARGS <<<"${DC_GOLDEN_ARGS:-}"
JOBS=${DC_BUILD_JOBS:-2}
export NODE_PATH=${NODE_PATH:-/usr/share/nodejs}  # Debian's emcc needs Debian's node modules

ALL_TARGETS=(gcc-O0 gcc-O3-native clang-O0 clang-O3-native x87-m32 arm64-qemu wasm-simd wasm-nosimd)
if (($#)); then TARGETS=("$@"); else TARGETS=("${ALL_TARGETS[@]}"); fi

need() { # need COMMAND PACKAGE: fail the target when a tool is missing
  command -v "$1" >/dev/null 2>&1 && return 0
  echo "MISSING TOOLCHAIN: '$1' not found (Debian package: $2; scripts/setup.sh installs it)"
  return 1
}

# cmake_golden DIR CC CFLAGS [cmake args...]: configure and build the `golden` target.
cmake_golden() {
  local dir=$1 cc=$2 cflags=$3
  shift 3
  need cmake cmake || return 1
  mkdir -p "$dir"
  cmake -S "$ROOT" -B "$dir" -DCMAKE_C_COMPILER="$cc" -DCMAKE_BUILD_TYPE=None \
    -DCMAKE_C_FLAGS="$cflags" -DDC_BUILD_TESTS=ON "$@" >"$dir/build.log" 2>&1 &&
    cmake --build "$dir" --target golden -j "$JOBS" >>"$dir/build.log" 2>&1 ||
    { tail -n 30 "$dir/build.log"; echo "BUILD FAILED (log: $dir/build.log)"; return 1; }
}

# wasm_golden DIR SIMD_FLAG: the library and the generator through emcmake (its own source
# list and flags; test/CMakeLists.txt links the generator as a Node program, NODERAWFS).
wasm_golden() {
  local dir=$1 simd_flag=$2 simd_opt=OFF
  [ -n "$simd_flag" ] && simd_opt=ON
  mkdir -p "$dir"
  need emcc emscripten && need emcmake emscripten && need wasm-opt binaryen && need node nodejs ||
    return 1
  { emcmake cmake -S "$ROOT" -B "$dir" -DCMAKE_BUILD_TYPE=Release -DDC_WASM_SIMD=$simd_opt \
      -DCMAKE_C_FLAGS="$simd_flag" &&
      cmake --build "$dir" --target golden -j "$JOBS"
  } >"$dir/build.log" 2>&1 || { tail -n 30 "$dir/build.log"; echo "BUILD FAILED (log: $dir/build.log)"; return 1; }
}

# build_and_run TARGET: builds, then runs the check; prints the generator's summary.
build_and_run() {
  local t=$1 dir=$ROOT/build-plat-$1
  case $t in
  gcc-O0) need gcc gcc && cmake_golden "$dir" gcc "-O0" || return 1
    "$dir/test/golden" --check "$EXPECTED" "${GARGS[@]}" ;;
  gcc-O3-native) need gcc gcc && cmake_golden "$dir" gcc "-O3 -march=native" || return 1
    "$dir/test/golden" --check "$EXPECTED" "${GARGS[@]}" ;;
  clang-O0) need clang clang && cmake_golden "$dir" clang "-O0" || return 1
    "$dir/test/golden" --check "$EXPECTED" "${GARGS[@]}" ;;
  clang-O3-native) need clang clang && cmake_golden "$dir" clang "-O3 -march=native" || return 1
    "$dir/test/golden" --check "$EXPECTED" "${GARGS[@]}" ;;
  x87-m32)
    need gcc gcc || return 1
    if ! echo 'int main(void){return 0;}' | gcc -m32 -x c - -o "$ROOT/build-plat-m32-probe" 2>/dev/null
    then
      echo "MISSING TOOLCHAIN: gcc -m32 cannot link (Debian packages: libc6-dev-i386 lib32gcc-12-dev)"
      return 1
    fi
    rm -f "$ROOT/build-plat-m32-probe"
    cmake_golden "$dir" gcc "-m32 -mfpmath=387 -O2" || return 1
    "$dir/test/golden" --check "$EXPECTED" "${GARGS[@]}" ;;
  arm64-qemu)
    need aarch64-linux-gnu-gcc gcc-aarch64-linux-gnu && need qemu-aarch64 qemu-user || return 1
    cmake_golden "$dir" aarch64-linux-gnu-gcc "-O2" -DCMAKE_SYSTEM_NAME=Linux \
      -DCMAKE_SYSTEM_PROCESSOR=aarch64 -DCMAKE_EXE_LINKER_FLAGS=-static || return 1
    qemu-aarch64 "$dir/test/golden" --check "$EXPECTED" "${GARGS[@]}" ;;
  wasm-simd) wasm_golden "$dir" -msimd128 || return 1
    node "$dir/test/golden.cjs" --check "$EXPECTED" "${GARGS[@]}" ;;
  wasm-nosimd) wasm_golden "$dir" "" || return 1
    node "$dir/test/golden.cjs" --check "$EXPECTED" "${GARGS[@]}" ;;
  *) echo "unknown target '$t' (targets: ${ALL_TARGETS[*]})"; return 1 ;;
  esac
}

if [ ! -f "$EXPECTED" ]; then
  echo "test-platforms: $EXPECTED is missing"
  exit 1
fi
expected_count=$(grep -cv '^\(#\|$\)' "$EXPECTED")
[ -n "${DC_GOLDEN_ARGS:-}" ] && expected_count='?'
start_all=$SECONDS
summary=()
ok_targets=0
bad_targets=0
for t in "${TARGETS[@]}"; do
  echo "=== $t"
  start=$SECONDS
  out=$(build_and_run "$t" 2>&1)
  rc=$?
  secs=$((SECONDS - start))
  # the generator prints its mismatches on stderr; show at most 40 lines of them
  printf '%s\n' "$out" | grep -v "^golden: " | cut -c1-300 | head -n 40
  line=$(printf '%s\n' "$out" | grep '^golden: [0-9]* passed, [0-9]* failed$' | tail -n 1)
  passed=$(printf '%s' "$line" | sed -n 's/^golden: \([0-9]*\) passed.*/\1/p')
  # targets with SIMD kernels must have compared at least one set besides scalar
  sets=$(printf '%s\n' "$out" | sed -n 's/^\(python-0.1 \)\{0,1\}kernels: \([^;]*\);.*/\2/p' | tr '\n' ' ')
  case $t in
  gcc-* | clang-* | wasm-simd)
    if ! printf '%s' "$sets" | tr ' ' '\n' | grep -v '^$' | grep -qv '^scalar'; then
      line="${line:+$line; }no SIMD kernel set was compared (kernels: ${sets:-none})"
      rc=1
    fi ;;
  esac
  if [ "$rc" -eq 0 ] && [ -n "$line" ] && { [ "$passed" = "$expected_count" ] || [ "$expected_count" = "?" ]; }; then
    ok_targets=$((ok_targets + 1))
    summary+=("$(printf '  %-16s OK    %4s/%s golden streams  %4ss' "$t" "$passed" "$expected_count" "$secs")")
  else
    bad_targets=$((bad_targets + 1))
    summary+=("$(printf '  %-16s FAIL  %4s/%s golden streams  %4ss  %s' "$t" "${passed:-0}" \
      "$expected_count" "$secs" "${line:-did not build or run}")")
  fi
  echo "$t: ${line:-no result} (${secs}s)"
done
echo "=== summary ($((SECONDS - start_all))s)"
printf '%s\n' "${summary[@]}"
echo "platforms: $ok_targets passed, $bad_targets failed"
[ "$bad_targets" -eq 0 ]
