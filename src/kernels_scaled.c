/* kernels_scaled.c - the scalar reference of the general-scale kernels, the choice of K
 * from one pass's statistics, the decoder's in-block scan, and the registry of sets. */
#include "kernels_scaled.h"

#include <string.h>

#include "kernels_impl.h"

/* Raw bits of element i of each dtype. */
static uint64_t bits_at(const void *dist, int dtype, size_t i)
{
    const unsigned char *p = (const unsigned char *)dist;
    switch (dtype) {
    case DC_DTYPE_F32: { uint32_t b; memcpy(&b, p + 4 * i, 4); return b; }
    case DC_DTYPE_F64: { uint64_t b; memcpy(&b, p + 8 * i, 8); return b; }
    default:           { uint16_t b; memcpy(&b, p + 2 * i, 2); return b; }
    }
}

static const unsigned mant_bits[4] = {23, 52, 10, 7};

static int bit_length(uint64_t v)
{
    int n = 0;
    for (; v; v >>= 1)
        n++;
    return n;
}

uint64_t dc_scaled_one(const void *dist, int dtype, size_t i, int k)
{
    return dc_scaled_bits(bits_at(dist, dtype, i), dtype, k);
}

static void scan_one(uint64_t b, int dtype, dc_scan_info *info)
{
    dc_scaled_scan_bits(b, dtype, info);
}

static void ref_sumk(const void *dist, int dtype, size_t begin, size_t end, int k,
                     uint64_t *sum, dc_scan_info *info)
{
    uint64_t s = 0;
    for (size_t i = begin; i < end; i++) {
        scan_one(bits_at(dist, dtype, i), dtype, info);
        s += dc_scaled_one(dist, dtype, i, k);
    }
    *sum += s;
}

static void ref_blocksk(const void *dist, int dtype, size_t n, int k, uint64_t *out,
                        dc_scan_info *info)
{
    uint64_t s = 0;
    for (size_t i = 0; i < n; i++) {
        scan_one(bits_at(dist, dtype, i), dtype, info);
        s += dc_scaled_one(dist, dtype, i, k);
        if ((i + 1) % DC_BLOCK_SIZE == 0 || i + 1 == n)
            out[i / DC_BLOCK_SIZE] = s;
    }
}

#define DC_REF_SCALED(suffix, dtype)                                                     \
    static void ref_sumk_##suffix(const void *d, size_t b, size_t e, int k, uint64_t *s,  \
                                  dc_scan_info *in)                                      \
    {                                                                                   \
        ref_sumk(d, dtype, b, e, k, s, in);                                             \
    }                                                                                   \
    static void ref_blocksk_##suffix(const void *d, size_t n, int k, uint64_t *o,         \
                                     dc_scan_info *in)                                   \
    {                                                                                   \
        ref_blocksk(d, dtype, n, k, o, in);                                             \
    }

DC_REF_SCALED(f32, DC_DTYPE_F32)
DC_REF_SCALED(f64, DC_DTYPE_F64)
DC_REF_SCALED(f16, DC_DTYPE_F16)
DC_REF_SCALED(bf16, DC_DTYPE_BF16)

const dc_scaled_kernels dc_scaled_scalar = {
    "scalar",
    {ref_sumk_f32, ref_sumk_f64, ref_sumk_f16, ref_sumk_bf16},
    {ref_blocksk_f32, ref_blocksk_f64, ref_blocksk_f16, ref_blocksk_bf16},
};

/* ---- the K rule from the statistics ---- */

/* Bits of 1.0 and of +Inf, as the statistics' key holds them. */
static const uint32_t one_key[4] = {0x3f800000u, 0x3ff00000u, 0x3c00u, 0x3f80u};
static const uint32_t inf_key[4] = {0x7f800000u, 0x7ff00000u, 0x7c00u, 0x7f80u};

int dc_scaled_choose_k(int dtype, const dc_scan_info *info, int kg, uint64_t q, size_t n,
                       int *k)
{
    if (info->neg || info->key >= inf_key[dtype] || info->key == 0)
        return DC_SCALED_INVALID;
    /* floor(log2 max): the key's top set bit relative to the unit of the value 1 */
    const unsigned mb = dtype == DC_DTYPE_F64 ? 20 : mant_bits[dtype]; /* in the key */
    const unsigned e = info->key >> mb;
    const int log2max = e != 0 ? (int)e - (int)(one_key[dtype] >> mb)
                               : bit_length(info->key) - 1 - (int)mb -
                                     (int)(one_key[dtype] >> mb) + 1;
    const int kt = 31 - log2max;
    const int fast = !info->sign && info->key < one_key[dtype];
    int want = kt;
    if (fast && kt != 32) { /* K = 32 when Q32 >= 2^31, else kt (> 32) */
        if (kg == 32) {
            want = q >= DC_FAST_MIN_SUM ? 32 : kt;
        } else if (kg == kt) {
            /* Q32 = sum (u_i >> d) is in [(Q - n (2^d - 1)) >> d, Q >> d] */
            const int d = kg - 32;
            if (d >= 25 || (q >> d) < DC_FAST_MIN_SUM)
                return DC_SCALED_DONE;
            if (q >= (DC_FAST_MIN_SUM << d) + (uint64_t)n * (((uint64_t)1 << d) - 1)) {
                want = 32;
            } else {
                *k = kt;
                return DC_SCALED_NEED_Q32;
            }
        }
    }
    *k = want;
    return want == kg ? DC_SCALED_DONE : DC_SCALED_RETRY;
}

/* ---- the decoder's scan inside one block ---- */

size_t dc_scan_blockk(const dc_scaled_kernels *kern, const void *dist, int dtype, int k,
                      size_t i, size_t n, uint64_t unit, uint64_t threshold, uint64_t *z,
                      uint64_t *u)
{
    uint64_t zi = *z;
    /* Z is strictly increasing: jump over 128, 64, ... 16 elements while Z at the far end
       is still below the threshold (as dc_scan_block32) */
    for (size_t m = DC_BLOCK_SIZE / 2; m >= 16; m /= 2) {
        if (i + m < n) {
            uint64_t s = 0;
            dc_scan_info unused = {0, 0, 0};
            kern->sumk[dtype](dist, i, i + m, k, &s, &unused);
            if (zi + s + m * unit < threshold) {
                zi += s + m * unit;
                i += m;
            }
        }
    }
    uint64_t ui = dc_scaled_one(dist, dtype, i, k);
    while (i + 1 < n && zi + ui + unit < threshold) {
        zi += ui + unit;
        i++;
        ui = dc_scaled_one(dist, dtype, i, k);
    }
    *z = zi;
    *u = ui;
    return i;
}

/* ---- registry ---- */

#if defined(DC_HAVE_X86_KERNELS) && defined(DC_HAVE_X86_SCALED)
static const dc_scaled_kernels *const with_avx2[] = {&dc_scaled_avx2, &dc_scaled_scalar,
                                                     NULL};
const dc_scaled_kernels *const *dc_scaled_available(void)
{
    return dc_cpu_has_avx2() ? with_avx2 : with_avx2 + 1;
}
#elif defined(DC_HAVE_WASM_KERNELS)
static const dc_scaled_kernels *const available[] = {&dc_scaled_wasm_simd128,
                                                     &dc_scaled_scalar, NULL};
const dc_scaled_kernels *const *dc_scaled_available(void)
{
    return available;
}
#else
static const dc_scaled_kernels *const available[] = {&dc_scaled_scalar, NULL};
const dc_scaled_kernels *const *dc_scaled_available(void)
{
    return available;
}
#endif

const dc_scaled_kernels *dc_scaled_active(void)
{
    return dc_scaled_available()[0];
}
