/* logits_simd128.c - the wasm SIMD128 logits kernels (docs/FORMAT.md section 6; built
 * with -msimd128, empty otherwise). Bit for bit the scalar reference's results
 * (test/golden/golden.c compares them on every golden row).
 *
 * fix f32: clamp to [-16384, 16384] (f32x4.min/max), times 65536 (a power-of-two scaling:
 *   exact, also for subnormals), i32x4.trunc_sat_f32x4_s (truncation toward zero): exactly
 *   trunc(x * 2^16) clamped to [-2^30, 2^30]. NaN / Inf are seen from the bits (the caller
 *   then runs the scalar reference, which names the first). Other dtypes: scalar.
 * weigh: the 32-bit plan of dc_logit_plan (logits.h) four lanes at a time: d clamped,
 *   split into 16-bit halves times c (i32x4.mul), shifts by step-uniform counts, the
 *   degree-4 polynomial of section 6.4 on 32-bit lanes, the exponent field by a subtraction,
 *   lanes with y >= 32 set to 0. */
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

static void weigh(const int32_t *z, size_t n, int32_t zmax, dc_logit_temp t, uint32_t *w)
{
    const dc_logit_plan p = dc_logit_plan_of(t);
    const v128_t vmax = wasm_i32x4_splat(zmax), cap = wasm_i32x4_splat((int32_t)p.dcap);
    const v128_t c = wasm_i32x4_splat((int32_t)p.c), low16 = wasm_i32x4_splat(0xffff);
    const v128_t cut = wasm_i32x4_splat((int32_t)DC_LOGIT_Y_CUT);
    const v128_t one = wasm_i32x4_splat(0x10000), top = wasm_i32x4_splat(126 << 23);
    const v128_t c4 = wasm_i32x4_splat(DC_LOGIT_C4), c3 = wasm_i32x4_splat(DC_LOGIT_C3);
    const v128_t c2 = wasm_i32x4_splat(DC_LOGIT_C2), c1 = wasm_i32x4_splat(DC_LOGIT_C1);
    /* the left shifts as products (LLVM scalarises some vector shifts by a variable) */
    const v128_t ma = wasm_i32x4_splat((int32_t)(1u << p.a));
    const v128_t mcs = wasm_i32x4_splat((int32_t)(1u << p.cs));
    const int pb = p.b, pe = p.e;
    size_t i = 0;
    for (; i + 4 <= n; i += 4) {
        /* the counts re-read here: a splat hoisted out of the loop makes LLVM scalarise the
           shifts (extract_lane / i32.shr_u / replace_lane) */
        int sb = pb, se = pe;
        __asm__ volatile("" : "+r"(sb), "+r"(se));
        v128_t d = wasm_i32x4_sub(vmax, wasm_v128_load(z + i)); /* in [0, 2^31] unsigned */
        d = wasm_u32x4_min(d, cap);
        const v128_t hi = wasm_i32x4_mul(wasm_u32x4_shr(d, 16), c);
        const v128_t lo = wasm_i32x4_mul(wasm_v128_and(d, low16), c);
        const v128_t y = wasm_u32x4_shr(
            wasm_i32x4_add(wasm_i32x4_mul(hi, ma), wasm_i32x4_mul(wasm_u32x4_shr(lo, sb), mcs)),
            se);
        const v128_t g = wasm_i32x4_sub(one, wasm_v128_and(y, low16));
        v128_t a = wasm_i32x4_add(wasm_u32x4_shr(wasm_i32x4_mul(c4, g), 16), c3);
        a = wasm_i32x4_add(wasm_u32x4_shr(wasm_i32x4_mul(a, g), 18), c2);
        a = wasm_i32x4_add(wasm_u32x4_shr(wasm_i32x4_mul(a, g), 18), c1);
        const v128_t mant = wasm_u32x4_shr(wasm_i32x4_mul(a, g), 8);
        const v128_t b =
            wasm_i32x4_add(wasm_i32x4_sub(top, wasm_i32x4_shl(wasm_u32x4_shr(y, 16), 23)), mant);
        wasm_v128_store(w + i, wasm_v128_andnot(b, wasm_u32x4_ge(y, cut)));
    }
    for (; i < n; i++)
        w[i] = dc_logit_weight((uint32_t)zmax - (uint32_t)z[i], t);
}

const dc_logits_kernels dc_logits_kernels_wasm_simd128 = {
    "wasm-simd128", {fix_f32, NULL, NULL, NULL}, weigh};

#endif
