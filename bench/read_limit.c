/* read_limit.c - extra exports of the benchmark build of the wasm module (bench/bench.mjs):
 * the read limit, a plain sum of a buffer's 32-bit words (SIMD when the build has it),
 * the least any coder must spend reading a distribution; and the active kernels alone (K = 32
 * and any K). */
#include <stddef.h>
#include <stdint.h>

#include "distribution_coder.h"
#include "kernels/kernels.h"

#ifdef __wasm_simd128__
#include <wasm_simd128.h>
#endif

uint32_t dc_bench_read_limit(const void *buf, size_t bytes);
uint32_t dc_bench_kernel_sum(const void *dist, int dtype, size_t n);
uint32_t dc_bench_kernel_sumk(const void *dist, int dtype, size_t n, int k);

uint32_t dc_bench_read_limit(const void *buf, size_t bytes)
{
    const unsigned char *p = (const unsigned char *)buf;
    const unsigned char *const end = p + (bytes & ~(size_t)31);
    uint32_t s = 0;
#ifdef __wasm_simd128__
    v128_t a0 = wasm_i32x4_splat(0), a1 = a0;
    for (; p < end; p += 32) {
        a0 = wasm_i32x4_add(a0, wasm_v128_load(p));
        a1 = wasm_i32x4_add(a1, wasm_v128_load(p + 16));
    }
    a0 = wasm_i32x4_add(a0, a1);
    s = (uint32_t)(wasm_i32x4_extract_lane(a0, 0) + wasm_i32x4_extract_lane(a0, 1) +
                   wasm_i32x4_extract_lane(a0, 2) + wasm_i32x4_extract_lane(a0, 3));
#else
    for (; p < end; p += 4) {
        uint32_t w;
        memcpy(&w, p, 4);
        s += w;
    }
#endif
    return s;
}

/* The active kernel's sum over dist[0..n), low 32 bits (0 when it refuses the input). */
uint32_t dc_bench_kernel_sum(const void *dist, int dtype, size_t n)
{
    uint64_t s = 0;
    if (!dc_kernels_active()->sum32[dtype](dist, 0, n, &s))
        return 0;
    return (uint32_t)s;
}

/* The active general-scale kernel's sum at scale 2^k over dist[0..n), low 32 bits. */
uint32_t dc_bench_kernel_sumk(const void *dist, int dtype, size_t n, int k)
{
    uint64_t s = 0;
    dc_scan_info info = {0, 0, 0};
    dc_kernels_active()->sumk[dtype](dist, 0, n, k, &s, &info);
    return (uint32_t)s + info.key;
}

/* Timing probes (bench/step-floor.mjs): `count` encode or decode steps of one distribution
   inside one call, to split a step's cost between the JS-to-wasm call and the C step. */
uint32_t dc_bench_encode_loop(dc_coder *c, const void *dist, int dtype, size_t n,
                              const uint32_t *syms, size_t count);
uint32_t dc_bench_decode_loop(dc_coder *c, const void *dist, int dtype, size_t n,
                              size_t count);

uint32_t dc_bench_encode_loop(dc_coder *c, const void *dist, int dtype, size_t n,
                              const uint32_t *syms, size_t count)
{
    for (size_t t = 0; t < count; t++) {
        const dc_result r = dc_coder_encode_step(c, dist, (dc_dtype)dtype, n, syms[t]);
        if (r != DC_OK)
            return (uint32_t)r;
    }
    return 0;
}

uint32_t dc_bench_decode_loop(dc_coder *c, const void *dist, int dtype, size_t n, size_t count)
{
    uint32_t h = 0;
    for (size_t t = 0; t < count; t++) {
        size_t s;
        if (dc_coder_decode_step(c, dist, (dc_dtype)dtype, n, &s) != DC_OK)
            return 0xffffffffu;
        h = h * 31 + (uint32_t)s;
    }
    return h;
}

/* The two K = 32 kernel calls of an encode step (below and from the symbol), `count`
   times inside one call: the encode step minus everything but its kernels. */
uint32_t dc_bench_split_loop(const void *dist, int dtype, size_t n, const uint32_t *syms,
                             size_t count);

uint32_t dc_bench_split_loop(const void *dist, int dtype, size_t n, const uint32_t *syms,
                             size_t count)
{
    const dc_kernels *kern = dc_kernels_active();
    uint64_t h = 0;
    for (size_t t = 0; t < count; t++) {
        uint64_t b = 0, r = 0;
        kern->sum32[dtype](dist, 0, syms[t], &b);
        kern->sum32[dtype](dist, syms[t], n, &r);
        h += b ^ r;
    }
    return (uint32_t)h;
}
