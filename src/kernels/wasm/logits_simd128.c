/* logits_simd128.c - the wasm SIMD128 logits kernels (docs/FORMAT.md section 6; built
 * with -msimd128, empty otherwise). Bit for bit the scalar reference's results
 * (test/golden/golden.c compares them on every golden row).
 *
 * fix f32: clamp to [-16384, 16384] (f32x4.min/max), times 65536 (a power-of-two scaling:
 *   exact, also for subnormals), i32x4.trunc_sat_f32x4_s (truncation toward zero): exactly
 *   trunc(x * 2^16) clamped to [-2^30, 2^30]. NaN / Inf are seen from the bits (the caller
 *   then runs the scalar reference, which names the first). Other dtypes: scalar.
 * weigh: 32 x 32 -> 64-bit products with i64x2.extmul, shifts by the step's uniform amount;
 *   the per-lane shift by n is a product with 2^(31 - n), made exactly by
 *   i32x4.trunc_sat_f32x4_u of the f32 whose exponent field is 158 - n. Temperatures whose
 *   shift is outside [31, 63] take the scalar loop. */
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

/* The low 32 bits of each 64-bit lane of a (lanes 0, 1) and b (lanes 2, 3). */
static inline v128_t low_words(v128_t a, v128_t b)
{
    return wasm_i32x4_shuffle(a, b, 0, 2, 4, 6);
}

/* (a * b) >> 31 per 32-bit lane, a * b < 2^63 */
static inline v128_t mulhi31(v128_t a, v128_t b)
{
    const v128_t l = wasm_u64x2_shr(wasm_u64x2_extmul_low_u32x4(a, b), 31);
    const v128_t h = wasm_u64x2_shr(wasm_u64x2_extmul_high_u32x4(a, b), 31);
    return low_words(l, h);
}

/* Weights of 4 lanes of d. */
static inline v128_t weigh4(v128_t d, v128_t c, int sh, const v128_t poly[5])
{
    const v128_t ql = wasm_u64x2_shr(wasm_u64x2_extmul_low_u32x4(d, c), sh - 31);
    const v128_t qh = wasm_u64x2_shr(wasm_u64x2_extmul_high_u32x4(d, c), sh - 31);
    /* q = y in Q31 < 2^63: n = q >> 31 < 2^32, f = q mod 2^31 */
    const v128_t f = wasm_v128_and(low_words(ql, qh), wasm_i32x4_splat(0x7fffffff));
    const v128_t n = low_words(wasm_u64x2_shr(ql, 31), wasm_u64x2_shr(qh, 31));
    const v128_t g = wasm_i32x4_sub(wasm_i32x4_splat((int32_t)0x80000000u), f);
    v128_t acc = poly[4];
    for (int k = 3; k >= 0; k--)
        acc = wasm_i32x4_add(mulhi31(acc, g), poly[k]);
    /* 2^(31 - n) for n < 32 (the f32 with exponent field 158 - n), 0 otherwise */
    const v128_t live = wasm_u32x4_lt(n, wasm_i32x4_splat(32));
    const v128_t e = wasm_i32x4_shl(wasm_i32x4_sub(wasm_i32x4_splat(158), n), 23);
    const v128_t pw = wasm_v128_and(wasm_u32x4_trunc_sat_f32x4(e), live);
    return mulhi31(acc, pw); /* acc * 2^(31 - n) >> 31 = acc >> n */
}

static void weigh(const int32_t *z, size_t n, int32_t zmax, dc_logit_temp t, uint32_t *w,
                  uint64_t *blocks)
{
    if (t.sh < 31 || t.sh > 63) {
        dc_logits_kernels_scalar.weigh(z, n, zmax, t, w, blocks);
        return;
    }
    static const uint32_t coef[5] = {1073749785u, 744074009u, 259420703u, 55560768u,
                                     14678383u};
    v128_t poly[5];
    for (int k = 0; k < 5; k++)
        poly[k] = wasm_i32x4_splat((int32_t)coef[k]);
    const v128_t c = wasm_i32x4_splat((int32_t)t.c), vmax = wasm_i32x4_splat(zmax);
    uint64_t sum = 0;
    for (size_t b = 0; b < n; b += DC_BLOCK_SIZE) {
        const size_t end = n - b < DC_BLOCK_SIZE ? n : b + DC_BLOCK_SIZE;
        v128_t acc = wasm_i64x2_splat(0);
        size_t i = b;
        for (; i + 4 <= end; i += 4) {
            const v128_t d = wasm_i32x4_sub(vmax, wasm_v128_load(z + i));
            const v128_t wv = weigh4(d, c, t.sh, poly);
            wasm_v128_store(w + i, wv);
            acc = wasm_i64x2_add(acc, wasm_u64x2_extend_low_u32x4(wv));
            acc = wasm_i64x2_add(acc, wasm_u64x2_extend_high_u32x4(wv));
        }
        sum += (uint64_t)wasm_i64x2_extract_lane(acc, 0) +
               (uint64_t)wasm_i64x2_extract_lane(acc, 1);
        for (; i < end; i++) {
            w[i] = dc_logit_weight((uint32_t)zmax - (uint32_t)z[i], t);
            sum += w[i];
        }
        blocks[b / DC_BLOCK_SIZE] = sum;
    }
}

const dc_logits_kernels dc_logits_kernels_wasm_simd128 = {
    "wasm-simd128", {fix_f32, NULL, NULL, NULL}, weigh};

#endif
