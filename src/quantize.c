/* quantize.c - the scalar reference quantisation and the slow path. */
#include "quantize.h"

#include "dtype.h"

static int bit_length(uint64_t v)
{
    int n = 0;
    while (v) {
        v >>= 1;
        n++;
    }
    return n;
}

dc_result dc_check_values(const void *dist, int dtype, size_t n, uint64_t *max_mag)
{
    const dc_layout *l = &dc_layouts[dtype];
    const uint64_t sign = (uint64_t)1 << (l->exp_bits + l->mant_bits);
    const uint64_t inf = dc_inf_bits(dtype);
    uint64_t max = 0;
    for (size_t i = 0; i < n; i++) {
        const uint64_t b = dc_elem_bits(dist, dtype, i);
        const uint64_t mag = b & (sign - 1);
        if (mag > inf)
            return DC_ERR_NAN;
        if (mag == inf)
            return DC_ERR_INFINITE;
        if ((b & sign) && mag != 0)
            return DC_ERR_NEGATIVE;
        if (mag > max) /* positive floats order like their bits */
            max = mag;
    }
    *max_mag = max;
    return DC_OK;
}

dc_result dc_scan_max_exponent(const void *dist, int dtype, size_t n, int *max_exp)
{
    uint64_t max_mag;
    const dc_result r = dc_check_values(dist, dtype, n, &max_mag);
    if (r != DC_OK)
        return r;
    if (max_mag == 0)
        return DC_ERR_NO_MASS;
    uint64_t mant;
    int exp2;
    dc_decompose(max_mag, dtype, &mant, &exp2);
    *max_exp = bit_length(mant) - 1 + exp2;
    return DC_OK;
}

uint64_t dc_sum_scaled(const void *dist, int dtype, size_t begin, size_t end, int k)
{
    uint64_t sum = 0;
    for (size_t i = begin; i < end; i++)
        sum += dc_quantize_one(dist, dtype, i, k);
    return sum;
}

void dc_blocks_scaled(const void *dist, int dtype, size_t n, int k, uint64_t *out)
{
    uint64_t sum = 0;
    for (size_t i = 0; i < n; i++) {
        sum += dc_quantize_one(dist, dtype, i, k);
        if ((i + 1) % DC_BLOCK_SIZE == 0 || i + 1 == n)
            out[i / DC_BLOCK_SIZE] = sum;
    }
}

/* ---- the K rule from one pass's statistics ---- */

/* The bits of 1.0 or +Inf as dc_scan_info's key holds them (f64: the high half). */
static uint32_t key_of(uint64_t bits, int dtype)
{
    return (uint32_t)(dtype == DC_DTYPE_F64 ? bits >> 32 : bits);
}

int dc_scaled_choose_k(int dtype, const dc_scan_info *info, int kg, uint64_t q, size_t n,
                       int *k)
{
    const uint32_t one = key_of(dc_one_bits(dtype), dtype);
    if (info->neg || info->key >= key_of(dc_inf_bits(dtype), dtype) || info->key == 0)
        return DC_SCALED_INVALID;
    /* floor(log2 max): the key's top set bit relative to the unit of the value 1 */
    const unsigned mb = dtype == DC_DTYPE_F64 ? 20 : dc_layouts[dtype].mant_bits; /* in the key */
    const unsigned e = info->key >> mb;
    const int log2max = e != 0 ? (int)e - (int)(one >> mb)
                               : bit_length(info->key) - 1 - (int)mb - (int)(one >> mb) + 1;
    const int kt = 31 - log2max;
    const int fast = !info->sign && info->key < one;
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
