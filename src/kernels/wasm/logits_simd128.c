/* logits_simd128.c - the wasm SIMD128 logits kernels (docs/FORMAT.md section 6; built
 * with -msimd128, empty otherwise). Bit for bit the scalar reference's results
 * (test/golden/golden.c compares them on every golden row).
 *
 * fix f32: clamp to [-16384, 16384] (f32x4.min/max), times 65536 (a power-of-two scaling:
 *   exact, also for subnormals), i32x4.trunc_sat_f32x4_s (truncation toward zero): exactly
 *   trunc(x * 2^16) clamped to [-2^30, 2^30]. NaN / Inf are seen from the bits (the caller
 *   then runs the scalar reference, which names the first). Other dtypes: scalar.
 * weigh: the scalar loop. Its 64-bit products give wasm SIMD two lanes only: a SIMD128
 *   weigh with i64x2.extmul (and the per-lane shift as a product with 2^(31 - n)) was
 *   measured slower than the scalar loop in V8 (2.08 ms per step at V = 50,257 against
 *   1.26 ms for a temperature whose shift took the scalar loop, same run), so it is not
 *   used. */
#include "kernels/kernels.h"
#include "logits.h"

#ifdef DC_HAVE_WASM_KERNELS

#include <wasm_simd128.h>

static int fix_f32(const void *x, size_t n, int32_t *z, int32_t *zmax)
{
    const unsigned char *p = (const unsigned char *)x;
    const v128_t lo = wasm_f32x4_splat(-16384.0f), hi = wasm_f32x4_splat(16384.0f);
    const v128_t scale = wasm_f32x4_splat(65536.0f);
    const v128_t absmask = wasm_i32x4_splat(0x7fffffff), inf = wasm_i32x4_splat(0x7f800000);
    v128_t vmax = wasm_i32x4_splat(-(1 << 30)), bad = wasm_i32x4_splat(0);
    size_t i = 0;
    for (; i + 4 <= n; i += 4) {
        const v128_t v = wasm_v128_load(p + 4 * i);
        bad = wasm_v128_or(bad, wasm_i32x4_ge(wasm_v128_and(v, absmask), inf));
        const v128_t c = wasm_f32x4_max(wasm_f32x4_min(v, hi), lo);
        const v128_t zi = wasm_i32x4_trunc_sat_f32x4(wasm_f32x4_mul(c, scale));
        wasm_v128_store(z + i, zi);
        vmax = wasm_i32x4_max(vmax, zi);
    }
    if (wasm_v128_any_true(bad))
        return 0;
    int32_t m = wasm_i32x4_extract_lane(vmax, 0);
    for (int l = 1; l < 4; l++) {
        const int32_t v = l == 1   ? wasm_i32x4_extract_lane(vmax, 1)
                          : l == 2 ? wasm_i32x4_extract_lane(vmax, 2)
                                   : wasm_i32x4_extract_lane(vmax, 3);
        m = v > m ? v : m;
    }
    if (i < n) { /* the tail: the scalar reference */
        int32_t tmax;
        if (dc_logits_fix(p + 4 * i, DC_DTYPE_F32, n - i, z + i, &tmax) != DC_OK)
            return 0;
        m = tmax > m ? tmax : m;
    }
    *zmax = m;
    return 1;
}

const dc_logits_kernels dc_logits_kernels_wasm_simd128 = {
    "wasm-simd128", {fix_f32, NULL, NULL, NULL}, NULL};

#endif
