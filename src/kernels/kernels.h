/* kernels.h - the one kernel registry: each kernel set (scalar, SSE2, AVX2, wasm SIMD128)
 * holds the default format's sum kernels (K = 32 and any K) and python-0.1's block kernels,
 * and one CPU probe picks the set for both formats. Every set returns exactly what dc_kernels_scalar returns
 * (test/test_kernels.c, test/test_python01.c, also compiled to wasm). */
#ifndef DC_KERNELS_H
#define DC_KERNELS_H

#include <stddef.h>
#include <stdint.h>

#include "quantize.h"

/* x86-64 with GCC or Clang: SSE2 (baseline) and AVX2 (chosen at run time). */
#if defined(__x86_64__) && defined(__GNUC__)
#define DC_HAVE_X86_KERNELS 1
#endif

/* wasm with SIMD128 enabled at compile time (-msimd128). */
#if defined(__wasm_simd128__)
#define DC_HAVE_WASM_KERNELS 1
#endif

/* Default format, at K = 32 (docs/FORMAT.md "Frequencies"), one per dtype:
 * sum32: *sum = sum of floor(p_i * 2^32) over [begin, end); returns 1 when every element
 *        in the range has bits of a value in [+0, 1), else 0 (and *sum is meaningless).
 * blocks32: out[j] = sum over i < min((j + 1) * DC_BLOCK_SIZE, n) of floor(p_i * 2^32);
 *        same return value as sum32 for the whole [0, n). */
typedef int (*dc_sum32_fn)(const void *dist, size_t begin, size_t end, uint64_t *sum);
typedef int (*dc_blocks32_fn)(const void *dist, size_t n, uint64_t *out);

/* python-0.1: one block of at most DC_BLOCK_SIZE elements reduced to the sum and the
 * maximum of its clamped counts and the largest raw bit pattern (>= the dtype's +Inf bits
 * when a NaN, an infinity or a set sign bit may be present). Pure reductions: python01.c
 * finds the first maximum by rescanning the one block that holds it. */
typedef struct dc_py01_blk {
    uint64_t sum, max, raw;
} dc_py01_blk;

typedef void (*dc_py01_blk_fn)(const unsigned char *p, size_t count, dc_py01_blk *out);

/* Default format at any K (the general scale, docs/FORMAT.md 1.2): u_i = floor(p_i * 2^K),
 * summed in one pass that also merges into *info what the K rule and validation need
 * (dc_scan_info, quantize.h). The sums are exact when every u_i < 2^32 (true at the K the
 * rule gives); at a wrong guess of K they may be anything and are thrown away.
 * sumk:    *sum += sum of u_i over [begin, end).
 * blocksk: out[j] = sum of u_i over i < min((j + 1) * DC_BLOCK_SIZE, n). */
typedef void (*dc_sumk_fn)(const void *dist, size_t begin, size_t end, int k, uint64_t *sum,
                           dc_scan_info *info);
typedef void (*dc_blocksk_fn)(const void *dist, size_t n, int k, uint64_t *out,
                              dc_scan_info *info);

typedef struct dc_kernels {
    const char *name;
    dc_sum32_fn sum32[4]; /* indexed by dc_dtype */
    dc_blocks32_fn blocks32[4];
    dc_py01_blk_fn py01_blk[4];
    dc_sumk_fn sumk[4];
    dc_blocksk_fn blocksk[4];
} dc_kernels;

/* The portable reference (src/kernels/scalar/). */
extern const dc_kernels dc_kernels_scalar;
#ifdef DC_HAVE_X86_KERNELS
extern const dc_kernels dc_kernels_sse2; /* src/kernels/x86/ */
extern const dc_kernels dc_kernels_avx2;
int dc_cpu_has_avx2(void); /* the CPU probe */
#endif
#ifdef DC_HAVE_WASM_KERNELS
extern const dc_kernels dc_kernels_wasm_simd128; /* src/kernels/wasm/ */
#endif

/* u_i at scale 2^k for any k (the scalar reference): exact when below 2^32, some value
   >= 2^32 otherwise. */
uint64_t dc_scaled_one(const void *dist, int dtype, size_t i, int k);

/* The kernels this process uses (chosen from what the CPU or build supports). */
const dc_kernels *dc_kernels_active(void);

/* All kernel sets this build can run here, best first, the scalar one last, for tests
   that compare them (NULL-terminated). */
const dc_kernels *const *dc_kernels_available(void);

/* Test hook (test/test_python01.c, test/golden/golden.c): runs the python-0.1 block kernel
   of set `set` of dc_kernels_available() on one block; returns the set's name, or NULL
   when this build and CPU have fewer sets. out = {sum, max, raw}. */
const char *dc_py01_test_block(int set, int dtype, const void *p, size_t count,
                               uint64_t out[3]);

#endif /* DC_KERNELS_H */
