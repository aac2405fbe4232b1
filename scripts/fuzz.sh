#!/bin/sh
# scripts/fuzz.sh - build the libFuzzer targets (clang, ASan + UBSan) and run each for
# FUZZ_SECONDS (default 60). Fails on any finding; prints the executions per target.
#
#   FUZZ_SECONDS=60 scripts/fuzz.sh            # every target
#   scripts/fuzz.sh decode frame               # some targets
#
# Environment: CC (default clang), FUZZ_SECONDS, FUZZ_BUILD_DIR (default build-fuzz),
# FUZZ_JOBS (parallel fuzz processes per target, default 1).
# Seeds are read from test/fuzz/corpus/<target>/ and never written to; new inputs go to
# $FUZZ_BUILD_DIR/corpus/<target>/ and findings to $FUZZ_BUILD_DIR/artifacts/.
set -eu

ROOT=$(cd "$(dirname "$0")/.." && pwd)
CC=${CC:-clang}
SECONDS_PER_TARGET=${FUZZ_SECONDS:-60}
BUILD=${FUZZ_BUILD_DIR:-$ROOT/build-fuzz}
TARGETS=${*:-decode quantize roundtrip frame tolerant}

SAN="-fsanitize=address,undefined -fno-sanitize-recover=all -fno-omit-frame-pointer -g"

# The library, with the project's own source list and warning flags, instrumented.
cmake -S "$ROOT" -B "$BUILD/lib" -DCMAKE_C_COMPILER="$CC" -DCMAKE_BUILD_TYPE=RelWithDebInfo \
    -DDC_BUILD_TESTS=OFF "-DCMAKE_C_FLAGS=-fsanitize=fuzzer-no-link $SAN" >/dev/null
cmake --build "$BUILD/lib" -j2 >/dev/null

mkdir -p "$BUILD/artifacts"
status=0
summary=""
for t in $TARGETS; do
    src="$ROOT/test/fuzz/fuzz_$t.c"
    [ -f "$src" ] || { echo "fuzz: no target $t ($src)" >&2; exit 2; }
    "$CC" -O1 $SAN -fsanitize=fuzzer -ffp-contract=off -Wall -Wextra -I "$ROOT/include" -I "$ROOT/src" \
        "$src" "$BUILD/lib/libdistribution_coder.a" -lm -o "$BUILD/fuzz_$t"
    mkdir -p "$BUILD/corpus/$t" "$ROOT/test/fuzz/corpus/$t"
    log="$BUILD/fuzz_$t.log"
    echo "fuzz: $t for ${SECONDS_PER_TARGET}s"
    if "$BUILD/fuzz_$t" -max_total_time="$SECONDS_PER_TARGET" -timeout=20 \
        -rss_limit_mb=2048 -max_len=16384 -print_final_stats=1 \
        -artifact_prefix="$BUILD/artifacts/$t-" \
        "$BUILD/corpus/$t" "$ROOT/test/fuzz/corpus/$t" >"$log" 2>&1; then
        result=ok
    else
        result=FINDING
        status=1
        grep -E "FUZZ_CHECK|ERROR:|runtime error|SUMMARY|Test unit written" "$log" | head -20 >&2 || true
    fi
    execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
    summary="$summary
  $t: ${execs:-?} executions in ${SECONDS_PER_TARGET}s: $result"
done
echo "fuzz summary:$summary"
[ "$status" -eq 0 ] || echo "fuzz: findings saved under $BUILD/artifacts/ (logs: $BUILD/fuzz_*.log)" >&2
exit "$status"
