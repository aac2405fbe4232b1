/* logits.c - logits coders: the exact integer softmax (docs/FORMAT.md section 6) and the
 * default format's frequencies (section 1.3) and range coder over its integer weights.
 *
 * Everything from the logits' bits to the weights is integer arithmetic, so every platform
 * and compiler gets the same weights; the weights are then coded exactly as the default
 * format codes the same integers given as f64 probabilities (their largest is 2^31, so the
 * general scale is K = 0 and u_i = w_i). */
#include <string.h>

#include "alloc.h"
#include "dtype.h"
#include "internal.h"
#include "logits.h"
#include "quantize.h"

#define RANGE_TOP   ((uint64_t)1 << 56)
#define TOTAL_LIMIT ((uint64_t)1 << 32)
#define MASK31      (((uint64_t)1 << 31) - 1)

/* floor(log2(e) * 2^63) */
#define LOG2E_Q63 0xB8AA3B295C17F0BBull

/* 2^g * 2^30 for g in [0, 1] (g in Q31), Horner from the top; the coefficients sum to 2^31
   so g = 1 gives exactly 2^31. Relative error below 7.5e-6. */
static const uint32_t exp2_poly[5] = {1073749785u, 744074009u, 259420703u, 55560768u,
                                      14678383u};

/* ---- the temperature ---- */

dc_logit_temp dc_logit_temp_of(double temperature)
{
    uint64_t bits;
    memcpy(&bits, &temperature, 8);
    /* T = m * 2^e exactly */
    const unsigned ef = (unsigned)(bits >> 52) & 0x7ffu;
    uint64_t m = bits & 0xfffffffffffffull;
    int e = -1074;
    if (ef != 0) {
        m |= (uint64_t)1 << 52;
        e = (int)ef - 1075;
    }
    /* c = floor(LOG2E_Q63 * 2^k / m) in [2^31, 2^32): integer division, then the quotient
       either shortened (floor of a floor is the floor) or extended bit by bit. */
    uint64_t q = LOG2E_Q63 / m, r = LOG2E_Q63 % m;
    int k = 0;
    while (q >= ((uint64_t)1 << 32)) {
        q >>= 1;
        k--;
    }
    while (q < ((uint64_t)1 << 31)) {
        r <<= 1; /* r < m < 2^53 */
        q <<= 1;
        if (r >= m) {
            r -= m;
            q |= 1;
        }
        k++;
    }
    /* log2(e) / T ~ c * 2^-(63 + e + k); y = d * c / 2^sh with d in units of 2^-16 */
    dc_logit_temp t;
    t.c = (uint32_t)q;
    t.sh = 63 + e + k + DC_LOGIT_FRAC_BITS;
    return t;
}

/* ---- the weights ---- */

uint32_t dc_logit_weight(uint32_t d, dc_logit_temp t)
{
    const uint64_t p = (uint64_t)d * t.c; /* < 2^63 */
    uint64_t n;                           /* floor(y) */
    uint32_t f;                           /* floor(frac(y) * 2^31) */
    if (t.sh >= 64) {
        n = 0;
        f = t.sh - 31 >= 64 ? 0 : (uint32_t)((p >> (t.sh - 31)) & MASK31);
    } else if (t.sh >= 31) {
        n = p >> t.sh;
        f = (uint32_t)((p >> (t.sh - 31)) & MASK31);
    } else if (t.sh >= 0) {
        n = p >> t.sh;
        f = (uint32_t)((p << (31 - t.sh)) & MASK31);
    } else { /* y = p * 2^-sh is an integer, >= 2^31 unless d = 0 */
        n = p ? 32 : 0;
        f = 0;
    }
    if (n >= 32)
        return 0;
    /* 2^-y = 2^-n * 2^(1 - frac) / 2 */
    const uint64_t g = ((uint64_t)1 << 31) - f; /* 1 - frac in Q31, in [1, 2^31] */
    uint64_t acc = exp2_poly[4];
    for (int i = 3; i >= 0; i--)
        acc = ((acc * g) >> 31) + exp2_poly[i];
    return (uint32_t)(acc >> n);
}

/* z of one element with bits b, or a NaN / infinity error. */
static inline dc_result fix_one(uint64_t b, int dtype, int32_t *z)
{
    const dc_layout *l = &dc_layouts[dtype];
    const uint64_t sign = (uint64_t)1 << (l->exp_bits + l->mant_bits);
    const uint64_t mag = b & (sign - 1);
    const uint64_t inf = dc_inf_bits(dtype);
    if (mag >= inf)
        return mag > inf ? DC_ERR_NAN : DC_ERR_INFINITE;
    uint64_t mant;
    int exp2;
    dc_decompose(mag, dtype, &mant, &exp2);
    const int sh = exp2 + DC_LOGIT_FRAC_BITS; /* |x| * 2^16 = mant * 2^sh */
    uint64_t v;
    if (sh >= 0)
        v = sh > 30 || (mant >> (30 - sh)) != 0 ? (uint64_t)DC_LOGIT_CLAMP : mant << sh;
    else
        v = sh <= -64 ? 0 : mant >> -sh;
    if (v > (uint64_t)DC_LOGIT_CLAMP)
        v = DC_LOGIT_CLAMP;
    *z = (b & sign) ? -(int32_t)v : (int32_t)v;
    return DC_OK;
}

dc_result dc_logits_fix(const void *x, int dtype, size_t n, int32_t *z, int32_t *zmax)
{
    int32_t max = -DC_LOGIT_CLAMP;
    for (size_t i = 0; i < n; i++) {
        const dc_result r = fix_one(dc_elem_bits(x, dtype, i), dtype, &z[i]);
        if (r != DC_OK)
            return r;
        if (z[i] > max)
            max = z[i];
    }
    *zmax = max;
    return DC_OK;
}

/* ---- scalar kernels ---- */

#define SCALAR_FIX(NAME, DTYPE)                                                               \
    static int NAME(const void *x, size_t n, int32_t *z, int32_t *zmax)                       \
    {                                                                                         \
        return dc_logits_fix(x, DTYPE, n, z, zmax) == DC_OK;                                  \
    }
SCALAR_FIX(fix_f32, DC_DTYPE_F32)
SCALAR_FIX(fix_f64, DC_DTYPE_F64)
SCALAR_FIX(fix_f16, DC_DTYPE_F16)
SCALAR_FIX(fix_bf16, DC_DTYPE_BF16)

static void weigh_scalar(const int32_t *z, size_t n, int32_t zmax, dc_logit_temp t, uint32_t *w,
                         uint64_t *blocks)
{
    uint64_t sum = 0;
    for (size_t i = 0; i < n; i++) {
        /* zmax - z[i] in [0, 2^31]: computed in unsigned arithmetic (no overflow) */
        const uint32_t wi = dc_logit_weight((uint32_t)zmax - (uint32_t)z[i], t);
        w[i] = wi;
        sum += wi;
        if ((i + 1) % DC_BLOCK_SIZE == 0 || i + 1 == n)
            blocks[i / DC_BLOCK_SIZE] = sum;
    }
}

const dc_logits_kernels dc_logits_kernels_scalar = {
    "scalar", {fix_f32, fix_f64, fix_f16, fix_bf16}, weigh_scalar};

const dc_logits_kernels *const *dc_logits_kernels_available(void)
{
    static const dc_logits_kernels *const sets[] = {
#if defined(__wasm_simd128__)
        &dc_logits_kernels_wasm_simd128,
#endif
        &dc_logits_kernels_scalar, NULL};
    return sets;
}

/* ---- one step's weights ---- */

/* w (in c->lw) and the block sums (in c->blocks) of logits x[0..n). Changes nothing the
   stream depends on. */
static dc_result step_weights(dc_coder *c, const void *x, int dtype, size_t n)
{
    void *buf = c->lw;
    dc_result r = dc_grow(&c->alloc, &buf, &c->lw_cap, n, sizeof(uint32_t));
    c->lw = (uint32_t *)buf;
    if (r == DC_OK)
        r = dc_blocks_reserve(c, (n + DC_BLOCK_SIZE - 1) / DC_BLOCK_SIZE);
    if (r != DC_OK)
        return r;
    const dc_logits_kernels *k = dc_logits_kernels_available()[0];
    int32_t *z = (int32_t *)c->lw;
    int32_t zmax;
    const dc_logits_fix_fn fix =
        k->fix[dtype] ? k->fix[dtype] : dc_logits_kernels_scalar.fix[dtype];
    if (!fix(x, n, z, &zmax)) {
        r = dc_logits_fix(x, dtype, n, z, &zmax); /* names the first bad element */
        if (r != DC_OK)
            return r;
    }
    (k->weigh ? k->weigh : dc_logits_kernels_scalar.weigh)(z, n, zmax, c->temp, c->lw, c->blocks);
    return DC_OK;
}

/* The shift s and total T of section 1.3 for Q = sum w_i. */
static int total_shift(uint64_t q, size_t n, uint64_t *total)
{
    int s = 0;
    while ((q >> s) + n >= TOTAL_LIMIT)
        s++;
    *total = (q >> s) + n;
    return s;
}

static dc_result logits_encode_step(dc_coder *c, const void *x, int dtype, size_t n, size_t sym)
{
    dc_result r = step_weights(c, x, dtype, n);
    if (r == DC_OK) /* a step writes at most the cached byte, the pending run and 3 more */
        r = dc_out_reserve(c, c->st.renc.pending + 8);
    if (r != DC_OK)
        return r;
    uint64_t total;
    const int s = total_shift(c->blocks[(n - 1) / DC_BLOCK_SIZE], n, &total);
    const size_t blk = sym / DC_BLOCK_SIZE;
    uint64_t below = blk > 0 ? c->blocks[blk - 1] : 0;
    for (size_t i = blk * DC_BLOCK_SIZE; i < sym; i++)
        below += c->lw[i];
    const uint64_t cum = (below >> s) + sym;
    const uint64_t next = ((below + c->lw[sym]) >> s) + sym + 1;
    dc_range_encode_interval(c, cum, next - cum, total);
    return DC_OK;
}

static dc_result logits_decode_step(dc_coder *c, const void *x, int dtype, size_t n,
                                    size_t *sym)
{
    const dc_result r = step_weights(c, x, dtype, n);
    if (r != DC_OK)
        return r;
    uint64_t total;
    const int s = total_shift(c->blocks[(n - 1) / DC_BLOCK_SIZE], n, &total);
    dc_range_decoder *d = &c->st.rdec;
    const uint64_t rr = d->range / total;
    const uint64_t t = d->code / rr;
    if (t >= total)
        return DC_ERR_CORRUPT_STREAM;
    /* The largest k with Z_k = S_k + k * 2^s < (t + 1) * 2^s: first the block, then inside */
    const uint64_t unit = (uint64_t)1 << s;
    const uint64_t threshold = (t + 1) << s;
    size_t lo = 0, hi = (n - 1) / DC_BLOCK_SIZE;
    while (lo < hi) {
        const size_t mid = lo + (hi - lo) / 2;
        const size_t end = (mid + 1) * DC_BLOCK_SIZE;
        if (c->blocks[mid] + end * unit >= threshold)
            hi = mid;
        else
            lo = mid + 1;
    }
    size_t k = lo * DC_BLOCK_SIZE;
    uint64_t z = (lo > 0 ? c->blocks[lo - 1] : 0) + k * unit;
    while (k + 1 < n && z + c->lw[k] + unit < threshold) {
        z += c->lw[k] + unit;
        k++;
    }
    const uint64_t below = z - k * unit;
    const uint64_t cum = (below >> s) + k;
    const uint64_t next = ((below + c->lw[k]) >> s) + k + 1;
    d->code -= rr * cum;
    d->range = rr * (next - cum);
    while (d->range < RANGE_TOP) {
        d->code = (d->code << 8) | dc_in_byte(c);
        d->range <<= 8;
    }
    *sym = k;
    return DC_OK;
}

/* The stream around the steps is the default format's. */
static void logits_begin(dc_coder *c)
{
    dc_default_format_ops.begin(c);
}

static dc_result logits_finish(dc_coder *c)
{
    return dc_default_format_ops.finish(c);
}

static void logits_start(dc_coder *c)
{
    dc_default_format_ops.start(c);
}

const dc_format_ops dc_logits_format_ops = {
    logits_begin, logits_encode_step, logits_finish, logits_start, logits_decode_step, NULL,
};

dc_result dc_logit_weights(const void *logits, dc_dtype dtype, size_t vocab,
                           double temperature, uint32_t *w)
{
    if (!logits || !w)
        return DC_ERR_NULL_ARGUMENT;
    if (dc_dtype_size(dtype) == 0)
        return DC_ERR_BAD_DTYPE;
    if (vocab == 0 || vocab > DC_MAX_VOCAB)
        return DC_ERR_BAD_VOCAB;
    if (!dc_temperature_valid(temperature))
        return DC_ERR_BAD_TEMPERATURE;
    int32_t zmax;
    const dc_result r = dc_logits_fix(logits, dtype, vocab, (int32_t *)w, &zmax);
    if (r != DC_OK)
        return r;
    const dc_logit_temp t = dc_logit_temp_of(temperature);
    for (size_t i = 0; i < vocab; i++)
        w[i] = dc_logit_weight((uint32_t)zmax - w[i], t);
    return DC_OK;
}
