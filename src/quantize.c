/* quantize.c - the scalar reference quantisation and the slow path. */
#include "quantize.h"

#include <string.h>

/* Raw bits of element i, widened to 64 bits, in the element's own layout. */
static uint64_t element_bits(const void *dist, int dtype, size_t i)
{
    const unsigned char *p = (const unsigned char *)dist;
    switch (dtype) {
    case DC_DTYPE_F32: { uint32_t b; memcpy(&b, p + 4 * i, 4); return b; }
    case DC_DTYPE_F64: { uint64_t b; memcpy(&b, p + 8 * i, 8); return b; }
    default:           { uint16_t b; memcpy(&b, p + 2 * i, 2); return b; }
    }
}

/* Field layout of each dtype: mantissa bits, exponent bits, exponent of the smallest
   subnormal's unit (so a value is M * 2^(e_field - bias - mant_bits) for normals). */
typedef struct dc_layout {
    unsigned mant_bits, exp_bits;
    int min_exp; /* exponent of the unit of M for subnormals: 1 - bias - mant_bits */
} dc_layout;

static const dc_layout layouts[4] = {
    {23, 8, -149},   /* f32 */
    {52, 11, -1074}, /* f64 */
    {10, 5, -24},    /* f16 */
    {7, 8, -133},    /* bf16 */
};

/* |value| = *mant * 2^*exp2, exactly, for a finite element. */
static void decompose(uint64_t bits, int dtype, uint64_t *mant, int *exp2)
{
    const dc_layout *l = &layouts[dtype];
    const uint64_t m = bits & (((uint64_t)1 << l->mant_bits) - 1);
    const unsigned e = (unsigned)(bits >> l->mant_bits) & ((1u << l->exp_bits) - 1);
    if (e == 0) {
        *mant = m;
        *exp2 = l->min_exp;
    } else {
        *mant = m | ((uint64_t)1 << l->mant_bits);
        *exp2 = l->min_exp + (int)e - 1;
    }
}

static uint64_t shift_scaled(uint64_t mant, int sh)
{
    if (sh >= 0)
        return mant << sh; /* callers guarantee the result fits */
    return sh <= -64 ? 0 : mant >> -sh;
}

uint64_t dc_quantize_one(const void *dist, int dtype, size_t i, int k)
{
    uint64_t mant;
    int exp2;
    decompose(element_bits(dist, dtype, i), dtype, &mant, &exp2);
    return shift_scaled(mant, exp2 + k);
}

static int bit_length(uint64_t v)
{
    int n = 0;
    while (v) {
        v >>= 1;
        n++;
    }
    return n;
}

dc_result dc_scan_max_exponent(const void *dist, int dtype, size_t n, int *max_exp)
{
    const dc_layout *l = &layouts[dtype];
    const unsigned total_bits = 1 + l->exp_bits + l->mant_bits;
    const uint64_t sign = (uint64_t)1 << (total_bits - 1);
    const uint64_t inf = (((uint64_t)1 << l->exp_bits) - 1) << l->mant_bits;
    uint64_t max_mag = 0;
    for (size_t i = 0; i < n; i++) {
        const uint64_t b = element_bits(dist, dtype, i);
        const uint64_t mag = b & (sign - 1);
        if (mag > inf)
            return DC_ERR_NAN;
        if (mag == inf)
            return DC_ERR_INFINITE;
        if ((b & sign) && mag != 0)
            return DC_ERR_NEGATIVE;
        if (mag > max_mag) /* positive floats order like their bits */
            max_mag = mag;
    }
    if (max_mag == 0)
        return DC_ERR_NO_MASS;
    uint64_t mant;
    int exp2;
    decompose(max_mag, dtype, &mant, &exp2);
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

/* ---- scalar reference kernels at K = 32 ---- */

/* Bits of 1.0 in each dtype: an element is in [+0, 1) exactly when its bits are below. */
static const uint64_t one_bits[4] = {0x3f800000u, 0x3ff0000000000000u, 0x3c00u, 0x3f80u};

static int sum32_ref(const void *dist, int dtype, size_t begin, size_t end, uint64_t *sum)
{
    uint64_t s = 0;
    for (size_t i = begin; i < end; i++) {
        if (element_bits(dist, dtype, i) >= one_bits[dtype])
            return 0;
        s += dc_quantize_one(dist, dtype, i, 32);
    }
    *sum = s;
    return 1;
}

static int blocks32_ref(const void *dist, int dtype, size_t n, uint64_t *out)
{
    uint64_t s = 0;
    for (size_t i = 0; i < n; i++) {
        if (element_bits(dist, dtype, i) >= one_bits[dtype])
            return 0;
        s += dc_quantize_one(dist, dtype, i, 32);
        if ((i + 1) % DC_BLOCK_SIZE == 0 || i + 1 == n)
            out[i / DC_BLOCK_SIZE] = s;
    }
    return 1;
}

#define DC_REF_KERNELS(suffix, dtype)                                                   \
    static int sum32_ref_##suffix(const void *d, size_t b, size_t e, uint64_t *s)      \
    {                                                                                   \
        return sum32_ref(d, dtype, b, e, s);                                            \
    }                                                                                   \
    static int blocks32_ref_##suffix(const void *d, size_t n, uint64_t *o)             \
    {                                                                                   \
        return blocks32_ref(d, dtype, n, o);                                            \
    }

DC_REF_KERNELS(f32, DC_DTYPE_F32)
DC_REF_KERNELS(f64, DC_DTYPE_F64)
DC_REF_KERNELS(f16, DC_DTYPE_F16)
DC_REF_KERNELS(bf16, DC_DTYPE_BF16)

const dc_kernels dc_kernels_scalar = {
    "scalar",
    {sum32_ref_f32, sum32_ref_f64, sum32_ref_f16, sum32_ref_bf16},
    {blocks32_ref_f32, blocks32_ref_f64, blocks32_ref_f16, blocks32_ref_bf16},
};
